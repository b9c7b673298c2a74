"""The shipped rulebooks: they compile cleanly, every requirement has a topic
from the shared vocabulary, their rule tests pass with full coverage, and the
examples keep their decisions."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kokdsl.cli import main
from kokdsl.pipeline import assess, load_rulebook
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
    loaded = load_rulebook(path)
    assert loaded.ok
    assert loaded.diagnostics == ()


@pytest.mark.parametrize("path", RULEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_requirement_has_a_known_topic(path):
    rulebook = load_rulebook(path).rulebook
    assert [r.id for r in rulebook.requirements if r.topic not in vocabulary()] == []


@pytest.mark.parametrize("path", RULEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_rule_tests_pass_with_full_coverage(path):
    result = CliRunner().invoke(main, ["test", str(path), "--min-coverage", "100"])
    assert result.exit_code == 0, result.output
    assert "(100,0 %)" in result.output


def test_orebro_2025_encodes_every_catalogue_row():
    rulebook = load_rulebook(OREBRO_2025).rulebook
    ids = [r.id for r in rulebook.requirements]
    assert ids == ["1.1", "2.1", "2.1.4", "3.1", "3.1.1", "3.2", "4.1", "4.2", "5.1", "5.2",
                   "6.4", "6.4.1", "8.1", "8.2", "8.3"]
    assert {c.title for c in rulebook.chapters} >= {"Basuppdrag", "Tilläggsuppdrag: filial", "Indikatorer"}
    # CNI and distance to hospital are payment inputs (`underlag`), never pass/fail.
    inputs = {f.name for f in rulebook.facts if f.input_only}
    assert inputs == {"cni", "avstånd_till_sjukhus_km"}
    assert not any(inputs & set(r.dependencies) for r in rulebook.requirements)


@pytest.mark.parametrize("path", RULEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_project_own_numbers_say_so(path):
    # The book's own numbers are 2.1.4 and 6.4 (Örebro) and 11.2.2 (Dalarna).
    own = {"2.1.4", "6.4", "11.2.2"}
    for req in load_rulebook(path).rulebook.requirements:
        if req.id not in own:
            assert "projektets eget" in req.source, req.id


@pytest.mark.parametrize("example, decision", [("godkand", "approved"), ("avslag", "rejection"),
                                               ("komplettering", "supplement_request")])
def test_examples_keep_their_decisions(example, decision):
    rulebook = load_rulebook(OREBRO_2025).rulebook
    assert assess(rulebook, ROOT / "examples" / f"{example}.yaml").decision.kind == decision


def test_the_42_hour_centre_is_rejected_in_2024_and_approved_in_2025():
    centre = ROOT / "examples/centres/centre-0004.yaml"
    assert "scenario: small_42h" in centre.read_text(encoding="utf-8")
    for edition, decision in ((OREBRO_2024, "rejection"), (OREBRO_2025, "approved")):
        assessment = assess(load_rulebook(edition).rulebook, centre)
        assert assessment.decision.kind == decision
    reasons = assess(load_rulebook(OREBRO_2024).rulebook, centre).decision.reasons
    assert [r.requirement.id for r in reasons] == ["2.1"]


def test_example_centres_cover_the_situations_officers_meet():
    files = sorted((ROOT / "examples/centres").glob("*.yaml"))
    assert len(files) == 30
    rulebook = load_rulebook(OREBRO_2025).rulebook
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
