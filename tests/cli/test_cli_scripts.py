"""Every verb fits scripts and CI (issue 11): folders, machine-readable output,
JUnit XML, KOK_LANG, help texts, shipped rulebooks by name, and kok impact
reading each self-report once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click
import junitparser
import pytest
from click.testing import CliRunner

from kokdsl.authoring import impact as impacts
from kokdsl.cli import main
from kokdsl.pipeline import load_rulebook
from kokdsl.resources import packaged_rulebooks, resolve_rulebook

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "rulebooks").rglob("*.kok"))

SMALL_BOOK = '''regelbok "Liten" utgåva 1 giltig från 2025-01-01
uppgift listade: heltal "Antal listade."
uppgift öppet: ja/nej "Öppet?"
krav 1 "Listade" skall område tillgänglighet listade >= 100
krav 2 "Öppet" bör område tillgänglighet öppet
'''
TESTS = '''fall:
  - namn: många listade
    egenrapport: {listade: 500, öppet: ja}
    väntat: {"1": uppfyllt, "2": uppfyllt}
  - namn: fel väntat
    egenrapport: {listade: 50, öppet: ja}
    väntat: {"1": uppfyllt}
    beslut: godkänd
'''


def invoke(*args, env=None):
    result = CliRunner().invoke(main, [str(a) for a in args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def small_book(tmp_path) -> Path:
    folder = tmp_path / "books" / "liten"
    folder.mkdir(parents=True)
    book = folder / "2025.kok"
    book.write_text(SMALL_BOOK, encoding="utf-8")
    (folder / "2025.tests.yaml").write_text(TESTS, encoding="utf-8")
    return book


# -- folders ----------------------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["check", "test", "compare", "fmt", "lint"])
def test_a_folder_with_nothing_to_check_exits_2_with_a_message(verb, tmp_path):
    (tmp_path / "notes.txt").write_text("no rulebook here", encoding="utf-8")
    result = invoke(verb, tmp_path, "--lang", "en")
    assert result.exit_code == 2
    assert "there is no rulebook (*.kok) here" in result.output


@pytest.mark.parametrize("verb", ["check", "compare"])
def test_a_folder_of_regions_goes_through_every_rulebook_under_it(verb):
    result = invoke(verb, ROOT / "rulebooks", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    files = [f["file"] for f in document["files"]] if verb == "check" else [r["file"] for r in document["rulebooks"]]
    assert files == [str(p) for p in SHIPPED]


def test_kok_test_on_the_rulebooks_folder_tests_every_shipped_rulebook():
    result = invoke("test", ROOT / "rulebooks", "--min-coverage", "100", "--format", "json")
    assert result.exit_code == 0, result.output
    entries = json.loads(result.output)["rulebooks"]
    assert [e["file"] for e in entries] == [str(p) for p in SHIPPED]
    assert all(e["status"] == "passed" and e["cases"] and e["coverage"]["percent"] == 100 for e in entries)


# -- --format json ----------------------------------------------------------------------------------


def test_check_json_locates_each_error(tmp_path):
    bad = tmp_path / "bad.kok"
    bad.write_text(SMALL_BOOK.replace("listade >= 100", "listade >= "), encoding="utf-8")
    result = invoke("check", bad, "--format", "json", "--lang", "en")
    assert result.exit_code == 2
    document = json.loads(result.output)  # nothing but the JSON on stdout
    assert (document["format"], document["ok"], document["errors"]) == ("kokdsl.check", False, 1)
    [diag] = document["files"][0]["diagnostics"]
    assert (diag["severity"], diag["file"], diag["line"]) == ("error", str(bad), 4)
    assert diag["column"] > 1 and diag["code"].startswith("syntax.") and diag["message"]


def test_test_json_shows_expected_against_actual(small_book):
    result = invoke("test", small_book, "--format", "json", "--min-coverage", "100")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert (document["format"], document["status"]) == ("kokdsl.test", "failed")
    [entry] = document["rulebooks"]
    assert (entry["passed"], entry["failed"]) == (1, 1)
    failed = entry["cases"][1]
    assert failed["name"] == "fel väntat" and not failed["passed"]
    kinds = {(m["kind"], m["requirement"], m["expected"], m["actual"]) for m in failed["mismatches"]}
    assert kinds == {("outcome", "1", "met", "not_met"), ("decision", None, "approved", "rejection")}
    assert entry["coverage"]["enough"] is False
    assert {g["requirement"] for g in entry["coverage"]["gaps"]} == {"2"}


def test_test_json_reports_an_unusable_test_file_as_an_error(small_book):
    small_book.with_name("2025.tests.yaml").write_text("fall: 12\n", encoding="utf-8")
    result = invoke("test", small_book, "--format", "json")
    assert result.exit_code == 2
    entry = json.loads(result.stdout)["rulebooks"][0]
    assert entry["status"] == "error" and entry["diagnostics"][0]["code"] == "ruletest.no_cases"


def test_compare_json_holds_the_table_as_data():
    books = [ROOT / "rulebooks/orebro/2025.kok", ROOT / "rulebooks/dalarna/2021.kok"]
    result = invoke("compare", *books, "--format", "json", "--lang", "en")
    assert result.exit_code == 0
    document = json.loads(result.output)
    assert [c["name"] for c in document["rulebooks"]] == [load_rulebook(b).rulebook.name for b in books]
    orebro_ids = sorted(cell["id"] for row in document["rows"] for cell in row["cells"][0])
    assert orebro_ids == sorted(r.id for r in load_rulebook(books[0]).rulebook.requirements)
    assert all(row["topic"] and row["label"] for row in document["rows"])
    statuses = {cell["id"]: cell["status"] for row in document["rows"] for cell in row["cells"][0]}
    assert statuses["2.1"] == "in_force" and statuses["3.1.1"] == "proposal" and statuses["6.4.1"] == "example"


def test_impact_json_lists_the_changed_decisions():
    files = ["examples/godkand.yaml", "examples/avslag.yaml", "examples/komplettering.yaml"]
    text = invoke("impact", "rulebooks/orebro/2025.kok", *(ROOT / f for f in files), "--as-bör", "1.1")
    data = invoke("impact", "rulebooks/orebro/2025.kok", *(ROOT / f for f in files), "--as-bör", "1.1",
                  "--format", "json")
    assert data.exit_code == text.exit_code == 0
    document = json.loads(data.output)
    assert document["format"] == "kokdsl.impact" and document["centres"] == 3
    assert sum(document["totals"]["before"].values()) == 3
    for change in document["changes"]:
        assert change["before"] != change["after"]
        assert change["key"] in text.output


def test_fmt_check_json_names_each_file_with_its_status(tmp_path):
    shutil.copy(ROOT / "tests/golden/fmt/messy.in.kok", tmp_path / "messy.kok")
    shutil.copy(ROOT / "tests/golden/fmt/messy.out.kok", tmp_path / "tidy.kok")
    result = invoke("fmt", "--check", tmp_path, "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["check"] is True and document["ok"] is False
    assert [(Path(f["file"]).name, f["status"]) for f in document["files"]] == [
        ("messy.kok", "would_change"), ("tidy.kok", "unchanged")]
    assert (tmp_path / "messy.kok").read_bytes() == (ROOT / "tests/golden/fmt/messy.in.kok").read_bytes()


# -- JUnit XML ---------------------------------------------------------------------------------------------


def test_junit_xml_is_read_by_a_junit_reader(small_book, tmp_path):
    broken = small_book.parent.parent / "trasig" / "2025.kok"
    broken.parent.mkdir()
    broken.write_text("regelbok ", encoding="utf-8")
    out = tmp_path / "junit.xml"
    result = invoke("test", small_book.parent.parent, "--min-coverage", "100", "--junit-xml", out, "--lang", "en")
    assert result.exit_code == 2
    xml = junitparser.JUnitXml.fromfile(str(out))
    suites = {Path(s.name).parent.name: s for s in xml}
    assert set(suites) == {"liten", "trasig"}
    liten, trasig = suites["liten"], suites["trasig"]
    assert (liten.tests, liten.failures, liten.errors) == (3, 2, 0)  # two cases and the coverage check
    cases = {c.name: c for c in liten}
    assert cases["många listade"].is_passed
    [failure] = cases["fel väntat"].result
    assert isinstance(failure, junitparser.Failure)
    assert "requirement 1: expected met, actual not met" in failure.message
    assert not cases["coverage"].is_passed
    assert (trasig.tests, trasig.errors) == (1, 1)
    assert isinstance(next(iter(trasig)).result[0], junitparser.Error)
    assert (xml.tests, xml.failures, xml.errors) == (4, 2, 1)


def test_junit_xml_of_the_shipped_rulebooks_passes(tmp_path):
    out = tmp_path / "junit.xml"
    result = invoke("test", ROOT / "rulebooks", "--min-coverage", "100", "--junit-xml", out)
    assert result.exit_code == 0
    xml = junitparser.JUnitXml.fromfile(str(out))
    assert xml.tests > len(SHIPPED) and xml.failures == xml.errors == 0
    assert len(list(xml)) == len(SHIPPED)


# -- language and help ------------------------------------------------------------------------------------


def test_kok_lang_sets_the_default_language_and_lang_still_wins():
    book = ROOT / "rulebooks/orebro/2025.kok"
    assert "no errors" in invoke("check", book, env={"KOK_LANG": "en"}).output
    assert "inga fel" in invoke("check", book, "--lang", "sv", env={"KOK_LANG": "en"}).output
    assert "inga fel" in invoke("check", book, env={"KOK_LANG": ""}).output


def _commands():
    ctx = click.Context(main)
    return [(name, main.get_command(ctx, name)) for name in main.list_commands(ctx)]


@pytest.mark.parametrize("name, command", _commands(), ids=[name for name, _ in _commands()])
def test_every_option_of_every_command_has_help(name, command):
    assert command.help, f"kok {name} has no help text"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"kok {name} {param.opts[0]} has no help text"
    assert invoke(name, "--help").exit_code == 0


def test_edition_for_shows_its_date_format_and_book_help_mentions_pdf():
    assert "--edition-for YYYY-MM-DD" in invoke("run", "--help").output
    assert "--edition-for YYYY-MM-DD" in invoke("rerun", "--help").output
    assert "pdf" in invoke("book", "--help").output


# -- shipped rulebooks by name ---------------------------------------------------------------------------------


def test_kok_rulebooks_lists_the_shipped_rulebooks_by_name():
    names = [p.relative_to(ROOT / "rulebooks").with_suffix("").as_posix() for p in SHIPPED]
    assert list(packaged_rulebooks()) == names
    result = invoke("rulebooks", "--format", "json")
    assert result.exit_code == 0
    assert [e["name"] for e in json.loads(result.output)["rulebooks"]] == names
    assert [e["name"] for e in json.loads(result.output)["rulebooks"] if e["draft"]] == ["orebro/2026-utkast"]
    assert "orebro/2025" in invoke("rulebooks").output
    assert "gäller från 2026-01-01 (utkast)" in invoke("rulebooks").output


def test_a_shipped_rulebook_name_works_wherever_a_rulebook_is_taken(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no rulebooks/ folder here: the name must find the shipped file
    report = ROOT / "examples/godkand.yaml"
    assert invoke("check", "orebro/2025").exit_code == 0
    assert invoke("run", "orebro/2025", report).exit_code == 0
    assert invoke("run", "orebro", report, "--edition-for", "2024-06-01", "--format", "json").exit_code in (0, 1)
    assert invoke("test", "orebro/2025.kok", "--min-coverage", "100").exit_code == 0
    assert invoke("template", "dalarna/2021").exit_code == 0
    assert invoke("rerun", "orebro/2025", report).exit_code == 0
    assert invoke("compare", "orebro", "dalarna/2021").exit_code == 0
    assert invoke("lint", "orebro/2025").exit_code in (0, 1)
    assert invoke("diff", "orebro/2024", "orebro/2025").exit_code == 0
    assert invoke("book", "orebro/2025").exit_code == 0


def test_names_never_reach_outside_the_shipped_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_rulebook("../pyproject") == "../pyproject"
    assert resolve_rulebook("orebro/2099") == "orebro/2099"
    result = invoke("check", "orebro/2099")
    assert result.exit_code == 2


# -- kok impact reads and validates each self-report once ---------------------------------------------------


def test_impact_reads_parses_and_validates_each_report_once_for_both_rulebooks():
    base = load_rulebook(ROOT / "rulebooks/orebro/2025.kok").rulebook
    variant = impacts.with_modalities(base, {"2.1.4": "bör"})
    files = sorted(str(p) for p in (ROOT / "examples/centres").glob("*.yaml"))
    cache = impacts.ReportCache()
    before, after = impacts.run_both(base, variant, files, cache)
    assert (cache.reads, cache.parses, cache.validations) == (len(files), len(files), len(files))
    assert [r.decision for r in before] == [r.decision for r in impacts.run_both(base, base, files)[0]]
    assert any(b.decision != a.decision for b, a in zip(before, after, strict=True))


def test_impact_validates_again_only_when_the_draft_declares_other_facts(tmp_path):
    base = load_rulebook(ROOT / "rulebooks/orebro/2025.kok").rulebook
    draft = load_rulebook(ROOT / "rulebooks/orebro/2024.kok").rulebook
    files = sorted(str(p) for p in (ROOT / "examples").glob("*.yaml"))
    cache = impacts.ReportCache()
    impacts.run_both(base, draft, files, cache)
    assert cache.reads == cache.parses == len(files)
    same_facts = base.facts == draft.facts and base.records == draft.records
    assert cache.validations == len(files) * (1 if same_facts else 2)


def test_impact_lists_an_unreadable_report_under_both_rulebooks(tmp_path):
    bad = tmp_path / "trasig.yaml"
    bad.write_text("a: [1, 2\n", encoding="utf-8")
    base = load_rulebook(ROOT / "rulebooks/orebro/2025.kok").rulebook
    before, after = impacts.run_both(base, base, [str(bad), str(ROOT / "examples/godkand.yaml")])
    assert [r.decision for r in before] == [r.decision for r in after] == ["unreadable", "approved"]


# -- speed that a benchmark found ------------------------------------------------------------------------------


def test_yaml_self_reports_go_through_libyaml_when_it_is_installed():
    """The pure-Python YAML parser is about four times slower over a national rerun."""
    import yaml

    from kokdsl import documents

    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML is built without libyaml here")
    assert documents._Parser is not None
    assert documents._Composer.__mro__[1].__module__ == "yaml._yaml"
