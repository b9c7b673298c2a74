"""The rulebook's plausibility rules (`rimlighet`) as data for the form's
script, so `kok form` warns as the applicant types (reports/form.js reads it).

Only the part of the language a plausibility rule over figures uses is
written: numbers, shares, texts, yes/no, comparisons, arithmetic, and/or/not,
`mellan`, `antal`, `summa` and the quantifiers over a list. A rule that reads
anything else (a weekly schedule, a date, the assessment date) is left out of
the form; `kok run` still applies it.
"""

from __future__ import annotations

from fractions import Fraction

from kokdsl import ast
from kokdsl.compiled import CompiledRulebook
from kokdsl.errors import KokError

Node = dict[str, object]


class _Unsupported(KokError):
    """A construct the form's script does not evaluate."""


def plausibility_rules(rulebook: CompiledRulebook, lang: str) -> list[dict[str, object]]:
    """Each rule the form can evaluate: its sentence in `lang`, the facts it
    reads, whether it is judged element by element, and its condition."""
    facts = {f.name for f in rulebook.facts}
    out: list[dict[str, object]] = []
    for rule in rulebook.plausibilities:
        try:
            expr = _node(rule.rule.check, facts, frozenset())
        except _Unsupported:
            continue
        out.append({"sentence": rule.text(lang), "facts": sorted(rule.dependencies),
                    "each": {"var": rule.each[0], "fact": rule.each[1]} if rule.each else None, "expr": expr})
    return out


def _number(value: object) -> float:
    return float(value) if isinstance(value, (int, Fraction)) else float(str(value))


def _node(node: ast.Expr, facts: set[str], bound: frozenset[str]) -> Node:
    """One expression as a small tree ({"t": kind, …}) the script walks."""
    match node:
        case ast.Literal(kind="integer" | "decimal" | "percent"):
            return {"t": "lit", "v": _number(node.value)}
        case ast.Literal(kind="text" | "bool"):
            return {"t": "lit", "v": node.value}
        case ast.Name():
            if node.name in bound:
                return {"t": "var", "name": node.name}
            if node.name in facts:
                return {"t": "fact", "name": node.name}
            return {"t": "lit", "v": node.name}  # a closed-set value stands for itself
        case ast.Field():
            return {"t": "field", "of": _node(node.subject, facts, bound), "name": node.name}
        case ast.Arith(op="+" | "-" | "*" | "/"):
            return {"t": "arith", "op": node.op, "l": _node(node.left, facts, bound),
                    "r": _node(node.right, facts, bound)}
        case ast.Compare():
            return {"t": "cmp", "op": node.op, "l": _node(node.left, facts, bound),
                    "r": _node(node.right, facts, bound)}
        case ast.Logic():
            return {"t": node.op, "l": _node(node.left, facts, bound), "r": _node(node.right, facts, bound)}
        case ast.Not():
            return {"t": "not", "x": _node(node.operand, facts, bound)}
        case ast.Between():
            return {"t": "between", "x": _node(node.operand, facts, bound), "lo": _node(node.low, facts, bound),
                    "hi": _node(node.high, facts, bound)}
        case ast.Quantifier():
            return {"t": node.kind, "var": node.var, "in": _node(node.collection, facts, bound),
                    "body": _node(node.body, facts, bound | {node.var})}
        case ast.Sum():
            return {"t": "sum", "var": node.var, "in": _node(node.collection, facts, bound),
                    "body": _node(node.body, facts, bound | {node.var})}
        case ast.Count(var=None):
            return {"t": "count", "in": _node(node.collection, facts, bound)}
    raise _Unsupported()
