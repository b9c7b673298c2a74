"""Rule tests as units: finding the test files, loading cases merged over the
base, running them, coverage and its gaps, the terminal report, and the JSON
and JUnit documents of `kok test`."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import pytest

from kokdsl.authoring import ruletest
from kokdsl.authoring.machine import test_entry as entry_of
from kokdsl.authoring.machine import test_json as json_of
from kokdsl.authoring.machine import test_junit as junit_of
from kokdsl.diagnostics import ERROR, Diagnostic
from kokdsl.enums import DecisionKind, Outcome
from kokdsl.errors import RuleTestError
from kokdsl.pipeline import load_rulebook

BOOK = """regelbok "Liten" utgåva 2025 giltig från 2025-01-01
uppgift listade: heltal
uppgift öppet: heltal
krav 1 "Öppet nog" skall
  öppet >= 40
krav 2 "Listade" bör
  listade >= 1000
"""

TESTS = """grund:
  vårdcentral: {namn: "Test (fiktiv)", id: T-1}
  listade: 2000
  öppet: 45
fall:
  - namn: allt uppfyllt
    väntat: {"1": uppfyllt, "2": uppfyllt}
    beslut: godkänd
  - namn: för få timmar
    egenrapport: {öppet: 30}
    väntat: {"1": ej uppfyllt}
    beslut: avslag
    förklaring: "KRAVET  är minst 40"
  - namn: fel förväntan
    egenrapport: {listade: null}
    väntat: {"2": uppfyllt}
    beslut: komplettering
"""


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "bok.kok"
    path.write_text(BOOK, encoding="utf-8")
    (tmp_path / "bok.tests.yaml").write_text(TESTS, encoding="utf-8")
    return path


@pytest.fixture
def run(book):
    rulebook = load_rulebook(book).rulebook
    return ruletest.run_tests(rulebook, ruletest.find_test_files(book), "sv")


def test_test_files_are_the_single_file_then_a_folder_of_them(book):
    assert ruletest.find_test_files(book) == [book.with_name("bok.tests.yaml")]
    folder = book.with_name("bok.tests")
    folder.mkdir()
    (folder / "b.yaml").write_text("fall: []\n", encoding="utf-8")
    (folder / "a.yml").write_text("fall: []\n", encoding="utf-8")
    (folder / "notes.txt").write_text("", encoding="utf-8")
    assert [p.name for p in ruletest.find_test_files(book)] == ["bok.tests.yaml", "a.yml", "b.yaml"]


def test_no_test_file_names_the_one_expected(tmp_path):
    lonely = tmp_path / "ensam.kok"
    with pytest.raises(RuleTestError) as error:
        ruletest.require_test_files(str(lonely))
    assert error.value.code == "ruletest.no_test_file"
    assert error.value.params["expected"] == str(tmp_path / "ensam.tests.yaml")


def test_cases_are_merged_over_the_base_and_null_removes_a_fact(book):
    rulebook = load_rulebook(book).rulebook
    first, second, third = ruletest.load_cases(book.with_name("bok.tests.yaml"), rulebook)
    assert (first.name, first.path, first.report["öppet"]) == ("allt uppfyllt", "$.fall[0]", 45)
    assert second.report["öppet"] == 30 and second.report["listade"] == 2000
    assert "listade" not in third.report
    assert second.expect == {"1": Outcome.NOT_MET} and second.decision == DecisionKind.REJECTION
    assert first.day == datetime.date(2025, 1, 1)  # the edition's first day, not the calendar's


def test_passing_and_failing_cases(run):
    assert [r.passed for r in run.results] == [True, True, False]
    [failed] = run.failures
    outcome, decision = failed.mismatches
    assert (outcome.kind, outcome.requirement, outcome.expected, outcome.actual) == (
        "outcome", "2", Outcome.MET, Outcome.CANNOT_ASSESS)
    assert outcome.details == ("Uppgiften om listade saknas eller är ogiltig i egenrapporten.",)
    assert (decision.kind, decision.expected, decision.actual) == (
        "decision", DecisionKind.SUPPLEMENT_REQUEST, DecisionKind.APPROVED)


def test_an_explanation_fragment_is_matched_ignoring_case_and_spacing(book):
    rulebook = load_rulebook(book).rulebook
    cases = ruletest.load_cases(book.with_name("bok.tests.yaml"), rulebook)
    assert ruletest.run_case(cases[1], rulebook, "sv").passed
    missed = ruletest.run_case(cases[1], rulebook, "en")  # the fragment is Swedish
    assert [m.kind for m in missed.mismatches] == ["explanation"]


def test_coverage_needs_a_met_and_a_not_met_case(run):
    assert run.gaps() == [("2", (Outcome.NOT_MET,))]
    assert run.coverage_percent == 50.0


def test_the_terminal_report_shows_expected_against_actual_then_coverage(run):
    text = ruletest.format_run(run, "en")
    assert "FAILED: fel förväntan" in text
    assert "    - expected: met\n    + actual:   cannot be assessed" in text
    assert "3 cases, 2 passed, 1 failed" in text
    assert "Coverage: 1 of 2 requirements (50%)" in text
    assert "requirement 2 lacks a case that is: not met" in text
    assert (ruletest.format_percent(87.25, "sv"), ruletest.format_percent(87.25, "en")) == ("87,2\u00a0%", "87.2%")


def test_the_json_entry_holds_cases_mismatches_and_coverage(run, book):
    entry = entry_of(str(book), run, min_coverage=80, lang="en")
    assert entry["status"] == "failed" and (entry["passed"], entry["failed"]) == (2, 1)
    assert entry["rulebook"]["name"] == "Liten"
    mismatch = entry["cases"][2]["mismatches"][0]
    assert (mismatch["expected_label"], mismatch["actual_label"]) == ("met", "cannot be assessed")
    assert entry["coverage"] == {"percent": 50.0, "covered": 1, "total": 2, "minimum": 80, "enough": False,
                                 "gaps": [{"requirement": "2", "lacks": ["not_met"]}]}
    assert entry_of(str(book), run, min_coverage=40, lang="en")["coverage"]["enough"] is True


def test_the_document_takes_the_worst_status(run, book):
    error = entry_of("trasig.kok", error=Diagnostic(ERROR, "ruletest.no_test_file", {"expected": "x"}), lang="en")
    assert error == {"file": "trasig.kok", "status": "error", "diagnostics": [error["diagnostics"][0]]}
    assert json_of([entry_of(str(book), run, lang="en")], "en")["status"] == "failed"
    assert json_of([entry_of(str(book), run, lang="en"), error], "en")["status"] == "error"
    assert json_of([], "en")["status"] == "passed" and json_of([], "en")["format"] == "kokdsl.test"


def test_junit_has_a_testcase_per_case_a_failure_per_mismatch_and_coverage(run, book):
    error = entry_of("trasig.kok", error=Diagnostic(ERROR, "ruletest.no_test_file", {"expected": "x"}), lang="en")
    root = ET.fromstring(junit_of([entry_of(str(book), run, min_coverage=80, lang="en"), error], "en"))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "2", "1")
    suite, broken = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["allt uppfyllt", "för få timmar", "fel förväntan", "coverage"]
    failure = cases[2].find("failure")
    assert failure is not None and failure.get("message") == "requirement 2: expected met, actual cannot be assessed"
    assert "2: not_met" in (cases[3].find("failure").text or "")
    assert broken.find("testcase/error") is not None
