"""Reading a self-report or a rule-test file: bytes -> plain data, bounded.

YAML goes through PyYAML's C parser, but is built by a constructor of our own
that makes only what a self-report can hold: mappings with scalar keys,
sequences, strings, integers, floats, booleans, null and dates, with PyYAML's
YAML 1.1 meanings for each. It refuses, with the line and column, what the
safe loader would accept silently or crash on:

- a key written twice (the safe loader keeps the last one),
- sexagesimal numbers (`190:20:30` would be 685230),
- impossible dates and times (`2025-02-30` raises ValueError in PyYAML),
- numbers of more digits than any count or amount needs (Python refuses to
  convert more than 4,300 digits, and nothing real needs more than 40),
- alias expansion beyond a small bound (a "billion laughs" document),
- explicit tags other than YAML's own scalar and collection tags, and merge keys.

JSON goes through the json module at full speed, with the same duplicate-key
and number bounds, and a lone surrogate escape (\\udfff without its pair) is
refused with its place: no UTF-8 writer could ever write it out.

One module, over 400 lines: YAML and JSON refuse the same things with the
same located errors, and are read side by side. Building only plain values also makes loading about twice
as fast as the safe loader.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.resolver import Resolver

from kokdsl.errors import DocumentError
from kokdsl.values import MAX_NUMBER_CHARS

MAX_ALIAS_NODES = 10_000  # values an alias may repeat, summed over the document

try:  # libyaml's parser; yaml's own namespace does not export it
    from yaml.cyaml import CParser as _Parser  # type: ignore[attr-defined]
except ImportError:  # PyYAML built without libyaml
    _Parser = None  # type: ignore[misc,assignment]


# -- YAML --------------------------------------------------------------------------

_TAG = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP = _TAG + "str", _TAG + "seq", _TAG + "map"


class _Hooks:
    """The three calls the composer makes for every node, as C callables that
    do no work. resolve(kind, value, implicit) keeps its arguments in a slice:
    the builder resolves a plain scalar itself, once per distinct text. The
    path resolver's descend/ascend do nothing. As Python methods these were
    three calls per node, a third of reading a self-report."""

    resolve = slice
    descend_resolver = slice
    ascend_resolver = tuple


def _composer_class() -> type[Any]:
    """The C parser and composer: it yields the node graph, with the tag of
    every untagged node left to the builder; nothing is constructed yet."""
    if _Parser is None:  # the pure-Python parser gives the same nodes, more slowly
        class PythonComposer(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,
                             yaml.composer.Composer, _Hooks):
            def __init__(self, stream: str) -> None:
                yaml.reader.Reader.__init__(self, stream)
                yaml.scanner.Scanner.__init__(self)
                yaml.parser.Parser.__init__(self)
                yaml.composer.Composer.__init__(self)

        return PythonComposer

    class CComposer(_Parser, _Hooks):
        def __init__(self, stream: str) -> None:
            _Parser.__init__(self, stream)

    return CComposer


_Composer = _composer_class()


def compose_yaml(text: str) -> yaml.Node | None:
    """The root node of a single YAML document (None when it is empty). An
    untagged node's tag is a slice (kind, value, implicit), as _Hooks keeps
    it. Raises yaml.YAMLError for text that is not YAML."""
    composer = _Composer(text)
    try:
        node: yaml.Node | None = composer.get_single_node()
        return node
    finally:
        composer.dispose()


def load_yaml(text: str) -> Any:
    """A YAML document as plain data, or DocumentError."""
    node = compose_yaml(text)
    return None if node is None else _Builder().build(node)


_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_BOOL = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
_TIMESTAMP = re.compile(
    r"""^(?P<year>[0-9][0-9][0-9][0-9])-(?P<month>[0-9][0-9]?)-(?P<day>[0-9][0-9]?)
    (?:(?:[Tt]|[ \t]+)(?P<hour>[0-9][0-9]?):(?P<minute>[0-9][0-9]):(?P<second>[0-9][0-9])
    (?:\.(?P<fraction>[0-9]*))?(?:[ \t]*(?P<tz>Z|(?P<tz_sign>[-+])(?P<tz_hour>[0-9][0-9]?)
    (?::(?P<tz_minute>[0-9][0-9]))?))?)?$""", re.X)
# PyYAML's YAML 1.1 implicit resolvers, by the first character of the text.
_IMPLICIT = {first: tuple(rules) for first, rules in Resolver.yaml_implicit_resolvers.items()}
_ScalarNode, _SequenceNode = yaml.ScalarNode, yaml.SequenceNode

# Plain text -> its value: keys and common values repeat across thousands of
# centres. Every value is immutable (text, numbers, dates); a text that is
# refused is never kept.
_PLAIN: dict[str, object] = {}
_PLAIN_MAX, _PLAIN_TEXT_MAX = 50_000, 200
_UNSEEN = object()


def _tag_text(tag: str) -> str:
    """A tag as it is written: !!python/object rather than tag:yaml.org,2002:python/object."""
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag


def _where(node: yaml.Node) -> dict[str, int]:
    return {"line": node.start_mark.line + 1, "column": node.start_mark.column + 1}


class _Builder:
    """Node graph -> dicts, lists and scalars, with every alias counted. The
    recursion is as deep as the document, which parse_document bounds
    (MAX_DEPTH) before composing."""

    def __init__(self) -> None:
        self.built: dict[int, object] = {}  # id(collection node) -> value, for aliases
        self.in_progress: set[int] = set()
        self.sizes: dict[int, int] = {}
        self.alias_nodes = 0

    def build(self, node: yaml.Node) -> Any:
        # A repeated scalar costs what writing it out would: no amplification to count.
        return self.scalar(node) if node.__class__ is _ScalarNode else self.collection(node)

    def collection(self, node: yaml.Node) -> Any:
        key = id(node)
        if key in self.built:
            self._count_alias(node)
            return self.built[key]
        if key in self.in_progress:  # an alias to a collection that contains it
            raise DocumentError("data.recursive_alias", **_where(node))
        self.in_progress.add(key)
        value = self.sequence(node) if node.__class__ is _SequenceNode else self.mapping(node)
        self.in_progress.discard(key)
        self.built[key] = value
        return value

    def _count_alias(self, node: yaml.Node) -> None:
        """An alias repeats its node's whole value: count what it would expand to."""
        self.alias_nodes += self._size(node)
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise DocumentError("data.too_many_aliases", limit=MAX_ALIAS_NODES, **_where(node))

    def _size(self, node: yaml.Node) -> int:
        """How many values a node stands for with every alias expanded
        (memoised, so a billion laughs costs a few hundred steps)."""
        key = id(node)
        if key not in self.sizes:
            if isinstance(node, yaml.ScalarNode):
                self.sizes[key] = 1
            else:
                children = node.value if isinstance(node, yaml.SequenceNode) else \
                    [part for pair in node.value for part in pair]
                # Children are built already, so their sizes are small recursions at most one level each time.
                self.sizes[key] = 1 + sum(self._size(child) for child in children)
        return self.sizes[key]

    def sequence(self, node: yaml.Node) -> list[Any]:
        self._check_tag(node, _SEQ)
        scalar, collection = self.scalar, self.collection
        return [scalar(child) if child.__class__ is _ScalarNode else collection(child) for child in node.value]

    def mapping(self, node: yaml.Node) -> dict[Any, Any]:
        self._check_tag(node, _MAP)
        out: dict[Any, Any] = {}
        scalar, collection = self.scalar, self.collection
        for key_node, value_node in node.value:
            if key_node.__class__ is not _ScalarNode:
                raise DocumentError("data.complex_key", **_where(key_node))
            key = scalar(key_node)
            try:
                seen = key in out
            except TypeError:  # an unhashable key cannot come from a scalar; refuse rather than guess
                raise DocumentError("data.complex_key", **_where(key_node)) from None
            if seen:
                first = next(k for k, _ in node.value if k.__class__ is _ScalarNode and scalar(k) == key)
                raise DocumentError("data.duplicate_key", key=str(key), first_line=first.start_mark.line + 1,
                                    **_where(key_node))
            out[key] = scalar(value_node) if value_node.__class__ is _ScalarNode else collection(value_node)
        return out

    def _check_tag(self, node: yaml.Node, tag: str) -> None:
        # An untagged collection (its tag a slice, see _Hooks) is what its kind says.
        written: Any = node.tag
        if written.__class__ is not slice and written != tag:
            raise DocumentError("data.yaml_tag", tag=_tag_text(written), **_where(node))

    def scalar(self, node: yaml.Node) -> Any:
        untagged: Any = node.tag
        if untagged.__class__ is not slice:
            return self.tagged(untagged, node)
        if not untagged.step[0]:  # quoted, a block scalar, or the non-specific tag "!": text
            return node.value
        value = _PLAIN.get(node.value, _UNSEEN)
        return self.plain(node) if value is _UNSEEN else value

    def plain(self, node: yaml.Node) -> Any:
        """A plain scalar's value, by PyYAML's YAML 1.1 implicit resolvers."""
        text = node.value
        tag = _STR
        for rule_tag, regexp in _IMPLICIT.get(text[:1], ()):
            if regexp.match(text):
                tag = rule_tag
                break
        value = self.tagged(tag, node)
        if len(_PLAIN) < _PLAIN_MAX and len(text) <= _PLAIN_TEXT_MAX:
            _PLAIN[text] = value
        return value

    def tagged(self, tag: str, node: yaml.Node) -> Any:
        text = node.value
        if not tag.startswith(_TAG):
            raise DocumentError("data.yaml_tag", tag=_tag_text(tag), **_where(node))
        kind = tag[len(_TAG):]
        if kind == "str":
            return text
        if kind == "null":
            if text not in _NULL:  # only an explicit !!null on another word gets here
                raise DocumentError("data.bad_null", text=text, **_where(node))
            return None
        if kind == "bool":
            if text.lower() not in _BOOL:  # only an explicit !!bool on another word gets here
                raise DocumentError("data.bad_bool", text=text, **_where(node))
            return _BOOL[text.lower()]
        if kind == "int":
            return _yaml_int(text, node)
        if kind == "float":
            return _yaml_float(text, node)
        if kind == "timestamp":
            return _yaml_timestamp(text, node)
        if kind == "merge":
            raise DocumentError("data.yaml_merge", **_where(node))
        raise DocumentError("data.yaml_tag", tag=_tag_text(tag), **_where(node))


def _check_number_length(text: str, node: yaml.Node) -> None:
    if len(text) > MAX_NUMBER_CHARS:
        raise DocumentError("data.number_too_long", limit=MAX_NUMBER_CHARS, **_where(node))


def _yaml_int(text: str, node: yaml.Node) -> int:
    """YAML 1.1 integers as PyYAML reads them, except sexagesimal."""
    _check_number_length(text, node)
    try:
        return _int_value(text, node)
    except (ValueError, IndexError):  # only an explicit !!int tag on a non-number gets here
        raise DocumentError("data.bad_number", text=text, **_where(node)) from None


def _int_value(text: str, node: yaml.Node) -> int:
    value = text.replace("_", "")
    if ":" in value:
        raise DocumentError("data.sexagesimal", text=text, **_where(node))
    sign = -1 if value[0] == "-" else 1
    if value[0] in "+-":
        value = value[1:]
    if value == "0":
        return 0
    if value.startswith("0b"):
        return sign * int(value[2:], 2)
    if value.startswith("0x"):
        return sign * int(value[2:], 16)
    if value.startswith("0"):
        return sign * int(value, 8)
    return sign * int(value)


def _yaml_float(text: str, node: yaml.Node) -> float:
    """YAML 1.1 floats as PyYAML reads them, except sexagesimal."""
    _check_number_length(text, node)
    try:
        return _float_value(text, node)
    except (ValueError, IndexError):
        raise DocumentError("data.bad_number", text=text, **_where(node)) from None


def _float_value(text: str, node: yaml.Node) -> float:
    value = text.replace("_", "").lower()
    if ":" in value:
        raise DocumentError("data.sexagesimal", text=text, **_where(node))
    sign = -1 if value[0] == "-" else 1
    if value[0] in "+-":
        value = value[1:]
    if value == ".inf":
        return sign * float("inf")
    if value == ".nan":
        return float("nan")
    return sign * float(value)


def _yaml_timestamp(text: str, node: yaml.Node) -> datetime.date | datetime.datetime:
    """YAML 1.1 timestamps as PyYAML reads them; an impossible date or time
    (2025-02-30, 25:61) is refused with its place instead of raising."""
    match = _TIMESTAMP.match(text)
    if match is None:  # the resolver matched, so this does not happen; refuse rather than guess
        raise DocumentError("data.bad_date", text=text, **_where(node))
    parts = match.groupdict()
    try:
        year, month, day = int(parts["year"]), int(parts["month"]), int(parts["day"])
        if not parts["hour"]:
            return datetime.date(year, month, day)
        fraction = 0
        if parts["fraction"]:
            digits = parts["fraction"][:6]
            fraction = int(digits + "0" * (6 - len(digits)))
        tz = None
        if parts["tz_sign"]:
            delta = datetime.timedelta(hours=int(parts["tz_hour"]), minutes=int(parts["tz_minute"] or 0))
            tz = datetime.timezone(-delta if parts["tz_sign"] == "-" else delta)
        elif parts["tz"]:
            tz = datetime.UTC
        return datetime.datetime(year, month, day, int(parts["hour"]), int(parts["minute"]), int(parts["second"]),
                                 fraction, tzinfo=tz)
    except (ValueError, OverflowError):
        raise DocumentError("data.bad_date", text=text, **_where(node)) from None


# -- JSON --------------------------------------------------------------------------


def load_json(text: str) -> Any:
    """A JSON document as plain data, or DocumentError; json.JSONDecodeError
    for text that is not JSON."""
    document = json.loads(text, object_pairs_hook=_json_object, parse_int=lambda digits: _json_int(digits, text))
    check_unicode(document, text)
    return document


# \uD800-\uDFFF: half of a UTF-16 pair. JSON lets one stand alone; Python keeps it as a
# surrogate code point that no UTF-8 writer accepts, so it is refused where it is read.
_SURROGATE_ESCAPE = re.compile(r"\\u([dD][89a-fA-F][0-9a-fA-F]{2})")
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_unicode(document: Any, text: str) -> None:
    """DocumentError, located, when a string of a parsed JSON document holds
    a lone surrogate (\\udfff without its pair): it is not Unicode text."""
    if _SURROGATE_ESCAPE.search(text) is None:  # a paired escape decodes to one character; nothing to look at
        return
    for string in _strings(document):
        found = _SURROGATE.search(string)
        if found is not None:
            codepoint = ord(found.group())
            line, column = _position(text, _lone_escape_offset(text, codepoint))
            raise DocumentError("data.lone_surrogate", line, column, codepoint=f"\\u{codepoint:04x}")


def _strings(document: Any) -> Iterator[str]:
    """Every key and string value of a JSON document, without recursion."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _lone_escape_offset(text: str, codepoint: int) -> int:
    """Where the escape of a lone surrogate is written (-1 if not found)."""
    escapes = list(_SURROGATE_ESCAPE.finditer(text))
    for index, match in enumerate(escapes):
        value = int(match.group(1), 16)
        if value != codepoint:
            continue
        after = escapes[index + 1] if index + 1 < len(escapes) else None
        before = escapes[index - 1] if index else None
        paired_after = value < 0xDC00 and after is not None and after.start() == match.end() \
            and int(after.group(1), 16) >= 0xDC00
        paired_before = value >= 0xDC00 and before is not None and before.end() == match.start() \
            and int(before.group(1), 16) < 0xDC00
        if not paired_after and not paired_before:
            return match.start()
    return -1


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)  # at C speed; the loop below only when a key was written twice
    if len(out) == len(pairs):
        return out
    out = {}
    for key, value in pairs:  # a key written twice: name the first one repeated
        if key in out:
            raise DocumentError("data.duplicate_json_key", key=key)
        out[key] = value
    return out


def _json_int(digits: str, text: str) -> int:
    if len(digits) > MAX_NUMBER_CHARS:
        line, column = _position(text, text.find(digits))
        raise DocumentError("data.number_too_long", line, column, limit=MAX_NUMBER_CHARS)
    return int(digits)


def _position(text: str, offset: int) -> tuple[int, int]:
    if offset < 0:
        return 0, 0
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
