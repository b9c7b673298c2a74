"""Stage 6b: an assessment -> the findings report an officer signs and files.

The report is rendered from the Jinja templates in reports/ (shipped in the
wheel). Python builds one plain view-model from the same data as the JSON
output (outputs/assessment.py, to_json_data) and adds the sentences a
decision letter needs; all wording comes from the message catalogue (keys `report.*`), so the
templates hold structure only.

    render_report(assessment, "html" | "md" | "json", lang, run_date, rulebook_path)
"""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Callable
from typing import Any

import attrs
import markupsafe

from kokdsl.compiled import CompiledRequirement, CompiledRulebook
from kokdsl.decision import counts
from kokdsl.enums import Modality, Outcome
from kokdsl.evaluator import EXPLANATIONS_KEPT, OUTCOMES, RequirementResult
from kokdsl.formatting import format_list
from kokdsl.messages import message
from kokdsl.outputs.assessment import FindingJson, RequirementJson, to_json_data
from kokdsl.outputs.environment import environment
from kokdsl.outputs.provenance import marked, provenance_notices
from kokdsl.pipeline import Assessment
from kokdsl.prose import check_clause
from kokdsl.resources import data_dir
from kokdsl.selfreport import DataProblem
from kokdsl.text import paragraphs

FORMATS = ("html", "md", "json")
TEMPLATES = {"html": "findings.html.j2", "md": "findings.md.j2"}
PARTS_TEMPLATE = "findings_parts.html.j2"  # the parts that depend only on the rulebook
SCHEMA_FILE = "findings.schema.json"
MODALITIES = tuple(Modality)
RULEBOOK_LANG = "sv"  # requirement titles and texts are quoted as written


@attrs.frozen
class CaseDetails:
    """What makes the report a decision document: the case it belongs to."""

    reference: str | None = None  # diarienummer
    officer: str | None = None  # handläggare
    decision_date: datetime.date | None = None
    follow_up: bool = False  # the yearly follow-up, not an application
    # Which document to write (letters.DOCUMENTS); None: the one the outcome calls for.
    document: str | None = None
    reply_by: datetime.date | None = None  # `--svar-senast`: supplements, or the action plan
    signed_as: str | None = None  # "decision" or "memo"; None: the rulebook's setting

    def to_json(self) -> dict[str, Any]:
        return {"reference": self.reference, "officer": self.officer,
                "decision_date": self.decision_date.isoformat() if self.decision_date else None,
                "follow_up": self.follow_up, "reply_by": self.reply_by.isoformat() if self.reply_by else None}

    def document_for(self, assessment: Assessment) -> str:
        """The document to write: the one chosen, else the one the outcome calls for."""
        from kokdsl.outputs.letters import document_for

        return self.document or document_for(assessment.decision.kind, self.follow_up)

    def signed(self, rulebook: CompiledRulebook) -> str:
        """How a decision is signed: as chosen for the run, else as the rulebook says."""
        return self.signed_as or rulebook.letters.signed_as


def render_report(assessment: Assessment, fmt: str, lang: str = "sv", run_date: datetime.date | None = None,
                  rulebook_path: str | None = None, case: CaseDetails | None = None) -> str:
    """The report as text in one of FORMATS."""
    run_date = run_date or datetime.date.today()
    case = case or CaseDetails()
    if fmt == "json":
        return report_json(assessment, lang, run_date, rulebook_path, case)
    view = build_view(assessment, lang, run_date, rulebook_path, case)
    template = environment().get_template(TEMPLATES[fmt])
    return template.render(view=view, t=functools.partial(_t, lang))


def render_document(assessment: Assessment, fmt: str, lang: str = "sv", run_date: datetime.date | None = None,
                    rulebook_path: str | None = None, case: CaseDetails | None = None) -> str:
    """The document `kok run --output` and `kok rerun --out` write: the letter
    the outcome calls for (or the one case.document chose), the internal
    report, or the JSON (which says which document it stands for)."""
    run_date = run_date or datetime.date.today()
    case = case or CaseDetails()
    document = case.document_for(assessment)
    if fmt == "json" or document == "assessment_report":
        return render_report(assessment, fmt, lang, run_date, rulebook_path, case)
    from kokdsl.outputs.letters import render_letter

    return render_letter(assessment, fmt, lang, document, run_date, case)


def report_json(assessment: Assessment, lang: str, run_date: datetime.date, rulebook_path: str | None,
                case: CaseDetails | None = None) -> str:
    """The findings report's JSON format: the JSON output with the run date and the case."""
    data = to_json_data(assessment, lang, rulebook_path)
    data["run_date"] = run_date.isoformat()
    case = case or CaseDetails()
    data["case"] = case.to_json()
    data["document"] = document_json(assessment, case, lang)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def document_json(assessment: Assessment, case: CaseDetails, lang: str) -> dict[str, Any]:
    """Which document the run made: its kind, title and how it is signed."""
    from kokdsl.outputs.letters import document_title

    document = case.document_for(assessment)
    signed = case.signed(assessment.rulebook)
    return {"kind": document, "title": document_title(document, signed, lang), "signed_as": signed,
            "to_applicant": document != "assessment_report"}


def schema_text() -> str:
    """The published JSON Schema of the JSON output."""
    return (data_dir("reports") / SCHEMA_FILE).read_text(encoding="utf-8")


def _t(lang: str, code: str, **params: object) -> str:
    return message(code, lang, **params)


# -- the view-model -------------------------------------------------------------


def _inputs_view(assessment: Assessment, lang: str) -> list[dict[str, str]]:
    """The input-only facts (`underlag`: payment scales, statistics) with the
    level the centre reached: shown, never judged as a deviation."""
    from kokdsl.prose import value_text
    from kokdsl.values import UNKNOWN

    out = []
    for fact in assessment.rulebook.facts:
        if fact.input_only:
            value = assessment.report.facts.get(fact.name, UNKNOWN)
            shown = (message("report.not_given", lang) if value is UNKNOWN
                     else value_text(value, fact.type, lang))
            name = fact.display_name(lang)
            out.append({"name": name[:1].upper() + name[1:], "value": shown, "doc": fact.doc or ""})
    return out


def build_view(assessment: Assessment, lang: str, run_date: datetime.date, rulebook_path: str | None = None,
               case: CaseDetails | None = None) -> dict[str, object]:
    """Plain data for the templates: the JSON result plus letter-ready sentences."""
    case = case or CaseDetails()
    data = to_json_data(assessment, lang, rulebook_path)
    rb = data["rulebook"]
    decision = data["decision"]
    parts = book_parts(assessment.rulebook, lang)
    by_id = {item["id"]: item for item in data["requirements"]}
    # Each requirement's explanation, flattened to sentences once: the list, the reasons and the remarks quote it.
    explained = {item["id"]: [_flatten(f) for f in item["explanation"]] for item in data["requirements"]}
    facts = {i: " ".join(sentences) for i, sentences in explained.items()}
    reqs = [_requirement_view(item, parts[item["id"]], explained[item["id"]], lang) for item in data["requirements"]]
    for req in reqs:
        req["head"] = _row_head(req, assessment.rulebook, lang)
    summary = "follow_up_summary" if case.follow_up else "decision_summary"
    centre = data["self_report"]["centre"]
    supplements = _supplements_view(assessment, lang)
    return {
        "lang": lang,
        "rulebook_lang": RULEBOOK_LANG,
        "run_date": run_date.isoformat(),
        "tool": data["tool"],
        "rulebook": rb,
        "self_report": data["self_report"],
        "centre": centre,
        "case": {**case.to_json(), "subtitle": message("report.subtitle_follow_up" if case.follow_up
                                                       else "report.subtitle", lang)},
        "footer": message("report.footer_centre", lang, name=centre["name"] or message("report.not_given", lang),
                          id=centre["id"] or "–", rulebook=rb["name"], edition=rb["edition"]),
        "review": _review_text(assessment) if decision["kind"] != "approved" else None,
        "decision": {
            "kind": decision["kind"],
            "label": marked(message(f"report.decision.{decision['kind']}", lang), assessment.rulebook, lang),
            "summary": message(f"report.{summary}.{decision['kind']}", lang,
                               count=len(decision["reasons"]) or len(decision["supplements"])),
            "remarks": _remarks_summary(assessment, lang),
        },
        "counts": _counts_view(assessment, lang),
        "provenance": provenance_notices(assessment.rulebook, lang),
        "inputs": _inputs_view(assessment, lang),
        "reasons": [_reason_view(r, by_id[r.requirement.id], assessment, lang) for r in assessment.decision.reasons],
        "supplements": [s for s in supplements if s["blocking"]],
        "supplements_not_blocking": [s for s in supplements if not s["blocking"]],
        "supplement_ids": format_list(decision["supplements"], lang),
        "remarks": [{"id": i, "title": by_id[i]["title"],
                     "sentence": message("report.remark", lang, id=i, title=by_id[i]["title"]),
                     "facts": facts[i]} for i in decision["remarks"]]
                   + [{"id": r.requirement.id, "title": r.requirement.title,
                       "sentence": message("report.remark_unassessed", lang, id=r.requirement.id,
                                           title=r.requirement.title),
                       "facts": facts[r.requirement.id]}
                      for r in assessment.decision.unassessed_remarks],
        "requirements": reqs,
        "notes": data["data_diagnostics"],
        "if_adopted": _if_adopted_view(assessment, lang),
    }


def _if_adopted_view(assessment: Assessment, lang: str) -> dict[str, Any] | None:
    """"Om förslaget antas": the decision were the proposals adopted, and the
    proposals that are not met or cannot be assessed. None without proposals."""
    decision = assessment.decision
    if decision.if_adopted is None:
        return None
    label = message(f"report.decision.{decision.if_adopted.kind}", lang)
    return {
        "kind": decision.if_adopted.kind,
        "sentence": message("report.if_adopted", lang, label=label,
                            same=message("report.if_adopted_same" if decision.if_adopted.kind == decision.kind
                                         else "report.if_adopted_changes", lang)),
        "proposals": [{"id": r.requirement.id, "title": r.requirement.title,
                       "outcome_label": message(f"outcome.{r.outcome}", lang)} for r in decision.proposals],
    }


def book_parts(rulebook: CompiledRulebook, lang: str) -> dict[str, dict[str, Any]]:
    """Requirement id -> the parts of its report entry that depend only on the
    rulebook and the language (its text, labels, condition in words and its
    HTML table cell): worked out once per rulebook and language, and shared
    by every centre's report. They are most of a report's bytes."""
    key = f"findings.book_parts.{lang}"
    parts: dict[str, dict[str, Any]] | None = rulebook.runtime.get(key)
    if parts is None:
        parts = rulebook.runtime[key] = {req.id: _requirement_parts(req, rulebook, lang)
                                         for req in rulebook.requirements}
    return parts


def _requirement_parts(req: CompiledRequirement, rulebook: CompiledRulebook, lang: str) -> dict[str, Any]:
    parts = {
        "title": req.title,
        "modality": req.modality,
        "status": req.status,
        "status_label": message(f"status.{req.status}", lang),
        "status_note": message(f"report.status_note.{req.status}", lang) if not req.in_force else None,
        "modality_label": message(f"report.modality.{req.modality}", lang),
        "paragraphs": paragraphs(req.text),
        "condition": check_clause(req.condition, rulebook, lang) if req.condition is not None else None,
    }
    sv_lang = markupsafe.Markup(f' lang="{RULEBOOK_LANG}"' if RULEBOOK_LANG != lang else "")
    parts["text_cell"] = _parts_macro("requirement_text")(parts, sv_lang, functools.partial(_t, lang))
    return parts


def _row_head(view: dict[str, object], rulebook: CompiledRulebook, lang: str) -> markupsafe.Markup:
    """A requirement's row of the report up to its explanation (findings_parts.html.j2):
    rendered once per requirement, outcome and reason it does not apply, and
    kept per rulebook and language."""
    cache: dict[tuple[object, ...], markupsafe.Markup] = rulebook.runtime.setdefault(f"findings.row_heads.{lang}", {})
    key = (view["id"], view["outcome"], view["not_applicable_reason"])
    head = cache.get(key)
    if head is None:
        if len(cache) >= EXPLANATIONS_KEPT:
            cache.clear()  # a run of distinct reasons: memory stays bounded
        head = cache[key] = _parts_macro("requirement_head")(view, functools.partial(_t, lang))
    return head


def _parts_macro(name: str) -> Callable[..., markupsafe.Markup]:
    """A macro of the report's parts template (jinja sets it on the module at run time)."""
    macro: Callable[..., markupsafe.Markup] = vars(environment().get_template(PARTS_TEMPLATE).module)[name]
    return macro


def _requirement_view(item: RequirementJson, parts: dict[str, Any], explanation: list[str],
                      lang: str) -> dict[str, object]:
    """A requirement's entry in the report: its JSON data, the rulebook's parts
    of it, and its explanation as sentences (none where it does not apply,
    which the reason then says)."""
    not_applicable = item["outcome"] == Outcome.NOT_APPLICABLE
    view: dict[str, object] = dict(item)
    view.update({
        "status_note": parts["status_note"],
        "modality_label": parts["modality_label"],
        "paragraphs": parts["paragraphs"],
        "condition": parts["condition"],
        "text_cell": parts["text_cell"],
        "explanation": [] if not_applicable else explanation,
        "facts_sentence": " ".join(explanation),
        "not_applicable_reason": " ".join(explanation) if not_applicable else None,
        "missing": [dict(p, problem=_problem_label(p["kind"], p["reason"], lang)) for p in item["missing"]],
    })
    return view


def _problem_label(kind: str, reason: str | None, lang: str) -> str:
    """"saknas", "ogiltigt värde", or the contradiction a plausibility rule names."""
    return message("problem.implausible_because", lang, sentence=reason) if reason else message(f"problem.{kind}", lang)


def _reason_view(result: RequirementResult, req: RequirementJson, assessment: Assessment,
                 lang: str) -> dict[str, str]:
    """One numbered ground for a rejection, as the letter words it (outputs/grounds.py)."""
    from kokdsl.outputs.grounds import ground
    from kokdsl.outputs.letters import book_name

    requirement = result.requirement
    text = requirement.text_in(lang)
    return {
        "id": req["id"],
        "title": requirement.title_in(lang),
        "sentence": message("ground.lead.not_met", lang, level=message(f"ground.level.{requirement.modality}", lang),
                            id=req["id"], title=requirement.title_in(lang), book=book_name(assessment.rulebook, lang)),
        "quote": message("report.reason_text", lang, text=" ".join(paragraphs(text))) if text else "",
        "facts": " ".join(ground(result, lang, assessment.report.facts).sentences),
    }


def _supplements_view(assessment: Assessment, lang: str) -> list[dict[str, object]]:
    """The facts to supplement: those that keep a skall from being assessed
    (blocking), then every other missing or invalid fact a skall reads, even
    where Kleene's logic decided without it (the listed count is the basis of
    payment, so an officer asks for it all the same)."""
    from kokdsl.prose import Names
    from kokdsl.selfreport import ExpectedValue

    names = Names(assessment.rulebook)
    blocking = {p.path for p in assessment.decision.missing}
    problems = list(assessment.decision.missing)
    for p in assessment.report.problems:
        if p.path not in blocking and p.path not in {q.path for q in problems} and _read_by_a_skall(p, assessment):
            problems.append(p)
    out = []
    for p in problems:
        is_blocking = p.path in blocking
        results = assessment.decision.supplements if is_blocking else _applicable_skall(assessment)
        needed_for = [r.requirement.id for r in results if _reads(r.requirement, p)]
        fact = names.fact(p.fact, lang)
        if p.field is not None:
            spec = assessment.rulebook.fact(p.fact)  # Names falls back to the field's own name without a record
            fact = f"{fact}: {names.field(spec.type.record if spec else None, p.field, lang)}"
        out.append({"path": p.path, "fact": fact, "blocking": is_blocking,
                    "problem": _problem_label(p.kind, p.reason.text(lang) if p.reason else None, lang),
                    "expected": ExpectedValue(p.expected).render(lang),
                    "needed_for": ", ".join(needed_for)})
    return out


def _reads(req: CompiledRequirement, problem: DataProblem) -> bool:
    fields = req.dependencies.get(problem.fact)
    return fields is not None and (problem.field is None or problem.field in fields)


def _applicable_skall(assessment: Assessment) -> list[RequirementResult]:
    """The skall requirements that apply (or may apply) to the centre: a fact
    only a requirement that does not apply reads is not needed."""
    return [r for r in assessment.evaluation.results
            if r.requirement.is_mandatory and r.requirement.in_force and r.outcome != Outcome.NOT_APPLICABLE]


def _read_by_a_skall(problem: DataProblem, assessment: Assessment) -> bool:
    return any(_reads(r.requirement, problem) for r in _applicable_skall(assessment))


def _remarks_summary(assessment: Assessment, lang: str) -> str:
    """The bör requirements not met or not assessable, for the decision section."""
    decision = assessment.decision
    remarks = sorted((*decision.remarks, *decision.unassessed_remarks),
                     key=lambda r: assessment.evaluation.results.index(r))
    items = [f"{r.requirement.id} {message(f'outcome.{r.outcome}', lang)}" for r in remarks]
    return message("report.remarks_summary", lang, items=", ".join(items)) if items else ""


def _review_text(assessment: Assessment) -> list[str]:
    """The rulebook's own text on how to apply for review; the tool never writes legal text itself."""
    return paragraphs(assessment.rulebook.review)


def _counts_view(assessment: Assessment, lang: str) -> dict[str, object]:
    table = counts(assessment.evaluation)
    shown = [*OUTCOMES, *([Outcome.WAIVED] if any(Outcome.WAIVED in row for row in table.values()) else [])]
    return {
        "outcomes": [{"key": o, "label": message(f"outcome.{o}", lang)} for o in shown],
        "rows": [{"modality": m, "label": message(f"report.modality.{m}", lang),
                  "cells": [{"outcome": o, "n": table[m].get(o, 0)} for o in shown],
                  "total": sum(table[m].values())} for m in MODALITIES],
    }


def _flatten(finding: FindingJson, top: bool = True) -> str:
    """A finding and the findings beneath it as one sentence."""
    text = finding["message"]
    children = [_flatten(c, False) for c in finding.get("children", [])]
    if children:
        text = f"{text} {'; '.join(children)}"
    if top and not text.endswith("."):
        text += "."
    return text
