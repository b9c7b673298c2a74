"""Loading and validating self-reports: values as people write them, and
problems reported with the path into the file."""

import datetime
from fractions import Fraction

import pytest
from helpers import rulebook

from kokdsl.errors import SelfReportError
from kokdsl.schedule import Schedule
from kokdsl.selfreport import MAX_BYTES, load_self_report, validate
from kokdsl.values import UNKNOWN

RB = """
uppgift öppen: ja/nej
uppgift listade: heltal
uppgift cni: decimaltal
uppgift andel: procent
uppgift chef: text
uppgift datum_plan: datum
uppgift nivå: en av {låg, hög}
uppgift uppdrag: mängd av {filial, bvc}
uppgift tider: veckoschema
uppgift filialer: lista av filial
post filial:
  namn: text
  listning: ja/nej
krav 1 "Alla" skall
  öppen och listade > 0 och cni > 0 och andel > 0 % och chef = "x" och datum_plan > 2020-01-01
  och nivå = låg och filial i uppdrag och timmar(tider) > 0 och antal(f i filialer: f.listning) = 0
"""


@pytest.fixture(scope="module")
def rb():
    return rulebook(RB)


def facts(rb, **values):
    return validate(dict(vårdcentral={"namn": "T", "id": "1"}, **values), rb, "t.yaml")


@pytest.mark.parametrize("fact,raw,expected", [
    ("öppen", "ja", True), ("öppen", "Nej", False), ("öppen", True, True), ("öppen", "yes", True),
    ("listade", 6500, 6500), ("listade", "6 500", 6500), ("listade", "6\u00a0500", 6500), ("listade", 6500.0, 6500),
    ("cni", 2.5, Fraction(5, 2)), ("cni", "2,5", Fraction(5, 2)), ("cni", 3, 3),
    ("andel", 25, Fraction(1, 4)), ("andel", "25 %", Fraction(1, 4)), ("andel", "12,5%", Fraction(1, 8)),
    ("chef", "  Anna   Andersson ", "Anna Andersson"),
    ("datum_plan", datetime.date(2025, 3, 1), datetime.date(2025, 3, 1)),
    ("datum_plan", "2025-03-01", datetime.date(2025, 3, 1)),
    ("nivå", "Hög", "hög"), ("uppdrag", ["filial", "BVC"], frozenset({"filial", "bvc"})),
    ("uppdrag", "filial, bvc", frozenset({"filial", "bvc"})), ("uppdrag", [], frozenset()),
    ("tider", {"mån-fre": "8-17"}, Schedule.from_intervals([(d * 1440 + 480, d * 1440 + 1020) for d in range(5)])),
])
def test_values_are_read_the_way_people_write_them(rb, fact, raw, expected):
    report = facts(rb, **{fact: raw})
    assert report.facts[fact] == expected
    assert not [d for d in report.diagnostics if d.is_error]


@pytest.mark.parametrize("fact,raw,path,message", [
    ("öppen", "kanske", "$.öppen", 'the value "kanske" is invalid; expected yes or no'),
    ("listade", "många", "$.listade", 'the value "många" is invalid; expected a whole number, e.g. 6500'),
    ("listade", True, "$.listade", "the value True is invalid; expected a whole number, e.g. 6500"),
    ("listade", 12.5, "$.listade", "the value 12.5 is invalid; expected a whole number, e.g. 6500"),
    ("andel", 140, "$.andel", 'the value 140 is invalid; expected a percentage 0-100, e.g. "25 %"'),
    ("datum_plan", "1 mars", "$.datum_plan", 'the value "1 mars" is invalid; expected a date YYYY-MM-DD'),
    ("nivå", "mellan", "$.nivå", 'the value "mellan" is invalid; expected one of låg, hög'),
    ("chef", ["a"], "$.chef", 'the value ["a"] is invalid; expected a text'),
    ("tider", {"måndag": "8-25"}, "$.tider.måndag", '"25" is not a time of day (00:00-24:00)'),
    ("tider", {"månday": "8-17"}, "$.tider.månday",
     '"månday" is not a weekday (monday … sunday, monday-friday, every day)'),
    ("filialer", [{"namn": "A", "listning": "ja"}, {"namn": "B", "listning": 3}], "$.filialer[1].listning",
     "the value 3 is invalid; expected yes or no"),
])
def test_a_wrong_value_is_unknown_with_a_path(rb, fact, raw, path, message):
    report = facts(rb, **{fact: raw})
    errors = [d for d in report.diagnostics if d.is_error]
    assert [(d.path, d.text("en")) for d in errors] == [(path, message)]
    assert [p.kind for p in report.problems if p.kind == "invalid"] == ["invalid"]


def test_missing_facts_are_unknown_and_listed(rb):
    report = facts(rb, öppen=True)
    assert report.facts["listade"] is UNKNOWN
    assert ("missing", "$.listade") in [(p.kind, p.path) for p in report.problems]


def test_missing_record_field_is_unknown_with_its_path(rb):
    report = facts(rb, filialer=[{"namn": "A"}])
    assert report.facts["filialer"][0].fields["listning"] is UNKNOWN
    assert ("missing", "$.filialer[0].listning") in [(p.kind, p.path) for p in report.problems]


def test_unknown_keys_are_warnings_with_a_suggestion(rb):
    report = facts(rb, listad=5)
    [warning] = [d for d in report.diagnostics if d.code == "data.unknown_key"]
    assert warning.path == "$.listad" and not warning.is_error
    assert warning.params["suggestion"] == "listade"


def test_identity_block(rb):
    report = validate({"vårdcentral": {"namn": "Fiktiva VC", "id": 17, "vårdgivare": "X AB", "fiktiv": "ja"}}, rb)
    assert (report.identity.name, report.identity.id, report.identity.provider, report.identity.fictional) == (
        "Fiktiva VC", "17", "X AB", True)
    assert [d.code for d in validate({}, rb).diagnostics if d.code == "data.no_identity"] == ["data.no_identity"]


def test_yaml_is_data_never_code(rb, tmp_path):
    evil = tmp_path / "evil.yaml"
    evil.write_text("listade: !!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")
    with pytest.raises(SelfReportError) as exc:
        load_self_report(evil, rb)
    assert exc.value.diagnostic.code == "data.yaml_tag"
    assert exc.value.diagnostic.params["line"] == 1


def test_yaml_syntax_error_has_a_location(rb, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("listade: 5\n  öppen: [ja\n", encoding="utf-8")
    with pytest.raises(SelfReportError) as exc:
        load_self_report(bad, rb)
    assert exc.value.diagnostic.params["line"] == 2


def test_size_limit(rb, tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * MAX_BYTES + b"\n")
    with pytest.raises(SelfReportError) as exc:
        load_self_report(big, rb)
    assert exc.value.diagnostic.code == "data.too_large"


def test_json_self_reports(rb, tmp_path):
    path = tmp_path / "r.json"
    path.write_text('{"vårdcentral": {"namn": "T", "id": "1"}, "listade": "6 500", "andel": "25 %"}', encoding="utf-8")
    report = load_self_report(path, rb)
    assert report.facts["listade"] == 6500 and report.facts["andel"] == Fraction(1, 4)
    assert len(report.sha256) == 64


def test_not_a_mapping(rb):
    with pytest.raises(SelfReportError):
        validate(["a", "b"], rb)


@pytest.mark.parametrize("name,text", [
    ("deep.yaml", "listade: " + "[" * 60000 + "]" * 60000 + "\n"),
    ("deep.json", '{"listade": ' + "[" * 60000 + "]" * 60000 + "}"),
    ("shallow-but-over.json", '{"listade": ' + "[" * 60 + "]" * 60 + "}"),
    ("indented.yaml", "".join(" " * i + "a:\n" for i in range(120)) + " " * 120 + "b\n"),
])
def test_hostile_nesting_is_refused_not_crashed(rb, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SelfReportError) as exc:
        load_self_report(path, rb)
    assert exc.value.diagnostic.code == "data.too_deep"


def test_many_flow_lists_at_normal_depth_are_fine(rb, tmp_path):
    path = tmp_path / "flow.yaml"
    path.write_text("vårdcentral: {namn: T, id: '1'}\nuppdrag: [filial, bvc]\n" +
                    "filialer: [" + ", ".join(f"{{namn: F{i}, listning: nej}}" for i in range(60)) + "]\n",
                    encoding="utf-8")
    assert len(load_self_report(path, rb).facts["filialer"]) == 60
