"""Stage 6: one assessment's data model, and its text and JSON renderings.

to_json_data() is the assessment as plain, typed data (the stable JSON of
`kok run --format json`, reports/findings.schema.json); the findings report's
view model (outputs/findings.py, HTML and Markdown from the Jinja templates in
reports/) is built from it, and so are the two formats this module renders
without templates: text for the terminal and the JSON itself.
"""

from __future__ import annotations

import functools
import json
import shutil
import textwrap
from collections.abc import Hashable
from typing import TYPE_CHECKING, NotRequired, TypedDict, cast

from kokdsl.ast import IN_FORCE
from kokdsl.decision import Decision, counts
from kokdsl.diagnostics import Diagnostic
from kokdsl.enums import Modality, Outcome
from kokdsl.evaluator import OUTCOMES, Finding, RequirementResult, Shown, evidence
from kokdsl.messages import message
from kokdsl.outputs.machine import DiagnosticJson
from kokdsl.outputs.provenance import draft_mark, marked, provenance_lines
from kokdsl.pipeline import TOOL_VERSION, Assessment
from kokdsl.prose import finding_text, findings
from kokdsl.selfreport import DataProblem, ExpectedValue
from kokdsl.text import terminal_lines

if TYPE_CHECKING:
    from kokdsl.compiled import CompiledRulebook

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
    reason: str | None


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


def finding_lines(finding: Finding, lang: str) -> list[str]:
    """A finding and those beneath it as lines, each level indented two spaces more."""
    return _explanation_lines(_finding_json(finding, lang))


def _finding_json(finding: Finding, lang: str) -> FindingJson:
    out: FindingJson = {"code": finding.code, "message": finding_text(finding, lang)}
    if finding.path:
        out["path"] = finding.path
    if finding.children:
        out["children"] = [_finding_json(c, lang) for c in finding.children]
    return out


def _book_json(rulebook: CompiledRulebook, lang: str) -> list[dict[str, object]]:
    """Each requirement's JSON fields that depend only on the rulebook and the
    language, in book order: made once per rulebook, copied into every centre's
    data (the sources list is shared, and never changed)."""
    key = f"findings.book_json.{lang}"
    book: list[dict[str, object]] | None = rulebook.runtime.get(key)
    if book is None:
        book = rulebook.runtime[key] = [{
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
        } for req in rulebook.requirements]
    return book


def _explanation_json(result: RequirementResult, rulebook: CompiledRulebook, lang: str) -> list[FindingJson]:
    """A result's explanation as JSON. Explanations are shared between centres
    that gave a requirement the same values (prose.findings), and so are their
    texts, written once; the JSON around them is made afresh, since keeping it
    by explanation also kept the explanations no other centre shares."""
    return [_finding_json(f, lang) for f in findings(result)]


SHOWN_KEPT = 8192  # values written per rulebook and language, then forgotten: memory stays bounded


def _shown_text(shown: Shown, lang: str, kept: dict[Hashable, str]) -> str:
    """A value read as evidence, written once per distinct value: opening
    hours, yes and no, names and counts recur from centre to centre. The key
    holds the value's type too (1, 1.0 and True are equal but written apart)."""
    try:
        key = (type(shown.value), shown.value, shown.kind, shown.unit)
        text = kept.get(key)
    except TypeError:  # a value that cannot be a key
        return shown.render(lang)
    if text is None:
        if len(kept) >= SHOWN_KEPT:
            kept.clear()
        text = kept[key] = shown.render(lang)
    return text


def _diagnostic_json(diag: Diagnostic, lang: str) -> DiagnosticJson:
    return {"severity": diag.severity, "code": diag.code, "path": diag.path, "message": diag.text(lang)}


def _problem_json(problem: DataProblem, lang: str) -> ProblemJson:
    return {"kind": problem.kind, "path": problem.path, "fact": problem.fact, "field": problem.field,
            "expected": ExpectedValue(problem.expected).render(lang),
            "reason": problem.reason.text(lang) if problem.reason else None}


def to_json_data(assessment: Assessment, lang: str = "sv", rulebook_path: str | None = None) -> FindingsJson:
    """The assessment as the stable JSON data `kok assess --format json` prints
    (and the findings report's view-model starts from)."""
    rb, report, decision = assessment.rulebook, assessment.report, assessment.decision
    requirements: list[RequirementJson] = []
    book = _book_json(rb, lang)
    shown_texts: dict[Hashable, str] = rb.runtime.setdefault(f"findings.shown.{lang}", {})
    for index, r in enumerate(assessment.evaluation.results):
        req = r.requirement
        item = cast("RequirementJson", dict(book[index]))  # what depends only on the rulebook
        item["outcome"] = r.outcome
        item["outcome_label"] = message(f"outcome.{r.outcome}", lang)
        item["explanation"] = _explanation_json(r, rb, lang)
        item["missing"] = [_problem_json(p, lang) for p in r.problems]
        item["evidence"] = [{"path": path, "value": _shown_text(shown, lang, shown_texts)}
                            for path, shown in evidence(req, report, rb)]
        requirements.append(item)
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
    """A readable table for the terminal, then the decision and its grounds:
    written from the same data as the JSON output and the findings report
    (to_json_data), with the rulebook's own notices (a draft, a selection)."""
    width = width or min(max(shutil.get_terminal_size((100, 24)).columns, 72), 120)
    data = to_json_data(assessment, lang)
    rb, centre, decision = data["rulebook"], data["self_report"]["centre"], data["decision"]
    m = functools.partial(message, lang=lang)
    out = [m("text.rulebook", name=rb["name"], edition=rb["edition"], valid_from=rb["valid_from"] or "–"),
           m("text.centre", name=centre["name"] or "–", id=centre["id"] or "–"),
           *provenance_lines(assessment.rulebook, lang, width), ""]
    out += _requirement_table(data["requirements"], lang, width)
    by_id = {item["id"]: item for item in data["requirements"]}
    out.append("")
    out.append(m("text.decision", label=marked(decision["label"].upper(), assessment.rulebook, lang)))
    if decision["reasons"]:
        out.append(m("text.reasons"))
        out += [f"  {n}. {i} {by_id[i]['title']}" for n, i in enumerate(decision["reasons"], 1)]
    if decision["missing"]:
        out.append(m("text.missing"))
        out += [f"  - {p['path']}: " + (m("problem.implausible_because", sentence=p["reason"]) if p["reason"]
                                        else f"{m('problem.' + p['kind'])} ({p['expected']})")
                for p in decision["missing"]]
    if decision["remarks"] or decision["remarks_unassessed"]:
        out.append(m("text.remarks"))
        out += [f"  - {i} {by_id[i]['title']}" for i in decision["remarks"]]
        out += [f"  - {i} {by_id[i]['title']} ({m('outcome.cannot_assess')})" for i in decision["remarks_unassessed"]]
    adopted = decision["if_adopted"]
    if adopted is not None:
        out += ["", m("text.if_adopted", label=adopted["label"].upper())]
        out += [f"  - {i} {by_id[i]['title']}: {by_id[i]['outcome_label']}" for i in decision["proposals"]]
    if data["data_diagnostics"]:
        out += ["", m("text.data_diagnostics")]
        out += [f"  {d['path']}: {m('severity.' + d['severity'])}: {d['message']}" for d in data["data_diagnostics"]]
    out.append("")
    out.append(m("text.audit", edition=rb["edition"], rb_sha=rb["sha256"][:12],
                 sr_sha=data["self_report"]["sha256"][:12], version=data["tool"]["version"]))
    return terminal_lines(out)


def _requirement_table(requirements: list[RequirementJson], lang: str, width: int) -> list[str]:
    """One row per requirement (id, title, modality, outcome), each not met
    or not assessed followed by its explanation, indented under the title."""
    m = functools.partial(message, lang=lang)
    # A longer id overflows its column rather than squeeze the rest to nothing.
    id_w = min(max([len(m("text.col_id"))] + [len(item["id"]) for item in requirements]), 16)
    mod_w = max(len(m("text.col_modality")), 5)
    out_w = max(len(m("text.col_outcome")), *(len(m(f"outcome.{o}")) for o in (*OUTCOMES, Outcome.WAIVED)))
    title_w = max(width - id_w - mod_w - out_w - 6, 20)
    out = [f"{m('text.col_id'):<{id_w}}  {m('text.col_title'):<{title_w}}  "
           f"{m('text.col_modality'):<{mod_w}}  {m('text.col_outcome')}",
           "-" * min(width, id_w + title_w + mod_w + out_w + 6)]
    indent = " " * (id_w + 2)
    for item in requirements:
        title = item["title"] if item["status"] == IN_FORCE else f"{item['title']} [{item['status_label']}]"
        title = textwrap.shorten(title, title_w, placeholder="…")
        out.append(f"{item['id']:<{id_w}}  {title:<{title_w}}  {item['modality']:<{mod_w}}  {item['outcome_label']}")
        for finding in (item["explanation"] if item["outcome"] != Outcome.MET else ()):
            for line in _explanation_lines(finding):
                out += textwrap.wrap(line, max(width - len(indent), 20), initial_indent=indent,
                                     subsequent_indent=indent + "  ")
    return out


def _explanation_lines(finding: FindingJson, depth: int = 0) -> list[str]:
    """A finding and those beneath it as lines, each level indented two spaces more."""
    lines = ["  " * depth + finding["message"]]
    for child in finding.get("children", []):
        lines += _explanation_lines(child, depth + 1)
    return lines
