"""The fast path: each requirement's condition and check as generated Python.

The compiler's closures are the reference semantics and serve explanations;
this module writes the same three-valued logic out as straight-line Python
source and compile()s it, the way Jinja compiles templates. One function for
the whole rulebook (or for each GROUP of requirements) reads the facts once and
returns every outcome ("met", "not_met", ...), with no call per AST node or per
requirement, and checks for UNKNOWN only where a value can be unknown.

A property test holds the generated code equal to the closures. Should Python
refuse a generated function (an absurdly deep expression), the group's
requirements get a function each, and one Python refuses too runs by its closures.

One module, just over 400 lines: one gen_ method per expression kind, beside
the helpers that keep the generated code's UNKNOWN tests minimal.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from typing import Any

from kokdsl import ast
from kokdsl.compiled import CompiledRequirement, Env, OutcomeFunction, Type
from kokdsl.enums import Outcome
from kokdsl.schedule import AROUND_THE_CLOCK
from kokdsl.values import ASSESSMENT_DATE, UNKNOWN, assessment_date, between, date_arith
from kokdsl.visitor import NodeVisitor

Scope = dict[str, str]  # loop variable -> the local that holds it
Code = tuple[str, bool]  # (Python expression or local, may it be UNKNOWN)

_ORDER = {"<", "<=", ">", ">="}
_SCHEDULE_METHODS = {"+": "union", "-": "minus", "except": "minus", "intersect": "intersection"}
_PY_OP = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


# Requirements per generated function: one function for a whole rulebook
# saves a call and the fact reads per requirement; groups keep each function
# a size Python compiles quickly.
GROUP = 100


def generate_outcomes(requirements: Iterable[CompiledRequirement], types: dict[int, Type],
                      resolved: dict[int, str]) -> OutcomeFunction:
    """One function over a facts dict (and the assessment date, else the
    facts' own or today) that returns every outcome in book order."""
    reqs = list(requirements)
    groups = [_group_function(reqs[i:i + GROUP], types, resolved) for i in range(0, len(reqs), GROUP)]
    if len(groups) == 1:
        return groups[0]

    def outcomes(env: Env, day: datetime.date | None = None) -> list[Outcome]:
        out: list[Outcome] = []
        for group in groups:
            out += group(env, day)
        return out

    return outcomes


def _group_function(reqs: list[CompiledRequirement], types: dict[int, Type],
                    resolved: dict[int, str]) -> OutcomeFunction:
    """The requirements' outcomes from one generated function; should Python
    refuse it, each requirement on its own (and by its closures when Python
    refuses that too)."""
    try:
        source, namespace = _Writer(types, resolved).group(reqs)
        code = compile(source, f"<kok {reqs[0].id}…>" if reqs else "<kok>", "exec")
    except (RecursionError, SyntaxError, MemoryError):
        functions = [_requirement_function(req, types, resolved) for req in reqs]

        def one_by_one(env: Env, day: datetime.date | None = None) -> list[Outcome]:
            if day is not None:
                env = {**env, ASSESSMENT_DATE: day}
            return [fn(env) for fn in functions]

        return one_by_one
    exec(code, namespace)  # noqa: S102 - our own generated source, never user text
    outcomes: OutcomeFunction = namespace["outcomes"]
    return outcomes


def _requirement_function(req: CompiledRequirement, types: dict[int, Type],
                          resolved: dict[int, str]) -> Callable[[Env], Outcome]:
    """One requirement's generated function (facts -> outcome), or its closures."""
    try:
        source, namespace = _Writer(types, resolved).requirement(req)
        code = compile(source, f"<kok {req.id}>", "exec")
    except (RecursionError, SyntaxError, MemoryError):
        return _closure_outcome(req)
    exec(code, namespace)  # noqa: S102 - our own generated source, never user text
    outcome: Callable[[Env], Outcome] = namespace["outcome"]
    return outcome


def _closure_outcome(req: CompiledRequirement) -> Callable[[Env], Outcome]:
    from kokdsl.evaluator import requirement_outcome

    return lambda env: requirement_outcome(req, dict(env))


def _constant_number(node: ast.Expr) -> int | Fraction | None:
    if (isinstance(node, ast.Literal) and node.kind in ("integer", "decimal", "percent")
            and isinstance(node.value, int | Fraction)):
        return node.value
    return None


def _scaled_by_constant(node: ast.Expr) -> tuple[Fraction, ast.Expr] | None:
    """(p/q, X) for `p/q * X` or `X * p/q` with a constant fraction p/q."""
    if isinstance(node, ast.Arith) and node.op == "*":
        for constant, other in ((node.left, node.right), (node.right, node.left)):
            value = _constant_number(constant)
            if isinstance(value, Fraction) and value.denominator != 1:
                return value, other
    return None


class _Writer(NodeVisitor):
    """Writes one requirement's function. gen() emits statements that leave a
    node's value in a local, and returns (python expression, may be UNKNOWN)."""

    method_prefix = "gen_"

    def __init__(self, types: dict[int, Type], resolved: dict[int, str]):
        self.types = types
        self.resolved = resolved
        self.lines: list[str] = []
        self.depth = 1  # in the function's body
        self.count = 0
        self.namespace: dict[str, Any] = {"UNKNOWN": UNKNOWN, "Fraction": Fraction, **{o.name: o for o in Outcome},
                                          "assessment_date": assessment_date, "between": between,
                                          "date_arith": date_arith}
        self.facts: dict[str, str] = {}  # fact name -> local
        self.uses_day = False  # whether the function needs the assessment date (the local `day`)

    # -- emitting ----------------------------------------------------------

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def temp(self, prefix: str = "t") -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def const(self, value: object) -> str:
        if isinstance(value, bool) or (isinstance(value, int) and not isinstance(value, bool)):
            return repr(value)
        name = self.temp("c")
        self.namespace[name] = value
        return name

    @contextlib.contextmanager
    def block(self, header: str) -> Iterator[None]:
        """`header` (an if, else or for line), then what is emitted inside, indented."""
        self.emit(header)
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    # -- a requirement -------------------------------------------------------

    def requirement(self, req: CompiledRequirement) -> tuple[str, dict[str, Any]]:
        """`def outcome(env, day=None)`: one requirement's outcome."""
        self.body(req, "o")
        return self.function("outcome", "return o"), self.namespace

    def group(self, reqs: list[CompiledRequirement]) -> tuple[str, dict[str, Any]]:
        """`def outcomes(env, day=None)`: the requirements' outcomes, in order."""
        results = []
        for req in reqs:
            results.append(self.temp("o"))
            self.body(req, results[-1])
        return self.function("outcomes", f"return [{', '.join(results)}]"), self.namespace

    def function(self, name: str, last: str) -> str:
        """The source of a function of the statements emitted: the facts read once, first."""
        reads = [f"    {local} = env[{fact!r}]" for fact, local in self.facts.items()]
        if self.uses_day:
            reads.append("    if day is None:")
            reads.append("        day = assessment_date(env)")
        return "\n".join([f"def {name}(env, day=None):", *reads, *self.lines, "    " + last]) + "\n"

    def body(self, req: CompiledRequirement, out: str) -> None:
        """Statements that leave the requirement's outcome in the local `out`."""
        validity = []
        if req.valid_from is not None:
            validity.append(f"day >= {self.const(req.valid_from)}")
        if req.valid_to is not None:
            validity.append(f"day <= {self.const(req.valid_to)}")
        if validity:
            self.uses_day = True
            self.emit(f"if {' and '.join(validity)}:")
            self.depth += 1
        if req.condition is None:
            value, unknown = self.gen(req.check, {})
            self.emit(f"{out} = {self.outcome_of(value, unknown)}")
        else:
            applies, applies_unknown = self.gen(req.condition, {})
            with self.block(f"if {applies} is False:"):
                self.emit(f"{out} = NOT_APPLICABLE")
            with self.block("else:"):
                value, unknown = self.gen(req.check, {})
                outcome = self.outcome_of(value, unknown)
                if applies_unknown:
                    # Met whether it applies or not; otherwise we cannot say.
                    outcome = f"(MET if {value} is True else CANNOT_ASSESS) if {applies} is UNKNOWN else {outcome}"
                self.emit(f"{out} = {outcome}")
        if validity:
            self.depth -= 1
            with self.block("else:"):
                self.emit(f"{out} = NOT_APPLICABLE")

    @staticmethod
    def outcome_of(value: str, unknown: bool) -> str:
        if unknown:
            return f"MET if {value} is True else (NOT_MET if {value} is False else CANNOT_ASSESS)"
        return f"MET if {value} else NOT_MET"

    # -- expressions ---------------------------------------------------------

    def gen(self, node: ast.Expr, scope: Scope) -> Code:
        code: Code = self.visit(node, scope)
        return code

    def unknown_test(self, *parts: Code) -> str:
        tests = [f"{expr} is UNKNOWN" for expr, unknown in parts if unknown]
        return " or ".join(tests)

    def guarded(self, expression: str, *parts: Code) -> Code:
        """Assign `expression` to a new local, UNKNOWN when an input is."""
        result = self.temp()
        test = self.unknown_test(*parts)
        self.emit(f"{result} = UNKNOWN if {test} else {expression}" if test else f"{result} = {expression}")
        return result, bool(test)

    def gen_Literal(self, node: ast.Literal, scope: Scope) -> Code:
        return self.const(node.value), False

    def gen_AroundTheClock(self, node: ast.AroundTheClock, scope: Scope) -> Code:
        return self.const(AROUND_THE_CLOCK), False

    def gen_Name(self, node: ast.Name, scope: Scope) -> Code:
        kind = self.resolved.get(id(node))
        if kind == "var":
            return scope[node.name], False
        if kind == "symbol":
            return self.const(node.name), False
        if node.name not in self.facts:
            self.facts[node.name] = self.temp("f")
        return self.facts[node.name], True

    def gen_Field(self, node: ast.Field, scope: Scope) -> Code:
        subject, unknown = self.gen(node.subject, scope)
        result = self.temp()
        access = f"{subject}.fields[{node.name!r}]"
        self.emit(f"{result} = UNKNOWN if {subject} is UNKNOWN else {access}" if unknown else f"{result} = {access}")
        return result, True

    def gen_Arith(self, node: ast.Arith, scope: Scope) -> Code:
        left = self.gen(node.left, scope)
        right = self.gen(node.right, scope)
        if self.types[id(node)].kind == "schedule":
            method = _SCHEDULE_METHODS[node.op]
            return self.guarded(f"{left[0]}.{method}({right[0]})", left, right)
        if self.types[id(node)].kind in ("date", "days", "months"):
            result, _ = self.guarded(f"date_arith({node.op!r}, {left[0]}, {right[0]})", left, right)
            return result, True  # a date beyond the calendar is unknown
        if node.op == "/":
            result = self.temp()
            test = self.unknown_test(left, right)
            test = f"{test} or {right[0]} == 0" if test else f"{right[0]} == 0"
            self.emit(f"{result} = UNKNOWN if {test} else Fraction({left[0]}) / {right[0]}")
            return result, True
        return self.guarded(f"{left[0]} {node.op} {right[0]}", left, right)

    def comparison(self, op: str, left: str, right: str, text: bool) -> str:
        if text:
            folded = self.namespace.get(right)
            if isinstance(folded, str) and right.startswith("c"):  # a constant: folded once, here
                return f"{left}.casefold() {_PY_OP[op]} {self.const(folded.casefold())}"
            return f"{left}.casefold() {_PY_OP[op]} {right}.casefold()"
        return f"{left} {_PY_OP[op]} {right}"

    def gen_Compare(self, node: ast.Compare, scope: Scope) -> Code:
        text = self.types[id(node.left)].kind == "text"
        if isinstance(node.right, ast.IfElse):
            return self.compare_each_branch(node, node.right, scope, text)
        numeric = self.types[id(node.left)].is_numeric
        threshold = _constant_number(node.right)
        scaled = _scaled_by_constant(node.right)
        left = self.gen(node.left, scope)
        if numeric and threshold is not None and not (isinstance(threshold, int) and
                                                      self.types[id(node.left)].kind == "integer"):
            # `andel >= 75 %`: compare numerator and denominator as ints
            # instead of through Fraction's slow rich comparison. Exact.
            p, q = threshold.numerator, threshold.denominator
            scaled_left = f"{left[0]}.numerator" if q == 1 else f"{left[0]}.numerator * {q}"
            return self.guarded(f"{scaled_left} {_PY_OP[node.op]} {p} * {left[0]}.denominator", left)
        if numeric and scaled is not None:
            # `besök_inom_3 >= 90 % * besök` as `10 * besök_inom_3 >= 9 * besök`:
            # both sides times the (positive) denominator, exact and in ints.
            factor, other = scaled
            right = self.gen(other, scope)
            p, q = factor.numerator, factor.denominator
            return self.guarded(f"{left[0]} * {q} {_PY_OP[node.op]} {p} * {right[0]}", left, right)
        right = self.gen(node.right, scope)
        return self.guarded(self.comparison(node.op, left[0], right[0], text), left, right)

    def compare_each_branch(self, node: ast.Compare, branch: ast.IfElse, scope: Scope, text: bool) -> Code:
        """`a >= (40 om c annars 45)` with c unknown is still decided when a
        meets, or misses, both thresholds (as closures._compare_each_branch)."""
        left = self.gen(node.left, scope)
        cond, cond_unknown = self.gen(branch.condition, scope)
        result = self.temp()
        for test, side in ((f"{cond} is True", branch.then), (f"{cond} is False", branch.otherwise)):
            keyword = "if" if side is branch.then else "elif"
            with self.block(f"{keyword} {test}:"):
                right = self.gen(side, scope)
                value, _ = self.guarded(self.comparison(node.op, left[0], right[0], text), left, right)
                self.emit(f"{result} = {value}")
        if cond_unknown:
            with self.block("else:"):
                then = self.gen(branch.then, scope)
                otherwise = self.gen(branch.otherwise, scope)
                test = self.unknown_test(left, then, otherwise)
                first = self.comparison(node.op, left[0], then[0], text)
                second = self.comparison(node.op, left[0], otherwise[0], text)
                agreed = f"(({first}) if ({first}) == ({second}) else UNKNOWN)"
                self.emit(f"{result} = UNKNOWN if {test} else {agreed}" if test else f"{result} = {agreed}")
        return result, True

    def gen_Covers(self, node: ast.Covers, scope: Scope) -> Code:
        left = self.gen(node.left, scope)
        right = self.gen(node.right, scope)
        return self.guarded(f"{left[0]}.covers({right[0]})", left, right)

    def gen_Member(self, node: ast.Member, scope: Scope) -> Code:
        element = self.gen(node.element, scope)
        collection = self.gen(node.collection, scope)
        op = "not in" if node.negated else "in"
        return self.guarded(f"{element[0]} {op} {collection[0]}", element, collection)

    def gen_Not(self, node: ast.Not, scope: Scope) -> Code:
        operand = self.gen(node.operand, scope)
        return self.guarded(f"not {operand[0]}", operand)

    def gen_Logic(self, node: ast.Logic, scope: Scope) -> Code:
        # and: False decides; or: True decides. Unknown only when nothing decides.
        decisive, other = ("False", "True") if node.op == "and" else ("True", "False")
        left, left_unknown = self.gen(node.left, scope)
        result = self.temp()
        with self.block(f"if {left} is {decisive}:"):
            self.emit(f"{result} = {decisive}")
        with self.block("else:"):
            right, right_unknown = self.gen(node.right, scope)
            if not left_unknown:
                self.emit(f"{result} = {right}")  # left is the neutral value here
            else:
                undecided = f"({decisive} if {right} is {decisive} else UNKNOWN)"
                self.emit(f"{result} = {right} if {left} is {other} else {undecided}")
        return result, left_unknown or right_unknown

    def gen_IfElse(self, node: ast.IfElse, scope: Scope) -> Code:
        cond, cond_unknown = self.gen(node.condition, scope)
        result = self.temp()
        unknown = cond_unknown
        with self.block(f"if {cond} is True:"):
            then = self.gen(node.then, scope)
            self.emit(f"{result} = {then[0]}")
        with self.block(f"elif {cond} is False:" if cond_unknown else "else:"):
            otherwise = self.gen(node.otherwise, scope)
            self.emit(f"{result} = {otherwise[0]}")
        unknown = unknown or then[1] or otherwise[1]
        if cond_unknown:
            with self.block("else:"):
                then = self.gen(node.then, scope)
                otherwise = self.gen(node.otherwise, scope)
                test = self.unknown_test(then, otherwise)
                agreed = f"({then[0]} if {then[0]} == {otherwise[0]} else UNKNOWN)"
                self.emit(f"{result} = UNKNOWN if {test} else {agreed}" if test else f"{result} = {agreed}")
        return result, unknown

    def loop(self, var: str, collection: ast.Expr, scope: Scope) -> tuple[str, bool, Scope, str]:
        """Open the collection; returns (collection local, may be unknown,
        body scope, the `for` header)."""
        items, unknown = self.gen(collection, scope)
        local = self.temp("v")
        ordered = f"sorted({items})" if self.types[id(collection)].kind == "set" else items
        return items, unknown, dict(scope, **{var: local}), f"for {local} in {ordered}:"

    def gen_Quantifier(self, node: ast.Quantifier, scope: Scope) -> Code:
        decisive = "False" if node.kind == "all" else "True"
        on_hit = "True" if node.kind == "some" else "False"
        on_none = "False" if node.kind == "some" else "True"
        items, items_unknown, inner, header = self.loop(node.var, node.collection, scope)
        result, seen_unknown = self.temp(), self.temp("u")
        self.open_unless_unknown(items, items_unknown, result)
        self.emit(f"{seen_unknown} = False")
        with self.block(header):
            body, body_unknown = self.gen(node.body, inner)
            with self.block(f"if {body} is {decisive}:"):
                self.emit(f"{result} = {on_hit}")
                self.emit("break")
            if body_unknown:
                with self.block(f"if {body} is UNKNOWN:"):
                    self.emit(f"{seen_unknown} = True")
        with self.block("else:"):
            self.emit(f"{result} = UNKNOWN if {seen_unknown} else {on_none}")
        if items_unknown:
            self.depth -= 1
        return result, True

    def open_unless_unknown(self, items: str, items_unknown: bool, result: str) -> None:
        """`result` is UNKNOWN when the collection is; what follows goes in the
        else branch (the caller dedents after it when items_unknown)."""
        if items_unknown:
            with self.block(f"if {items} is UNKNOWN:"):
                self.emit(f"{result} = UNKNOWN")
            self.emit("else:")
            self.depth += 1

    def fold(self, var: str, collection: ast.Expr, body_node: ast.Expr, scope: Scope, counting: bool) -> Code:
        items, items_unknown, inner, header = self.loop(var, collection, scope)
        result = self.temp()
        self.open_unless_unknown(items, items_unknown, result)
        self.emit(f"{result} = 0")
        with self.block(header):
            body, body_unknown = self.gen(body_node, inner)
            if body_unknown:
                with self.block(f"if {body} is UNKNOWN:"):
                    self.emit(f"{result} = UNKNOWN")
                    self.emit("break")
            self.emit(f"{result} += 1 if {body} else 0" if counting else f"{result} += {body}")
        if items_unknown:
            self.depth -= 1
        return result, True

    def gen_Count(self, node: ast.Count, scope: Scope) -> Code:
        if node.var is None:
            items = self.gen(node.collection, scope)
            return self.guarded(f"len({items[0]})", items)
        assert node.condition is not None  # the parser gives a bound count its condition
        return self.fold(node.var, node.collection, node.condition, scope, counting=True)

    def gen_Sum(self, node: ast.Sum, scope: Scope) -> Code:
        return self.fold(node.var, node.collection, node.body, scope, counting=False)

    def gen_AssessmentDate(self, node: ast.AssessmentDate, scope: Scope) -> Code:
        self.uses_day = True
        return "day", False

    def gen_SetLiteral(self, node: ast.SetLiteral, scope: Scope) -> Code:
        return self.const(frozenset(node.values)), False

    def gen_Between(self, node: ast.Between, scope: Scope) -> Code:
        x, low, high = self.gen(node.operand, scope), self.gen(node.low, scope), self.gen(node.high, scope)
        result = self.temp()
        self.emit(f"{result} = between({x[0]}, {low[0]}, {high[0]})")
        return result, True

    def gen_AtLeast(self, node: ast.AtLeast, scope: Scope) -> Code:
        n = self.gen(node.count, scope)
        candidates = self.gen(node.candidates, scope)
        collection = self.gen(node.collection, scope)
        return self.guarded(f"len({candidates[0]} & {collection[0]}) >= {n[0]}", n, candidates, collection)

    def gen_Hours(self, node: ast.Hours, scope: Scope) -> Code:
        operand = self.gen(node.operand, scope)
        return self.guarded(f"{operand[0]}.hours()", operand)
