"""The language's provenance and schedule constructs, end to end: status,
dated sources, validity per requirement, urval, display names, and the
algebra of weekly schedules (against a minute-set model)."""

from __future__ import annotations

import datetime
import json
from fractions import Fraction
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kokdsl import ast
from kokdsl.cli import main
from kokdsl.compiler import compile_rulebook
from kokdsl.evaluator import requirement_outcome
from kokdsl.parser import parse_or_raise
from kokdsl.pipeline import assess, check_rulebook, check_rulebook_source
from kokdsl.prose import finding_text, findings
from kokdsl.schedule import MINUTES_PER_WEEK, Schedule
from kokdsl.selfreport import validate
from kokdsl.values import ASSESSMENT_DATE, UNKNOWN

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "tests/rulebooks/provenance.kok"
CENTRE = {
    "vårdcentral": {"namn": "Språktestcentralen (fiktiv)", "id": "FIKTIV-SPRÅK", "fiktiv": True},
    "öppettider": {"måndag-fredag": "08:00-17:00"},
    "jour": {"måndag-torsdag": "17:00-08:00", "fredag": "17:00-24:00", "lördag-söndag": "00:00-24:00",
             "måndag": "00:00-08:00"},
    "samordnare": [{"namn": "Cecilia Ceder", "examen": False}],
}
AUGUST = datetime.date(2026, 8, 1)


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def rulebook():
    loaded = check_rulebook(BOOK)
    assert loaded.ok, loaded.diagnostics
    return loaded.rulebook


def assessed(day=AUGUST, **changes):
    rb = rulebook()
    return assess(rb, validate(dict(CENTRE, **changes), rb, "test.yaml", "0" * 64), day)


def outcome(assessment, req_id):
    return next(r for r in assessment.evaluation.results if r.requirement.id == req_id)


# -- the test rulebook's own rule tests ---------------------------------------------


def test_the_language_test_rulebook_passes_its_rule_tests_with_full_coverage():
    result = invoke("test", BOOK, "--min-coverage", "100")
    assert result.exit_code == 0, result.output


def test_the_language_test_rulebook_is_formatted():
    assert invoke("fmt", "--check", BOOK).exit_code == 0


# -- status: proposals and illustrative requirements never decide --------------------


def test_a_failed_proposal_does_not_reject_but_shows_what_adopting_it_would_change():
    a = assessed()
    assert outcome(a, "2").outcome == "not_met"
    assert outcome(a, "2.1").outcome == "not_met"  # illustrative, 45 h < 50 h
    assert a.decision.kind == "approved"
    assert [r.requirement.id for r in a.decision.proposals] == ["2"]
    assert a.decision.if_adopted.kind == "rejection"
    assert [r.requirement.id for r in a.decision.if_adopted.reasons] == ["2"]


def test_illustrative_requirements_never_decide_even_when_proposals_are_adopted():
    a = assessed(samordnare=[{"namn": "Berit Berg", "examen": True}])
    assert outcome(a, "2.1").outcome == "not_met"
    assert a.decision.kind == "approved"
    assert a.decision.if_adopted.kind == "approved"


def test_without_proposals_there_is_no_adopted_decision():
    rb = check_rulebook_source('regelbok "R" utgåva 1\nuppgift x: ja/nej\nkrav 1 "t" skall x\n').rulebook
    a = assess(rb, validate({"x": True}, rb, "t.yaml", "0" * 64))
    assert a.decision.if_adopted is None and a.decision.proposals == ()


def test_counts_hold_only_the_requirements_in_force():
    from kokdsl.decision import counts

    table = counts(assessed().evaluation)
    assert sum(table["skall"].values()) == 3  # 1, 1.1, 2.2: not the proposal or the example


def test_every_output_marks_proposals_and_examples(tmp_path):
    report = tmp_path / "c.yaml"
    report.write_text(json.dumps(CENTRE, ensure_ascii=False), encoding="utf-8")
    text = invoke("run", BOOK, report, "--run-date", "2026-08-01").output
    assert "Samordnare med akademisk examen [förslag]" in text
    assert "[exempel]" in text
    assert "Om förslagen antas: AVSLAG" in text
    english = invoke("run", BOOK, report, "--run-date", "2026-08-01", "--lang", "en").output
    assert "[proposal]" in english and "[illustrative]" in english
    assert "If the proposals are adopted: REJECTION" in english
    data = json.loads(invoke("run", BOOK, report, "--run-date", "2026-08-01", "--format", "json").output)
    by_id = {r["id"]: r for r in data["requirements"]}
    assert (by_id["2"]["status"], by_id["2.1"]["status"], by_id["1"]["status"]) == ("proposal", "example", "in_force")
    assert by_id["2"]["sources"] == [{"text": "Påhittade synpunkter från kommunerna", "date": "2026-03-01"}]
    assert data["decision"]["kind"] == "approved"
    assert data["decision"]["if_adopted"]["kind"] == "rejection"
    assert data["decision"]["proposals"] == ["2"]
    md = tmp_path / "c.md"
    html = tmp_path / "c.html"
    invoke("run", BOOK, report, "--run-date", "2026-08-01", "--dokument", "granskningsrapport",
           "-o", f"md:{md}", "-o", f"html:{html}")
    md_text, html_text = md.read_text(encoding="utf-8"), html.read_text(encoding="utf-8")
    assert "## Om förslagen antas" in md_text and "(skall, förslag)" in md_text and "(skall, exempel)" in md_text
    assert 'class="badge status-proposal"' in html_text and 'class="badge status-example"' in html_text
    assert "Om förslagen antas" in html_text
    # The letter to the applicant holds neither the proposal nor the example, nor what adopting them would do.
    invoke("run", BOOK, report, "--run-date", "2026-08-01", "-o", f"md:{md}")
    letter = md.read_text(encoding="utf-8")
    assert "Beslut om godkännande" in letter and "Om förslagen antas" not in letter
    assert "| 2 |" not in letter and "| 2.1 |" not in letter and "| 1 |" in letter  # only the requirement in force


def test_the_json_report_with_provenance_matches_its_schema(tmp_path):
    import jsonschema

    from kokdsl.outputs.findings import schema_text

    report = tmp_path / "c.yaml"
    report.write_text(json.dumps(CENTRE, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "c.json"
    invoke("run", BOOK, report, "--run-date", "2026-08-01", "-o", f"json:{out}")
    jsonschema.validate(json.loads(out.read_text(encoding="utf-8")), json.loads(schema_text()))


def test_impact_can_adopt_the_proposals(tmp_path):
    report = tmp_path / "c.yaml"
    report.write_text(json.dumps(CENTRE, ensure_ascii=False), encoding="utf-8")
    result = invoke("impact", BOOK, report, "--adopt-proposals")
    assert result.exit_code == 0, result.output
    assert "1 byter beslut" in result.output and "krav 2" in result.output
    assert "krav 2" in invoke("impact", BOOK, report, "--adopt", "2").output
    wrong = invoke("impact", BOOK, report, "--adopt", "2.1")
    assert wrong.exit_code == 2 and "inget förslag 2.1" in wrong.output


# -- sources dated after the edition ----------------------------------------------

LATE = '''regelbok "R" utgåva 2024 giltig från 2024-01-01
uppgift x: ja/nej
krav 1 "t" skall {status}
  källa "Förslag till villkor" daterad 2025-01-16
  {extra}
  x
'''


def diagnostics(source):
    return check_rulebook_source(source, "late.kok").diagnostics


def test_an_in_force_requirement_resting_only_on_a_later_source_is_an_error():
    [diag] = diagnostics(LATE.format(status="", extra=""))
    assert diag.code == "compile.source_after_edition"
    assert "2025-01-16" in diag.text("sv") and "2024-01-01" in diag.text("sv")
    assert diag.span.line == 4


def test_a_later_source_is_fine_beside_an_earlier_one_and_for_a_proposal():
    assert not diagnostics(LATE.format(status="", extra='källa "KoK-bok" daterad 2023-11-01'))
    assert not diagnostics(LATE.format(status="status förslag", extra=""))
    assert not diagnostics(LATE.format(status="", extra='källa "Utan datum"'))


def test_a_requirement_applying_from_its_sources_date_may_rest_on_it():
    # The requirement's own start, not the edition's, is what the source must precede.
    assert not diagnostics(LATE.format(status="", extra="giltig från 2025-01-16"))
    [diag] = diagnostics(LATE.format(status="", extra="giltig från 2025-01-15"))
    assert diag.code == "compile.source_after_edition" and "2025-01-15" in diag.text("sv")


def test_the_check_command_fails_on_a_later_source(tmp_path):
    path = tmp_path / "late.kok"
    path.write_text(LATE.format(status="", extra=""), encoding="utf-8")
    result = invoke("check", path)
    assert result.exit_code == 2 and "daterad 2025-01-16" in result.output


def test_a_reversed_validity_is_an_error():
    source = ('regelbok "R" utgåva 1\nuppgift x: ja/nej\n'
              'krav 1 "t" skall giltig från 2026-07-01 giltig till 2026-01-01 x\n')
    assert [d.code for d in diagnostics(source)] == ["compile.validity_reversed"]


# -- validity per requirement --------------------------------------------------------


def test_a_requirement_not_yet_valid_is_not_applicable_and_says_from_when():
    r = outcome(assessed(datetime.date(2026, 2, 1)), "2.2")
    assert r.outcome == "not_applicable"
    assert [f.code for f in findings(r)] == ["finding.valid_from"]
    assert "2026-07-01" in finding_text(findings(r)[0], "sv")


def test_validity_is_judged_on_the_run_date_given_on_the_command_line(tmp_path):
    report = tmp_path / "c.yaml"
    report.write_text(json.dumps(CENTRE, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "c.json"
    invoke("run", BOOK, report, "--run-date", "2026-02-01", "-o", f"json:{out}")
    by_id = {r["id"]: r for r in json.loads(out.read_text(encoding="utf-8"))["requirements"]}
    assert by_id["2.2"]["outcome"] == "not_applicable" and by_id["2.3"]["outcome"] == "met"
    html = tmp_path / "c.html"
    invoke("run", BOOK, report, "--run-date", "2026-02-01", "--dokument", "granskningsrapport", "-o", f"html:{html}")
    assert "Kravet gäller från 2026-07-01, efter bedömningsdatumet 2026-02-01." in html.read_text("utf-8")


def test_the_generated_code_judges_validity_like_the_closures():
    rb = rulebook()
    report = validate(CENTRE, rb, "t.yaml", "0" * 64)
    for day in (datetime.date(2025, 12, 31), datetime.date(2026, 3, 31), datetime.date(2026, 4, 1),
                datetime.date(2026, 7, 1)):
        env = dict(report.facts, **{ASSESSMENT_DATE: day})
        assert rb.outcome_function()(env) == [requirement_outcome(r, dict(env)) for r in rb.requirements]


# -- urval and display names ---------------------------------------------------------


def test_the_book_says_it_is_a_selection_and_shows_status_source_and_validity():
    result = invoke("book", BOOK, "--output", "md:-")
    assert "Urval: boken tar upp en del av Krav- och kvalitetsboken, inte hela (kapitel 1 och 2)." in result.output
    assert "### 2 Samordnare med akademisk examen (skall, förslag)" in result.output
    assert "(skall, exempel)" in result.output
    assert "**Källa:** Påhittade synpunkter från kommunerna (daterad 2026-03-01)" in result.output
    assert "**Giltighet:** från 2026-07-01" in result.output
    assert result.output.count("**Status:**") == len(rulebook().requirements)


def test_facts_and_fields_have_display_names_in_both_languages():
    rb = rulebook()
    assert rb.fact("jour").display_name("sv") == "jourtider"
    assert rb.fact("jour").display_name("en") == "on-call hours"
    field = rb.records["samordnare"].field("examen")
    assert (field.display_name("sv"), field.display_name("en")) == ("akademisk examen", "academic degree")
    plain = check_rulebook_source('regelbok "R" utgåva 1\nuppgift fast_vårdkontakt: ja/nej "Doc"\n'
                                 'krav 1 "t" skall fast_vårdkontakt\n').rulebook
    assert plain.fact("fast_vårdkontakt").display_name("en") == "fast vårdkontakt"


def test_english_keywords_say_the_same():
    sv = parse_or_raise('regelbok "R" utgåva 1 urval\nuppgift x: ja/nej visas som "x-namn" på engelska "x name"\n'
                        'krav 1 "t" skall status förslag källa "K" daterad 2020-01-01 giltig till 2030-01-01\n'
                        '  x\n')
    en = parse_or_raise('rulebook "R" edition 1 selection\nfact x: yes/no shown as "x-namn" in english "x name"\n'
                        'requirement 1 "t" shall status proposal source "K" dated 2020-01-01 valid until 2030-01-01\n'
                        '  x\n')
    assert sv == en
    assert sv.items[0].selection == ""
    assert sv.items[2].status == ast.PROPOSAL


# -- schedule algebra against a minute-set model ----------------------------------------

VARS = ("a", "b", "c")
ALGEBRA_BOOK = 'regelbok "Algebra" utgåva 1\n' + "".join(f"uppgift {v}: veckoschema\n" for v in VARS)

half_hours = st.integers(0, 7 * 48 - 1).map(lambda h: h * 30)
pieces = st.tuples(half_hours, st.integers(1, 96).map(lambda h: h * 30)).map(lambda p: (p[0], p[0] + p[1]))
schedules = st.lists(pieces, max_size=5).map(Schedule.from_intervals)
schedule_exprs = st.recursive(
    st.sampled_from(VARS).map(ast.Name) | st.just(ast.AroundTheClock()),
    lambda children: st.builds(ast.Arith, st.sampled_from(["+", "-", "except", "intersect"]), children, children),
    max_leaves=6,
)


def minutes(s: Schedule) -> set[int]:
    return {m for start, end in s.intervals for m in range(start, end)}


def model(node, env) -> set[int]:
    if isinstance(node, ast.AroundTheClock):
        return set(range(MINUTES_PER_WEEK))
    if isinstance(node, ast.Name):
        return minutes(env[node.name])
    left, right = model(node.left, env), model(node.right, env)
    return {"+": left | right, "-": left - right, "except": left - right, "intersect": left & right}[node.op]


@settings(max_examples=80, deadline=None)
@given(schedule_exprs, schedule_exprs, st.fixed_dictionaries({v: schedules for v in VARS}))
def test_schedule_algebra_matches_the_minute_set_model(expr, other, env):
    from kokdsl.authoring.unparse import expr_text

    source = (ALGEBRA_BOOK + f'krav 1 "t" skall\n  {expr_text(expr)} täcker {expr_text(other)}\n'
              f'krav 2 "t" skall\n  timmar({expr_text(expr)}) * 60 = {len(model(expr, env))}\n')
    tree = parse_or_raise(source)
    rb = compile_rulebook(tree, source).rulebook
    check = tree.items[-2].check
    assert minutes(rb.closures[id(check.left)](dict(env))) == model(expr, env)
    expected = ["met" if model(other, env) <= model(expr, env) else "not_met", "met"]
    assert [requirement_outcome(r, dict(env)) for r in rb.requirements] == expected
    assert rb.outcome_function()(dict(env)) == expected


def test_an_unknown_schedule_makes_the_algebra_unknown_in_closures_and_generated_code():
    source = ALGEBRA_BOOK + 'krav 1 "t" skall\n  a + b utom c täcker dygnet_runt\n'
    rb = compile_rulebook(parse_or_raise(source), source).rulebook
    env = {"a": Schedule.from_intervals([(0, MINUTES_PER_WEEK)]), "b": UNKNOWN, "c": UNKNOWN}
    assert requirement_outcome(rb.requirements[0], dict(env)) == "cannot_assess"
    assert rb.outcome_function()(dict(env)) == ["cannot_assess"]


def test_schedule_operators_need_two_schedules():
    source = 'regelbok "R" utgåva 1\nuppgift s: veckoschema\nuppgift n: heltal\nkrav 1 "t" skall\n  s utom n täcker s\n'
    [diag] = check_rulebook_source(source, "ops.kok").diagnostics
    assert diag.code == "compile.schedule_op"
    assert "”utom” på veckoscheman kräver två veckoscheman" in diag.text("sv")
    assert "“except” on weekly schedules" in diag.text("en")


# -- dates, durations, sets, ranges, decimal comma, empty text --------------------------

DATES_BOOK = ROOT / "tests/rulebooks/dates_and_sets.kok"


def test_the_dates_and_sets_test_rulebook_passes_its_rule_tests_with_full_coverage():
    result = invoke("test", DATES_BOOK, "--min-coverage", "100")
    assert result.exit_code == 0, result.output
    assert invoke("fmt", "--check", DATES_BOOK).exit_code == 0


KINDS = '''regelbok "R" utgåva 1
uppgift d: datum
uppgift k: procent
uppgift n: heltal
uppgift t: mängd av {at, bt, st}
uppgift r: lista av remiss
post remiss:
  skickad: datum
  klar: datum
krav 1 "t" skall
  '''


def check_codes(check: str) -> list[str]:
    return [d.code for d in check_rulebook_source(KINDS + check + "\n", "k.kok").diagnostics if d.is_error]


def test_type_errors_of_the_new_constructs_say_what_to_write():
    assert check_codes("k >= 0.75") == ["compile.percent_vs_fraction"]
    [diag] = [d for d in check_rulebook_source(KINDS + "k >= 0,75\n", "k.kok").diagnostics if d.is_error]
    assert diag.params["suggestion"] == "75 %"
    assert check_codes("k mellan 0,5 och 100 %") == ["compile.percent_vs_fraction"]
    assert check_codes("alla x i r: x.klar - x.skickad <= 28") == ["compile.duration_vs_number"]
    assert check_codes("d + 12 >= bedömningsdatum") == ["compile.date_arith"]
    assert check_codes("12 månader < 28 dagar") == ["compile.type_mismatch"]
    assert check_codes("minst 1 av {at, xt} i t") == ["compile.value_not_in_set"]
    assert check_codes("antal(x i {at, xt}: x i t) >= 1") == ["compile.value_not_in_set"]
    assert check_codes("minst k av {at} i t") == ["compile.at_least_count"]
    assert check_codes("n mellan 1 och 10 och k >= 50 %") == []


def test_a_decimal_comma_reads_as_a_decimal_point():
    comma = parse_or_raise('regelbok "R" utgåva 1\nuppgift x: decimaltal\nkrav 1 "t" skall\n  x mellan 0,8 och 1,25\n')
    point = parse_or_raise('regelbok "R" utgåva 1\nuppgift x: decimaltal\nkrav 1 "t" skall\n  x mellan 0.8 och 1.25\n')
    assert comma == point


def test_an_empty_text_fails_the_requirement_instead_of_asking_for_a_supplement():
    rb = check_rulebook(DATES_BOOK).rulebook
    report = validate({"vårdcentral": {"namn": "T (fiktiv)", "id": "T"}, "verksamhetschef": "  "}, rb, "t", "0" * 64)
    assert report.facts["verksamhetschef"] == ""
    result = outcome(assess(rb, report, AUGUST), "4")
    assert result.outcome == "not_met" and not result.problems


def test_months_keep_to_the_calendar():
    from kokdsl.values import Duration, add_months, date_arith

    assert add_months(datetime.date(2025, 1, 31), 1) == datetime.date(2025, 2, 28)
    assert add_months(datetime.date(2024, 2, 29), 12) == datetime.date(2025, 2, 28)
    assert date_arith("-", datetime.date(2026, 3, 30), datetime.date(2026, 3, 1)) == Duration(0, 29)
    assert Duration.of(4, "weeks") == Duration.of(28, "days")


day_values = st.dates(datetime.date(2020, 1, 1), datetime.date(2030, 12, 31))
DATE_BOOK = '''regelbok "D" utgåva 1
uppgift a: datum
uppgift b: datum
uppgift p: procent
uppgift q: procent
uppgift s: mängd av {x, y, z}
uppgift n: heltal
'''
date_checks = st.sampled_from([
    "a + {m} månader >= bedömningsdatum", "a - {m} år < b", "b - a <= {m} dagar", "b - a > {m} veckor",
    "p mellan q och 90 %", "p mellan 10 % och q", "bedömningsdatum mellan a och b",
    "minst n av {{x, y}} i s", "minst {m} av s i s", "antal(v i {{x, z}}: v i s) >= n",
    "a + {m} dagar - {m} dagar = a", "(a + {m} månader) mellan a och b",
])
maybe = lambda strategy: st.one_of(strategy, st.just(UNKNOWN))  # noqa: E731


@settings(max_examples=150, deadline=None)
@given(date_checks, st.integers(0, 40), st.fixed_dictionaries({
    "a": maybe(day_values), "b": maybe(day_values), "p": maybe(st.fractions(0, 1)), "q": maybe(st.fractions(0, 1)),
    "s": maybe(st.frozensets(st.sampled_from("xyz"))), "n": maybe(st.integers(0, 3))}), day_values)
def test_dates_ranges_and_sets_agree_between_closures_and_generated_code(check, m, facts, day):
    source = DATE_BOOK + f'krav 1 "t" skall\n  {check.format(m=m)}\n'
    rb = compile_rulebook(parse_or_raise(source), source).rulebook
    env = dict(facts, **{ASSESSMENT_DATE: day})
    expected = requirement_outcome(rb.requirements[0], dict(env))
    assert rb.outcome_function()(dict(env)) == [expected]
    if all(v is not UNKNOWN for v in facts.values()) and check.startswith("p mellan q"):
        assert (expected == "met") == (facts["q"] <= facts["p"] <= Fraction(9, 10))
