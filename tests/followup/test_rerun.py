"""`kok rerun`: the yearly follow-up over many self-reports, and what changed."""

import json
import os
import shutil
from pathlib import Path

import pytest
from golden_cases import ROOT, run_cli

from kokdsl.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK

OREBRO = "rulebooks/orebro/2025.kok"


def table(output: str) -> list[list[str]]:
    """The rows of the centre table, split into cells."""
    import re

    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("---")) + 1
    rows = []
    for line in lines[start:]:
        if not line.strip():
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows


@pytest.fixture
def last_year(tmp_path):
    """The three examples, assessed on 2025-06-02, summary written to a folder."""
    out = tmp_path / "2025"
    code, _ = run_cli("rerun", OREBRO, "examples/godkand.yaml", "examples/avslag.yaml", "examples/komplettering.yaml",
                      "--out", str(out), "--run-date", "2025-06-02")
    assert code == EXIT_FINDINGS
    return out


def test_every_centre_gets_a_line_and_the_totals_add_up():
    code, output = run_cli("rerun", OREBRO, "examples/godkand.yaml", "examples/avslag.yaml",
                           "examples/komplettering.yaml")
    assert code == EXIT_FINDINGS
    assert table(output) == [
        ["Vårdcentralen Exempelby (fiktiv)", "FIKTIV-001", "godkänd", "–", "–", "0"],
        ["Vårdcentralen Påhittsta (fiktiv)", "FIKTIV-002", "avslag", "2.1.4, 6.4", "–", "0"],
        ["Vårdcentralen Inbillningen (fiktiv)", "FIKTIV-003", "komplettering", "–", "2.1.4", "0"],
    ]
    assert "Summa: godkänd 1, avslag 1, komplettering 1" in output


def test_all_approved_exits_0():
    assert run_cli("rerun", OREBRO, "examples/godkand.yaml")[0] == EXIT_OK


def test_a_broken_self_report_never_hides_the_others(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(ROOT / "examples/godkand.yaml", folder / "a.yaml")
    (folder / "b.yaml").write_text("listade: [1,\n", encoding="utf-8")
    shutil.copy(ROOT / "examples/avslag.yaml", folder / "c.yaml")
    (folder / "notes.txt").write_text("not a self-report", encoding="utf-8")
    code, output = run_cli("rerun", OREBRO, str(folder), "--lang", "en")
    assert code == EXIT_ERROR
    rows = table(output)
    assert [row[1:3] for row in rows] == [["FIKTIV-001", "approved"], ["–", "could not be read"],
                                          ["FIKTIV-002", "rejection"]]
    assert "Self-reports that could not be read (the others are assessed):" in output
    assert f"{folder / 'b.yaml'}: the self-report is not valid YAML (line 2, column 1)" in output
    # Not a self-report, so no row; but named, never skipped without a word (issue 22, failure 2).
    assert f"Skipped (not self-reports):\n  {folder / 'notes.txt'}: the name does not end in .yaml, .yml or .json" \
        in output
    assert "Traceback" not in output


def test_a_folder_names_every_entry_it_does_not_assess_in_the_output_and_the_summary(tmp_path):
    from kokdsl.followup.changes import summary_schema
    from kokdsl.followup.jsonshape import first_problem

    folder = tmp_path / "centres"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(ROOT / "examples/godkand.yaml", folder / "a.yaml")
    shutil.copy(ROOT / "examples/avslag.yaml", folder / "sub" / "b.yaml")
    shutil.copy(ROOT / "examples/komplettering.yaml", folder / "C.YAML")
    (folder / "dangling.yaml").symlink_to("nothing.yaml")
    os.mkfifo(folder / "pipe.yaml")
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    out = tmp_path / "out"
    code, output = run_cli("rerun", OREBRO, str(folder), "--out", str(out), "--lang", "en")
    assert code == EXIT_ERROR  # the FIFO and the link to nothing cannot be read
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert first_problem(summary, summary_schema()) is None
    assert [(Path(c["file"]).name, c["decision"]) for c in summary["centres"]] == [
        ("C.YAML", "supplement_request"), ("a.yaml", "approved"), ("dangling.yaml", "unreadable"),
        ("pipe.yaml", "unreadable")]
    assert [(Path(s["path"]).name, s["reason"]) for s in summary["skipped"]] == [
        ("notes.txt", "rerun.skip_name"), ("sub", "rerun.skip_folder")]
    assert f"{folder / 'sub'}: a sub-folder; folders are not searched recursively" in output
    assert f"{folder / 'dangling.yaml'}: the self-report cannot be read: it is a symbolic link to nothing.yaml" \
        in output


def test_out_folder_has_a_summary_and_a_report_per_centre(last_year):
    assert sorted(p.name for p in last_year.iterdir()) == [".kok-rerun", "avslag.html", "centres.csv", "centres.xlsx",
                                                            "godkand.html",
                                                            "index.html", "komplettering.html", "summary.json"]
    index = (last_year / "index.html").read_text(encoding="utf-8")
    assert '<a href="avslag.html">Vårdcentralen Påhittsta (fiktiv)</a>' in index
    assert index.count('<tr data-decision=') == 3
    summary = json.loads((last_year / "summary.json").read_text(encoding="utf-8"))
    assert summary["format"] == "kokdsl.tools.rerun" and summary["run_date"] == "2025-06-02"
    assert [(c["key"], c["decision"]) for c in summary["centres"]] == [
        ("FIKTIV-001", "approved"), ("FIKTIV-002", "rejection"), ("FIKTIV-003", "supplement_request")]
    assert summary["centres"][1]["outcomes"]["1.1"] == "not_met"


def test_changes_since_last_year(last_year, tmp_path):
    this_year = tmp_path / "2026"
    this_year.mkdir()
    # The rejected centre's specialist now stays until 17:00 on Thursdays (1.1, a proposal:
    # no deviation to fix), and its on-call duty now covers Friday night (2.1.4, in force).
    fixed = (ROOT / "examples/avslag.yaml").read_text(encoding="utf-8").replace('torsdag: "08:00-15:30"',
                                                                              'torsdag: "08:00-17:00"')
    fixed = fixed.replace('  fredag: "08:00-17:00"\n  lördag', '  fredag: "17:00-08:00"\n  lördag')
    (this_year / "avslag.yaml").write_text(fixed, encoding="utf-8")
    # The supplement centre now reports on-call duty around the clock.
    supplemented = (ROOT / "examples/komplettering.yaml").read_text(encoding="utf-8") + 'jour: "dygnet runt"\n'
    (this_year / "komplettering.yaml").write_text(supplemented, encoding="utf-8")
    code, output = run_cli("rerun", OREBRO, str(this_year), "--previous", str(last_year / "summary.json"))
    assert code == EXIT_FINDINGS
    changes = output[output.index("Förändringar"):].splitlines()
    assert changes == [
        "Förändringar sedan föregående körning (2025-06-02):",
        "  FIKTIV-001 Vårdcentralen Exempelby (fiktiv): finns inte med i år (förra året: godkänd)",
        "  FIKTIV-002 Vårdcentralen Påhittsta (fiktiv): åtgärdad avvikelse: krav 2.1.4 uppfyllt nu",
        "  FIKTIV-003 Vårdcentralen Inbillningen (fiktiv): beslut komplettering → godkänd",
    ]


def test_changes_in_json(last_year):
    code, output = run_cli("rerun", OREBRO, "examples/godkand.yaml", "--previous", str(last_year / "summary.json"),
                           "--format", "json", "--lang", "en", "--run-date", "2026-06-01")
    data = json.loads(output)
    assert code == EXIT_OK
    assert [(c["key"], c["code"]) for c in data["changes"]] == [
        ("FIKTIV-002", "rerun.change.gone"), ("FIKTIV-003", "rerun.change.gone")]


def test_previous_must_be_a_rerun_summary(tmp_path):
    other = tmp_path / "x.json"
    other.write_text('{"format": "kokdsl.findings"}', encoding="utf-8")
    code, output = run_cli("rerun", OREBRO, "examples/godkand.yaml", "--previous", str(other))
    assert code == EXIT_ERROR
    assert output.strip() == f"{other} är ingen sammanställning från kok rerun (summary.json)"


def test_no_self_reports_found(tmp_path):
    code, output = run_cli("rerun", OREBRO, str(tmp_path))
    assert code == EXIT_ERROR and "inga egenrapporter hittades" in output


def test_summary_is_deterministic(tmp_path):
    for name in ("a", "b"):
        run_cli("rerun", OREBRO, "examples/centres", "--out", str(tmp_path / name), "--run-date", "2025-06-02")
    assert (tmp_path / "a/summary.json").read_bytes() == (tmp_path / "b/summary.json").read_bytes()
    assert (tmp_path / "a/centre-0005.html").read_bytes() == (tmp_path / "b/centre-0005.html").read_bytes()


def test_an_internal_error_in_one_centre_does_not_stop_the_run(monkeypatch, tmp_path):
    from kokdsl.followup import rerun as reruns
    from kokdsl.pipeline import load_rulebook

    real_assess = reruns.assess

    def flaky(rulebook, report, day=None):
        if report.file.endswith("avslag.yaml"):
            raise ValueError("boom")
        return real_assess(rulebook, report, day)

    monkeypatch.setattr(reruns, "assess", flaky)
    rulebook = load_rulebook(ROOT / OREBRO).rulebook
    result = reruns.run(reruns.RunSettings(rulebook, "en"),
                        [str(ROOT / "examples/godkand.yaml"), str(ROOT / "examples/avslag.yaml")])
    assert [r.decision for r in result.rows] == ["approved", "unreadable"]
    assert result.rows[1].error.startswith("internal error in kokdsl (ValueError: boom)")
    assert [e["decision"] for e in result.entries()] == ["approved", "unreadable"]
    result.close()
