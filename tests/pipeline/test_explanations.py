"""Explanations come from the same semantics as outcomes, and blank list
entries are missing facts (issue 9, both defects)."""

from __future__ import annotations

import copy
import datetime
import html
import json
import re
from pathlib import Path

import yaml
from helpers import result, rulebook, run, texts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kokdsl import ast
from kokdsl.compiler import compile_rulebook
from kokdsl.enums import DecisionKind, Outcome
from kokdsl.evaluator import evaluate
from kokdsl.parser import parse_or_raise
from kokdsl.pipeline import assess, load_rulebook
from kokdsl.prose import finding_text, findings
from kokdsl.schedule import parse_schedule
from kokdsl.selfreport import Identity, SelfReport, validate
from kokdsl.values import UNKNOWN, Duration, RecordValue

ROOT = Path(__file__).resolve().parents[2]
OREBRO = ROOT / "rulebooks" / "orebro" / "2025.kok"


def _godkand() -> dict:
    return yaml.safe_load((ROOT / "examples" / "godkand.yaml").read_text(encoding="utf-8"))


def _assess(document: dict):
    rb = load_rulebook(str(OREBRO)).rulebook
    return assess(rb, validate(document, rb, "test.yaml", "0" * 64))


# -- defect 1: a blank entry is not an element ------------------------------------------

BLANK_PERSON = {"namn": None, "utbildning": None, "tjänstgöringsgrad": None}


def test_blank_coordinator_entry_asks_for_a_supplement_not_approval():
    document = _godkand()
    document["vårdsamordnare"] = [dict(BLANK_PERSON)]
    a = _assess(document)
    assert result(a, "3.1").outcome == Outcome.CANNOT_ASSESS
    assert a.decision.kind == DecisionKind.SUPPLEMENT_REQUEST
    assert [p.path for p in a.decision.missing] == ["$.vårdsamordnare"]


LIST_BOOK = """
uppgift filialer: lista av filial
post filial:
  namn: text
  öppen: ja/nej
  timmar: heltal
krav 1 "antal" skall
  antal(filialer) >= 1
krav 2 "alla" skall
  alla f i filialer: f.öppen
krav 3 "ingen" skall
  ingen f i filialer: f.öppen
krav 4 "någon" skall
  någon f i filialer: f.öppen
krav 5 "summa" skall
  summa(f i filialer: f.timmar) >= 10
krav 6 "antal där" skall
  antal(f i filialer: f.öppen) >= 1
"""
BLANK_BRANCH = {"namn": None, "öppen": None, "timmar": ""}


def test_every_list_fact_and_quantifier_treats_a_blank_entry_as_not_given():
    rb = rulebook(LIST_BOOK)
    a = run(rb, {"filialer": [dict(BLANK_BRANCH)]})
    assert [r.outcome for r in a.evaluation.results] == [Outcome.CANNOT_ASSESS] * 6
    assert [p.path for p in a.decision.missing] == ["$.filialer"]
    for r in a.evaluation.results:
        assert texts(r) == ["Uppgiften om filialer saknas eller är ogiltig i egenrapporten."]


def test_a_blank_entry_beside_filled_ones_is_dropped_with_a_warning():
    rb = rulebook(LIST_BOOK)
    a = run(rb, {"filialer": [{"namn": "Norr", "öppen": "ja", "timmar": 12}, dict(BLANK_BRANCH)]})
    met, not_met = Outcome.MET, Outcome.NOT_MET
    assert [r.outcome for r in a.evaluation.results] == [met, met, not_met, met, met, met]
    assert [(d.code, d.path) for d in a.report.diagnostics if d.code == "data.blank_entry"] == [
        ("data.blank_entry", "$.filialer[1]")]


def test_a_partly_filled_entry_exists_with_its_missing_fields_unknown():
    rb = rulebook(LIST_BOOK)
    a = run(rb, {"filialer": [{"namn": "Norr", "öppen": None, "timmar": None}]})
    assert [r.outcome for r in a.evaluation.results] == [Outcome.MET] + [Outcome.CANNOT_ASSESS] * 5
    assert {p.path for p in a.decision.missing} == {"$.filialer[0].öppen", "$.filialer[0].timmar"}


def test_an_explicitly_empty_list_is_given():
    rb = rulebook(LIST_BOOK)
    a = run(rb, {"filialer": []})
    met, not_met = Outcome.MET, Outcome.NOT_MET
    assert [r.outcome for r in a.evaluation.results] == [not_met, met, met, not_met, not_met, not_met]


# -- defect 2: explanations never contradict outcomes -------------------------------------


def test_threshold_failed_on_both_tiers_is_not_explained_by_an_unknown():
    document = _godkand()
    del document["listade"]
    document["öppettider"] = {"måndag-torsdag": "08:00-16:00", "fredag": "08:00-14:00"}  # 38 h
    a = _assess(document)
    r = result(a, "2.1")
    assert r.outcome == Outcome.NOT_MET
    [text] = [t.replace("\xa0", " ") for t in texts(r)]
    assert "okänt" not in text and "saknas" not in text
    assert "38 timmar" in text and "40 timmar" in text and "45 timmar" in text
    [text_en] = [t.replace("\xa0", " ") for t in texts(r, "en")]
    assert "38 hours" in text_en and "neither is met" in text_en


def test_equal_branches_decide_without_their_unknown_condition():
    rb = rulebook("""
    uppgift a: ja/nej
    uppgift b: ja/nej
    uppgift c: ja/nej
    krav 1 "t" skall
      (a om c annars b)
    """)
    r = result(run(rb, {"a": "nej", "b": "nej"}), "1")
    assert r.outcome == Outcome.NOT_MET
    assert texts(r) == ["A: nej.", "B: nej."]


# -- the property: over generated expressions and fact sets --------------------------------

PROPERTY_BOOK = """regelbok "Egenskaper" utgåva 2025
uppgift a: ja/nej
uppgift b: ja/nej
uppgift n: heltal
uppgift m: heltal
uppgift l: lista av p
post p:
  namn: text
  x: ja/nej
  k: heltal
"""
BASE = parse_or_raise(PROPERTY_BOOK)
TRUTH = st.sampled_from([True, False, UNKNOWN])
NUMBER = st.sampled_from([0, 3, 7, 12, UNKNOWN])

elem_bool = st.one_of(
    st.just(ast.Field(ast.Name("e"), "x")),
    st.builds(ast.Compare, st.sampled_from([">=", "<", "="]), st.just(ast.Field(ast.Name("e"), "k")),
              st.integers(0, 12).map(lambda v: ast.Literal("integer", v))),
)


def _num_exprs(bools):
    leaf = st.sampled_from([ast.Name("n"), ast.Name("m"), ast.Count(ast.Name("l")),
                            ast.Sum("e", ast.Name("l"), ast.Field(ast.Name("e"), "k"))]) | st.integers(0, 12).map(
        lambda v: ast.Literal("integer", v))
    return st.one_of(leaf, st.builds(ast.IfElse, leaf, bools, leaf),
                     st.builds(ast.Count, st.just(ast.Name("l")), st.just("e"), elem_bool))


def _extend(children):
    return st.one_of(
        st.builds(ast.Not, children),
        st.builds(ast.Logic, st.sampled_from(["and", "or"]), children, children),
        st.builds(ast.IfElse, children, children, children),
        st.builds(ast.Compare, st.sampled_from([">=", "<", "=", "!="]), _num_exprs(children), _num_exprs(children)),
        st.builds(ast.Quantifier, st.sampled_from(["all", "some", "none"]), st.just("e"), st.just(ast.Name("l")),
                  elem_bool),
    )


bool_exprs = st.recursive(st.sampled_from([ast.Name("a"), ast.Name("b")]), _extend, max_leaves=8)
elements = st.lists(st.tuples(TRUTH, NUMBER), max_size=3).map(
    lambda items: tuple(RecordValue({"namn": f"E{i}", "x": x, "k": k}, f"$.l[{i}]", f"E{i}")
                        for i, (x, k) in enumerate(items)))
fact_sets = st.fixed_dictionaries({"a": TRUTH, "b": TRUTH, "n": NUMBER, "m": NUMBER,
                                   "l": elements | st.just(UNKNOWN)})


def _evaluate(expr, facts):
    req = ast.Requirement("1", "t", "skall", None, None, expr)
    compiled = compile_rulebook(ast.Rulebook(BASE.items + (req,)))
    assert not [d for d in compiled.diagnostics if d.is_error]
    report = SelfReport("p.yaml", "0" * 64, Identity(), dict(facts), (), ())
    return evaluate(compiled.rulebook, report).results[0]


def _walk(trace):
    yield trace
    for part in trace.parts:
        yield from _walk(part)
    for element in trace.elements:
        yield from _walk(element.trace)


def _all_text(findings, lang):
    out = []
    for f in findings:
        out.append(finding_text(f, lang))
        out += _all_text(f.children, lang)
    return out


UNKNOWN_WORDS = {"sv": ("saknas eller är ogiltig", "okänt", "kan inte bedömas"),
                 "en": ("missing or invalid", "unknown", "cannot be assessed")}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bool_exprs, fact_sets)
def test_a_decided_outcome_is_explained_by_known_values_only(expr, facts):
    r = _evaluate(expr, facts)
    trace = r.trace.check
    assert trace.value is (True if r.outcome == Outcome.MET else False if r.outcome == Outcome.NOT_MET else UNKNOWN)
    if r.outcome not in (Outcome.MET, Outcome.NOT_MET):
        assert findings(r)  # an unknown outcome names what is missing
        return
    assert all(t.value is not UNKNOWN for t in _walk(trace)), "a decided result rests on an unknown"
    for lang in ("sv", "en"):
        text = " ".join(_all_text(findings(r), lang)).replace("\xa0", " ")
        assert text, "a decided outcome is explained"
        assert not any(word in text for word in UNKNOWN_WORDS[lang]), text
        # The deciding facts are named with their values.
        yes_no = {True: "ja", False: "nej"} if lang == "sv" else {True: "yes", False: "no"}
        for t in _walk(trace):
            if isinstance(t.node, ast.Name) and t.node.name in ("a", "b"):
                assert f"{t.node.name}: {yes_no[t.value]}" in text.lower(), (t.node.name, text)
            if isinstance(t.node, ast.Name) and t.node.name in ("n", "m"):
                assert str(t.value) in text, (t.node.name, t.value, text)


# Schedules, closed sets and dates: the same property over typed expressions.
TYPED_BOOK = """regelbok "Typade egenskaper" utgåva 2025
uppgift a: ja/nej
uppgift s: veckoschema
uppgift t: veckoschema
uppgift d: datum
uppgift e: datum
uppgift m: mängd av {x, y, z}
uppgift nivå: en av {låg, hög}
"""
TYPED_BASE = parse_or_raise(TYPED_BOOK)
DAY = datetime.date(2025, 6, 1)
SCHEDULE_VALUES = st.sampled_from([
    parse_schedule({"måndag-fredag": "08:00-17:00"}),
    parse_schedule({"måndag-fredag": "07:30-17:30"}),
    parse_schedule({"måndag-torsdag": "08:00-17:00", "fredag": "08:00-12:00"}),
    parse_schedule("dygnet runt"),
    parse_schedule({"måndag-söndag": "17:00-08:00"}),
    parse_schedule({}),
])
DATE_VALUES = st.sampled_from([datetime.date(2024, 1, 1), datetime.date(2025, 5, 31), datetime.date(2025, 6, 1),
                               datetime.date(2026, 12, 31)])
SET_VALUES = st.sampled_from([frozenset(), frozenset({"x"}), frozenset({"x", "y"}), frozenset({"x", "y", "z"})])


def _maybe(values):
    return values | st.just(UNKNOWN)


typed_facts = st.fixed_dictionaries({
    "a": _maybe(st.booleans()), "s": _maybe(SCHEDULE_VALUES), "t": _maybe(SCHEDULE_VALUES),
    "d": _maybe(DATE_VALUES), "e": _maybe(DATE_VALUES), "m": _maybe(SET_VALUES),
    "nivå": _maybe(st.sampled_from(["låg", "hög"])),
})
schedule_exprs = st.one_of(
    st.sampled_from([ast.Name("s"), ast.Name("t"), ast.AroundTheClock()]),
    st.builds(ast.Arith, st.sampled_from(["+", "except", "intersect"]),
              st.sampled_from([ast.Name("s"), ast.Name("t")]), st.sampled_from([ast.Name("s"), ast.Name("t")])),
)
date_exprs = st.one_of(
    st.sampled_from([ast.Name("d"), ast.Name("e"), ast.AssessmentDate()]),
    DATE_VALUES.map(lambda v: ast.Literal("date", v)),
    st.builds(lambda n, unit: ast.Arith("+", ast.Name("d"), ast.Literal("duration", Duration.of(n, unit))),
              st.integers(0, 24), st.sampled_from(["days", "weeks", "months", "years"])),
)
set_members = st.sampled_from(["x", "y", "z"]).map(ast.Name)
typed_leaves = st.one_of(
    st.just(ast.Name("a")),
    st.builds(ast.Covers, schedule_exprs, schedule_exprs),
    st.builds(ast.Compare, st.sampled_from([">=", "<", "="]), schedule_exprs.map(ast.Hours),
              st.sampled_from([0, 40, 45, 168]).map(lambda v: ast.Literal("integer", v))),
    st.builds(ast.Compare, st.sampled_from([">=", "<", "=", "!="]), date_exprs, date_exprs),
    st.builds(ast.Between, date_exprs, date_exprs, date_exprs),
    st.builds(ast.Member, set_members, st.just(ast.Name("m")), st.booleans()),
    st.builds(ast.AtLeast, st.integers(0, 3).map(lambda v: ast.Literal("integer", v)),
              st.lists(st.sampled_from(["x", "y", "z"]), min_size=1, max_size=3, unique=True).map(
                  lambda vs: ast.SetLiteral(tuple(vs))), st.just(ast.Name("m"))),
    st.builds(ast.Quantifier, st.sampled_from(["all", "some", "none"]), st.just("v"), st.just(ast.Name("m")),
              st.builds(ast.Compare, st.just("="), st.just(ast.Name("v")), set_members)),
    st.builds(ast.Compare, st.sampled_from(["=", "!="]), st.just(ast.Name("nivå")),
              st.sampled_from(["låg", "hög"]).map(ast.Name)),
)
typed_exprs = st.recursive(typed_leaves, lambda children: st.one_of(
    st.builds(ast.Not, children),
    st.builds(ast.Logic, st.sampled_from(["and", "or"]), children, children),
    st.builds(ast.IfElse, children, children, children),
), max_leaves=5)


def _evaluate_typed(expr, facts):
    req = ast.Requirement("1", "t", "skall", None, None, expr)
    compiled = compile_rulebook(ast.Rulebook(TYPED_BASE.items + (req,)))
    assert not [d for d in compiled.diagnostics if d.is_error], [d.code for d in compiled.diagnostics]
    report = SelfReport("p.yaml", "0" * 64, Identity(), dict(facts), (), ())
    return compiled.rulebook, evaluate(compiled.rulebook, report, DAY).results[0]


def _codes(findings):
    for f in findings:
        yield f.code
        yield from _codes(f.children)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed_exprs, typed_facts)
def test_schedules_sets_and_dates_are_explained_by_known_values_only(expr, facts):
    from kokdsl.prose import _Context, value_text

    rb, r = _evaluate_typed(expr, facts)
    trace = r.trace.check
    assert trace.value is (True if r.outcome == Outcome.MET else False if r.outcome == Outcome.NOT_MET else UNKNOWN)
    if r.outcome not in (Outcome.MET, Outcome.NOT_MET):
        assert findings(r)  # an unknown outcome names what is missing
        assert any("unknown" in code for code in _codes(findings(r)))
        return
    assert all(t.value is not UNKNOWN for t in _walk(trace)), "a decided result rests on an unknown"
    assert not any("unknown" in code for code in _codes(findings(r))), list(_codes(findings(r)))
    for lang in ("sv", "en"):
        text = " ".join(_all_text(findings(r), lang)).replace("\xa0", " ")
        assert text, "a decided outcome is explained"
        assert not any(word in text for word in UNKNOWN_WORDS[lang]), text
        # The deciding dates, yes/no answers and closed-set values are named as written.
        ctx = _Context(rb, lang)
        for t in _deciding_operands(trace):
            shown = value_text(t.value, ctx.type(t.node), lang).replace("\xa0", " ")
            assert shown.lower() in text.lower(), (t.node, shown, text)


def _deciding_operands(trace):
    """The facts and computed dates whose values decided a trace: a date
    computed by arithmetic is named by its result."""
    if isinstance(trace.node, ast.Arith) and isinstance(trace.value, datetime.date):
        yield trace
        return
    if isinstance(trace.node, ast.Name) and trace.node.name in ("a", "d", "e", "nivå"):
        yield trace
    for part in trace.parts:
        yield from _deciding_operands(part)


def test_generated_failures_name_their_elements():
    expr = ast.Quantifier("all", "e", ast.Name("l"), ast.Field(ast.Name("e"), "x"))
    items = (RecordValue({"namn": "Norr", "x": False, "k": 1}, "$.l[0]", "Norr"),
             RecordValue({"namn": "Söder", "x": UNKNOWN, "k": 1}, "$.l[1]", "Söder"))
    r = _evaluate(expr, {"a": True, "b": True, "n": 1, "m": 1, "l": items})
    assert r.outcome == Outcome.NOT_MET
    assert [f.path for f in findings(r)] == ["$.l[0]"]
    assert _all_text(findings(r), "sv") == ["P Norr:", "x: nej"]


def test_deep_copy_of_facts_is_not_needed_for_tracing():
    """Tracing binds loop variables in its own environment, never in the facts."""
    rb = rulebook(LIST_BOOK)
    document = {"filialer": [{"namn": "Norr", "öppen": "ja", "timmar": 12}]}
    a = run(rb, copy.deepcopy(document))
    before = dict(a.report.facts)
    for r in a.evaluation.results:
        assert findings(r)
    assert a.report.facts == before and "f" not in a.report.facts


# -- grounds in the officer's language ----------------------------------------------------

GOLDEN_REPORTS = ROOT / "tests" / "golden" / "reports"
# Code in an officer's text: an identifier with "_", a JSON path, a loop
# variable's one-letter prefix ("f.listning"), an operator symbol.
CODE = re.compile(r"[^\W\d_]\w*_\w+|\$\.|\b\w\.[^\W\d_]{2,}|[≠≥≤]|(?<!\S)[<>]=?(?=\s)")


def _json_explanations(document: dict) -> list[str]:
    def walk(findings):
        for f in findings:
            yield f["message"]
            yield from walk(f.get("children", []))
    return [text for r in document["requirements"] for text in walk(r["explanation"])]


def _html_grounds(page: str) -> list[str]:
    """The grounds section and every explanation, as visible text."""
    grounds = page.split('id="grounds-heading"')[1].split('id="requirements-heading"')[0]
    grounds = re.sub(r"<h3>.*?Synpunkter.*", "", grounds, flags=re.S)  # data notes quote the self-report's paths
    grounds = re.sub(r"<h3>[^<]*(Notes on the self-report)[^<]*</h3>.*", "", grounds, flags=re.S)
    grounds = re.sub(r"<code>.*?</code>", "", grounds, flags=re.S)  # the place to supplement: a path by design
    explanations = re.findall(r'<ul class="explanation">(.*?)</ul>', page, re.S)
    conditions = re.findall(r'<p class="condition">(.*?)</p>', page, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", " ", part)) for part in [grounds, *explanations, *conditions]]


def _md_grounds(text: str) -> list[str]:
    grounds = text.split("\n## ", 3)[2]  # the decision, then the grounds
    grounds = re.sub(r"`[^`]*`", "", grounds)
    grounds = re.sub(r"### (Synpunkter på egenrapporten|Notes on the self-report).*", "", grounds, flags=re.S)
    explanations = re.findall(r"\*\*(?:Bedömning|Finding):\*\*\n\n(.*?)\n\n", text, re.S)
    return [grounds.replace("\\", ""), *explanations]


def test_no_code_in_any_explanation_or_ground_of_the_golden_reports():
    files = sorted(GOLDEN_REPORTS.glob("*.*"))
    assert {f.suffix for f in files} == {".json", ".html", ".md"} and len(files) >= 18
    for file in files:
        text = file.read_text(encoding="utf-8")
        if file.suffix == ".json":
            parts = _json_explanations(json.loads(text))
        elif file.suffix == ".html":
            parts = _html_grounds(text)
        else:
            parts = _md_grounds(text)
        assert any(parts), file.name
        for part in parts:
            found = CODE.findall(part)
            assert not found, (file.name, found, part[:300])


def test_the_code_scan_can_fail():
    assert CODE.findall("filial Låtsasvik: f.listning gäller")
    assert CODE.findall("specialist_allmänmedicin täcker inte öppettider")
    assert CODE.findall("se $.jour") and CODE.findall("a ≠ b") and CODE.findall("listade: 38 >= 40")
    assert not CODE.findall("Kontinuitet läkarbesök: 61 %; kravet är minst 75 %.")


# -- whole sentences over the shipped examples and the 30 fictional centres ------------------

SAMPLE_SENTENCES = {
    ("avslag.yaml", "1.1"): "Specialist i allmänmedicin saknas under öppettiderna: torsdagar 15.30–17.00.",
    ("avslag.yaml", "2.1.4"):
        "Öppettiderna tillsammans med jouren täcker inte dygnet runt alla dagar; det saknas fredagar 17.00–08.00.",
    ("avslag.yaml", "6.4.1"): "Filialen Låtsasvik (får inte förekomma): listning: ja.",
}


def _examples():
    return [*sorted((ROOT / "examples").glob("*.yaml")), *sorted((ROOT / "examples" / "centres").glob("*.yaml"))]


def _leaf_values(trace):
    """The facts and fields that decided a trace, with their values; a sum or
    a count is named by its total, not by every element."""
    if isinstance(trace.node, (ast.Name, ast.Field)) and not trace.parts and isinstance(trace.value, (bool, int)):
        yield trace
    if isinstance(trace.node, (ast.Sum, ast.Count)):
        return
    for part in trace.parts:
        yield from _leaf_values(part)
    for element in trace.elements:
        yield from _leaf_values(element.trace)


def test_every_not_met_ground_names_its_deciding_values_in_words():
    from kokdsl.prose import _Context, value_text

    rb = load_rulebook(str(OREBRO)).rulebook
    seen = 0
    for file in _examples():
        a = assess(rb, str(file))
        for r in a.evaluation.results:
            if r.outcome != Outcome.NOT_MET:
                continue
            text = " ".join(_all_text(findings(r), "sv")).replace("\xa0", " ")
            assert text and not CODE.findall(text), (file.name, r.requirement.id, text)
            ctx = _Context(rb, "sv")
            for leaf in _leaf_values(r.trace.check):
                shown = value_text(leaf.value, ctx.type(leaf.node), "sv").replace("\xa0", " ")
                assert shown in text, (file.name, r.requirement.id, shown, text)
            expected = SAMPLE_SENTENCES.get((file.name, r.requirement.id))
            if expected is not None:
                assert [_flat(f) for f in findings(r)] == [expected]
            seen += 1
    assert seen >= 15


def _flat(finding) -> str:
    from kokdsl.prose import _flattened_text

    text = _flattened_text(finding, "sv").replace("\xa0", " ")
    return text if text.endswith(".") else text + "."  # as the report prints it


# -- the decision document: the rulebook's own review text ----------------------------------

REVIEW_BOOK = '''regelbok "Fiktiv region" utgåva 2025 giltig från 2025-01-01

överprövning
  """Den som vill begära överprövning av beslutet skriver till
  förvaltningsrätten inom tre veckor (fiktiv text för test)."""

uppgift öppet: ja/nej
krav 1 "Öppet" skall
  öppet
'''


def test_the_review_text_comes_from_the_rulebook_and_ends_a_rejection(tmp_path):
    from click.testing import CliRunner

    from kokdsl.authoring.formatter import format_rulebook
    from kokdsl.cli import main
    from kokdsl.outputs.findings import render_report

    book = tmp_path / "fiktiv.kok"
    book.write_text(REVIEW_BOOK, encoding="utf-8")
    rb = load_rulebook(str(book)).rulebook
    assert rb.review.startswith("Den som vill begära överprövning")
    rejected = assess(rb, validate({"öppet": "nej"}, rb, "r.yaml", "0" * 64))
    page = render_report(rejected, "html", "sv")
    review_at = page.index("Hur man begär överprövning")
    assert review_at > page.index("Skäl för beslutet") and "förvaltningsrätten inom tre veckor" in page[review_at:]
    approved = assess(rb, validate({"öppet": "ja"}, rb, "r.yaml", "0" * 64))
    assert "förvaltningsrätten" not in render_report(approved, "md", "sv")
    # kok fmt keeps it; kok check warns only about a book without it.
    assert "överprövning\n" in format_rulebook(parse_or_raise(REVIEW_BOOK))
    assert "överprövning" not in CliRunner().invoke(main, ["check", str(book)]).output
    without = tmp_path / "utan.kok"
    without.write_text(REVIEW_BOOK.split("överprövning")[0] + REVIEW_BOOK.split('test)."""\n')[1], encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(without)])
    assert result.exit_code == 0 and "anger inte hur man begär överprövning" in result.output


def test_a_missing_fact_read_twice_is_named_once():
    rb = rulebook("""
    uppgift a: ja/nej
    uppgift b: ja/nej
    krav 1 "t" skall
      a och (a eller b)
    """)
    r = result(run(rb, {"b": "nej"}), "1")
    assert r.outcome == Outcome.CANNOT_ASSESS
    assert texts(r) == ["Uppgiften om a saknas eller är ogiltig i egenrapporten."]


# -- edge cases of the officer's wording ----------------------------------------------------

EDGE_BOOK = """
uppgift d: datum visas som "startdatum" på engelska "the start date"
uppgift m: mängd av {x visas som "ex" på engelska "ex-en", y} visas som "tjänsterna" på engelska "the services"
krav 1 "t" skall
  2024-01-01 <= d
krav 2 "t" skall
  alla v i m: v = x
"""


def test_a_literal_on_the_left_is_said_with_the_fact_first():
    r = result(run(rulebook(EDGE_BOOK), {"d": "2023-05-01", "m": ["x"]}), "1")
    assert r.outcome == Outcome.NOT_MET
    assert texts(r) == ["Startdatum: 2023-05-01; kravet är tidigast 2024-01-01."]
    assert texts(r, "en") == ["The start date: 2023-05-01; the requirement is on or after 2024-01-01."]


def test_a_quantifier_over_a_set_names_the_value_not_the_variable():
    r = result(run(rulebook(EDGE_BOOK), {"d": "2025-05-01", "m": ["x", "y"]}), "2")
    assert r.outcome == Outcome.NOT_MET
    assert texts(r) == ["Y i tjänsterna:", "värdet: y; kravet är ex"]
    assert texts(r, "en") == ["Y in the services:", "the value: y; the requirement is ex-en"]


def test_schedules_in_officer_text_use_swedish_clock_times_and_recurring_days():
    from kokdsl.schedule import parse_schedule

    gap = parse_schedule({"torsdag": "15:30-17:00", "måndag-fredag": ["07:00-07:30"]})
    assert gap.describe("sv", prose=True) == "måndag–onsdag 07.00–07.30; torsdagar 07.00–07.30 och 15.30–17.00; " \
                                             "fredagar 07.00–07.30"
    assert gap.describe("en", prose=True).startswith("Monday–Wednesday 07:00–07:30; Thursdays 07:00–07:30 and")
    assert gap.describe("sv") == "måndag-onsdag 07:00-07:30; torsdag 07:00-07:30, 15:30-17:00; fredag 07:00-07:30"


def test_an_explanation_kept_for_the_values_read_is_the_one_written_afresh():
    """Explanations are kept per (requirement, outcome, date, values read) and
    shared between centres (issue 23): on every synthetic centre, in every
    scenario, the kept one is the one the trace would write for that centre."""
    from kokdsl.intake.synthetic import generate
    from kokdsl.prose import explain

    book = load_rulebook(OREBRO).rulebook
    shared = 0
    for name, text in generate(300, 11, every_scenario=True):
        report = validate(yaml.safe_load(text), book, name, "0" * 64)
        for r in assess(book, report, datetime.date(2025, 3, 1)).evaluation.results:
            kept = findings(r)
            assert list(kept) == explain(r), (name, r.requirement.id)
            assert [finding_text(f, "sv") for f in kept] == [finding_text(f, "sv") for f in explain(r)]
        shared += 1
    cache = book.runtime["explanations"]
    assert 0 < len(cache) < shared * len(book.requirements)  # some values were seen before
