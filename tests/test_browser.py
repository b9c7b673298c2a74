"""The HTML report in a real browser (Debian's chromium, installed by .ci/run).

Skipped only when chromium is missing and we are not under CI; under CI=true
a missing browser fails the run.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from browser import Browser
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


@pytest.fixture(scope="module")
def artefacts():
    folder = Path(os.environ.get("KOK_TEST_ARTEFACTS") or tempfile.mkdtemp(prefix="kok-browser-artefacts-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM is not None, "CI is set but chromium is not installed"
    with Browser(CHROMIUM) as b:
        yield b


def write_report(folder: Path, self_report: str | Path, name: str, *args) -> Path:
    target = folder / f"{name}.html"
    result = CliRunner().invoke(main, ["run", str(ROOT / "rulebooks" / "orebro" / "2025.kok"), str(self_report),
                                       "--run-date", "2025-06-02", "--output", f"html:{target}", *args])
    assert result.exit_code == EXIT_FINDINGS, result.output
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
    assert "Skall-krav som inte är uppfyllda: 3." in dom["text"]
    screen, printed = artefacts / "avslag.sv.png", artefacts / "avslag.sv.print.png"
    screen.write_bytes(browser.screenshot("screen"))
    printed.write_bytes(browser.screenshot("print"))
    assert screen.read_bytes().startswith(b"\x89PNG")
    print(f"\nscreenshots: {screen} {printed}")


def test_english_report_renders_in_chromium(browser, artefacts):
    page = write_report(artefacts, ROOT / "examples" / "avslag.yaml", "avslag.en", "--lang", "en")
    browser.open(page.as_uri())
    dom = browser.evaluate(RENDERED)
    assert dom["decision"] == "Rejection" and dom["visible"]
    assert dom["rows"] == len(BOOK_ORDER)
    (artefacts / "avslag.en.png").write_bytes(browser.screenshot())


def test_markup_from_data_stays_text_in_chromium(browser, artefacts, tmp_path):
    from test_report import XSS, hostile_report

    page = write_report(artefacts, hostile_report(tmp_path), "hostile")
    browser.open(page.as_uri())
    dom = browser.evaluate(RENDERED)
    assert (dom["scripts"], dom["embedded"], dom["handlers"]) == (0, 0, [])
    assert XSS in dom["text"]
    assert not [e for e in browser.events if e.get("method") == "Page.javascriptDialogOpening"]
    (artefacts / "hostile.png").write_bytes(browser.screenshot())


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
    assert b"/MediaBox [0 0 594.95996 841.91998]" in pdf or re.search(rb"/MediaBox\s*\[0 0 59[45]\.\d* 84[12]\.\d*\]", pdf)
    print(f"\nPDF: {target} ({pages} pages)")


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
    (artefacts / "book.sv.png").write_bytes(browser.screenshot())
