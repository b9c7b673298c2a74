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
and number bounds. Building only plain values also makes loading about twice
as fast as the safe loader.
"""

from __future__ import annotations

import datetime
import json
import re

import yaml
from yaml.resolver import Resolver

from kokdsl.errors import KokError
from kokdsl.values import MAX_NUMBER_CHARS

MAX_ALIAS_NODES = 10_000  # values an alias may repeat, summed over the document

try:  # libyaml's parser; yaml's own namespace does not export it
    from yaml.cyaml import CParser as _Parser
except ImportError:  # PyYAML built without libyaml
    _Parser = None


class DocumentError(KokError):
    """The document cannot be read: a message code, its parameters and, for
    YAML, the line and column (1-based) it concerns. selfreport adds the file."""

    def __init__(self, code: str, line: int = 0, column: int = 0, **params):
        super().__init__(code, line=line, column=column, **params)


# -- YAML --------------------------------------------------------------------------

if _Parser is not None:
    class _Composer(_Parser, Resolver):
        """The C parser and composer with the YAML 1.1 implicit resolver: it
        yields the node graph; nothing is constructed yet."""

        def __init__(self, stream):
            _Parser.__init__(self, stream)
            Resolver.__init__(self)
else:  # no libyaml: the pure-Python parser gives the same nodes, more slowly
    class _Composer(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer, Resolver):
        def __init__(self, stream):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            Resolver.__init__(self)


def compose_yaml(text: str):
    """The root node of a single YAML document (None when it is empty).
    Raises yaml.YAMLError for text that is not YAML."""
    composer = _Composer(text)
    try:
        return composer.get_single_node()
    finally:
        composer.dispose()


def load_yaml(text: str):
    """A YAML document as plain data, or DocumentError."""
    node = compose_yaml(text)
    return None if node is None else _Builder().build(node)


_TAG = "tag:yaml.org,2002:"
_BOOL = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
_TIMESTAMP = re.compile(
    r"""^(?P<year>[0-9][0-9][0-9][0-9])-(?P<month>[0-9][0-9]?)-(?P<day>[0-9][0-9]?)
    (?:(?:[Tt]|[ \t]+)(?P<hour>[0-9][0-9]?):(?P<minute>[0-9][0-9]):(?P<second>[0-9][0-9])
    (?:\.(?P<fraction>[0-9]*))?(?:[ \t]*(?P<tz>Z|(?P<tz_sign>[-+])(?P<tz_hour>[0-9][0-9]?)
    (?::(?P<tz_minute>[0-9][0-9]))?))?)?$""", re.X)


def _tag_text(tag: str) -> str:
    """A tag as it is written: !!python/object rather than tag:yaml.org,2002:python/object."""
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag


def _where(node) -> dict:
    return {"line": node.start_mark.line + 1, "column": node.start_mark.column + 1}


class _Builder:
    """Node graph -> dicts, lists and scalars, without recursion (so nesting
    cannot exhaust the stack) and with every alias counted."""

    def __init__(self):
        self.built: dict[int, object] = {}  # id(node) -> value, for aliases
        self.sizes: dict[int, int] = {}
        self.alias_nodes = 0

    def build(self, root):
        # Two passes over an explicit stack: children are built before their parent.
        stack = [(root, False)]
        in_progress: set[int] = set()
        while stack:
            node, children_done = stack.pop()
            key = id(node)
            if key in self.built and not children_done:
                self._count_alias(node)
                continue
            if isinstance(node, yaml.ScalarNode):
                self.built[key] = self.scalar(node)
                continue
            if not children_done:
                if key in in_progress:  # an alias to a collection that contains it
                    raise DocumentError("data.recursive_alias", **_where(node))
                in_progress.add(key)
                stack.append((node, True))
                children = node.value if isinstance(node, yaml.SequenceNode) else \
                    [part for pair in node.value for part in pair]
                stack.extend((child, False) for child in reversed(children))
                continue
            in_progress.discard(key)
            self.built[key] = self.sequence(node) if isinstance(node, yaml.SequenceNode) else self.mapping(node)
        return self.built[id(root)]

    def _count_alias(self, node) -> None:
        """An alias repeats its node's whole value: count what it would expand to."""
        self.alias_nodes += self._size(node)
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise DocumentError("data.too_many_aliases", limit=MAX_ALIAS_NODES, **_where(node))

    def _size(self, node) -> int:
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

    def sequence(self, node) -> list:
        self._check_tag(node, "seq")
        return [self.built[id(child)] for child in node.value]

    def mapping(self, node) -> dict:
        self._check_tag(node, "map")
        out: dict = {}
        first_line: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                raise DocumentError("data.yaml_merge", **_where(key_node))
            if not isinstance(key_node, yaml.ScalarNode):
                raise DocumentError("data.complex_key", **_where(key_node))
            key = self.built[id(key_node)]
            try:
                hash(key)
            except TypeError:
                raise DocumentError("data.complex_key", **_where(key_node)) from None
            if key in out:
                raise DocumentError("data.duplicate_key", key=str(key), first_line=first_line[key],
                                    **_where(key_node))
            out[key] = self.built[id(value_node)]
            first_line[key] = key_node.start_mark.line + 1
        return out

    def _check_tag(self, node, kind: str) -> None:
        if node.tag != _TAG + kind:
            raise DocumentError("data.yaml_tag", tag=_tag_text(node.tag), **_where(node))

    def scalar(self, node):
        tag, text = node.tag, node.value
        if not tag.startswith(_TAG):
            raise DocumentError("data.yaml_tag", tag=_tag_text(tag), **_where(node))
        kind = tag[len(_TAG):]
        if kind == "str":
            return text
        if kind == "null":
            return None
        if kind == "bool":
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


def _check_number_length(text: str, node) -> None:
    if len(text) > MAX_NUMBER_CHARS:
        raise DocumentError("data.number_too_long", limit=MAX_NUMBER_CHARS, **_where(node))


def _yaml_int(text: str, node) -> int:
    """YAML 1.1 integers as PyYAML reads them, except sexagesimal."""
    _check_number_length(text, node)
    try:
        return _int_value(text, node)
    except (ValueError, IndexError):  # only an explicit !!int tag on a non-number gets here
        raise DocumentError("data.bad_number", text=text, **_where(node)) from None


def _int_value(text: str, node) -> int:
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


def _yaml_float(text: str, node) -> float:
    """YAML 1.1 floats as PyYAML reads them, except sexagesimal."""
    _check_number_length(text, node)
    try:
        return _float_value(text, node)
    except (ValueError, IndexError):
        raise DocumentError("data.bad_number", text=text, **_where(node)) from None


def _float_value(text: str, node) -> float:
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


def _yaml_timestamp(text: str, node) -> datetime.date | datetime.datetime:
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


def load_json(text: str):
    """A JSON document as plain data, or DocumentError; json.JSONDecodeError
    for text that is not JSON."""
    return json.loads(text, object_pairs_hook=_json_object, parse_int=lambda digits: _json_int(digits, text))


def _json_object(pairs: list) -> dict:
    out = {}
    for key, value in pairs:
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
