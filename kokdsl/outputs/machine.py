"""Results for scripts and CI: JSON documents for `kok check`, `kok test`,
`kok compare`, `kok impact` and `kok fmt --check`, and JUnit XML for `kok test`.

Every JSON document names its `format` ("kokdsl.check", ...) and a
`format_version` that changes only when a field is removed or changes meaning.
The shapes are documented in docs/json-output.md. Same inputs give
byte-identical output: lists keep book or argument order, keys a fixed order.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NotRequired, TypedDict

from kokdsl.compiled import CompiledRulebook
from kokdsl.diagnostics import Diagnostic
from kokdsl.messages import message
from kokdsl.pipeline import TOOL_VERSION, RulebookCheck

if TYPE_CHECKING:
    from kokdsl.authoring.compare import Comparison
    from kokdsl.authoring.impact import VerdictChange
    from kokdsl.authoring.ruletest import Mismatch, TestRun
    from kokdsl.followup.rerun import CentreRun

FORMAT_VERSION = 1


class DiagnosticJson(TypedDict):
    severity: str
    code: str
    message: str
    file: str | None
    line: int | None
    column: int | None
    path: str | None


class MismatchJson(TypedDict):
    kind: str
    requirement: str | None
    expected: str
    actual: str
    expected_label: str
    actual_label: str
    details: list[str]


class CaseJson(TypedDict):
    name: str
    file: str
    path: str
    passed: bool
    mismatches: list[MismatchJson]


class GapJson(TypedDict):
    requirement: str
    lacks: list[str]


class CoverageJson(TypedDict):
    percent: float
    covered: int
    total: int
    minimum: float | None
    enough: bool
    gaps: list[GapJson]


class TestEntry(TypedDict):
    """One rulebook in `kok test --format json`; test_junit reads it back. An
    unusable rulebook (status "error") has only file, status and diagnostics."""

    file: str
    status: str
    diagnostics: NotRequired[list[DiagnosticJson]]
    rulebook: NotRequired[dict[str, object]]
    test_files: NotRequired[list[str]]
    cases: NotRequired[list[CaseJson]]
    passed: NotRequired[int]
    failed: NotRequired[int]
    coverage: NotRequired[CoverageJson]


class FmtFile(TypedDict):
    """What `kok fmt` did with one file; diagnostics only for status "error"."""

    file: str
    status: str  # unchanged | would_change | changed | error
    diagnostics: NotRequired[Sequence[Diagnostic]]


def dumps(document: object) -> str:
    """A document as the CLI prints it: indented, non-ASCII kept, newline-terminated."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _header(name: str, lang: str) -> dict[str, object]:
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


def _rulebook_json(rulebook: CompiledRulebook, file: str | None) -> dict[str, object]:
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
    return {**_header("check", lang), "ok": errors == 0, "errors": errors, "warnings": warnings, "files": files}


# -- kok test -------------------------------------------------------------------------------


def _mismatch_json(mismatch: Mismatch, lang: str) -> MismatchJson:
    def label(value: str) -> str:
        if mismatch.kind == "outcome":
            return message(f"outcome.{value}", lang)
        if mismatch.kind == "decision":
            return message(f"decision.{value}", lang)
        return value

    return {"kind": mismatch.kind, "requirement": mismatch.requirement, "expected": mismatch.expected,
            "actual": mismatch.actual, "expected_label": label(mismatch.expected),
            "actual_label": label(mismatch.actual) if mismatch.actual else "", "details": list(mismatch.details)}


def test_entry(path: str, run: TestRun | None = None, *, min_coverage: float | None = None,
               error: Diagnostic | None = None, diagnostics: Iterable[Diagnostic] = (),
               lang: str = "sv") -> TestEntry:
    """One rulebook's rule tests: its cases, coverage and gaps; or why it could not be tested."""
    if run is None:
        problems = [diagnostic_json(d, lang) for d in (*diagnostics, *([error] if error else []))]
        return {"file": path, "status": "error", "diagnostics": problems}
    gaps = run.gaps()
    total = len(run.rulebook.requirements)
    too_little = min_coverage is not None and run.coverage_percent < min_coverage
    return {
        "file": path,
        "status": "failed" if run.failures or too_little else "passed",
        "rulebook": _rulebook_json(run.rulebook, path),
        "test_files": list(run.files),
        "cases": [{"name": r.case.name, "file": r.case.file, "path": r.case.path, "passed": r.passed,
                   "mismatches": [_mismatch_json(m, lang) for m in r.mismatches]} for r in run.results],
        "passed": len(run.results) - len(run.failures),
        "failed": len(run.failures),
        "coverage": {"percent": round(run.coverage_percent, 1), "covered": total - len(gaps), "total": total,
                     "minimum": min_coverage, "enough": not too_little,
                     "gaps": [{"requirement": req_id, "lacks": list(missing)} for req_id, missing in gaps]},
    }


def test_json(entries: list[TestEntry], lang: str) -> dict[str, object]:
    """`kok test --format json`: every rulebook's entry, and the worst status of them."""
    statuses = [e["status"] for e in entries]
    status = "error" if "error" in statuses else "failed" if "failed" in statuses else "passed"
    return {**_header("test", lang), "status": status, "rulebooks": entries}


def test_junit(entries: list[TestEntry], lang: str) -> str:
    """JUnit XML (the dialect Jenkins, GitLab and GitHub test reporters read):
    one <testsuite> per rulebook, one <testcase> per rule-test case. A failing
    case has a <failure>; an unusable rulebook or test file is an <error>; too
    little coverage is a failing testcase of its own."""
    root = ET.Element("testsuites", name="kok test")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for entry in entries:
        suite = ET.SubElement(root, "testsuite", name=entry["file"])
        counts = {"tests": 0, "failures": 0, "errors": 0}
        if entry["status"] == "error":
            case = ET.SubElement(suite, "testcase", name=message("junit.unusable", lang), classname=entry["file"])
            text = "\n".join(f"{d['file'] or ''}: {d['message']}" for d in entry["diagnostics"])
            first = entry["diagnostics"][0]["message"] if entry["diagnostics"] else ""
            ET.SubElement(case, "error", message=first, type="error").text = text
            counts.update(tests=1, errors=1)
        else:
            classname = f"{entry['rulebook']['name']}.{entry['rulebook']['edition']}"
            for result in entry["cases"]:
                case = ET.SubElement(suite, "testcase", name=result["name"], classname=classname,
                                     file=result["file"])
                counts["tests"] += 1
                if not result["passed"]:
                    counts["failures"] += 1
                    lines = [_mismatch_line(m, lang) for m in result["mismatches"]]
                    ET.SubElement(case, "failure", message=lines[0], type="mismatch").text = "\n".join(
                        [f"{result['file']}: {result['path']}", *lines])
            coverage = entry["coverage"]
            if coverage["minimum"] is not None:
                case = ET.SubElement(suite, "testcase", name=message("junit.coverage", lang), classname=classname)
                counts["tests"] += 1
                if not coverage["enough"]:
                    counts["failures"] += 1
                    text = message("junit.coverage_failure", lang, percent=coverage["percent"],
                                   minimum=f"{coverage['minimum']:g}")
                    ET.SubElement(case, "failure", message=text, type="coverage").text = "\n".join(
                        [text, *(f"{g['requirement']}: {', '.join(g['lacks'])}" for g in coverage["gaps"])])
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _mismatch_line(mismatch: MismatchJson, lang: str) -> str:
    if mismatch["requirement"]:
        where = message("junit.requirement", lang, id=mismatch["requirement"])
    else:
        where = message(f"junit.{mismatch['kind']}", lang)
    return message("junit.mismatch", lang, where=where, expected=mismatch["expected_label"],
                   actual=mismatch["actual_label"] or "–")


# -- kok compare --------------------------------------------------------------------------------


def compare_json(rulebooks: list[CompiledRulebook], data: Comparison, lang: str) -> dict[str, object]:
    """data: tools.compare.comparison(); rulebooks: the compiled rulebooks, its columns."""
    columns = [_rulebook_json(rb, rb.file) for rb in rulebooks]
    rows = [{"topic": row["topic_code"], "label": row["topic"],
             "cells": [[{"id": rid, "title": title, "modality": modality, "status": status, "thresholds": limits}
                        for rid, title, modality, limits, status in cell]
                       for cell in row["cells"]]}
            for row in data["rows"]]
    return {**_header("compare", lang), "rulebooks": columns, "rows": rows}


# -- kok impact -------------------------------------------------------------------------------------


def impact_json(rulebook: CompiledRulebook, variant: str, before: list[CentreRun], after: list[CentreRun],
                changes: list[VerdictChange], lang: str) -> dict[str, object]:
    """`kok impact --format json`: decision totals before and after the variant, and each centre that moved."""
    from kokdsl.followup.rerun import decision_totals

    return {
        **_header("impact", lang),
        "rulebook": _rulebook_json(rulebook, rulebook.file),
        "variant": variant,
        "centres": len(before),
        "totals": {"before": decision_totals(before), "after": decision_totals(after)},
        "changes": [{"key": c.key, "name": c.name, "before": c.before, "after": c.after,
                     "new_reasons": list(c.new_reasons), "dropped_reasons": list(c.dropped_reasons)}
                    for c in changes],
    }


# -- kok fmt --check ----------------------------------------------------------------------------------


def fmt_json(files: list[FmtFile], check: bool, lang: str) -> dict[str, object]:
    """files: {"file", "status": unchanged|would_change|changed|error, "diagnostics": [Diagnostic]}."""
    entries = [{"file": f["file"], "status": f["status"],
                "diagnostics": [diagnostic_json(d, lang) for d in f.get("diagnostics", ())]} for f in files]
    return {**_header("fmt", lang), "check": check,
            "ok": all(e["status"] in ("unchanged", "changed") for e in entries), "files": entries}


# -- kok rulebooks --------------------------------------------------------------------------------------


def rulebooks_json(entries: Sequence[Mapping[str, object]], lang: str) -> dict[str, object]:
    """entries: name, file, title, edition, valid_from, requirements (null where the file does not compile)."""
    return {**_header("rulebooks", lang), "rulebooks": entries}
