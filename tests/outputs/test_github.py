"""GitHub Actions annotations (`--format github` of check and lint): one
workflow command a diagnostic, paths from the repository root, values escaped."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from kokdsl.ast import Span
from kokdsl.cli import main
from kokdsl.diagnostics import ERROR, WARNING, Diagnostic
from kokdsl.outputs.github import render_github

ROOT = Path(__file__).resolve().parents[2]


def test_one_command_a_diagnostic_with_place_rule_and_escaped_values(tmp_path):
    (tmp_path / ".git").mkdir()
    finding = Diagnostic(ERROR, "lint.KOK103", {"id": "1", "number": "45"}, span=Span(str(tmp_path / "a,b.kok"),
                                                                                       7, 3, 7, 9))
    vague = Diagnostic(WARNING, "lint.KOK107", {"id": "1.5", "phrase": "vid\nbehov 100%"},
                       span=Span(str(tmp_path / "a,b.kok"), 12, 1, 14, 2))
    text = render_github([(str(tmp_path / "a,b.kok"), [finding, vague])], "en", tmp_path)
    first, second = text.splitlines()
    assert first == ("::error file=a%2Cb.kok,line=7,col=3,endLine=7,endColumn=9,title=kok KOK103::"
                     + finding.text("en"))
    assert second.startswith("::warning file=a%2Cb.kok,line=12,col=1,endLine=14,title=kok KOK107::")
    assert "%0A" in second and "100%25" in second and "\n" not in second


def test_lint_and_check_write_annotations_and_lint_fails_by_level():
    planted = ROOT / "tests" / "fixtures" / "lint" / "planted.kok"
    runner = CliRunner()
    result = runner.invoke(main, ["lint", "--format", "github", str(planted)])
    lines = result.output.splitlines()
    assert result.exit_code == 1 and lines and all(line.startswith(("::error ", "::warning ")) for line in lines)
    assert any("file=tests/fixtures/lint/planted.kok,line=" in line for line in lines)
    # Only warnings would not fail at --fail-level error; planted.kok has errors too, so it does.
    assert runner.invoke(main, ["lint", "--fail-level", "error", str(planted)]).exit_code == 1
    bad = ROOT / "tests" / "golden" / "diagnostics" / "bad_char.kok"
    result = runner.invoke(main, ["check", "--format", "github", str(bad)])
    assert result.exit_code == 2
    assert result.output.startswith("::error file=tests/golden/diagnostics/bad_char.kok,line=4,col=15,")


def test_fail_level_error_passes_a_rulebook_with_only_warnings(tmp_path):
    book = tmp_path / "bok.kok"
    book.write_text('regelbok "Varningar" utgåva 2025 giltig från 2025-01-01\n\nuppgift listade: heltal\n\n'
                    'krav 1 "Listade" skall\n  område bemanning\n  """Minst 1000 listade."""\n  listade >= 1000\n',
                    encoding="utf-8")
    runner = CliRunner()
    found = runner.invoke(main, ["lint", "--format", "json", str(book)])
    import json

    severities = {f["severity"] for f in json.loads(found.output)["files"][0]["findings"]}
    assert severities == {"warning"}, found.output
    assert runner.invoke(main, ["lint", str(book)]).exit_code == 1
    assert runner.invoke(main, ["lint", "--fail-level", "warning", str(book)]).exit_code == 1
    assert runner.invoke(main, ["lint", "--fail-level", "error", str(book)]).exit_code == 0
