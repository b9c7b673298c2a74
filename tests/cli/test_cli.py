"""The `kok` command line through click's CliRunner, exit codes included."""

import json

import pytest
from click.testing import CliRunner
from golden_cases import ROOT, run_cli

from kokdsl.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, main

OREBRO = "rulebooks/orebro/2025.kok"


def test_shipped_rulebook_is_clean():
    code, output = run_cli("check", OREBRO)
    assert code == EXIT_OK
    # No source states how to apply for review, so the book has no överprövning text and says so.
    assert output == ("rulebooks/orebro/2025.kok: varning: regelboken anger inte hur man begär överprövning "
                      "(överprövning \"\"\"…\"\"\"); ett avslag skrivs ut utan den texten\n"
                      "rulebooks/orebro/2025.kok: inga fel (varningar: 1)\n")


def test_check_reports_all_four_problems_at_once():
    code, output = run_cli("check", "tests/golden/diagnostics/four_errors.kok")
    assert code == EXIT_ERROR
    assert output.count(": fel: ") == 4
    for where in (":4:17:", ":7:1:", ":13:6:", ":14:3:"):
        assert where in output
    assert output.count("^") >= 4
    assert "Traceback" not in output


def test_check_several_files_sums_up():
    code, output = run_cli("check", OREBRO, "tests/golden/diagnostics/english.kok", "--lang", "en")
    assert code == EXIT_ERROR
    assert output.endswith("errors: 2, warnings: 1\n")


def test_check_missing_file_is_an_error_not_a_traceback():
    code, output = run_cli("check", "no/such/file.kok")
    assert code == EXIT_ERROR
    assert "no/such/file.kok: fel: filen kan inte läsas" in output


@pytest.mark.parametrize("example,decision,code", [
    ("examples/godkand.yaml", "approved", EXIT_OK),
    ("examples/avslag.yaml", "rejection", EXIT_FINDINGS),
    ("examples/komplettering.yaml", "supplement_request", EXIT_FINDINGS),
])
def test_run_examples_give_the_expected_decision(example, decision, code):
    exit_code, output = run_cli("run", OREBRO, example, "--format", "json")
    assert exit_code == code
    data = json.loads(output)
    assert data["decision"]["kind"] == decision
    assert data["rulebook"]["edition"] == 2025 and len(data["rulebook"]["sha256"]) == 64
    assert len(data["self_report"]["sha256"]) == 64 and data["tool"]["version"]


def test_rejection_names_thursday_gap_in_text_output():
    code, output = run_cli("run", OREBRO, "examples/avslag.yaml")
    assert code == EXIT_FINDINGS
    assert "saknas under öppettiderna: torsdagar 15.30–17.00" in output
    assert "Förslag till beslut: AVSLAG" in output


def test_english_text_output():
    code, output = run_cli("run", OREBRO, "examples/avslag.yaml", "--lang", "en")
    assert ("The opening hours: not covered by a specialist in general practice on Thursdays\n"
            "         15:30–17:00") in output
    assert "Proposed decision: REJECTION" in output


def test_fail_on_bör(tmp_path):
    report = (ROOT / "examples/godkand.yaml").read_text(encoding="utf-8")
    report = report.replace("fast_vårdkontakt: ja", "fast_vårdkontakt: nej")
    path = tmp_path / "remark.yaml"
    path.write_text(report, encoding="utf-8")
    assert run_cli("run", OREBRO, str(path))[0] == EXIT_OK
    assert run_cli("run", OREBRO, str(path), "--fail-on", "bör")[0] == EXIT_FINDINGS


def test_run_with_broken_rulebook_exits_2():
    code, output = run_cli("run", "tests/golden/diagnostics/four_errors.kok", "examples/godkand.yaml")
    assert code == EXIT_ERROR and output.count("fel:") == 4


def test_run_with_unreadable_self_report_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("listade: [1,\n", encoding="utf-8")
    code, output = run_cli("run", OREBRO, str(bad))
    assert code == EXIT_ERROR
    assert "egenrapporten är inte giltig YAML (rad 2" in output and "Traceback" not in output


def test_python_dash_m_works():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "kokdsl", "check", OREBRO], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_version_and_help():
    runner = CliRunner()
    assert runner.invoke(main, ["--version"]).exit_code == 0
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0 and "check" in result.output and "run" in result.output


def test_clicks_usage_errors_speak_the_language_asked_for():
    # Issue 22: Click's own sentences stayed English in Swedish mode.
    code, output = run_cli("run", "a.kok", "b.yaml", "--format", "xml")
    assert code == 2
    assert output == ("Användning: main run [OPTIONS] RULEBOOK SELF_REPORT\nSkriv 'main run --help' för hjälp.\n\n"
                      "Fel: Ogiltigt värde för '--format': 'xml' är inte ett av 'text', 'json'.\n")
    code, output = run_cli("run", "--undantagg", "x", "a.kok", "b.yaml")
    assert output.endswith("Fel: Flaggan '--undantagg' finns inte. (Menade du någon av: '--run-date', "
                           "'--undantag'?)\n")
    code, output = run_cli("nosuch")
    assert output.endswith("Fel: Kommandot 'nosuch' finns inte.\n")
    code, output = run_cli("run", "--lang", "en", "a.kok")
    assert output.endswith("Error: Missing argument 'SELF_REPORT'.\n") and output.startswith("Usage: main run")


def test_yaml_and_json_parser_messages_are_swedish_in_swedish(tmp_path):
    (tmp_path / "a.yaml").write_text("vårdcentral:\n  namn: x\nlistade: [1,\n", encoding="utf-8")
    (tmp_path / "b.json").write_text('{"listade": }', encoding="utf-8")
    _, output = run_cli("run", "rulebooks/orebro/2025.kok", str(tmp_path / "a.yaml"))
    assert output.endswith("egenrapporten är inte giltig YAML (rad 4, kolumn 1): här saknas ett värde\n")
    _, output = run_cli("run", "rulebooks/orebro/2025.kok", str(tmp_path / "b.json"))
    assert output.endswith("egenrapporten är inte giltig JSON (rad 1, kolumn 13): här väntades ett värde\n")
    _, output = run_cli("run", "rulebooks/orebro/2025.kok", str(tmp_path / "b.json"), "--lang", "en")
    assert output.endswith("the self-report is not valid JSON (line 1, column 13): Expecting value\n")


@pytest.mark.parametrize("verb", ["check", "lint"])
def test_a_rulebook_that_cannot_be_read_is_said_on_standard_error(verb, tmp_path):
    result = CliRunner().invoke(main, [verb, str(tmp_path / "saknas.kok")])
    assert result.exit_code == 2
    assert "filen kan inte läsas: No such file or directory" in result.stderr
    assert "filen kan inte läsas" not in result.stdout
