"""Stage 2: AST -> CompiledRulebook.

Resolves names, checks types and compiles each check into a Python closure over
an environment dict. All problems are collected as diagnostics; compilation
goes on after an error (with an 'error' type that silences follow-on errors),
so a policy writer sees every problem in one run.

The closures implement Kleene's three-valued logic: a missing or invalid fact
is UNKNOWN, and UNKNOWN flows through every operator. `UNKNOWN or True` is
True and `UNKNOWN and False` is False, as a person would reason.
"""

from __future__ import annotations

import difflib
import hashlib
import operator
from fractions import Fraction

from kokdsl import ast
from kokdsl.compiled import (
    BOOL,
    DATE,
    DECIMAL,
    ERROR_TYPE,
    HOURS,
    INTEGER,
    PERCENT,
    SCHEDULE,
    TEXT,
    CompiledRequirement,
    CompiledRulebook,
    FactSpec,
    FieldSpec,
    RecordSpec,
    Type,
)
from kokdsl.diagnostics import ERROR, WARNING, Diagnostic
from kokdsl.enums import Modality
from kokdsl.schedule import AROUND_THE_CLOCK, Schedule
from kokdsl.values import UNKNOWN

_SCALAR_TYPES = {
    "bool": BOOL, "integer": INTEGER, "decimal": DECIMAL, "percent": PERCENT,
    "text": TEXT, "date": DATE, "schedule": SCHEDULE,
}

_ORDER_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_EQ_OPS = {"=": operator.eq, "!=": operator.ne}


class CompileResult:
    def __init__(self, rulebook: CompiledRulebook | None, diagnostics: list[Diagnostic]):
        self.rulebook = rulebook
        self.diagnostics = diagnostics


def compile_rulebook(tree: ast.Rulebook, source: str = "") -> CompileResult:
    """Resolve and type-check a parsed rulebook. The result has a rulebook even
    when there are errors (for tooling), but it must not be evaluated then."""
    return _Compiler(tree, source).run()


def _suggest(name: str, candidates) -> str | None:
    match = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return match[0] if match else None


def _hint(params: dict, name: str, candidates) -> dict:
    suggestion = _suggest(name, candidates)
    if suggestion:
        params = dict(params, hint_code="hint.did_you_mean", suggestion=suggestion)
    return params


class _Compiler:
    def __init__(self, tree: ast.Rulebook, source: str):
        self.tree = tree
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self.facts: dict[str, FactSpec] = {}
        self.records: dict[str, RecordSpec] = {}
        self.used_facts: set[str] = set()
        self.closures: dict[int, object] = {}
        self.types: dict[int, Type] = {}
        self.resolved: dict[int, str] = {}  # id(Name node) -> "var" | "symbol" | "fact"
        # per requirement: fact -> fields read; loop variable -> its list fact
        self.deps: dict[str, set[str]] = {}
        self.var_sources: dict[str, str] = {}

    def error(self, code: str, span, **params):
        self.diagnostics.append(Diagnostic(ERROR, code, params, span=span))

    def warn(self, code: str, span, **params):
        self.diagnostics.append(Diagnostic(WARNING, code, params, span=span))

    # -- declarations ------------------------------------------------------

    def run(self) -> CompileResult:
        header = self.check_header()
        self.declare_records()
        self.declare_facts()
        requirements, chapters = self.compile_requirements()
        for fact in self.facts.values():
            if fact.name not in self.used_facts and not fact.input_only:
                self.warn("compile.unused_fact", fact.span, name=fact.name)

        types, resolved = self.types, self.resolved

        def codegen():
            from kokdsl.codegen import generate_outcomes

            return generate_outcomes(requirements, types, resolved)

        compiled = CompiledRulebook(
            name=header.name, edition=header.edition, valid_from=header.valid_from, source=header.source,
            facts=tuple(self.facts.values()), records=self.records, requirements=tuple(requirements),
            chapters=tuple(chapters), selection=header.selection,
            sha256=hashlib.sha256(self.source.encode("utf-8")).hexdigest(),
            file=self.tree.file, closures=self.closures, types=self.types, codegen=codegen,
        )
        return CompileResult(compiled, self.diagnostics)

    def check_header(self) -> ast.Header:
        headers = [i for i in self.tree.items if isinstance(i, ast.Header)]
        if not headers:
            self.error("compile.no_header", ast.Span(self.tree.file, 1, 1, 1, 1))
            return ast.Header("", 0)
        for extra in headers[1:]:
            self.error("compile.duplicate_header", extra.span, line=headers[0].span.line)
        return headers[0]

    def declare_records(self) -> None:
        # Names first, then fields, so a fact or field may name any record.
        declared = []
        for decl in (i for i in self.tree.items if isinstance(i, ast.RecordDecl)):
            if decl.name in self.records:
                self.error("compile.duplicate_record", decl.span, name=decl.name)
                continue
            self.records[decl.name] = RecordSpec(decl.name, ())
            declared.append(decl)
        for decl in declared:
            fields, seen = [], set()
            for f in decl.fields:
                if f.name in seen:
                    self.error("compile.duplicate_field", f.span, name=f.name, record=decl.name)
                    continue
                seen.add(f.name)
                fields.append(FieldSpec(f.name, self.resolve_type(f.type, allow_list=False), f.doc, f.display))
            self.records[decl.name] = RecordSpec(decl.name, tuple(fields))

    def declare_facts(self) -> None:
        for item in (i for i in self.tree.items if isinstance(i, ast.FactDecl)):
            if item.name in self.facts:
                self.error("compile.duplicate_fact", item.span, name=item.name, line=self.facts[item.name].span.line)
                continue
            self.facts[item.name] = FactSpec(item.name, self.resolve_type(item.type, allow_list=True),
                                             item.doc, item.input_only, span=item.span, display=item.display)
            if _is_expression_keyword(item.name):
                self.warn("compile.keyword_name", item.span, name=item.name)

    def compile_requirements(self) -> tuple[list[CompiledRequirement], list[ast.Chapter]]:
        header = next((i for i in self.tree.items if isinstance(i, ast.Header)), None)
        self.edition_start = header.valid_from if header else None
        requirements, chapters, seen_ids = [], [], {}
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
                requirements.append(self.compile_requirement(item, chapter))
        return requirements, chapters

    def resolve_type(self, texpr: ast.TypeExpr, allow_list: bool) -> Type:
        if texpr.kind in _SCALAR_TYPES:
            return _SCALAR_TYPES[texpr.kind]
        if texpr.kind in ("enum", "set"):
            seen = set()
            for value in texpr.values:
                if value in seen:
                    self.error("compile.duplicate_value", texpr.span, value=value)
                seen.add(value)
            return Type(texpr.kind, tuple(dict.fromkeys(texpr.values)))
        if texpr.kind == "list":
            if not allow_list:
                self.error("compile.nested_list", texpr.span)
                return ERROR_TYPE
            if texpr.record not in self.records:
                self.error("compile.unknown_record", texpr.span,
                           **_hint({"name": texpr.record}, texpr.record, self.records))
                return ERROR_TYPE
            return Type("list", record=texpr.record)
        raise AssertionError(texpr.kind)

    def compile_requirement(self, req: ast.Requirement, chapter: str | None) -> CompiledRequirement:
        self.deps, self.var_sources = {}, {}
        condition_fn = None
        if req.condition is not None:
            ctype, condition_fn = self.expr(req.condition, {})
            self.expect_bool(ctype, req.condition, "compile.condition_not_bool")
        ctype, check_fn = self.expr(req.check, {})
        self.expect_bool(ctype, req.check, "compile.check_not_bool")
        self.check_topic(req)
        self.check_provenance(req)
        return CompiledRequirement(
            id=req.id, title=req.title, modality=Modality(req.modality), text=req.text, chapter=chapter,
            topic=req.topic, source=req.source, condition=req.condition, check=req.check,
            condition_fn=condition_fn, check_fn=check_fn,
            dependencies={k: frozenset(v) for k, v in self.deps.items()}, span=req.span,
            status=req.status or ast.IN_FORCE, sources=req.sources, valid_from=req.valid_from,
            valid_to=req.valid_to,
        )

    def check_provenance(self, req: ast.Requirement):
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
        if all(s.date is not None and s.date > start for s in req.sources):
            latest = min(req.sources, key=lambda s: s.date)
            self.error("compile.source_after_edition", latest.span, id=req.id, source=latest.text,
                       date=latest.date.isoformat(), start=start.isoformat())

    def check_topic(self, req: ast.Requirement):
        # Topics come from a shared vocabulary so regions compare area by area.
        from kokdsl.topics import vocabulary

        if req.topic is not None and req.topic not in vocabulary():
            self.warn("compile.unknown_topic", req.topic_span,
                      **_hint({"name": req.topic, "known": ", ".join(vocabulary())}, req.topic, vocabulary()))

    def expect_bool(self, t: Type, node, code: str):
        if t.kind not in ("bool", "error"):
            self.error(code, node.span, type=_TypeName(t))

    # -- expressions -------------------------------------------------------

    def expr(self, node, scope: dict[str, Type], expected: Type | None = None):
        """Type-check and compile one expression: returns (Type, closure)."""
        method = getattr(self, "expr_" + type(node).__name__)
        t, fn = method(node, scope, expected)
        self.closures[id(node)] = fn
        self.types[id(node)] = t
        return t, fn

    def expr_Literal(self, node: ast.Literal, scope, expected):
        value = node.value
        return _SCALAR_TYPES[node.kind], (lambda env: value)

    def expr_AroundTheClock(self, node, scope, expected):
        return SCHEDULE, (lambda env: AROUND_THE_CLOCK)

    def expr_Name(self, node: ast.Name, scope, expected):
        name = node.name
        if name in scope:
            self.resolved[id(node)] = "var"
            return scope[name], (lambda env: env[name])
        # A closed-set value where one is expected: `utbildning = högskola`.
        if expected is not None and expected.kind in ("enum", "set") and name in expected.values:
            self.resolved[id(node)] = "symbol"
            return Type("enum", expected.values), (lambda env: name)
        if name in self.facts:
            self.resolved[id(node)] = "fact"
            self.used_facts.add(name)
            self.deps.setdefault(name, set())
            return self.facts[name].type, (lambda env: env[name])
        if expected is not None and expected.kind in ("enum", "set"):
            params = _hint({"value": name, "allowed": ", ".join(expected.values)}, name, expected.values)
            self.error("compile.value_not_in_set", node.span, **params)
            return ERROR_TYPE, (lambda env: UNKNOWN)
        if any(name in spec.type.values for spec in self.facts.values()) or any(
            name in f.type.values for r in self.records.values() for f in r.fields
        ):
            self.error("compile.value_without_context", node.span, name=name)
            return ERROR_TYPE, (lambda env: UNKNOWN)
        candidates = set(self.facts) | set(scope)
        self.error("compile.undefined_name", node.span, **_hint({"name": name}, name, candidates))
        return ERROR_TYPE, (lambda env: UNKNOWN)

    def expr_Field(self, node: ast.Field, scope, expected):
        stype, sfn = self.expr(node.subject, scope)
        if stype.kind == "error":
            return ERROR_TYPE, (lambda env: UNKNOWN)
        if stype.kind != "record":
            self.error("compile.field_of_non_record", node.span, name=node.name, type=_TypeName(stype))
            return ERROR_TYPE, (lambda env: UNKNOWN)
        record = self.records[stype.record]
        spec = record.field(node.name)
        if spec is None:
            params = _hint({"name": node.name, "record": record.name}, node.name, [f.name for f in record.fields])
            self.error("compile.undefined_field", node.span, **params)
            return ERROR_TYPE, (lambda env: UNKNOWN)
        # Record the dependency: the list fact this variable ranges over.
        if isinstance(node.subject, ast.Name) and node.subject.name in self.var_sources:
            self.deps.setdefault(self.var_sources[node.subject.name], set()).add(node.name)
        name = node.name

        def field(env):
            subject = sfn(env)
            if subject is UNKNOWN:
                return UNKNOWN
            return subject.fields[name]

        return spec.type, field

    def expr_Arith(self, node: ast.Arith, scope, expected):
        lt, lfn = self.expr(node.left, scope)
        rt, rfn = self.expr(node.right, scope)
        if "error" in (lt.kind, rt.kind):
            return ERROR_TYPE, (lambda env: UNKNOWN)
        if lt.kind == "schedule" or rt.kind == "schedule" or node.op in _SCHEDULE_OPS:
            return self.schedule_arith(node, lt, lfn, rt, rfn)
        if not (lt.is_numeric and rt.is_numeric):
            self.error("compile.arith_not_numeric", node.span, op=node.op, left=_TypeName(lt), right=_TypeName(rt))
            return ERROR_TYPE, (lambda env: UNKNOWN)
        op = node.op
        if op == "/":
            result = DECIMAL

            def arith(env):
                a = lfn(env)
                if a is UNKNOWN:
                    return UNKNOWN
                b = rfn(env)
                if b is UNKNOWN or b == 0:
                    return UNKNOWN
                return Fraction(a) / b

            return result, arith
        if lt.kind == rt.kind:
            result = Type(lt.kind, unit=lt.unit or rt.unit)
        elif op in "+-" and "percent" in (lt.kind, rt.kind):
            self.error("compile.percent_mixed", node.span)
            return ERROR_TYPE, (lambda env: UNKNOWN)
        else:
            result = Type("decimal", unit=lt.unit or rt.unit)
        fn = {"+": operator.add, "-": operator.sub, "*": operator.mul}[op]

        def arith(env):
            a = lfn(env)
            if a is UNKNOWN:
                return UNKNOWN
            b = rfn(env)
            if b is UNKNOWN:
                return UNKNOWN
            return fn(a, b)

        return result, arith

    def schedule_arith(self, node: ast.Arith, lt: Type, lfn, rt: Type, rfn):
        """Weekly schedules as sets of minutes: + union, - or utom difference,
        snitt intersection."""
        if not (lt.kind == rt.kind == "schedule") or node.op not in _SCHEDULE_METHODS:
            self.error("compile.schedule_op", node.span, op=_OpName(node.op), left=_TypeName(lt),
                       right=_TypeName(rt))
            return ERROR_TYPE, (lambda env: UNKNOWN)
        method = _SCHEDULE_METHODS[node.op]

        def schedule_op(env):
            a = lfn(env)
            if a is UNKNOWN:
                return UNKNOWN
            b = rfn(env)
            if b is UNKNOWN:
                return UNKNOWN
            return method(a, b)

        return SCHEDULE, schedule_op

    def expr_Compare(self, node: ast.Compare, scope, expected):
        # A bare closed-set value on either side takes its type from the other.
        if _is_bare_name(node.left, scope, self.facts):
            rt, rfn = self.expr(node.right, scope)
            lt, lfn = self.expr(node.left, scope, rt if rt.kind == "enum" else None)
        else:
            lt, lfn = self.expr(node.left, scope)
            rt, rfn = self.expr(node.right, scope, lt if lt.kind == "enum" else None)
        if "error" in (lt.kind, rt.kind):
            return BOOL, (lambda env: UNKNOWN)
        if not self.comparable(lt, rt, node):
            return BOOL, (lambda env: UNKNOWN)
        op_name = node.op
        if op_name in _ORDER_OPS:
            if not (lt.is_numeric or lt.kind == "date"):
                self.error("compile.not_ordered", node.span, op=op_name, type=_TypeName(lt))
                return BOOL, (lambda env: UNKNOWN)
            op = _ORDER_OPS[op_name]
        else:
            op = _EQ_OPS[op_name]
        if lt.kind == "text":
            # Names typed by people: compare without regard to case.
            inner = op

            def op(a, b):
                return inner(a.casefold(), b.casefold())

        def compare(env):
            a = lfn(env)
            if a is UNKNOWN:
                return UNKNOWN
            b = rfn(env)
            if b is UNKNOWN:
                return UNKNOWN
            return op(a, b)

        if isinstance(node.right, ast.IfElse):
            return BOOL, _compare_each_branch(compare, op, lfn, node.right, self.closures)
        return BOOL, compare

    def comparable(self, lt: Type, rt: Type, node) -> bool:
        if lt.is_numeric and rt.is_numeric:
            if {"percent", "integer"} == {lt.kind, rt.kind}:
                self.error("compile.percent_vs_number", node.span)
                return False
            return True
        if lt.kind == rt.kind and lt.kind != "enum":
            return True
        if lt.kind == rt.kind == "enum":
            return True
        self.error("compile.type_mismatch", node.span, op=getattr(node, "op", "="), left=_TypeName(lt), right=_TypeName(rt))
        return False

    def expr_Covers(self, node: ast.Covers, scope, expected):
        lt, lfn = self.expr(node.left, scope)
        rt, rfn = self.expr(node.right, scope)
        for t, side in ((lt, node.left), (rt, node.right)):
            if t.kind not in ("schedule", "error"):
                self.error("compile.covers_needs_schedule", side.span, type=_TypeName(t))
                return BOOL, (lambda env: UNKNOWN)

        def covers(env):
            a = lfn(env)
            if a is UNKNOWN:
                return UNKNOWN
            b = rfn(env)
            if b is UNKNOWN:
                return UNKNOWN
            return a.covers(b)

        return BOOL, covers

    def expr_Member(self, node: ast.Member, scope, expected):
        ct, cfn = self.expr(node.collection, scope)
        if ct.kind == "error":
            return BOOL, (lambda env: UNKNOWN)
        if ct.kind != "set":
            self.error("compile.member_needs_set", node.collection.span, type=_TypeName(ct))
            return BOOL, (lambda env: UNKNOWN)
        et, efn = self.expr(node.element, scope, ct)
        if et.kind == "error":
            return BOOL, (lambda env: UNKNOWN)
        if et.kind != "enum":
            self.error("compile.type_mismatch", node.span, op="i", left=_TypeName(et), right=_TypeName(ct))
            return BOOL, (lambda env: UNKNOWN)
        negated = node.negated

        def member(env):
            e = efn(env)
            if e is UNKNOWN:
                return UNKNOWN
            c = cfn(env)
            if c is UNKNOWN:
                return UNKNOWN
            return (e in c) is not negated

        return BOOL, member

    def expr_Not(self, node: ast.Not, scope, expected):
        t, fn = self.expr(node.operand, scope)
        self.expect_bool(t, node.operand, "compile.operand_not_bool")

        def negation(env):
            v = fn(env)
            return UNKNOWN if v is UNKNOWN else not v

        return BOOL, negation

    def expr_Logic(self, node: ast.Logic, scope, expected):
        lt, lfn = self.expr(node.left, scope)
        rt, rfn = self.expr(node.right, scope)
        self.expect_bool(lt, node.left, "compile.operand_not_bool")
        self.expect_bool(rt, node.right, "compile.operand_not_bool")
        if node.op == "and":
            def logic(env):
                a = lfn(env)
                if a is False:
                    return False
                b = rfn(env)
                if b is False:
                    return False
                return UNKNOWN if (a is UNKNOWN or b is UNKNOWN) else True
        else:
            def logic(env):
                a = lfn(env)
                if a is True:
                    return True
                b = rfn(env)
                if b is True:
                    return True
                return UNKNOWN if (a is UNKNOWN or b is UNKNOWN) else False
        return BOOL, logic

    def expr_IfElse(self, node: ast.IfElse, scope, expected):
        ct, cfn = self.expr(node.condition, scope)
        self.expect_bool(ct, node.condition, "compile.condition_not_bool")
        tt, tfn = self.expr(node.then, scope, expected)
        ot, ofn = self.expr(node.otherwise, scope, expected)
        if "error" in (tt.kind, ot.kind):
            result = ERROR_TYPE
        elif tt.is_numeric and ot.is_numeric:
            result = tt if tt.kind == ot.kind else DECIMAL
        elif tt.kind == ot.kind:
            result = tt
        else:
            self.error("compile.branches_differ", node.span, left=_TypeName(tt), right=_TypeName(ot))
            result = ERROR_TYPE

        def if_else(env):
            c = cfn(env)
            if c is True:
                return tfn(env)
            if c is False:
                return ofn(env)
            # Unknown condition: the value is known only if both branches agree.
            a, b = tfn(env), ofn(env)
            return a if (a is not UNKNOWN and b is not UNKNOWN and a == b) else UNKNOWN

        return result, if_else

    def bind(self, var: str, collection: ast.Expr, scope: dict, span) -> tuple[dict, object, Type | None]:
        """Check a `x i L` binding: returns the body's scope, the collection
        closure and the collection's type (None after an error)."""
        ct, cfn = self.expr(collection, scope)
        if var in self.facts or var in scope:
            self.error("compile.shadowing", span, name=var)
        if ct.kind == "error":
            return dict(scope, **{var: ERROR_TYPE}), cfn, None
        if ct.kind == "list":
            vt = Type("record", record=ct.record)
        elif ct.kind == "set":
            vt = Type("enum", ct.values)
        else:
            self.error("compile.not_a_collection", collection.span, type=_TypeName(ct))
            return dict(scope, **{var: ERROR_TYPE}), cfn, None
        inner = dict(scope)
        inner[var] = vt
        # Remember which list fact the variable ranges over, for dependencies.
        if isinstance(collection, ast.Name) and collection.name in self.facts:
            self.var_sources[var] = collection.name
        return inner, cfn, ct

    def expr_Quantifier(self, node: ast.Quantifier, scope, expected):
        inner, cfn, ct = self.bind(node.var, node.collection, scope, node.span)
        bt, bfn = self.expr(node.body, inner)
        self.expect_bool(bt, node.body, "compile.operand_not_bool")
        var, kind = node.var, node.kind
        # all: a False element decides; some/none: a True element decides.
        decisive = kind != "all"

        def quantifier(env):
            items = cfn(env)
            if items is UNKNOWN:
                return UNKNOWN
            unknown = False
            hit = False  # all: found a False; some/none: found a True
            saved = env.get(var)
            try:
                for item in (sorted(items) if isinstance(items, frozenset) else items):
                    env[var] = item
                    v = bfn(env)
                    if v is UNKNOWN:
                        unknown = True
                    elif v is decisive:
                        hit = True
                        break
            finally:
                if saved is None:
                    env.pop(var, None)
                else:
                    env[var] = saved
            if kind == "all":
                return False if hit else (UNKNOWN if unknown else True)
            if kind == "some":
                return True if hit else (UNKNOWN if unknown else False)
            return False if hit else (UNKNOWN if unknown else True)

        return BOOL, quantifier

    def expr_Count(self, node: ast.Count, scope, expected):
        if node.var is None:
            ct, cfn = self.expr(node.collection, scope)
            if ct.kind not in ("list", "set", "error"):
                self.error("compile.not_a_collection", node.collection.span, type=_TypeName(ct))

            def count(env):
                items = cfn(env)
                return UNKNOWN if items is UNKNOWN else len(items)

            return INTEGER, count
        inner, cfn, ct = self.bind(node.var, node.collection, scope, node.span)
        bt, bfn = self.expr(node.condition, inner)
        self.expect_bool(bt, node.condition, "compile.operand_not_bool")
        return INTEGER, _fold(node.var, cfn, bfn, counting=True)

    def expr_Sum(self, node: ast.Sum, scope, expected):
        inner, cfn, ct = self.bind(node.var, node.collection, scope, node.span)
        bt, bfn = self.expr(node.body, inner)
        if bt.kind != "error" and not bt.is_numeric:
            self.error("compile.arith_not_numeric", node.body.span, op="summa", left=_TypeName(bt), right=_TypeName(bt))
            return ERROR_TYPE, (lambda env: UNKNOWN)
        return bt, _fold(node.var, cfn, bfn, counting=False)

    def expr_Hours(self, node: ast.Hours, scope, expected):
        t, fn = self.expr(node.operand, scope)
        if t.kind not in ("schedule", "error"):
            self.error("compile.hours_needs_schedule", node.operand.span, type=_TypeName(t))
            return ERROR_TYPE, (lambda env: UNKNOWN)

        def hours(env):
            v = fn(env)
            return UNKNOWN if v is UNKNOWN else v.hours()

        return HOURS, hours


# Operators on weekly schedules, by the Schedule method that computes them.
_SCHEDULE_METHODS = {"+": Schedule.union, "-": Schedule.minus, "except": Schedule.minus,
                     "intersect": Schedule.intersection}
_SCHEDULE_OPS = ("except", "intersect")


class _OpName:
    """An operator as the reader writes it: `utom`/`except` for "except"."""

    def __init__(self, op: str):
        self.op = op

    def render(self, lang: str) -> str:
        from kokdsl.parser import canonical_keyword

        return canonical_keyword(self.op, lang) if self.op in _SCHEDULE_OPS else self.op

    def __eq__(self, other):
        return isinstance(other, _OpName) and other.op == self.op

    def __hash__(self):
        return hash(self.op)


_EXPRESSION_KEYWORDS = ("not", "count", "sum", "hours", "true", "false", "around_the_clock", "all", "some", "none")


def _is_expression_keyword(name: str) -> bool:
    """A fact named like a keyword that can start an expression can be
    declared but never referenced."""
    from kokdsl.parser import is_keyword

    return any(is_keyword(name, concept) for concept in _EXPRESSION_KEYWORDS)


def _compare_each_branch(compare, op, lfn, right: ast.IfElse, closures):
    """`a >= (40 om c annars 45)` with c unknown is still decided when a meets
    (or misses) both thresholds: compare against each branch and agree."""
    cond, then, otherwise = closures[id(right.condition)], closures[id(right.then)], closures[id(right.otherwise)]

    def compare_branches(env):
        if cond(env) is not UNKNOWN:
            return compare(env)
        a = lfn(env)
        if a is UNKNOWN:
            return UNKNOWN
        x, y = then(env), otherwise(env)
        if x is UNKNOWN or y is UNKNOWN:
            return UNKNOWN
        first, second = op(a, x), op(a, y)
        return first if first == second else UNKNOWN

    return compare_branches


def _fold(var: str, cfn, bfn, counting: bool):
    """antal(x i L: villkor) counts elements where the condition holds;
    summa(x i L: värde) adds values. Any unknown element makes the total unknown."""

    def fold(env):
        items = cfn(env)
        if items is UNKNOWN:
            return UNKNOWN
        total = 0
        saved = env.get(var)
        try:
            for item in (sorted(items) if isinstance(items, frozenset) else items):
                env[var] = item
                v = bfn(env)
                if v is UNKNOWN:
                    return UNKNOWN
                total += (1 if v else 0) if counting else v
        finally:
            if saved is None:
                env.pop(var, None)
            else:
                env[var] = saved
        return total

    return fold


def _is_bare_name(node, scope, facts) -> bool:
    return isinstance(node, ast.Name) and node.name not in scope and node.name not in facts


class _TypeName:
    """A type, described in the reader's language when the message is rendered."""

    def __init__(self, t: Type):
        self.t = t

    def render(self, lang: str) -> str:
        from kokdsl.messages import message

        return message(f"type.{self.t.kind}", lang, record=self.t.record or "")

    def __eq__(self, other):
        return isinstance(other, _TypeName) and other.t == self.t

    def __hash__(self):
        return hash(self.t)
