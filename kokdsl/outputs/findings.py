"""Stage 6b: an assessment -> the findings report an officer signs and files.

The report is rendered from the Jinja templates in reports/ (shipped in the
wheel). Python builds one plain view-model from the same data as the JSON
output (render.to_json_data) and adds the sentences a decision letter needs;
all wording comes from the message catalogue (keys `report.*`), so the
templates hold structure only.

    render_report(assessment, "html" | "md" | "json", lang, run_date, rulebook_path)
"""

from __future__ import annotations

import datetime
import functools
import json
import re

import jinja2

from kokdsl.decision import counts
from kokdsl.enums import Modality
from kokdsl.evaluator import NOT_APPLICABLE, OUTCOMES, WAIVED
from kokdsl.messages import message
from kokdsl.outputs.terminal import to_json_data
from kokdsl.pipeline import Assessment
from kokdsl.resources import caching_enabled, data_dir
from kokdsl.unparse import expr_text

FORMATS = ("html", "md", "json")
TEMPLATES = {"html": "findings.html.j2", "md": "findings.md.j2"}
SCHEMA_FILE = "findings.schema.json"
MODALITIES = tuple(Modality)
RULEBOOK_LANG = "sv"  # requirement titles and texts are quoted as written


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("reports"))),
        # Escape everything in HTML templates: a self-report is data, never markup.
        autoescape=lambda name: name is not None and ".html" in name,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Compiling the templates costs more than rendering one report; keep the
        # compiled code in the user's temp folder (Jinja checks its ownership).
        bytecode_cache=_bytecode_cache(),
    )
    env.filters["md"] = markdown_escape
    env.filters["md_code"] = markdown_code
    return env


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    if not caching_enabled():
        return None
    try:
        return jinja2.FileSystemBytecodeCache()
    except (OSError, RuntimeError):  # no usable temp folder: compile each time
        return None


def render_report(assessment: Assessment, fmt: str, lang: str = "sv", run_date: datetime.date | None = None,
                  rulebook_path: str | None = None) -> str:
    """The report as text in one of FORMATS."""
    run_date = run_date or datetime.date.today()
    if fmt == "json":
        return report_json(assessment, lang, run_date, rulebook_path)
    view = build_view(assessment, lang, run_date, rulebook_path)
    template = environment().get_template(TEMPLATES[fmt])
    return template.render(view=view, t=functools.partial(_t, lang))


def render_rerun_html(view: dict) -> str:
    """The rerun's overview page (view from tools/overview.py)."""
    template = environment().get_template("rerun.html.j2")
    return template.render(view=view, t=functools.partial(_t, view["lang"]))


def report_json(assessment: Assessment, lang: str, run_date: datetime.date, rulebook_path: str | None) -> str:
    data = to_json_data(assessment, lang, rulebook_path)
    data["run_date"] = run_date.isoformat()
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def schema_text() -> str:
    """The published JSON Schema of the JSON output."""
    return (data_dir("reports") / SCHEMA_FILE).read_text(encoding="utf-8")


def _t(lang: str, code: str, **params) -> str:
    return message(code, lang, **params)


# -- the view-model -------------------------------------------------------------


def build_view(assessment: Assessment, lang: str, run_date: datetime.date, rulebook_path: str | None = None) -> dict:
    """Plain data for the templates: the JSON result plus letter-ready sentences."""
    data = to_json_data(assessment, lang, rulebook_path)
    rb = data["rulebook"]
    decision = data["decision"]
    reqs = [_requirement_view(item, result, lang)
            for item, result in zip(data["requirements"], assessment.evaluation.results)]
    by_id = {r["id"]: r for r in reqs}
    failed_skall = [by_id[i] for i in decision["reasons"]]
    return {
        "lang": lang,
        "rulebook_lang": RULEBOOK_LANG,
        "run_date": run_date.isoformat(),
        "tool": data["tool"],
        "rulebook": rb,
        "self_report": data["self_report"],
        "centre": data["self_report"]["centre"],
        "decision": {
            "kind": decision["kind"],
            "label": message(f"report.decision.{decision['kind']}", lang),
            "summary": message(f"report.decision_summary.{decision['kind']}", lang,
                               count=len(decision["reasons"]) or len(decision["supplements"])),
        },
        "counts": _counts_view(assessment, lang),
        "reasons": [_reason_view(r, rb, lang) for r in failed_skall],
        "supplements": _supplements_view(assessment, lang),
        "supplement_ids": _join_and([by_id[i]["id"] for i in decision["supplements"]], lang),
        "remarks": [{"id": by_id[i]["id"], "title": by_id[i]["title"],
                     "sentence": message("report.remark", lang, id=i, title=by_id[i]["title"]),
                     "facts": by_id[i]["facts_sentence"]} for i in decision["remarks"]]
                   + [{"id": r.requirement.id, "title": r.requirement.title,
                       "sentence": message("report.remark_unassessed", lang, id=r.requirement.id,
                                           title=r.requirement.title),
                       "facts": by_id[r.requirement.id]["facts_sentence"]}
                      for r in assessment.decision.unassessed_remarks],
        "requirements": reqs,
        "notes": data["data_diagnostics"],
    }


def _requirement_view(item: dict, result, lang: str) -> dict:
    req = result.requirement
    condition = expr_text(req.condition, lang) if req.condition is not None else None
    explanation = [_flatten(f) for f in item["explanation"]]
    view = dict(item)
    view.update({
        "modality_label": message(f"report.modality.{req.modality}", lang),
        "paragraphs": paragraphs(req.text),
        "condition": condition,
        "explanation": explanation,
        "facts_sentence": message("report.reason_facts", lang, facts="; ".join(explanation)) if explanation else "",
        "not_applicable_reason": (message("report.not_applicable_reason", lang, condition=condition)
                                  if item["outcome"] == NOT_APPLICABLE and condition else None),
        "missing": [dict(p, problem=message(f"problem.{p['kind']}", lang)) for p in item["missing"]],
    })
    return view


def _reason_view(req: dict, rb: dict, lang: str) -> dict:
    """One numbered ground for a rejection, in sentences a letter can quote."""
    evidence = "; ".join(message("report.evidence_item", lang, path=e["path"], value=e["value"])
                         for e in req["evidence"])
    return {
        "id": req["id"],
        "title": req["title"],
        "sentence": message("report.reason", lang, id=req["id"], title=req["title"],
                            rulebook=rb["name"], edition=rb["edition"]),
        "quote": message("report.reason_text", lang, text=" ".join(req["paragraphs"])) if req["paragraphs"] else "",
        "facts": req["facts_sentence"],
        "evidence": message("report.reason_evidence", lang, evidence=evidence) if evidence else "",
        "evidence_items": req["evidence"],
    }


def _supplements_view(assessment: Assessment, lang: str) -> list[dict]:
    from kokdsl.selfreport import ExpectedValue

    out = []
    for p in assessment.decision.missing:
        needed_for = [r.requirement.id for r in assessment.decision.supplements
                      if any(q.path == p.path for q in r.problems)]
        out.append({"path": p.path, "fact": p.fact if p.field is None else f"{p.fact}.{p.field}",
                    "problem": message(f"problem.{p.kind}", lang), "expected": ExpectedValue(p.expected).render(lang),
                    "needed_for": ", ".join(needed_for)})
    return out


def _counts_view(assessment: Assessment, lang: str) -> dict:
    table = counts(assessment.evaluation)
    shown = [*OUTCOMES, *([WAIVED] if any(WAIVED in row for row in table.values()) else [])]
    return {
        "outcomes": [{"key": o, "label": message(f"outcome.{o}", lang)} for o in shown],
        "rows": [{"modality": m, "label": message(f"report.modality.{m}", lang),
                  "cells": [{"outcome": o, "n": table[m].get(o, 0)} for o in shown],
                  "total": sum(table[m].values())} for m in MODALITIES],
    }


def _flatten(finding: dict) -> str:
    """A finding and the findings beneath it as one clause."""
    text = finding["message"]
    children = [_flatten(c) for c in finding.get("children", [])]
    return f"{text} {'; '.join(children)}" if children else text


def paragraphs(text: str | None) -> list[str]:
    """Requirement text as written, re-flowed: the source's line breaks and
    indentation are layout, blank lines are paragraphs."""
    if not text:
        return []
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def _join_and(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {message('report.list_and', lang)} " + items[-1]


# -- Markdown escaping -----------------------------------------------------------

# Markup characters, plus what GitHub-flavoured Markdown turns into links and
# strike-through: the colon of a URL scheme (https://), the dot after www and
# ~~. A backslash before ASCII punctuation shows the character itself and
# keeps it from starting anything. (An e-mail address still becomes a mailto:
# link in GFM whatever is escaped; such a link runs nothing.)
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|#~])|(?<!\w)_|_(?!\w)|(?<=\b[wW]{3})\.|(?<=[a-zA-Z])(?=://)")


def markdown_escape(value) -> str:
    """Data shown literally in Markdown: no markup, links, autolinks,
    strike-through or raw HTML from a self-report."""
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(_escaped, text)


def _escaped(match: re.Match) -> str:
    # The empty match before "://" escapes the colon that follows it.
    return "\\" + match.group(0) if match.group(0) else "\\"


def markdown_code(value) -> str:
    """A path or value as inline code, with a fence longer than any backtick run inside."""
    text = " ".join(str(value).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
