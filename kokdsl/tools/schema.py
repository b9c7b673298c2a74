"""A JSON Schema (draft 2020-12) of a rulebook's self-report, for a region's
e-service form. It accepts what the loader accepts (ja/nej, "25 %", "6 500",
schedules per weekday); a blank (null) fact is allowed, since a missing fact is
a supplement request, not a malformed report. Unknown keys are rejected, so a
misspelt fact name is caught in the form.
"""

from __future__ import annotations

import json

from kokdsl.compiled import CompiledRulebook, Type
from kokdsl.messages import message
from kokdsl.selfreport import _NO, _YES, IDENTITY_FIELDS, IDENTITY_KEYS, MAX_LIST_ITEMS

DRAFT = "https://json-schema.org/draft/2020-12/schema"

# ECMA-262 regexes (what JSON Schema uses) have no inline case-insensitive flag.
_WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag",
             "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
             "mån", "tis", "ons", "tor", "fre", "lör", "sön", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_GROUPS = ("alla dagar", "every day", "vardagar", "weekdays", "helger", "weekend")
_WHOLE = ("dygnet runt", "around the clock", "24h")
_CLOSED = ("stängt", "closed")
_NUMBER = r"[+-]?(?:\d+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+)(?:[.,]\d+)?"
_INTEGER = r"[+-]?(?:\d+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+)"
_TIME = r"\d{1,2}(?:[:.]\d{2})?"
_DASH = r"\s*[-\u2013\u2014]\s*"


def _ci(word: str) -> str:
    """A case-insensitive regex for a literal word."""
    out = []
    for ch in word:
        if ch.lower() != ch.upper():
            out.append(f"[{ch.lower()}{ch.upper()}]")
        elif ch == " ":
            out.append(r"\s+")
        else:
            out.append("\\" + ch if not ch.isalnum() else ch)
    return "".join(out)


def _alternatives(words) -> str:
    return "(?:" + "|".join(_ci(w) for w in sorted(words, key=lambda w: (-len(w), w))) + ")"


def _whole(pattern: str) -> str:
    return rf"^\s*{pattern}\s*$"


_DAY = _alternatives(_WEEKDAYS)
_DAY_SPEC = _whole(rf"(?:{_alternatives(_DAY_GROUPS)}|{_DAY}(?:{_DASH}{_DAY})?)")
_INTERVAL = _whole(rf"(?:{_TIME}{_DASH}{_TIME}|{_alternatives(_WHOLE + _CLOSED)})?")


def _scalar(t: Type) -> dict:
    kind = t.kind
    if kind == "bool":
        return {"anyOf": [{"type": "boolean"}, {"type": "string", "pattern": _whole(_alternatives(_YES | _NO))}]}
    if kind == "integer":
        return {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": _whole(_INTEGER)}]}
    if kind == "decimal":
        return {"anyOf": [{"type": "number"}, {"type": "string", "pattern": _whole(_NUMBER)}]}
    if kind == "percent":
        return {"anyOf": [{"type": "number", "minimum": 0, "maximum": 100},
                          {"type": "string", "pattern": _whole(_NUMBER + r"\s*%?")}]}
    if kind == "text":
        return {"type": "string", "pattern": r"\S"}
    if kind == "date":
        return {"type": "string", "format": "date", "pattern": r"^\s*\d{4}-\d{2}-\d{2}\s*$"}
    if kind == "schedule":
        interval = {"type": "string", "pattern": _INTERVAL}
        return {"anyOf": [
            {"type": "string", "pattern": _whole(_alternatives(("dygnet runt", "around the clock")))},
            {"type": "object", "propertyNames": {"pattern": _DAY_SPEC},
             "additionalProperties": {"anyOf": [{"type": "null"}, interval, {"type": "array", "items": interval}]}},
        ]}
    if kind == "enum":
        return {"type": "string", "enum": list(t.values)}
    if kind == "set":
        return {"type": "array", "items": {"type": "string", "enum": list(t.values)}}
    if kind == "list":
        return {"type": "array", "maxItems": MAX_LIST_ITEMS, "items": {"$ref": f"#/$defs/{t.record}"}}
    raise AssertionError(kind)


def _described(schema: dict, doc: str | None, nullable: bool) -> dict:
    if nullable:
        schema = {"anyOf": [{"type": "null"}, schema]}
    return {"description": doc, **schema} if doc else schema


def self_report_schema(rulebook: CompiledRulebook) -> dict:
    identity = {
        "type": "object",
        "properties": {key: ({"anyOf": [{"type": "boolean"}, _scalar(Type("bool"))]} if attr == "fictional"
                             else {"type": ["string", "integer"]})
                       for key, attr in IDENTITY_FIELDS.items()},
        "additionalProperties": False,
    }
    properties = {key: identity for key in IDENTITY_KEYS}
    for fact in rulebook.facts:
        properties[fact.name] = _described(_scalar(fact.type), fact.doc, nullable=True)
    defs = {}
    for name in sorted(rulebook.records):
        record = rulebook.records[name]
        defs[name] = {
            "type": "object",
            "properties": {f.name: _described(_scalar(f.type), f.doc, nullable=True) for f in record.fields},
            "additionalProperties": False,
        }
    schema = {
        "$schema": DRAFT,
        "title": message("schema.title", "sv", name=rulebook.name, edition=rulebook.edition),
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if defs:
        schema["$defs"] = defs
    return schema


def render_schema(rulebook: CompiledRulebook) -> str:
    return json.dumps(self_report_schema(rulebook), ensure_ascii=False, indent=2) + "\n"
