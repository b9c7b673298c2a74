"""Plausibility rules (`rimlighet`, catalogue Ö20): figures that contradict
each other are not evidence. A broken rule marks the facts it reads (element
by element for `alla x i lista: …`) as implausible, so a requirement that
reads them cannot be assessed and the supplement request names the
contradiction in words; the closures and the generated code agree."""

from __future__ import annotations

import json
import random
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kokdsl.cli import main
from kokdsl.evaluator import outcomes
from kokdsl.parser import parse_or_raise
from kokdsl.pipeline import assess, check_rulebook_source, load_rulebook
from kokdsl.plausibility import broken
from kokdsl.selfreport import validate
from kokdsl.values import UNKNOWN

ROOT = Path(__file__).resolve().parents[2]
OREBRO = load_rulebook(ROOT / "rulebooks/orebro/2025.kok").rulebook

BOOK = """regelbok "R" utgåva 2026
uppgift besök: heltal "Alla besök."
uppgift inom: heltal "Besök inom 3 dagar."
uppgift chef: text "Verksamhetschef."
uppgift telefon: lista av månad "Per månad."
post månad:
  namn: text "Månad."
  samtal: heltal "Samtal."
  besvarade: heltal "Besvarade."
rimlighet "Besöken inom 3 dagar kan inte vara fler än alla besök."
    på engelska "Visits within 3 days cannot exceed all visits."
  inom <= besök
rimlighet "En månad kan inte ha fler besvarade samtal än samtal."
  alla m i telefon: m.besvarade <= m.samtal
rimlighet "Chefens namn är inte ifyllt."
  chef != ""
krav 1 "Besök" skall
  \"\"\"Minst 90 % av besöken ska ske inom 3 dagar.\"\"\"
  inom >= 90 % * besök
krav 2 "Telefon" skall
  \"\"\"Minst 90 % av samtalen ska besvaras.\"\"\"
  summa(m i telefon: m.besvarade) >= 90 % * summa(m i telefon: m.samtal)
krav 3 "Månader" skall
  \"\"\"Varje månad ska ha ett namn.\"\"\"
  alla m i telefon: m.namn != ""
krav 4 "Chef" skall
  \"\"\"Vårdcentralen ska ha en chef som heter Anna.\"\"\"
  chef = "Anna"
"""
RULEBOOK = check_rulebook_source(BOOK, "r.kok").rulebook
REPORT = {"vårdcentral": {"namn": "X (fiktiv)", "id": "X", "fiktiv": True}, "besök": 5200, "inom": 48100,
          "chef": "Anna",
          "telefon": [{"namn": "okt", "samtal": 100, "besvarade": 120}, {"namn": "nov", "samtal": 100,
                                                                         "besvarade": 95}]}


def test_the_rule_parses_with_its_sentences_and_prints_back():
    from kokdsl.authoring.formatter import format_source

    tree = parse_or_raise(BOOK)
    rule = next(i for i in tree.items if type(i).__name__ == "Plausibility")
    assert rule.text("sv") == "Besöken inom 3 dagar kan inte vara fler än alla besök."
    assert rule.text("en") == "Visits within 3 days cannot exceed all visits."
    assert parse_or_raise(format_source(tree, BOOK)) == tree


def test_a_rule_must_be_a_condition_with_a_sentence():
    bad = check_rulebook_source('regelbok "R" utgåva 1\nuppgift x: heltal "x"\nrimlighet "" x + 1\n'
                                'krav 1 "t" skall x > 0\n', "r.kok")
    assert {d.code for d in bad.diagnostics if d.severity == "error"} == {
        "compile.plausibility_not_bool", "compile.plausibility_without_sentence"}


def test_contradicting_figures_cannot_be_assessed_and_say_why():
    report = validate(REPORT, RULEBOOK)
    implausible = [(p.path, p.reason.text("sv")) for p in report.problems if p.kind == "implausible"]
    assert implausible == [
        ("$.besök", "Besöken inom 3 dagar kan inte vara fler än alla besök."),
        ("$.inom", "Besöken inom 3 dagar kan inte vara fler än alla besök."),
        ("$.telefon[0].besvarade", "En månad kan inte ha fler besvarade samtal än samtal."),
        ("$.telefon[0].samtal", "En månad kan inte ha fler besvarade samtal än samtal."),
    ]
    assert report.facts["inom"] is UNKNOWN and report.facts["besök"] is UNKNOWN
    assert report.facts["telefon"][0].fields["samtal"] is UNKNOWN
    assert report.facts["telefon"][1].fields["samtal"] == 100  # only the offending month
    outcome = {r.id: str(o) for r, o in outcomes(RULEBOOK, report.facts)}
    assert outcome == {"1": "cannot_assess", "2": "cannot_assess", "3": "met", "4": "met"}
    assert report.problems[0].reason is not None
    assert report.problems[0].reason.text("en") == "Visits within 3 days cannot exceed all visits."


def test_an_empty_name_is_no_match_and_unknowns_break_no_rule():
    report = validate({**REPORT, "chef": "", "inom": None, "telefon": [{"namn": "okt", "samtal": None,
                                                                       "besvarade": 5}]}, RULEBOOK)
    assert [p.path for p in report.problems if p.kind == "implausible"] == ["$.chef"]
    assert {r.id: str(o) for r, o in outcomes(RULEBOOK, report.facts)}["4"] == "cannot_assess"


def test_the_supplement_request_names_the_contradiction(tmp_path):
    from click.testing import CliRunner

    book, centre = tmp_path / "r.kok", tmp_path / "c.yaml"
    book.write_text(BOOK, encoding="utf-8")
    centre.write_text(yaml.safe_dump(REPORT, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(book), str(centre)])
    assert "KOMPLETTERING" in result.output
    assert "  - $.inom: uppgifterna motsäger varandra: Besöken inom 3 dagar kan inte vara fler än alla besök." \
        in result.output
    data = json.loads(CliRunner().invoke(main, ["run", str(book), str(centre), "--format", "json", "--lang",
                                                "en"]).output)
    missing = {p["path"]: (p["kind"], p["reason"]) for p in data["decision"]["missing"]}
    assert missing["$.inom"] == ("implausible", "Visits within 3 days cannot exceed all visits.")


def test_48100_visits_within_3_days_of_5200_is_no_longer_met():
    document = yaml.safe_load((ROOT / "examples/godkand.yaml").read_text(encoding="utf-8"))
    document["läkarbesök_inom_3_dagar"] = 48100
    assessment = assess(OREBRO, validate(document, OREBRO))
    result = next(r for r in assessment.evaluation.results if r.requirement.id == "8.2")
    assert str(result.outcome) == "cannot_assess"
    assert {p.kind for p in result.problems} == {"implausible"}


@settings(max_examples=120, deadline=None)
@given(st.integers(0, 10_000), st.floats(0, 3), st.floats(0, 3), st.booleans())
def test_generated_code_agrees_with_closures_when_figures_contradict(seed, visits, calls, blank):
    """Synthetic centres whose figures break the Örebro book's plausibility
    rules at random: both evaluation paths see the same marked facts, and no
    requirement that reads an implausible value is met or not met."""
    from kokdsl.intake.synthetic import centre, pick_scenario

    rng = random.Random(seed)
    document = centre(rng, 1, pick_scenario(rng))
    if isinstance(document.get("läkarbesök"), int):
        document["läkarbesök_inom_3_dagar"] = round(document["läkarbesök"] * visits)
    for month in document.get("telefonstatistik") or []:
        month["besvarade_samma_dag"] = round(month["samtal"] * calls)
    if blank and document.get("filialer"):
        document["filialer"][0]["vårdgivare"] = ""
    report = validate(document, OREBRO)
    expected = [outcome for _, outcome in outcomes(OREBRO, report.facts)]
    assert OREBRO.outcome_function()(report.facts) == expected
    implausible = {p.fact for p in report.problems if p.kind == "implausible"}
    for req, outcome in zip(OREBRO.requirements, expected, strict=True):
        if implausible & set(req.dependencies) and req.id in ("8.2",):
            assert str(outcome) == "cannot_assess", req.id
    assert not broken(OREBRO, report.facts)  # what was marked breaks nothing any more
