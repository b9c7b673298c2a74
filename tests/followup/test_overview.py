"""The follow-up's overview on its own: the view behind index.html and the
terminal summary, the deviation chart, and the centres × requirements CSV
matrix with spreadsheet formulas neutralised."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from helpers import rulebook

from kokdsl.batch import UNREADABLE
from kokdsl.followup.changes import Change
from kokdsl.followup.overview import (
    CHART_BAR,
    CHART_WIDTH,
    centres_csv,
    csv_cell,
    deviation_charts,
    deviation_counts,
    overview_view,
)
from kokdsl.followup.rerun import CentreRow

BOOK = """
uppgift a: ja/nej
uppgift b: ja/nej
uppgift c: ja/nej
krav 1 "Ett" skall
  a
krav 2 "Två" skall
  b
krav 3 "Tre" bör
  c
"""
DAY = datetime.date(2025, 6, 2)


@pytest.fixture(scope="module")
def book():
    return rulebook(BOOK)


ROWS = [
    CentreRow("a.yaml", "C-1", "approved", id="C-1", name="Alfa (fiktiv)", outcomes="mmn", remarks=("3",),
              report="c-1.html"),
    CentreRow("b.yaml", "C-2", "rejection", id="C-2", name="=HYPERLINK(1)", outcomes="nnm", reasons=("1", "2")),
    CentreRow("c.yaml", "C-3", "supplement_request", id="C-3", name="Gamma (fiktiv)", outcomes="mcm",
              supplements=("2",)),
    CentreRow("trasig.yaml", "trasig.yaml", UNREADABLE, error_code="data.not_utf8", error="inte UTF-8"),
]


def test_the_view_counts_decisions_in_the_order_officers_read_them(book):
    view = overview_view(book, ROWS, None, None, "sv", DAY)
    assert view["count"] == 4 and view["run_date"] == "2025-06-02"
    assert [c["kind"] for c in view["total_cards"]] == ["approved", "rejection", "supplement_request", UNREADABLE]
    assert view["totals"].endswith("godkänd 1, avslag 1, komplettering 1, kunde inte läsas 1")
    assert view["unreadable"] == [{"file": "trasig.yaml", "message": "inte UTF-8"}]
    assert view["changes"] is None and view["changes_heading"] == "" and view["edition_note"] == ""
    assert view["requirements"] == ["1", "2", "3"]


def test_each_centre_line_is_made_when_read(book):
    lines = overview_view(book, ROWS, None, None, "en", DAY)["centres"]
    assert len(lines) == 4
    first, second, _, unreadable = list(lines)
    assert (first["decision"], first["failed"], first["remarks"], first["deviations"]) == ("approved", "–", "1", "3")
    assert first["href"] == "c-1.html"
    assert (second["failed"], second["deviations"], second["rank"]) == ("1, 2", "1 2", 2)
    assert (unreadable["name"], unreadable["id"], unreadable["remarks"], unreadable["href"]) == (
        "trasig.yaml", "–", "–", None)
    assert list(lines) == list(lines)  # read again, made again


def test_changes_since_last_year_are_listed_with_who_changed(book):
    previous = {"format": "kokdsl.tools.rerun", "format_version": 2, "run_date": "2024-06-03",
                "rulebook": {"name": "Test", "edition": 2025, "sha256": "0"}, "centres": []}
    change = Change("C-2", "Beta", "rerun.change.decision", {"before": "approved", "after": "rejection"})
    view = overview_view(book, ROWS, [change], previous, "en", DAY)
    assert view["changes"] == [{"who": "C-2 Beta", "text": "decision approved → rejection"}]
    assert "2024-06-03" in view["changes_heading"] and "2024-06-03" in view["no_changes"]
    assert overview_view(book, ROWS, [], previous, "en", DAY)["changes"] == []


def test_deviations_are_counted_per_requirement_in_book_order(book):
    assert [(req.id, n) for req, n in deviation_counts(book, ROWS)] == [("1", 1), ("2", 1), ("3", 1)]
    assert deviation_counts(book, ROWS[2:]) == []


def test_the_chart_scales_its_longest_bar_to_the_width(book):
    rows = [*ROWS, CentreRow("d.yaml", "C-4", "rejection", outcomes="nmm", reasons=("1",))]
    [chart] = deviation_charts(book, rows, "en")
    assert chart["status"] == "in_force" and chart["heading"] == "Deviations per requirement (requirements in force)"
    bars = chart["bars"]
    assert [(b["id"], b["n"], b["y"]) for b in bars] == [("1", 2, 0), ("2", 1, CHART_BAR), ("3", 1, 2 * CHART_BAR)]
    assert bars[0]["width"] == CHART_WIDTH - chart["label_width"] - 60
    assert bars[1]["width"] == bars[0]["width"] // 2
    assert chart["height"] == 3 * CHART_BAR
    assert deviation_charts(book, [], "en") == []


@pytest.mark.parametrize("value, shown", [
    ("=1+1", "'=1+1"), ("+46 19 00 00", "'+46 19 00 00"), ("-3", "'-3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("Alfa", "Alfa"), (None, ""), (12, "12"),
])
def test_a_cell_that_a_spreadsheet_would_run_gets_a_quote(value, shown):
    assert csv_cell(value) == shown


def test_the_matrix_has_a_row_per_centre_and_a_column_per_requirement(book):
    text = centres_csv(book, ROWS, "en")
    assert text.startswith("\ufeff") and "\r\n" in text
    header, *rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    assert header[4:] == ["1", "2", "3"] and len(header) == 7
    assert rows[0] == ["C-1", "Alfa (fiktiv)", "a.yaml", "approved", "met", "met", "not met"]
    assert rows[1][1] == "'=HYPERLINK(1)"
    assert rows[2][4:] == ["met", "cannot be assessed", "met"]
    assert rows[3] == ["", "", "trasig.yaml", "could not be read", "", "", ""]


STATUSES = """
uppgift a: ja/nej
uppgift b: ja/nej
uppgift c: ja/nej
krav 1 "Gäller" skall
  a
krav 2 "Förslaget" skall
  status förslag
  b
krav 3 "Exemplet" bör
  status exempel
  c
"""


def test_only_what_is_in_force_is_a_deviation_and_each_status_has_its_own_chart():
    book = rulebook(STATUSES)
    rows = [CentreRow("a.yaml", "C-1", "approved", id="C-1", outcomes="mnn"),
            CentreRow("b.yaml", "C-2", "rejection", id="C-2", outcomes="nnm", reasons=("1",)),
            CentreRow("c.yaml", "C-3", "rejection", id="C-3", outcomes="nmm", reasons=("1",))]
    assert [(req.id, n) for req, n in deviation_counts(book, rows)] == [("1", 2)]
    charts = deviation_charts(book, rows, "sv")
    assert [(c["status"], [(b["id"], b["n"]) for b in c["bars"]]) for c in charts] == [
        ("in_force", [("1", 2)]), ("proposal", [("2", 2)]), ("example", [("3", 1)])]
    assert [c["heading"] for c in charts] == ["Avvikelser per krav (krav som gäller)",
                                              "Om förslagen antas: förslag som inte är uppfyllda",
                                              "Exempel från andra regioner som inte är uppfyllda"]
    view = overview_view(book, rows, None, None, "sv", DAY)
    assert [(g["status"], g["ids"]) for g in view["requirement_groups"]] == [
        ("in_force", ["1"]), ("proposal", ["2"]), ("example", ["3"])]
    first, second, _ = list(view["centres"])
    assert (first["deviations"], first["not_met"], first["others"]) == ("", "2 3", "2, 3")
    assert (second["deviations"], second["not_met"], second["others"]) == ("1", "1 2", "2")
    header = next(csv.reader(io.StringIO(centres_csv(book, rows, "sv").removeprefix("\ufeff"))))
    assert header[4:] == ["1", "2 (förslag)", "3 (exempel)"]
