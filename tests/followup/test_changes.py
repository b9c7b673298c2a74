"""`kok rerun --previous`: centres keyed by id, what changed, and why (a rule
change, a self-report change, or both); a malformed summary is refused with
what is wrong."""

import copy
import json

import jsonschema
import pytest
from golden_cases import ROOT, run_cli

from kokdsl.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from kokdsl.followup.changes import id_order, summary_schema
from kokdsl.followup.jsonshape import first_problem

OREBRO = "rulebooks/orebro/2025.kok"

BOOK = '''regelbok "Testbok (fiktiv)" utgåva {edition}
  giltig från {edition}-01-01

uppgift listade: heltal
  "Antal listade invånare."
uppgift fast_vårdkontakt: ja/nej
  "Erbjuds en fast vårdkontakt?"

krav 6.4 "Listade" skall
  område bemanning
  """Minst {minimum} listade."""
  listade >= {minimum}

krav 6.4a "Fast vårdkontakt" skall
  område kontinuitet
  fast_vårdkontakt

krav 6.4.1 "Inte för många listade" bör
  område bemanning
  listade <= 20000
'''


def centre(folder, name, ident, listade, contact="ja"):
    (folder / f"{name}.yaml").write_text(
        f"vårdcentral: {{namn: {name.title()} (fiktiv), id: {ident}}}\nlistade: {listade}\n"
        f"fast_vårdkontakt: {contact}\n", encoding="utf-8")


@pytest.fixture
def years(tmp_path):
    """Last year's book (minimum 1000 listed) and run; this year's folder."""
    (tmp_path / "2024.kok").write_text(BOOK.format(edition=2024, minimum=1000), encoding="utf-8")
    last = tmp_path / "in2024"
    last.mkdir()
    centre(last, "regel", "T-1", 1500)  # meets 1000, will fail 2000: a rule change only
    centre(last, "rapport", "T-2", 1500)  # fewer listed next year: a self-report change only
    centre(last, "bada", "T-3", 900)  # fails both years' minimum, for different reasons
    centre(last, "oforandrad", "T-4", 5000)
    code, _ = run_cli("rerun", str(tmp_path / "2024.kok"), str(last), "--out", str(tmp_path / "out2024"),
                      "--run-date", "2024-06-01")
    assert code == EXIT_FINDINGS
    return tmp_path


def test_each_changed_decision_says_whether_rules_report_or_both_caused_it(years):
    (years / "2025.kok").write_text(BOOK.format(edition=2025, minimum=2000), encoding="utf-8")
    now = years / "in2025"
    now.mkdir()
    centre(now, "regel", "T-1", 1500)
    centre(now, "rapport", "T-2", 2500, contact="nej")  # meets the new minimum; fails 6.4a
    centre(now, "bada", "T-3", 2500)  # 900 failed 1000; 2500 meets 2000: fixed by the report
    centre(now, "oforandrad", "T-4", 5000)
    code, output = run_cli("rerun", str(years / "2025.kok"), str(now), "--previous",
                           str(years / "out2024/summary.json"), "--run-date", "2025-06-01")
    assert code == EXIT_FINDINGS
    assert "Regelboken har bytt utgåva sedan föregående körning: 2024 → 2025." in output
    changes = output[output.index("Förändringar"):].splitlines()[1:]
    assert changes == [
        "  T-1 Regel (fiktiv): beslut godkänd → avslag (orsak: ändrade regler)",
        "  T-1 Regel (fiktiv): ny avvikelse: krav 6.4 ej uppfyllt (orsak: ändrade regler)",
        "  T-2 Rapport (fiktiv): beslut godkänd → avslag (orsak: ändrad egenrapport)",
        "  T-2 Rapport (fiktiv): ny avvikelse: krav 6.4a ej uppfyllt (orsak: ändrad egenrapport)",
        "  T-3 Bada (fiktiv): beslut avslag → godkänd (orsak: ändrad egenrapport)",
        "  T-3 Bada (fiktiv): åtgärdad avvikelse: krav 6.4 uppfyllt nu (orsak: ändrad egenrapport)",
    ]


def test_both_causes(tmp_path):
    """Last year: approved. The new book raises the minimum (alone: rejection)
    and the centre stops offering a fixed contact (alone under the old book:
    rejection too) - and the new report under the new book is a rejection
    for a reason neither alone gives: both."""
    book = BOOK.replace("krav 6.4a \"Fast vårdkontakt\" skall", "krav 6.4a \"Fast vårdkontakt\" bör")
    (tmp_path / "a.kok").write_text(book.format(edition=2024, minimum=1000), encoding="utf-8")
    (tmp_path / "b.kok").write_text(BOOK.format(edition=2025, minimum=1000), encoding="utf-8")
    last, now = tmp_path / "l", tmp_path / "n"
    last.mkdir()
    now.mkdir()
    centre(last, "x", "X-1", 1500, contact="ja")
    run_cli("rerun", str(tmp_path / "a.kok"), str(last), "--out", str(tmp_path / "o"))
    # Same book id, 6.4a became skall; the report drops below the bound too.
    centre(now, "x", "X-1", 1500, contact="nej")
    code, output = run_cli("rerun", str(tmp_path / "b.kok"), str(now), "--previous", str(tmp_path / "o/summary.json"),
                           "--format", "json", "--lang", "en")
    data = json.loads(output)
    assert code == EXIT_FINDINGS
    decision = [c for c in data["changes"] if c["code"] == "rerun.change.decision"][0]
    assert decision["message"] == "decision approved → rejection (cause: both the rules and the self-report changed)"
    assert decision["cause"] == "both"


def test_changes_in_json_are_translated(years):
    now = years / "in"
    now.mkdir()
    centre(now, "regel", "T-1", 500)
    code, output = run_cli("rerun", str(years / "2024.kok"), str(now), "--previous",
                           str(years / "out2024/summary.json"), "--format", "json")
    data = json.loads(output)
    messages = {c["key"]: c["message"] for c in data["changes"] if c["code"] != "rerun.change.new_deviation"}
    assert messages == {"T-1": "beslut godkänd → avslag", "T-2": "finns inte med i år (förra året: godkänd)",
                        "T-3": "finns inte med i år (förra året: avslag)",
                        "T-4": "finns inte med i år (förra året: godkänd)"}
    assert "cause" not in data["changes"][0]  # same book: nothing to attribute


def test_two_self_reports_with_one_id_are_an_error_row_each(years):
    now = years / "in"
    now.mkdir()
    centre(now, "regel", "T-1", 1500)
    centre(now, "regel-kopia", "T-1", 100)
    code, output = run_cli("rerun", str(years / "2024.kok"), str(now), "--previous",
                           str(years / "out2024/summary.json"), "--lang", "en")
    assert code == EXIT_ERROR
    assert "Inga förändringar" not in output and "No changes" not in output
    assert f"{now / 'regel-kopia.yaml'}: id T-1 also appears in {now / 'regel.yaml'}" in output
    assert f"{now / 'regel.yaml'}: id T-1 also appears in {now / 'regel-kopia.yaml'}" in output
    assert "T-1 Regel (fiktiv): could not be read this year (last time: approved)" in output


def test_an_unreadable_file_is_matched_to_last_years_centre_by_its_file(years):
    now = years / "in"
    now.mkdir()
    for name in ("regel", "rapport", "bada", "oforandrad"):
        (now / f"{name}.yaml").write_bytes((years / "in2024" / f"{name}.yaml").read_bytes())
    (now / "rapport.yaml").write_text("listade: [1,\n", encoding="utf-8")
    code, output = run_cli("rerun", str(years / "2024.kok"), str(now), "--previous",
                           str(years / "out2024/summary.json"))
    assert code == EXIT_ERROR
    changes = output[output.index("Förändringar"):].splitlines()[1:]
    assert changes[:1] == ["  T-2 Rapport (fiktiv): kunde inte läsas i år (förra året: godkänd)"]
    assert "ny i uppföljningen" not in output and "finns inte med i år" not in output


def test_requirement_ids_with_letters_sort_beside_numbers():
    assert sorted(["6.10", "6.4a", "6.4.1", "6.4", "10", "2"], key=id_order) == [
        "2", "6.4", "6.4.1", "6.4a", "6.10", "10"]


# -- a malformed --previous ---------------------------------------------------------------


@pytest.fixture(scope="module")
def good_summary(tmp_path_factory):
    out = tmp_path_factory.mktemp("prev") / "out"
    run_cli("rerun", OREBRO, "examples/godkand.yaml", "examples/avslag.yaml", "--out", str(out), "--jobs", "1")
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def variants(summary: dict):
    """Hand-edited and other-version summaries: (name, data)."""
    def edit(fn):
        data = copy.deepcopy(summary)
        fn(data)
        return data

    yield "centres not a list", edit(lambda d: d.update(centres={"a": 1}))
    yield "centre not an object", edit(lambda d: d["centres"].__setitem__(0, "FIKTIV-001"))
    yield "no key", edit(lambda d: d["centres"][0].pop("key"))
    yield "key a number", edit(lambda d: d["centres"][0].update(key=17))
    yield "empty key", edit(lambda d: d["centres"][0].update(key=""))
    yield "unknown decision", edit(lambda d: d["centres"][1].update(decision="maybe"))
    yield "outcomes a list", edit(lambda d: d["centres"][1].update(outcomes=["not_met"]))
    yield "unknown outcome", edit(lambda d: d["centres"][1]["outcomes"].update({"1.1": "fail"}))
    yield "no rulebook", edit(lambda d: d.pop("rulebook"))
    yield "rulebook null", edit(lambda d: d.update(rulebook=None))
    yield "future version", edit(lambda d: d.update(format_version=99))
    yield "run date not a date", edit(lambda d: d.update(run_date="last year"))
    yield "facts a string", edit(lambda d: d["centres"][0].update(facts="x"))
    yield "name a number", edit(lambda d: d["centres"][0].update(name=3))
    yield "version true", edit(lambda d: d.update(format_version=True))


def test_the_small_validator_agrees_with_jsonschema(good_summary):
    schema = summary_schema()
    validator = jsonschema.Draft202012Validator(schema)
    validator.check_schema(schema)
    assert first_problem(good_summary, schema) is None and validator.is_valid(good_summary)
    for name, data in variants(good_summary):
        assert first_problem(data, schema) is not None, name
        assert not validator.is_valid(data), name
    version_1 = copy.deepcopy(good_summary)
    version_1["format_version"] = 1
    for entry in version_1["centres"]:
        for key in ("facts", "report"):
            entry.pop(key, None)
    assert first_problem(version_1, schema) is None and validator.is_valid(version_1)


def test_the_published_schema_is_the_packaged_one():
    assert json.loads((ROOT / "docs/summary.schema.json").read_text(encoding="utf-8")) == summary_schema()


@pytest.mark.parametrize("index", range(15))
def test_a_malformed_previous_summary_says_what_is_wrong(index, good_summary, tmp_path):
    name, data = list(variants(good_summary))[index]
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, output = run_cli("rerun", OREBRO, "examples/godkand.yaml", "--previous", str(path), "--lang", "en")
    assert code == EXIT_ERROR, name
    assert output.startswith(f"{path} does not follow the summary.json format (docs/summary.schema.json): at $"), name
    assert "Traceback" not in output


def test_a_malformed_previous_summary_names_the_place(good_summary, tmp_path):
    data = copy.deepcopy(good_summary)
    data["centres"][1]["decision"] = "maybe"
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, output = run_cli("rerun", OREBRO, "examples/godkand.yaml", "--previous", str(path))
    assert code == EXIT_ERROR
    assert output.strip() == (f"{path} följer inte formatet för summary.json (docs/summary.schema.json): "
                              "vid $.centres[1].decision: “maybe” är inget av de tillåtna värdena "
                              "(“approved”, “rejection”, “supplement_request”, “unreadable”)")


def test_a_version_1_summary_still_compares(tmp_path, good_summary):
    data = copy.deepcopy(good_summary)
    data["format_version"] = 1
    for entry in data["centres"]:
        entry.pop("facts", None)
        entry.pop("report", None)
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, output = run_cli("rerun", OREBRO, "examples/godkand.yaml", "--previous", str(path))
    assert code == EXIT_OK
    assert "FIKTIV-002 Vårdcentralen Påhittsta (fiktiv): finns inte med i år (förra året: avslag)" in output
