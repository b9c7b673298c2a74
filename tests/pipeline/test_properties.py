"""Property tests for the parser, the printer and the three-valued evaluator."""

from __future__ import annotations

import datetime
import itertools
import string
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kokdsl import ast
from kokdsl.authoring.formatter import format_rulebook
from kokdsl.compiler import compile_rulebook
from kokdsl.errors import KokSyntaxError
from kokdsl.parser import keywords, parse, parse_or_raise
from kokdsl.values import UNKNOWN, Duration

RESERVED = {w.casefold() for forms in keywords().values() for ws in forms.values() for w in ws}

# -- strategies: random but syntactically valid rulebook ASTs -----------------

names = st.text(alphabet=string.ascii_lowercase + "åäö_", min_size=1, max_size=8).filter(
    lambda n: n.casefold() not in RESERVED and not n.startswith("_")
) | st.sampled_from(["öppettider", "listade", "filialer", "vårdsamordnare", "f", "v"])
safe_text = st.text(alphabet=string.ascii_letters + string.digits + " åäöÅÄÖ.,:;-()'#%{}\\\"", max_size=20)
words = st.text(alphabet=string.ascii_letters + "åäöÅÄÖ.,:;-()'#%{}", min_size=1, max_size=10)
paragraph = st.lists(st.lists(words, min_size=1, max_size=5).map(" ".join), min_size=1, max_size=3).map("\n".join)
decimals = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False).map(
    lambda d: Fraction(str(d)))

literals = st.one_of(
    st.integers(0, 10**9).map(lambda v: ast.Literal("integer", v)),
    decimals.map(lambda v: ast.Literal("decimal", v)),
    decimals.map(lambda v: ast.Literal("percent", v / 100)),
    safe_text.map(lambda v: ast.Literal("text", v)),
    st.dates(datetime.date(1990, 1, 1), datetime.date(2100, 1, 1)).map(lambda v: ast.Literal("date", v)),
    st.booleans().map(lambda v: ast.Literal("bool", v)),
    st.just(ast.AroundTheClock()),
    st.just(ast.AssessmentDate()),
    st.builds(lambda n, unit: ast.Literal("duration", Duration.of(n, unit)), st.integers(0, 400),
              st.sampled_from(["days", "weeks", "months", "years"])),
)
atoms = st.one_of(literals, names.map(ast.Name), st.builds(ast.Field, names.map(ast.Name), names))


def extend(children):
    return st.one_of(
        st.builds(ast.Arith, st.sampled_from(["+", "-", "*", "/", "except", "intersect"]), children, children),
        st.builds(ast.Compare, st.sampled_from(["=", "!=", "<", "<=", ">", ">="]), children, children),
        st.builds(ast.Covers, children, children),
        st.builds(ast.Member, children, children, st.booleans()),
        st.builds(ast.Not, children),
        st.builds(ast.Logic, st.sampled_from(["and", "or"]), children, children),
        st.builds(ast.IfElse, children, children, children),
        st.builds(ast.Quantifier, st.sampled_from(["all", "some", "none"]), names, children, children),
        st.builds(ast.Count, children),
        st.builds(ast.Count, children, names, children),
        st.builds(ast.Sum, names, children, children),
        st.builds(ast.Hours, children),
        st.builds(ast.Between, children, children, children),
        st.builds(ast.AtLeast, children, children, children),
        st.lists(names, min_size=1, max_size=3).map(lambda vs: ast.SetLiteral(tuple(vs))),
        st.builds(ast.Field, children, names),
    )


expressions = st.recursive(atoms, extend, max_leaves=12)

display_names = st.none() | st.builds(ast.DisplayName, safe_text, st.none() | safe_text)


def _named_values(kind, members):
    """`en av {a visas som "…", b}`: the parser keeps value_names only when
    some value has one."""
    names_ = tuple(d for _, d in members)
    return ast.TypeExpr(kind, tuple(v for v, _ in members),
                        value_names=names_ if any(d is not None for d in names_) else ())


simple_types = st.sampled_from(["bool", "integer", "decimal", "percent", "text", "date", "schedule"]).map(ast.TypeExpr)
types = st.one_of(
    simple_types,
    st.builds(ast.TypeExpr, st.sampled_from(["enum", "set"]), st.lists(names, min_size=1, max_size=4).map(tuple)),
    st.builds(_named_values, st.sampled_from(["enum", "set"]),
              st.lists(st.tuples(names, display_names), min_size=1, max_size=4)),
    names.map(lambda r: ast.TypeExpr("list", record=r)),
)
field_types = st.one_of(simple_types, st.builds(_named_values, st.sampled_from(["enum", "set"]),
                                                st.lists(st.tuples(names, display_names), min_size=1, max_size=3)))
req_ids = st.lists(st.integers(0, 99), min_size=1, max_size=4).map(lambda parts: ".".join(map(str, parts)))
some_dates = st.dates(datetime.date(1990, 1, 1), datetime.date(2100, 1, 1))
sources = st.lists(st.builds(ast.Source, safe_text, st.none() | some_dates), max_size=2).map(tuple)
items = st.one_of(
    st.builds(ast.FactDecl, names, types, st.none() | safe_text, st.booleans(), display_names),
    st.builds(ast.RecordDecl, names, st.lists(st.builds(ast.FieldDecl, names, field_types, st.none() | safe_text,
                                                        display_names),
                                              min_size=1, max_size=3).map(tuple), display_names),
    st.builds(ast.Chapter, safe_text, st.none() | paragraph),
    st.builds(ast.Requirement, req_ids, safe_text, st.sampled_from(["skall", "bör"]), st.none() | paragraph,
              st.none() | expressions, expressions, st.none() | names, sources,
              st.none() | st.sampled_from(ast.STATUSES), st.none() | some_dates, st.none() | some_dates),
)
headers = st.builds(ast.Header, safe_text, st.integers(1900, 2200), st.none() | some_dates,
                    st.none() | safe_text, st.none() | safe_text)
rulebooks = st.builds(lambda h, rest: ast.Rulebook((h, *rest)), headers, st.lists(items, max_size=6))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rulebooks, st.sampled_from(["sv", "en"]))
def test_printed_rulebook_parses_back_to_an_equal_ast(tree, lang):
    source = format_rulebook(tree, lang)
    assert parse_or_raise(source) == tree


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_only_raises_our_error(text):
    try:
        parse_or_raise(text)
    except KokSyntaxError as exc:
        assert exc.diagnostics and all(d.span is not None for d in exc.diagnostics)


SAMPLE = Path("rulebooks/orebro/2025.kok").read_text(encoding="utf-8")


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mangled_rulebooks_give_diagnostics_not_crashes(data):
    """Cut, duplicate and insert text in a real rulebook: parsing and
    compiling report problems as diagnostics and never raise."""
    source = SAMPLE
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(source)))
        j = data.draw(st.integers(i, min(len(source), i + 40)))
        insert = data.draw(st.sampled_from(["", ":", "(", ")", "krav", "\n", '"', '"""', "och", "1.2", "{", "x.y"]))
        source = source[:i] + insert + source[j:]
    parsed = parse(source, "mangled.kok")
    for d in parsed.diagnostics:
        assert d.text("sv") and d.text("en") and "$END" not in d.text("en") and "__ANON" not in d.text("en")
    compile_rulebook(parsed.rulebook, parsed.source)


# -- Kleene's three-valued logic ----------------------------------------------

VARS = ("a", "b", "c")
LOGIC_BOOK = "regelbok \"Logik\" utgåva 2025\n" + "".join(f"uppgift {v}: ja/nej\n" for v in VARS)
truth = st.sampled_from([True, False, UNKNOWN])
bool_exprs = st.recursive(
    st.sampled_from(VARS).map(ast.Name) | st.booleans().map(lambda v: ast.Literal("bool", v)),
    lambda children: st.one_of(
        st.builds(ast.Not, children),
        st.builds(ast.Logic, st.sampled_from(["and", "or"]), children, children),
        st.builds(ast.IfElse, children, children, children),
    ),
    max_leaves=10,
)

# Kleene's strong logic as an order: False < UNKNOWN < True.
RANK = {False: 0, UNKNOWN: 1, True: 2}
BY_RANK = {0: False, 1: UNKNOWN, 2: True}


def reference(node, env):
    match node:
        case ast.Name(name=n):
            return env[n]
        case ast.Literal(value=v):
            return v
        case ast.Not(operand=o):
            return BY_RANK[2 - RANK[reference(o, env)]]
        case ast.Logic(op="and", left=l, right=r):
            return BY_RANK[min(RANK[reference(l, env)], RANK[reference(r, env)])]
        case ast.Logic(op="or", left=l, right=r):
            return BY_RANK[max(RANK[reference(l, env)], RANK[reference(r, env)])]
        case ast.IfElse(then=t, condition=c, otherwise=o):
            cond, a, b = reference(c, env), reference(t, env), reference(o, env)
            if cond is UNKNOWN:
                return a if a is b and a is not UNKNOWN else UNKNOWN
            return a if cond else b


def compiled(expr):
    tree = parse_or_raise(LOGIC_BOOK)
    req = ast.Requirement("1", "t", "skall", None, None, expr)
    result = compile_rulebook(ast.Rulebook(tree.items + (req,)))
    assert not [d for d in result.diagnostics if d.is_error]
    return result.rulebook.requirements[0].check_fn


@settings(max_examples=200, deadline=None)
@given(bool_exprs, truth, truth, truth)
def test_compiled_logic_is_kleene(expr, a, b, c):
    env = {"a": a, "b": b, "c": c}
    assert compiled(expr)(dict(env)) is reference(expr, env)


@settings(max_examples=100, deadline=None)
@given(bool_exprs, truth, truth, truth)
def test_knowing_more_never_changes_a_known_result(expr, a, b, c):
    """Monotonicity: replacing UNKNOWN by a value never flips a decided check."""
    fn = compiled(expr)
    env = {"a": a, "b": b, "c": c}
    result = fn(dict(env))
    assume(result is not UNKNOWN)
    unknowns = [k for k, v in env.items() if v is UNKNOWN]
    for values in itertools.product([True, False], repeat=len(unknowns)):
        refined = dict(env, **dict(zip(unknowns, values, strict=False)))
        assert fn(refined) is result


def test_kleene_laws_by_example():
    table = {
        "a eller ja": {"a": UNKNOWN, "expect": True},
        "a och nej": {"a": UNKNOWN, "expect": False},
        "a och ja": {"a": UNKNOWN, "expect": UNKNOWN},
        "inte a": {"a": UNKNOWN, "expect": UNKNOWN},
        "a eller inte a": {"a": UNKNOWN, "expect": UNKNOWN},
    }
    for text, case in table.items():
        tree = parse_or_raise(LOGIC_BOOK + f'krav 1 "t" skall\n  {text}\n')
        rb = compile_rulebook(tree).rulebook
        env = {"a": case["a"], "b": True, "c": True}
        assert rb.requirements[0].check_fn(env) is case["expect"], text


# -- the generated fast path agrees with the reference closures ---------------


@settings(max_examples=300, deadline=None)
@given(bool_exprs, st.none() | bool_exprs, truth, truth, truth)
def test_generated_code_agrees_with_closures_on_logic(check, condition, a, b, c):
    from kokdsl.evaluator import requirement_outcome

    tree = parse_or_raise(LOGIC_BOOK)
    req = ast.Requirement("1", "t", "skall", None, condition, check)
    rb = compile_rulebook(ast.Rulebook(tree.items + (req,))).rulebook
    env = {"a": a, "b": b, "c": c}
    assert rb.outcome_function()(env) == [requirement_outcome(rb.requirements[0], dict(env))]


def _orebro():
    from kokdsl.pipeline import load_rulebook

    return load_rulebook("rulebooks/orebro/2025.kok").rulebook


OREBRO = _orebro()


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 10_000), st.data())
def test_generated_code_agrees_with_closures_on_centres(seed, data):
    """Synthetic centres with facts and record fields knocked out at random."""
    import random

    from kokdsl.evaluator import outcomes
    from kokdsl.intake.synthetic import centre, pick_scenario
    from kokdsl.selfreport import validate

    rng = random.Random(seed)
    document = centre(rng, 1, pick_scenario(rng))
    facts = dict(validate(document, OREBRO).facts)
    for name in data.draw(st.lists(st.sampled_from(sorted(facts)), max_size=4)):
        facts[name] = UNKNOWN
    for value in facts.values():
        if isinstance(value, tuple) and value and data.draw(st.booleans()):
            item = data.draw(st.sampled_from(value))
            item.fields[data.draw(st.sampled_from(sorted(item.fields)))] = UNKNOWN
    expected = [outcome for _, outcome in outcomes(OREBRO, facts)]
    assert OREBRO.outcome_function()(facts) == expected


# -- a self-report is data: anything at all gives a report or our own error ----

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=True) | st.text(max_size=30)
    | st.dates(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12) | st.integers(), children,
                                                                      max_size=5),
    max_leaves=25,
)
fact_names = st.sampled_from(sorted(f.name for f in OREBRO.facts) + ["vårdcentral", "okänd"])


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.dictionaries(fact_names, json_values, max_size=12))
def test_any_document_validates_without_crashing(document):
    from kokdsl.decision import decide
    from kokdsl.errors import SelfReportError
    from kokdsl.evaluator import evaluate
    from kokdsl.outputs.assessment import render_json, render_text
    from kokdsl.outputs.findings import render_report
    from kokdsl.pipeline import Assessment
    from kokdsl.selfreport import validate

    try:
        report = validate(document, OREBRO, "fuzz.yaml")
    except SelfReportError as exc:  # a number beyond the documented bound is refused, with its path
        assert exc.diagnostic.code == "data.out_of_range" and exc.diagnostic.path.startswith("$")
        return
    evaluation = evaluate(OREBRO, report)
    assessment = Assessment(evaluation, decide(evaluation))
    for lang in ("sv", "en"):
        render_text(assessment, lang, width=100)
        render_json(assessment, lang)
    for fmt in ("html", "md"):
        render_report(assessment, fmt, "sv", datetime.date(2026, 1, 1))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rulebooks, st.lists(st.text(alphabet=string.ascii_letters + " åäö#\"-", max_size=20), max_size=6), st.data())
def test_formatting_keeps_comments_and_is_idempotent(tree, comments, data):
    from kokdsl.authoring.formatter import comment_lines, format_source

    lines = format_rulebook(tree).split("\n")
    starts = [i for i, line in enumerate(lines) if line and not line.startswith(" ")]
    for text in comments:
        at = data.draw(st.sampled_from(starts + [len(lines)]))
        lines.insert(at, "# " + text)
        starts = [i + (i >= at) for i in starts]
    source = "\n".join(lines)
    parsed = parse_or_raise(source)
    formatted = format_source(parsed, source)
    assert parse_or_raise(formatted) == tree
    assert [t for _, t in comment_lines(formatted)] == [t for _, t in comment_lines(source)]
    assert format_source(parse_or_raise(formatted), formatted) == formatted


def test_deeply_nested_checks_fall_back_to_the_closures():
    """Python refuses more than 20 nested loops in one function; a check with
    deeper quantifiers runs by its closures instead, with the same outcomes."""
    from kokdsl import codegen
    from kokdsl.evaluator import requirement_outcome

    check = "x25 = p"
    for i in range(25, 0, -1):
        check = f"alla x{i} i s: {check}"
    source = 'regelbok "Djup" utgåva 2025\nuppgift s: mängd av {p, q}\nkrav 1 "t" skall\n  ' + check + "\n"
    rb = compile_rulebook(parse_or_raise(source)).rulebook
    [fn] = [codegen._requirement_function(r, rb.types, {}) for r in rb.requirements]
    assert fn.__name__ == "<lambda>", "expected the closure fallback"
    for value in (frozenset({"p"}), frozenset({"p", "q"}), UNKNOWN):
        env = {"s": value}
        assert rb.outcome_function()(env) == [requirement_outcome(rb.requirements[0], dict(env))]
