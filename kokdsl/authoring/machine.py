"""The authoring tools' results for scripts and CI: the JSON documents of
`kok test`, `kok compare`, `kok impact` and `kok fmt --check`, and JUnit XML
for `kok test`. Built from the shared shapes in outputs/machine.py, with the
same promises (docs/json-output.md): a `format` and `format_version`, and
byte-identical output for the same inputs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, NotRequired, TypedDict

from kokdsl.batch import decision_totals
from kokdsl.compiled import CompiledRulebook
from kokdsl.diagnostics import Diagnostic
from kokdsl.formatting import format_percent
from kokdsl.messages import message
from kokdsl.outputs.machine import DiagnosticJson, diagnostic_json, header, rulebook_json

if TYPE_CHECKING:
    from kokdsl.authoring.compare import Comparison
    from kokdsl.authoring.impact import CentreRun, VerdictChange
    from kokdsl.authoring.ruletest import Mismatch, TestRun


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
        "rulebook": rulebook_json(run.rulebook, path),
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
    return {**header("test", lang), "status": status, "rulebooks": entries}


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
                    text = message("junit.coverage_failure", lang,
                                   percent=format_percent(Fraction(coverage["percent"]) / 100, lang, 1),
                                   minimum=format_percent(Fraction(coverage["minimum"]) / 100, lang, 1))
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
    """data: compare.comparison(); rulebooks: the compiled rulebooks, its columns."""
    columns = [rulebook_json(rb, rb.file) for rb in rulebooks]
    rows = [{"topic": row["topic_code"], "label": row["topic"],
             "cells": [[{"id": rid, "title": title, "modality": modality, "status": status, "thresholds": limits}
                        for rid, title, modality, limits, status in cell]
                       for cell in row["cells"]]}
            for row in data["rows"]]
    return {**header("compare", lang), "rulebooks": columns, "rows": rows}


# -- kok impact -------------------------------------------------------------------------------------


def impact_json(rulebook: CompiledRulebook, variant: str, before: list[CentreRun], after: list[CentreRun],
                changes: list[VerdictChange], lang: str) -> dict[str, object]:
    """`kok impact --format json`: decision totals before and after the variant, and each centre that moved."""
    return {
        **header("impact", lang),
        "rulebook": rulebook_json(rulebook, rulebook.file),
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
    return {**header("fmt", lang), "check": check,
            "ok": all(e["status"] in ("unchanged", "changed") for e in entries), "files": entries}
