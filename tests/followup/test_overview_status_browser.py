"""The follow-up overview never counts a proposal or an example as a
deviation (issue 20), in a real browser over 120 generated centres: for an
in-force requirement, a proposal and an example, the chart's count, the
requirement filter, the table and centres.csv agree, and each stands in the
chart of its own status."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from browser import new_page
from golden_cases import ROOT, run_cli

COUNT = 120


@pytest.fixture(scope="module")
def overview(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("status-overview")
    centres = base / "centres"
    code, output = run_cli("generate", "--count", str(COUNT), "--seed", "20", "--out", str(centres))
    assert code == 0, output
    out = base / "out"
    code, output = run_cli("rerun", str(ROOT / "rulebooks/orebro/2025.kok"), str(centres), "--out", str(out),
                           "--run-date", "2025-06-02")
    assert code == 1, output
    return out


@pytest.fixture(scope="module")
def tab(chromium):
    """One page for the module, at 1280×1000."""
    opened = new_page(chromium, timeout=180, viewport={"width": 1280, "height": 1000})
    yield opened
    opened.context.close()


CHARTS = """(() => Object.fromEntries([...document.querySelectorAll('section.chart')].map(s => [
  s.getAttribute('data-status'),
  {heading: s.querySelector('h2').textContent.trim(),
   bars: Object.fromEntries([...s.querySelectorAll('g[data-requirement]')].map(
     g => [g.getAttribute('data-requirement'), Number(g.getAttribute('data-count'))]))}])))()"""


def filtered(tab, requirement: str) -> dict:
    return tab.evaluate(f"""(() => {{
      const field = document.getElementById('filters').elements['requirement'];
      field.value = {requirement!r};
      field.dispatchEvent(new Event('input', {{bubbles: true}}));
      const visible = [...document.querySelectorAll('#centres tbody tr')].filter(r => !r.hidden);
      return {{
        shown: Number(document.getElementById('shown-count').textContent),
        visible: visible.length,
        ids: visible.map(r => r.cells[1].textContent.trim()),
        failed: visible.map(r => r.cells[3].textContent.trim()),
        others: visible.map(r => r.cells[6].textContent.trim()),
        group: field.selectedOptions[0].parentElement.getAttribute('label'),
      }};
    }})()""")


def csv_not_met(out: Path, requirement: str) -> set[str]:
    rows = list(csv.reader((out / "centres.csv").read_text(encoding="utf-8-sig").splitlines()))
    column = next(i for i, head in enumerate(rows[0]) if head.split(" ")[0] == requirement)
    return {row[0] for row in rows[1:] if row[column] == "ej uppfyllt"}


def test_chart_filter_table_and_csv_agree_by_status(overview, tab):
    tab.goto((overview / "index.html").as_uri())
    charts = tab.evaluate(CHARTS)
    assert list(charts) == ["in_force", "proposal", "example"]
    assert charts["in_force"]["heading"] == "Avvikelser per krav (krav som gäller)"
    assert charts["proposal"]["heading"] == "Om förslagen antas: förslag som inte är uppfyllda"
    assert charts["example"]["heading"] == "Exempel från andra regioner som inte är uppfyllda"
    # A proposal or an example is never a deviation, and each requirement stands in one chart.
    assert not {"1.1", "3.1.1", "5.1", "6.3", "6.4a", "8.2"} & set(charts["in_force"]["bars"])
    assert {"2.1.4", "6.4"} <= set(charts["in_force"]["bars"])
    cases = {"in_force": "2.1.4", "proposal": "1.1", "example": "6.4a"}
    groups = {"in_force": "Krav som gäller", "proposal": "Förslag (om förslagen antas)", "example": "Exempel"}
    for status, requirement in cases.items():
        for other in set(charts) - {status}:
            assert requirement not in charts[other]["bars"]
        count = charts[status]["bars"][requirement]
        state = filtered(tab, requirement)
        assert count > 0 and state["shown"] == state["visible"] == count, (requirement, count, state)
        assert state["group"] == groups[status]
        column = state["failed"] if status == "in_force" else state["others"]
        assert all(requirement in cell.split(", ") for cell in column), (requirement, column)
        assert set(state["ids"]) == csv_not_met(overview, requirement)
    filtered(tab, "")


def test_the_overview_says_the_book_is_a_reconstruction(overview, tab):
    tab.goto((overview / "index.html").as_uri())
    notice = tab.evaluate("document.querySelector('header .provenance').innerText")
    assert notice.startswith("Rekonstruktion: Boken är en rekonstruktion ur offentliga dokument")
    visible = tab.evaluate("(() => { const r = document.querySelector('header .provenance')"
                               ".getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()")
    assert visible
