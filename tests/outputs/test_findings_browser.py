"""The HTML report and the book in a real browser (Debian's chromium,
installed by .ci/run), checked with axe-core against WCAG 2.1 A and AA.

Skipped only when chromium (or axe-core, `npm ci --prefix tests`) is missing
and we are not under CI; under CI=true a missing one fails the run. Pages are
written to the test's tmp_path; a failing test leaves screenshots (conftest.py).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from browser import Browser, axe_available, axe_violations
from click.testing import CliRunner
from golden_cases import ROOT

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
    assert "Skall-krav som inte är uppfyllda: 3." in dom["text"]
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
    from test_findings import XSS, hostile_report

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


def _pdf(artefacts: Path, example: str, name: str, *args) -> Path:
    target = artefacts / f"{name}.pdf"
    result = CliRunner().invoke(main, ["run", str(ROOT / "rulebooks" / "orebro" / "2025.kok"),
                                       str(ROOT / "examples" / f"{example}.yaml"), "--run-date", "2025-06-02",
                                       "--output", f"pdf:{target}", *args])
    assert result.exit_code in (0, EXIT_FINDINGS), result.output
    return target


def _page_texts(pdf: Path) -> list[str]:
    """Each page's text, as pdftotext reads it off the printed page."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [page for page in out.split("\f") if page.strip()]


def _word_boxes(pdf: Path) -> list[tuple[float, float, str]]:
    """(right edge, page width, word) for every word on every page."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    boxes = []
    for width, body in re.findall(r'<page width="([\d.]+)"[^>]*>(.*?)</page>', out, re.S):
        for x_max, word in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
                                      body):
            boxes.append((float(x_max), float(width), html.unescape(word)))
    return boxes


@pytest.mark.skipif(shutil.which("pdftotext") is None and not UNDER_CI, reason="poppler-utils is not installed")
@pytest.mark.parametrize(("example", "decision"), [("avslag", "Avslag"), ("godkand", "Godkänd")])
def test_pdf_pages_read_as_a_decision_document(artefacts, example, decision):
    """Page by page: every footer names the centre, its id and the edition
    with "sida x av y"; the grounds follow the decision on the first page;
    no page is left holding a line or two; nothing runs off A4 portrait;
    percentages and identifiers are never broken."""
    assert CHROMIUM is not None, "CI is set but chromium is not installed"
    pdf = _pdf(artefacts, example, f"{example}.pages", "--diarienummer", "HSN 2025/17 (fiktivt)",
               "--handläggare", "Hanna Handläggare (fiktiv)", "--beslutsdatum", "2025-06-10")
    pages = _page_texts(pdf)
    centre = {"avslag": ("Vårdcentralen Påhittsta (fiktiv)", "FIKTIV-002"),
              "godkand": ("Vårdcentralen Exempelby (fiktiv)", "FIKTIV-001")}[example]
    assert 3 <= len(pages) <= 8, len(pages)
    for number, page in enumerate(pages, 1):
        footer = " ".join(page.strip().splitlines()[-1].split())
        assert f"{centre[0]} ({centre[1]}) · Hälsoval Region Örebro län, utgåva 2025" in footer, footer
        assert footer.endswith(f"sida {number} av {len(pages)}"), footer
        body = [line for line in page.strip().splitlines()[:-1] if line.strip()]
        assert len(body) >= 8, f"page {number} holds only {body}"
    first = " ".join(pages[0].split())
    assert decision in first and "Skäl för beslutet" in first and "HSN 2025/17 (fiktivt)" in first
    assert "namnteckning" in " ".join(" ".join(p.split()) for p in pages).lower()
    text = "\n".join(pages)
    assert not re.search(r"^\s*%", text, re.M), "a percentage broken from its number"
    for right, width, word in _word_boxes(pdf):
        assert right <= width - 20, f"{word!r} runs into the right margin ({right:.0f} of {width:.0f} pt)"
    # Paths wrap only between their parts: every part is whole on some line.
    for path in re.findall(r"\$\.[\w\[\].]+", text):
        for part in re.split(r"[.\[\]]+", path):
            assert part in text, part


@pytest.mark.skipif(shutil.which("pdftotext") is None and not UNDER_CI, reason="poppler-utils is not installed")
def test_pdf_is_byte_identical_for_the_same_inputs_and_date(artefacts):
    first = _pdf(artefacts, "avslag", "same-1").read_bytes()
    second = _pdf(artefacts, "avslag", "same-2").read_bytes()
    assert first == second
    assert b"(D:20250602000000" in first


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


def test_book_marks_proposals_examples_and_a_selection_visibly(browser, artefacts, axe):
    """Issue 8: status and source for every requirement; proposals and
    illustrative requirements visibly marked; an urval says so on the title page."""
    book = ROOT / "tests" / "rulebooks" / "provenance.kok"
    target = artefacts / "provenance-book.sv.html"
    result = CliRunner().invoke(main, ["book", str(book), "--output", f"html:{target}"])
    assert result.exit_code == 0, result.output
    browser.open(target.as_uri())
    dom = browser.evaluate("""(() => {
      const visible = el => { const b = el.getBoundingClientRect(); const s = getComputedStyle(el);
        return b.width > 0 && b.height > 0 && s.visibility === 'visible' && s.display !== 'none'; };
      const badge = id => [...document.querySelectorAll('#req-' + CSS.escape(id) + ' .badge')]
        .filter(visible).map(b => b.innerText.trim());
      return {
        selection: [...document.querySelectorAll('header .selection')].filter(visible).map(p => p.innerText),
        proposal: badge('2'), example: badge('2.1'), inForce: badge('1'),
        statusRows: document.querySelectorAll('article.book-requirement dt').length,
        text: document.body.innerText,
      };
    })()""")
    assert dom["selection"] and "Urval" in dom["selection"][0]
    assert "förslag" in dom["proposal"] and "exempel" in dom["example"]
    assert not {"förslag", "exempel"} & set(dom["inForce"])
    assert dom["text"].casefold().count("status\n") >= 8 and "daterad 2026-03-01" in dom["text"]
    axe(browser)


BOOK_PAGE = """(() => {
  // checkVisibility: false inside a closed <details> (content-visibility: hidden).
  const shown = el => { if (!el) return false; const b = el.getBoundingClientRect();
    return b.width > 0 && b.height > 0 && el.checkVisibility({visibilityProperty: true}); };
  const req = id => document.getElementById('req-' + id);
  return {
    brokenLinks: [...document.querySelectorAll('a[href^="#"]')]
      .filter(a => !document.getElementById(a.getAttribute('href').slice(1))).map(a => a.getAttribute('href')),
    chapterNumbers: [...document.querySelectorAll('section[id^="chapter-"] h2 .chapter-number')].map(s => s.innerText),
    prose: req('2.1').querySelector('dd.prose').innerText,
    proseShown: shown(req('2.1').querySelector('dd.prose')),
    codeHidden: !req('2.1').querySelector('details.code').open
      && !shown(req('2.1').querySelector('details.code code')),
    statusBadge: shown(req('3.1.1').querySelector('.badge.status-proposal'))
      ? req('3.1.1').querySelector('.badge.status-proposal').innerText : null,
    changes: shown(document.getElementById('changes')),
    glossary: document.querySelector('#fact-öppettider th').innerText,
  };
})()"""


def test_book_reads_as_prose_with_markings_in_chromium(browser, artefacts, axe):
    target = artefacts / "book-prose.sv.html"
    result = CliRunner().invoke(main, ["book", str(ROOT / "rulebooks" / "orebro" / "2025.kok"), "--previous",
                                       str(ROOT / "rulebooks" / "orebro" / "2024.kok"), "--output", f"html:{target}"])
    assert result.exit_code == 0, result.output
    browser.open(target.as_uri())
    page = browser.evaluate(BOOK_PAGE)
    chapters = load_rulebook(ROOT / "rulebooks/orebro/2025.kok").rulebook.chapters
    assert page["brokenLinks"] == []
    assert page["chapterNumbers"] == [str(n) for n in range(1, len(chapters) + 1)]
    assert page["prose"].startswith("Timmar per vecka enligt öppettiderna är minst 40")
    assert page["proseShown"] and page["codeHidden"]
    assert page["statusBadge"] == "förslag"
    assert page["changes"]
    assert page["glossary"].startswith("Öppettider")
    axe(browser)
