"""`kok form`: the self-report as one self-contained HTML form.

An applicant fills it in a browser, with no server and no YAML: the facts of
the rulebook grouped by chapter in book order, an input per type, validation
as they type and "Spara egenrapport", which downloads a YAML (or JSON) file
that `kok run` accepts. "Öppna" loads an existing self-report to edit it.

The page's script only reads and writes values. It validates them against the
same JSON Schema `kok schema` writes, with the self-report diagnostics' own
message texts (taken from the catalogue here, never re-written in the page);
it never evaluates a requirement: that stays in Python, one semantics.
"""

from __future__ import annotations

import functools
import json
from typing import NotRequired, TypedDict

from kokdsl.compiled import CompiledRulebook, FactSpec, FieldSpec
from kokdsl.intake.plausibility_js import plausibility_rules
from kokdsl.intake.schema import VOCABULARY, fact_title, required_fields, self_report_schema, title_of
from kokdsl.messages import message
from kokdsl.messages import template as unfilled
from kokdsl.outputs.environment import environment
from kokdsl.outputs.findings import RULEBOOK_LANG
from kokdsl.pipeline import TOOL_VERSION
from kokdsl.resources import data_dir
from kokdsl.schedule import WEEKDAYS
from kokdsl.selfreport import IDENTITY_FIELDS, IDENTITY_KEYS, NO_WORDS, YES_WORDS, ExpectedValue

TEMPLATE = "form.html.j2"
VENDORED_YAML = "vendor/js-yaml.min.js"

# The catalogue entries the page's script says: the self-report diagnostics'
# own texts, and the form's words.
_PAGE_MESSAGES = ("data.invalid", "data.unknown_key", "data.not_mapping", "data.bad_yaml", "data.bad_json",
                  "data.schedule.not_mapping", "data.schedule.bad_day", "data.schedule.bad_interval",
                  "data.schedule.bad_time", "data.negative", "data.out_of_range")


def render_form(rulebook: CompiledRulebook, lang: str = "sv") -> str:
    template = environment().get_template(TEMPLATE)
    view = form_view(rulebook, lang)
    return template.render(view=view, page_data=_script_json(page_data(rulebook, lang)),
                           yaml_library=_vendored(VENDORED_YAML), script=_vendored("form.js"),
                           t=functools.partial(message, lang=lang))


class FormField(TypedDict):
    """A fact or a record's field as the form asks for it."""

    name: str
    title: str
    doc: str | None
    kind: str
    values: list[str]
    expected: str
    required: bool
    fields: list[FormField]  # a list's record fields; empty otherwise
    record: NotRequired[str]
    used_by: NotRequired[list[dict[str, str]]]  # facts only: the requirements that read it
    input_only: NotRequired[bool]


class Section(TypedDict):
    title: str
    facts: list[FormField]
    from_rulebook: bool  # a chapter of the rulebook, not the form's own section of inputs
    id: NotRequired[str]


def form_view(rulebook: CompiledRulebook, lang: str) -> dict[str, object]:
    """What the template lays out: the identity block, then the facts grouped
    by the chapter of the first requirement that reads them, in book order;
    facts no requirement reads (inputs such as CNI) come last."""
    required = required_fields(rulebook)
    users: dict[str, list[dict[str, str]]] = {fact.name: [] for fact in rulebook.facts}
    first_chapter: dict[str, str | None] = {}
    for req in rulebook.requirements:
        for name in req.dependencies:
            if name in users:
                # A proposal or an illustrative requirement says so: it never decides.
                status = "" if req.in_force else ", " + message(f"status.{req.status}", lang)
                users[name].append({"id": req.id, "title": req.title,
                                    "modality": message(f"report.modality.{req.modality}", lang) + status})
                first_chapter.setdefault(name, req.chapter)
    sections: list[Section] = []
    by_title: dict[str | None, Section] = {}
    for req in rulebook.requirements:
        if req.chapter not in by_title:
            by_title[req.chapter] = {"title": req.chapter or message("book.no_chapter", lang), "facts": [],
                                     "from_rulebook": req.chapter is not None}
            sections.append(by_title[req.chapter])
    inputs: Section = {"title": message("form.inputs_chapter", lang), "facts": [], "from_rulebook": False}
    for fact in rulebook.facts:
        item = _fact(fact, rulebook, lang, fact.name in required, required.get(fact.name, frozenset()))
        item["used_by"] = users[fact.name]
        item["input_only"] = fact.input_only
        (by_title[first_chapter[fact.name]] if fact.name in first_chapter else inputs)["facts"].append(item)
    if inputs["facts"]:
        sections.append(inputs)
    sections = [s for s in sections if s["facts"]]
    for number, section in enumerate(sections, 1):
        section["id"] = f"kapitel-{number}"
    words = VOCABULARY[lang]
    return {
        "lang": lang,
        "rulebook_lang": RULEBOOK_LANG,
        "rulebook": {"name": rulebook.name, "edition": rulebook.edition,
                     "valid_from": rulebook.valid_from.isoformat() if rulebook.valid_from else None},
        "tool": {"name": "kokdsl", "version": TOOL_VERSION},
        "identity": {"key": words["identity"], "fields": _identity_fields(lang)},
        "sections": sections,
        "weekdays": WEEKDAYS[lang],
        "yes": words["yes"], "no": words["no"],
    }


def _identity_fields(lang: str) -> list[dict[str, str | None]]:
    name, ident, provider, fictional = VOCABULARY[lang]["identity_fields"]
    return [{"key": key, "kind": "text", "label": message(f"form.identity.{key}", lang),
             "hint": message(f"template.identity.{key}", lang) if key in (ident, fictional) else None}
            for key in (name, ident, provider)] + \
           [{"key": fictional, "kind": "bool", "label": message(f"form.identity.{fictional}", lang),
             "hint": message(f"template.identity.{fictional}", lang)}]


def _fact(spec: FactSpec | FieldSpec, rulebook: CompiledRulebook, lang: str, required: bool,
          needed_fields: frozenset[str]) -> FormField:
    t, doc, title = spec.type, spec.doc, title_of(spec, lang)
    if doc and doc.rstrip(".").casefold() == title.casefold():
        doc = None  # "Namn." under the label "Namn" says nothing more
    item: FormField = {"name": spec.name, "title": title, "doc": doc, "kind": t.kind, "values": list(t.values),
            "expected": ExpectedValue(t).render(lang), "required": required, "fields": []}
    if t.kind == "list" and t.record is not None:
        record = rulebook.records[t.record]
        item["record"] = fact_title(record.name)
        item["fields"] = [_fact(f, rulebook, lang, required and f.name in needed_fields, frozenset())
                          for f in record.fields]
    return item


def page_data(rulebook: CompiledRulebook, lang: str) -> dict[str, object]:
    """Everything the page's script needs, as data: the schema it validates
    against, the words it accepts and writes, and the message texts."""
    words = VOCABULARY[lang]
    required = required_fields(rulebook)
    facts: dict[str, dict[str, object]] = {}
    for fact in rulebook.facts:
        entry: dict[str, object] = {"kind": fact.type.kind, "values": list(fact.type.values),
                                    "required": fact.name in required}
        if fact.type.kind == "list":
            record = rulebook.record_type(fact.type)
            entry["record"] = record.name
            entry["fields"] = {f.name: {"kind": f.type.kind, "values": list(f.type.values),
                                        "required": f.name in required.get(fact.name, ())}
                               for f in record.fields}
        facts[fact.name] = entry
    return {
        "lang": lang,
        "schema": self_report_schema(rulebook, lang),
        "facts": facts,
        "expected": {**{fact.name: ExpectedValue(fact.type).render(lang) for fact in rulebook.facts},
                     **{f"{record.name}.{f.name}": ExpectedValue(f.type).render(lang)
                        for record in rulebook.records.values() for f in record.fields}},
        "words": {
            "identity": words["identity"], "identity_fields": list(words["identity_fields"]),
            "yes": words["yes"], "no": words["no"], "closed": words["closed"],
            "around_the_clock": words["around_the_clock"], "weekdays": list(words["weekdays"]),
        },
        # What the loader accepts when a self-report is opened (any language).
        "accepts": {
            "yes": sorted(YES_WORDS), "no": sorted(NO_WORDS),
            "identity_keys": list(IDENTITY_KEYS), "identity_fields": IDENTITY_FIELDS,
            "weekdays": [[day.casefold() for day in WEEKDAYS[code]] for code in ("sv", "en")],
            "day_abbreviations": [["mån", "tis", "ons", "tor", "fre", "lör", "sön"],
                                  ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]],
            "day_groups": {"alla dagar": list(range(7)), "every day": list(range(7)),
                           "vardagar": list(range(5)), "weekdays": list(range(5)),
                           "helger": [5, 6], "weekend": [5, 6]},
            "closed": ["", "stängt", "closed"],
            "whole_day": ["dygnet runt", "around the clock", "24h"],
            "whole_week": ["dygnet runt", "around the clock"],
        },
        "messages": {code: unfilled(code, lang) for code in _PAGE_MESSAGES + _FORM_MESSAGES},
        "plausibility": plausibility_rules(rulebook, lang),
        "file_stem": message("form.file_stem", lang),
        "header": message("form.saved_header", lang, name=rulebook.name, edition=rulebook.edition),
    }


_FORM_MESSAGES = ("form.hours_per_week", "form.saved", "form.unanswered", "form.all_answered", "form.opened",
                  "form.open_failed", "form.not_valid", "form.remove_row", "form.row", "form.interval",
                  "form.remove_interval", "form.overnight", "form.ignored_keys", "form.implausible",
                  "form.implausible_heading")


def _script_json(data: dict[str, object]) -> str:
    """JSON that is safe inside a <script> element: no "</" can end it early."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") \
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


@functools.cache
def _vendored(name: str) -> str:
    """A script shipped beside the templates, inlined so the page works offline."""
    text = (data_dir("reports") / name).read_text(encoding="utf-8")
    # Inlined into a <script> element, "</script" would end it early.
    return text.replace("</script", "<\\/script")

