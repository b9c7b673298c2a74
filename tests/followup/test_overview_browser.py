"""The rerun overview (index.html) for 1,200 generated centres in a real
browser (Debian's chromium through Playwright): what needs acting on first,
sorting and filtering work, the page reads with scripts off, no WCAG 2.1 AA
violations (axe-core), safe links."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser import axe_violations, describe, dialogs, new_page, require_axe
from golden_cases import ROOT, run_cli

COUNT = 1200


@pytest.fixture(scope="module")
def overview(tmp_path_factory) -> Path:
    """1,200 fictional centres, plus one with a hostile file name, rerun into a folder."""
    base = tmp_path_factory.mktemp("overview")
    centres = base / "centres"
    code, output = run_cli("generate", "--count", str(COUNT), "--seed", "7", "--out", str(centres))
    assert code == 0, output
    (centres / "javascript:alert(1).yaml").write_bytes((centres / "centre-0001.yaml").read_bytes()
                                                       .replace(b"SYNT-00001", b"SYNT-09001"))
    (centres / "broken.yaml").write_bytes(b"listade: [1,\n")
    out = base / "out"
    code, output = run_cli("rerun", str(ROOT / "rulebooks/orebro/2025.kok"), str(centres), "--out", str(out),
                           "--run-date", "2025-06-02")
    assert code == 2, output  # the broken file
    return out / "index.html"


@pytest.fixture(scope="module")
def tab(chromium):
    """One page for the module, at 1280×1000: the overview is large."""
    opened = new_page(chromium, timeout=180, viewport={"width": 1280, "height": 1000})
    yield opened
    opened.context.close()


STATE = """(() => {
  const rows = [...document.querySelectorAll('#centres tbody tr')];
  const visible = rows.filter(r => !r.hidden && r.offsetParent !== null);
  return {
    rows: rows.length,
    visible: visible.length,
    shown: (document.getElementById('shown-count') || {}).textContent,
    // What is drawn, not the attribute: author CSS (display: flex) can beat `hidden` (issue 22).
    formVisible: (f => getComputedStyle(f).display !== 'none' && f.getBoundingClientRect().height > 0)(
      document.getElementById('filters')),
    decisions: visible.map(r => r.getAttribute('data-decision')),
    ids: visible.map(r => r.cells[1].textContent.trim()),
    deviations: visible.map(r => r.getAttribute('data-deviations')),
    totals: [...document.querySelectorAll('ul.totals li')].map(li => li.textContent.replace(/\\s+/g, ' ').trim()),
    headings: [...document.querySelectorAll('main h2')].map(h => h.textContent.trim()),
    bars: document.querySelectorAll('.chart svg rect').length,
    hrefs: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
    dialogs: 0,
  };
})()"""


def set_filter(tab, name: str, value: str) -> dict:
    """Type into one of the filter form's fields; the page's state after."""
    tab.evaluate(f"""(() => {{
      const field = document.getElementById('filters').elements[{name!r}];
      field.value = {value!r};
      field.dispatchEvent(new Event('input', {{bubbles: true}}));
    }})()""")
    return tab.evaluate(STATE)


def test_overview_sorts_and_filters_1200_centres(overview, tab, tmp_path):
    tab.goto(overview.as_uri())
    state = tab.evaluate(STATE)
    assert state["rows"] == COUNT + 2 and state["visible"] == COUNT + 2 and state["formVisible"]
    assert state["headings"][:2] == ["Förslag till beslut", "Egenrapporter som inte kunde läsas (övriga är bedömda):"]
    assert state["bars"] > 0
    totals = dict(re.match(r"(\d+) (.+)", t).groups()[::-1] for t in state["totals"])
    assert sum(map(int, totals.values())) == COUNT + 2
    assert all(re.fullmatch(r"[\w%.-]+\.html", h) for h in state["hrefs"]), state["hrefs"][:5]

    picture = tmp_path / "overview.png"
    tab.screenshot(path=str(picture))
    assert picture.read_bytes().startswith(b"\x89PNG")

    rejected = set_filter(tab, "decision", "rejection")
    assert set(rejected["decisions"]) == {"rejection"}
    assert rejected["visible"] == int(totals["avslag"]) == int(rejected["shown"])
    on_call = set_filter(tab, "requirement", "2.1.4")
    assert on_call["visible"] > 0 and all("2.1.4" in d.split() for d in on_call["deviations"])
    assert set(on_call["decisions"]) == {"rejection"}
    set_filter(tab, "decision", "")
    set_filter(tab, "requirement", "")
    one = set_filter(tab, "q", "synt-00042")
    assert one["ids"] == ["SYNT-00042"]
    everyone = set_filter(tab, "q", "")
    assert everyone["visible"] == COUNT + 2

    # Sort by decision (the third column), then the other way.
    tab.evaluate("document.querySelectorAll('#centres thead th')[2].querySelector('button').click()")
    ranks = {"approved": 0, "supplement_request": 1, "rejection": 2, "unreadable": 3}
    up = [ranks[d] for d in tab.evaluate(STATE)["decisions"]]
    assert up == sorted(up) and up[0] < up[-1]
    tab.evaluate("document.querySelectorAll('#centres thead th')[2].querySelector('button').click()")
    down = [ranks[d] for d in tab.evaluate(STATE)["decisions"]]
    assert down == sorted(down, reverse=True)
    assert tab.evaluate("document.querySelectorAll('#centres thead th')[2].getAttribute('aria-sort')") == \
        "descending"
    # Sort by id: numeric order, not string order.
    tab.evaluate("document.querySelectorAll('#centres thead th')[1].querySelector('button').click()")
    ids = [i for i in tab.evaluate(STATE)["ids"] if i.startswith("SYNT-")]
    assert ids[:3] == ["SYNT-00001", "SYNT-00002", "SYNT-00003"]
    assert dialogs(tab) == []


def test_overview_reads_with_scripts_off(overview, chromium):
    scriptless = new_page(chromium, timeout=180, java_script_enabled=False, viewport={"width": 1280, "height": 1000})
    try:
        scriptless.goto(overview.as_uri())
        # Playwright still evaluates from outside the page; the page's own script did not run.
        state = scriptless.evaluate(STATE)
    finally:
        scriptless.context.close()
    assert not state["formVisible"]
    assert state["rows"] == COUNT + 2 and state["visible"] == COUNT + 2
    assert state["totals"] and state["bars"] > 0


def test_overview_has_no_wcag_21_aa_violations(overview, tab):
    require_axe()
    tab.goto(overview.as_uri())
    violations = axe_violations(tab)
    assert violations == [], describe(violations)
