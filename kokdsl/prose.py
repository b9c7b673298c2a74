"""Checks and their results in the officer's words, in Swedish and English.

Every sentence the tool writes about a requirement is built here, from one
template per construct (covers, comparison, membership, quantifiers, count,
sum, schedule algebra, dates) and the words the rulebook supplies: each fact
and record field may carry a display name (`visas som "…" på engelska "…"`);
without one, its identifier is written as words. No DSL identifier, JSON path
or operator symbol reaches the text: those stay in the evidence and the JSON.

(Longer than our usual 400 lines on purpose: the templates and the one
explainer method per construct belong together, so that a construct's words
and the way its trace is read are reviewed side by side.)

- `explain(result)`: why a requirement has its outcome, from the evaluator's
  trace (the sub-results that decided it, computed by the same closures that
  decided the outcome) as a list of Findings;
- `check_sentence(node, rulebook, lang)`: a requirement's check (an AST
  expression) as a sentence, for the published book;
- `phrase(node, rulebook, lang)`: an expression as a noun phrase.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import Any, cast

import attrs

from kokdsl import ast
from kokdsl.compiled import CompiledRulebook, Type
from kokdsl.enums import Outcome
from kokdsl.evaluator import Element, Finding, RequirementResult, Trace
from kokdsl.formatting import format_list, format_number, format_percent
from kokdsl.messages import message
from kokdsl.schedule import AROUND_THE_CLOCK, Schedule
from kokdsl.values import UNKNOWN, RecordValue
from kokdsl.visitor import NodeVisitor

SV, EN = "sv", "en"

# Comparison and arithmetic operators in words, by their catalogue ids
# (prose.op.*, prose.arith.*, prose.schedule.*). "=" reads as nothing before a
# plain value ("utbildning: yrkeshögskola; kravet är högskola").
_OP_WORDS = {">=": "at_least", ">": "more_than", "<=": "at_most", "<": "less_than", "!=": "not"}
_OP_WORDS_VS_PHRASE = {"=": "same_as", "!=": "not_same_as"}
_ARITH_WORDS = {"+": "plus", "-": "minus", "*": "times", "/": "divided_by", "except": "except",
                "intersect": "intersect"}
_SCHEDULE_WORDS = {"+": "together_with", "-": "except", "except": "except", "intersect": "at_same_time"}


def _word(family: str, words: dict[str, str], op: str, lang: str) -> str:
    """An operator in words; one without a word stays as written."""
    return message(f"prose.{family}.{words[op]}", lang) if op in words else op


def template(code: str, lang: str, **params: object) -> str:
    """One construct's sentence (catalogue id prose.<code>) in one language,
    filled with rendered phrases."""
    return message("prose." + code, lang, **params)


def sentence(code: str, lang: str, params: dict[str, object]) -> str:
    """A Finding's text: its template filled with its rendered parameters."""
    text = params.get("text")
    if isinstance(text, (Text, WrittenText)):  # written per language, by the finding's maker
        return text.render(lang)
    rendered = {k: (v.render(lang) if isinstance(v, (Text, WrittenText)) else v) for k, v in params.items()}
    return template(code, lang, **rendered)


# -- the words the rulebook supplies ---------------------------------------------


def words(identifier: str) -> str:
    """An identifier without a display name, written as words."""
    return identifier.replace("_", " ")


class Names:
    """Display names of facts, record fields and records, per language."""

    def __init__(self, rulebook: CompiledRulebook) -> None:
        self.rulebook = rulebook

    def fact(self, name: str, lang: str) -> str:
        """A fact as the rulebook names it ("antal listade"), else its identifier as words."""
        spec = self.rulebook.fact(name)
        return spec.display_name(lang) if spec is not None else words(name)

    def field(self, record: str | None, name: str, lang: str) -> str:
        """A record field as the rulebook names it ("godkänd av regionen"), else as words."""
        spec = self.rulebook.records.get(record) if record else None
        field = spec.field(name) if spec is not None else None
        return field.display_name(lang) if field is not None else words(name)

    def record(self, record: str | None, lang: str) -> str:
        """A record type's own name as words, for "för minst en person i …"."""
        return words(record or "")

    def element(self, record: str | None, lang: str) -> str:
        """How one named element is introduced: the rulebook's display name
        ("filialen Låtsasvik", "the branch Låtsasvik"), else the record's name."""
        spec = self.rulebook.records.get(record) if record else None
        return spec.display_name(lang) if spec is not None else self.record(record, lang)


# -- values ----------------------------------------------------------------------------


def number(value: int | Fraction, lang: str) -> str:
    """'6 500', '38,5' in Swedish; '6,500', '38.5' in English."""
    return format_number(value, lang)


def _value_name(value: str, t: Type | None, lang: str) -> str:
    """A closed-set value in the rulebook's words ("filial" -> "branch" in English)."""
    return t.value_name(value, lang) if t is not None and t.kind in ("enum", "set") else words(value)


def value_text(value: object, t: Type | None, lang: str, unit: str | None = None) -> str:
    """A value the way an officer writes it in a letter."""
    from kokdsl.values import format_value

    kind = t.kind if t else None
    unit = unit or (t.unit if t else None)
    if value is UNKNOWN:
        return message("value.unknown", lang)
    if isinstance(value, bool):
        return message("value.yes" if value else "value.no", lang)
    if kind == "percent" and isinstance(value, (int, Fraction)):
        return format_percent(value, lang)  # "94 %" in Swedish (Språkrådet), "94%" in English
    if isinstance(value, (int, Fraction)):
        return message("prose.hours", lang, count=value) if unit == "h" else number(value, lang)
    if isinstance(value, str) and kind in ("enum", "set") and t is not None:
        return t.value_name(value, lang)
    if isinstance(value, str) and kind in ("enum", "set"):
        return words(value)
    if isinstance(value, frozenset):
        name = t.value_name if t is not None else (lambda v, _lang: words(v))
        return format_list([name(v, lang) for v in sorted(value)], lang) if value else message(
            "value.none_given", lang)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Schedule) and value:
        return _schedule(value, lang)
    return format_value(value, kind, lang)


# -- phrases: expressions as noun phrases ----------------------------------------------


class _Context:
    def __init__(self, rulebook: CompiledRulebook, lang: str) -> None:
        self.rulebook = rulebook
        self.names = Names(rulebook)
        self.lang = lang
        # id(node) -> (node, its phrase): an expression's phrase depends only on
        # the node, the rulebook and the language, and the explainer's context
        # lives as long as its rulebook. The node is kept, so its id is never reused.
        self.phrases: dict[int, tuple[object, str]] = {}

    def type(self, node: object) -> Type | None:
        return self.rulebook.types.get(id(node))

    def t(self, code: str, **params: object) -> str:
        return template(code, self.lang, **params)

    def record_of(self, collection: object) -> str:
        t = self.type(collection)
        return self.names.record(t.record if t is not None else None, self.lang)

    def element_of(self, collection: object) -> str:
        t = self.type(collection)
        return self.names.element(t.record if t is not None else None, self.lang)


def phrase(node: object, rulebook: CompiledRulebook, lang: str) -> str:
    """An expression as a noun phrase: 'timmar per vecka enligt öppettider'."""
    return _phrase(node, _Context(rulebook, lang))


PHRASES_KEPT = 4096


def _phrase(node: object, ctx: _Context) -> str:
    kept = ctx.phrases.get(id(node))
    if kept is not None and kept[0] is node:
        return kept[1]
    if len(ctx.phrases) >= PHRASES_KEPT:
        ctx.phrases.clear()
    text = _phrase_of(node, ctx)
    ctx.phrases[id(node)] = (node, text)
    return text


def _phrase_of(node: object, ctx: _Context) -> str:
    lang = ctx.lang
    match node:
        case ast.Name(name=name):
            t = ctx.type(node)
            if ctx.rulebook.fact(name) is not None and (t is None or t.kind != "record"):
                return ctx.names.fact(name, lang)
            if t is not None and t.kind == "record":
                return ctx.names.record(t.record, lang)
            if t is not None and t.kind in ("enum", "set") and name not in t.values:
                return ctx.t("phrase.bound_value")  # `v` in `alla v i m: …`: the value at hand
            return _value_name(name, t, lang)  # a closed-set value
        case ast.Field(subject=subject, name=name):
            st = ctx.type(subject)
            field = ctx.names.field(st.record if st is not None else None, name, lang)
            if isinstance(subject, ast.Name) and st is not None and st.kind == "record":
                return field  # the element is named before the clause
            return ctx.t("phrase.field_of", field=field, subject=_phrase(subject, ctx))
        case ast.Literal(kind=kind, value=value):
            return value_text(value, Type(kind), lang)
        case ast.AroundTheClock():
            return ctx.t("phrase.around_the_clock")
        case ast.AssessmentDate():
            return ctx.t("phrase.assessment_date")
        case ast.SetLiteral(values=values):
            return format_list([_value_name(v, ctx.type(node), lang) for v in values], lang, style="or")
        case ast.Hours(operand=x):
            return ctx.t("phrase.hours", x=_phrase(x, ctx))
        case ast.Count(collection=x, var=None):
            return ctx.t("phrase.count", x=_phrase(x, ctx))
        case ast.Count(collection=x, condition=cond):
            ct = ctx.type(cond)
            if isinstance(cond, (ast.Name, ast.Field)) and ct is not None and ct.kind == "bool":
                return ctx.t("phrase.count_with", x=_phrase(x, ctx), cond=_phrase(cond, ctx))
            return ctx.t("phrase.count_where", x=_phrase(x, ctx), cond=_check(cond, ctx))
        case ast.Sum(collection=x, body=body):
            return ctx.t("phrase.sum", body=_phrase(body, ctx), x=_phrase(x, ctx))
        case ast.Arith(op="*", left=ast.Literal(kind="percent") as share, right=x) | \
                ast.Arith(op="*", left=x, right=ast.Literal(kind="percent") as share):
            return ctx.t("phrase.share_of", share=_phrase(share, ctx), x=_phrase(x, ctx))
        case ast.Arith(op=op, left=a, right=b):
            t = ctx.type(node)
            if t is not None and t.kind == "schedule":  # sets of hours, not numbers
                return f"{_phrase(a, ctx)} {_word('schedule', _SCHEDULE_WORDS, op, lang)} {_phrase(b, ctx)}"
            return f"{_phrase(a, ctx)} {_word('arith', _ARITH_WORDS, op, lang)} {_phrase(b, ctx)}"
        case ast.IfElse(then=a, condition=cond, otherwise=b):
            return ctx.t("phrase.if_else", a=_phrase(a, ctx), cond=_check(cond, ctx), b=_phrase(b, ctx))
    return _check(node, ctx)


# -- check sentences: what a requirement demands ----------------------------------------


def check_sentence(node: object, rulebook: CompiledRulebook, lang: str) -> str:
    """A requirement's check as a sentence: 'Timmar per vecka enligt
    öppettider är minst 40 om antal listade är mindre än 6500, annars 45.'"""
    return _capitalise(_check(node, _Context(rulebook, lang))) + "."


def check_clause(node: object, rulebook: CompiledRulebook, lang: str) -> str:
    """A check as a clause inside a sentence ("Gäller om: filial ingår i tilläggsuppdrag")."""
    return _check(node, _Context(rulebook, lang))


def _check(node: object, ctx: _Context) -> str:
    lang = ctx.lang
    if isinstance(node, ast.Compare):
        node = _fact_first(node, ctx)
    match node:
        case ast.Compare(op="!=", left=left, right=right) if _is_empty_text(right):
            return ctx.t("check.filled", left=_phrase(left, ctx))
        case ast.Compare(op=op, left=left, right=right):
            return ctx.t("check.compare", left=_phrase(left, ctx), op=_op_words(op, right, ctx),
                         right=_phrase(right, ctx)).replace("  ", " ")
        case ast.Covers(left=left, right=right):
            return ctx.t("check.covers", left=_phrase(left, ctx), right=_phrase(right, ctx))
        case ast.Member(element=e, collection=c, negated=negated):
            return ctx.t("check.not_member" if negated else "check.member",
                         element=_phrase(e, ctx), collection=_phrase(c, ctx))
        case ast.Not(operand=x):
            return ctx.t("check.not", clause=_check(x, ctx))
        case ast.Logic(op=op, left=a, right=b):
            return ctx.t(f"check.{op}", a=_check(a, ctx), b=_check(b, ctx))
        case ast.Quantifier(kind=kind, collection=x, body=body):
            xt = ctx.type(x)
            code = f"check.{kind}.value" if kind != "all" and xt is not None and xt.kind == "set" else f"check.{kind}"
            return ctx.t(code, record=ctx.record_of(x), x=_phrase(x, ctx), body=_check(body, ctx))
        case ast.IfElse(then=a, condition=cond, otherwise=b):
            return ctx.t("check.if_else", a=_check(a, ctx), cond=_check(cond, ctx), b=_check(b, ctx))
        case ast.Name() | ast.Field():
            t = ctx.type(node)
            if t is not None and t.kind == "bool":
                return ctx.t("check.bool", name=_phrase(node, ctx))
        case ast.Literal(kind="bool", value=value):
            return message("value.yes" if value else "value.no", lang)
        case ast.Between(operand=x, low=low, high=high):
            return ctx.t("check.between", x=_phrase(x, ctx), low=_phrase(low, ctx), high=_phrase(high, ctx))
        case ast.AtLeast(count=n, candidates=c, collection=m):
            return ctx.t("check.at_least", n=_phrase(n, ctx), candidates=_phrase(c, ctx), collection=_phrase(m, ctx))
    if isinstance(node, (ast.Name, ast.Field, ast.Literal, ast.AroundTheClock, ast.Hours, ast.Count,
                         ast.Sum, ast.Arith)):
        return _phrase(node, ctx)
    return _unknown_construct(node, ctx)


def _unknown_construct(node: object, ctx: _Context) -> str:
    """A construct without a template of its own: its operands' phrases."""
    parts = [_phrase(c, ctx) for c in ast.children(node)]
    return ", ".join(parts) if parts else words(type(node).__name__.lower())


# Dates are compared in time: "tidigast 2025-01-01", not "minst".
_DATE_OP_WORDS = {">=": "on_or_after", ">": "after", "<=": "on_or_before", "<": "before"}


def _is_plain(node: object, ctx: _Context) -> bool:
    """A literal or a closed-set value: compared as a value, not as another fact."""
    return isinstance(node, ast.Literal) or (isinstance(node, ast.Name) and ctx.rulebook.fact(node.name) is None)


_MIRRORED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}


def _fact_first(node: ast.Compare, ctx: _Context) -> ast.Compare:
    """`2024-01-01 <= d` said with the fact first: "startdatum är tidigast 2024-01-01"."""
    if _is_plain(node.left, ctx) and not _is_plain(node.right, ctx):
        return ast.Compare(_MIRRORED[node.op], node.right, node.left, span=node.span)
    return node


def _op_words(op: str, right: object, ctx: _Context) -> str:
    t = ctx.type(right)
    if t is not None and t.kind == "date" and op in _DATE_OP_WORDS:
        return _word("op", _DATE_OP_WORDS, op, ctx.lang)
    if op in ("=", "!=") and not _is_plain(right, ctx):
        return _word("op", _OP_WORDS_VS_PHRASE, op, ctx.lang)
    return "" if op == "=" else _word("op", _OP_WORDS, op, ctx.lang)


# -- explanations: why a requirement has its outcome ------------------------------------


@attrs.frozen
class Text:
    """Text already written in one language, and in the other."""

    sv: str
    en: str

    def render(self, lang: str) -> str:
        """The text in the reader's language."""
        return self.en if lang == EN else self.sv


TextFn = Callable[[_Context], str]
Findings = list[Finding]


class WrittenText:
    """Text written in a language when first read in it, then kept: a report
    is read in one language, and writing both was half an explanation's cost.
    Equal to a Text or WrittenText with the same words in both languages."""

    __slots__ = ("_write", "_contexts", "_written")

    def __init__(self, write: TextFn, contexts: dict[str, _Context]) -> None:
        self._write: TextFn | None = write
        self._contexts: dict[str, _Context] | None = contexts
        self._written: dict[str, str] = {}

    def render(self, lang: str) -> str:
        """The text in the reader's language."""
        lang = EN if lang == EN else SV
        text = self._written.get(lang)
        if text is None:
            assert self._write is not None and self._contexts is not None  # both are written before they go
            text = self._written[lang] = self._write(self._contexts[lang])
        return text

    def write_out(self) -> None:
        """Write the text in every language, and let go of what it is written from."""
        for lang in (SV, EN):
            self.render(lang)
        self._write = self._contexts = None

    @property
    def sv(self) -> str:
        """The Swedish text."""
        return self.render(SV)

    @property
    def en(self) -> str:
        """The English text."""
        return self.render(EN)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (Text, WrittenText)):
            return (self.sv, self.en) == (other.sv, other.en)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.sv, self.en))

    def __repr__(self) -> str:
        return f"WrittenText(sv={self.sv!r}, en={self.en!r})"


class _Explainer(NodeVisitor):
    method_prefix = "explain_"

    def __init__(self, rulebook: CompiledRulebook) -> None:
        self.rulebook = rulebook
        self.contexts = {lang: _Context(rulebook, lang) for lang in (SV, EN)}

    def text(self, fn: TextFn) -> WrittenText:
        return WrittenText(fn, self.contexts)

    def clause(self, code: str, fn: TextFn, children: Iterable[Finding] = (), path: str | None = None) -> Finding:
        """A finding of one construct (code) whose text fn(ctx) writes per language."""
        return Finding("prose." + code, {"text": self.text(fn)}, tuple(children), path)

    def explain(self, tr: Trace) -> list[Finding]:
        """Findings for why tr.node has tr.value."""
        found = cast("Findings | None", self.visit(tr.node, tr))
        if found is not None:
            return found
        if tr.value is UNKNOWN:
            return self.unknown(tr)
        return [self.clause("value", lambda ctx: self.value_clause(tr, ctx))]

    def generic_visit(self, node: object, *args: object) -> None:
        return None  # no rule of its own: the value, or what made it unknown

    # ---- leaves
    def value_clause(self, tr: Trace, ctx: _Context) -> str:
        t = ctx.type(tr.node)
        if t is not None and t.kind == "bool" and isinstance(tr.value, bool):
            return ctx.t("bool.value", name=_phrase(tr.node, ctx), value=value_text(tr.value, t, ctx.lang))
        if isinstance(tr.node, (ast.Literal, ast.AroundTheClock)):
            return _phrase(tr.node, ctx)
        return ctx.t("value.with_phrase", phrase=_phrase(tr.node, ctx), value=value_text(tr.value, t, ctx.lang))

    def unknown(self, tr: Trace) -> list[Finding]:
        if tr.path is not None:
            code = "unknown.field" if isinstance(tr.node, ast.Field) else "unknown.fact"
            return [self.clause(code, lambda ctx: ctx.t(code, name=_phrase(tr.node, ctx)), path=tr.path)]
        out = []
        for part in tr.parts:
            if part.value is UNKNOWN:
                out += self.explain(part)
        if not out and isinstance(tr.node, ast.Arith) and tr.node.op == "/":
            out.append(self.clause("unknown.division",
                                   lambda ctx: ctx.t("unknown.division", phrase=_phrase(tr.node, ctx))))
        return out

    # ---- logic
    def explain_Logic(self, node: ast.Logic, tr: Trace) -> Findings:
        out = []
        for part in tr.parts:
            out += self.explain(part)
        return out

    def explain_Not(self, node: ast.Not, tr: Trace) -> Findings:
        operand = tr.parts[0]
        found = self.explain(operand)
        if operand.value is True:
            return [self.negated(f) for f in found]
        return found

    def negated(self, finding: Finding) -> Finding:
        return self.clause("not.holds", lambda ctx: ctx.t("not.holds", clause=_flattened_text(finding, ctx.lang)),
                           finding.children, finding.path)

    def explain_IfElse(self, node: ast.IfElse, tr: Trace) -> Findings:
        out = []
        for part in tr.parts:
            out += self.explain(part)
        return out

    # ---- comparison
    def fact_first(self, tr: Trace) -> Trace:
        """A comparison's trace with the fact on the left, as it is said."""
        flipped = _fact_first(cast(ast.Compare, tr.node), self.contexts[SV])
        return attrs.evolve(tr, node=flipped, parts=tr.parts[::-1]) if flipped is not tr.node else tr

    def explain_Compare(self, node: ast.Compare, tr: Trace) -> Findings | None:
        if tr.value is UNKNOWN:
            return None
        if len(tr.parts) == 3 and isinstance(node.right, ast.IfElse):  # both branches of an unknown condition
            return [self.against_branches(node, node.right, tr)]
        tr = self.fact_first(tr)
        node = cast(ast.Compare, tr.node)
        left, right = tr.parts
        reasons = _chosen_by(left) + _chosen_by(right)
        if node.op == "!=" and _is_empty_text(node.right):
            filled = "text.filled" if tr.value is True else "text.empty"

            def must_be_filled(ctx: _Context) -> str:
                return ctx.t(filled, left=_phrase(node.left, ctx),
                             lv=value_text(left.value, ctx.type(node.left), ctx.lang))
            return [self.clause(filled, must_be_filled)]

        def compare(ctx: _Context) -> str:
            unit = self.unit(node, ctx)
            lv = value_text(left.value, ctx.type(node.left), ctx.lang, unit)
            rv = self.operand(right, ctx, unit)
            if node.op in ("=", "!=") and not _is_plain(node.right, ctx):
                # Against another fact: "verksamhetschef: ”Erik Ek”, inte samma som verksamhetschefen (…)".
                same = (node.op == "=") == (tr.value is True)
                code = f"same.{'same' if same else 'different'}.{'met' if tr.value is True else 'not_met'}"
                return self.because(ctx.t(code, left=_phrase(node.left, ctx), lv=lv, rv=rv), reasons, ctx)
            params = {"left": _phrase(node.left, ctx), "lv": lv, "op": _op_words(node.op, node.right, ctx), "rv": rv}
            if tr.value is True and reasons:
                text = ctx.t("compare.met_because", reason=self.reasons(reasons, ctx), **params)
                return text.replace("  ", " ").replace("( ", "(")
            code = "compare.met" if tr.value is True else "compare.not_met"
            return self.because(ctx.t(code, **params).replace("  ", " ").replace("( ", "("), reasons, ctx)
        return [self.clause("compare.met" if tr.value is True else "compare.not_met", compare)]

    def against_branches(self, node: ast.Compare, branches: ast.IfElse, tr: Trace) -> Finding:
        """`x >= (a om c annars b)` with c unknown, decided because x stands
        the same against a and b."""
        left, then, otherwise = tr.parts
        code = "compare.branches_met" if tr.value is True else "compare.branches_not_met"

        def both(ctx: _Context) -> str:
            unit = self.unit(node, ctx)
            cond = branches.condition
            lv = value_text(left.value, ctx.type(node.left), ctx.lang)
            text = ctx.t(code, left=_phrase(node.left, ctx), lv=lv,
                         op=_op_words(node.op, node.right, ctx) or "",
                         a=value_text(then.value, ctx.type(branches.then), ctx.lang, unit),
                         b=value_text(otherwise.value, ctx.type(branches.otherwise), ctx.lang, unit),
                         cond=_check(cond, ctx)).replace("  ", " ")
            return self.because(text, _chosen_by(left), ctx)
        return self.clause(code, both)

    def because(self, text: str, reasons: list[Trace], ctx: _Context) -> str:
        """A comparison with the conditions that chose its values."""
        if not reasons:
            return text
        return ctx.t("compare.because", clause=text, reason=self.reasons(reasons, ctx))

    def reasons(self, reasons: list[Trace], ctx: _Context) -> str:
        return self.and_words(ctx, [self.fragment(r, ctx) for r in reasons])

    def and_words(self, ctx: _Context, clauses: list[str]) -> str:
        return format_list(clauses, ctx.lang)

    def unit(self, node: ast.Compare, ctx: _Context) -> str | None:
        # "38 timmar; kravet är minst 40 timmar": a threshold takes the unit of what it is compared with.
        lt, rt = ctx.type(node.left), ctx.type(node.right)
        return (lt.unit if lt else None) or (rt.unit if rt else None)

    def operand(self, tr: Trace, ctx: _Context, unit: str | None = None) -> str:
        """The right-hand side of a comparison: a plain value as itself, a
        fact as its name and value, a calculation with the values it was
        worked out from ("90 % av läkarbesök (2703), det vill säga 2432,7")."""
        node = tr.node
        shown = value_text(tr.value, ctx.type(node), ctx.lang, unit)
        if isinstance(node, (ast.Literal, ast.IfElse)) or (
                isinstance(node, ast.Name) and ctx.rulebook.fact(node.name) is None):
            return shown
        if isinstance(node, ast.Arith) and len(tr.parts) == 2:
            return ctx.t("value.computed", phrase=self.valued(tr, ctx), value=shown)
        return ctx.t("value.with_phrase", phrase=_phrase(node, ctx), value=shown)

    def valued(self, tr: Trace, ctx: _Context) -> str:
        """A calculation as a phrase with the value of each fact in it."""
        node = tr.node
        if isinstance(node, ast.Arith) and len(tr.parts) == 2:
            left, right = tr.parts
            for share, other in ((left, right), (right, left)):
                if node.op == "*" and isinstance(share.node, ast.Literal) and share.node.kind == "percent":
                    return ctx.t("phrase.share_of", share=_phrase(share.node, ctx), x=self.valued(other, ctx))
            words_ = _word("arith", _ARITH_WORDS, node.op, ctx.lang)
            return f"{self.valued(left, ctx)} {words_} {self.valued(right, ctx)}"
        if isinstance(node, (ast.Literal, ast.AroundTheClock)):
            return _phrase(node, ctx)
        return ctx.t("value.with_phrase", phrase=_phrase(node, ctx),
                     value=value_text(tr.value, ctx.type(node), ctx.lang))

    def fragment(self, tr: Trace, ctx: _Context) -> str:
        """A condition's trace as a clause inside a sentence: 'listade är 6 200, mindre än 6 500'."""
        if isinstance(tr.node, ast.Compare) and len(tr.parts) == 2 and tr.value is not UNKNOWN:
            tr = self.fact_first(tr)
            node = cast(ast.Compare, tr.node)
            left, right = tr.parts
            unit = self.unit(node, ctx)
            code = "compare.fragment_true" if tr.value is True else "compare.fragment_false"
            text = ctx.t(code, left=_phrase(node.left, ctx),
                         lv=value_text(left.value, ctx.type(node.left), ctx.lang, unit),
                         op=_op_words(node.op, node.right, ctx),
                         rv=self.operand(right, ctx, unit)).replace("  ", " ")
            return self.because(text, _chosen_by(left) + _chosen_by(right), ctx)
        return "; ".join(_flattened_text(f, ctx.lang) for f in self.explain(tr))

    def not_applicable(self, tr: Trace, ctx: _Context) -> str:
        """The condition a requirement applies under, then what made it false:
        "…, och här är antal filialer 0" rather than repeating the comparison."""
        condition = check_clause(tr.node, self.rulebook, ctx.lang)
        if isinstance(tr.node, ast.Compare) and len(tr.parts) == 2 and tr.value is not UNKNOWN:
            tr = self.fact_first(tr)
            node = cast(ast.Compare, tr.node)
            return ctx.t("not_applicable.value", condition=condition, left=_phrase(node.left, ctx),
                         lv=value_text(tr.parts[0].value, ctx.type(node.left), ctx.lang, self.unit(node, ctx)))
        return ctx.t("not_applicable", condition=condition, clause=self.fragment(tr, ctx))

    # ---- schedules
    def explain_Covers(self, node: ast.Covers, tr: Trace) -> Findings | None:
        if tr.value is UNKNOWN:
            return None
        left, right = tr.parts
        assert isinstance(left.value, Schedule) and isinstance(right.value, Schedule)
        around = right.value == AROUND_THE_CLOCK
        gaps = right.value.minus(left.value) if tr.value is False else None

        def covers(ctx: _Context) -> str:
            lp, rp = _phrase(node.left, ctx), _phrase(node.right, ctx)
            if tr.value is True:
                rv = value_text(right.value, ctx.type(node.right), ctx.lang)
                return ctx.t("covers.met_around" if around else "covers.met", left=lp, right=rp, rv=rv)
            assert gaps is not None
            return ctx.t("covers.not_met_around" if around else "covers.not_met", left=lp, right=rp,
                         gaps=_schedule(gaps, ctx.lang))
        return [self.clause("covers.met" if tr.value is True else "covers.not_met", covers)]

    # ---- ranges and "at least N of"
    def explain_Between(self, node: ast.Between, tr: Trace) -> list[Finding] | None:
        if tr.value is UNKNOWN:
            return None
        x = tr.parts[0]
        # Each known bound is shown with its value; an unknown one by its name alone.
        bounds = dict(zip(("low", "high"), tr.parts[1:], strict=False)) if len(tr.parts) == 3 else {
            ("low" if tr.parts[1].node is node.low else "high"): tr.parts[1]}

        def bound(which: str, ctx: _Context) -> str:
            part = bounds.get(which)
            return self.operand(part, ctx) if part is not None else _phrase(getattr(node, which), ctx)

        def between(ctx: _Context) -> str:
            params = {"x": _phrase(node.operand, ctx), "xv": value_text(x.value, ctx.type(node.operand), ctx.lang),
                      "low": bound("low", ctx), "high": bound("high", ctx)}
            if tr.value is True:
                return ctx.t("between.met", **params)
            if len(tr.parts) == 2:  # one bound decided; the other is unknown
                return ctx.t("between.below" if tr.parts[1].node is node.low else "between.above", **params)
            return ctx.t("between.not_met", **params)
        return [self.clause("between.met" if tr.value is True else "between.not_met", between)]

    def explain_AtLeast(self, node: ast.AtLeast, tr: Trace) -> list[Finding] | None:
        if tr.value is UNKNOWN or len(tr.parts) != 3:
            return None
        n, candidates, collection = (p.value for p in tr.parts)
        assert isinstance(candidates, frozenset) and isinstance(collection, frozenset)

        def at_least(ctx: _Context) -> str:
            return ctx.t("at_least.met" if tr.value is True else "at_least.not_met",
                         found=len(candidates & collection), n=n, candidates=_phrase(node.candidates, ctx),
                         collection=_phrase(node.collection, ctx),
                         cv=value_text(collection, ctx.type(node.collection), ctx.lang))
        return [self.clause("at_least.met" if tr.value is True else "at_least.not_met", at_least)]

    # ---- membership
    def explain_Member(self, node: ast.Member, tr: Trace) -> Findings | None:
        if tr.value is UNKNOWN:
            return None
        element, collection = tr.parts
        inside = (tr.value is True) != node.negated

        def member(ctx: _Context) -> str:
            params = {"element": _phrase(node.element, ctx), "collection": _phrase(node.collection, ctx)}
            if inside and node.negated:
                return ctx.t("member.forbidden", **params)
            if inside:
                return ctx.t("member.in", **params)
            return ctx.t("member.not_in", cv=value_text(collection.value, ctx.type(node.collection), ctx.lang),
                         **params)
        return [self.clause("member", member)]

    # ---- lists and sets
    def element_finding(self, code: str, collection_node: ast.Expr, element: Element) -> Finding:
        children = self.explain(element.trace)
        if not isinstance(element.item, RecordValue):  # a value of a closed set
            return self.clause(code, lambda ctx: ctx.t(
                "element.value", collection=_phrase(collection_node, ctx),
                label=_capitalise(_value_name(str(element.item), ctx.type(collection_node), ctx.lang))), children)
        return self.clause(code, lambda ctx: ctx.t(code, record=_capitalise(ctx.element_of(collection_node)),
                                             label=element.label), children, element.path)

    def explain_Quantifier(self, node: ast.Quantifier, tr: Trace) -> Findings:
        collection = tr.parts[0]
        if collection.value is UNKNOWN:
            return self.explain(collection)
        if tr.value is UNKNOWN:
            return [self.element_finding("element.unknown", node.collection, e) for e in tr.elements]
        if tr.total == 0:
            code = "empty.met" if tr.value is True else "empty.not_met"
            return [self.clause(code, lambda ctx: ctx.t(code, collection=_phrase(node.collection, ctx)))]
        kind, value = node.kind, tr.value is True
        if kind == "all" and not value:
            return [self.element_finding("element", node.collection, e) for e in tr.elements]
        if kind == "none" and not value:
            return [self.element_finding("element.forbidden", node.collection, e) for e in tr.elements]
        heading = {("all", True): "all.met", ("some", True): "some.met", ("some", False): "some.not_met",
                   ("none", True): "none.met"}[kind, value]
        children = [self.element_finding("element", node.collection, e) for e in tr.elements]
        if tr.total == 1:
            return children  # one element: its own line says it all ("alla 1 vårdsamordnare" would not)
        return [self.clause(heading, lambda ctx: ctx.t(heading, count=len(tr.elements), total=tr.total,
                                              collection=_phrase(node.collection, ctx)), children)]

    def explain_Count(self, node: ast.Count, tr: Trace) -> Findings | None:
        if tr.value is not UNKNOWN or node.var is None:
            return None
        return self.fold_unknown(node.collection, tr)

    def explain_Sum(self, node: ast.Sum, tr: Trace) -> Findings | None:
        if tr.value is not UNKNOWN:
            return None
        return self.fold_unknown(node.collection, tr)

    def fold_unknown(self, collection: ast.Expr, tr: Trace) -> Findings:
        if tr.parts[0].value is UNKNOWN:
            return self.explain(tr.parts[0])
        return [self.element_finding("element.unknown", collection, e) for e in tr.elements]


def _is_empty_text(node: ast.Expr) -> bool:
    return isinstance(node, ast.Literal) and node.kind == "text" and node.value == ""


def _chosen_by(tr: Trace) -> list[Trace]:
    """The condition that chose an `a om c annars b` value, when it was known
    (`40 om listade < 6500 annars 45`)."""
    if isinstance(tr.node, ast.IfElse) and tr.parts and tr.parts[0].node is tr.node.condition:
        return [tr.parts[0]]
    return []


def _schedule(schedule: Schedule, lang: str) -> str:
    if schedule == AROUND_THE_CLOCK:
        return template("phrase.around_the_clock", lang)
    return schedule.describe(lang, prose=True)


def finding_text(finding: Finding, lang: str) -> str:
    """The finding as text in lang: a prose sentence, or the catalogue message with its parameters."""
    if finding.code.startswith("prose."):
        text = sentence(finding.code.removeprefix("prose."), lang, finding.params)
    else:
        text = message(finding.code, lang, **finding.params)
    if finding.sentence:
        text = _capitalise(text)
        if not finding.children and not text.endswith((".", ":")):
            text += "."
    return text


def _flattened_text(finding: Finding, lang: str) -> str:
    """A finding and those beneath it as one text."""
    text = finding_text(finding, lang)
    children = [_flattened_text(c, lang) for c in finding.children]
    return f"{text} {'; '.join(children)}" if children else text


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def findings(result: RequirementResult) -> tuple[Finding, ...]:
    """Why a result's outcome is what it is: the findings it was given, or
    those written from its trace, once, when first asked (and kept on the
    result), so a run that only needs decisions never pays for them."""
    if result.explanation is None:
        result.explanation = _kept_explanation(result) if result.traced else ()
    return result.explanation


def _kept_explanation(result: RequirementResult) -> tuple[Finding, ...]:
    """The explanation of a result, written once for the values it read (see
    evaluator.explanation_key) and then shared by every result with the same."""
    found = result.explanation_key() if result.explanation_key is not None else None
    if found is None:
        return tuple(explain(result))
    cache, key = found
    explanation: tuple[Finding, ...] | None = cache.get(key)
    if explanation is None:
        explanation = tuple(explain(result))
        if _worth_keeping(cache, result.requirement.id, found=False):
            cache[key] = explanation
            _written_out(explanation)
    else:
        _worth_keeping(cache, result.requirement.id, found=True)
    return explanation


def _written_out(findings: Iterable[Finding]) -> None:
    """Write a kept explanation's texts in both languages now, so that it
    holds words, not the traces they are written from: kept explanations
    live long, and every object they hold is one more for each of the
    garbage collector's full passes."""
    for finding in findings:
        text = finding.params.get("text")
        if isinstance(text, WrittenText):
            text.write_out()
        _written_out(finding.children)


# Where in the cache of explanations the count of each requirement's lookups is kept.
_LOOKUPS = ("prose.lookups",)
# A requirement whose explanations are found again in fewer than one lookup of
# KEPT_SHARE, after KEPT_TRIAL lookups, reads values that differ from centre
# to centre (counts, statistics): keeping its explanations cost memory and,
# worse, garbage collector passes over them, for nothing.
KEPT_TRIAL = 64
KEPT_SHARE = 5


def _worth_keeping(cache: dict[Any, Any], requirement: str, found: bool) -> bool:
    """Count a lookup of a requirement's explanation; whether a new one is worth keeping."""
    lookups: dict[str, list[int]] = cache.setdefault(_LOOKUPS, {})
    counts = lookups.setdefault(requirement, [0, 0])
    counts[0] += 1
    counts[1] += found
    return counts[0] < KEPT_TRIAL or counts[1] * KEPT_SHARE >= counts[0]


def explain(result: RequirementResult) -> list[Finding]:
    """Why a requirement has its outcome, as sentences for the report."""
    traces = result.trace
    explainer = _explainer(traces.rulebook)
    if result.outcome == Outcome.NOT_APPLICABLE and traces.condition is not None:
        condition = traces.condition
        return [_as_sentence(explainer.clause("not_applicable", lambda ctx: explainer.not_applicable(condition, ctx)))]
    out: list[Finding] = []
    if traces.condition is not None and traces.condition.value is UNKNOWN:
        out.append(explainer.clause("applies_unknown", lambda ctx: ctx.t("applies_unknown"),
                                    explainer.explain(traces.condition)))
    if traces.check is not None:
        out += explainer.explain(traces.check)
    return [_as_sentence(f) for f in _once(out)]


def _explainer(rulebook: CompiledRulebook) -> _Explainer:
    """The rulebook's explainer, made once: it holds nothing but the rulebook's
    words, and every finding's text keeps it (WrittenText) until it is read."""
    explainer: _Explainer | None = rulebook.runtime.get("prose.explainer")
    if explainer is None:
        explainer = rulebook.runtime["prose.explainer"] = _Explainer(rulebook)
    return explainer


def _once(findings: list[Finding]) -> list[Finding]:
    """Each missing fact said once, however often the check reads it."""
    seen: set[str] = set()
    out = []
    for f in findings:
        if f.path is not None and f.code in ("prose.unknown.fact", "prose.unknown.field"):
            if f.path in seen:
                continue
            seen.add(f.path)
        out.append(f)
    return out


def _as_sentence(finding: Finding) -> Finding:
    return attrs.evolve(finding, sentence=True)
