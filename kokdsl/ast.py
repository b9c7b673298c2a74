"""The abstract syntax tree of a rulebook.

Every node is a frozen attrs class with a Span. Spans take no part in equality,
so two ASTs compare by structure (a reformatted file gives an equal tree).

(Over 400 lines: one small class per construct of the language and the walk
over them; the tree is read whole, and split over modules it would not be.)
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterator
from typing import Any

import attrs


class Node:
    """What every node (and every compiled part, kokdsl/compiled.py) shares: a
    repr written once for all of them. attrs would generate one per class, a
    third of the time it takes to define the classes on every start of kok."""

    __slots__ = ()

    def __repr__(self) -> str:
        fields = attrs.fields(type(self))  # type: ignore[arg-type]
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields if f.repr)
        return f"{type(self).__qualname__}({shown})"



@attrs.frozen(repr=False)
class Span(Node):
    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


NO_SPAN = Span("<unknown>", 0, 0, 0, 0)


def span_field() -> Any:
    return attrs.field(default=NO_SPAN, eq=False, repr=False, kw_only=True)


def children(node: object) -> Iterator[Any]:
    """The nodes directly under node, in field order: an expression's
    operands (its fields that are nodes; a span is not a node)."""
    cls: Any = type(node)
    if not _is_node(cls):
        return
    for name in _field_names(cls):
        child: Any = getattr(node, name)
        kind: Any = type(child)
        if _is_node(kind):
            yield child


@functools.cache
def _is_node(cls: type) -> bool:
    return cls is not Span and attrs.has(cls)


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(field.name for field in attrs.fields(cls))


def walk(node: object) -> Iterator[Any]:
    """node and every node under it, depth first, node first (nothing for None).
    A stack, not recursion: lint walks every expression of a 20,000-requirement
    book several times."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current is None:
            continue
        yield current
        stack.extend(reversed(list(children(current))))


# -- types -------------------------------------------------------------------


@attrs.frozen(repr=False)
class TypeExpr(Node):
    """A declared type: kind is one of bool, integer, decimal, percent, text,
    date, schedule, enum, set, list. enum/set carry values, list a record name."""

    kind: str
    values: tuple[str, ...] = ()
    record: str | None = None
    # One per value when any value has `visas som`; () when none has.
    value_names: tuple[DisplayName | None, ...] = ()
    span: Span = span_field()


# -- expressions -------------------------------------------------------------


@attrs.frozen(repr=False)
class Literal(Node):
    """A constant. kind: integer, decimal, percent, text, date, bool, duration
    (a values.Duration)."""

    kind: str
    value: Any  # int | Fraction | str | datetime.date | bool | Duration, by kind
    span: Span = span_field()


@attrs.frozen(repr=False)
class AssessmentDate(Node):
    """`bedömningsdatum`: the date the centre is assessed on (the run date)."""

    span: Span = span_field()


@attrs.frozen(repr=False)
class SetLiteral(Node):
    """`{at, bt, st}`: closed-set values, typed by what they are used with."""

    values: tuple[str, ...]
    span: Span = span_field()


@attrs.frozen(repr=False)
class Between(Node):
    """`x mellan låg och hög`, both ends included."""

    operand: Expr
    low: Expr
    high: Expr
    span: Span = span_field()


@attrs.frozen(repr=False)
class AtLeast(Node):
    """`minst N av {a, b, c} i M`: at least N of the candidates are in M."""

    count: Expr
    candidates: Expr
    collection: Expr
    span: Span = span_field()


@attrs.frozen(repr=False)
class AroundTheClock(Node):
    span: Span = span_field()


@attrs.frozen(repr=False)
class Name(Node):
    name: str
    span: Span = span_field()


@attrs.frozen(repr=False)
class Field(Node):
    subject: Expr
    name: str
    span: Span = span_field()


@attrs.frozen(repr=False)
class Arith(Node):
    # + - * /, and for weekly schedules also "except" (utom: the same as -)
    # and "intersect" (snitt). + on two schedules is their union.
    op: str
    left: Expr
    right: Expr
    span: Span = span_field()


@attrs.frozen(repr=False)
class Compare(Node):
    op: str  # = != < <= > >=
    left: Expr
    right: Expr
    span: Span = span_field()


@attrs.frozen(repr=False)
class Covers(Node):
    left: Expr
    right: Expr
    span: Span = span_field()


@attrs.frozen(repr=False)
class Member(Node):
    element: Expr
    collection: Expr
    negated: bool = False
    span: Span = span_field()


@attrs.frozen(repr=False)
class Not(Node):
    operand: Expr
    span: Span = span_field()


@attrs.frozen(repr=False)
class Logic(Node):
    op: str  # and / or
    left: Expr
    right: Expr
    span: Span = span_field()


@attrs.frozen(repr=False)
class IfElse(Node):
    then: Expr
    condition: Expr
    otherwise: Expr
    span: Span = span_field()


@attrs.frozen(repr=False)
class Quantifier(Node):
    kind: str  # all / some / none
    var: str
    collection: Expr
    body: Expr
    span: Span = span_field()


@attrs.frozen(repr=False)
class Count(Node):
    """antal(L), or antal(x i L: condition) when var is set."""

    collection: Expr
    var: str | None = None
    condition: Expr | None = None
    span: Span = span_field()


@attrs.frozen(repr=False)
class Sum(Node):
    var: str
    collection: Expr
    body: Expr
    span: Span = span_field()


@attrs.frozen(repr=False)
class Hours(Node):
    operand: Expr
    span: Span = span_field()


Expr = (
    Literal | AroundTheClock | Name | Field | Arith | Compare | Covers | Member
    | Not | Logic | IfElse | Quantifier | Count | Sum | Hours
    | AssessmentDate | SetLiteral | Between | AtLeast
)


# -- declarations ------------------------------------------------------------


@attrs.frozen(repr=False)
class Reconstruction(Node):
    """`rekonstruktion "…" på engelska "…"`: the book is rebuilt from public
    documents, not the region's adopted KoK-bok. Every output made from it
    shows this statement where a reader cannot miss it."""

    sv: str
    en: str | None = None

    def text(self, lang: str) -> str:
        """The statement in `lang` (the Swedish one when no English is given)."""
        return self.en if lang == "en" and self.en else self.sv


@attrs.frozen(repr=False)
class Header(Node):
    name: str
    edition: int
    valid_from: datetime.date | None = None
    source: str | None = None
    # `urval`: the rulebook is a selection of the KoK-bok (optionally saying
    # which); None when it claims to be the whole book.
    selection: str | None = None
    # `status utkast`: a draft edition, never a ground for a decision.
    draft: bool = False
    # `rekonstruktion "…"`: None for a region's own adopted book.
    reconstruction: Reconstruction | None = None
    span: Span = span_field()


@attrs.frozen(repr=False)
class DisplayName(Node):
    """`visas som "öppettider" på engelska "opening hours"`: how reports name a
    fact or a record field instead of its identifier."""

    sv: str
    en: str | None = None
    singular: str | None = None  # `ental "vårdsamordnaren"`: one element of a list, definite
    singular_en: str | None = None
    span: Span = span_field()


@attrs.frozen(repr=False)
class FactDecl(Node):
    name: str
    type: TypeExpr
    doc: str | None = None
    input_only: bool = False  # `underlag`: an input, never checked on its own
    display: DisplayName | None = None
    doc_en: str | None = None  # the description `på engelska`
    span: Span = span_field()


@attrs.frozen(repr=False)
class FieldDecl(Node):
    name: str
    type: TypeExpr
    doc: str | None = None
    display: DisplayName | None = None
    doc_en: str | None = None  # the description `på engelska`
    span: Span = span_field()


@attrs.frozen(repr=False)
class RecordDecl(Node):
    name: str
    fields: tuple[FieldDecl, ...]
    # How a sentence names one element: "filialen" ("Filialen Låtsasvik …").
    display: DisplayName | None = None
    span: Span = span_field()


@attrs.frozen(repr=False)
class Chapter(Node):
    title: str
    text: str | None = None
    span: Span = span_field()


@attrs.frozen(repr=False)
class Review(Node):
    """`överprövning` and a text block: the region's text on how to apply
    for review of a decision, printed at the end of a rejection."""

    text: str
    span: Span = span_field()


@attrs.frozen(repr=False)
class LetterSetting(Node):
    """One of the rulebook's settings for the letters an officer signs:
    `dokumenttitel`, `avsändare`, `kompletteras till`, `undertecknas som`,
    their English forms and `överprövning på engelska`. `kind` is the keyword
    concept (doc_title, sender, …), `values` the strings written after it."""

    kind: str
    values: tuple[str, ...]
    span: Span = span_field()


# A requirement's status: in force decides; a proposal and an illustrative
# requirement are evaluated and shown, but never decide an applicant.
IN_FORCE = "in_force"
PROPOSAL = "proposal"
EXAMPLE = "example"
STATUSES = (IN_FORCE, PROPOSAL, EXAMPLE)


@attrs.frozen(repr=False)
class Source(Node):
    """`källa "…" daterad 2025-01-16`: a document and section, and when the
    document is dated (so a source newer than the edition can be caught)."""

    text: str
    date: datetime.date | None = None
    span: Span = span_field()


@attrs.frozen(repr=False)
class Silence(Node):
    """`tyst KOK103 "reason"`: a lint finding judged and accepted, with why."""

    code: str
    reason: str
    span: Span = span_field()


@attrs.frozen(repr=False)
class Requirement(Node):
    id: str
    title: str
    modality: str  # "skall" or "bör", whatever spelling the source used
    text: str | None
    condition: Expr | None
    check: Expr
    topic: str | None = None
    sources: tuple[Source, ...] = ()
    # None when the rulebook does not say: then it is in force.
    status: str | None = None
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    silenced: tuple[Silence, ...] = ()
    # Letters: the ground's own wording (`grund`), and the title, text and
    # ground in English.
    ground: str | None = None
    ground_en: str | None = None
    title_en: str | None = None
    text_en: str | None = None
    span: Span = span_field()
    id_span: Span = span_field()
    topic_span: Span = span_field()

    @property
    def source(self) -> str | None:
        """The sources as one text, for the places that show a single line."""
        return "; ".join(s.text for s in self.sources) if self.sources else None


@attrs.frozen(repr=False)
class Plausibility(Node):
    """`rimlighet "mening" [på engelska "…"] VILLKOR`: a condition reported
    figures must meet to be evidence (a part no larger than its whole, a share
    within 0-100 %). A self-report that breaks it has the facts the condition
    reads marked implausible; `alla x i lista: …` is judged element by element."""

    sentence: str
    sentence_en: str | None
    check: Expr
    span: Span = span_field()

    def text(self, lang: str) -> str:
        """The sentence for the supplement request, in `lang` (Swedish when no English is given)."""
        return self.sentence_en if lang == "en" and self.sentence_en else self.sentence


Item = Header | FactDecl | RecordDecl | Chapter | Review | LetterSetting | Requirement | Plausibility


@attrs.frozen(repr=False)
class Rulebook(Node):
    """A parsed rulebook: its items in source order."""

    items: tuple[Item, ...]
    file: str = attrs.field(default="<string>", eq=False)
