"""Stage 3: a self-report (YAML or JSON) -> typed facts.

A self-report is data and never code: YAML is loaded with the safe loader,
files are size-limited, and nothing in them is evaluated. Values are accepted
the way a person writes them ('ja', "25 %", "08:00-17:00", måndag-fredag) and
checked against the facts the rulebook declares. A missing or wrongly typed
value becomes UNKNOWN, so the checks that need it cannot be assessed; every
problem carries the JSON path into the file.

One module, over 400 lines: reading with its resource limits, and validating
with one coercion per type; both build the same located diagnostics.
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
import json
import os
import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import TypeVar

import attrs
import yaml

from kokdsl import ast
from kokdsl.compiled import CompiledRulebook, Env, RecordSpec, Type
from kokdsl.diagnostics import ERROR, WARNING, Diagnostic, key_path
from kokdsl.documents import load_json, load_yaml
from kokdsl.errors import DocumentError, KokError, ScheduleFormatError, SelfReportError
from kokdsl.messages import ParserProblem
from kokdsl.reading import os_reason, read_bounded
from kokdsl.schedule import parse_schedule
from kokdsl.values import MAX_MAGNITUDE, MAX_NUMBER_CHARS, UNKNOWN, RecordValue, shorten, within_bounds

MAX_BYTES = 2_000_000
MAX_LIST_ITEMS = 10_000
MAX_DEPTH = 50  # a self-report nests four levels deep; anything far deeper is hostile
IDENTITY_KEYS = ("vårdcentral", "centre")
IDENTITY_FIELDS = {"namn": "name", "name": "name", "id": "id", "vårdgivare": "provider",
                   "provider": "provider", "fiktiv": "fictional", "fictional": "fictional"}

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DEEP_INDENT = re.compile(r"^[ \t]{100,}\S", re.MULTILINE)
_INDENT_RUN = " " * 100  # what _DEEP_INDENT needs in a text without tabs
# "- - - - x" nests a list in a list on one line; a long run of them would
# overflow the C composer's stack (a segmentation fault, not an exception).
_DEEP_INLINE = re.compile(r"(?:[-?][ \t]+){20}")


@attrs.frozen
class DataProblem:
    """A fact a check needs that the self-report lacks or gets wrong."""

    kind: str  # "missing", "invalid" or "implausible"
    path: str
    fact: str
    field: str | None
    expected: Type
    # For "implausible": the plausibility rule (`rimlighet`) the figures break.
    reason: ast.Plausibility | None = None


@attrs.frozen
class Identity:
    """Who the self-report is from: the `vårdcentral` block."""

    name: str | None = None
    id: str | None = None
    provider: str | None = None
    fictional: bool | None = None


@attrs.frozen
class SelfReport:
    """A validated self-report: typed facts, the facts that are missing or
    invalid, and every diagnostic found while reading it."""

    file: str
    sha256: str
    identity: Identity
    facts: Env = attrs.field(eq=False)  # fact name -> value (UNKNOWN when missing/invalid)
    problems: tuple[DataProblem, ...]
    diagnostics: tuple[Diagnostic, ...]
    # The text as the applicant wrote it: letters quote it with its line numbers.
    source: str = attrs.field(default="", eq=False, repr=False)

    def lines_of(self) -> dict[str, tuple[int, int]]:
        """JSON path -> (first line, last line) in the source, 1-based: where
        each fact, list element and field was written."""
        return source_lines(self.source)


def read_document(path: str | Path) -> tuple[object, bytes]:
    """Read and parse a YAML or JSON file, raising SelfReportError with a
    location when it cannot be read."""
    name = display_name(path)
    try:
        data = read_bounded(path, MAX_BYTES)
    except OSError as exc:
        reason = os_reason(exc)
        raise SelfReportError(Diagnostic(ERROR, "data.unreadable", {"reason": reason}, file=name)) from None
    return parse_document(data, name), data


def parse_document(data: bytes, name: str) -> object:
    """Parse a self-report's bytes (JSON when `name` ends in .json, else YAML)
    within the size and nesting limits; SelfReportError when it cannot be read."""
    if len(data) > MAX_BYTES:
        raise SelfReportError(Diagnostic(ERROR, "data.too_large", {"limit": MAX_BYTES}, file=name))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SelfReportError(Diagnostic(ERROR, "data.not_utf8", {}, file=name)) from None
    try:
        if name.lower().endswith(".json"):
            return _parse_json(text, name)
        if _looks_deep(text) and _too_deep(text):
            raise _too_deep_error(name)
        return load_yaml(text)
    except DocumentError as exc:
        raise SelfReportError(Diagnostic(ERROR, exc.code, exc.params, file=name)) from None
    except yaml.reader.ReaderError as exc:  # a control character YAML does not allow: it has no mark, only a position
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise SelfReportError(Diagnostic(ERROR, "data.bad_character", {"line": line, "column": column,
                                                                        "codepoint": f"U+{exc.character:04X}"},
                                         file=name)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise SelfReportError(Diagnostic(ERROR, "data.bad_yaml", {"line": line, "column": column,
                                                                   "reason": ParserProblem(exc.problem or "")},
                                         file=name)) from None
    except yaml.YAMLError as exc:
        params = {"line": 0, "column": 0, "reason": ParserProblem(str(exc))}
        raise SelfReportError(Diagnostic(ERROR, "data.bad_yaml", params, file=name)) from None


def _too_deep_error(name: str) -> SelfReportError:
    return SelfReportError(Diagnostic(ERROR, "data.too_deep", {"limit": MAX_DEPTH}, file=name))


def _parse_json(text: str, name: str) -> object:
    try:
        document = load_json(text)
    except json.JSONDecodeError as exc:
        raise SelfReportError(Diagnostic(ERROR, "data.bad_json", {"line": exc.lineno, "column": exc.colno,
                                                                   "reason": ParserProblem(exc.msg)},
                                         file=name)) from None
    except RecursionError:
        raise _too_deep_error(name) from None
    # A document nests no deeper than it has brackets: most need no walk.
    if text.count("[") + text.count("{") > MAX_DEPTH and _object_depth(document) > MAX_DEPTH:
        raise _too_deep_error(name)
    return document


def _looks_deep(text: str) -> bool:
    """A cheap first look: only a document with many brackets, very deep
    indentation or a long run of "- - -" needs its nesting measured."""
    if text.count("[") + text.count("{") > MAX_DEPTH:
        return True
    # Each pattern is searched for only where a plain substring search (much faster than
    # the regex's scan) finds what a match would have to contain.
    tab = "\t" in text
    if (tab or _INDENT_RUN in text) and _DEEP_INDENT.search(text) is not None:
        return True
    return (tab or "?" in text or "- -" in text or "-  " in text) and _DEEP_INLINE.search(text) is not None


def _too_deep(text: str) -> bool:
    try:
        return _nesting_depth(text) > MAX_DEPTH
    except yaml.MarkedYAMLError as exc:
        # Newer libyaml builds stop very deep flow nesting themselves.
        if "maximum nesting depth" in str(exc.problem):
            return True
        raise


def _nesting_depth(text: str) -> int:
    """How deeply the document nests, from the parser's events alone: building
    the objects of a very deep document can crash the C loader outright."""
    depth = deepest = 0
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                break
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
    return deepest


def _object_depth(document: object) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                break
            stack.extend((child, depth + 1) for child in (value.values() if isinstance(value, dict) else value))
    return deepest


def load_self_report(path: str | Path, rulebook: CompiledRulebook) -> SelfReport:
    """Read a YAML or JSON self-report and validate it against the rulebook's
    facts. Raises SelfReportError when the file is no self-report at all."""
    document, data = read_document(path)
    return validate(document, rulebook, display_name(path), hashlib.sha256(data).hexdigest(), source_text(data))


def source_text(data: bytes) -> str:
    """A self-report's bytes as the text its line numbers count in."""
    return data.decode("utf-8-sig", errors="replace")


def source_lines(text: str) -> dict[str, tuple[int, int]]:
    """Where each value of a YAML or JSON self-report was written: JSON path
    -> (first line, last line), the first being the line of its key. Empty
    when the text cannot be composed (it was read once already, so rarely)."""
    try:
        root = yaml.compose(text, Loader=_SafeLoader)
    except yaml.YAMLError:
        return {}
    out: dict[str, tuple[int, int]] = {}

    def walk(node: yaml.Node, path: str, first: int) -> int:
        """Record the node's lines under `path`; return its last line."""
        last = first
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                last = max(last, walk(value, key_path(path, key.value), key.start_mark.line + 1))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                last = max(last, walk(item, f"{path}[{i}]", item.start_mark.line + 1))
        if not node.value or isinstance(node, yaml.ScalarNode):
            end = node.end_mark
            # A block scalar ends at the start of the next line: its last line is the one before.
            last = max(last, end.line if end.column == 0 and end.line > node.start_mark.line else end.line + 1)
        out[path] = (first, last)
        return last

    if root is not None:
        walk(root, "$", 1)
    return out


def display_name(path: str | Path) -> str:
    """A file name as text that can be printed and written anywhere: a byte
    that is not UTF-8 (the operating system hands it over as a lone
    surrogate) is shown as \\xNN, so centre-\\xe5.yaml stays recognisable."""
    raw = os.fsencode(path)
    return raw.decode("utf-8", errors="backslashreplace")


def validate(document: object, rulebook: CompiledRulebook, file: str = "<data>", sha256: str = "",
             source: str = "") -> SelfReport:
    """Check a parsed document against the rulebook's declared facts."""
    if not isinstance(document, dict):
        raise SelfReportError(Diagnostic(ERROR, "data.not_mapping", {}, path="$", file=file))
    plan = _plan(rulebook)
    checker = _Checker(rulebook, plan, file)
    identity = checker.identity(document)
    facts: Env = {}
    value = checker.value
    for name, t, path in plan.facts:
        raw = document.get(name)
        if raw is None:
            checker.missing(path, name, None, t)
            facts[name] = UNKNOWN
        else:
            facts[name] = value(raw, t, path, name, None)
    if not plan.known.issuperset(document):
        for key in document:
            if key not in plan.known:
                params = {"key": str(key)}
                suggestion = difflib.get_close_matches(str(key), plan.declared, n=1, cutoff=0.6)
                if suggestion:
                    params.update(hint_code="hint.did_you_mean", suggestion=suggestion[0])
                unknown = Diagnostic(WARNING, "data.unknown_key", params, path=key_path("$", key), file=file)
                checker.diagnostics.append(unknown)
    if rulebook.plausibilities:
        from kokdsl.plausibility import IMPLAUSIBLE, apply

        implausible, diagnostics = apply(rulebook, facts, file)
        checker.problems += [DataProblem(IMPLAUSIBLE, p.path, p.fact, p.field, p.expected, p.rule) for p in implausible]
        checker.diagnostics += diagnostics
    return SelfReport(file, sha256, identity, facts, tuple(checker.problems), tuple(checker.diagnostics), source)


class _RecordPlan:
    """A record type as validation walks it. (Plain classes: an attrs class
    costs a millisecond of start-up to generate its methods.)"""

    __slots__ = ("name", "fields", "names", "label_field")

    def __init__(self, record: RecordSpec) -> None:
        self.name = record.name
        self.fields = tuple((f.name, f.type) for f in record.fields)  # name, type; in declaration order
        self.names = frozenset(f.name for f in record.fields)
        self.label_field = record.label_field


class _Plan:
    """What validation needs of a rulebook, worked out once per rulebook and
    kept in its runtime cache: each fact's path, and sets to look keys up in
    instead of scanning the declarations for every key of every centre."""

    __slots__ = ("facts", "declared", "known", "records")

    def __init__(self, rulebook: CompiledRulebook) -> None:
        names = {f.name for f in rulebook.facts}
        # name, type, JSON path; in book order
        self.facts = tuple((f.name, f.type, key_path("$", f.name)) for f in rulebook.facts)
        self.declared = sorted(names)  # what a misspelt key is matched against
        self.known: frozenset[object] = frozenset(names | set(IDENTITY_KEYS))  # the keys allowed at the top
        self.records = {name: _RecordPlan(record) for name, record in rulebook.records.items()}


def _plan(rulebook: CompiledRulebook) -> _Plan:
    plan: _Plan | None = rulebook.runtime.get("selfreport_plan")
    if plan is None:
        plan = rulebook.runtime["selfreport_plan"] = _Plan(rulebook)
    return plan


class _Invalid(KokError):
    """A raw value does not fit its type (the caller records the diagnostic)."""


class _Negative(_Invalid):
    """A whole number (a count) below zero."""


class _OutOfRange(_Invalid):
    """A number beyond the documented bound (values.MAX_MAGNITUDE)."""


class _Checker:
    def __init__(self, rulebook: CompiledRulebook, plan: _Plan, file: str):
        self.rulebook = rulebook
        self.plan = plan
        self.file = file
        self.problems: list[DataProblem] = []
        self.diagnostics: list[Diagnostic] = []

    def missing(self, path: str, fact: str, field: str | None, expected: Type) -> None:
        self.problems.append(DataProblem("missing", path, fact, field, expected))

    def invalid(self, path: str, fact: str, field: str | None, expected: Type, raw: object,
                code: str = "data.invalid") -> None:
        self.problems.append(DataProblem("invalid", path, fact, field, expected))
        params = {"value": _Shown(raw), "expected": ExpectedValue(expected)}
        self.diagnostics.append(Diagnostic(ERROR, code, params,
                                           path=path, file=self.file))

    def identity(self, document: dict[object, object]) -> Identity:
        block = next((document[k] for k in IDENTITY_KEYS if k in document), None)
        if block is None:
            self.diagnostics.append(Diagnostic(WARNING, "data.no_identity", {}, path="$", file=self.file))
            return Identity()
        if not isinstance(block, dict):
            self.diagnostics.append(Diagnostic(ERROR, "data.identity_not_mapping", {}, path="$.vårdcentral",
                                               file=self.file))
            return Identity()
        texts: dict[str, str] = {}
        fictional: bool | None = None
        for key, raw in block.items():
            attr = IDENTITY_FIELDS.get(str(key))
            if attr is None:
                self.diagnostics.append(Diagnostic(WARNING, "data.unknown_key", {"key": str(key)},
                                                   path=key_path("$.vårdcentral", key), file=self.file))
            elif attr == "fictional":
                fictional = _to_bool(raw) if not isinstance(raw, bool) else raw
            elif isinstance(raw, (str, int)) and not isinstance(raw, bool):
                texts[attr] = str(raw).strip()
            elif raw is not None:
                params = {"key": str(key), "value": _Shown(raw)}
                self.diagnostics.append(Diagnostic(ERROR, "data.identity_not_text", params,
                                                   path=key_path("$.vårdcentral", key), file=self.file))
        return Identity(texts.get("name"), texts.get("id"), texts.get("provider"), fictional)

    def value(self, raw: object, t: Type, path: str, fact: str, field: str | None) -> object:
        try:
            if t.kind == "list" and t.record is not None:
                return self.records(raw, self.plan.records[t.record], path, fact)
            if t.kind == "schedule":
                try:
                    return parse_schedule(raw)
                except ScheduleFormatError as exc:
                    shown = exc.params.get("value", raw)
                    self.invalid(path + exc.subpath, fact, field, t, shown, code="data." + exc.code)
                    return UNKNOWN
            return _COERCE[t.kind](raw, t)
        except _Negative:
            self.invalid(path, fact, field, t, raw, code="data.negative")
            return UNKNOWN
        except _OutOfRange:
            # Beyond the documented bound is not a value to supplement but input to refuse.
            raise SelfReportError(Diagnostic(ERROR, "data.out_of_range", {"value": _Shown(raw), "limit": "10^15"},
                                             path=path, file=self.file)) from None
        except _Invalid:
            self.invalid(path, fact, field, t, raw)
            return UNKNOWN

    def field_value(self, raw: object, t: Type, element: str, field: str, fact: str) -> object:
        """A field of a list element: its path is worked out only when there is something to say."""
        coerce = _COERCE.get(t.kind)
        if coerce is not None:
            try:
                return coerce(raw, t)
            except _Invalid:
                pass  # value() coerces again and says why, at the field's path
        return self.value(raw, t, key_path(element, field), fact, field)

    def records(self, raw: object, record: _RecordPlan, path: str, fact: str) -> object:
        if not isinstance(raw, list):
            raise _Invalid
        if len(raw) > MAX_LIST_ITEMS:
            self.invalid(path, fact, None, Type("list", record=record.name), f"{len(raw)}", code="data.too_many")
            return UNKNOWN
        label_field, names = record.label_field, record.names
        items: list[RecordValue] = []
        blank: list[str] = []
        for index, element in enumerate(raw):
            epath = f"{path}[{index}]"
            if _is_blank(element):
                # The blank entry `kok template` writes: not an element at all.
                blank.append(epath)
                continue
            if not isinstance(element, dict):
                self.invalid(epath, fact, None, Type("record", record=record.name), element)
                # An unreadable element is an element whose every field is unknown.
                element = {}
            fields: Env = {}
            for name, t in record.fields:
                given = element.get(name)
                if given is None:
                    self.missing(key_path(epath, name), fact, name, t)
                    fields[name] = UNKNOWN
                else:
                    fields[name] = self.field_value(given, t, epath, name, fact)
            if not names.issuperset(element):
                for key in element:
                    if str(key) not in names:
                        self.diagnostics.append(Diagnostic(WARNING, "data.unknown_key", {"key": str(key)},
                                                           path=key_path(epath, key), file=self.file))
            label = fields.get(label_field) if label_field else None
            name = label if isinstance(label, str) else ""
            items.append(RecordValue(fields, epath, name or f"#{index + 1}"))
        if blank and not items:
            # Only blank entries: the list has not been given, so it is to be supplemented.
            self.missing(path, fact, None, Type("list", record=record.name))
            return UNKNOWN
        for epath in blank:
            self.diagnostics.append(Diagnostic(WARNING, "data.blank_entry", {}, path=epath, file=self.file))
        return tuple(items)


def _is_blank(element: object) -> bool:
    """A list entry with every field left empty, as in the blank self-report."""
    if not isinstance(element, dict) or not element:
        return False
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in element.values())


class _Shown:
    """A value as written in the self-report, shortened for a message."""

    def __init__(self, value: object):
        self.value = value

    def render(self, lang: str) -> str:
        if isinstance(self.value, bool):
            return str(self.value)
        if isinstance(self.value, float):
            return repr(self.value)
        return shorten(self.value)


class ExpectedValue:
    """What a value of a type must look like, in the reader's language (for
    diagnostics, the blank self-report and the book)."""

    def __init__(self, t: Type):
        self.t = t

    def render(self, lang: str) -> str:
        """The expected form in words, in lang: the closed set's values, the date format, and so on."""
        from kokdsl.messages import message

        if self.t.kind in ("enum", "set"):
            return message(f"expect.{self.t.kind}", lang, values=", ".join(self.t.values))
        return message(f"expect.{self.t.kind}", lang, record=self.t.record or "")


# Every spelling of yes and no the loader accepts (compared casefolded). The
# schema and the form document the canonical ones: ja/nej, yes/no.
YES_WORDS = frozenset({"ja", "yes", "true", "sant", "j", "y"})
NO_WORDS = frozenset({"nej", "no", "false", "falskt", "n"})


def _to_bool(raw: object, t: Type | None = None) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        word = raw.strip().casefold()
        if word in YES_WORDS:
            return True
        if word in NO_WORDS:
            return False
    raise _Invalid


_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_NUMBER_CHARS = frozenset("0123456789+-.,_ \t\n\u00a0\u202f")


def _number_text(text: str) -> int | Fraction:
    # People write "6 500" and "2,5"; a space (also a no-break space) groups thousands.
    if len(text) > MAX_NUMBER_CHARS * 2:  # measured before the regex and the conversion ever see it
        # Only a long run of digits is a number too large; long prose is an answer that is not a number.
        raise _OutOfRange if _NUMBER_CHARS.issuperset(text) else _Invalid
    stripped = text.strip()
    if stripped.isdecimal():  # a whole number, the usual answer: what \d+ matches, with no regex or Fraction
        if len(stripped) > MAX_NUMBER_CHARS:
            raise _OutOfRange
        return int(stripped)
    cleaned = re.sub(r"(?<=\d)[\s\u00a0\u202f](?=\d{3}\b)", "", stripped)
    if not _NUMBER.fullmatch(cleaned):
        raise _Invalid
    if len(cleaned) > MAX_NUMBER_CHARS:
        raise _OutOfRange
    return Fraction(cleaned.replace(",", "."))


_Number = TypeVar("_Number", int, Fraction)


def _bounded(value: _Number) -> _Number:
    if not within_bounds(value):
        raise _OutOfRange
    return value


def _to_integer(raw: object, t: Type | None = None) -> int:
    """A count: whole, not negative, within the bound."""
    if raw.__class__ is int and 0 <= raw <= MAX_MAGNITUDE:  # the usual answer
        return raw
    value = _whole_number(raw)
    if value < 0:
        raise _Negative
    return value


def _whole_number(raw: object) -> int:
    if isinstance(raw, bool):
        raise _Invalid
    if isinstance(raw, int):
        return _bounded(raw)
    if isinstance(raw, float) and raw.is_integer():
        return _bounded(int(raw))
    if isinstance(raw, str):
        value = _number_text(raw)
        if value.denominator == 1:
            return _bounded(value.numerator)
    raise _Invalid


def _to_decimal(raw: object, t: Type | None = None) -> int | Fraction:
    if raw.__class__ is int and -MAX_MAGNITUDE <= raw <= MAX_MAGNITUDE:
        return raw
    if isinstance(raw, bool):
        raise _Invalid
    if isinstance(raw, int):
        return _bounded(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise _Invalid
        value: int | Fraction = Fraction(repr(raw))
    elif isinstance(raw, str):
        value = _number_text(raw)
    else:
        raise _Invalid
    if not within_bounds(value):
        raise _OutOfRange
    # Whole numbers stay ints: exact either way, and ints compare much faster.
    return value.numerator if value.denominator == 1 else value


def _to_percent(raw: object, t: Type | None = None) -> Fraction:
    if isinstance(raw, str):
        text = raw.strip()
        text = text[:-1] if text.endswith("%") else text
        value = _number_text(text)
    else:
        value = _to_decimal(raw)
    if not 0 <= value <= 100:
        raise _Invalid
    return Fraction(value, 100)


def _to_text(raw: object, t: Type | None = None) -> str:
    # An empty text ("") is an answer, not a gap: a check such as
    # `verksamhetschef != ""` fails on it, with the value shown.
    if isinstance(raw, str):
        return " ".join(raw.split())
    raise _Invalid


def _to_date(raw: object, t: Type | None = None) -> datetime.date:
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    if isinstance(raw, str):
        try:
            return datetime.date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise _Invalid


def _to_enum(raw: object, t: Type) -> str:
    if isinstance(raw, str):
        word = raw.strip().casefold()
        for value in t.values:
            if value.casefold() == word:
                return value
    raise _Invalid


def _to_set(raw: object, t: Type) -> frozenset[str]:
    if isinstance(raw, str):
        raw = [part for part in re.split(r"\s*,\s*", raw.strip()) if part]
    if not isinstance(raw, list):
        raise _Invalid
    return frozenset(_to_enum(item, t) for item in raw)


# One coercion per declared kind: a raw value as written -> the typed value, or _Invalid.
Coercion = Callable[[object, Type], object]
_COERCE: dict[str, Coercion] = {
    "bool": _to_bool, "integer": _to_integer, "decimal": _to_decimal, "percent": _to_percent,
    "text": _to_text, "date": _to_date, "enum": _to_enum, "set": _to_set,
}
