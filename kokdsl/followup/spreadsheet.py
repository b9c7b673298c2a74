"""centres.xlsx: the centres × requirements matrix as an Excel workbook, for
the officers who open the rerun in Excel.

centres.csv stays for scripts (RFC 4180: comma, double quotes, CRLF, UTF-8
with a byte-order mark), but Swedish Excel splits a CSV on `;` and reads the
comma as a decimal sign, so a double-click shows one column. The workbook has
none of that: typed cells (the counts are numbers, everything else text), a
frozen header row, a filter on every column, and no formula injection at all,
since every text is written as a string cell, never parsed as a formula.

Written with XlsxWriter (BSD-2-Clause, pure Python, maintained), dated the
run's date, so the same run gives the same bytes.
"""

from __future__ import annotations

import datetime
import os

from kokdsl.batch import decision_label
from kokdsl.compiled import CompiledRulebook
from kokdsl.followup.rerun import LETTER_OUTCOMES, CentreRow
from kokdsl.messages import message

TEXT_COLUMNS = ("id", "name", "file", "decision")
COUNT_COLUMNS = ("col_failed", "col_unknown", "col_remarks")


def write_centres_xlsx(rulebook: CompiledRulebook, rows: list[CentreRow], lang: str, path: str | os.PathLike[str],
                       run_date: datetime.date) -> None:
    """One sheet: a header row, then one row per centre in run order."""
    import xlsxwriter  # type: ignore[import-untyped]  # no type information shipped

    workbook = xlsxwriter.Workbook(os.fspath(path), {"constant_memory": True, "strings_to_formulas": False,
                                                     "strings_to_numbers": False, "strings_to_urls": False})
    try:
        when = datetime.datetime(run_date.year, run_date.month, run_date.day)
        workbook.set_properties({"title": message("rerun.xlsx.title", lang, name=rulebook.name,
                                                  edition=rulebook.edition),
                                 "author": "kokdsl", "created": when})
        sheet = workbook.add_worksheet(message("rerun.xlsx.sheet", lang))
        bold = workbook.add_format({"bold": True})
        header = [message(f"rerun.csv.{col}", lang) for col in TEXT_COLUMNS]
        header += [message(f"rerun.{col}", lang) for col in COUNT_COLUMNS]
        header += [r.id for r in rulebook.requirements]
        for column, text in enumerate(header):
            sheet.write_string(0, column, text, bold)
        labels = {letter: message(f"outcome.{outcome}", lang) for letter, outcome in LETTER_OUTCOMES.items()}
        for number, row in enumerate(rows, start=1):
            _write_row(sheet, number, row, lang, labels, len(rulebook.requirements))
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(rows), 1), len(header) - 1)
        sheet.set_column(0, 0, 14)
        sheet.set_column(1, 2, 36)
        sheet.set_column(3, 3, 16)
        sheet.set_column(4, len(header) - 1, 12)
    finally:
        workbook.close()


def _write_row(sheet: object, number: int, row: CentreRow, lang: str, labels: dict[str, str], count: int) -> None:
    write_string = sheet.write_string  # type: ignore[attr-defined]
    write_number = sheet.write_number  # type: ignore[attr-defined]
    for column, text in enumerate((row.id or "", row.name or "", row.file, decision_label(row.decision, lang))):
        write_string(number, column, text)
    if row.readable:
        for column, found in enumerate((row.reasons, row.supplements, row.remarks), start=len(TEXT_COLUMNS)):
            write_number(number, column, len(found))
    first = len(TEXT_COLUMNS) + len(COUNT_COLUMNS)
    outcomes = [labels[letter] for letter in row.outcomes] if row.outcomes else [""] * count
    for column, text in enumerate(outcomes, start=first):
        write_string(number, column, text)
