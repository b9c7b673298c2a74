"""Outcomes, modalities and decision kinds are enum members end to end, and
serialise as the plain words."""

import json

from kokdsl.enums import DecisionKind, Modality, Outcome
from kokdsl.evaluator import GENERATE_AFTER, evaluate
from kokdsl.pipeline import assess, load_rulebook
from kokdsl.selfreport import load_self_report

OREBRO = "rulebooks/orebro/2025.kok"


def test_every_stage_hands_on_members_not_look_alike_strings():
    rulebook = load_rulebook(OREBRO).rulebook
    assert all(type(r.modality) is Modality for r in rulebook.requirements)
    report = load_self_report("examples/avslag.yaml", rulebook)
    # The first uses run the reference closures, later ones the generated code.
    for _ in range(GENERATE_AFTER + 1):
        evaluation = evaluate(rulebook, report)
        assert all(type(r.outcome) is Outcome for r in evaluation.results)
    assessment = assess(rulebook, report)
    assert assessment.decision.kind is DecisionKind.REJECTION


def test_members_serialise_and_format_as_their_words():
    assert json.dumps({Outcome.NOT_MET: [Modality.SHOULD, DecisionKind.APPROVED]}, ensure_ascii=False) == \
        '{"not_met": ["bör", "approved"]}'
    assert f"outcome.{Outcome.CANNOT_ASSESS}" == "outcome.cannot_assess"
    assert Modality("skall") is Modality.SHALL and Modality.SHALL == "skall"
