"""Stage 4: compiled rulebook x typed facts -> one result per requirement.

The fast path runs each requirement's compiled closure. Only a requirement
that is not met, cannot be assessed, or does not apply is explained: the
explainer walks its AST and re-runs the sub-expressions' closures to name the
schedule gaps, the list elements that failed and the values against their
thresholds, in domain terms.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable

import attrs

from kokdsl import ast
from kokdsl.compiled import CompiledRequirement, CompiledRulebook, Type
from kokdsl.enums import Outcome
from kokdsl.schedule import Schedule
from kokdsl.selfreport import DataProblem, SelfReport
from kokdsl.unparse import expr_text
from kokdsl.values import ASSESSMENT_DATE, UNKNOWN, RecordValue, assessment_date, format_value

# Short names for the outcomes, as the stages after evaluation import them.
MET = Outcome.MET
NOT_MET = Outcome.NOT_MET
CANNOT_ASSESS = Outcome.CANNOT_ASSESS
NOT_APPLICABLE = Outcome.NOT_APPLICABLE
OUTCOMES = tuple(Outcome)


@attrs.frozen
class Shown:
    """A value to show, formatted in the reader's language when rendered."""

    value: object
    kind: str | None = None
    unit: str | None = None

    def render(self, lang: str) -> str:
        return format_value(self.value, self.kind, lang, self.unit)


@attrs.frozen
class Code:
    """An expression as source text, shown with the reader's keywords."""

    node: object

    def render(self, lang: str) -> str:
        return expr_text(self.node, lang)


@attrs.frozen
class Finding:
    """One piece of an explanation: a message code, its parameters, and the
    findings beneath it (the reasons of a failing list element)."""

    code: str
    params: dict = attrs.field(hash=False)
    children: tuple[Finding, ...] = ()
    path: str | None = None

    def text(self, lang: str) -> str:
        from kokdsl.messages import message

        return message(self.code, lang, **self.params)


class RequirementResult:
    """The outcome of one requirement for one centre.

    A plain slotted class, not attrs: a national rerun makes one per
    requirement per centre. Explanations are worked out when first read, so a
    rerun that only needs decisions never pays for them.
    """

    __slots__ = ("requirement", "outcome", "problems", "_explain", "_findings")

    def __init__(self, requirement: CompiledRequirement, outcome: str, problems: tuple[DataProblem, ...] = (),
                 explain: Callable[[], list[Finding]] | None = None):
        self.requirement = requirement
        self.outcome = outcome
        self.problems = problems  # missing/invalid facts behind cannot_assess
        self._explain = explain
        self._findings: tuple[Finding, ...] | None = None

    @property
    def findings(self) -> tuple[Finding, ...]:
        if self._findings is None:
            self._findings = tuple(self._explain()) if self._explain else ()
        return self._findings

    def __repr__(self) -> str:
        return f"RequirementResult({self.requirement.id!r}, {self.outcome!r})"


@attrs.frozen
class Evaluation:
    rulebook: CompiledRulebook
    report: SelfReport
    results: tuple[RequirementResult, ...]
    day: datetime.date | None = None  # the assessment date


# Generating and compiling the fast path costs about as much as evaluating a
# few hundred centres by the closures; a single applicant never needs it.
GENERATE_AFTER = 3


def evaluate(rulebook: CompiledRulebook, report: SelfReport, day: datetime.date | None = None) -> Evaluation:
    """Every requirement's outcome for one centre, assessed on `day` (the run
    date; today when not given)."""
    env = dict(report.facts)
    env[ASSESSMENT_DATE] = day or datetime.date.today()
    outcome_list = _outcomes(rulebook, env)
    results = _met_results(rulebook).copy()
    for index, outcome in enumerate(outcome_list):
        if outcome != MET:
            req = rulebook.requirements[index]
            problems = _problems_for(req, report) if outcome == CANNOT_ASSESS else ()
            results[index] = RequirementResult(req, outcome, problems,
                                               functools.partial(_explain, rulebook, req, outcome, env))
    return Evaluation(rulebook, report, tuple(results), env[ASSESSMENT_DATE])


def _outcomes(rulebook: CompiledRulebook, env: dict) -> list[str]:
    uses = rulebook.runtime["uses"] = rulebook.runtime.get("uses", 0) + 1
    if uses <= GENERATE_AFTER:
        return [requirement_outcome(req, env) for req in rulebook.requirements]
    return rulebook.outcome_function()(env)


def _met_results(rulebook: CompiledRulebook) -> list[RequirementResult]:
    """A met requirement has nothing to explain, so its result is the same for
    every centre: make those once per rulebook."""
    met = rulebook.runtime.get("met")
    if met is None:
        met = rulebook.runtime["met"] = [RequirementResult(req, MET) for req in rulebook.requirements]
    return met


def outcomes(rulebook: CompiledRulebook, facts: dict) -> list[tuple[CompiledRequirement, str]]:
    """The bare outcomes through the reference closures (no generated code)."""
    env = dict(facts)
    return [(req, requirement_outcome(req, env)) for req in rulebook.requirements]


def requirement_outcome(req: CompiledRequirement, env: dict) -> str:
    """One requirement's outcome by its closures: the reference semantics."""
    if (req.valid_from or req.valid_to) and not req.valid_on(assessment_date(env)):
        return NOT_APPLICABLE
    if req.condition_fn is not None:
        applies = req.condition_fn(env)
        if applies is False:
            return NOT_APPLICABLE
        value = req.check_fn(env)
        if applies is UNKNOWN:
            # Met whether it applies or not; otherwise we cannot say.
            return MET if value is True else CANNOT_ASSESS
    else:
        value = req.check_fn(env)
    if value is True:
        return MET
    if value is False:
        return NOT_MET
    return CANNOT_ASSESS


def _explain(rulebook: CompiledRulebook, req: CompiledRequirement, outcome: str, facts: dict) -> list[Finding]:
    env = dict(facts)  # the explainer binds loop variables in its environment
    explainer = _Explainer(rulebook)
    if outcome == NOT_APPLICABLE:
        outside = _outside_validity(req, assessment_date(env))
        return outside if outside else explainer.explain(req.condition, env, False)
    if outcome == NOT_MET:
        return explainer.explain(req.check, env, False)
    findings = []
    if req.condition is not None and req.condition_fn(env) is UNKNOWN:
        findings += explainer.explain(req.condition, env, UNKNOWN)
    if req.check_fn(env) is UNKNOWN:
        findings += explainer.explain(req.check, env, UNKNOWN)
    return _dedupe(findings)


def _outside_validity(req: CompiledRequirement, day: datetime.date) -> list[Finding]:
    """Why a requirement does not apply on `day` by its own validity, with the date."""
    if req.valid_from is not None and day < req.valid_from:
        return [Finding("finding.valid_from", {"date": req.valid_from.isoformat(), "day": day.isoformat()})]
    if req.valid_to is not None and day > req.valid_to:
        return [Finding("finding.valid_to", {"date": req.valid_to.isoformat(), "day": day.isoformat()})]
    return []


def _dedupe(findings):
    seen, out = set(), []
    for f in findings:
        key = (f.code, f.path, str(f.params.get("expr")))
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


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


_NEGATED_OP = {"<": "≥", "<=": ">", ">": "≤", ">=": "<", "=": "≠", "!=": "="}
_OP = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "=", "!=": "≠"}


class _Explainer:
    def __init__(self, rulebook: CompiledRulebook):
        self.closures = rulebook.closures
        self.types = rulebook.types
        self.records = rulebook.records

    def value(self, node, env):
        return self.closures[id(node)](env)

    def shown(self, node, value) -> Shown:
        t: Type = self.types.get(id(node), Type("error"))
        return Shown(value, t.kind, t.unit)

    def explain(self, node, env, value) -> list[Finding]:
        """Why `node` evaluated to `value` (False or UNKNOWN) in env."""
        method = getattr(self, "explain_" + type(node).__name__, None)
        if method is not None:
            found = method(node, env, value)
            if found is not None:
                return found
        if value is UNKNOWN:
            return self.unknown_leaves(node, env)
        if isinstance(node, (ast.Name, ast.Field)):
            return [Finding("finding.is_no", {"expr": Code(node)})]
        return [Finding("finding.false", {"expr": Code(node)})]

    def explain_Logic(self, node: ast.Logic, env, value):
        out = []
        for side in (node.left, node.right):
            v = self.value(side, env)
            if v is value or (value is False and node.op == "or"):
                out += self.explain(side, env, v)
        return out

    def explain_Not(self, node: ast.Not, env, value):
        if value is UNKNOWN:
            return self.explain(node.operand, env, UNKNOWN)
        return [Finding("finding.holds", {"expr": Code(node.operand)})]

    def explain_IfElse(self, node: ast.IfElse, env, value):
        c = self.value(node.condition, env)
        if c is True:
            return self.explain(node.then, env, value)
        if c is False:
            return self.explain(node.otherwise, env, value)
        return self.explain(node.condition, env, UNKNOWN)

    def explain_Compare(self, node: ast.Compare, env, value):
        if value is UNKNOWN:
            return None
        lv, rv = self.value(node.left, env), self.value(node.right, env)
        left, right = self.shown(node.left, lv), self.shown(node.right, rv)
        # "38 h < 40 h": a threshold takes the unit of what it is compared with.
        unit = left.unit or right.unit
        left, right = attrs.evolve(left, unit=unit), attrs.evolve(right, unit=unit)
        params = {"left": Code(node.left), "left_value": left,
                  "op": _NEGATED_OP[node.op], "right": Code(node.right), "right_value": right}
        plain = isinstance(node.right, (ast.Literal, ast.IfElse)) or _is_symbol(node.right, self.types)
        return [Finding("finding.compare" if plain else "finding.compare_both", params)]

    def explain_Covers(self, node: ast.Covers, env, value):
        if value is UNKNOWN:
            return None
        left, right = self.value(node.left, env), self.value(node.right, env)
        gaps: Schedule = right.minus(left)
        return [Finding("finding.gaps", {"left": Code(node.left), "right": Code(node.right),
                                         "gaps": Shown(gaps, "schedule")})]

    def explain_Member(self, node: ast.Member, env, value):
        if value is UNKNOWN:
            return None
        code = "finding.in" if node.negated else "finding.not_in"
        return [Finding(code, {"element": self.shown(node.element, self.value(node.element, env)),
                               "collection": Code(node.collection)})]

    def explain_Quantifier(self, node: ast.Quantifier, env, value):
        items = self.value(node.collection, env)
        if items is UNKNOWN:
            return self.explain(node.collection, env, UNKNOWN)
        record = self._record_name(node.collection)
        out = []
        saved = env.get(node.var)
        try:
            for item in (sorted(items) if isinstance(items, frozenset) else items):
                env[node.var] = item
                v = self.value(node.body, env)
                label = item.label if isinstance(item, RecordValue) else str(item)
                path = item.path if isinstance(item, RecordValue) else None
                if value is UNKNOWN and v is UNKNOWN:
                    out.append(Finding("finding.element_unknown", {"record": record, "label": label},
                                       tuple(self.explain(node.body, env, UNKNOWN)), path))
                elif value is False and node.kind == "all" and v is False:
                    out.append(Finding("finding.element_failed", {"record": record, "label": label},
                                       tuple(self.explain(node.body, env, False)), path))
                elif value is False and node.kind == "none" and v is True:
                    out.append(Finding("finding.element_matched", {"record": record, "label": label,
                                                                   "expr": Code(node.body)}, (), path))
        finally:
            if saved is None:
                env.pop(node.var, None)
            else:
                env[node.var] = saved
        if value is False and node.kind == "some":
            return [Finding("finding.none_satisfied", {"collection": Code(node.collection), "expr": Code(node.body),
                                                       "count": len(items)})]
        return out

    def explain_Sum(self, node: ast.Sum, env, value):
        return self._explain_unknown_fold(node, node.body, env, value)

    def explain_Count(self, node: ast.Count, env, value):
        if node.var is None:
            return None
        return self._explain_unknown_fold(node, node.condition, env, value)

    def _explain_unknown_fold(self, node, body, env, value):
        """An unknown summa(x i L: …) or antal(x i L: …): the unknown leaves of
        each element, read with the loop variable bound (it is unbound outside)."""
        if value is not UNKNOWN:
            return None
        items = self.value(node.collection, env)
        if items is UNKNOWN:
            return self.explain(node.collection, env, UNKNOWN)
        out = []
        saved = env.get(node.var)
        try:
            for item in (sorted(items) if isinstance(items, frozenset) else items):
                env[node.var] = item
                if self.value(body, env) is UNKNOWN:
                    out += self.explain(body, env, UNKNOWN)
        finally:
            if saved is None:
                env.pop(node.var, None)
            else:
                env[node.var] = saved
        return out

    def _record_name(self, collection) -> str:
        t = self.types.get(id(collection))
        return t.record if t is not None and t.record else ""

    def unknown_leaves(self, node, env) -> list[Finding]:
        """The facts that made `node` unknown, with their paths into the file."""
        if isinstance(node, ast.Name):
            if self.value(node, env) is UNKNOWN:
                return [Finding("finding.unknown", {"expr": Code(node)}, path=f"$.{node.name}")]
            return []
        if isinstance(node, ast.Field):
            subject = self.value(node.subject, env)
            if subject is UNKNOWN:
                return self.unknown_leaves(node.subject, env)
            if self.value(node, env) is UNKNOWN:
                path = f"{subject.path}.{node.name}" if isinstance(subject, RecordValue) else None
                return [Finding("finding.unknown", {"expr": Code(node)}, path=path)]
            return []
        out = []
        for child in _children(node):
            if id(child) in self.closures and self.value(child, env) is UNKNOWN:
                out += self.explain(child, env, UNKNOWN)
        return out


def _is_symbol(node, types) -> bool:
    return isinstance(node, ast.Name) and types.get(id(node), Type("error")).kind == "enum"


def _children(node):
    for field in attrs.fields(type(node)):
        child = getattr(node, field.name)
        if attrs.has(type(child)) and not isinstance(child, ast.Span):
            yield child


def evidence(req: CompiledRequirement, report: SelfReport, rulebook: CompiledRulebook) -> list[tuple[str, Shown]]:
    """The self-report values a requirement read: (JSON path, value)."""
    out = []
    for fact in sorted(req.dependencies):
        spec = rulebook.fact(fact)
        value = report.facts.get(fact, UNKNOWN)
        fields = req.dependencies[fact]
        if fields and isinstance(value, tuple):
            record = rulebook.records[spec.type.record]
            for item in value:
                for name in sorted(fields):
                    out.append((f"{item.path}.{name}", Shown(item.fields[name], record.field(name).type.kind)))
            if not value:
                out.append((f"$.{fact}", Shown(value, "list")))
        else:
            out.append((f"$.{fact}", Shown(value, spec.type.kind if spec else None)))
    return out
