"""Stage 2a: the checker. Resolves names, checks types and records what each
requirement reads, collecting every problem as a diagnostic.

It builds nothing to run: closures.py turns a checked rulebook into closures
and codegen.py into Python source, both from the types and name resolutions
recorded here. Checking goes on after an error (with an 'error' type that
silences follow-on errors), so a policy writer sees every problem in one run.

One module, over 400 lines: one visit_ method per expression kind, each short;
splitting them by kind would scatter the typing rules that interact.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

import attrs

from kokdsl import ast
from kokdsl.compiled import (
    BOOL,
    DATE,
    DAYS,
    DECIMAL,
    ERROR_TYPE,
    HOURS,
    INTEGER,
    MONTHS,
    PERCENT,
    SCHEDULE,
    TEXT,
    FactSpec,
    FieldSpec,
    RecordSpec,
    Type,
)
from kokdsl.diagnostics import ERROR, WARNING, Diagnostic
from kokdsl.formatting import format_number
from kokdsl.visitor import NodeVisitor

# The documented bound (docs/limits.md): at most this many quantifiers
# (alla, någon, ingen, antal(x i …), summa(x i …)) inside one another.
MAX_QUANTIFIER_NESTING = 4

SCALAR_TYPES = {
    "bool": BOOL, "integer": INTEGER, "decimal": DECIMAL, "percent": PERCENT,
    "text": TEXT, "date": DATE, "schedule": SCHEDULE,
}
ORDER_OPS = ("<", "<=", ">", ">=")

Scope = dict[str, Type]  # loop variable -> its type


@attrs.frozen
class CheckedRequirement:
    """A requirement the checker accepted, with its chapter and the facts it reads."""

    node: ast.Requirement
    chapter: str | None
    dependencies: dict[str, frozenset[str]]  # fact name -> record fields read (empty: the fact as a whole)


@attrs.frozen
class CheckedPlausibility:
    """A plausibility rule, checked: the facts its condition reads and, for a
    rule `alla x i lista: …`, the loop variable and list judged element by element."""

    node: ast.Plausibility
    dependencies: dict[str, frozenset[str]]  # fact name -> record fields read (empty: the fact as a whole)
    each: tuple[str, str] | None = None  # (loop variable, list fact)


@attrs.frozen
class CheckedRulebook:
    """What the checker learnt: declarations, and per expression node (by id)
    its type and, for a name, what it resolves to."""

    header: ast.Header
    facts: dict[str, FactSpec]
    records: dict[str, RecordSpec]
    requirements: list[CheckedRequirement]
    chapters: list[ast.Chapter]
    types: dict[int, Type]
    resolved: dict[int, str]  # id(Name node) -> "var" | "symbol" | "fact"
    diagnostics: list[Diagnostic]
    plausibilities: list[CheckedPlausibility] = attrs.field(factory=list)


def check_rulebook(tree: ast.Rulebook) -> CheckedRulebook:
    """Resolve and type-check a parsed rulebook; problems come back as diagnostics."""
    return Checker(tree).run()


def _suggest(name: str, candidates: Iterable[str]) -> str | None:
    match = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return match[0] if match else None


def _hint(params: dict[str, Any], name: str, candidates: Iterable[str]) -> dict[str, Any]:
    suggestion = _suggest(name, candidates)
    if suggestion:
        params = dict(params, hint_code="hint.did_you_mean", suggestion=suggestion)
    return params


class Checker(NodeVisitor):
    """Declarations first, then each requirement's expressions; visit_<Node>
    returns the node's type."""

    def __init__(self, tree: ast.Rulebook):
        self.tree = tree
        self.diagnostics: list[Diagnostic] = []
        self.facts: dict[str, FactSpec] = {}
        self.records: dict[str, RecordSpec] = {}
        self.used_facts: set[str] = set()
        self.types: dict[int, Type] = {}
        self.resolved: dict[int, str] = {}
        # per requirement: fact -> fields read; loop variable -> its list fact
        self.deps: dict[str, set[str]] = {}
        self.var_sources: dict[str, str] = {}
        self.literal_vars: set[str] = set()  # loop variables over a set literal

    def error(self, code: str, span: ast.Span | None, **params: Any) -> None:
        """Record an error at span; checking goes on, so one run reports every problem."""
        self.diagnostics.append(Diagnostic(ERROR, code, params, span=span))

    def warn(self, code: str, span: ast.Span | None, **params: Any) -> None:
        """Record a warning at span: the rulebook still compiles."""
        self.diagnostics.append(Diagnostic(WARNING, code, params, span=span))

    # -- declarations ------------------------------------------------------

    def run(self) -> CheckedRulebook:
        """Check the whole rulebook: header, records, facts, then every requirement; warn of facts no check
        reads."""
        header = self.check_header()
        self.declare_records()
        self.declare_facts()
        requirements, chapters = self.check_requirements()
        plausibilities = [self.check_plausibility(p) for p in self.tree.items if isinstance(p, ast.Plausibility)]
        self.check_letter_settings()
        for fact in self.facts.values():
            if fact.name not in self.used_facts and not fact.input_only:
                self.warn("compile.unused_fact", fact.span, name=fact.name)
        return CheckedRulebook(header, self.facts, self.records, requirements, chapters, self.types, self.resolved,
                               self.diagnostics, plausibilities)

    def check_header(self) -> ast.Header:
        """The rulebook's one header; a missing one is an error and a blank header stands in, so checking goes
        on."""
        headers = [i for i in self.tree.items if isinstance(i, ast.Header)]
        if not headers:
            self.error("compile.no_header", ast.Span(self.tree.file, 1, 1, 1, 1))
            return ast.Header("", 0)
        for extra in headers[1:]:
            self.error("compile.duplicate_header", extra.span, line=headers[0].span.line)
        reconstruction = headers[0].reconstruction
        if reconstruction is not None and not (reconstruction.sv.strip() and (reconstruction.en is None
                                                                              or reconstruction.en.strip())):
            self.error("compile.empty_reconstruction", headers[0].span)
        return headers[0]

    def declare_records(self) -> None:
        """Declare the record types: names first, then fields, so a fact or field may name any record."""
        declared = []
        for decl in (i for i in self.tree.items if isinstance(i, ast.RecordDecl)):
            if decl.name in self.records:
                self.error("compile.duplicate_record", decl.span, name=decl.name)
                continue
            self.records[decl.name] = RecordSpec(decl.name, (), decl.display)
            declared.append(decl)
        for decl in declared:
            fields, seen = [], set()
            for f in decl.fields:
                if f.name in seen:
                    self.error("compile.duplicate_field", f.span, name=f.name, record=decl.name)
                    continue
                seen.add(f.name)
                fields.append(FieldSpec(f.name, self.resolve_type(f.type, allow_list=False), f.doc, f.display,
                                        f.doc_en))
                if _has_singular(f.display) or _has_singular(decl.display):
                    self.error("compile.singular_not_list", f.span, name=f.name)
            self.records[decl.name] = RecordSpec(decl.name, tuple(fields), decl.display)

    def declare_facts(self) -> None:
        """Declare the facts with their resolved types; a duplicate is an error and keeps the first."""
        for item in (i for i in self.tree.items if isinstance(i, ast.FactDecl)):
            if item.name in self.facts:
                self.error("compile.duplicate_fact", item.span, name=item.name, line=self.facts[item.name].span.line)
                continue
            self.facts[item.name] = FactSpec(item.name, self.resolve_type(item.type, allow_list=True),
                                             item.doc, item.input_only, span=item.span, display=item.display,
                                             doc_en=item.doc_en)
            if _has_singular(item.display) and self.facts[item.name].type.kind != "list":
                self.error("compile.singular_not_list", item.display.span if item.display else item.span,
                           name=item.name)
            if _is_expression_keyword(item.name):
                self.warn("compile.keyword_name", item.span, name=item.name)

    def check_requirements(self) -> tuple[list[CheckedRequirement], list[ast.Chapter]]:
        """Check each requirement under the chapter it stands in; a requirement number may be used once."""
        header = next((i for i in self.tree.items if isinstance(i, ast.Header)), None)
        self.edition_start = header.valid_from if header else None
        requirements: list[CheckedRequirement] = []
        chapters: list[ast.Chapter] = []
        seen_ids: dict[str, int] = {}
        chapter = None
        for item in self.tree.items:
            if isinstance(item, ast.Chapter):
                chapter = item.title
                chapters.append(item)
            elif isinstance(item, ast.Requirement):
                if item.id in seen_ids:
                    self.error("compile.duplicate_requirement", item.id_span, id=item.id, line=seen_ids[item.id])
                else:
                    seen_ids[item.id] = item.span.line
                requirements.append(self.check_requirement(item, chapter))
        return requirements, chapters

    def resolve_type(self, texpr: ast.TypeExpr, allow_list: bool) -> Type:
        """The checked type a type expression names; a list may hold only records, and not inside a record."""
        if texpr.kind in SCALAR_TYPES:
            return SCALAR_TYPES[texpr.kind]
        if texpr.kind in ("enum", "set"):
            seen = set()
            for value in texpr.values:
                if value in seen:
                    self.error("compile.duplicate_value", texpr.span, value=value)
                seen.add(value)
            names = dict(reversed(list(zip(texpr.values, texpr.value_names, strict=False))))
            values = tuple(dict.fromkeys(texpr.values))
            value_names = tuple(names.get(v) for v in values) if texpr.value_names else ()
            return Type(texpr.kind, values, value_names=value_names)
        if texpr.kind == "list":
            if not allow_list:
                self.error("compile.nested_list", texpr.span)
                return ERROR_TYPE
            if texpr.record is None or texpr.record not in self.records:
                record = texpr.record or ""
                self.error("compile.unknown_record", texpr.span, **_hint({"name": record}, record, self.records))
                return ERROR_TYPE
            return Type("list", record=texpr.record)
        raise AssertionError(texpr.kind)

    def check_requirement(self, req: ast.Requirement, chapter: str | None) -> CheckedRequirement:
        """Type-check a requirement's condition and check (each must be yes/no) and collect the facts it reads."""
        self.deps, self.var_sources = {}, {}
        if req.condition is not None:
            self.expect_bool(self.expr(req.condition, {}), req.condition, "compile.condition_not_bool")
        self.expect_bool(self.expr(req.check, {}), req.check, "compile.check_not_bool")
        self.check_topic(req)
        self.check_provenance(req)
        for text in (req.ground, req.ground_en):
            if text is not None:
                self.check_ground(req, text)
        return CheckedRequirement(req, chapter, {k: frozenset(v) for k, v in self.deps.items()})

    def check_plausibility(self, rule: ast.Plausibility) -> CheckedPlausibility:
        """Type-check a plausibility rule's condition (yes/no) and collect the facts it reads."""
        self.deps, self.var_sources = {}, {}
        self.expect_bool(self.expr(rule.check, {}), rule.check, "compile.plausibility_not_bool")
        if not rule.sentence.strip():
            self.error("compile.plausibility_without_sentence", rule.span)
        check, each = rule.check, None
        if (isinstance(check, ast.Quantifier) and check.kind == "all" and isinstance(check.collection, ast.Name)
                and self.var_sources.get(check.var) == check.collection.name):
            each = (check.var, check.collection.name)
        return CheckedPlausibility(rule, {k: frozenset(v) for k, v in self.deps.items()}, each)

    def check_provenance(self, req: ast.Requirement) -> None:
        """A requirement cannot rest on documents written after its edition
        came into force, and its own validity must be a real period."""
        if req.valid_from and req.valid_to and req.valid_to < req.valid_from:
            self.error("compile.validity_reversed", req.id_span, id=req.id, start=req.valid_from.isoformat(),
                       end=req.valid_to.isoformat())
        # The sources must be no newer than the day the requirement starts to
        # apply: the edition's start, or the requirement's own later one.
        start = max((d for d in (self.edition_start, req.valid_from) if d is not None), default=None)
        # A proposal may well cite a document newer than the edition: that is
        # what makes it a proposal.
        if start is None or not req.sources or req.status not in (None, ast.IN_FORCE):
            return
        dates = [(s.date, s) for s in req.sources if s.date is not None]
        if len(dates) == len(req.sources) and all(day > start for day, _ in dates):
            day, earliest = min(dates, key=lambda pair: pair[0])
            self.error("compile.source_after_edition", earliest.span, id=req.id, source=earliest.text,
                       date=day.isoformat(), start=start.isoformat())

    def check_ground(self, req: ast.Requirement, text: str) -> None:
        """`grund`: every {placeholder} names a fact, or the variable of the
        check's quantifier ({f}) or one of its record's fields ({f.namn})."""
        allowed = set(self.facts)
        check = req.check
        if isinstance(check, ast.Quantifier) and isinstance(check.collection, ast.Name):
            spec = self.facts.get(check.collection.name)
            record = self.records.get(spec.type.record or "") if spec is not None else None
            allowed.add(check.var)
            if record is not None:
                allowed |= {f"{check.var}.{f.name}" for f in record.fields}
        for found in re.findall(r"\{([^{}]*)\}", text):
            if found.strip() not in allowed:
                self.error("compile.ground_placeholder", req.id_span, id=req.id, name=found,
                           **_hint({"known": ", ".join(sorted(allowed))}, found, allowed))
        if re.search(r"\{[^{}]*$|^[^{}]*\}", text.replace("{{", "").replace("}}", "")):
            self.error("compile.ground_brace", req.id_span, id=req.id)

    def check_letter_settings(self) -> None:
        """Each letter setting at most once, and `undertecknas som` beslut or tjänsteskrivelse."""
        from kokdsl.compiled import signed_as_kind

        seen: dict[str, ast.LetterSetting] = {}
        for item in self.tree.items:
            if isinstance(item, ast.LetterSetting):
                kind = item.kind
                if kind in seen:
                    self.error("compile.duplicate_setting", item.span, line=seen[kind].span.line)
                seen[kind] = item
                if kind == "signed_as" and not signed_as_kind(item.values[0]):
                    self.error("compile.signed_as_unknown", item.span, value=item.values[0])

    def check_topic(self, req: ast.Requirement) -> None:
        """Warn of a topic outside the shared vocabulary: regions compare rulebooks area by area."""
        from kokdsl.topics import vocabulary

        if req.topic is not None and req.topic not in vocabulary():
            self.warn("compile.unknown_topic", req.topic_span,
                      **_hint({"name": req.topic, "known": ", ".join(vocabulary())}, req.topic, vocabulary()))

    def expect_bool(self, t: Type, node: ast.Expr, code: str) -> None:
        """An error unless t is yes/no (or already an error, reported where it arose)."""
        if t.kind not in ("bool", "error"):
            self.error(code, node.span, type=TypeName(t))

    # -- expressions -------------------------------------------------------

    def expr(self, node: ast.Expr, scope: Scope, expected: Type | None = None) -> Type:
        """Type-check one expression and record its type."""
        t: Type = self.visit(node, scope, expected)
        self.types[id(node)] = t
        return t

    def visit_Literal(self, node: ast.Literal, scope: Scope, expected: Type | None) -> Type:
        if node.kind == "duration":
            return MONTHS if getattr(node.value, "calendar", None) == "months" else DAYS
        return SCALAR_TYPES[node.kind]

    def visit_AssessmentDate(self, node: ast.AssessmentDate, scope: Scope, expected: Type | None) -> Type:
        return DATE

    def visit_SetLiteral(self, node: ast.SetLiteral, scope: Scope, expected: Type | None) -> Type:
        seen: set[str] = set()
        for value in node.values:
            if value in seen:
                self.error("compile.duplicate_value", node.span, value=value)
            seen.add(value)
            if expected is not None and expected.kind in ("enum", "set") and value not in expected.values:
                params = _hint({"value": value, "allowed": ", ".join(expected.values)}, value, expected.values)
                self.error("compile.value_not_in_set", node.span, **params)
        return Type("set", tuple(dict.fromkeys(node.values)))

    def visit_Between(self, node: ast.Between, scope: Scope, expected: Type | None) -> Type:
        t = self.expr(node.operand, scope)
        for bound in (node.low, node.high):
            bt = self.expr(bound, scope)
            if "error" in (t.kind, bt.kind) or not self.comparable(t, bt, node, bound):
                return BOOL
        if not (t.is_numeric or t.kind in ORDERED_KINDS):
            self.error("compile.not_ordered", node.span, op=OpName("between"), type=TypeName(t))
        return BOOL

    def visit_AtLeast(self, node: ast.AtLeast, scope: Scope, expected: Type | None) -> Type:
        nt = self.expr(node.count, scope)
        if nt.kind not in ("integer", "error"):
            self.error("compile.at_least_count", node.count.span, type=TypeName(nt))
        mt = self.expr(node.collection, scope)
        if mt.kind not in ("set", "error"):
            self.error("compile.member_needs_set", node.collection.span, type=TypeName(mt))
            mt = ERROR_TYPE
        ct = self.expr(node.candidates, scope, mt if mt.kind == "set" else None)
        if ct.kind not in ("set", "error"):
            self.error("compile.member_needs_set", node.candidates.span, type=TypeName(ct))
        elif ct.kind == "set" and mt.kind == "set" and not isinstance(node.candidates, ast.SetLiteral):
            for value in ct.values:
                if value not in mt.values:
                    self.error("compile.value_not_in_set", node.candidates.span,
                               **_hint({"value": value, "allowed": ", ".join(mt.values)}, value, mt.values))
        return BOOL

    def visit_AroundTheClock(self, node: ast.AroundTheClock, scope: Scope, expected: Type | None) -> Type:
        return SCHEDULE

    def visit_Name(self, node: ast.Name, scope: Scope, expected: Type | None) -> Type:
        name = node.name
        if name in scope:
            self.resolved[id(node)] = "var"
            return scope[name]
        # A closed-set value where one is expected: `utbildning = högskola`.
        if expected is not None and expected.kind in ("enum", "set") and name in expected.values:
            self.resolved[id(node)] = "symbol"
            return Type("enum", expected.values, value_names=expected.value_names)
        if name in self.facts:
            self.resolved[id(node)] = "fact"
            self.used_facts.add(name)
            self.deps.setdefault(name, set())
            return self.facts[name].type
        if expected is not None and expected.kind in ("enum", "set"):
            params = _hint({"value": name, "allowed": ", ".join(expected.values)}, name, expected.values)
            self.error("compile.value_not_in_set", node.span, **params)
        elif any(name in spec.type.values for spec in self.facts.values()) or any(
            name in f.type.values for r in self.records.values() for f in r.fields
        ):
            self.error("compile.value_without_context", node.span, name=name)
        else:
            candidates = set(self.facts) | set(scope)
            self.error("compile.undefined_name", node.span, **_hint({"name": name}, name, candidates))
        return ERROR_TYPE

    def visit_Field(self, node: ast.Field, scope: Scope, expected: Type | None) -> Type:
        stype = self.expr(node.subject, scope)
        if stype.kind == "error":
            return ERROR_TYPE
        if stype.kind != "record" or stype.record is None:
            self.error("compile.field_of_non_record", node.span, name=node.name, type=TypeName(stype))
            return ERROR_TYPE
        record = self.records[stype.record]
        spec = record.field(node.name)
        if spec is None:
            params = _hint({"name": node.name, "record": record.name}, node.name, [f.name for f in record.fields])
            self.error("compile.undefined_field", node.span, **params)
            return ERROR_TYPE
        # Record the dependency: the list fact this variable ranges over.
        if isinstance(node.subject, ast.Name) and node.subject.name in self.var_sources:
            self.deps.setdefault(self.var_sources[node.subject.name], set()).add(node.name)
        return spec.type

    def visit_Arith(self, node: ast.Arith, scope: Scope, expected: Type | None) -> Type:
        lt, rt = self.expr(node.left, scope), self.expr(node.right, scope)
        if "error" in (lt.kind, rt.kind):
            return ERROR_TYPE
        if lt.kind == "schedule" or rt.kind == "schedule" or node.op in SCHEDULE_OPS:
            return self.schedule_arith(node, lt, rt)
        if {lt.kind, rt.kind} & {"date", "days", "months"}:
            return self.date_arith(node, lt, rt)
        if not (lt.is_numeric and rt.is_numeric):
            self.error("compile.arith_not_numeric", node.span, op=node.op, left=TypeName(lt), right=TypeName(rt))
            return ERROR_TYPE
        if node.op == "/":
            return DECIMAL
        if lt.kind == rt.kind:
            return Type(lt.kind, unit=lt.unit or rt.unit)
        if node.op in "+-" and "percent" in (lt.kind, rt.kind):
            self.error("compile.percent_mixed", node.span)
            return ERROR_TYPE
        return Type("decimal", unit=lt.unit or rt.unit)

    def date_arith(self, node: ast.Arith, lt: Type, rt: Type) -> Type:
        """Dates and durations: date ± duration is a date, date - date a number
        of days, a duration ± a duration of the same kind a duration."""
        kinds = (lt.kind, rt.kind)
        if node.op in "+-" and lt.kind == "date" and rt.kind in ("days", "months"):
            return DATE
        if node.op == "+" and rt.kind == "date" and lt.kind in ("days", "months"):
            return DATE
        if node.op == "-" and kinds == ("date", "date"):
            return DAYS
        if node.op in "+-" and lt.kind == rt.kind and lt.kind in ("days", "months"):
            return lt
        self.error("compile.date_arith", node.span, op=node.op, left=TypeName(lt), right=TypeName(rt))
        return ERROR_TYPE

    def schedule_arith(self, node: ast.Arith, lt: Type, rt: Type) -> Type:
        """Weekly schedules as sets of minutes: + union, - or utom difference,
        snitt intersection; nothing else mixes with a schedule."""
        if lt.kind == rt.kind == "schedule" and node.op in ("+", "-", *SCHEDULE_OPS):
            return SCHEDULE
        self.error("compile.schedule_op", node.span, op=OpName(node.op), left=TypeName(lt), right=TypeName(rt))
        return ERROR_TYPE

    def visit_Compare(self, node: ast.Compare, scope: Scope, expected: Type | None) -> Type:
        # A bare closed-set value on either side takes its type from the other.
        if _is_bare_name(node.left, scope, self.facts):
            rt = self.expr(node.right, scope)
            lt = self.expr(node.left, scope, rt if rt.kind == "enum" else None)
        else:
            lt = self.expr(node.left, scope)
            rt = self.expr(node.right, scope, lt if lt.kind == "enum" else None)
        if "error" not in (lt.kind, rt.kind) and self.comparable(lt, rt, node, node.right) and node.op in ORDER_OPS:
            if not (lt.is_numeric or lt.kind in ORDERED_KINDS):
                self.error("compile.not_ordered", node.span, op=node.op, type=TypeName(lt))
        return BOOL

    def comparable(self, lt: Type, rt: Type, node: ast.Compare | ast.Between, right: ast.Expr) -> bool:
        """Can the two sides be compared? Reports why not: a percentage against a count or a plain
        fraction, a duration against a bare number, or types that do not meet."""
        op = node.op if isinstance(node, ast.Compare) else OpName("between")
        if lt.is_numeric and rt.is_numeric:
            if {"percent", "integer"} == {lt.kind, rt.kind}:
                self.error("compile.percent_vs_number", node.span)
                return False
            left = node.left if isinstance(node, ast.Compare) else node.operand
            fraction = _plain_fraction(right if lt.kind == "percent" else left if rt.kind == "percent" else None)
            if fraction is not None:
                # `kontinuitet >= 0.75` was once read as 75 %: say what to write.
                self.error("compile.percent_vs_fraction", node.span, hint_code="hint.write_instead",
                           suggestion=f"{format_number(fraction * 100, 'sv')} %")
                return False
            return True
        if lt.kind == rt.kind:
            return True
        if {lt.kind, rt.kind} <= {"days", "months", "integer", "decimal"} and "integer" in (lt.kind, rt.kind):
            unit = lt.kind if lt.kind in ("days", "months") else rt.kind
            self.error("compile.duration_vs_number", node.span, unit=unit)
            return False
        self.error("compile.type_mismatch", node.span, op=op, left=TypeName(lt), right=TypeName(rt))
        return False

    def visit_Covers(self, node: ast.Covers, scope: Scope, expected: Type | None) -> Type:
        lt, rt = self.expr(node.left, scope), self.expr(node.right, scope)
        for t, side in ((lt, node.left), (rt, node.right)):
            if t.kind not in ("schedule", "error"):
                self.error("compile.covers_needs_schedule", side.span, type=TypeName(t))
                break
        return BOOL

    def visit_Member(self, node: ast.Member, scope: Scope, expected: Type | None) -> Type:
        ct = self.expr(node.collection, scope)
        if ct.kind == "error":
            return BOOL
        if ct.kind != "set":
            self.error("compile.member_needs_set", node.collection.span, type=TypeName(ct))
            return BOOL
        et = self.expr(node.element, scope, ct)
        if et.kind not in ("enum", "error"):
            self.error("compile.type_mismatch", node.span, op="i", left=TypeName(et), right=TypeName(ct))
        elif et.kind == "enum" and _from_set_literal(node.element, scope, self.literal_vars):
            # `antal(x i {at, bt}: x i tjänster)`: each listed value must be one tjänster can hold.
            for value in et.values:
                if value not in ct.values:
                    self.error("compile.value_not_in_set", node.span,
                               **_hint({"value": value, "allowed": ", ".join(ct.values)}, value, ct.values))
        return BOOL

    def visit_Not(self, node: ast.Not, scope: Scope, expected: Type | None) -> Type:
        self.expect_bool(self.expr(node.operand, scope), node.operand, "compile.operand_not_bool")
        return BOOL

    def visit_Logic(self, node: ast.Logic, scope: Scope, expected: Type | None) -> Type:
        lt, rt = self.expr(node.left, scope), self.expr(node.right, scope)
        self.expect_bool(lt, node.left, "compile.operand_not_bool")
        self.expect_bool(rt, node.right, "compile.operand_not_bool")
        return BOOL

    def visit_IfElse(self, node: ast.IfElse, scope: Scope, expected: Type | None) -> Type:
        self.expect_bool(self.expr(node.condition, scope), node.condition, "compile.condition_not_bool")
        tt, ot = self.expr(node.then, scope, expected), self.expr(node.otherwise, scope, expected)
        if "error" in (tt.kind, ot.kind):
            return ERROR_TYPE
        if tt.is_numeric and ot.is_numeric:
            return tt if tt.kind == ot.kind else DECIMAL
        if tt.kind == ot.kind:
            return tt
        self.error("compile.branches_differ", node.span, left=TypeName(tt), right=TypeName(ot))
        return ERROR_TYPE

    def bind(self, var: str, collection: ast.Expr, scope: Scope, span: ast.Span) -> Scope:
        """Check a `x i L` binding: returns the body's scope."""
        ct = self.expr(collection, scope)
        if var in self.facts or var in scope:
            self.error("compile.shadowing", span, name=var)
        if len(scope) >= MAX_QUANTIFIER_NESTING:
            # Each nested quantifier multiplies the work by its list's length.
            # Reported once, at the first quantifier too many.
            if len(scope) == MAX_QUANTIFIER_NESTING:
                self.error("compile.quantifiers_too_deep", span, limit=MAX_QUANTIFIER_NESTING)
            return dict(scope, **{var: ERROR_TYPE})
        if ct.kind == "list":
            var_type = Type("record", record=ct.record)
        elif ct.kind == "set":
            var_type = Type("enum", ct.values, value_names=ct.value_names)
            if isinstance(collection, ast.SetLiteral):
                self.literal_vars.add(var)
        else:
            if ct.kind != "error":
                self.error("compile.not_a_collection", collection.span, type=TypeName(ct))
            return dict(scope, **{var: ERROR_TYPE})
        # Remember which list fact the variable ranges over, for dependencies.
        if isinstance(collection, ast.Name) and collection.name in self.facts:
            self.var_sources[var] = collection.name
        return dict(scope, **{var: var_type})

    def visit_Quantifier(self, node: ast.Quantifier, scope: Scope, expected: Type | None) -> Type:
        inner = self.bind(node.var, node.collection, scope, node.span)
        self.expect_bool(self.expr(node.body, inner), node.body, "compile.operand_not_bool")
        return BOOL

    def visit_Count(self, node: ast.Count, scope: Scope, expected: Type | None) -> Type:
        if node.var is None:
            ct = self.expr(node.collection, scope)
            if ct.kind not in ("list", "set", "error"):
                self.error("compile.not_a_collection", node.collection.span, type=TypeName(ct))
            return INTEGER
        inner = self.bind(node.var, node.collection, scope, node.span)
        assert node.condition is not None  # the parser gives a bound count its condition
        self.expect_bool(self.expr(node.condition, inner), node.condition, "compile.operand_not_bool")
        return INTEGER

    def visit_Sum(self, node: ast.Sum, scope: Scope, expected: Type | None) -> Type:
        inner = self.bind(node.var, node.collection, scope, node.span)
        bt = self.expr(node.body, inner)
        if bt.kind != "error" and not bt.is_numeric:
            self.error("compile.arith_not_numeric", node.body.span, op="summa", left=TypeName(bt), right=TypeName(bt))
            return ERROR_TYPE
        return bt

    def visit_Hours(self, node: ast.Hours, scope: Scope, expected: Type | None) -> Type:
        t = self.expr(node.operand, scope)
        if t.kind not in ("schedule", "error"):
            self.error("compile.hours_needs_schedule", node.operand.span, type=TypeName(t))
            return ERROR_TYPE
        return HOURS


_EXPRESSION_KEYWORDS = ("not", "count", "sum", "hours", "true", "false", "around_the_clock", "all", "some", "none")


def _is_expression_keyword(name: str) -> bool:
    """A fact named like a keyword that can start an expression can be
    declared but never referenced."""
    from kokdsl.parser import is_keyword

    return any(is_keyword(name, concept) for concept in _EXPRESSION_KEYWORDS)


def _is_bare_name(node: ast.Expr, scope: Scope, facts: dict[str, FactSpec]) -> bool:
    return isinstance(node, ast.Name) and node.name not in scope and node.name not in facts


SCHEDULE_OPS = ("except", "intersect")  # the operators only schedules have
ORDERED_KINDS = ("date", "days", "months")  # besides numbers, what < and mellan can order


def _plain_fraction(node: ast.Expr | None) -> Fraction | None:
    """The value of a plain decimal literal (0.75), which beside a percentage
    is almost surely meant as one (75 %)."""
    if isinstance(node, ast.Literal) and node.kind == "decimal" and isinstance(node.value, Fraction):
        return node.value
    return None


def _from_set_literal(node: ast.Expr, scope: Scope, literal_vars: set[str]) -> bool:
    return isinstance(node, ast.Name) and node.name in scope and node.name in literal_vars


class OpName:
    """An operator as the reader writes it: `utom`/`except` for "except"."""

    def __init__(self, op: str):
        self.op = op

    def render(self, lang: str) -> str:
        """The operator in the reader's language: schedule keywords and `mellan` translated, symbols as they
        are."""
        from kokdsl.parser import canonical_keyword

        return canonical_keyword(self.op, lang) if self.op in (*SCHEDULE_OPS, "between") else self.op

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OpName) and other.op == self.op

    def __hash__(self) -> int:
        return hash(self.op)


class TypeName:
    """A type, described in the reader's language when the message is rendered."""

    def __init__(self, t: Type):
        self.t = t

    def render(self, lang: str) -> str:
        """The type's name in the reader's language, with its record for a list."""
        from kokdsl.messages import message

        return message(f"type.{self.t.kind}", lang, record=self.t.record or "")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TypeName) and other.t == self.t

    def __hash__(self) -> int:
        return hash(self.t)


def _has_singular(display: ast.DisplayName | None) -> bool:
    """Whether a display name gives `ental`, which only a list fact may."""
    return display is not None and (display.singular is not None or display.singular_en is not None)
