"""centres.xlsx: the matrix for Excel, read back from the file's XML as Excel
reads it: a frozen header, a filter over every column, numbers as numbers,
text as text, and no formula anywhere, whatever the self-reports say."""

from __future__ import annotations

import json
import re
import zipfile
from xml.etree import ElementTree

from golden_cases import ROOT, run_cli

OREBRO = "rulebooks/orebro/2025.kok"
NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def cells(path) -> tuple[ElementTree.Element, list[list[tuple[str | None, str]]]]:
    """The sheet's XML and its rows of (type, text) cells."""
    with zipfile.ZipFile(path) as book:
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iterfind(".//x:sheetData/x:row", NS):
        rows.append([(c.get("t"), "".join(c.itertext())) for c in row.iterfind("x:c", NS)])
    return sheet, rows


def test_the_workbook_is_typed_frozen_filtered_and_holds_no_formula(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    text = (ROOT / "examples/godkand.yaml").read_text(encoding="utf-8")
    names = ["=HYPERLINK(\"http://x\")", "+SUM(A1)", "\uff1dcmd", "@cmd", "Vanlig (fiktiv)"]
    for n, name in enumerate(names):
        (inputs / f"c{n}.yaml").write_text(text.replace("FIKTIV-001", f'"=ID-{n}"').replace(
            "Vårdcentralen Exempelby (fiktiv)", json.dumps(name)), encoding="utf-8")
    (inputs / "trasig.yaml").write_text("listade: [1,\n", encoding="utf-8")
    out = tmp_path / "out"
    run_cli("rerun", OREBRO, str(inputs), "--out", str(out), "--run-date", "2026-01-01")
    sheet, rows = cells(out / "centres.xlsx")
    header = [value for _, value in rows[0]]
    assert header[:7] == ["Id", "Vårdcentral", "Fil", "Beslut", "Skall ej uppfyllda", "Kan ej bedömas", "Anm."]
    assert header[7] == "1.1"
    assert [value for _, value in rows[1][:2]] == ["=ID-0", names[0]]  # as written: a text cell, not a formula
    assert all(kind == "inlineStr" for kind, _ in rows[1][:4])
    assert [kind for kind, _ in rows[1][4:7]] == [None, None, None]  # numbers
    assert [value for _, value in rows[-1][:4]][3] == "kunde inte läsas"
    assert sheet.find(".//x:f", NS) is None  # no formula anywhere
    assert sheet.find(".//x:pane", NS).get("state") == "frozen"
    assert re.fullmatch(r"A1:[A-Z]+7", sheet.find("x:autoFilter", NS).get("ref"))


def test_the_same_run_gives_the_same_bytes(tmp_path):
    for folder, jobs in (("a", "1"), ("b", "2")):
        run_cli("rerun", OREBRO, "examples/centres", "--out", str(tmp_path / folder), "--run-date", "2026-01-01",
                "--jobs", jobs, "--lang", "en")
    assert (tmp_path / "a/centres.xlsx").read_bytes() == (tmp_path / "b/centres.xlsx").read_bytes()
    _, rows = cells(tmp_path / "a/centres.xlsx")
    assert rows[0][0][1] == "Id" and rows[0][1][1] == "Centre" and len(rows) == 31
