"""The compiler's parts as units: the checker (names, types, dependencies),
the closure backend and the generated code, on small rulebooks of their own
rather than through the Örebro centres."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kokdsl import ast
from kokdsl.checker import check_rulebook
from kokdsl.compiled import DECIMAL, INTEGER, PERCENT
from kokdsl.compiler import compile_rulebook
from kokdsl.enums import Outcome
from kokdsl.evaluator import requirement_outcome
from kokdsl.parser import parse_or_raise
from kokdsl.schedule import Schedule
from kokdsl.values import UNKNOWN, RecordValue

BOOK = """regelbok "Typer" utgåva 2025
uppgift a: heltal
uppgift b: heltal
uppgift p: procent
uppgift s: veckoschema
uppgift t: veckoschema
uppgift f: ja/nej
uppgift nivå: en av {låg, hög}
uppgift rader: lista av rad
post rad:
  n: heltal "Ett tal."
  ok: ja/nej "Ett svar."
"""


def checked(check: str):
    tree = parse_or_raise(BOOK + f'krav 1 "t" skall\n  {check}\n')
    return tree, check_rulebook(tree)


def check_node(tree: ast.Rulebook) -> ast.Expr:
    [req] = [item for item in tree.items if isinstance(item, ast.Requirement)]
    return req.check


def errors(result) -> list[str]:
    return [d.code for d in result.diagnostics if d.is_error]


# -- the checker ----------------------------------------------------------------


def test_names_resolve_to_facts_loop_variables_and_closed_set_values():
    tree, result = checked("nivå = hög och (alla r i rader: r.ok)")
    logic = check_node(tree)
    compare, quantifier = logic.left, logic.right
    assert result.resolved[id(compare.left)] == "fact"
    assert result.resolved[id(compare.right)] == "symbol"
    assert result.resolved[id(quantifier.body.subject)] == "var"
    assert errors(result) == []


def test_dependencies_name_the_record_fields_a_requirement_reads():
    _, result = checked("alla r i rader: r.n > a")
    assert result.requirements[0].dependencies == {"rader": frozenset({"n"}), "a": frozenset()}


@pytest.mark.parametrize("expr, expected", [
    ("a + b", INTEGER), ("a / b", DECIMAL), ("p", PERCENT), ("summa(r i rader: r.n)", INTEGER),
    ("antal(rader)", INTEGER), ("(a om f annars 2.5)", DECIMAL),
])
def test_types_of_expressions(expr, expected):
    tree, result = checked(f"{expr} = {expr}")
    assert errors(result) == []
    assert result.types[id(check_node(tree).left)] == expected


def test_hours_of_a_schedule_are_a_decimal_in_hours():
    tree, result = checked("timmar(s) >= 40")
    hours_type = result.types[id(check_node(tree).left)]
    assert (hours_type.kind, hours_type.unit) == ("decimal", "h")


@pytest.mark.parametrize("expr, code", [
    ("p > 3", "compile.percent_vs_number"),
    ("p + a > 3 %", "compile.percent_mixed"),
    ("s > t", "compile.not_ordered"),
    ("a täcker s", "compile.covers_needs_schedule"),
    ("okänd > 1", "compile.undefined_name"),
    ("nivå = mellan", "compile.value_not_in_set"),
    ("alla a i rader: f", "compile.shadowing"),
    ("a", "compile.check_not_bool"),
])
def test_each_type_error_is_reported_once(expr, code):
    _, result = checked(expr)
    assert errors(result) == [code]


def test_an_error_does_not_cascade():
    _, result = checked("(okänd + 1) * 2 > a och okänd")
    assert errors(result) == ["compile.undefined_name", "compile.undefined_name"]


def test_a_rulebook_with_errors_gets_no_closures():
    tree = parse_or_raise(BOOK + 'krav 1 "t" skall\n  okänd > 1\n')
    compiled = compile_rulebook(tree)
    assert compiled.rulebook.closures == {}
    assert compiled.rulebook.requirements[0].check_fn({}) is UNKNOWN


# -- closures and generated code --------------------------------------------------


def test_generated_code_reads_each_fact_once_and_has_no_closure_calls():
    from kokdsl.codegen import _Writer

    tree = parse_or_raise(BOOK + 'krav 1 "t" skall\n  a + a > b och timmar(s) >= 40\n')
    compiled = compile_rulebook(tree)
    checked_book = check_rulebook(tree)
    req = compiled.rulebook.requirements[0]
    source, _ = _Writer(compiled.rulebook.types, checked_book.resolved).requirement(req)
    assert source.count("env['a']") == 1 and source.count("env['s']") == 1
    assert "lambda" not in source


# Typed expressions for the property test: whole numbers, fractions, percentages,
# schedules, lists of records and the quantifiers over them.
def _lit(kind, value):
    return ast.Literal(kind, value)


small_ints = st.integers(-3, 50).map(lambda v: _lit("integer", v))
int_leaves = small_ints | st.sampled_from(["a", "b"]).map(ast.Name)
ints = st.recursive(
    int_leaves | st.just(ast.Count(ast.Name("rader"))) | st.just(ast.Sum("r", ast.Name("rader"),
                                                                          ast.Field(ast.Name("r"), "n"))),
    lambda inner: st.builds(ast.Arith, st.sampled_from(["+", "-", "*"]), inner, inner)
    | st.builds(lambda x, y, c: ast.IfElse(x, c, y), inner, inner, st.sampled_from(["f"]).map(ast.Name)),
    max_leaves=6,
)
numbers = ints | st.builds(lambda x, y: ast.Arith("/", x, y), ints, ints)
percents = st.sampled_from(["p"]).map(ast.Name) | st.integers(0, 100).map(lambda v: _lit("percent", Fraction(v, 100)))
schedules = st.sampled_from([ast.Name("s"), ast.Name("t"), ast.AroundTheClock()])
ops = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])
record_checks = (st.builds(ast.Compare, ops, st.just(ast.Field(ast.Name("r"), "n")), int_leaves)
                 | st.just(ast.Field(ast.Name("r"), "ok")))
comparisons = st.one_of(
    st.builds(ast.Compare, ops, numbers, numbers),
    st.builds(ast.Compare, ops, percents, percents),
    st.builds(ast.Covers, schedules, schedules),
    st.builds(lambda op, s, n: ast.Compare(op, ast.Hours(s), n), ops, schedules, small_ints),
    st.builds(ast.Quantifier, st.sampled_from(["all", "some", "none"]), st.just("r"), st.just(ast.Name("rader")),
              record_checks),
    st.just(ast.Name("f")),
    st.builds(ast.Compare, st.just("="), st.just(ast.Name("nivå")), st.sampled_from(["låg", "hög"]).map(ast.Name)),
)
checks = st.recursive(comparisons, lambda inner: st.builds(ast.Not, inner)
                      | st.builds(ast.Logic, st.sampled_from(["and", "or"]), inner, inner), max_leaves=4)


def _maybe(values):
    return st.just(UNKNOWN) | values


schedule_values = st.lists(st.tuples(st.integers(0, 10079), st.integers(1, 3000)), max_size=3).map(
    lambda pairs: Schedule.from_intervals([(start, start + length) for start, length in pairs]))
record_values = st.lists(st.fixed_dictionaries({"n": _maybe(st.integers(-3, 50)), "ok": _maybe(st.booleans())}),
                         max_size=4).map(lambda rows: tuple(RecordValue(row, f"$.rader[{i}]", f"#{i + 1}")
                                                            for i, row in enumerate(rows)))
environments = st.fixed_dictionaries({
    "a": _maybe(st.integers(-3, 50)), "b": _maybe(st.integers(-3, 50)),
    "p": _maybe(st.integers(0, 100).map(lambda v: Fraction(v, 100))),
    "s": _maybe(schedule_values), "t": _maybe(schedule_values | st.just(Schedule.from_intervals([(0, 10080)]))),
    "f": _maybe(st.booleans()), "nivå": _maybe(st.sampled_from(["låg", "hög"])), "rader": _maybe(record_values),
})


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(checks, st.none() | comparisons, environments)
def test_generated_code_agrees_with_closures_on_typed_expressions(check, condition, env):
    tree = parse_or_raise(BOOK)
    req = ast.Requirement("1", "t", "skall", None, condition, check)
    result = compile_rulebook(ast.Rulebook(tree.items + (req,)))
    assert [d.code for d in result.diagnostics if d.is_error] == []
    rulebook = result.rulebook
    generated = rulebook.outcome_function()(dict(env))
    assert generated == [requirement_outcome(rulebook.requirements[0], dict(env))]
    assert type(generated[0]) is Outcome
