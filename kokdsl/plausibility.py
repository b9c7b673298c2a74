"""Stage 3b: the rulebook's plausibility rules (`rimlighet`) over a validated
self-report's facts.

Figures that contradict each other are not evidence: 48,100 doctor visits
within 3 days out of 5,200 visits says nothing about accessibility. A rule
whose condition is false marks the facts it reads as unknown, with a problem
of kind "implausible" that carries the rule's sentence, so every requirement
that reads them cannot be assessed and the supplement request names the
contradiction. A rule `alla x i lista: …` is judged element by element and
marks only the offending elements' fields. This runs before evaluation, so
the closures and the generated code see the same facts.
"""

from __future__ import annotations

import attrs

from kokdsl import ast
from kokdsl.compiled import CompiledPlausibility, CompiledRulebook, Env, Type
from kokdsl.diagnostics import ERROR, Diagnostic, key_path
from kokdsl.values import ASSESSMENT_DATE, UNKNOWN, RecordValue

IMPLAUSIBLE = "implausible"


@attrs.frozen
class Implausible:
    """One value a broken rule read: where it is, and the rule (the self-report
    turns it into a DataProblem of kind "implausible")."""

    path: str
    fact: str
    field: str | None
    expected: Type
    rule: ast.Plausibility


class Sentence:
    """A rule's sentence as a message parameter (rendered in the reader's language)."""

    def __init__(self, rule: ast.Plausibility):
        self.rule = rule

    def render(self, lang: str) -> str:
        return self.rule.text(lang)


Breach = tuple[CompiledPlausibility, str, str | None, str | None]  # rule, fact, field, element path


def broken(rulebook: CompiledRulebook, facts: Env) -> list[Breach]:
    """Every breach of a plausibility rule, as (rule, fact, field, element
    path): the facts (or, element by element, the fields) a false condition
    read. Judged on the facts as reported, so the order of the rules does not
    matter."""
    env = dict(facts)
    env[ASSESSMENT_DATE] = UNKNOWN  # a plausibility rule is about the figures, not the day
    out: list[Breach] = []
    for rule in rulebook.plausibilities:
        if rule.each is not None and rule.body_fn is not None:
            var, fact = rule.each
            items = facts.get(fact, UNKNOWN)
            if not isinstance(items, tuple):
                continue
            fields = sorted(rule.dependencies.get(fact, ()))
            for item in items:
                env[var] = item
                if rule.body_fn(env) is False:
                    out += [(rule, fact, name, item.path) for name in fields]
            env.pop(var, None)
        elif rule.check_fn(env) is False:
            out += [(rule, fact, None, None) for fact in sorted(rule.dependencies)]
    return out


def apply(rulebook: CompiledRulebook, facts: Env, file: str) -> tuple[list[Implausible], list[Diagnostic]]:
    """Mark in `facts` (changed in place) every value a broken rule read as
    unknown; return where they are and the diagnostics."""
    problems: list[Implausible] = []
    diagnostics: list[Diagnostic] = []
    seen: set[str] = set()
    for rule, fact, field, element in broken(rulebook, facts):
        path = key_path(element, field) if element is not None and field is not None else key_path("$", fact)
        if path in seen:
            continue
        seen.add(path)
        if element is None or field is None:
            facts[fact] = UNKNOWN
        else:
            facts[fact] = _forget_field(facts[fact], element, field)
        problems.append(Implausible(path, fact, field, _type(rulebook, fact, field), rule.rule))
        diagnostics.append(Diagnostic(ERROR, "data.implausible", {"sentence": Sentence(rule.rule)}, path=path,
                                      file=file))
    return problems, diagnostics


def _forget_field(items: tuple[RecordValue, ...], element: str, field: str) -> tuple[RecordValue, ...]:
    """The list with the element at path `element` holding `field` unknown."""
    return tuple(RecordValue({**item.fields, field: UNKNOWN}, item.path, item.label) if item.path == element
                 else item for item in items)


def _type(rulebook: CompiledRulebook, fact: str, field: str | None) -> Type:
    spec = rulebook.fact(fact)
    assert spec is not None  # the checker resolved every fact a rule reads
    if field is None:
        return spec.type
    record_field = rulebook.record_type(spec.type).field(field)
    assert record_field is not None
    return record_field.type
