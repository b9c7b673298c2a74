"""`kok form`: the self-report form, filled, saved, opened and checked in a
real browser (Debian's chromium, driven by Playwright), then assessed by
`kok run`.

Skipped only when chromium or Playwright is missing and we are not under CI;
under CI=true a missing browser fails the run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from browser import CHROMIUM, UNDER_CI, axe_available, axe_violations, describe, new_page, screenshot
from click.testing import CliRunner
from helpers import comparable
from helpers import rulebook as rulebook_from
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kokdsl.cli import main
from kokdsl.intake.form import render_form
from kokdsl.intake.schema import self_report_schema, title_of
from kokdsl.intake.template import render_template
from kokdsl.messages import message
from kokdsl.pipeline import assess, load_rulebook
from kokdsl.selfreport import load_self_report, validate

ROOT = Path(__file__).resolve().parents[2]
OREBRO_2025 = ROOT / "rulebooks" / "orebro" / "2025.kok"
RULEBOOK = load_rulebook(OREBRO_2025).rulebook
needs_browser = pytest.mark.skipif(CHROMIUM is None and not UNDER_CI,
                                   reason="chromium is not installed (apt-get install chromium); CI is not set")


# -- the page as written ---------------------------------------------------------


def test_kok_form_writes_one_self_contained_page(tmp_path):
    out = tmp_path / "form.html"
    result = CliRunner().invoke(main, ["form", str(OREBRO_2025), "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="sv">' in page
    # No server, nothing fetched: no external scripts, styles, fonts or images.
    assert not re.search(r"""<(script|link|img|iframe)\b[^>]*\b(src|href)=""", page)
    assert "@import" not in page and "url(" not in page.split("<script")[0]
    assert "Spara egenrapport" in page and "Öppna egenrapport" in page
    # The same inputs give the same page.
    assert render_form(RULEBOOK, "sv") == page


def test_kok_form_in_english_and_bad_rulebooks(tmp_path):
    english = CliRunner().invoke(main, ["form", str(OREBRO_2025), "--lang", "en"])
    assert english.exit_code == 0
    assert '<html lang="en">' in english.output and "Save self-report" in english.output
    bad = tmp_path / "bad.kok"
    bad.write_text('regelbok "x" utgåva 1\nkrav 1 "t" skall saknas >= 1\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["form", str(bad)])
    assert result.exit_code == 2 and "bad.kok:2:" in result.output


def test_the_page_carries_the_schema_and_the_loader_messages():
    page = render_form(RULEBOOK, "sv")
    data = json.loads(re.search(r'<script type="application/json" id="kok-form-data">(.*?)</script>', page, re.S)
                      .group(1))
    assert data["schema"] == self_report_schema(RULEBOOK, "sv")
    assert data["messages"]["data.schedule.bad_time"] == message("data.schedule.bad_time", "sv", value="{value}")
    assert data["messages"]["data.invalid"] == message("data.invalid", "sv", value="{value}", expected="{expected}")


# -- in the browser ----------------------------------------------------------------


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory):
    """Pages and screenshots in pytest's temporary folder (pruned by pytest);
    a failing test also leaves screenshots in out/test-artefacts/ (conftest.py)."""
    return tmp_path_factory.mktemp("form")


@pytest.fixture(scope="module")
def pages(artefacts):
    written = {}
    for lang in ("sv", "en"):
        path = artefacts / f"form.{lang}.html"
        path.write_text(render_form(RULEBOOK, lang), encoding="utf-8")
        written[lang] = path
    return written


@pytest.fixture(scope="module")
def tab(chromium):
    """One page for the module's tests that open many forms in turn."""
    opened = new_page(chromium)
    yield opened
    opened.context.close()


class Form:
    """The form open in the browser, driven the way an applicant does: typing
    into inputs, clicking buttons, choosing files."""

    def __init__(self, tab, path: Path, downloads: Path):
        self.tab = tab
        self.downloads = downloads
        tab.goto(path.as_uri())

    def js(self, expression: str):
        return self.tab.evaluate(expression)

    def fact(self, name: str) -> str:
        return f"document.querySelector('[data-fact=\"{name}\"]')"

    def type(self, element: str, text: str) -> None:
        """Focus the element, replace what it holds by typing text, leave it."""
        self.js(f"(() => {{ const el = {element}; el.focus(); el.select(); }})()")
        if text:
            self.tab.keyboard.insert_text(text)
        else:
            self.tab.keyboard.press("Delete")
        self.js(f"{element}.blur()")

    def click(self, element: str) -> None:
        self.js(f"{element}.click()")

    def type_fact(self, name: str, text: str) -> None:
        self.type(f"{self.fact(name)}.querySelector('input[type=text], input[type=date]')", text)

    def choose(self, name: str, value: str) -> None:
        self.click(f"{self.fact(name)}.querySelector('input[value=\"{value}\"]')")

    def day(self, fact: str, day: int) -> str:
        return f"{self.fact(fact)}.querySelector('tr[data-day=\"{day}\"]')"

    def times(self, fact: str, day: int, *intervals: str) -> None:
        for index, interval in enumerate(intervals):
            inputs = f"{self.day(fact, day)}.querySelectorAll('.interval-text')"
            if index >= self.js(f"{inputs}.length"):
                self.click(f"{self.day(fact, day)}.querySelector('.add-interval')")
            self.type(f"{inputs}[{index}]", interval)

    def error(self, element_id: str) -> str:
        return self.js(f"document.getElementById('{element_id}-err').textContent")

    def save(self, button: str = "save-yaml") -> Path:
        """Click a save button; the file the browser downloads."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            with self.tab.expect_download(timeout=20_000) as download:
                self.click(f"document.getElementById('{button}')")
        except PlaywrightTimeout:
            raise AssertionError("nothing was downloaded: " + self.status()) from None
        saved = self.downloads / download.value.suggested_filename
        download.value.save_as(saved)
        return saved

    def open_file(self, path: Path) -> None:
        """Choose a file in the page's open dialog and wait until the page has read it."""
        self.tab.set_input_files("#open-file", str(path))
        self.tab.wait_for_function(
            "name => ['Öppnade', 'Opened', name].some(p => document.getElementById('status').textContent"
            ".startsWith(p))", arg=path.name, timeout=20_000)

    def status(self) -> str:
        return self.js("document.getElementById('status').textContent")

    def screenshot(self, path: Path, media: str = "screen") -> None:
        path.write_bytes(screenshot(self.tab, media))


@pytest.fixture
def open_form(chromium, tmp_path):
    """Opens a form page in a fresh browser page for the test (closed after it);
    downloads go to the test's tmp_path."""
    opened = []

    def open_page(path: Path) -> Form:
        page = new_page(chromium)
        opened.append(page)
        return Form(page, path, tmp_path)

    yield open_page
    for page in opened:
        page.context.close()


@pytest.fixture
def form(open_form, pages) -> Form:
    """The Swedish form, open for one test."""
    return open_form(pages["sv"])


def run_kok(self_report: Path, *args: str):
    return CliRunner().invoke(main, ["run", str(OREBRO_2025), str(self_report), "--run-date", "2025-06-02", *args])


def fill_identity(form: Form, name: str, ident: str) -> None:
    form.type("document.getElementById('vc-1')", name)
    form.type("document.getElementById('vc-2')", ident)
    form.click("document.querySelector('#vc-4 input[value=yes]')")


@needs_browser
def test_fill_the_form_for_a_thursday_gap_and_kok_run_shows_the_proposal_it_breaks(form, artefacts):
    fill_identity(form, "Vårdcentralen Torsdagsglappet (fiktiv)", "FIKTIV-TOR")
    form.times("öppettider", 0, "8-17")  # written back as 08:00-17:00
    form.click(f"{form.fact('öppettider')}.querySelector('.copy-monday')")
    form.times("specialist_allmänmedicin", 0, "08:00-17:00")
    form.click(f"{form.fact('specialist_allmänmedicin')}.querySelector('.copy-monday')")
    form.times("specialist_allmänmedicin", 3, "08:00-15:30")
    for day in range(7):
        form.times("jour", day, "00:00-24:00")
    assert form.js(f"{form.fact('öppettider')}.querySelector('.hours').textContent") == "Timmar per vecka: 45 h"
    assert form.js(f"{form.fact('jour')}.querySelector('.hours').textContent") == "Timmar per vecka: 168 h"
    form.type_fact("listade", "8 400")
    form.type_fact("verksamhetschef", "Anna Andersson")
    form.type_fact("vårdgivare", "Torsdagsvården AB (fiktiv)")
    form.click(f"{form.fact('vårdsamordnare')}.querySelector('.add-row')")
    row = f"{form.fact('vårdsamordnare')}.querySelector('[data-row]')"
    form.type(f"{row}.querySelector('[data-field=namn] input')", "Berit Berg")
    form.js(f"(() => {{ const s = {row}.querySelector('[data-field=utbildning] select'); s.value = 'högskola';"
            " s.dispatchEvent(new Event('change', {bubbles: true})); })()")
    form.type(f"{row}.querySelector('[data-field=tjänstgöringsgrad] input')", "50")
    form.click(f"{form.fact('tilläggsuppdrag')}.querySelector('input.none-of-box')")
    form.click(f"{form.fact('filialer')}.querySelector('input.no-rows-box')")
    for fact in RULEBOOK.facts:
        if fact.type.kind == "bool":
            form.choose(fact.name, "yes")
    form.screenshot(artefacts / "form-thursday-gap.png")
    saved = form.save()
    assert "Alla uppgifter som skall-kraven läser är besvarade" in form.status()
    (artefacts / "form-thursday-gap.yaml").write_bytes(saved.read_bytes())
    document = yaml.safe_load(saved.read_text(encoding="utf-8"))
    assert document["specialist_allmänmedicin"] == {"måndag-onsdag": "08:00-17:00", "torsdag": "08:00-15:30",
                                                    "fredag": "08:00-17:00"}
    assert document["öppettider"] == {"måndag-fredag": "08:00-17:00"}
    assert document["jour"] == "dygnet runt"
    assert document["listade"] == 8400 and document["tilläggsuppdrag"] == [] and document["filialer"] == []
    # 1.1 (a specialist all opening hours) is a proposal: it decides nothing,
    # and kok run shows the decision were it adopted.
    result = run_kok(saved)
    assert result.exit_code == 0, result.output
    assert "torsdagar 15.30–17.00" in result.output and "Om förslagen antas: AVSLAG" in result.output
    assessment = assess(RULEBOOK, load_self_report(saved, RULEBOOK))
    assert assessment.decision.kind == "approved"
    assert [r.requirement.id for r in assessment.decision.proposals] == ["1.1"]
    assert assessment.decision.if_adopted is not None and assessment.decision.if_adopted.kind == "rejection"
    assert assessment.report.diagnostics == ()


@needs_browser
@pytest.mark.parametrize("example", ["godkand", "avslag"])
def test_open_an_example_and_save_it_unchanged_gives_the_same_decision(form, example):
    original = ROOT / "examples" / f"{example}.yaml"
    form.open_file(original)
    saved = form.save()
    before = load_self_report(original, RULEBOOK)
    after = load_self_report(saved, RULEBOOK)
    assert comparable(after.facts) == comparable(before.facts)
    assert after.identity == before.identity
    runs = [json.loads(run_kok(path, "--format", "json").output) for path in (original, saved)]
    assert runs[0]["decision"] == runs[1]["decision"] and runs[0]["requirements"] == runs[1]["requirements"]


@needs_browser
def test_open_last_years_report_correct_it_and_save(form):
    """komplettering.yaml has a number written in words and no on-call
    hours: the form shows the first, and once it is corrected saves the
    report; the missing fact is still a supplement request."""
    original = ROOT / "examples" / "komplettering.yaml"
    form.open_file(original)
    form.type_fact("listade", "7 000")
    saved = form.save()
    assessment = assess(RULEBOOK, load_self_report(saved, RULEBOOK))
    assert assessment.decision.kind == "supplement_request"
    # The page lists the facts a skall reads that are still blank (it cannot know
    # which requirements apply); the decision asks for those among them it needs.
    blank = {name for name, value in yaml.safe_load(saved.read_text(encoding="utf-8")).items() if value is None}
    unanswered = ", ".join(title_of(fact, "sv") for fact in RULEBOOK.facts if fact.name in blank)
    assert message("form.unanswered", "sv", facts=unanswered) in form.status()
    assert {p.fact for p in assessment.decision.missing} <= blank
    assert {p.fact for p in assessment.decision.missing} == {"jour"}  # it states no branches (filialer: [])


@needs_browser
def test_a_value_the_loader_rejects_is_marked_with_the_loaders_own_message(form):
    form.open_file(ROOT / "examples" / "komplettering.yaml")
    widget = form.js(f"{form.fact('listade')}.querySelector('input').id")
    loaded = load_self_report(ROOT / "examples" / "komplettering.yaml", RULEBOOK)
    loader_says = [d.text("sv") for d in loaded.diagnostics if d.path == "$.listade"]
    assert form.error(widget) == loader_says[0]
    assert form.js(f"document.getElementById('{widget}').getAttribute('aria-invalid')") == "true"
    # A value the form cannot take stops the save and says where.
    form.click("document.getElementById('save-yaml')")
    assert form.status() == message("form.not_valid", "sv", facts=title_of(RULEBOOK.fact("listade"), "sv"))


@needs_browser
@pytest.mark.parametrize("typed, code, value", [
    ("8-25", "data.schedule.bad_time", "25"),
    ("hela dagen", "data.schedule.bad_interval", "hela dagen"),
    ("08:00", "data.schedule.bad_interval", "08:00"),
])
def test_schedule_messages_as_you_type_are_the_loaders(form, typed, code, value):
    form.times("öppettider", 2, typed)
    schedule = form.js(f"{form.fact('öppettider')}.querySelector('.schedule').id")
    report = validate({"öppettider": {"onsdag": typed}}, RULEBOOK)
    loader_says = [d.text("sv") for d in report.diagnostics if d.code == code]
    assert loader_says and form.error(schedule) == loader_says[0]
    assert message(code, "sv", value=json.dumps(value, ensure_ascii=False)) == loader_says[0]


@needs_browser
def test_overnight_intervals_and_closed_days(form):
    form.times("jour", 0, "17:00-08:00")
    form.click(f"{form.day('jour', 6)}.querySelector('.closed-day')")
    assert form.js(f"{form.day('jour', 0)}.querySelector('.overnight').textContent") == "över midnatt"
    assert form.js(f"{form.fact('jour')}.querySelector('.hours').textContent") == "Timmar per vecka: 15 h"
    assert form.js("kokForm.collect().jour") == {"måndag": "17:00-08:00", "söndag": "stängt"}
    assert form.js(f"{form.day('jour', 6)}.querySelector('.interval-text').disabled") is True


@needs_browser
def test_english_form_saves_an_english_self_report(open_form, pages):
    form = open_form(pages["en"])
    form.open_file(ROOT / "examples" / "godkand.yaml")
    saved = form.save("save-json")
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert list(document)[0] == "centre" and document["centre"]["fictional"] == "yes"
    assert document["öppettider"] == {"monday-friday": "08:00-17:00"}
    schema = self_report_schema(RULEBOOK, "en")
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(document)) == []
    before = load_self_report(ROOT / "examples" / "godkand.yaml", RULEBOOK)
    after = load_self_report(saved, RULEBOOK)
    assert comparable(after.facts) == comparable(before.facts)


@needs_browser
def test_template_schema_and_form_agree(form, tmp_path):
    """The form asks for the schema's facts, marks its required ones, and the
    blank template opened in the form saves as the same unanswered report."""
    schema = self_report_schema(RULEBOOK, "sv")
    facts = form.js("[...document.querySelectorAll('[data-fact]')].map(el => el.dataset.fact)")
    assert sorted(facts) == sorted(set(schema["properties"]) - {"vårdcentral"})
    marked = form.js("[...document.querySelectorAll('[data-fact]')].filter(el => el.querySelector("
                     "':scope > * > legend .required, :scope > .single > label .required')).map(el => el.dataset.fact)")
    assert sorted(marked) == sorted(set(schema["required"]) - {"vårdcentral"})
    blank = tmp_path / "mall.yaml"
    blank.write_text(render_template(RULEBOOK, "sv"), encoding="utf-8")
    form.open_file(blank)
    saved = form.save()
    document = yaml.safe_load(saved.read_text(encoding="utf-8"))
    template = yaml.safe_load(blank.read_text(encoding="utf-8"))
    assert document.pop("vårdcentral") == {"namn": None, "id": None, "fiktiv": "nej"}
    assert document == {k: v for k, v in template.items() if k != "vårdcentral"}
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(yaml.safe_load(saved.read_text("utf-8")))) == []


@needs_browser
@pytest.mark.skipif(not axe_available() and not UNDER_CI, reason="axe-core is not installed (npm ci --prefix tests)")
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_no_wcag_21_aa_violations(open_form, pages, artefacts, lang):
    form = open_form(pages[lang])
    form.open_file(ROOT / "examples" / "komplettering.yaml")  # with rows, errors and every kind of input
    violations = axe_violations(form.tab)
    assert violations == [], describe(violations)
    form.screenshot(artefacts / f"form-komplettering.{lang}.png")
    form.screenshot(artefacts / f"form-komplettering.{lang}.print.png", media="print")


# -- the property: from the schema, through the loader and the form and back ---------


def _strategy(schema: dict, defs: dict):
    """Values the schema allows, built from its own keywords."""
    if "$ref" in schema:
        return _strategy(defs[schema["$ref"].split("/")[-1]], defs)
    if "anyOf" in schema:
        return st.one_of([_strategy(s, defs) for s in schema["anyOf"]])
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum", -10**6), schema.get("maximum", 10**7))
    if kind == "number":
        low, high = schema.get("minimum", -10**6), schema.get("maximum", 10**6)
        return st.one_of(st.integers(low, high), st.decimals(low, high, places=2).map(float))
    if kind == "string" and schema.get("format") == "date":
        return st.dates().map(lambda day: day.isoformat())
    if kind == "string":
        pattern = schema.get("pattern", "")
        if pattern == r"\S":
            return st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20) \
                .filter(lambda s: s.strip())
        return st.from_regex(re.compile(pattern, re.ASCII), fullmatch=True)
    if kind == "array":
        items = _strategy(schema["items"], defs)
        if schema.get("uniqueItems"):
            return st.lists(items, max_size=4, unique_by=lambda v: json.dumps(v))
        return st.lists(items, min_size=schema.get("minItems", 0), max_size=3)
    if kind == "object" and "properties" in schema:
        required = set(schema.get("required", ()))
        parts = {key: _strategy(sub, defs) for key, sub in schema["properties"].items()}
        return st.fixed_dictionaries({k: v for k, v in parts.items() if k in required},
                                     optional={k: v for k, v in parts.items() if k not in required})
    if kind == "object":  # a weekly schedule: day keys from the pattern
        keys = st.from_regex(re.compile(schema["propertyNames"]["pattern"]), fullmatch=True)
        return st.dictionaries(keys, _strategy(schema["additionalProperties"], defs), min_size=1, max_size=3)
    raise AssertionError(schema)


# Every kind of value, also inside a record: the shipped books use only some.
EVERY_KIND = rulebook_from("""
uppgift öppen: ja/nej
uppgift listade: heltal
uppgift cni: decimaltal
uppgift andel: procent
uppgift chef: text
uppgift plan_antagen: datum
uppgift nivå: en av {låg, hög}
uppgift uppdrag: mängd av {filial, bvc}
uppgift tider: veckoschema
uppgift filialer: lista av filial
uppgift avstånd_km: decimaltal underlag
post filial:
  namn: text
  listning: ja/nej
  öppnad: datum
  andel_läkare: procent
  tider: veckoschema
  uppdrag: mängd av {filial, bvc}
  nivå: en av {låg, hög}
krav 1 "Skall" skall
  öppen och listade > 0 och cni > 0 och chef = "x" och plan_antagen > 2020-01-01
  och nivå = låg och filial i uppdrag och timmar(tider) > 0 och (alla f i filialer: f.listning)
  och (alla f i filialer: f.öppnad > 2020-01-01)
krav 2 "Bör" bör
  andel > 50 % och (alla f i filialer: timmar(f.tider) > 10) och (alla f i filialer: f.andel_läkare > 10 %)
  och (alla f i filialer: bvc i f.uppdrag) och (alla f i filialer: f.nivå = hög)
""")
BOOKS = {"orebro": RULEBOOK, "every_kind": EVERY_KIND}
SCHEMAS = {(book, lang): self_report_schema(BOOKS[book], lang) for book in BOOKS for lang in ("sv", "en")}
SELF_REPORTS = st.sampled_from(sorted(SCHEMAS)).flatmap(
    lambda key: st.tuples(st.just(key), _strategy(SCHEMAS[key], SCHEMAS[key].get("$defs", {}))))


@pytest.fixture(scope="module")
def form_pages(artefacts):
    written = {}
    for book, lang in SCHEMAS:
        written[book, lang] = artefacts / f"form.{book}.{lang}.html"
        written[book, lang].write_text(render_form(BOOKS[book], lang), encoding="utf-8")
    return written


@needs_browser
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(example=SELF_REPORTS)
def test_schema_documents_load_and_round_trip_through_the_form(tab, form_pages, example):
    """A self-report generated from the schema (either key language) is one the
    loader reads without errors; opened in the form of that language and
    saved, it validates again and the loader makes the same facts of it."""
    (book, lang), document = example
    rulebook, schema = BOOKS[book], SCHEMAS[book, lang]
    assert list(jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
                .iter_errors(document)) == []
    before = validate(document, rulebook)
    # The schema describes each value, not how figures relate: a plausibility
    # rule (rimlighet) may still find random figures contradicting each other.
    assert [d for d in before.diagnostics if d.is_error and d.code != "data.implausible"] == []
    if tab.url != form_pages[book, lang].as_uri():  # one page each, kept between examples
        tab.goto(form_pages[book, lang].as_uri())
    tab.evaluate(f"kokForm.open('egenrapport.json', {json.dumps(json.dumps(document))})")
    saved = tab.evaluate("kokForm.collect()")
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(saved)) == []
    after = validate(saved, rulebook)
    assert comparable(after.facts) == comparable(before.facts)
    assert {(p.kind, p.path) for p in after.problems} == {(p.kind, p.path) for p in before.problems}
    # The YAML file says the same (yes/no there read as booleans, which the schema also allows).
    as_yaml = json.loads(json.dumps(yaml.safe_load(tab.evaluate("kokForm.toYaml(kokForm.collect())")), default=str))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(as_yaml)) == []
    assert comparable(validate(as_yaml, rulebook).facts) == comparable(after.facts)


# -- the layout and the accessibility check itself ------------------------------------


def test_facts_are_grouped_by_chapter_in_book_order():
    from kokdsl.intake.form import form_view

    view = form_view(RULEBOOK, "sv")
    chapters = list(dict.fromkeys(r.chapter for r in RULEBOOK.requirements))
    titles = [s["title"] for s in view["sections"]]
    assert titles == [c for c in chapters if any(s["title"] == c for s in view["sections"])] + ["Underlag"]
    placed = {f["name"]: s["title"] for s in view["sections"] for f in s["facts"]}
    assert sorted(placed) == sorted(f.name for f in RULEBOOK.facts)
    for fact in RULEBOOK.facts:
        readers = [r for r in RULEBOOK.requirements if fact.name in r.dependencies]
        assert placed[fact.name] == (readers[0].chapter if readers else "Underlag")
    on_call = next(f for s in view["sections"] for f in s["facts"] if f["name"] == "jour")
    assert on_call["required"] and on_call["used_by"][0]["id"] == "2.1.4"
    assert on_call["used_by"][0]["modality"] == "skall"
    # 1.1 is a proposal: the specialist's hours are asked for, but no in-force skall needs them.
    specialist = next(f for s in view["sections"] for f in s["facts"] if f["name"] == "specialist_allmänmedicin")
    assert not specialist["required"] and specialist["used_by"][0]["id"] == "1.1"


@needs_browser
@pytest.mark.skipif(not axe_available() and not UNDER_CI, reason="axe-core is not installed (npm ci --prefix tests)")
def test_the_accessibility_check_finds_what_it_should(tab, tmp_path):
    """axe-core is really running: a page with an unlabelled input fails."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html lang="sv"><title>x</title><main><input type="text"></main></html>',
                   encoding="utf-8")
    tab.goto(bad.as_uri())
    assert "label" in [v["id"] for v in axe_violations(tab)]


@needs_browser
def test_a_file_that_is_not_yaml_is_refused_with_the_loaders_message(form, tmp_path):
    broken = tmp_path / "trasig.yaml"
    broken.write_text("listade: 8400\nlistade: 8500\n", encoding="utf-8")
    form.js(f"kokForm.open('trasig.yaml', {json.dumps(broken.read_text(encoding='utf-8'))})")
    status = form.status()
    expected = "trasig.yaml kunde inte öppnas: egenrapporten är inte giltig YAML (rad 2, kolumn 1)"
    assert status.startswith(expected), status
    form.js("kokForm.open('trasig.json', '{\"listade\": ')")
    assert "egenrapporten är inte giltig JSON" in form.status()
    form.js("kokForm.open('lista.yaml', '- 1\\n- 2\\n')")
    assert form.status().endswith(message("data.not_mapping", "sv"))


@needs_browser
@pytest.mark.parametrize("path", sorted((ROOT / "rulebooks").glob("*/*.kok")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_rulebook_has_a_form_that_round_trips_its_rule_test_base(tab, tmp_path, path):
    rulebook = load_rulebook(path).rulebook
    page_path = tmp_path / "form.html"
    page_path.write_text(render_form(rulebook, "sv"), encoding="utf-8")
    tab.goto(page_path.as_uri())
    base = yaml.safe_load(path.with_name(path.stem + ".tests.yaml").read_text(encoding="utf-8"))["grund"]
    base = json.loads(json.dumps(base, default=str))
    tab.evaluate(f"kokForm.open('grund.json', {json.dumps(json.dumps(base))})")
    assert tab.evaluate("document.querySelectorAll('.has-error').length") == 0
    saved = tab.evaluate("kokForm.collect()")
    assert list(jsonschema.Draft202012Validator(self_report_schema(rulebook, "sv")).iter_errors(saved)) == []
    assert comparable(validate(saved, rulebook).facts) == comparable(validate(base, rulebook).facts)


def test_the_words_the_page_accepts_are_the_loaders():
    """The page reads opened files as the loader does: every day name, group,
    closed and whole-day word it accepts means the same to parse_schedule."""
    from kokdsl.intake.form import page_data
    from kokdsl.schedule import Schedule, parse_schedule
    from kokdsl.selfreport import NO_WORDS, YES_WORDS

    accepts = page_data(RULEBOOK, "sv")["accepts"]

    def minutes(days, start=480, end=540):
        return Schedule.from_intervals([(d * 1440 + start, d * 1440 + end) for d in days])

    for names in accepts["weekdays"] + accepts["day_abbreviations"]:
        for index, name in enumerate(names):
            assert parse_schedule({name: "08:00-09:00"}) == minutes([index]), name
    for group, days in accepts["day_groups"].items():
        assert parse_schedule({group: "08:00-09:00"}) == minutes(days), group
    for word in accepts["closed"]:
        assert parse_schedule({"måndag": word}) == Schedule.from_intervals([]), word
    for word in accepts["whole_day"]:
        assert parse_schedule({"måndag": word}) == minutes([0], 0, 1440), word
    for word in accepts["whole_week"]:
        assert parse_schedule(word) == minutes(range(7), 0, 1440), word
    assert set(accepts["yes"]) == YES_WORDS and set(accepts["no"]) == NO_WORDS


# -- plausibility rules (rimlighet) as the applicant types ----------------------------------


def test_the_page_carries_the_plausibility_rules_it_can_evaluate():
    page = render_form(RULEBOOK, "sv")
    data = json.loads(re.search(r'<script type="application/json" id="kok-form-data">(.*?)</script>', page, re.S)
                      .group(1))
    rules = {r["sentence"]: r for r in data["plausibility"]}
    visits = rules["Läkarbesöken inom 3 dagar kan inte vara fler än alla läkarbesök."]
    assert visits["facts"] == ["läkarbesök", "läkarbesök_inom_3_dagar"] and visits["each"] is None
    assert visits["expr"] == {"t": "cmp", "op": "<=", "l": {"t": "fact", "name": "läkarbesök_inom_3_dagar"},
                              "r": {"t": "fact", "name": "läkarbesök"}}
    calls = rules["En månad kan inte ha fler samtal besvarade samma dag än inkommande samtal."]
    assert calls["each"] == {"var": "m", "fact": "telefonstatistik"}
    assert len(rules) == len(RULEBOOK.plausibilities)


@needs_browser
def test_the_form_warns_as_the_applicant_types_figures_that_contradict_each_other(form):
    form.open_file(ROOT / "examples" / "godkand.yaml")
    warning = "document.querySelector('[data-fact=\"{}\"] > .plausibility-warning')"
    assert form.js(f"{warning.format('läkarbesök_inom_3_dagar')} === null")
    form.type_fact("läkarbesök_inom_3_dagar", "48100")
    said = form.js(f"{warning.format('läkarbesök_inom_3_dagar')}.textContent")
    assert said == ("Stämmer inte: Läkarbesöken inom 3 dagar kan inte vara fler än alla läkarbesök. Kontrollera "
                    "siffrorna; uppgifter som motsäger varandra kan inte bedömas.")
    assert form.js(f"{warning.format('läkarbesök')}.textContent") == said  # both figures are named
    # kok run says the same of the same figures: the requirement cannot be assessed.
    report = validate({**yaml.safe_load((ROOT / "examples/godkand.yaml").read_text(encoding="utf-8")),
                       "läkarbesök_inom_3_dagar": 48100}, RULEBOOK)
    assert [p.path for p in report.problems if p.kind == "implausible"] == ["$.läkarbesök", "$.läkarbesök_inom_3_dagar"]
    form.type_fact("läkarbesök_inom_3_dagar", "4810")
    assert form.js(f"{warning.format('läkarbesök_inom_3_dagar')} === null")
    # Element by element: one month with more calls answered than received.
    answered = ("document.querySelectorAll('[data-fact=\"telefonstatistik\"] "
                ".field[data-field=\"besvarade_samma_dag\"] input')[0]")
    form.type(answered, "5000")
    assert form.js("kokForm.implausible()") == [
        "En månad kan inte ha fler samtal besvarade samma dag än inkommande samtal."]
