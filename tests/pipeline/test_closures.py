"""The closure backend, the reference semantics: each construct's closure on
its own, with Kleene's three-valued logic where a fact is unknown."""

from __future__ import annotations

from fractions import Fraction

import pytest

from kokdsl import ast
from kokdsl.closures import unknown
from kokdsl.compiler import compile_rulebook
from kokdsl.parser import parse_or_raise
from kokdsl.schedule import AROUND_THE_CLOCK, Schedule
from kokdsl.values import UNKNOWN, RecordValue

BOOK = """regelbok "Slutna" utgåva 2025
uppgift a: heltal
uppgift b: heltal
uppgift x: ja/nej
uppgift y: ja/nej
uppgift s: veckoschema
uppgift nivå: en av {låg, hög}
uppgift rader: lista av rad
post rad:
  n: heltal "Ett tal."
  ok: ja/nej "Ett svar."
"""

U = UNKNOWN


def closure(expr: str, side: str | None = None):
    """The closure of `expr` (a check), or of one side of the comparison `expr`."""
    tree = parse_or_raise(BOOK + f'krav 1 "t" skall\n  {expr}\n')
    compiled = compile_rulebook(tree)
    assert [d.code for d in compiled.diagnostics if d.is_error] == []
    [req] = [item for item in tree.items if isinstance(item, ast.Requirement)]
    node = req.check if side is None else getattr(req.check, side)
    fn = compiled.rulebook.closures[id(node)]
    return lambda **env: fn(dict(env))


def rows(*pairs):
    return tuple(RecordValue({"n": n, "ok": ok}, f"$.rader[{i}]", f"#{i + 1}") for i, (n, ok) in enumerate(pairs))


@pytest.mark.parametrize("a, b, conjunction, disjunction", [
    (True, True, True, True), (True, False, False, True), (False, False, False, False),
    (True, U, U, True), (False, U, False, U), (U, U, U, U), (U, False, False, U), (U, True, U, True),
])
def test_and_and_or_follow_kleene(a, b, conjunction, disjunction):
    assert closure("x och y")(x=a, y=b) is conjunction
    assert closure("x eller y")(x=a, y=b) is disjunction


def test_not_keeps_unknown_unknown():
    negation = closure("inte x")
    assert (negation(x=True), negation(x=False), negation(x=U)) == (False, True, U)


def test_a_comparison_with_an_unknown_side_is_unknown():
    compare = closure("a > b")
    assert compare(a=3, b=2) is True and compare(a=2, b=3) is False
    assert compare(a=U, b=2) is U and compare(a=3, b=U) is U


def test_arithmetic_is_exact_and_division_by_zero_is_unknown():
    quotient = closure("a / b = 1", "left")
    assert quotient(a=1, b=3) == Fraction(1, 3)
    assert quotient(a=1, b=0) is U and quotient(a=U, b=2) is U
    assert closure("a * b - 1 = 0", "left")(a=4, b=5) == 19


@pytest.mark.parametrize("kind, elements, expected", [
    ("alla", [(1, True), (2, True)], True),
    ("alla", [(1, True), (2, False), (3, U)], False),  # a False element decides despite the unknown one
    ("alla", [(1, True), (2, U)], U),
    ("alla", [], True),
    ("någon", [(1, False), (2, True), (3, U)], True),
    ("någon", [(1, False), (2, U)], U),
    ("någon", [], False),
    ("ingen", [(1, False), (2, False)], True),
    ("ingen", [(1, U), (2, True)], False),
    ("ingen", [(1, False), (2, U)], U),
])
def test_quantifiers_decide_on_a_decisive_element_else_stay_unknown(kind, elements, expected):
    assert closure(f"{kind} r i rader: r.ok")(rader=rows(*elements)) is expected


def test_a_quantifier_over_an_unknown_list_is_unknown():
    assert closure("alla r i rader: r.ok")(rader=U) is U


def test_count_and_sum_need_every_element_known():
    count = closure("antal(r i rader: r.ok) = 0", "left")
    total = closure("summa(r i rader: r.n) = 0", "left")
    assert count(rader=rows((1, True), (2, False), (3, True))) == 2
    assert count(rader=rows((1, True), (2, U))) is U
    assert total(rader=rows((1, True), (5, False))) == 6
    assert total(rader=rows((1, True), (U, True))) is U
    assert closure("antal(rader) = 0", "left")(rader=rows((1, True))) == 1
    assert closure("antal(rader) = 0", "left")(rader=U) is U


def test_a_field_of_an_unknown_element_is_unknown():
    assert closure("alla r i rader: r.n > 0")(rader=rows((1, True), (U, True))) is U


def test_if_else_with_an_unknown_condition_is_known_only_when_both_branches_agree():
    choose = closure("(a om x annars b) = 0", "left")
    assert choose(a=1, b=2, x=True) == 1 and choose(a=1, b=2, x=False) == 2
    assert choose(a=1, b=2, x=U) is U
    assert choose(a=7, b=7, x=U) == 7


def test_a_comparison_with_each_branch_is_known_when_both_branches_agree():
    # a >= (40 om x annars 45): with x unknown, 50 passes both thresholds, 42 only one.
    compare = closure("a >= (40 om x annars 45)")
    assert compare(a=50, x=U) is True
    assert compare(a=30, x=U) is False
    assert compare(a=42, x=U) is U


def test_closed_set_values_stand_for_themselves():
    level = closure("nivå = hög")
    assert level(nivå="hög") is True and level(nivå="låg") is False and level(nivå=U) is U


def test_schedules_cover_and_count_hours():
    weekdays = Schedule.from_intervals([(day * 1440 + 480, day * 1440 + 1020) for day in range(5)])  # 8-17
    covers = closure("dygnet_runt täcker s")
    assert covers(s=weekdays) is True and covers(s=U) is U
    assert closure("s täcker dygnet_runt")(s=weekdays) is False
    hours = closure("timmar(s) >= 45", "left")
    assert hours(s=weekdays) == 45
    assert hours(s=AROUND_THE_CLOCK) == 168


def test_the_closure_of_a_rulebook_with_errors_is_unknown():
    assert unknown({"a": 1}) is U
