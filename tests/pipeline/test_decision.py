"""The decision on its own: which results ground a rejection, a supplement
request or an approval with remarks, what a proposal would change, and the
counts by modality."""

from __future__ import annotations

import pytest
from helpers import rulebook, run

from kokdsl.decision import Decision, counts, decide
from kokdsl.enums import DecisionKind, Modality, Outcome

BOOK = """
uppgift a: ja/nej
uppgift b: ja/nej
uppgift c: ja/nej
uppgift d: ja/nej
krav 1 "Ett" skall
  a
krav 2 "Två" skall
  b
krav 3 "Tre" bör
  c
krav 4 "Fyra" bör
  d
"""

PROPOSALS = """
uppgift a: ja/nej
uppgift p: ja/nej
uppgift e: ja/nej
krav 1 "Ett" skall
  a
krav 2 "Förslaget" skall status förslag
  p
krav 3 "Exemplet" skall status exempel
  e
"""


@pytest.fixture(scope="module")
def book():
    return rulebook(BOOK)


def ids(results) -> list[str]:
    return [r.requirement.id for r in results]


def test_all_met_is_approved_without_grounds(book):
    decision = run(book, {"a": True, "b": True, "c": True, "d": True}).decision
    assert decision == Decision(DecisionKind.APPROVED)
    assert decision.approved and decision.if_adopted is None


def test_a_failed_skall_rejects_with_one_reason_each_in_book_order(book):
    decision = run(book, {"a": False, "b": False, "c": True, "d": True}).decision
    assert decision.kind == DecisionKind.REJECTION and not decision.approved
    assert ids(decision.reasons) == ["1", "2"]
    assert decision.supplements == () and decision.missing == ()


def test_an_unassessable_skall_asks_for_the_missing_fact(book):
    decision = run(book, {"a": True, "c": True, "d": True}).decision
    assert decision.kind == DecisionKind.SUPPLEMENT_REQUEST
    assert ids(decision.supplements) == ["2"]
    assert [(p.kind, p.path) for p in decision.missing] == [("missing", "$.b")]


def test_a_rejection_still_lists_what_else_is_missing(book):
    decision = run(book, {"a": False, "c": True, "d": True}).decision
    assert decision.kind == DecisionKind.REJECTION
    assert ids(decision.reasons) == ["1"] and ids(decision.supplements) == ["2"]


def test_bör_never_rejects_it_remarks(book):
    decision = run(book, {"a": True, "b": True, "c": False}).decision
    assert decision.kind == DecisionKind.APPROVED
    assert ids(decision.remarks) == ["3"]
    assert ids(decision.unassessed_remarks) == ["4"]


def test_decide_is_a_function_of_the_evaluation(book):
    assessment = run(book, {"a": False, "b": True, "c": False, "d": True})
    assert decide(assessment.evaluation) == assessment.decision


@pytest.fixture(scope="module")
def proposals():
    return rulebook(PROPOSALS)


def test_a_proposal_and_an_example_never_decide(proposals):
    decision = run(proposals, {"a": True, "p": False, "e": False}).decision
    assert decision.kind == DecisionKind.APPROVED
    assert ids(decision.proposals) == ["2"]  # shown beside the decision, the example is not
    assert decision.if_adopted is not None and decision.if_adopted.kind == DecisionKind.REJECTION
    assert ids(decision.if_adopted.reasons) == ["2"]


def test_adopting_met_proposals_changes_nothing(proposals):
    decision = run(proposals, {"a": False, "p": True, "e": True}).decision
    assert decision.kind == DecisionKind.REJECTION and decision.proposals == ()
    assert decision.if_adopted == Decision(decision.kind, decision.reasons, decision.supplements, decision.missing,
                                           decision.remarks, decision.unassessed_remarks)


def test_an_unassessable_proposal_would_ask_for_a_supplement(proposals):
    decision = run(proposals, {"a": True}).decision
    assert decision.kind == DecisionKind.APPROVED
    assert decision.if_adopted is not None and decision.if_adopted.kind == DecisionKind.SUPPLEMENT_REQUEST


def test_counts_are_by_modality_and_outcome_in_force_only(book, proposals):
    table = counts(run(book, {"a": False, "b": True, "c": True}).evaluation)
    assert table[Modality.SHALL] == {Outcome.MET: 1, Outcome.NOT_MET: 1, Outcome.CANNOT_ASSESS: 0,
                                     Outcome.NOT_APPLICABLE: 0}
    assert table[Modality.SHOULD][Outcome.MET] == 1 and table[Modality.SHOULD][Outcome.CANNOT_ASSESS] == 1
    assert sum(counts(run(proposals, {"a": True}).evaluation)[Modality.SHALL].values()) == 1
