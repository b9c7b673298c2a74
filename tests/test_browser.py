"""The HTML report and the book in a real browser (Debian's chromium,
installed by .ci/run), checked with axe-core against WCAG 2.1 A and AA.

Skipped only when chromium (or axe-core, `npm ci --prefix tests`) is missing
and we are not under CI; under CI=true a missing one fails the run. Pages are
written to the test's tmp_path; a failing test leaves screenshots (conftest.py).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser import Browser, axe_available, axe_violations
from click.testing import CliRunner
from regen_golden import ROOT

from kokdsl.cli import EXIT_FINDINGS, main
from kokdsl.outputs.files import find_chromium
from kokdsl.pipeline import load_rulebook

CHROMIUM = find_chromium()
UNDER_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")

if CHROMIUM is None and not UNDER_CI:
    pytestmark = pytest.mark.skip(reason="chromium is not installed (apt-get install chromium); CI is not set")

RENDERED = """(() => {
  const label = document.getElementById('decision-label');
  const box = label.getBoundingClientRect();
  const style = getComputedStyle(label);
  const handlers = [];
  for (const el of document.querySelectorAll('*'))
    for (const attr of el.attributes)
      if (attr.name.toLowerCase().startsWith('on')) handlers.push(el.tagName + ' ' + attr.name);
  return {
    decision: label.innerText,
    visible: box.width > 0 && box.height > 0 && style.visibility === 'visible' && style.display !== 'none'
             && document.elementFromPoint(box.left + 2, box.top + box.height / 2) !== null,
    rows: document.querySelectorAll('table.requirements-table > tbody > tr.requirement').length,
    rowIds: [...document.querySelectorAll('tr.requirement > th')].map(th => th.innerText),
    scripts: document.querySelectorAll('script').length,
    embedded: document.querySelectorAll('img, svg, iframe, object, embed, link[rel=stylesheet]').length,
    handlers: handlers,
    text: document.body.innerText,
  };
})()"""


@pytest.fixture
def artefacts(tmp_path):
    return tmp_path


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM is not None, "CI is set but chromium is not installed"
    with Browser(CHROMIUM) as b:
        yield b


@pytest.fixture
def axe():
    """No WCAG 2.1 A/AA violation on the open page, by axe-core."""
    if not axe_available():
        if UNDER_CI:
            pytest.fail("CI is set but axe-core is not installed (npm ci --prefix tests)")
        pytest.skip("axe-core is not installed (npm ci --prefix tests)")

    def check(browser: Browser) -> None:
        violations = axe_violations(browser)
        assert violations == [], "\n".join(f"{v['id']} ({v['impact']}): {v['help']}: {v['nodes']}" for v in violations)

    return check


def write_report(folder: Path, self_report: str | Path, name: str, *args, expect: int | None = EXIT_FINDINGS) -> Path:
    target = folder / f"{name}.html"
    result = CliRunner().invoke(main, ["run", str(ROOT / "rulebooks" / "orebro" / "2025.kok"), str(self_report),
                                       "--run-date", "2025-06-02", "--output", f"html:{target}", *args])
    assert result.exit_code == expect if expect is not None else result.exit_code in (0, 1), result.output
    return target


# The requirement ids of the shipped rulebook, in book order.
BOOK_ORDER = [r.id for r in load_rulebook(ROOT / "rulebooks/orebro/2025.kok").rulebook.requirements]


def test_rejection_report_renders_in_chromium(browser, artefacts):
    page = write_report(artefacts, ROOT / "examples" / "avslag.yaml", "avslag.sv")
    browser.open(page.as_uri())
    dom = browser.evaluate(RENDERED)
    assert dom["decision"] == "Avslag" and dom["visible"]
    assert dom["rowIds"] == BOOK_ORDER
    assert dom["rows"] == len(BOOK_ORDER)
    assert (dom["scripts"], dom["embedded"], dom["handlers"]) == (0, 0, [])
    assert "Skall-krav som inte är uppfyllda: 4." in dom["text"]
    assert browser.screenshot("screen").startswith(b"\x89PNG")
    assert browser.screenshot("print").startswith(b"\x89PNG")


@pytest.mark.parametrize("example, lang", [("avslag", "sv"), ("avslag", "en"), ("komplettering", "sv"),
                                            ("godkand", "en")])
def test_reports_meet_wcag_21_aa(browser, artefacts, axe, example, lang):
    page = write_report(artefacts, ROOT / "examples" / f"{example}.yaml", f"{example}.{lang}", "--lang", lang,
                        expect=None)
    browser.open(page.as_uri())
    axe(browser)


def test_english_report_renders_in_chromium(browser, artefacts):
    page = write_report(artefacts, ROOT / "examples" / "avslag.yaml", "avslag.en", "--lang", "en")
    browser.open(page.as_uri())
    dom = browser.evaluate(RENDERED)
    assert dom["decision"] == "Rejection" and dom["visible"]
    assert dom["rows"] == len(BOOK_ORDER)


def test_markup_from_data_stays_text_in_chromium(browser, artefacts, tmp_path):
    from test_report import XSS, hostile_report

    page = write_report(artefacts, hostile_report(tmp_path), "hostile")
    browser.open(page.as_uri())
    dom = browser.evaluate(RENDERED)
    assert (dom["scripts"], dom["embedded"], dom["handlers"]) == (0, 0, [])
    assert XSS in dom["text"]
    assert not [e for e in browser.events if e.get("method") == "Page.javascriptDialogOpening"]


def test_pdf_output_has_pages(artefacts):
    assert CHROMIUM is not None, "CI is set but chromium is not installed"
    target = artefacts / "avslag.sv.pdf"
    result = CliRunner().invoke(main, ["run", str(ROOT / "rulebooks" / "orebro" / "2025.kok"),
                                       str(ROOT / "examples" / "avslag.yaml"), "--output", f"pdf:{target}"])
    assert result.exit_code == EXIT_FINDINGS, result.output
    pdf = target.read_bytes()
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert pages >= 1
    a4 = rb"/MediaBox\s*\[0 0 59[45]\.\d* 84[12]\.\d*\]"
    assert b"/MediaBox [0 0 594.95996 841.91998]" in pdf or re.search(a4, pdf)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_published_book_meets_wcag_21_aa(browser, artefacts, axe, lang):
    target = artefacts / f"book.{lang}.html"
    result = CliRunner().invoke(main, ["book", str(ROOT / "rulebooks" / "orebro" / "2025.kok"), "--lang", lang,
                                       "--output", f"html:{target}"])
    assert result.exit_code == 0, result.output
    browser.open(target.as_uri())
    axe(browser)


def test_published_book_renders_in_chromium(browser, artefacts):
    target = artefacts / "book.sv.html"
    result = CliRunner().invoke(main, ["book", str(ROOT / "rulebooks" / "orebro" / "2025.kok"),
                                       "--output", f"html:{target}"])
    assert result.exit_code == 0, result.output
    browser.open(target.as_uri())
    dom = browser.evaluate("""(() => ({
      ids: [...document.querySelectorAll('article.book-requirement')].map(a => a.id),
      facts: document.querySelectorAll('#facts tbody tr').length,
      scripts: document.querySelectorAll('script').length,
      brokenLinks: [...document.querySelectorAll('a[href^="#"]')]
        .filter(a => !document.getElementById(a.getAttribute('href').slice(1))).map(a => a.getAttribute('href')),
    }))()""")
    assert dom["ids"] == [f"req-{i}" for i in BOOK_ORDER]
    assert dom["facts"] == len(load_rulebook(ROOT / "rulebooks/orebro/2025.kok").rulebook.facts)
    assert dom["scripts"] == 0 and dom["brokenLinks"] == []


def test_axe_reports_a_planted_violation(browser, axe, tmp_path):
    """The accessibility check can fail: a page with an unlabelled input and
    grey-on-white text gets exactly those violations."""
    page = tmp_path / "bad.html"
    page.write_text('<!doctype html><html lang="sv"><head><title>x</title></head><body><main>'
                    '<p style="color:#ccc;background:#fff">svag text</p><input type="text"></main></body></html>',
                    encoding="utf-8")
    browser.open(page.as_uri())
    assert {v["id"] for v in axe_violations(browser)} == {"color-contrast", "label"}
