"""kok run --output and kok report-schema, through click's CliRunner."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from golden_cases import ROOT, fold_style, golden_path

from kokdsl.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, main
from kokdsl.errors import OutputError
from kokdsl.outputs.files import OutputSpec, parse_output_spec, write_atomic
from kokdsl.outputs.findings import schema_text

RULEBOOK = "rulebooks/orebro/2025.kok"


@pytest.fixture
def runner(monkeypatch):
    monkeypatch.chdir(ROOT)  # relative paths, as in the golden files
    return CliRunner()


def run(runner, example, *args):
    return runner.invoke(main, ["run", RULEBOOK, f"examples/{example}.yaml", "--run-date", "2025-06-02", *args])


def test_several_outputs_in_one_run(runner, tmp_path):
    html, js = tmp_path / "out" / "deep" / "vc.html", tmp_path / "out" / "vc.json"
    result = run(runner, "avslag", "--dokument", "granskningsrapport", "--output", f"html:{html}", "-o", f"json:{js}",
                 "--output", "md:-")
    assert result.exit_code == EXIT_FINDINGS
    expected_html = golden_path("avslag", "sv", "html").read_text(encoding="utf-8")
    assert fold_style(html.read_text(encoding="utf-8")) == expected_html
    assert js.read_bytes() == golden_path("avslag", "sv", "json").read_bytes()
    assert result.stdout == golden_path("avslag", "sv", "md").read_text(encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["deep", "vc.json"]  # no temp files left


def test_outputs_in_english_and_exit_ok_when_approved(runner, tmp_path):
    target = tmp_path / "vc.md"
    result = run(runner, "godkand", "--lang", "en", "--dokument", "granskningsrapport", "--output", f"md:{target}")
    assert result.exit_code == EXIT_OK
    assert target.read_bytes() == golden_path("godkand", "en", "md").read_bytes()
    assert result.stdout == ""


def test_output_replaces_an_existing_file(runner, tmp_path):
    target = tmp_path / "vc.json"
    target.write_text("old", encoding="utf-8")
    assert run(runner, "komplettering", "--output", f"json:{target}").exit_code == EXIT_FINDINGS
    assert json.loads(target.read_text(encoding="utf-8"))["decision"]["kind"] == "supplement_request"


def test_format_text_and_json_still_go_to_stdout(runner):
    text = run(runner, "avslag")
    assert text.exit_code == EXIT_FINDINGS and "AVSLAG" in text.stdout
    js = run(runner, "avslag", "--format", "json")
    assert json.loads(js.stdout)["decision"]["kind"] == "rejection"


@pytest.mark.parametrize("spec", ["xml:out.xml", "html", "html:", ":out.html", "pdf:-"])
def test_bad_output_spec_is_a_clear_error(runner, spec):
    result = run(runner, "avslag", "--output", spec)
    assert result.exit_code == EXIT_ERROR
    assert "Traceback" not in result.output
    assert "--output" in result.stderr or "PDF" in result.stderr


def test_bad_output_spec_message_in_english(runner):
    result = run(runner, "avslag", "--lang", "en", "--output", "xml:out.xml")
    assert result.stderr == ("--output “xml:out.xml” must be FORMAT:FILE, e.g. html:out/vc.html "
                             "(formats: html, md, json, pdf; - means standard output)\n")


def test_unwritable_target_is_a_clear_error(runner, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    result = run(runner, "avslag", "--lang", "en", "--output", f"html:{blocker}/vc.html")
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.startswith(f"cannot write {blocker}/vc.html: ")
    assert "Traceback" not in result.output


def test_pdf_without_chromium_is_a_clear_error(runner, tmp_path):
    result = runner.invoke(main, ["run", RULEBOOK, "examples/avslag.yaml", "--lang", "en",
                                  "--output", f"pdf:{tmp_path / 'vc.pdf'}"], env={"PATH": str(tmp_path)})
    assert result.exit_code == EXIT_ERROR
    assert result.stderr == ("PDF needs Chromium, but no chromium program was found "
                             "(install e.g. Debian's chromium package)\n")
    assert not (tmp_path / "vc.pdf").exists()


def test_bad_run_date_is_a_usage_error(runner):
    result = run(runner, "avslag", "--run-date", "2025-13-01")
    assert result.exit_code == EXIT_ERROR


def test_report_schema_command_prints_the_schema(runner):
    result = runner.invoke(main, ["report-schema"])
    assert result.exit_code == EXIT_OK
    assert result.stdout == schema_text()
    assert json.loads(result.stdout)["properties"]["format_version"] == {"const": 1}


@pytest.mark.parametrize("text, spec", [
    ("html:out/vc.html", OutputSpec("html", "out/vc.html")),
    ("MD:-", OutputSpec("md", "-")),
    ("json:C:\\reports\\vc.json", OutputSpec("json", "C:\\reports\\vc.json")),
])
def test_parse_output_spec(text, spec):
    assert parse_output_spec(text) == spec


def test_write_atomic_leaves_no_temp_file_when_it_fails(tmp_path, monkeypatch):
    target = tmp_path / "vc.html"
    target.write_bytes(b"old")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OutputError) as err:
        write_atomic(target, b"new")
    assert err.value.params["reason"] == "No space left on device"
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["vc.html"]
