"""Check JSON data against a JSON Schema, for the small part of the standard
our own published schemas use (type, const, enum, required, properties,
additionalProperties, items, minLength, pattern, local $ref). A full
validator would be a new runtime dependency for one check; the tests confirm
this one agrees with the jsonschema package on the summary schema.

    problem = first_problem(data, schema)   # None, or (JSON path, code, params)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# A JSON Schema as parsed from one of our published files: each keyword's
# value has that keyword's own JSON shape (a type name or a list of them, a
# sub-schema, a list of required keys, ...), so the values are typed per use.
Schema = dict[str, Any]
# Where the data breaks the schema: (JSON path, message code, its parameters).
Problem = tuple[str, str, dict[str, str]]

_TYPES: dict[str, Callable[[object], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool)
    or isinstance(v, float) and v.is_integer(),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
SUPPORTED = frozenset({"type", "const", "enum", "required", "properties", "additionalProperties", "items",
                       "minLength", "pattern", "$ref", "$schema", "$defs", "title", "description"})


def first_problem(data: object, schema: Schema, root: Schema | None = None, path: str = "$") -> Problem | None:
    """The first place where `data` breaks `schema`, as (path, code, params);
    None when it fits. Codes: shape.type, shape.const, shape.enum,
    shape.required, shape.extra, shape.too_short, shape.pattern."""
    root = root if root is not None else schema
    if "$ref" in schema:
        schema = _resolve(root, schema["$ref"])
    unknown = set(schema) - SUPPORTED
    if unknown:  # a schema this checker cannot judge must not pass silently
        raise ValueError(f"unsupported schema keywords: {sorted(unknown)}")
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_TYPES[t](data) for t in types):
            return path, "shape.type", {"expected": " / ".join(types), "found": type_name(data)}
    if "const" in schema and not _equal(data, schema["const"]):
        return path, "shape.const", {"expected": _show(schema["const"]), "found": _show(data)}
    if "enum" in schema and not any(_equal(data, option) for option in schema["enum"]):
        return path, "shape.enum", {"expected": ", ".join(map(_show, schema["enum"])), "found": _show(data)}
    if isinstance(data, str):
        if len(data) < schema.get("minLength", 0):
            return path, "shape.too_short", {"minimum": str(schema["minLength"])}
        if "pattern" in schema and not re.search(schema["pattern"], data):
            return path, "shape.pattern", {"pattern": schema["pattern"], "found": _show(data)}
    if isinstance(data, dict):
        return _object_problem(data, schema, root, path)
    if isinstance(data, list) and "items" in schema:
        for index, item in enumerate(data):
            found = first_problem(item, schema["items"], root, f"{path}[{index}]")
            if found:
                return found
    return None


def _object_problem(data: dict[str, object], schema: Schema, root: Schema, path: str) -> Problem | None:
    for key in schema.get("required", []):
        if key not in data:
            return path, "shape.required", {"key": key}
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, value in data.items():
        child = f"{path}.{key}"
        if key in properties:
            found = first_problem(value, properties[key], root, child)
        elif extra is False:
            found = (child, "shape.extra", {"key": key})
        elif isinstance(extra, dict):
            found = first_problem(value, extra, root, child)
        else:
            found = None
        if found:
            return found
    return None


def _resolve(root: Schema, ref: str) -> Schema:
    if not ref.startswith("#/"):
        raise ValueError(f"only local references are supported: {ref}")
    node = root
    for part in ref[2:].split("/"):
        node = node[part]
    if not isinstance(node, dict):
        raise ValueError(f"a reference to no schema: {ref}")
    return node


def _equal(a: object, b: object) -> bool:
    """JSON equality: true is not 1."""
    return type(a) is type(b) and a == b or (_TYPES["number"](a) and _TYPES["number"](b) and a == b)


def type_name(value: object) -> str:
    """The JSON type name of a parsed value ("integer", "object", ...)."""
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _TYPES[name](value):
            return name
    return type(value).__name__


def _show(value: object) -> str:
    text = repr(value) if not isinstance(value, str) else f"“{value}”"
    return text if len(text) <= 60 else text[:57] + "…"
