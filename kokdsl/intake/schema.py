"""The JSON Schema (draft 2020-12) of a rulebook's self-report: the contract a
region's e-service, `kok template` and `kok form` share.

- One key language per document: the schema is written for Swedish or English
  (`kok schema --lang`), and only that language's identity block, yes/no words
  and weekday names are allowed.
- Yes/no and closed sets are enums of the canonical spellings. The loader still
  accepts variants (JA, true, "mån-fre"); the schema documents what to write.
- Facts a skall requirement reads are required. They may be written as null,
  "not answered": that leads to a supplement request. Every other fact may be
  left out, but not written as null, since a blank there changes nothing.
- Titles and descriptions come from the rulebook, in the chosen language.
"""

from __future__ import annotations

import json
from typing import Any

from kokdsl.compiled import CompiledRulebook, FactSpec, FieldSpec, Type
from kokdsl.messages import message
from kokdsl.schedule import SCHEDULE_WORDS
from kokdsl.selfreport import MAX_LIST_ITEMS
from kokdsl.values import MAX_MAGNITUDE

DRAFT = "https://json-schema.org/draft/2020-12/schema"

# The words a self-report in each key language uses; the schedule words come
# from the schedule parser, so the schema never allows what it rejects.
VOCABULARY = {
    "sv": {
        "identity": "vårdcentral",
        "identity_fields": ("namn", "id", "vårdgivare", "fiktiv"),
        "yes": "ja", "no": "nej",
        **SCHEDULE_WORDS["sv"],
    },
    "en": {
        "identity": "centre",
        "identity_fields": ("name", "id", "provider", "fictional"),
        "yes": "yes", "no": "no",
        **SCHEDULE_WORDS["en"],
    },
}

# Identity fields that must be present (and may be blank in a fresh template).
_REQUIRED_IDENTITY = 2  # name and id

# HH:MM-HH:MM; an end at or before the start runs past midnight, 24:00 ends a day.
_CLOCK = r"(?:[01]\d|2[0-3]):[0-5]\d"
INTERVAL_PATTERN = rf"^{_CLOCK}-(?:{_CLOCK}|24:00)$"
# Swedish number formats as people write them: "6 500" (a space, also a
# no-break space, groups thousands), "2,5" (decimal comma). Numbers stay within
# the loader's bound (values.MAX_MAGNITUDE): at most 15 digits before the
# decimal sign, and counts are never negative.
_DIGITS = r"(?:\d{1,15}|\d{1,3}(?:[ \u00a0\u202f]\d{3}){1,4})"
_INTEGER = rf"\+?{_DIGITS}"
_DECIMAL = rf"[+-]?{_DIGITS}(?:[.,]\d{{1,20}})?"
_LARGEST = 10**15 - 1  # what 15 digits hold, written as a number or as text
_PERCENT = r"^(?:100(?:[.,]0{1,20})?|\d{1,2}(?:[.,]\d{1,20})?) ?%$"


def required_fields(rulebook: CompiledRulebook) -> dict[str, frozenset[str]]:
    """The facts some in-force skall requirement reads (in its condition or its check),
    each with the record fields it reads: those are the self-report's required
    answers, and only there does "not answered" mean something (a supplement
    request)."""
    required: dict[str, set[str]] = {}
    for requirement in rulebook.requirements:
        if requirement.is_mandatory and requirement.in_force:
            for fact, fields in requirement.dependencies.items():
                required.setdefault(fact, set()).update(fields)
    return {fact: frozenset(fields) for fact, fields in required.items()}


def fact_title(name: str) -> str:
    """A readable title from a name (a record's): "månadsstatistik" becomes
    "Månadsstatistik", "läkarbesök_inom_3_dagar" "Läkarbesök inom 3 dagar"."""
    return _capitalised(name.replace("_", " "))


def title_of(spec: FactSpec | FieldSpec, lang: str) -> str:
    """A fact's or field's title: the rulebook's display name in the chosen
    language (`visas som "…" på engelska "…"`), else its name made readable."""
    return _capitalised(spec.display_name(lang))


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _day_spec_pattern(words: dict[str, Any]) -> str:
    days = "|".join(words["weekdays"])
    return rf"^(?:{'|'.join(words['day_groups'])}|(?:{days})(?:-(?:{days}))?)$"


def _schedule(words: dict[str, Any]) -> list[dict[str, object]]:
    interval = {"type": "string", "pattern": INTERVAL_PATTERN}
    day_value = {"anyOf": [interval,
                           {"enum": [words["closed"], words["around_the_clock"]]},
                           {"type": "array", "minItems": 1, "items": interval}]}
    return [{"const": words["around_the_clock"]},
            {"type": "object", "minProperties": 1, "propertyNames": {"pattern": _day_spec_pattern(words)},
             "additionalProperties": day_value}]


def value_alternatives(t: Type, lang: str) -> list[dict[str, object]]:
    """The canonical ways to write a value of type t, as schema alternatives."""
    words = VOCABULARY[lang]
    kind = t.kind
    if kind == "bool":
        return [{"type": "boolean"}, {"enum": [words["yes"], words["no"]]}]
    if kind == "integer":
        return [{"type": "integer", "minimum": 0, "maximum": _LARGEST},
                {"type": "string", "pattern": f"^{_INTEGER}$"}]
    if kind == "decimal":
        return [{"type": "number", "minimum": -MAX_MAGNITUDE, "maximum": MAX_MAGNITUDE},
                {"type": "string", "pattern": f"^{_DECIMAL}$"}]
    if kind == "percent":
        return [{"type": "number", "minimum": 0, "maximum": 100}, {"type": "string", "pattern": _PERCENT}]
    if kind == "text":
        return [{"type": "string", "pattern": r"\S"}]
    if kind == "date":
        return [{"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}]
    if kind == "schedule":
        return _schedule(words)
    if kind == "enum":
        return [{"enum": list(t.values)}]
    if kind == "set":
        return [{"type": "array", "uniqueItems": True, "items": {"enum": list(t.values)}}]
    if kind == "list":
        return [{"type": "array", "maxItems": MAX_LIST_ITEMS, "items": {"$ref": f"#/$defs/{t.record}"}}]
    raise AssertionError(kind)


def value_schema(t: Type, lang: str, *, nullable: bool, title: str | None = None,
                 doc: str | None = None) -> dict[str, object]:
    alternatives = value_alternatives(t, lang)
    if nullable:
        alternatives = [{"type": "null"}, *alternatives]
    schema = dict(alternatives[0]) if len(alternatives) == 1 else {"anyOf": alternatives}
    annotations = {}
    if title:
        annotations["title"] = title
    if doc:
        annotations["description"] = doc
    return {**annotations, **schema}


def _identity(lang: str) -> dict[str, object]:
    words = VOCABULARY[lang]
    name, ident, provider, fictional = words["identity_fields"]
    text = {"anyOf": [{"type": "null"}, {"type": "string"}]}
    return {
        "title": message("schema.identity", lang),
        "type": "object",
        "properties": {
            name: {"description": message(f"template.identity.{name}", lang), **text},
            ident: {"description": message(f"template.identity.{ident}", lang),
                    "anyOf": [{"type": "null"}, {"type": "string"}, {"type": "integer"}]},
            provider: {"description": message(f"template.identity.{provider}", lang), **text},
            fictional: value_schema(Type("bool"), lang, nullable=False,
                                    doc=message(f"template.identity.{fictional}", lang)),
        },
        "required": list(words["identity_fields"][:_REQUIRED_IDENTITY]),
        "additionalProperties": False,
    }


def self_report_schema(rulebook: CompiledRulebook, lang: str = "sv") -> dict[str, object]:
    required = required_fields(rulebook)
    identity_key = VOCABULARY[lang]["identity"]
    properties = {identity_key: _identity(lang)}
    for fact in rulebook.facts:
        properties[fact.name] = value_schema(fact.type, lang, nullable=fact.name in required,
                                             title=title_of(fact, lang), doc=fact.doc)
    defs = {}
    for name in sorted(rulebook.records):
        record = rulebook.records[name]
        needed = set().union(*(fields for fact, fields in required.items()
                               if (spec := rulebook.fact(fact)) is not None and spec.type.record == name))
        fields = [f for f in record.fields]
        defs[name] = {
            "title": fact_title(name),
            "type": "object",
            "properties": {f.name: value_schema(f.type, lang, nullable=f.name in needed,
                                                title=title_of(f, lang), doc=f.doc) for f in fields},
            "required": [f.name for f in fields if f.name in needed],
            "additionalProperties": False,
        }
    schema = {
        "$schema": DRAFT,
        "title": message("schema.title", lang, name=rulebook.name, edition=rulebook.edition),
        "description": message("schema.description", lang),
        "type": "object",
        "properties": properties,
        "required": [identity_key] + [f.name for f in rulebook.facts if f.name in required],
        "additionalProperties": False,
    }
    if defs:
        schema["$defs"] = defs
    return schema


def render_schema(rulebook: CompiledRulebook, lang: str = "sv") -> str:
    return json.dumps(self_report_schema(rulebook, lang), ensure_ascii=False, indent=2) + "\n"
