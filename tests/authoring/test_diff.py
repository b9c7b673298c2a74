"""kok diff: what changed between editions, in the words of the change, in
every format; the book's chapter of changes; thresholds in kok compare."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kokdsl.authoring.diff import edition_diff, render, word_diff
from kokdsl.cli import main
from kokdsl.pipeline import load_rulebook_source

ROOT = Path(__file__).resolve().parents[2]
OLD_2024 = str(ROOT / "rulebooks" / "orebro" / "2024.kok")
NEW_2025 = str(ROOT / "rulebooks" / "orebro" / "2025.kok")

HEADER = 'regelbok "Prov (påhittad)" utgåva {edition}\n'
FACTS = "uppgift x: heltal \"X.\"\nuppgift y: ja/nej \"Y.\"\nuppgift z: ja/nej \"Z.\"\n"
OLD = HEADER.format(edition=2024) + FACTS + '''
krav 1 "Gräns" bör
  område bemanning
  """Minst 3 x."""
  x >= 3

krav 2 "Villkor" skall
  gäller om y
  z

krav 3 "Försvinner" skall
  y

krav 4 "Kontroll" skall
  y och z
'''
NEW = HEADER.format(edition=2025) + FACTS + '''
krav 1 "Gräns, skärpt" skall
  område kontinuitet
  """Minst 5 x, <b>alltid</b>."""
  x >= 5

krav 2 "Villkor" skall
  status förslag
  källa "Beslut" daterad 2024-11-01
  gäller om inte y
  z

krav 4 "Kontroll" skall
  y eller z

krav 5 "Ny" bör
  z
'''


def compiled(source: str, name: str):
    return load_rulebook_source(source, name).rulebook


def view(lang="sv"):
    return edition_diff(compiled(OLD, "old.kok"), compiled(NEW, "new.kok"), lang)


def aspects(entry) -> dict:
    return {c["aspect"]: c for c in entry["changes"]}


def test_each_kind_of_change_is_named():
    v = view()
    entries = {e["id"]: e for e in v["requirements"]}
    assert {i: e["kind"] for i, e in entries.items()} == {"1": "changed", "2": "changed", "4": "changed",
                                                          "5": "added", "3": "removed"}
    first = aspects(entries["1"])
    assert first["level"] == {"aspect": "level", "old": "bör", "new": "skall"}
    assert (first["threshold"]["old"], first["threshold"]["new"]) == ("3", "5")
    assert first["title"]["new"] == "Gräns, skärpt" and first["topic"]["old"] == "bemanning"
    assert [w for w in first["text"]["words"] if w["op"] != "same"] == [
        {"op": "removed", "text": "3 x."}, {"op": "added", "text": "5 x, <b>alltid</b>."}]
    second = aspects(entries["2"])
    assert second["applicability"] == {"aspect": "applicability", "old": "y", "new": "inte y"}
    assert (second["status"]["old"], second["status"]["new"]) == ("in_force", "proposal")
    assert second["source"] == {"aspect": "source", "old": None, "new": "Beslut (2024-11-01)"}
    assert "status: gällande → förslag" in render(v, "text")
    assert aspects(entries["4"])["check"] == {"aspect": "check", "old": "y och z", "new": "y eller z"}
    assert v["counts"] == {"added": 1, "removed": 1, "changed": 3}


def test_unchanged_editions_have_no_changes():
    rb = compiled(OLD, "old.kok")
    assert edition_diff(rb, rb)["requirements"] == []
    assert "Inga krav har ändrats." in render(edition_diff(rb, rb), "text")


def test_word_diff_keeps_unchanged_words():
    assert word_diff("minst 45 timmar i veckan", "minst 40 timmar i veckan") == [
        {"op": "same", "text": "minst"}, {"op": "removed", "text": "45"}, {"op": "added", "text": "40"},
        {"op": "same", "text": "timmar i veckan"}]


def test_orebro_opening_hours_is_a_threshold_change_with_both_values():
    result = CliRunner().invoke(main, ["diff", OLD_2024, NEW_2025])
    assert result.exit_code == 0, result.output
    assert "Ändrat krav 2.1 Öppettider (skall)" in result.output
    assert "gräns: timmar(öppettider) >= 45 h → 40 h om listade < 6500, annars 45 h" in result.output
    data = json.loads(CliRunner().invoke(main, ["diff", "--format", "json", OLD_2024, NEW_2025]).output)
    change = next(c for e in data["requirements"] for c in e["changes"] if c["aspect"] == "threshold")
    assert (change["old"], change["new"], change["unit"]) == ("45 h", "40 h om listade < 6500, annars 45 h", "h")


def test_english_keywords_in_english_output():
    result = CliRunner().invoke(main, ["diff", "--lang", "en", OLD_2024, NEW_2025])
    assert "threshold: hours(öppettider) >= 45 h → 40 h if listade < 6500, else 45 h" in result.output


def test_html_and_markdown_escape_the_data():
    v = view()
    html = render(v, "html")
    assert "<b>alltid</b>" not in html and "&lt;b&gt;alltid&lt;/b&gt;" in html
    assert "<ins>5 x, &lt;b&gt;alltid&lt;/b&gt;.</ins>" in html
    md = render(v, "md")
    assert "- text: Minst ~~3 x.~~ **5 x, \\<b\\>alltid\\</b\\>.**" in md


def test_output_to_a_file(tmp_path):
    target = tmp_path / "out" / "changes.html"
    result = CliRunner().invoke(main, ["diff", "--format", "html", "--out", str(target), OLD_2024, NEW_2025])
    assert result.exit_code == 0
    assert "diff-threshold" in target.read_text(encoding="utf-8")


def test_a_rulebook_with_errors_exits_2(tmp_path):
    bad = tmp_path / "bad.kok"
    bad.write_text('regelbok "x" utgåva 2025\nkrav 1 "t" skall\n  okänd\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", OLD_2024, str(bad)])
    assert result.exit_code == 2 and "okänd" in result.output


def test_book_has_a_chapter_of_changes_from_the_same_diff():
    result = CliRunner().invoke(main, ["book", NEW_2025, "--previous", OLD_2024])
    assert result.exit_code == 0
    chapter = result.output.split("## Ändringar sedan föregående utgåva", 1)[1]
    assert "gräns: `timmar(öppettider) >=` `45 h` → `40 h om listade < 6500, annars 45 h`" in chapter
    without = CliRunner().invoke(main, ["book", NEW_2025]).output
    assert "Ändringar sedan föregående utgåva" not in without


def test_compare_shows_thresholds_side_by_side():
    result = CliRunner().invoke(main, ["compare", OLD_2024, NEW_2025])
    row = next(line for line in result.output.splitlines() if "2.1 Öppettider" in line)
    assert "2.1 Öppettider (skall; ≥ 45 h)" in row
    assert "2.1 Öppettider (skall; ≥ 40 h om listade < 6500, annars 45 h)" in row


def test_compare_reads_a_limit_written_first_as_the_subject_would():
    """`3 < x` is shown as the rule `> 3`, for every operator the grammar has:
    a limit on the left is mirrored, never shown with a missing operator."""
    import re

    from kokdsl.authoring.compare import _MIRROR, thresholds

    grammar = (ROOT / "grammar" / "kok.lark").read_text(encoding="utf-8")
    operators = re.findall(r'"([^"]+)"', re.search(r"^COMP_OP:(.*)$", grammar, re.MULTILINE).group(1))
    assert operators and set(operators) <= set(_MIRROR)
    shown = {"<": "> 3", ">": "< 3", "<=": "≥ 3", ">=": "≤ 3", "=": "= 3", "!=": "≠ 3"}
    for op in operators:
        rulebook = compiled(HEADER.format(edition=2025) + FACTS + f'krav 1 "G" skall\n  3 {op} x\n', "g.kok")
        assert thresholds(rulebook.requirements[0], rulebook, "sv") == [shown[op]]
