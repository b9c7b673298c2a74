"""Stage 6: one assessment's data model, and its text and JSON renderings.

to_json_data() is the assessment as plain, typed data (the stable JSON of
`kok run --format json`, reports/findings.schema.json); the findings report's
view model (outputs/findings.py, HTML and Markdown from the Jinja templates in
reports/) is built from it. This module also renders the two formats the CLI
needs without templates: text for the terminal and the JSON itself. Just over
400 lines: the typed JSON shape and the two renderings of it belong together.
"""

from __future__ import annotations

import functools
import json
import shutil
import textwrap
from typing import TYPE_CHECKING, NotRequired, TypedDict

from kokdsl.decision import Decision, counts
from kokdsl.diagnostics import Diagnostic
from kokdsl.enums import Modality, Outcome
from kokdsl.evaluator import OUTCOMES, Finding, evidence
from kokdsl.messages import message
from kokdsl.outputs.machine import DiagnosticJson
from kokdsl.outputs.provenance import draft_mark, marked, provenance_lines
from kokdsl.pipeline import TOOL_VERSION, Assessment
from kokdsl.prose import finding_text, findings
from kokdsl.selfreport import DataProblem, ExpectedValue
from kokdsl.text import terminal_lines

if TYPE_CHECKING:
    pass

JSON_FORMAT = "kokdsl.findings"
JSON_FORMAT_VERSION = 1


# The JSON output (reports/findings.schema.json), typed, because the findings
# report's view-model is built from it.
class FindingJson(TypedDict):
    code: str
    message: str
    path: NotRequired[str]
    children: NotRequired[list[FindingJson]]


class ProblemJson(TypedDict):
    kind: str
    path: str
    fact: str
    field: str | None
    expected: str


class SourceJson(TypedDict):
    text: str
    date: str | None


class EvidenceJson(TypedDict):
    path: str
    value: str


class RequirementJson(TypedDict):
    id: str
    title: str
    modality: str
    chapter: str | None
    topic: str | None
    text: str | None
    status: str
    status_label: str
    sources: list[SourceJson]
    valid_from: str | None
    valid_to: str | None
    outcome: str
    outcome_label: str
    explanation: list[FindingJson]
    missing: list[ProblemJson]
    evidence: list[EvidenceJson]


class RulebookJson(TypedDict):
    name: str
    edition: int
    valid_from: str | None
    source: str | None
    selection: str | None
    draft: bool
    reconstruction: str | None
    file: str | None
    sha256: str


class CentreJson(TypedDict):
    name: str | None
    id: str | None
    provider: str | None
    fictional: bool | None


class SelfReportJson(TypedDict):
    file: str | None
    sha256: str
    centre: CentreJson


class IfAdoptedJson(TypedDict):
    kind: str
    label: str
    reasons: list[str]
    supplements: list[str]
    remarks: list[str]


class DecisionJson(TypedDict):
    kind: str
    label: str
    draft: bool
    draft_label: str | None
    reasons: list[str]
    supplements: list[str]
    missing: list[ProblemJson]
    remarks: list[str]
    remarks_unassessed: list[str]
    proposals: list[str]
    if_adopted: IfAdoptedJson | None


class FindingsJson(TypedDict):
    format: str
    format_version: int
    tool: dict[str, str]
    language: str
    rulebook: RulebookJson
    self_report: SelfReportJson
    decision: DecisionJson
    counts: dict[Modality, dict[Outcome, int]]
    requirements: list[RequirementJson]
    data_diagnostics: list[DiagnosticJson]
    run_date: NotRequired[str]  # the findings report's JSON format adds these two
    case: NotRequired[dict[str, object]]
    document: NotRequired[dict[str, object]]  # which document the report stands for (outputs/letters.py)


def finding_lines(finding: Finding, lang: str, depth: int = 0) -> list[str]:
    """A finding and those beneath it as lines, each level indented two spaces more."""
    lines = ["  " * depth + finding_text(finding, lang)]
    for child in finding.children:
        lines += finding_lines(child, lang, depth + 1)
    return lines


def _finding_json(finding: Finding, lang: str) -> FindingJson:
    out: FindingJson = {"code": finding.code, "message": finding_text(finding, lang)}
    if finding.path:
        out["path"] = finding.path
    if finding.children:
        out["children"] = [_finding_json(c, lang) for c in finding.children]
    return out


def _diagnostic_json(diag: Diagnostic, lang: str) -> DiagnosticJson:
    return {"severity": diag.severity, "code": diag.code, "path": diag.path, "message": diag.text(lang)}


def _problem_json(problem: DataProblem, lang: str) -> ProblemJson:
    return {"kind": problem.kind, "path": problem.path, "fact": problem.fact, "field": problem.field,
            "expected": ExpectedValue(problem.expected).render(lang)}


def to_json_data(assessment: Assessment, lang: str = "sv", rulebook_path: str | None = None) -> FindingsJson:
    """The assessment as the stable JSON data `kok assess --format json` prints
    (and the findings report's view-model starts from)."""
    rb, report, decision = assessment.rulebook, assessment.report, assessment.decision
    requirements: list[RequirementJson] = []
    for r in assessment.evaluation.results:
        req = r.requirement
        requirements.append({
            "id": req.id,
            "title": req.title,
            "modality": req.modality,
            "chapter": req.chapter,
            "topic": req.topic,
            "text": req.text,
            "status": req.status,
            "status_label": message(f"status.{req.status}", lang),
            "sources": [{"text": src.text, "date": src.date.isoformat() if src.date else None} for src in req.sources],
            "valid_from": req.valid_from.isoformat() if req.valid_from else None,
            "valid_to": req.valid_to.isoformat() if req.valid_to else None,
            "outcome": r.outcome,
            "outcome_label": message(f"outcome.{r.outcome}", lang),
            "explanation": [_finding_json(f, lang) for f in findings(r)],
            "missing": [_problem_json(p, lang) for p in r.problems],
            "evidence": [{"path": path, "value": shown.render(lang)} for path, shown in evidence(req, report, rb)],
        })
    return {
        "format": JSON_FORMAT,
        "format_version": JSON_FORMAT_VERSION,
        "tool": {"name": "kokdsl", "version": TOOL_VERSION},
        "language": lang,
        "rulebook": {"name": rb.name, "edition": rb.edition,
                     "valid_from": rb.valid_from.isoformat() if rb.valid_from else None,
                     "source": rb.source, "selection": rb.selection, "draft": rb.draft,
                     "reconstruction": rb.reconstruction.text(lang) if rb.reconstruction else None,
                     "file": rulebook_path or rb.file, "sha256": rb.sha256},
        "self_report": {"file": report.file, "sha256": report.sha256,
                        "centre": {"name": report.identity.name, "id": report.identity.id,
                                   "provider": report.identity.provider, "fictional": report.identity.fictional}},
        "decision": {
            "kind": decision.kind,
            "label": message(f"decision.{decision.kind}", lang),
            "draft": rb.draft, "draft_label": draft_mark(rb, lang),
            "reasons": [r.requirement.id for r in decision.reasons],
            "supplements": [r.requirement.id for r in decision.supplements],
            "missing": [_problem_json(p, lang) for p in decision.missing],
            "remarks": [r.requirement.id for r in decision.remarks],
            "remarks_unassessed": [r.requirement.id for r in decision.unassessed_remarks],
            "proposals": [r.requirement.id for r in decision.proposals],
            "if_adopted": _if_adopted_json(decision, lang),
        },
        "counts": counts(assessment.evaluation),
        "requirements": requirements,
        "data_diagnostics": [_diagnostic_json(d, lang) for d in report.diagnostics],
    }


def _if_adopted_json(decision: Decision, lang: str) -> IfAdoptedJson | None:
    """The decision were the rulebook's proposals adopted; None without proposals."""
    adopted = decision.if_adopted
    if adopted is None:
        return None
    return {"kind": adopted.kind, "label": message(f"decision.{adopted.kind}", lang),
            "reasons": [r.requirement.id for r in adopted.reasons],
            "supplements": [r.requirement.id for r in adopted.supplements],
            "remarks": [r.requirement.id for r in adopted.remarks]}


def render_json(assessment: Assessment, lang: str = "sv", rulebook_path: str | None = None) -> str:
    """to_json_data() as indented JSON text."""
    return json.dumps(to_json_data(assessment, lang, rulebook_path), ensure_ascii=False, indent=2) + "\n"


def render_text(assessment: Assessment, lang: str = "sv", width: int | None = None) -> str:
    """A readable table for the terminal, then the decision and its grounds."""
    width = width or min(max(shutil.get_terminal_size((100, 24)).columns, 72), 120)
    rb, report, decision = assessment.rulebook, assessment.report, assessment.decision
    m = functools.partial(message, lang=lang)
    out = [m("text.rulebook", name=rb.name, edition=rb.edition,
             valid_from=rb.valid_from.isoformat() if rb.valid_from else "–"),
           m("text.centre", name=report.identity.name or "–", id=report.identity.id or "–"),
           *provenance_lines(rb, lang, width), ""]
    # A longer id overflows its column rather than squeeze the rest to nothing.
    id_w = min(max([len(m("text.col_id"))] + [len(r.requirement.id) for r in assessment.evaluation.results]), 16)
    mod_w = max(len(m("text.col_modality")), 5)
    out_w = max(len(m("text.col_outcome")), *(len(m(f"outcome.{o}")) for o in (*OUTCOMES, Outcome.WAIVED)))
    title_w = max(width - id_w - mod_w - out_w - 6, 20)
    out.append(f"{m('text.col_id'):<{id_w}}  {m('text.col_title'):<{title_w}}  "
               f"{m('text.col_modality'):<{mod_w}}  {m('text.col_outcome')}")
    out.append("-" * min(width, id_w + title_w + mod_w + out_w + 6))
    indent = " " * (id_w + 2)
    for r in assessment.evaluation.results:
        req = r.requirement
        title = req.title if req.in_force else f"{req.title} [{message('status.' + req.status, lang)}]"
        title = textwrap.shorten(title, title_w, placeholder="…")
        out.append(f"{req.id:<{id_w}}  {title:<{title_w}}  {req.modality:<{mod_w}}  {m('outcome.' + r.outcome)}")
        for f in (findings(r) if r.outcome != Outcome.MET else ()):
            for line in finding_lines(f, lang):
                out += textwrap.wrap(line, max(width - len(indent), 20), initial_indent=indent,
                                     subsequent_indent=indent + "  ")
    out.append("")
    out.append(m("text.decision", label=marked(m(f"decision.{decision.kind}").upper(), rb, lang)))
    if decision.reasons:
        out.append(m("text.reasons"))
        for n, r in enumerate(decision.reasons, 1):
            out.append(f"  {n}. {r.requirement.id} {r.requirement.title}")
    if decision.missing:
        out.append(m("text.missing"))
        for p in decision.missing:
            out.append(f"  - {p.path}: {m('problem.' + p.kind)} ({ExpectedValue(p.expected).render(lang)})")
    if decision.remarks or decision.unassessed_remarks:
        out.append(m("text.remarks"))
        for r in decision.remarks:
            out.append(f"  - {r.requirement.id} {r.requirement.title}")
        for r in decision.unassessed_remarks:
            out.append(f"  - {r.requirement.id} {r.requirement.title} ({message('outcome.cannot_assess', lang)})")
    out += _if_adopted_lines(decision, lang)
    if report.diagnostics:
        out.append("")
        out.append(m("text.data_diagnostics"))
        for d in report.diagnostics:
            out.append(f"  {d.path}: {m('severity.' + d.severity)}: {d.text(lang)}")
    out.append("")
    out.append(m("text.audit", edition=rb.edition, rb_sha=rb.sha256[:12], sr_sha=report.sha256[:12],
                 version=TOOL_VERSION))
    return terminal_lines(out)


def _if_adopted_lines(decision: Decision, lang: str) -> list[str]:
    """"If the proposals are adopted": the decision then, and the proposals
    that would change it. Nothing when the rulebook has no proposals."""
    adopted = decision.if_adopted
    if adopted is None:
        return []
    out = ["", message("text.if_adopted", lang, label=message(f"decision.{adopted.kind}", lang).upper())]
    for r in decision.proposals:
        out.append(f"  - {r.requirement.id} {r.requirement.title}: {message('outcome.' + r.outcome, lang)}")
    return out
