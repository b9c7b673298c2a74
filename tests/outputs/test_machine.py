"""outputs/machine: the shared JSON shapes every document for scripts uses
(its header, a diagnostic with its place, a rulebook), and the documents of
`kok check` and `kok rulebooks`."""

from __future__ import annotations

import json

from kokdsl.diagnostics import ERROR, WARNING, Diagnostic
from kokdsl.outputs import machine
from kokdsl.pipeline import TOOL_VERSION, check_rulebook_source

GOOD = 'regelbok "R" utgåva 2025 giltig från 2025-01-01\nuppgift x: ja/nej\nkrav 1 "t" skall\n  x\n'
BROKEN = 'regelbok "R" utgåva 2025\nuppgift x: ja/nej\nkrav 1 "t" skall\n  okänd\n'


def test_dumps_is_indented_keeps_non_ascii_and_ends_with_a_newline():
    assert machine.dumps({"namn": "Örebro", "n": [1]}) == '{\n  "namn": "Örebro",\n  "n": [\n    1\n  ]\n}\n'


def test_every_document_starts_with_its_format_version_tool_and_language():
    assert machine.header("check", "en") == {"format": "kokdsl.check", "format_version": machine.FORMAT_VERSION,
                                             "tool": {"name": "kokdsl", "version": TOOL_VERSION},
                                             "language": "en"}


def test_a_diagnostic_in_a_rulebook_has_file_line_and_column():
    checked = check_rulebook_source(BROKEN, "bok.kok")
    [diag] = [d for d in checked.diagnostics if d.is_error]
    shown = machine.diagnostic_json(diag, "en")
    assert list(shown) == ["severity", "code", "message", "file", "line", "column", "path"]
    assert (shown["severity"], shown["code"], shown["file"], shown["line"], shown["column"]) == (
        "error", "compile.undefined_name", "bok.kok", 4, 3)
    assert "okänd" in shown["message"] and shown["path"] is None


def test_a_diagnostic_in_a_data_file_has_its_json_path_and_no_line():
    diag = Diagnostic(WARNING, "data.unknown_key", {"key": "extra", "suggestion": "–"}, path="$.extra", file="c.yaml")
    shown = machine.diagnostic_json(diag, "sv")
    assert (shown["file"], shown["line"], shown["column"], shown["path"]) == ("c.yaml", None, None, "$.extra")
    assert shown["message"] == diag.text("sv")


def test_kok_check_counts_errors_and_warnings_per_file_in_argument_order():
    good, broken = check_rulebook_source(GOOD, "bra.kok"), check_rulebook_source(BROKEN, "trasig.kok")
    document = machine.check_json([broken, good], "sv")
    assert document["format"] == "kokdsl.check" and document["ok"] is False
    assert [f["file"] for f in document["files"]] == ["trasig.kok", "bra.kok"]
    first, second = document["files"]
    assert first["ok"] is False and first["errors"] >= 1
    assert first["errors"] + first["warnings"] == len(first["diagnostics"])
    assert second == {"file": "bra.kok", "ok": True, "errors": 0, "warnings": 0, "diagnostics": []}
    assert document["errors"] == first["errors"] and document["warnings"] == first["warnings"]
    assert json.loads(machine.dumps(document)) == document


def test_a_rulebook_is_named_by_file_name_edition_validity_and_hash():
    checked = check_rulebook_source(GOOD, "bra.kok")
    assert checked.rulebook is not None
    shown = machine.rulebook_json(checked.rulebook, "bra.kok")
    assert shown == {"file": "bra.kok", "name": "R", "edition": 2025, "valid_from": "2025-01-01",
                     "sha256": checked.rulebook.sha256}


def test_kok_rulebooks_lists_the_entries_as_given():
    entries = [{"name": "orebro/2025", "requirements": 20}, {"name": "x/2021", "requirements": None}]
    document = machine.rulebooks_json(entries, "en")
    assert document["format"] == "kokdsl.rulebooks" and document["rulebooks"] == entries


def test_an_error_diagnostic_without_a_place_has_nulls():
    shown = machine.diagnostic_json(Diagnostic(ERROR, "output.pdf_stdout", {}), "en")
    assert (shown["file"], shown["line"], shown["column"], shown["path"]) == (None, None, None, None)
