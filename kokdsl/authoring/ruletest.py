"""Rule tests: cases beside a rulebook that pin down what its requirements do.

A test file (rulebooks/orebro/2025.tests.yaml, or every *.yaml in a folder
2025.tests/) holds an optional base self-report and a list of cases. Each case
is a small self-report, merged over the base key by key (a key set to null is
removed, so the fact is missing), and the expected outcome of named
requirements; optionally the expected decision and a fragment of the
explanation:

    grund:                       # or: base
      öppettider: {måndag-fredag: "08:00-17:00"}
    fall:                        # or: cases
      - namn: 42 timmar räcker inte över 6 500 listade      # or: name
        egenrapport: {listade: 7000}                        # or: report
        väntat: {"2.1": ej uppfyllt}                        # or: expect
        beslut: avslag                                      # or: decision
        förklaring: "42 h < 45 h"                           # or: explanation
        bedömningsdatum: 2026-07-01                         # or: assessment_date

The assessment date (the run date: what `bedömningsdatum` holds, and the day a
requirement's own validity is judged on) can also be set for every case at the
top level; without it a case is assessed on the first day of the rulebook's
edition (or today when the rulebook does not say), so that tests do not change
with the calendar.

Coverage: a requirement is covered when some case names it and it came out met,
and some case names it and it came out not met.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import NoReturn

import attrs

from kokdsl.compiled import CompiledRulebook
from kokdsl.decision import decide
from kokdsl.diagnostics import ERROR, Diagnostic
from kokdsl.enums import DecisionKind, Outcome
from kokdsl.errors import RuleTestError, SelfReportError
from kokdsl.evaluator import Finding, evaluate
from kokdsl.messages import message
from kokdsl.prose import findings
from kokdsl.selfreport import IDENTITY_KEYS, read_document, validate
from kokdsl.text import terminal_lines

# Spellings accepted in a test file: Swedish first, English aliases.
_KEYS = {"grund": "base", "base": "base", "fall": "cases", "cases": "cases",
         "bedömningsdatum": "day", "assessment_date": "day"}
_CASE_KEYS = {"namn": "name", "name": "name", "egenrapport": "report", "report": "report",
              "bedömningsdatum": "day", "assessment_date": "day",
              "väntat": "expect", "expect": "expect", "beslut": "decision", "decision": "decision",
              "förklaring": "explanation", "explanation": "explanation"}
_OUTCOMES = {
    "uppfyllt": Outcome.MET, "met": Outcome.MET,
    "ej uppfyllt": Outcome.NOT_MET, "ej_uppfyllt": Outcome.NOT_MET,
    "not met": Outcome.NOT_MET, "not_met": Outcome.NOT_MET,
    "kan ej bedömas": Outcome.CANNOT_ASSESS, "kan_ej_bedömas": Outcome.CANNOT_ASSESS,
    "cannot assess": Outcome.CANNOT_ASSESS, "cannot_assess": Outcome.CANNOT_ASSESS,
    "ej tillämpligt": Outcome.NOT_APPLICABLE, "ej_tillämpligt": Outcome.NOT_APPLICABLE,
    "not applicable": Outcome.NOT_APPLICABLE, "not_applicable": Outcome.NOT_APPLICABLE,
}
_DECISIONS = {"godkänd": DecisionKind.APPROVED, "approved": DecisionKind.APPROVED,
              "avslag": DecisionKind.REJECTION, "rejection": DecisionKind.REJECTION,
              "komplettering": DecisionKind.SUPPLEMENT_REQUEST, "supplement request": DecisionKind.SUPPLEMENT_REQUEST,
              "supplement_request": DecisionKind.SUPPLEMENT_REQUEST}


@attrs.frozen
class Case:
    name: str
    file: str
    path: str  # JSON path of the case in its file
    report: dict[str, object] = attrs.field(eq=False)  # the self-report the case assesses
    expect: dict[str, Outcome]  # requirement id -> outcome
    decision: str | None = None
    explanation: str | None = None
    day: datetime.date | None = None  # the assessment date


@attrs.frozen
class Mismatch:
    """One expectation that did not hold. kind: outcome, decision, explanation."""

    kind: str
    requirement: str | None
    expected: str
    actual: str
    details: tuple[str, ...] = ()


@attrs.frozen
class CaseResult:
    case: Case
    mismatches: tuple[Mismatch, ...]
    outcomes: dict[str, Outcome] = attrs.field(eq=False)  # requirement id -> actual outcome, named ones only

    @property
    def passed(self) -> bool:
        return not self.mismatches


@attrs.frozen
class TestRun:
    rulebook: CompiledRulebook
    files: tuple[str, ...]
    results: tuple[CaseResult, ...]

    @property
    def failures(self) -> tuple[CaseResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    def gaps(self) -> list[tuple[str, tuple[str, ...]]]:
        """Requirements lacking a met case or a not-met case: (id, missing outcomes)."""
        seen: dict[str, set[str]] = {req.id: set() for req in self.rulebook.requirements}
        for result in self.results:
            for req_id, outcome in result.outcomes.items():
                seen[req_id].add(outcome)
        return [(req_id, tuple(o for o in (Outcome.MET, Outcome.NOT_MET) if o not in outcomes))
                for req_id, outcomes in seen.items() if not {Outcome.MET, Outcome.NOT_MET} <= outcomes]

    @property
    def coverage_percent(self) -> float:
        total = len(self.rulebook.requirements)
        return 100.0 if total == 0 else 100.0 * (total - len(self.gaps())) / total


def find_test_files(rulebook_path: str | Path) -> list[Path]:
    """2025.kok -> 2025.tests.yaml, or every .yaml file in the folder 2025.tests/."""
    path = Path(rulebook_path)
    single = _test_file_name(path)
    folder = path.with_name(path.stem + ".tests")
    files = [single] if single.is_file() else []
    if folder.is_dir():
        files += sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return files


def require_test_files(rulebook_path: str) -> list[Path]:
    """The test files beside a rulebook; RuleTestError naming the expected file when there are none."""
    files = find_test_files(rulebook_path)
    if not files:
        expected = str(_test_file_name(Path(rulebook_path)))
        raise RuleTestError(Diagnostic(ERROR, "ruletest.no_test_file", {"expected": expected}, file=rulebook_path))
    return files


def _test_file_name(rulebook: Path) -> Path:
    return rulebook.with_name(rulebook.stem + ".tests.yaml")


def load_cases(file: str | Path, rulebook: CompiledRulebook) -> list[Case]:
    name = str(file)
    try:
        document, _ = read_document(file)
    except SelfReportError as exc:
        raise RuleTestError(exc.diagnostic) from None
    if not isinstance(document, dict):
        _fail("ruletest.not_mapping", name, "$")
    top = _rename(document, _KEYS, name, "$")
    base = top.get("base") or {}
    if not isinstance(base, dict):
        _fail("ruletest.base_not_mapping", name, "$.grund")
    raw_cases = top.get("cases")
    if not isinstance(raw_cases, list) or not raw_cases:
        _fail("ruletest.no_cases", name, "$.fall")
    day = _date(top.get("day"), name, "$.bedömningsdatum") or rulebook.valid_from
    return [_case(raw, index, base, rulebook, name, day) for index, raw in enumerate(raw_cases)]


def _date(value: object, file: str, path: str) -> datetime.date | None:
    """A date in a test file: YAML reads 2026-07-01 as a date; a quoted one is text."""
    if value is None:
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise RuleTestError(Diagnostic(ERROR, "ruletest.bad_date", {"value": str(value)}, path=path,
                                       file=file)) from None


def _case(raw: object, index: int, base: dict[str, object], rulebook: CompiledRulebook, file: str,
          day: datetime.date | None = None) -> Case:
    path = f"$.fall[{index}]"
    if not isinstance(raw, dict):
        _fail("ruletest.case_not_mapping", file, path)
    case = _rename(raw, _CASE_KEYS, file, path)
    name = case.get("name")
    if not isinstance(name, str) or not name.strip():
        _fail("ruletest.case_no_name", file, path)
    report = case.get("report") or {}
    if not isinstance(report, dict):
        _fail("ruletest.report_not_mapping", file, f"{path}.egenrapport")
    expect_raw = case.get("expect") or {}
    if not isinstance(expect_raw, dict):
        _fail("ruletest.expect_not_mapping", file, f"{path}.väntat")
    expect: dict[str, Outcome] = {}
    for req_id, outcome in expect_raw.items():
        req_id = str(req_id)
        if rulebook.requirement(req_id) is None:
            _fail("ruletest.unknown_requirement", file, f"{path}.väntat", id=req_id)
        word = " ".join(str(outcome).split()).casefold()
        if word not in _OUTCOMES:
            _fail("ruletest.unknown_outcome", file, f"{path}.väntat", value=str(outcome))
        expect[req_id] = _OUTCOMES[word]
    decision_raw = case.get("decision")
    decision: str | None = None
    if decision_raw is not None:
        word = " ".join(str(decision_raw).split()).casefold()
        if word not in _DECISIONS:
            _fail("ruletest.unknown_decision", file, f"{path}.beslut", value=str(decision_raw))
        decision = _DECISIONS[word]
    explanation = case.get("explanation")
    if not expect and decision is None and explanation is None:
        _fail("ruletest.case_expects_nothing", file, path)
    # A key set to null in the case removes the base value: the fact is missing.
    merged = {k: v for k, v in {**base, **report}.items() if v is not None}
    if not any(key in merged for key in IDENTITY_KEYS):
        merged["vårdcentral"] = {"namn": name, "id": "REGELTEST", "fiktiv": True}
    return Case(name.strip(), file, path, merged, expect, decision,
                str(explanation) if explanation is not None else None,
                _date(case.get("day"), file, f"{path}.bedömningsdatum") or day)


def _rename(mapping: dict[object, object], table: dict[str, str], file: str, path: str) -> dict[str, object]:
    """The mapping with each key under its English name in `table`; an unknown key is an error naming the known ones."""
    out: dict[str, object] = {}
    for key, value in mapping.items():
        if str(key) not in table:
            known = ", ".join(sorted(set(table) - set(table.values())))
            _fail("ruletest.unknown_key", file, path, key=str(key), known=known)
        out[table[str(key)]] = value
    return out


def _fail(code: str, file: str, path: str, **params: object) -> NoReturn:
    raise RuleTestError(Diagnostic(ERROR, code, params, path=path, file=file))


def run_case(case: Case, rulebook: CompiledRulebook, lang: str = "sv") -> CaseResult:
    report = validate(case.report, rulebook, file=f"{case.file}#{case.name}")
    evaluation = evaluate(rulebook, report, case.day)
    by_id = {r.requirement.id: r for r in evaluation.results}
    mismatches = []
    for req_id, expected in case.expect.items():
        result = by_id[req_id]
        if result.outcome != expected:
            details = tuple(line for f in findings(result) for line in _finding_lines(f, lang))
            mismatches.append(Mismatch("outcome", req_id, expected, result.outcome, details))
    if case.decision is not None:
        actual = decide(evaluation).kind
        if actual != case.decision:
            mismatches.append(Mismatch("decision", None, case.decision, actual))
    if case.explanation is not None:
        lines = [line for r in evaluation.results for f in findings(r) for line in _finding_lines(f, lang)]
        if _normalise(case.explanation) not in _normalise("\n".join(lines)):
            mismatches.append(Mismatch("explanation", None, case.explanation, "", tuple(lines)))
    outcomes = {req_id: by_id[req_id].outcome for req_id in case.expect}
    return CaseResult(case, tuple(mismatches), outcomes)


def _finding_lines(finding: Finding, lang: str) -> list[str]:
    from kokdsl.outputs.assessment import finding_lines

    return [line.strip() for line in finding_lines(finding, lang)]


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def run_tests(rulebook: CompiledRulebook, files: Sequence[str | Path], lang: str = "sv") -> TestRun:
    """Raises RuleTestError when a test file is unusable."""
    cases = [case for file in files for case in load_cases(file, rulebook)]
    return TestRun(rulebook, tuple(str(f) for f in files), tuple(run_case(c, rulebook, lang) for c in cases))


def format_run(run: TestRun, lang: str = "sv") -> str:
    """The terminal report: failures as expected-vs-actual diffs, then coverage."""
    lines = []
    for result in run.failures:
        lines.append(message("ruletest.failed_case", lang, name=result.case.name, file=result.case.file,
                             path=result.case.path))
        for m in result.mismatches:
            lines += _format_mismatch(m, lang)
        lines.append("")
    total, failed = len(run.results), len(run.failures)
    lines.append(message("ruletest.summary", lang, rulebook=run.rulebook.file, edition=run.rulebook.edition,
                         cases=message("ruletest.cases", lang, count=total), passed=total - failed, failed=failed))
    gaps = run.gaps()
    covered = len(run.rulebook.requirements) - len(gaps)
    lines.append(message("ruletest.coverage", lang, covered=covered, count=len(run.rulebook.requirements),
                         percent=format_percent(run.coverage_percent, lang)))
    for req_id, missing in gaps:
        words = ", ".join(message(f"outcome.{o}", lang) for o in missing)
        lines.append(message("ruletest.gap", lang, id=req_id, missing=words))
    return terminal_lines(lines)


def format_percent(value: float, lang: str) -> str:
    """A coverage percentage (0–100) with one decimal at most: "92,3 %", "92.3%"."""
    from kokdsl.formatting import format_percent as percent

    return percent(Fraction(value) / 100, lang, places=1)


def _format_mismatch(m: Mismatch, lang: str) -> list[str]:
    if m.kind == "outcome":
        out = [message("ruletest.diff_requirement", lang, id=m.requirement),
               "    - " + message("ruletest.expected", lang, value=message(f"outcome.{m.expected}", lang)),
               "    + " + message("ruletest.actual", lang, value=message(f"outcome.{m.actual}", lang))]
        return out + ["        " + line for line in m.details]
    if m.kind == "decision":
        return [message("ruletest.diff_decision", lang),
                "    - " + message("ruletest.expected", lang, value=message(f"decision.{m.expected}", lang)),
                "    + " + message("ruletest.actual", lang, value=message(f"decision.{m.actual}", lang))]
    out = [message("ruletest.diff_explanation", lang),
           "    - " + message("ruletest.expected_fragment", lang, value=m.expected),
           "    + " + message("ruletest.actual_explanation", lang)]
    details = m.details or [message("ruletest.no_explanation", lang)]
    return out + ["        " + line for line in details]
