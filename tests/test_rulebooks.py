"""The shipped rulebooks: they compile cleanly, every requirement has a topic
from the shared vocabulary, their rule tests pass with full coverage, and the
examples keep their decisions."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kokdsl.cli import main
from kokdsl.pipeline import assess, check_rulebook
from kokdsl.topics import vocabulary

ROOT = Path(__file__).resolve().parent.parent
RULEBOOKS = sorted((ROOT / "rulebooks").glob("*/*.kok"))
OREBRO_2024 = ROOT / "rulebooks/orebro/2024.kok"
OREBRO_2025 = ROOT / "rulebooks/orebro/2025.kok"


def test_all_four_regions_ship_a_rulebook():
    regions = {p.parent.name for p in RULEBOOKS}
    assert regions == {"orebro", "norrbotten", "dalarna", "vastra_gotaland"}


@pytest.mark.parametrize("path", RULEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_rulebook_compiles_without_warnings(path):
    loaded = check_rulebook(path)
    assert loaded.ok
    assert loaded.diagnostics == ()


@pytest.mark.parametrize("path", RULEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_requirement_has_a_known_topic(path):
    rulebook = check_rulebook(path).rulebook
    assert [r.id for r in rulebook.requirements if r.topic not in vocabulary()] == []


@pytest.mark.parametrize("path", RULEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_rule_tests_pass_with_full_coverage(path):
    result = CliRunner().invoke(main, ["test", str(path), "--min-coverage", "100"])
    assert result.exit_code == 0, result.output
    assert "(100\u00a0%)" in result.output


def test_orebro_2025_payment_inputs_and_region_duties_are_no_requirements():
    # Ö13 is the region's duty, Ö14 and Ö17 are payment inputs: no requirement checks them.
    rulebook = check_rulebook(OREBRO_2025).rulebook
    inputs = {f.name for f in rulebook.facts if f.input_only}
    assert inputs == {"cni", "avstånd_till_sjukhus_km", "kontinuitet_läkarbesök"}
    assert not any(inputs & set(r.dependencies) for r in rulebook.requirements)
    assert "uppföljningsdata_lämnad" not in {f.name for f in rulebook.facts}


def test_proposals_take_no_effective_date_from_the_memo():
    # Ö1, Ö12: the memo of 2025-01-16 proposes; its date is not an effective date.
    rulebook = check_rulebook(OREBRO_2025).rulebook
    assert {r.id: r.valid_from for r in rulebook.requirements if r.valid_from} == {}
    assert {r.id for r in rulebook.requirements if r.status == "proposal"} >= {"1.1", "5.1"}
    # The 2024 edition has neither.
    assert not {"1.1", "5.1"} & {r.id for r in check_rulebook(OREBRO_2024).rulebook.requirements}


@pytest.mark.parametrize("path", RULEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_project_own_numbers_say_so(path):
    # The book's own numbers are 2.1.4 and 6.4 (Örebro) and 11.2.2 (Dalarna).
    own = {"2.1.4", "6.4", "11.2.2"}
    for req in check_rulebook(path).rulebook.requirements:
        if req.id not in own:
            assert "projektets eget" in req.source, req.id


@pytest.mark.parametrize("example, decision", [("godkand", "approved"), ("avslag", "rejection"),
                                               ("komplettering", "supplement_request")])
def test_examples_keep_their_decisions(example, decision):
    rulebook = check_rulebook(OREBRO_2025).rulebook
    assert assess(rulebook, ROOT / "examples" / f"{example}.yaml").decision.kind == decision


def test_the_42_hour_centre_is_rejected_in_2024_and_approved_in_2025():
    centre = ROOT / "examples/centres/centre-0004.yaml"
    assert "scenario: small_42h" in centre.read_text(encoding="utf-8")
    for edition, decision in ((OREBRO_2024, "rejection"), (OREBRO_2025, "approved")):
        assessment = assess(check_rulebook(edition).rulebook, centre)
        assert assessment.decision.kind == decision
    reasons = assess(check_rulebook(OREBRO_2024).rulebook, centre).decision.reasons
    assert [r.requirement.id for r in reasons] == ["2.1"]


def test_example_centres_cover_the_situations_officers_meet():
    files = sorted((ROOT / "examples/centres").glob("*.yaml"))
    assert len(files) == 30
    rulebook = check_rulebook(OREBRO_2025).rulebook
    scenarios, sizes = set(), []
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert text.startswith("# FIKTIV vårdcentral")
        scenarios.add(text.split("scenario: ")[1].split(")")[0])
        report = assess(rulebook, f).report
        assert report.identity.fictional is True and "(fiktiv)" in report.identity.name
        sizes.append(report.facts["listade"])
    assert {"compliant", "specialist_gap", "on_call_gap", "no_coordinator", "branch_other_head",
            "missing_data", "wrongly_typed", "small_42h"} <= scenarios
    assert 2500 <= min(sizes) and max(sizes) <= 22800
    assert "fictional" in (ROOT / "examples/centres/README.md").read_text(encoding="utf-8")


def _outcomes_of(tmp_path, example: str, edit) -> tuple[dict, str]:
    text = edit((ROOT / "examples" / f"{example}.yaml").read_text(encoding="utf-8"))
    path = tmp_path / f"{example}-edited.yaml"
    path.write_text(text, encoding="utf-8")
    assessment = assess(check_rulebook(OREBRO_2025).rulebook, path)
    return {r.requirement.id: str(r.outcome) for r in assessment.evaluation.results}, str(assessment.decision.kind)


def test_on_call_that_starts_when_the_centre_closes_covers_the_week(tmp_path):
    # Issue repro: 2.1.4 reads opening hours and on-call together (the union).
    def on_call_from_closing(text):
        start = text.index("jour:")
        end = text.index("listade:")
        on_call = 'jour:\n  måndag-fredag: "17:00-08:00"\n  lördag: "08:00-08:00"\n  söndag: "08:00-08:00"\n'
        return text[:start] + on_call + text[end:]

    outcomes, decision = _outcomes_of(tmp_path, "godkand", on_call_from_closing)
    assert outcomes["2.1.4"] == "met" and decision == "approved"


def test_branch_rules_apply_to_every_centre_that_declares_a_branch(tmp_path):
    # Issue repro: avslag.yaml without the additional assignment still lists an
    # unapproved branch with another head that offers listing.
    outcomes, decision = _outcomes_of(
        tmp_path, "avslag", lambda text: text.replace("tilläggsuppdrag: [filial]", "tilläggsuppdrag: []"))
    assert (outcomes["6.3"], outcomes["6.4"], outcomes["6.4.1"]) == ("not_met", "not_met", "not_met")
    assert decision == "rejection"


def test_continuity_is_a_payment_input_shown_at_the_level_reached():
    # Ö17: a graded 75-100 % payment scale, never a pass/fail deviation.
    from kokdsl.outputs.findings import render_report

    assessment = assess(check_rulebook(OREBRO_2025).rulebook, ROOT / "examples" / "avslag.yaml")
    assert "kontinuitet_läkarbesök" not in {d for r in assessment.rulebook.requirements for d in r.dependencies}
    page = render_report(assessment, "md", "sv")
    inputs = page[page.index("## Underlag"):page.index("## Spårbarhet")]
    assert "- **Kontinuitet i läkarbesöken:** 61 %" in inputs.replace("\xa0", " ")
    assert "blir aldrig en avvikelse" in inputs
