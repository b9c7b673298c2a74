"""prose on its own: numbers and values as an officer writes them, checks as
sentences in Swedish and English, and findings written from an evaluation's
trace (the evaluator holds values; prose writes the words)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from helpers import rulebook, run

from kokdsl import prose
from kokdsl.compiled import Type
from kokdsl.enums import Outcome
from kokdsl.evaluator import Finding, RequirementResult
from kokdsl.values import UNKNOWN

NBSP = "\xa0"

BOOK = """
uppgift listade: heltal visas som "antal listade" på engelska "number listed"
uppgift andel: procent
uppgift öppettider: veckoschema
uppgift filial: ja/nej
krav 1 "Ett" skall
  gäller om filial
  listade >= 6500
krav 2 "Två" bör
  andel >= 25 %
krav 3 "Tre" skall
  timmar(öppettider) >= (40 om listade < 6500 annars 45)
"""


@pytest.fixture(scope="module")
def book():
    return rulebook(BOOK)


@pytest.mark.parametrize("value, sv, en", [
    (6500, f"6{NBSP}500", "6,500"),
    (999, "999", "999"),
    (-1234567, f"-1{NBSP}234{NBSP}567", "-1,234,567"),
    (Fraction(77, 2), "38,5", "38.5"),
    (Fraction(1, 3), "0,33", "0.33"),
])
def test_numbers_are_grouped_and_use_the_languages_decimal_sign(value, sv, en):
    assert prose.number(value, "sv") == sv
    assert prose.number(value, "en") == en


def test_values_are_written_as_in_a_letter():
    percent, hours = Type("percent"), Type("decimal", unit="h")
    assert prose.value_text(Fraction(1, 4), percent, "sv") == f"25{NBSP}%"
    assert prose.value_text(Fraction(1, 4), percent, "en") == "25%"
    assert prose.value_text(Fraction(81, 2), hours, "sv") == f"40,5{NBSP}timmar"
    assert (prose.value_text(True, None, "sv"), prose.value_text(False, None, "en")) == ("ja", "no")
    assert (prose.value_text(UNKNOWN, None, "sv"), prose.value_text(UNKNOWN, None, "en")) == ("okänt", "unknown")
    assert prose.value_text(frozenset(), Type("set"), "sv") == "inga angivna"


def test_names_come_from_the_rulebook_else_from_the_identifier(book):
    names = prose.Names(book)
    assert (names.fact("listade", "sv"), names.fact("listade", "en")) == ("antal listade", "number listed")
    assert names.fact("okänd_uppgift", "sv") == "okänd uppgift"
    assert prose.words("verksamhets_chef") == "verksamhets chef"


def test_checks_read_as_sentences_in_both_languages(book):
    check = {r.id: r.check for r in book.requirements}
    assert prose.check_sentence(check["1"], book, "sv") == f"Antal listade är minst 6{NBSP}500."
    assert prose.check_sentence(check["1"], book, "en") == "Number listed is at least 6,500."
    assert prose.check_sentence(check["2"], book, "en") == "Andel is at least 25%."
    assert prose.check_sentence(check["3"], book, "sv") == (
        f"Timmar per vecka enligt öppettider är minst 40 om antal listade är mindre än 6{NBSP}500, annars 45.")
    assert prose.check_clause(book.requirements[0].condition, book, "sv") == "filial: ja"


def test_a_failed_check_names_the_value_and_the_requirement(book):
    result = run(book, {"listade": 6000, "filial": True}).evaluation.results[0]
    [finding] = prose.findings(result)
    assert finding.code == "prose.compare.not_met"
    assert prose.finding_text(finding, "sv") == f"Antal listade: 6{NBSP}000; kravet är minst 6{NBSP}500."
    assert prose.finding_text(finding, "en") == "Number listed: 6,000; the requirement is at least 6,500."


def test_a_missing_fact_is_named_once(book):
    result = run(book, {"listade": 6000, "filial": True}).evaluation.results[2]
    assert result.outcome == Outcome.CANNOT_ASSESS
    assert [prose.finding_text(f, "en") for f in prose.findings(result)] == [
        "Information on öppettider is missing or invalid in the self-report."]


def test_a_requirement_that_does_not_apply_says_why(book):
    result = run(book, {"listade": 6000, "filial": False}).evaluation.results[0]
    assert [prose.finding_text(f, "sv") for f in prose.findings(result)] == [
        "Kravet gäller bara om filial: ja; här: filial: nej."]


def test_findings_are_written_once_and_kept_on_the_result(book):
    result = run(book, {"listade": 6000, "filial": True}).evaluation.results[0]
    assert result.explanation is None  # nothing written until someone asks
    first = prose.findings(result)
    assert result.explanation == first and prose.findings(result) is first


def test_a_text_is_written_in_a_language_when_first_read_in_it():
    """An explanation's text is written in the language it is read in
    (WrittenText); it reads and compares as a Text written in both at once."""
    written = []

    def write(ctx):
        written.append(ctx)
        return f"text in {ctx}"

    text = prose.WrittenText(write, {"sv": "sv", "en": "en"})  # contexts stand in as their languages
    assert written == []
    assert text.render("en") == text.render("en") == "text in en" and written == ["en"]
    assert text == prose.Text("text in sv", "text in en") and written == ["en", "sv"]
    text.write_out()
    assert written == ["en", "sv"] and text.render("sv") == "text in sv"


def test_kept_explanations_hold_words_not_traces(book):
    """An explanation kept for other centres with the same values is shared,
    and written out in both languages, so that it keeps no trace alive; a
    requirement whose values never recur stops being kept."""
    first = prose.findings(run(book, {"listade": 6200, "filial": True}).evaluation.results[0])
    again = prose.findings(run(book, {"listade": 6200, "filial": True}).evaluation.results[0])
    assert again is first
    text = first[0].params["text"]
    assert text._write is None and set(text._written) == {"sv", "en"}
    distinct = [prose.findings(run(book, {"listade": 100 + n, "filial": True}).evaluation.results[0])
                for n in range(prose.KEPT_TRIAL + 10)]
    late = distinct[-1][0].params["text"]
    assert late._write is not None  # not kept: written only where it is read
    assert prose.finding_text(distinct[-1][0], "sv").startswith(f"Antal listade: {100 + prose.KEPT_TRIAL + 9}")


def test_given_findings_are_used_as_they_are(book):
    traced = run(book, {"listade": 6000, "filial": True}).evaluation.results[0]
    given = Finding("waiver.finding", {"reason": "r", "reference": "Dnr 1", "granted_by": "x",
                                       "valid_from": "2025-01-01", "valid_to": "2025-12-31"})
    waived = RequirementResult(traced.requirement, Outcome.WAIVED, (), explanation=(given,))
    assert prose.findings(waived) == (given,)
    assert not waived.traced and prose.findings(RequirementResult(traced.requirement, Outcome.MET)) == ()


def test_a_sentence_finding_is_capitalised_and_ends_with_a_full_stop():
    finding = Finding("prose.value", {"text": prose.Text("antal listade: 3", "number listed: 3")}, sentence=True)
    assert prose.finding_text(finding, "sv") == "Antal listade: 3."
    assert prose.finding_text(finding, "en") == "Number listed: 3."
    parent = Finding("prose.value", {"text": prose.Text("för filialen", "for the branch")},
                     children=(finding,), sentence=True)
    assert prose.finding_text(parent, "en") == "For the branch"  # its children follow it
