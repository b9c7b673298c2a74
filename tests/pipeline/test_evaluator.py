"""Evaluation, explanations and the decision, stage by stage."""

import pytest
from helpers import result, rulebook, run, texts

from kokdsl.enums import DecisionKind, Outcome
from kokdsl.prose import findings

OREBRO_LIKE = """
uppgift öppettider: veckoschema
uppgift specialist: veckoschema
uppgift jour: veckoschema
uppgift listade: heltal
uppgift verksamhetschef: text
uppgift samordnare: lista av person
uppgift uppdrag: mängd av {filial, barnhälsovård}
uppgift filialer: lista av filial
uppgift andel: procent

post person:
  namn: text
  utbildning: en av {gymnasial, högskola}

post filial:
  namn: text
  verksamhetschef: text
  godkänd: ja/nej
  listning: ja/nej

krav 1 "Specialist" skall
  specialist täcker öppettider
krav 2 "Öppet" skall
  timmar(öppettider) >= (40 om listade < 6500 annars 45)
krav 3 "Jour" skall
  jour täcker dygnet_runt
krav 4 "Samordnare" skall
  antal(samordnare) >= 1
krav 5 "Utbildning" bör
  alla v i samordnare: v.utbildning = högskola
krav 6 "Filial" skall
  gäller om filial i uppdrag
  alla f i filialer: f.verksamhetschef = verksamhetschef och f.godkänd
krav 7 "Ingen listning" skall
  gäller om filial i uppdrag
  ingen f i filialer: f.listning
krav 8 "Webbtidbok" bör
  andel >= 25 %
"""

GOOD = {
    "öppettider": {"måndag-fredag": "08:00-17:00"},
    "specialist": {"måndag-fredag": "08:00-17:00"},
    "jour": {"alla dagar": "00:00-24:00"},
    "listade": 8000,
    "verksamhetschef": "Anna A",
    "samordnare": [{"namn": "Berit", "utbildning": "högskola"}],
    "uppdrag": ["filial"],
    "filialer": [{"namn": "Norr", "verksamhetschef": "anna a", "godkänd": "ja", "listning": "nej"}],
    "andel": "30 %",
}


@pytest.fixture(scope="module")
def rb():
    return rulebook(OREBRO_LIKE)


def test_a_compliant_centre_is_approved(rb):
    a = run(rb, GOOD)
    assert [r.outcome for r in a.evaluation.results] == [Outcome.MET] * 8
    assert a.decision.kind == DecisionKind.APPROVED


def test_specialist_leaving_early_on_thursday_is_rejected_naming_the_gap(rb):
    week = {"måndag-onsdag": "08:00-17:00", "torsdag": "08:00-15:30", "fredag": "08:00-17:00"}
    a = run(rb, dict(GOOD, specialist=week))
    r = result(a, "1")
    assert r.outcome == Outcome.NOT_MET
    assert texts(r) == ["Specialist saknas under öppettider: torsdagar 15.30–17.00."]
    assert texts(r, "en") == ["Öppettider: not covered by specialist on Thursdays 15:30–17:00."]
    assert a.decision.kind == DecisionKind.REJECTION
    assert [x.requirement.id for x in a.decision.reasons] == ["1"]


def test_opening_hours_threshold_shows_value_against_threshold(rb):
    a = run(rb, dict(GOOD, listade=6000, öppettider={"måndag-fredag": "08:00-15:36"}))
    r = result(a, "2")
    assert r.outcome == Outcome.NOT_MET
    assert texts(r) == ["Timmar per vecka enligt öppettider: 38 timmar; kravet är minst 40 timmar, "
                        "eftersom listade är 6 000, mindre än 6 500."]


def test_threshold_decided_even_when_listed_residents_unknown(rb):
    # 45 h meets both the 40 h and the 45 h tier, so the missing count does not matter.
    a = run(rb, {k: v for k, v in GOOD.items() if k != "listade"})
    assert result(a, "2").outcome == Outcome.MET
    a = run(rb, dict({k: v for k, v in GOOD.items() if k != "listade"}, öppettider={"måndag-fredag": "08:00-16:30"}))
    assert result(a, "2").outcome == Outcome.CANNOT_ASSESS


def test_failing_list_elements_are_named(rb):
    branches = [
        {"namn": "Norr", "verksamhetschef": "Anna A", "godkänd": True, "listning": False},
        {"namn": "Påhittsby", "verksamhetschef": "Per P", "godkänd": False, "listning": True},
    ]
    a = run(rb, dict(GOOD, filialer=branches))
    assert texts(result(a, "6")) == [
        "Filial Påhittsby:",
        "verksamhetschef: ”Per P”; ska vara samma som verksamhetschef (”Anna A”)",
        "godkänd: nej",
    ]
    assert texts(result(a, "7")) == ["Filial Påhittsby (får inte förekomma):", "listning: ja"]
    assert findings(result(a, "6"))[0].path == "$.filialer[1]"


def test_branch_rules_do_not_apply_without_the_assignment(rb):
    branch = {"namn": "X", "verksamhetschef": "Y", "godkänd": False, "listning": True}
    a = run(rb, dict(GOOD, uppdrag=[], filialer=[branch]))
    r = result(a, "6")
    assert r.outcome == Outcome.NOT_APPLICABLE
    assert texts(r) == ["Kravet gäller bara om filial ingår i uppdrag; "
                        "här: filial ingår inte i uppdrag (inga angivna)."]
    assert a.decision.kind == DecisionKind.APPROVED


def test_missing_fact_makes_a_supplement_request_listing_it(rb):
    a = run(rb, {k: v for k, v in GOOD.items() if k != "jour"})
    assert result(a, "3").outcome == Outcome.CANNOT_ASSESS
    assert a.decision.kind == DecisionKind.SUPPLEMENT_REQUEST
    assert [(p.kind, p.path) for p in a.decision.missing] == [("missing", "$.jour")]


def test_wrongly_typed_record_field_gives_its_path(rb):
    branches = [GOOD["filialer"][0], {"namn": "Syd", "verksamhetschef": 42, "godkänd": True, "listning": False}]
    a = run(rb, dict(GOOD, filialer=branches))
    r = result(a, "6")
    assert r.outcome == Outcome.CANNOT_ASSESS
    assert [(p.kind, p.path) for p in r.problems] == [("invalid", "$.filialer[1].verksamhetschef")]
    diag = [d for d in a.report.diagnostics if d.is_error]
    assert [(d.path, d.text("en")) for d in diag] == [
        ("$.filialer[1].verksamhetschef", "the value 42 is invalid; expected a text")]
    # The branch rule that does not read the broken field is still assessed.
    assert result(a, "7").outcome == Outcome.MET


def test_a_failing_element_decides_even_when_another_is_unknown(rb):
    branches = [{"namn": "Syd", "verksamhetschef": 42, "godkänd": True, "listning": False},
                {"namn": "Väst", "verksamhetschef": "Anna A", "godkänd": False, "listning": False}]
    a = run(rb, dict(GOOD, filialer=branches))
    assert result(a, "6").outcome == Outcome.NOT_MET
    assert a.decision.kind == DecisionKind.REJECTION


def test_failed_bör_is_a_remark_not_a_rejection(rb):
    a = run(rb, dict(GOOD, samordnare=[{"namn": "Cecilia", "utbildning": "gymnasial"}], andel=10))
    assert a.decision.kind == DecisionKind.APPROVED
    assert [r.requirement.id for r in a.decision.remarks] == ["5", "8"]
    assert texts(result(a, "8")) == ["Andel: 10 %; kravet är minst 25 %."]


def test_rejection_wins_over_supplement(rb):
    doc = {k: v for k, v in GOOD.items() if k != "jour"}
    doc["samordnare"] = []
    a = run(rb, doc)
    assert a.decision.kind == DecisionKind.REJECTION
    assert [r.requirement.id for r in a.decision.supplements] == ["3"]


def test_no_coordinator_explained_as_count_against_threshold(rb):
    a = run(rb, dict(GOOD, samordnare=[]))
    assert texts(result(a, "4")) == ["Antal samordnare: 0; kravet är minst 1."]


def test_some_and_count_where_and_sum():
    rb = rulebook("""
        uppgift personal: lista av p
        post p:
          namn: text
          tjänst: procent
          läkare: ja/nej
        krav 1 "Någon läkare" skall
          någon x i personal: x.läkare
        krav 2 "Två läkare" skall
          antal(x i personal: x.läkare) >= 2
        krav 3 "Summa tjänst" skall
          summa(x i personal: x.tjänst) >= 150 %
    """)
    staff = [{"namn": "A", "tjänst": 100, "läkare": True}, {"namn": "B", "tjänst": "40 %", "läkare": False}]
    a = run(rb, {"personal": staff})
    assert [r.outcome for r in a.evaluation.results] == [Outcome.MET, Outcome.NOT_MET, Outcome.NOT_MET]
    assert texts(result(a, "3")) == ["Summan av tjänst för personal: 140 %; kravet är minst 150 %."]
    a = run(rb, {"personal": [{"namn": "B", "tjänst": "40 %", "läkare": False}]})
    assert texts(result(a, "1")) == ["P B:", "läkare: nej"]  # one element: no "ingen av de 1"


def test_evaluation_is_deterministic(rb):
    from kokdsl.outputs.assessment import render_json

    assert render_json(run(rb, GOOD)) == render_json(run(rb, GOOD))


def test_a_trace_always_carries_its_rulebook_and_a_traceless_result_gives_none(rb):
    """The explanation reads names and types from the trace's rulebook, so a
    trace cannot be made without one; a result explained outright (a waiver's)
    has no trace rather than an empty one whose rulebook is None."""
    import attrs

    from kokdsl.enums import Outcome
    from kokdsl.evaluator import RequirementResult, RequirementTrace

    assert not any(f.default is not attrs.NOTHING for f in attrs.fields(RequirementTrace) if f.name == "rulebook")
    traced = result(run(rb, GOOD), "6")
    assert traced.trace.rulebook is rb
    waived = RequirementResult(traced.requirement, Outcome.WAIVED, (), explanation=())
    assert findings(waived) == ()
    with pytest.raises(ValueError, match="without a trace"):
        waived.trace  # noqa: B018
