"""SARIF on its own: rule ids and their index, levels, regions, URIs and
suppressions, checked against the SARIF 2.1.0 schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from kokdsl.ast import Span
from kokdsl.diagnostics import ERROR, WARNING, Diagnostic
from kokdsl.outputs.sarif import SCHEMA_URI, render_sarif, rule_id, sarif_log
from kokdsl.pipeline import TOOL_VERSION

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "sarif-2.1.0-rtm.5.json"

MISMATCH = Diagnostic(ERROR, "lint.KOK103", {"id": "1", "number": "45"}, span=Span("böcker/bok ett.kok", 7, 3, 7, 9))
UNDEFINED = Diagnostic(ERROR, "compile.undefined_name", {"name": "x", "suggestion": "–"},
                       span=Span("böcker/bok ett.kok", 9, 5, 9, 5))
VAGUE = Diagnostic(WARNING, "lint.KOK107", {"id": "1.5", "phrase": "vid behov"},
                   span=Span("böcker/bok ett.kok", 12, 1, 14, 2))


def _run(log: dict) -> dict:
    [run] = log["runs"]
    return run


def test_the_log_is_valid_sarif_2_1_0():
    log = sarif_log([("böcker/bok ett.kok", [MISMATCH, UNDEFINED], [(VAGUE, "Mäts i journalen.")])], "en")
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(log)
    assert log["$schema"] == SCHEMA_URI and log["version"] == "2.1.0"
    assert _run(log)["tool"]["driver"]["version"] == TOOL_VERSION


def test_rules_are_sorted_ids_and_each_result_points_at_its_rule():
    run = _run(sarif_log([("bok.kok", [UNDEFINED, MISMATCH], [])], "sv"))
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["KOK103", "compile.undefined_name"]
    assert [(r["ruleId"], r["ruleIndex"]) for r in run["results"]] == [("compile.undefined_name", 1), ("KOK103", 0)]
    assert "shortDescription" in rules[0] and "shortDescription" not in rules[1]  # only lint rules have summaries


def test_rule_names_given_are_listed_even_without_a_finding():
    rules = _run(sarif_log([], "en", {"KOK101": "bor-says-must"}))["tool"]["driver"]["rules"]
    assert rules == [{"id": "KOK101", "name": "bor-says-must", "shortDescription": rules[0]["shortDescription"]}]


def test_a_result_has_its_level_message_region_and_an_encoded_uri():
    run = _run(sarif_log([("ignored.kok", [MISMATCH, VAGUE, UNDEFINED], [])], "en"))
    mismatch, vague, undefined = run["results"]
    assert (mismatch["level"], vague["level"]) == ("error", "warning")
    assert mismatch["message"]["text"] == MISMATCH.text("en")
    location = mismatch["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "b%C3%B6cker/bok%20ett.kok"  # the span's file, not the path
    assert location["region"] == {"startLine": 7, "startColumn": 3, "endLine": 7, "endColumn": 9}
    assert vague["locations"][0]["physicalLocation"]["region"]["endLine"] == 14
    assert undefined["locations"][0]["physicalLocation"]["region"] == {"startLine": 9, "startColumn": 5}


def test_a_silenced_finding_is_kept_as_suppressed_with_its_reason():
    [result] = _run(sarif_log([("bok.kok", [], [(VAGUE, "Mäts i journalen.")])], "sv"))["results"]
    assert result["suppressions"] == [{"kind": "inSource", "justification": "Mäts i journalen."}]


def test_a_diagnostic_without_a_span_points_at_its_file_or_the_rulebook():
    unreadable = Diagnostic(ERROR, "file.unreadable", {"reason": "x"}, file="saknas.kok")
    nowhere = Diagnostic(ERROR, "compile.no_header", {})
    run = _run(sarif_log([("bok.kok", [unreadable, nowhere], [])], "en"))
    locations = [r["locations"][0]["physicalLocation"] for r in run["results"]]
    assert locations == [{"artifactLocation": {"uri": "saknas.kok", "uriBaseId": "SRCROOT"}},
                         {"artifactLocation": {"uri": "bok.kok", "uriBaseId": "SRCROOT"}}]


def test_paths_resolve_from_the_repository_root_whatever_the_working_folder(tmp_path, monkeypatch):
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    (repository / "rulebooks" / "orebro").mkdir(parents=True)
    monkeypatch.chdir(repository / "rulebooks")
    run = _run(sarif_log([("orebro/2025.kok", [Diagnostic(ERROR, "compile.no_header", {})], []),
                          (str(tmp_path / "elsewhere.kok"), [Diagnostic(ERROR, "compile.no_header", {})], [])],
                         "en"))
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == repository.as_uri() + "/"
    first, outside = (r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"])
    assert first == {"uri": "rulebooks/orebro/2025.kok", "uriBaseId": "SRCROOT"}
    assert outside == {"uri": (tmp_path / "elsewhere.kok").as_uri()}
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(
        {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]})


def test_rule_ids_drop_only_the_lint_prefix():
    assert rule_id(MISMATCH) == "KOK103" and rule_id(UNDEFINED) == "compile.undefined_name"


def test_the_text_is_the_log_as_json():
    files = [("bok.kok", [MISMATCH], [])]
    text = render_sarif(files, "sv")
    assert text.endswith("}\n") and json.loads(text) == sarif_log(files, "sv")
    assert "böcker" not in text and "KOK103" in text
