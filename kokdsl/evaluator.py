"""Stage 4: compiled rulebook x typed facts -> one result per requirement.

Outcomes come from each requirement's compiled closures (or the generated fast
path, which agrees with them). When a result's explanation is read, the
tracer walks the requirement's AST, takes every sub-expression's value from
the same closures, and keeps only the sub-results that decided the value
under Kleene's rules: a known result never rests on an unknown value. The
trace holds values, not words; kokdsl.prose writes it as sentences
(prose.findings), and the evaluator never calls it.

One module, over 400 lines: the tracer must follow the closures' semantics
node for node, so it sits beside the evaluation it explains.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, NamedTuple

import attrs

from kokdsl import ast
from kokdsl.compiled import Closure, CompiledRequirement, CompiledRulebook, Env
from kokdsl.diagnostics import key_path
from kokdsl.enums import Outcome
from kokdsl.selfreport import DataProblem, SelfReport
from kokdsl.values import ASSESSMENT_DATE, UNKNOWN, RecordValue, assessment_date, format_value
from kokdsl.visitor import NodeVisitor

# What evaluation gives; WAIVED only by a waiver.
OUTCOMES = (Outcome.MET, Outcome.NOT_MET, Outcome.CANNOT_ASSESS, Outcome.NOT_APPLICABLE)


@attrs.frozen
class Shown:
    """A value to show, formatted in the reader's language when rendered."""

    value: object
    kind: str | None = None
    unit: str | None = None

    def render(self, lang: str) -> str:
        """The value formatted for the reader of lang: decimal comma, units, yes/no in words."""
        return format_value(self.value, self.kind, lang, self.unit)


@attrs.frozen
class Finding:
    """One piece of an explanation: a message code, its parameters, and the
    findings beneath it (the reasons of a failing list element)."""

    code: str
    params: dict[str, object] = attrs.field(hash=False)
    children: tuple[Finding, ...] = ()
    path: str | None = None
    sentence: bool = False  # a whole sentence: capitalised, with a full stop


class RequirementResult:
    """The outcome of one requirement for one centre.

    A plain slotted class, not attrs: a national rerun makes one per
    requirement per centre. Traces and explanations are worked out when first
    read, so a rerun that only needs decisions never pays for them.
    """

    __slots__ = ("requirement", "outcome", "problems", "_trace", "_traces", "explanation", "explanation_key")

    def __init__(self, requirement: CompiledRequirement, outcome: Outcome, problems: tuple[DataProblem, ...] = (),
                 trace: Callable[[], RequirementTrace] | None = None,
                 explanation: tuple[Finding, ...] | None = None,
                 explanation_key: Callable[[], ExplanationKey | None] | None = None):
        self.requirement = requirement
        self.outcome = outcome
        self.problems = problems  # missing/invalid facts behind cannot_assess
        self._trace = trace
        self._traces: RequirementTrace | None = None
        # Where explanations of this requirement are kept, and the key of this
        # one: everything the trace depends on (see explanation_key()). None:
        # explained afresh each time.
        self.explanation_key = explanation_key
        # Why the outcome is what it is: given outright (a waiver's, a date
        # outside the requirement's validity), or None until prose.findings()
        # writes it from the trace and keeps it here. The evaluator holds
        # values, never words.
        self.explanation = explanation

    @property
    def traced(self) -> bool:
        """Whether the result was made with a trace (a waiver's is not)."""
        return self._trace is not None

    @property
    def trace(self) -> RequirementTrace:
        """What decided the outcome: the condition's and the check's traces.
        A result made without one (a waiver's, explained outright) has none:
        asking for it is a bug, not an empty trace without a rulebook."""
        if self._traces is None:
            if self._trace is None:
                raise ValueError(f"the result for {self.requirement.id} was made without a trace")
            self._traces = self._trace()
        return self._traces

    def __repr__(self) -> str:
        return f"RequirementResult({self.requirement.id!r}, {self.outcome!r})"


@attrs.frozen
class RequirementTrace:
    """The traces an outcome rests on: the condition's when it did not hold
    or is unknown, the check's whenever the check was needed."""

    condition: Trace | None
    check: Trace | None
    rulebook: CompiledRulebook = attrs.field(eq=False, repr=False)  # the explanation's names and types


class Evaluation:
    """One self-report evaluated against one rulebook: an outcome per
    requirement, in book order, and a result per requirement (`results`).

    A plain slotted class: a national rerun makes one per centre. The results
    are made when first read, each once, so that the decision's reasons are
    the very results in `results`; a rerun that needs only outcomes and the
    decision makes few of them.
    """

    __slots__ = ("rulebook", "report", "day", "outcomes", "_made", "_results")

    def __init__(self, rulebook: CompiledRulebook, report: SelfReport,
                 results: tuple[RequirementResult, ...] | None = None, day: datetime.date | None = None,
                 outcomes: Sequence[Outcome] | None = None):
        self.rulebook = rulebook
        self.report = report
        self.day = day  # the assessment date
        self._results = results
        self._made: list[RequirementResult | None] | None = None
        if results is not None:
            outcomes = [r.outcome for r in results]
        elif outcomes is None:
            raise ValueError("an evaluation needs its results or its outcomes")
        self.outcomes: Sequence[Outcome] = outcomes  # book order

    @property
    def results(self) -> tuple[RequirementResult, ...]:
        """One result per requirement, in book order."""
        if self._results is None:
            self._results = tuple(self.result(i) for i in range(len(self.outcomes)))
        return self._results

    def result(self, index: int) -> RequirementResult:
        """The result of the requirement at `index` in book order (made once)."""
        if self._results is not None:
            return self._results[index]
        made = self._made
        if made is None:
            made = self._made = [None] * len(self.outcomes)
        result = made[index]
        if result is None:
            result = made[index] = _result(self, index)
        return result

    def __repr__(self) -> str:
        return f"Evaluation({self.rulebook.name!r}, {self.report.file!r}, {list(self.outcomes)!r})"


class _Inputs(NamedTuple):
    """What a result's trace and explanation key read of its evaluation. Not
    the evaluation itself: it holds the results, and that cycle kept every
    centre's results alive until the garbage collector's next full pass."""

    rulebook: CompiledRulebook
    report: SelfReport
    day: datetime.date | None
    outcomes: Sequence[Outcome]


def _result(evaluation: Evaluation, index: int) -> RequirementResult:
    req, outcome = evaluation.rulebook.requirements[index], evaluation.outcomes[index]
    inputs = _Inputs(evaluation.rulebook, evaluation.report, evaluation.day, evaluation.outcomes)
    trace = functools.partial(_trace_result, inputs, index)
    key = functools.partial(explanation_key, inputs, index)
    if outcome is Outcome.CANNOT_ASSESS:
        return RequirementResult(req, outcome, _problems_for(req, evaluation.report), trace, None, key)
    if outcome is Outcome.NOT_APPLICABLE and evaluation.day is not None:
        outside = _outside_validity(req, evaluation.day)
        if outside:
            return RequirementResult(req, outcome, (), trace, tuple(outside))
    return RequirementResult(req, outcome, (), trace, None, key)


# (the cache, the key in it): explanations of a requirement for values already seen.
ExplanationKey = tuple[dict[Any, Any], Hashable]


def explanation_key(evaluation: Evaluation | _Inputs, index: int) -> ExplanationKey | None:
    """A trace, and so the explanation written from it, depends only on the
    requirement, its outcome, the assessment date and the values the
    requirement reads (a record list's elements with where they are and what
    they are called). Many centres give the same values to a requirement, so
    its explanation is written once per distinct values and kept per rulebook.
    None where a value cannot be a key."""
    req = evaluation.rulebook.requirements[index]
    facts = evaluation.report.facts
    try:
        values = tuple(_value_key(facts.get(fact, UNKNOWN), req.dependencies[fact]) for fact in req.dependencies)
        key = (index, evaluation.outcomes[index], evaluation.day, values)
        hash(key)
    except TypeError:  # an unhashable value
        return None
    cache: dict[Any, Any] = evaluation.rulebook.runtime.setdefault("explanations", {})
    if len(cache) >= EXPLANATIONS_KEPT:
        cache.clear()  # a run of distinct values: memory stays bounded
    return cache, key


EXPLANATIONS_KEPT = 4096  # per rulebook: about 10 MB; a bound of 50,000 cost 150 MB at 60,000 centres


def _value_key(value: object, fields: frozenset[str]) -> Hashable:
    """A value as a key: its type too (1, 1.0 and True are equal but read
    differently), a record by its path, label and the fields read."""
    if type(value) is tuple:
        return tuple(_record_key(item, fields) for item in value)
    return (type(value), value)


def _record_key(item: object, fields: frozenset[str]) -> Hashable:
    if not isinstance(item, RecordValue):
        return _value_key(item, frozenset())
    names = sorted(fields) if fields else sorted(item.fields)
    return (item.path, item.label, tuple((name, _value_key(item.fields.get(name), frozenset())) for name in names))


# Generating and compiling the fast path costs about as much as evaluating a
# few hundred centres by the closures; a single applicant never needs it.
GENERATE_AFTER = 3


def evaluate(rulebook: CompiledRulebook, report: SelfReport, day: datetime.date | None = None) -> Evaluation:
    """One outcome per requirement, in book order, for a validated self-report
    assessed on `day` (the run date, the value of `bedömningsdatum`; today
    when not given). The first few uses of a rulebook run its closures; later
    ones the generated code (GENERATE_AFTER). Results and explanations are
    made when read."""
    day = day or datetime.date.today()
    generated = rulebook.runtime.get("outcomes")
    if generated is not None:
        return Evaluation(rulebook, report, None, day, generated(report.facts, day))
    uses = rulebook.runtime["uses"] = rulebook.runtime.get("uses", 0) + 1
    if uses <= GENERATE_AFTER:
        env = dict(report.facts)
        env[ASSESSMENT_DATE] = day
        outcome_list = [requirement_outcome(req, env) for req in rulebook.requirements]
    else:
        outcome_list = rulebook.outcome_function()(report.facts, day)
    return Evaluation(rulebook, report, None, day, outcome_list)


def outcomes(rulebook: CompiledRulebook, facts: Env) -> list[tuple[CompiledRequirement, Outcome]]:
    """The bare outcomes through the reference closures (no generated code)."""
    env = dict(facts)
    return [(req, requirement_outcome(req, env)) for req in rulebook.requirements]


def requirement_outcome(req: CompiledRequirement, env: Env) -> Outcome:
    """One requirement's outcome by its closures: the reference semantics."""
    if (req.valid_from or req.valid_to) and not req.valid_on(assessment_date(env)):
        return Outcome.NOT_APPLICABLE
    if req.condition_fn is not None:
        applies = req.condition_fn(env)
        if applies is False:
            return Outcome.NOT_APPLICABLE
        value = req.check_fn(env)
        if applies is UNKNOWN:
            # Met whether it applies or not; otherwise we cannot say.
            return Outcome.MET if value is True else Outcome.CANNOT_ASSESS
    else:
        value = req.check_fn(env)
    if value is True:
        return Outcome.MET
    if value is False:
        return Outcome.NOT_MET
    return Outcome.CANNOT_ASSESS


def _trace_result(evaluation: Evaluation | _Inputs, index: int) -> RequirementTrace:
    rulebook = evaluation.rulebook
    req, outcome = rulebook.requirements[index], evaluation.outcomes[index]
    env = dict(evaluation.report.facts)  # a copy: the tracer binds loop variables in its environment
    env[ASSESSMENT_DATE] = evaluation.day
    tracer = _Tracer(rulebook)
    condition = tracer.trace(req.condition, env) if req.condition is not None else None
    if outcome == Outcome.NOT_APPLICABLE:
        return RequirementTrace(condition, None, rulebook)
    check = tracer.trace(req.check, env)
    # A condition that held is no part of the grounds; an unknown one is.
    if condition is not None and condition.value is not UNKNOWN:
        condition = None
    if outcome == Outcome.MET:
        condition = None  # met whether it applies or not
    return RequirementTrace(condition, check, rulebook)


def _outside_validity(req: CompiledRequirement, day: datetime.date) -> list[Finding]:
    """Why a requirement does not apply on `day` by its own validity, with the date."""
    if req.valid_from is not None and day < req.valid_from:
        return [Finding("finding.valid_from", {"date": req.valid_from.isoformat(), "day": day.isoformat()},
                        sentence=True)]
    if req.valid_to is not None and day > req.valid_to:
        return [Finding("finding.valid_to", {"date": req.valid_to.isoformat(), "day": day.isoformat()},
                        sentence=True)]
    return []


def _problems_for(req: CompiledRequirement, report: SelfReport) -> tuple[DataProblem, ...]:
    """The missing or invalid facts among those the requirement reads."""
    out = []
    for p in report.problems:
        fields = req.dependencies.get(p.fact)
        if fields is None:
            continue
        if p.field is None or p.field in fields:
            out.append(p)
    return tuple(out)


@attrs.frozen
class Trace:
    """One sub-result of a check and the sub-results that decided it.

    `value` is what the node's compiled closure returned: the same closures
    that decide outcomes, so an explanation can never disagree with its
    outcome. `parts` are only the sub-results that decided the value under
    Kleene's rules (never an unknown one when the value is known); `elements`
    are the list or set elements that decided a quantifier, count or sum.
    """

    node: object
    value: object
    parts: tuple[Trace, ...] = ()
    elements: tuple[Element, ...] = ()
    path: str | None = None  # where an unknown fact or field sits in the self-report
    total: int | None = None  # how many elements the collection held


@attrs.frozen
class Element:
    """One element of a list or set, and the trace of the body for it."""

    item: object
    trace: Trace

    @property
    def label(self) -> str:
        """How the explanation names the element: a record's own label, else the value itself."""
        return self.item.label if isinstance(self.item, RecordValue) else str(self.item)

    @property
    def path(self) -> str | None:
        """The element's JSON path in the self-report; None for a value of a set literal."""
        return self.item.path if isinstance(self.item, RecordValue) else None


def trace(rulebook: CompiledRulebook, node: ast.Expr, env: Env) -> Trace:
    """Evaluate `node` through its closure and record what decided it."""
    return _Tracer(rulebook).trace(node, env)


class _Tracer(NodeVisitor):
    method_prefix = "trace_"

    def __init__(self, rulebook: CompiledRulebook):
        self.closures: dict[int, Closure] = rulebook.closures

    def value(self, node: object, env: Env) -> object:
        return self.closures[id(node)](env)

    def trace(self, node: object, env: Env) -> Trace:
        result: Trace = self.visit(node, env, self.value(node, env))
        return result

    def generic_visit(self, node: object, env: Env, value: object) -> Trace:
        return self.generic(node, env, value)

    def traces(self, nodes: Iterable[object], env: Env) -> list[Trace]:
        return [self.trace(n, env) for n in nodes]

    def generic(self, node: object, env: Env, value: object) -> Trace:
        """Any node whose value is known only when all its operands are
        (arithmetic, comparison, covers, membership, hours, and constructs
        without a rule of their own)."""
        parts = self.traces([c for c in ast.children(node) if id(c) in self.closures], env)
        if value is UNKNOWN:
            unknown = [p for p in parts if p.value is UNKNOWN]
            return Trace(node, value, tuple(unknown or parts))
        if any(p.value is UNKNOWN for p in parts):
            return Trace(node, value)  # decided by a rule of its own: show the value alone
        return Trace(node, value, tuple(parts))

    def trace_Name(self, node: ast.Name, env: Env, value: object) -> Trace:
        # Only a fact can be unknown: loop variables and closed-set values never are.
        return Trace(node, value, path=key_path("$", node.name) if value is UNKNOWN else None)

    def trace_Field(self, node: ast.Field, env: Env, value: object) -> Trace:
        subject = self.value(node.subject, env)
        if subject is UNKNOWN:
            return Trace(node, value, (self.trace(node.subject, env),))
        path = f"{subject.path}.{node.name}" if isinstance(subject, RecordValue) and value is UNKNOWN else None
        return Trace(node, value, path=path)

    def trace_Literal(self, node: ast.Literal, env: Env, value: object) -> Trace:
        return Trace(node, value)

    trace_AroundTheClock = trace_Literal

    def trace_Between(self, node: ast.Between, env: Env, value: object) -> Trace:
        """`x mellan a och b` is `a <= x och x <= b`: a bound that fails decides
        alone, even when the other is unknown."""
        x, low, high = self.traces([node.operand, node.low, node.high], env)
        if value is UNKNOWN:
            return Trace(node, value, tuple(p for p in (x, low, high) if p.value is UNKNOWN))
        if value is False:
            below = low.value is not UNKNOWN and bool(low.value > x.value)  # type: ignore[operator]
            failed, other = (low, high) if below else (high, low)
            # The other bound is shown only when known: the result never rests on an unknown.
            return Trace(node, value, (x, failed) if other.value is UNKNOWN else (x, low, high))
        return Trace(node, value, (x, low, high))

    def trace_Compare(self, node: ast.Compare, env: Env, value: object) -> Trace:
        right = node.right
        if isinstance(right, ast.IfElse) and self.value(right.condition, env) is UNKNOWN:
            # Decided against both thresholds (or unknown): the branches decide, not the condition.
            left = self.trace(node.left, env)
            then, otherwise = self.trace(right.then, env), self.trace(right.otherwise, env)
            if value is UNKNOWN:
                cond = self.trace(right.condition, env)
                parts = [p for p in (left, then, otherwise) if p.value is UNKNOWN] + [cond]
                return Trace(node, value, tuple(parts))
            return Trace(node, value, (left, then, otherwise))
        return self.generic(node, env, value)

    def trace_Logic(self, node: ast.Logic, env: Env, value: object) -> Trace:
        sides = self.traces((node.left, node.right), env)
        if value is UNKNOWN:
            deciding = [s for s in sides if s.value is UNKNOWN]
        elif (node.op == "and") == (value is True):
            deciding = sides  # and: both true; or: both false
        else:
            deciding = [s for s in sides if s.value is value]
        return Trace(node, value, tuple(deciding))

    def trace_Not(self, node: ast.Not, env: Env, value: object) -> Trace:
        return Trace(node, value, (self.trace(node.operand, env),))

    def trace_IfElse(self, node: ast.IfElse, env: Env, value: object) -> Trace:
        cond = self.trace(node.condition, env)
        if cond.value is True:
            return Trace(node, value, (cond, self.trace(node.then, env)))
        if cond.value is False:
            return Trace(node, value, (cond, self.trace(node.otherwise, env)))
        branches = self.traces((node.then, node.otherwise), env)
        if value is not UNKNOWN:
            return Trace(node, value, tuple(branches))  # both branches agree: the condition does not matter
        return Trace(node, value, (cond, *[b for b in branches if b.value is UNKNOWN]))

    def trace_Quantifier(self, node: ast.Quantifier, env: Env, value: object) -> Trace:
        collection, elements = self.elements(node.var, node.collection, node.body, env)
        if collection.value is UNKNOWN:
            return Trace(node, value, (collection,))
        if value is UNKNOWN:
            keep = [e for e in elements if e.trace.value is UNKNOWN]
        elif node.kind == "all":
            keep = elements if value is True else [e for e in elements if e.trace.value is False]
        elif node.kind == "some":
            keep = elements if value is False else [e for e in elements if e.trace.value is True]
        else:  # none
            keep = elements if value is True else [e for e in elements if e.trace.value is True]
        return Trace(node, value, (collection,), tuple(keep), total=len(elements))

    def trace_Count(self, node: ast.Count, env: Env, value: object) -> Trace:
        if node.var is None or node.condition is None:
            return self.generic(node, env, value)
        collection, elements = self.elements(node.var, node.collection, node.condition, env)
        if collection.value is UNKNOWN:
            return Trace(node, value, (collection,))
        if value is UNKNOWN:
            keep = [e for e in elements if e.trace.value is UNKNOWN]
        else:
            keep = [e for e in elements if e.trace.value is True]
        return Trace(node, value, (collection,), tuple(keep), total=len(elements))

    def trace_Sum(self, node: ast.Sum, env: Env, value: object) -> Trace:
        collection, elements = self.elements(node.var, node.collection, node.body, env)
        if collection.value is UNKNOWN:
            return Trace(node, value, (collection,))
        keep = [e for e in elements if e.trace.value is UNKNOWN] if value is UNKNOWN else elements
        return Trace(node, value, (collection,), tuple(keep), total=len(elements))

    def elements(self, var: str, collection_node: ast.Expr, body: ast.Expr,
                 env: Env) -> tuple[Trace, list[Element]]:
        """The collection's trace and the body traced for each element, with
        the loop variable bound the way the closures bind it."""
        collection = self.trace(collection_node, env)
        items = collection.value
        if items is UNKNOWN or not isinstance(items, Iterable):
            return collection, []
        out = []
        saved = env.get(var)
        try:
            for item in (sorted(items) if isinstance(items, frozenset) else items):
                env[var] = item
                out.append(Element(item, self.trace(body, env)))
        finally:
            if saved is None:
                env.pop(var, None)
            else:
                env[var] = saved
        return collection, out


def evidence(req: CompiledRequirement, report: SelfReport, rulebook: CompiledRulebook) -> list[tuple[str, Shown]]:
    """The self-report values a requirement read: (JSON path, value)."""
    out = []
    for fact in sorted(req.dependencies):
        spec = rulebook.fact(fact)
        value = report.facts.get(fact, UNKNOWN)
        fields = req.dependencies[fact]
        if fields and isinstance(value, tuple) and spec is not None and spec.type.record is not None:
            record = rulebook.records[spec.type.record]
            for item in value:
                for name in sorted(fields):
                    field = record.field(name)
                    out.append((f"{item.path}.{name}", Shown(item.fields[name], field.type.kind if field else None)))
            if not value:
                out.append((f"$.{fact}", Shown(value, "list")))
        else:
            out.append((f"$.{fact}", Shown(value, spec.type.kind if spec else None)))
    return out
