"""kok lint: planted problems are found at the right place, silences work,
the output formats agree, SARIF validates against the official schema, and
the shipped rulebooks are clean or silenced with a reason."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from kokdsl.authoring.lint import RULES, lint_file, lint_source, text_numbers
from kokdsl.cli import main

ROOT = Path(__file__).resolve().parents[2]
PLANTED = ROOT / "tests" / "fixtures" / "lint" / "planted.kok"
SARIF_SCHEMA = ROOT / "tests" / "fixtures" / "sarif-2.1.0-rtm.5.json"


def found(result) -> set[tuple[str, str | None]]:
    return {(d.code.removeprefix("lint."), d.params.get("id")) for d in result.diagnostics}


@pytest.fixture(scope="module")
def planted():
    return lint_file(PLANTED)


def test_planted_problems_are_found(planted):
    assert found(planted) == {
        ("KOK118", None), ("KOK113", None), ("KOK103", "1.2"), ("KOK104", "1.2"), ("KOK101", "1.3"),
        ("KOK102", "1.4"), ("KOK107", "1.5"), ("KOK115", None), ("KOK106", "8.2"), ("KOK108", "8.0"),
        ("KOK114", "8.0"), ("KOK109", "8.0"), ("KOK116", "8.0"), ("KOK110", "8.3"), ("KOK190", "8.3"),
        # The indicators take shares of wholes the file has no plausibility rule for.
        ("KOK120", "8.0"), ("KOK120", "8.1"), ("KOK120", "8.2"), ("KOK120", "8.3"),
    }


def test_the_clean_requirement_has_no_findings(planted):
    # 1.1 writes "6 500" and "45"/"40" where the check has 6500, 45 and 40.
    assert not [d for d in planted.diagnostics if d.params.get("id") == "1.1"]


def test_number_mismatch_points_at_both_numbers(planted):
    by_code = {d.code: d for d in planted.diagnostics if d.params.get("id") == "1.2"}
    text_number, check_number = by_code["lint.KOK103"], by_code["lint.KOK104"]
    line = PLANTED.read_text(encoding="utf-8").split("\n")[text_number.span.line - 1]
    assert line[text_number.span.column - 1:text_number.span.end_column - 1] == "45"
    assert text_number.params["number"] == "45" and check_number.params["number"] == "40"
    line = PLANTED.read_text(encoding="utf-8").split("\n")[check_number.span.line - 1]
    assert line[check_number.span.column - 1:check_number.span.end_column - 1] == "40"


def test_vague_phrase_is_located(planted):
    vague = next(d for d in planted.diagnostics if d.code == "lint.KOK107")
    line = PLANTED.read_text(encoding="utf-8").split("\n")[vague.span.line - 1]
    assert line[vague.span.column - 1:vague.span.end_column - 1] == "vid behov"


def test_silenced_finding_keeps_its_reason(planted):
    assert [(d.code, d.params["id"], reason) for d, reason in planted.silenced] == [
        ("lint.KOK107", "8.1", "Regionen mäter varje månad; ordet står kvar för läsarens skull.")]


def test_every_code_has_messages_in_both_languages(planted):
    for diag in planted.diagnostics:
        assert diag.text("sv") != diag.text("en")
    from kokdsl.messages import template
    for code in RULES:
        assert template(f"lint.{code}", "sv") != template(f"lint.{code}", "en")
        assert template(f"lint.rule.{code}", "sv") and template(f"lint.rule.{code}", "en")


@pytest.mark.parametrize("text, numbers", [
    ("minst 45 timmar i veckan", ["45"]),
    ("färre än 6 500 listade", ["6500"]),
    ("minst 90 % av samtalen", ["90"]),
    ("2,5 årsarbetare", ["5/2"]),
    ("enligt beslut 2025-01-16 och krav 2.1.4", []),
])
def test_text_numbers_read_swedish_formats(text, numbers):
    assert [str(n.value) for n in text_numbers(text)] == numbers


def test_english_rulebook_text_is_read_too():
    source = (PLANTED.read_text(encoding="utf-8")
              .replace('"""Patienterna ska erbjudas en fast vårdkontakt."""',
                       '"""Patients must be offered a named contact."""'))
    assert ("KOK101", "1.3") in found(lint_source(source, "x.kok"))


def test_region_adds_its_own_vague_words(tmp_path):
    words = tmp_path / "extra.yaml"
    words.write_text("- i veckan\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "--format", "json", "--vague-words", str(words), str(PLANTED)])
    phrases = {f["message"] for f in json.loads(result.output)["files"][0]["findings"] if f["code"] == "KOK107"}
    assert any("”i veckan”" in p for p in phrases)


def test_rulebook_with_errors_reports_errors_and_exits_2(tmp_path):
    bad = tmp_path / "bad.kok"
    bad.write_text('regelbok "x" utgåva 2025\nkrav 1 "t" skall\n  okänd_uppgift\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", str(bad)])
    assert result.exit_code == 2, result.output
    assert "okänd_uppgift" in result.output and "Traceback" not in result.output


def test_cli_text_json_agree(planted):
    runner = CliRunner()
    text = runner.invoke(main, ["lint", str(PLANTED), "--lang", "en"])
    assert text.exit_code == 1
    assert "warning KOK107: “vid behov” in requirement 1.5 cannot be checked" in text.output
    data = json.loads(runner.invoke(main, ["lint", "--format", "json", str(PLANTED)]).output)
    assert data["totals"] == {"files": 1, "findings": len(planted.findings), "silenced": 1, "unusable": 0}
    assert data["files"][0]["silenced"][0]["reason"].startswith("Regionen mäter")


def sarif_validator():
    return jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))


def test_lint_sarif_validates_and_marks_silences():
    result = CliRunner().invoke(main, ["lint", "--format", "sarif", str(PLANTED)])
    log = json.loads(result.output)
    sarif_validator().validate(log)
    results = log["runs"][0]["results"]
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    suppressed = [r for r in results if r.get("suppressions")]
    assert [r["ruleId"] for r in suppressed] == ["KOK107"]
    mismatch = next(r for r in results if r["ruleId"] == "KOK103")
    assert mismatch["level"] == "error"
    assert mismatch["locations"][0]["physicalLocation"]["region"]["startLine"] == 36


def test_check_sarif_validates(tmp_path):
    bad = tmp_path / "bad.kok"
    bad.write_text('regelbok "x" utgåva 2025\nkrav 1 "t" skall\n  okänd_uppgift\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--format", "sarif", str(bad), str(ROOT / "rulebooks" / "dalarna")])
    assert result.exit_code == 2
    log = json.loads(result.output)
    sarif_validator().validate(log)
    assert {r["level"] for r in log["runs"][0]["results"]} >= {"error"}


def test_shipped_rulebooks_are_lint_clean_or_silenced_with_a_reason():
    result = CliRunner().invoke(main, ["lint", "--format", "json", str(ROOT / "rulebooks")])
    data = json.loads(result.output)
    assert result.exit_code == 0, [(f["path"], x["message"]) for f in data["files"] for x in f["findings"]]
    assert data["totals"]["files"] >= 5 and data["totals"]["unusable"] == 0
    assert all(len(x["reason"].split()) >= 5 for f in data["files"] for x in f["silenced"])


def test_a_check_number_the_text_lacks_is_shown_as_written():
    """KOK104 names the check's number as the text would write it: a percent
    as "90 %", a decimal without trailing zeros, each literal once."""
    source = '''regelbok "Prov (påhittad)" utgåva 2025
uppgift besök: heltal "Antal besök."
uppgift kvot: decimaltal "Kvoten."

krav 1 "Andel" skall
  område tillgänglighet
  """Besöken ska vara tillräckligt många."""
  besök >= 90 % * besök och kvot >= 2,5
'''
    numbers = sorted(d.params["number"] for d in lint_source(source).diagnostics if d.code == "lint.KOK104")
    assert numbers == ["2.5", "90 %"]


PART_AND_WHOLE = """regelbok "R" utgåva 2026
uppgift besök: heltal "Alla läkarbesök."
uppgift inom: heltal "Läkarbesök inom 3 dagar."
uppgift telefon: lista av månad "Samtal per månad."
post månad:
  samtal: heltal "Samtal."
  besvarade: heltal "Besvarade samtal."
krav 1 "Besök" bör
  område tillgänglighet
  status gällande
  källa "K"
  \"\"\"Minst 90 % av läkarbesöken bör ske inom 3 dagar.\"\"\"
  inom >= 90 % * besök
krav 2 "Samtal" bör
  område tillgänglighet
  status gällande
  källa "K"
  \"\"\"Minst 90 % av samtalen bör besvaras.\"\"\"
  summa(m i telefon: m.besvarade) >= 90 % * summa(m i telefon: m.samtal)
"""


def test_a_share_of_a_whole_without_a_plausibility_rule_is_found():
    codes = [(d.code, d.params["id"]) for d in lint_source(PART_AND_WHOLE, "r.kok").diagnostics
             if d.code == "lint.KOK120"]
    assert codes == [("lint.KOK120", "1"), ("lint.KOK120", "2")]
    first = next(d for d in lint_source(PART_AND_WHOLE, "r.kok").diagnostics if d.code == "lint.KOK120")
    assert first.text("sv") == ('krav 1 jämför inom med en andel av besök, men ingen rimlighetsregel läser båda: '
                                'skriv till exempel rimlighet "…" inom <= besök')
    assert (first.span.line, first.span.column) == (13, 3)


def test_a_plausibility_rule_over_part_and_whole_keeps_lint_quiet():
    ruled = PART_AND_WHOLE + ('rimlighet "Fler inom 3 dagar än alla besök." inom <= besök\n'
                              'rimlighet "Fler besvarade än samtal." alla x i telefon: x.besvarade <= x.samtal\n')
    assert not [d for d in lint_source(ruled, "r.kok").diagnostics if d.code == "lint.KOK120"]
    # A rule over only one of the two does not count.
    half = PART_AND_WHOLE + 'rimlighet "Inga negativa besök." besök >= 0\n'
    assert [d.params["id"] for d in lint_source(half, "r.kok").diagnostics if d.code == "lint.KOK120"] == ["1", "2"]
    assert RULES["KOK120"] == ("part-whole-without-plausibility", "warning")


# -- scaling (issue 22, failure 6): counted, never timed ------------------------------


def _calls_to_lint_and_print(source: str) -> int:
    """Python function calls made to lint a book and format every finding as
    `kok lint` prints it: a quadratic step shows as calls growing faster than
    the book."""
    import sys

    from kokdsl.authoring.lint import format_finding

    calls = 0

    def count(_frame, event, _arg):
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(count)
    try:
        result = lint_source(source, "book.kok")
        for diag in result.diagnostics:
            format_finding(diag, result.source, "sv")
    finally:
        sys.setprofile(None)
    return calls


def test_lint_work_grows_linearly_with_the_book():
    from bench.rulebook_gen import synthetic_rulebook

    _calls_to_lint_and_print(synthetic_rulebook(10))  # what is loaded once
    small, middle, large = (_calls_to_lint_and_print(synthetic_rulebook(n)) for n in (100, 200, 400))
    # 200 more requirements cost twice what 100 more did (quadratic: four times)
    assert (large - middle) / (middle - small) < 2.3


def test_findings_are_printed_without_splitting_the_book_once_per_finding():
    from bench.rulebook_gen import synthetic_rulebook
    from kokdsl.authoring.lint import format_finding
    from kokdsl.diagnostics import source_lines_of

    result = lint_source(synthetic_rulebook(200), "book.kok")
    assert len(result.diagnostics) > 100
    source_lines_of.cache_clear()
    printed = [format_finding(diag, result.source, "sv") for diag in result.diagnostics]
    assert source_lines_of.cache_info().misses == 1
    assert all(" | " in text for text in printed)  # each shows its source line
