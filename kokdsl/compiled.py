"""The compiled rulebook: the facts schema and the checks, ready to evaluate.

This is what the compiler produces and every later stage reads. Types here are
semantic (resolved) types, unlike the TypeExpr nodes of the AST.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import attrs

from kokdsl import ast
from kokdsl.enums import Modality, Outcome

Env = dict[str, Any]  # fact name (or loop variable) -> value
Closure = Callable[[Env], Any]  # returns a value, or True, False or UNKNOWN for a check
# (facts, assessment date or None) -> every requirement's outcome, in book order;
# without a date, the facts' own (ASSESSMENT_DATE) or today.
OutcomeFunction = Callable[..., list[Outcome]]


@attrs.frozen(repr=False)
class Type(ast.Node):
    """kind: bool, integer, decimal, percent, text, date, schedule, enum, set,
    list, record; 'error' stands in after a reported error, so one mistake does
    not cascade into more messages. unit is for display only (hours: 'h')."""

    kind: str
    values: tuple[str, ...] = ()
    record: str | None = None
    unit: str | None = attrs.field(default=None, eq=False)
    # enum/set: the values' display names, one per value, or () when none has.
    value_names: tuple[ast.DisplayName | None, ...] = attrs.field(default=(), eq=False)

    def value_name(self, value: str, lang: str = "sv") -> str:
        """The words a report uses for a declared value (`högskola visas som
        "högskoleutbildning"`), else the value itself with spaces for underscores."""
        display = dict(zip(self.values, self.value_names, strict=False)).get(value)
        return _display_name(value, display, lang)

    @property
    def is_numeric(self) -> bool:
        """Integers, decimals and percentages: the kinds arithmetic and ordering work on."""
        return self.kind in ("integer", "decimal", "percent")


ERROR_TYPE = Type("error")
BOOL = Type("bool")
INTEGER = Type("integer")
DECIMAL = Type("decimal")
PERCENT = Type("percent")
TEXT = Type("text")
DATE = Type("date")
SCHEDULE = Type("schedule")
HOURS = Type("decimal", unit="h")
# Durations: a number of days (days, weeks) or of calendar months (months,
# years); the two cannot be compared, since a month has no fixed length.
DAYS = Type("days")
MONTHS = Type("months")


def _display_name(name: str, display: ast.DisplayName | None, lang: str) -> str:
    """The words a report uses for a fact or field: the rulebook's display name
    in the reader's language (English falls back to the Swedish one), else the
    identifier with spaces for underscores."""
    if display is not None:
        if lang == "en" and display.en:
            return display.en
        return display.sv
    return name.replace("_", " ")


@attrs.frozen(repr=False)
class FieldSpec(ast.Node):
    """One field of a record type, with its resolved type."""

    name: str
    type: Type
    doc: str | None = None
    display: ast.DisplayName | None = attrs.field(default=None, eq=False)
    doc_en: str | None = None

    def display_name(self, lang: str = "sv") -> str:
        """How a sentence names the field: its display name in lang, else its name in words."""
        return _display_name(self.name, self.display, lang)

    def description(self, lang: str = "sv") -> str | None:
        """The field's description in lang; None in English where the rulebook gives none."""
        return self.doc_en if lang == "en" else self.doc


@attrs.frozen(repr=False)
class RecordSpec(ast.Node):
    """A record type: the fields every element of a list of it has."""

    name: str
    fields: tuple[FieldSpec, ...]
    display: ast.DisplayName | None = attrs.field(default=None, eq=False)

    def display_name(self, lang: str = "sv") -> str:
        """How a sentence names one element ("filialen", "the branch")."""
        return _display_name(self.name, self.display, lang)

    def field(self, name: str) -> FieldSpec | None:
        """The field called name, or None when the record has none by that name."""
        for f in self.fields:
            if f.name == name:
                return f
        return None

    @property
    def label_field(self) -> str | None:
        """The field that names an element in explanations ("filial Påhittsby")."""
        for candidate in ("namn", "name", "benämning", "id"):
            f = self.field(candidate)
            if f is not None and f.type.kind == "text":
                return candidate
        return None


@attrs.frozen(repr=False)
class FactSpec(ast.Node):
    """A fact the self-report gives, with its resolved type."""

    name: str
    type: Type
    doc: str | None = None
    input_only: bool = False
    span: ast.Span = attrs.field(default=ast.NO_SPAN, eq=False)
    display: ast.DisplayName | None = attrs.field(default=None, eq=False)
    doc_en: str | None = None

    def display_name(self, lang: str = "sv") -> str:
        """How a sentence names the fact: its display name in lang, else its name in words."""
        return _display_name(self.name, self.display, lang)

    def description(self, lang: str = "sv") -> str | None:
        """The fact's description in lang; None in English where the rulebook gives none."""
        return self.doc_en if lang == "en" else self.doc

    def singular(self, lang: str = "sv") -> str | None:
        """How a letter names one element of this list (`ental "vårdsamordnaren"`), or None."""
        if self.display is None:
            return None
        return self.display.singular_en if lang == "en" else self.display.singular


# `undertecknas som beslut|tjänsteskrivelse`: the words for each choice, per language.
SIGNED_AS_WORDS = {"decision": ("beslut", "decision"), "memo": ("tjänsteskrivelse", "memo")}


def signed_as_kind(word: str) -> str | None:
    """'beslut'/'decision' -> "decision", 'tjänsteskrivelse'/'memo' -> "memo", else None."""
    for kind, spellings in SIGNED_AS_WORDS.items():
        if word.lower() in spellings:
            return kind
    return None


@attrs.frozen(repr=False)
class LetterSettings(ast.Node):
    """What the letters an officer signs take from the rulebook: the book's
    own title, the sender (region, unit, place), to whom supplements go, the
    review text in English, and whether the signed paper is the decision
    itself or a proposal to the decision-maker (a tjänsteskrivelse)."""

    doc_title: str | None = None
    doc_title_en: str | None = None
    region: str | None = None
    unit: str | None = None
    place: str | None = None
    region_en: str | None = None
    unit_en: str | None = None
    supplement_contact: str | None = None
    supplement_contact_en: str | None = None
    review_en: str | None = None
    signed_as: str = "decision"  # "decision" or "memo"


@attrs.frozen(repr=False)
class CompiledRequirement(ast.Node):
    """One requirement, checked: its condition and check as AST and as
    closures, and the facts it reads."""

    id: str
    title: str
    modality: Modality
    text: str | None
    chapter: str | None
    topic: str | None
    source: str | None
    condition: ast.Expr | None
    check: ast.Expr
    # Closures over an environment dict; they return True, False or UNKNOWN.
    condition_fn: Closure | None = attrs.field(eq=False, repr=False)
    check_fn: Closure = attrs.field(eq=False, repr=False)
    # fact name -> record fields read (empty: the fact as a whole)
    dependencies: dict[str, frozenset[str]] = attrs.field(eq=False, repr=False, factory=dict)
    span: ast.Span = attrs.field(default=ast.NO_SPAN, eq=False)
    status: str = ast.IN_FORCE  # ast.IN_FORCE, ast.PROPOSAL or ast.EXAMPLE
    sources: tuple[ast.Source, ...] = ()
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    ground: str | None = None  # `grund`: the ground's own wording in a letter
    ground_en: str | None = None
    title_en: str | None = None
    text_en: str | None = None

    def title_in(self, lang: str) -> str:
        """The title in `lang` where the rulebook gives it, else as written (Swedish)."""
        return self.title_en if lang == "en" and self.title_en else self.title

    def text_in(self, lang: str) -> str | None:
        """The requirement text in `lang` where the rulebook gives it, else as written."""
        return self.text_en if lang == "en" and self.text_en else self.text

    @property
    def is_mandatory(self) -> bool:
        """A skall requirement: not meeting it is a reason for rejection, a bör only a remark."""
        return self.modality is Modality.SHALL

    @property
    def in_force(self) -> bool:
        """Whether the requirement decides an applicant: proposals and
        illustrative requirements are shown, never decisive."""
        return self.status == ast.IN_FORCE

    def valid_on(self, day: datetime.date) -> bool:
        """Whether `day` falls within the requirement's own validity."""
        return (self.valid_from is None or day >= self.valid_from) and (self.valid_to is None or day <= self.valid_to)


@attrs.frozen(repr=False)
class CompiledPlausibility(ast.Node):
    """A plausibility rule, compiled: its condition as a closure and, for a
    rule judged element by element (`alla x i lista: …`), its body's closure."""

    rule: ast.Plausibility
    check_fn: Closure = attrs.field(eq=False, repr=False)
    dependencies: dict[str, frozenset[str]] = attrs.field(eq=False, repr=False, factory=dict)
    each: tuple[str, str] | None = None  # (loop variable, list fact)
    body_fn: Closure | None = attrs.field(default=None, eq=False, repr=False)

    def text(self, lang: str) -> str:
        """The rule's sentence in `lang`."""
        return self.rule.text(lang)


@attrs.frozen(repr=False)
class CompiledRulebook(ast.Node):
    """A checked rulebook, ready to evaluate: the facts a self-report holds,
    the record types, and each requirement with its closures. Built by
    compiler.compile_rulebook (usually through pipeline.load_rulebook);
    immutable apart from `runtime`, the per-process cache of the evaluator."""

    name: str
    edition: int
    valid_from: datetime.date | None
    source: str | None
    facts: tuple[FactSpec, ...]
    records: dict[str, RecordSpec] = attrs.field(eq=False)
    requirements: tuple[CompiledRequirement, ...]
    chapters: tuple[ast.Chapter, ...] = ()
    # `urval`: None for the whole KoK-bok, else which part ("" when unsaid).
    selection: str | None = None
    # `status utkast`: a draft edition; its decisions are never a ground for a decision.
    draft: bool = False
    # `rekonstruktion "…"`: the book is rebuilt from public documents (None: the region's own book).
    reconstruction: ast.Reconstruction | None = None
    # `rimlighet`: conditions reported figures must meet to be evidence, in book order.
    plausibilities: tuple[CompiledPlausibility, ...] = ()
    # `överprövning`: how to apply for review, in the rulebook's words (None: not given).
    review: str | None = None
    # What letters take from the rulebook (dokumenttitel, avsändare, …).
    letters: LetterSettings = LetterSettings()
    sha256: str = ""
    file: str = ""
    # Compiled closures of every sub-expression, so explanations can re-use
    # them: id(ast node) -> closure.
    closures: dict[int, Closure] = attrs.field(factory=dict, eq=False, repr=False)
    types: dict[int, Type] = attrs.field(factory=dict, eq=False, repr=False)
    # Writes the generated fast path (codegen.py) when first needed, so that
    # `kok check` never pays for it: facts dict -> outcomes in book order.
    codegen: Callable[[], OutcomeFunction] | None = attrs.field(default=None, eq=False, repr=False)
    # What the evaluator keeps per rulebook in this process: the generated
    # function, the shared "met" results, how often the rulebook was used.
    runtime: dict[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    def outcome_function(self) -> OutcomeFunction:
        """The generated fast path (written on first use)."""
        fn: OutcomeFunction | None = self.runtime.get("outcomes")
        if fn is None:
            if self.codegen is None:
                raise ValueError(f"{self.name}: a rulebook built without its code generator")
            fn = self.runtime["outcomes"] = self.codegen()
        return fn

    def fact(self, name: str) -> FactSpec | None:
        """The declared fact called name, or None when the rulebook declares none by that name."""
        for f in self.facts:
            if f.name == name:
                return f
        return None

    def record_type(self, t: Type) -> RecordSpec:
        """The record type of a list type; KeyError for a type that names none."""
        if t.record is None:
            raise KeyError(f"{t.kind} names no record type")
        return self.records[t.record]

    def requirement(self, req_id: str) -> CompiledRequirement | None:
        """The requirement with this number, or None when the rulebook has none."""
        for r in self.requirements:
            if r.id == req_id:
                return r
        return None
