"""Results for scripts and CI: the shared JSON shapes (a document's header,
a diagnostic with its place, a rulebook) and the documents of `kok check` and
`kok rulebooks`. The authoring tools' documents (`kok test`, `kok compare`,
`kok impact`, `kok fmt`) are built from these in authoring/machine.py.

Every JSON document names its `format` ("kokdsl.check", ...) and a
`format_version` that changes only when a field is removed or changes meaning.
The shapes are documented in docs/json-output.md. Same inputs give
byte-identical output: lists keep book or argument order, keys a fixed order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

from kokdsl.compiled import CompiledRulebook
from kokdsl.diagnostics import Diagnostic
from kokdsl.pipeline import TOOL_VERSION, RulebookCheck

FORMAT_VERSION = 1


class DiagnosticJson(TypedDict):
    """A diagnostic in every JSON document. Documents about files (kok check,
    lint, test, fmt) also give its place there: file, line and column, each
    null when not known; a findings report's data diagnostics have the JSON
    path alone."""

    severity: str
    code: str
    message: str
    path: str | None
    file: NotRequired[str | None]
    line: NotRequired[int | None]
    column: NotRequired[int | None]


def dumps(document: object) -> str:
    """A document as the CLI prints it: indented, non-ASCII kept, newline-terminated."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def header(name: str, lang: str) -> dict[str, object]:
    """The fields every document starts with: its format, format version, the tool and the language."""
    return {"format": f"kokdsl.{name}", "format_version": FORMAT_VERSION,
            "tool": {"name": "kokdsl", "version": TOOL_VERSION}, "language": lang}


def diagnostic_json(diag: Diagnostic, lang: str) -> DiagnosticJson:
    """A diagnostic with its place: file, line and column for a rulebook,
    a JSON path for a data file (each null when not known)."""
    span = diag.span
    return {
        "severity": diag.severity,
        "code": diag.code,
        "message": diag.text(lang),
        "file": span.file if span is not None else diag.file,
        "line": span.line if span is not None and span.line > 0 else None,
        "column": span.column if span is not None and span.line > 0 else None,
        "path": diag.path,
    }


def rulebook_json(rulebook: CompiledRulebook, file: str | None) -> dict[str, object]:
    """A rulebook as documents name it: its file, name, edition, validity and hash."""
    return {"file": file, "name": rulebook.name, "edition": rulebook.edition,
            "valid_from": rulebook.valid_from.isoformat() if rulebook.valid_from else None,
            "sha256": rulebook.sha256}


# -- kok check ---------------------------------------------------------------------------


def check_json(checked: list[RulebookCheck], lang: str) -> dict[str, object]:
    """checked: RulebookCheck per file, in argument order."""
    files: list[dict[str, object]] = []
    errors, warnings = 0, 0
    for loaded in checked:
        file_errors = sum(d.is_error for d in loaded.diagnostics)
        file_warnings = len(loaded.diagnostics) - file_errors
        errors, warnings = errors + file_errors, warnings + file_warnings
        files.append({"file": loaded.path, "ok": not file_errors, "errors": file_errors, "warnings": file_warnings,
                      "diagnostics": [diagnostic_json(d, lang) for d in loaded.diagnostics]})
    return {**header("check", lang), "ok": errors == 0, "errors": errors, "warnings": warnings, "files": files}


# -- kok rulebooks --------------------------------------------------------------------------------------


def rulebooks_json(entries: Sequence[Mapping[str, object]], lang: str) -> dict[str, object]:
    """entries: name, file, title, edition, valid_from, requirements (null where the file does not compile),
    draft (true for a draft edition, status utkast)."""
    return {**header("rulebooks", lang), "rulebooks": entries}
