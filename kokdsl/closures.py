"""Stage 2b: the closure backend. Turns each checked expression into a Python
closure over an environment dict: the reference semantics.

The closures implement Kleene's three-valued logic: a missing or invalid fact
is UNKNOWN, and UNKNOWN flows through every operator. `UNKNOWN or True` is
True and `UNKNOWN and False` is False, as a person would reason.

codegen.py writes the same semantics out as Python source for speed; property
tests hold the two equal. The explainer re-runs these closures per
sub-expression. Closures are built only for a rulebook without errors, so every
node here has a proper type.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

from kokdsl import ast
from kokdsl.compiled import Closure, Env, Type
from kokdsl.schedule import AROUND_THE_CLOCK, Schedule
from kokdsl.values import UNKNOWN, assessment_date, between, date_arith
from kokdsl.visitor import NodeVisitor

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "=": operator.eq, "!=": operator.ne,
}
_ARITH: dict[str, Callable[[Any, Any], Any]] = {"+": operator.add, "-": operator.sub, "*": operator.mul}
# Weekly schedules are sets of minutes: + union, - or utom difference, snitt intersection.
SCHEDULE_METHODS: dict[str, Callable[[Any, Any], Any]] = {
    "+": Schedule.union, "-": Schedule.minus, "except": Schedule.minus, "intersect": Schedule.intersection,
}


def unknown(env: Env) -> Any:
    """The closure of a requirement that cannot be evaluated (its rulebook has errors)."""
    return UNKNOWN


class ClosureBuilder(NodeVisitor):
    """visit_<Node> returns the node's closure; build() also records it by node id."""

    def __init__(self, types: dict[int, Type], resolved: dict[int, str]):
        self.types = types
        self.resolved = resolved
        self.closures: dict[int, Closure] = {}

    def build(self, node: ast.Expr) -> Closure:
        """The closure for node, kept by node id so the explanation can find each sub-expression's."""
        fn: Closure = self.visit(node)
        self.closures[id(node)] = fn
        return fn

    def visit_Literal(self, node: ast.Literal) -> Closure:
        value = node.value
        return lambda env: value

    def visit_AroundTheClock(self, node: ast.AroundTheClock) -> Closure:
        return lambda env: AROUND_THE_CLOCK

    def visit_Name(self, node: ast.Name) -> Closure:
        name = node.name
        if self.resolved.get(id(node)) == "symbol":  # a closed-set value stands for itself
            return lambda env: name
        return lambda env: env[name]  # a fact or a loop variable

    def visit_Field(self, node: ast.Field) -> Closure:
        sfn, name = self.build(node.subject), node.name

        def field(env: Env) -> Any:
            subject = sfn(env)
            if subject is UNKNOWN:
                return UNKNOWN
            return subject.fields[name]

        return field

    def visit_Arith(self, node: ast.Arith) -> Closure:
        lfn, rfn = self.build(node.left), self.build(node.right)
        if node.op == "/":
            def divide(env: Env) -> Any:
                a = lfn(env)
                if a is UNKNOWN:
                    return UNKNOWN
                b = rfn(env)
                if b is UNKNOWN or b == 0:
                    return UNKNOWN
                return Fraction(a) / b

            return divide
        if self.types[id(node)].kind == "schedule":
            return _strict(SCHEDULE_METHODS[node.op], lfn, rfn)
        if self.types[id(node)].kind in ("date", "days", "months"):
            op = node.op
            return _strict(lambda a, b: date_arith(op, a, b), lfn, rfn)
        return _strict(_ARITH[node.op], lfn, rfn)

    def visit_Compare(self, node: ast.Compare) -> Closure:
        lfn, rfn = self.build(node.left), self.build(node.right)
        op = _OPS[node.op]
        if self.types[id(node.left)].kind == "text":
            # Names typed by people: compare without regard to case.
            inner = op

            def op(a: Any, b: Any) -> Any:
                return inner(a.casefold(), b.casefold())

        compare = _strict(op, lfn, rfn)
        if isinstance(node.right, ast.IfElse):
            return _compare_each_branch(compare, op, lfn, node.right, self.closures)
        return compare

    def visit_Covers(self, node: ast.Covers) -> Closure:
        return _strict(lambda a, b: a.covers(b), self.build(node.left), self.build(node.right))

    def visit_Member(self, node: ast.Member) -> Closure:
        negated = node.negated
        return _strict(lambda e, c: (e in c) is not negated, self.build(node.element), self.build(node.collection))

    def visit_Not(self, node: ast.Not) -> Closure:
        fn = self.build(node.operand)

        def negation(env: Env) -> Any:
            v = fn(env)
            return UNKNOWN if v is UNKNOWN else not v

        return negation

    def visit_Logic(self, node: ast.Logic) -> Closure:
        lfn, rfn = self.build(node.left), self.build(node.right)
        # and: False decides; or: True decides. Unknown only when nothing decides.
        decisive = node.op != "and"

        def logic(env: Env) -> Any:
            a = lfn(env)
            if a is decisive:
                return a
            b = rfn(env)
            # a is UNKNOWN or neutral: a decisive or UNKNOWN b wins, else a stands.
            return b if (b is decisive or b is UNKNOWN) else a

        return logic

    def visit_IfElse(self, node: ast.IfElse) -> Closure:
        cfn, tfn, ofn = self.build(node.condition), self.build(node.then), self.build(node.otherwise)

        def if_else(env: Env) -> Any:
            c = cfn(env)
            if c is True:
                return tfn(env)
            if c is False:
                return ofn(env)
            # Unknown condition: the value is known only if both branches agree.
            a, b = tfn(env), ofn(env)
            return a if (a is not UNKNOWN and b is not UNKNOWN and a == b) else UNKNOWN

        return if_else

    def visit_Quantifier(self, node: ast.Quantifier) -> Closure:
        cfn, bfn = self.build(node.collection), self.build(node.body)
        var, kind = node.var, node.kind
        # all: a False element decides; some/none: a True element decides.
        decisive = kind != "all"

        def quantifier(env: Env) -> Any:
            items = cfn(env)
            if items is UNKNOWN:
                return UNKNOWN
            unknown = False
            hit = False  # all: found a False; some/none: found a True
            for _ in _each_bound(env, var, items):
                v = bfn(env)
                if v is UNKNOWN:
                    unknown = True
                elif v is decisive:
                    hit = True
                    break
            if kind == "some":
                return True if hit else (UNKNOWN if unknown else False)
            return False if hit else (UNKNOWN if unknown else True)

        return quantifier

    def visit_Count(self, node: ast.Count) -> Closure:
        cfn = self.build(node.collection)
        if node.var is None:
            return lambda env: (UNKNOWN if (items := cfn(env)) is UNKNOWN else len(items))
        assert node.condition is not None  # the parser gives a bound count its condition
        return _fold(node.var, cfn, self.build(node.condition), counting=True)

    def visit_Sum(self, node: ast.Sum) -> Closure:
        return _fold(node.var, self.build(node.collection), self.build(node.body), counting=False)

    def visit_AssessmentDate(self, node: ast.AssessmentDate) -> Closure:
        return assessment_date

    def visit_SetLiteral(self, node: ast.SetLiteral) -> Closure:
        values = frozenset(node.values)
        return lambda env: values

    def visit_Between(self, node: ast.Between) -> Closure:
        xfn, lofn, hifn = self.build(node.operand), self.build(node.low), self.build(node.high)
        return lambda env: between(xfn(env), lofn(env), hifn(env))

    def visit_AtLeast(self, node: ast.AtLeast) -> Closure:
        nfn, cfn, mfn = self.build(node.count), self.build(node.candidates), self.build(node.collection)

        def at_least(env: Env) -> Any:
            n, candidates, collection = nfn(env), cfn(env), mfn(env)
            if n is UNKNOWN or candidates is UNKNOWN or collection is UNKNOWN:
                return UNKNOWN
            return len(candidates & collection) >= n

        return at_least

    def visit_Hours(self, node: ast.Hours) -> Closure:
        fn = self.build(node.operand)

        def hours(env: Env) -> Any:
            v = fn(env)
            return UNKNOWN if v is UNKNOWN else v.hours()

        return hours


def _strict(op: Callable[[Any, Any], Any], lfn: Closure, rfn: Closure) -> Closure:
    """A binary operator that is UNKNOWN when either operand is (the right one
    is not evaluated when the left is unknown)."""

    def strict(env: Env) -> Any:
        a = lfn(env)
        if a is UNKNOWN:
            return UNKNOWN
        b = rfn(env)
        if b is UNKNOWN:
            return UNKNOWN
        return op(a, b)

    return strict


def _each_bound(env: Env, var: str, items: Any) -> Iterator[Any]:
    """Bind `var` in env to each item in turn (a set in sorted order). The
    outer binding of the name is given back when the loop ends, also by break
    or return: the generator is closed as soon as the loop drops it."""
    saved = env.get(var)
    try:
        for item in (sorted(items) if isinstance(items, frozenset) else items):
            env[var] = item
            yield item
    finally:
        if saved is None:
            env.pop(var, None)
        else:
            env[var] = saved


def _compare_each_branch(compare: Closure, op: Callable[[Any, Any], Any], lfn: Closure, right: ast.IfElse,
                         closures: dict[int, Closure]) -> Closure:
    """`a >= (40 om c annars 45)` with c unknown is still decided when a meets
    (or misses) both thresholds: compare against each branch and agree."""
    cond, then, otherwise = closures[id(right.condition)], closures[id(right.then)], closures[id(right.otherwise)]

    def compare_branches(env: Env) -> Any:
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


def _fold(var: str, cfn: Closure, bfn: Closure, counting: bool) -> Closure:
    """antal(x i L: villkor) counts elements where the condition holds;
    summa(x i L: värde) adds values. Any unknown element makes the total unknown."""

    def fold(env: Env) -> Any:
        items = cfn(env)
        if items is UNKNOWN:
            return UNKNOWN
        total = 0
        for _ in _each_bound(env, var, items):
            v = bfn(env)
            if v is UNKNOWN:
                return UNKNOWN
            total += (1 if v else 0) if counting else v
        return total

    return fold
