"""AST expressions back to source text, with the keywords of one language.

Used to quote an expression in explanations ("timmar(öppettider)") and
diagnostics; parentheses are added only where precedence needs them, so the
text parses back to the same tree.
"""

from __future__ import annotations

import functools
from decimal import Decimal, localcontext
from fractions import Fraction

from kokdsl import ast

# Binding strength, loosest first; mirrors grammar/kok.lark.
_QUANT, _COND, _OR, _AND, _NOT, _CMP, _SUM, _PROD, _POSTFIX, _ATOM = range(10)


def _kw(concept: str, lang: str) -> str:
    from kokdsl.parser import canonical_keyword

    return canonical_keyword(concept, lang)


def expr_text(node: ast.Expr, lang: str = "sv") -> str:
    """The expression as source text with `lang`'s keywords, parenthesised only where precedence needs it."""
    return _text(node, lang)[0]


def logic_chain(node: ast.Expr, lang: str = "sv") -> tuple[str, list[str]] | None:
    """A top-level chain `a och b och c` as ("och", [a, b, c]) with each
    operand parenthesised as it must be; None when node is no such chain.
    The formatter breaks a long check into one operand a line."""
    if not isinstance(node, ast.Logic):
        return None
    op = node.op
    operands: list[ast.Expr] = []
    while isinstance(node, ast.Logic) and node.op == op:
        operands.append(node.right)
        node = node.left
    operands.append(node)
    operands.reverse()
    level = _AND if op == "and" else _OR
    first = _wrap(operands[0], lang, level)
    return _kw(op, lang), [first] + [_wrap(o, lang, level + 1) for o in operands[1:]]


def _wrap(child: ast.Expr, lang: str, minimum: int) -> str:
    text, level = _text(child, lang)
    return f"({text})" if level < minimum else text


def _number(value: object) -> str:
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        # Every decimal literal has a finite decimal expansion; write it
        # exactly (a float would turn 580447.06 into 580447.0600000001).
        with localcontext(prec=len(str(value.numerator)) + len(str(value.denominator)) + 2):
            return format((Decimal(value.numerator) / Decimal(value.denominator)).normalize(), "f")
    return str(value)


def _decimal_mark(text: str, lang: str) -> str:
    """Swedish writes a decimal comma (0,75), English a point (0.75)."""
    return text.replace(".", ",") if lang == "sv" else text


def _text(node: ast.Expr, lang: str) -> tuple[str, int]:
    kw = functools.partial(_kw, lang=lang)
    match node:
        case ast.Literal(kind="percent", value=v):
            return f"{_decimal_mark(_number(v * 100), lang)} %", _ATOM
        case ast.Literal(kind="text", value=v):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"', _ATOM
        case ast.Literal(kind="bool", value=v):
            return kw("true" if v else "false"), _ATOM
        case ast.Literal(kind="date", value=v):
            return v.isoformat(), _ATOM
        case ast.Literal(kind="duration", value=v):
            return f"{v.amount} {_kw(v.unit, lang)}", _ATOM
        case ast.AssessmentDate():
            return _kw("assessment_date", lang), _ATOM
        case ast.SetLiteral(values=vs):
            return "{" + ", ".join(vs) + "}", _ATOM
        case ast.Between(operand=x, low=lo, high=hi):
            bounds = f"{_wrap(lo, lang, _SUM)} {_kw('and', lang)} {_wrap(hi, lang, _SUM)}"
            return f"{_wrap(x, lang, _SUM)} {_kw('between', lang)} {bounds}", _CMP
        case ast.AtLeast(count=n, candidates=c, collection=m):
            return (f"{_kw('at_least', lang)} {_wrap(n, lang, _SUM)} {_kw('of', lang)} {_wrap(c, lang, _SUM)} "
                    f"{_kw('in', lang)} {_wrap(m, lang, _SUM)}"), _CMP
        case ast.Literal(kind="decimal", value=v):
            # Keep the point: "2.0" is a decimal, "2" an integer.
            text = _number(v)
            return _decimal_mark(text if "." in text else text + ".0", lang), _ATOM
        case ast.Literal(value=v):
            return _number(v), _ATOM
        case ast.AroundTheClock():
            return kw("around_the_clock"), _ATOM
        case ast.Name(name=n):
            return n, _ATOM
        case ast.Field(subject=ast.Literal() as s, name=n):
            # "2.5.x" would lex as a broken number: parenthesise.
            return f"({expr_text(s, lang)}).{n}", _POSTFIX
        case ast.Field(subject=s, name=n):
            return f"{_wrap(s, lang, _POSTFIX)}.{n}", _POSTFIX
        case ast.Arith(op=op, left=l, right=r):
            level = _SUM if op in ("+", "-", "except") else _PROD
            written = _kw(op, lang) if op in ("except", "intersect") else op
            return f"{_wrap(l, lang, level)} {written} {_wrap(r, lang, level + 1)}", level
        case ast.Compare(op=op, left=l, right=r):
            return f"{_wrap(l, lang, _SUM)} {op} {_wrap(r, lang, _SUM)}", _CMP
        case ast.Covers(left=l, right=r):
            return f"{_wrap(l, lang, _SUM)} {kw('covers')} {_wrap(r, lang, _SUM)}", _CMP
        case ast.Member(element=e, collection=c, negated=neg):
            return f"{_wrap(e, lang, _SUM)} {kw('not_in' if neg else 'in')} {_wrap(c, lang, _SUM)}", _CMP
        case ast.Not(operand=o):
            return f"{kw('not')} {_wrap(o, lang, _NOT)}", _NOT
        case ast.Logic(op=op, left=l, right=r):
            level = _AND if op == "and" else _OR
            return f"{_wrap(l, lang, level)} {kw(op)} {_wrap(r, lang, level + 1)}", level
        case ast.IfElse(then=t, condition=c, otherwise=o):
            return f"{_wrap(t, lang, _OR)} {kw('if')} {_wrap(c, lang, _OR)} {kw('else')} {_wrap(o, lang, _COND)}", _COND
        case ast.Quantifier(kind=k, var=v, collection=c, body=b):
            return f"{kw(k)} {v} {kw('in')} {_wrap(c, lang, _SUM)}: {_wrap(b, lang, _QUANT)}", _QUANT
        case ast.Count(collection=c, var=None):
            return f"{kw('count')}({_wrap(c, lang, _SUM)})", _ATOM
        case ast.Count(collection=c, var=v, condition=cond) if cond is not None:  # the parser sets both
            return f"{kw('count')}({v} {kw('in')} {_wrap(c, lang, _SUM)}: {expr_text(cond, lang)})", _ATOM
        case ast.Sum(var=v, collection=c, body=b):
            return f"{kw('sum')}({v} {kw('in')} {_wrap(c, lang, _SUM)}: {expr_text(b, lang)})", _ATOM
        case ast.Hours(operand=o):
            return f"{kw('hours')}({expr_text(o, lang)})", _ATOM
    raise TypeError(f"not an expression: {node!r}")
