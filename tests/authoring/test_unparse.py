"""unparse: an expression back to source text in either language, with
parentheses only where precedence needs them, that parses back to the same
tree."""

from __future__ import annotations

import pytest

from kokdsl import ast
from kokdsl.authoring.unparse import expr_text, logic_chain
from kokdsl.parser import parse_or_raise

HEADERS = {
    "sv": ('regelbok "T" utgåva 2025\nuppgift a: heltal\nuppgift b: heltal\nuppgift x: ja/nej\n'
           'uppgift y: ja/nej\nuppgift d: decimaltal\nuppgift s: veckoschema\n'
           'uppgift rader: lista av rad\npost rad:\n  n: heltal\n'),
    "en": ('rulebook "T" edition 2025\nfact a: integer\nfact b: integer\nfact x: yes/no\n'
           'fact y: yes/no\nfact d: decimal\nfact s: weekly schedule\n'
           'fact rader: list of rad\nrecord rad:\n  n: integer\n'),
}
REQUIREMENT = {"sv": 'krav 1 "t" skall\n  {}\n', "en": 'requirement 1 "t" shall\n  {}\n'}


def check(text: str, lang: str = "sv") -> ast.Expr:
    tree = parse_or_raise(HEADERS[lang] + REQUIREMENT[lang].format(text))
    [req] = [item for item in tree.items if isinstance(item, ast.Requirement)]
    return req.check


@pytest.mark.parametrize("source, sv, en", [
    ("(a + b) * 2 > 10", "(a + b) * 2 > 10", "(a + b) * 2 > 10"),
    ("a + (b * 2) > 10", "a + b * 2 > 10", "a + b * 2 > 10"),
    ("a - (b - 1) = 0", "a - (b - 1) = 0", "a - (b - 1) = 0"),
    ("inte (x och y)", "inte (x och y)", "not (x and y)"),
    ("x och (y eller x)", "x och (y eller x)", "x and (y or x)"),
    ("(x och y) eller x", "x och y eller x", "x and y or x"),
    ("alla r i rader: r.n > 0", "alla r i rader: r.n > 0", "all r in rader: r.n > 0"),
    ("timmar(s) >= 40 om a < 6500 annars 45", "timmar(s) >= 40 om a < 6500 annars 45",
     "hours(s) >= 40 if a < 6500 else 45"),
    ("d >= 580447,06", "d >= 580447,06", "d >= 580447.06"),
])
def test_expressions_are_written_with_only_the_parentheses_they_need(source, sv, en):
    node = check(source)
    assert expr_text(node, "sv") == sv
    assert expr_text(node, "en") == en


@pytest.mark.parametrize("source", [
    "(a + b) * 2 > 10", "inte (x och y) eller x", "a - (b - 1) = 0", "antal(r i rader: r.n > 1) >= 2",
    "summa(r i rader: r.n) > a / b", "s täcker dygnet_runt", "d >= 580447,06",
])
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_text_parses_back_to_the_same_tree(source, lang):
    node = check(source)
    assert check(expr_text(node, lang), lang) == node


def test_a_chain_of_one_operator_is_split_into_its_operands():
    assert logic_chain(check("x och y och inte x")) == ("och", ["x", "y", "inte x"])
    assert logic_chain(check("x och (y eller x)"), "en") == ("and", ["x", "(y or x)"])
    assert logic_chain(check("(x och y) eller x")) == ("eller", ["x och y", "x"])
    assert logic_chain(check("a > b")) is None
