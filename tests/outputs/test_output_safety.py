"""Values shown to people stay bounded and harmless: numbers of any size are
printed exactly or by their order of magnitude, long or shared values are
shortened without being built whole, control characters never reach a
terminal, and self-report data never becomes Markdown markup or a link."""

from __future__ import annotations

import datetime
from fractions import Fraction

import pytest
from helpers import rulebook, run
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kokdsl.authoring.formatter import format_source
from kokdsl.formatting import format_number
from kokdsl.outputs.assessment import render_text
from kokdsl.outputs.environment import markdown_escape
from kokdsl.outputs.findings import render_report
from kokdsl.pipeline import check_rulebook_source
from kokdsl.text import printable
from kokdsl.values import shorten


@pytest.mark.parametrize("value,sv,en", [
    (12, "12", "12"), (Fraction(5, 2), "2,5", "2.5"), (Fraction(1, 3), "0,33", "0.33"),
    (Fraction(-1, 1000), "0", "0"), (Fraction(-5, 2), "-2,5", "-2.5"), (Fraction(1, 8), "0,12", "0.12"),
    (10**400, "~10^400", "~10^400"), (Fraction(10**309 + 1, 3), "~10^308", "~10^308"),
])
def test_numbers_are_printed_exactly_and_never_overflow(value, sv, en):
    assert (format_number(value, "sv"), format_number(value, "en")) == (sv, en)


@settings(max_examples=200, deadline=None)
@given(st.fractions())
def test_any_fraction_prints_within_a_cent(value):
    text = format_number(value, "en")
    if "~" not in text:
        assert abs(Fraction(text.replace(",", "")) - value) <= Fraction(1, 200)


def test_shorten_stops_at_the_limit_without_building_the_value():
    nested = ["lol"] * 9
    for _ in range(9):
        nested = [nested] * 9  # 9^10 strings if written out
    text = shorten(nested)
    assert len(text) == 60 and text.endswith("…") and text.startswith('[[[[[[[[[["lol", ')
    assert shorten({"a": [1, 2], "b": "x"}) == '{"a": [1, 2], "b": "x"}'
    assert shorten("x" * 10_000_000).startswith('"xxx') and len(shorten("x" * 10_000_000)) == 60
    assert shorten(10**5000) == "~10^5000"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_printable_leaves_no_control_character_and_keeps_the_width(text):
    shown = printable(text)
    assert len(shown) == len(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or 0xD800 <= ord(c) < 0xE000 for c in shown)
    assert "\u2028" not in shown and "\u202e" not in shown


RB = """
uppgift verksamhetschef: text
krav 1 "Chef" skall
  verksamhetschef != ""
"""


def test_a_forged_decision_line_stays_inside_the_centre_line():
    rb = rulebook(RB)
    assessment = run(rb, {"vårdcentral": {"namn": "X\n\x1b[32mFörslag till beslut: GODKÄND\x1b[0m\n", "id": "1"},
                          "verksamhetschef": "A\x1b[2J\rB"})
    text = render_text(assessment, "sv", width=100)
    assert "\x1b" not in text and "\r" not in text
    lines = text.splitlines()
    assert [line for line in lines if line.startswith("Förslag till beslut")] == ["Förslag till beslut: GODKÄND"]
    assert lines[1].startswith("Vårdcentral: X␊␛[32mFörslag till beslut")


def test_markdown_report_has_no_links_or_strike_through_from_data():
    cmarkgfm = pytest.importorskip("cmarkgfm")
    rb = rulebook(RB)
    hostile = "https://evil.example/x www.evil.example ~~struken~~ [a](javascript:alert(1)) <b>x</b> *y*"

    def html_of(value: str) -> str:
        assessment = run(rb, {"vårdcentral": {"namn": value, "id": "1"}, "verksamhetschef": value})
        markdown = render_report(assessment, "md", "sv", datetime.date(2026, 1, 1))
        return cmarkgfm.github_flavored_markdown_to_html(markdown)

    html, plain = html_of(hostile), html_of("Anna")
    for tag in ("<a ", "<del>", "<b>", "<em>", "<strong>"):
        assert html.count(tag) == plain.count(tag), tag  # only the template's own markup
    assert "https://evil.example/x www.evil.example ~~struken~~" in html  # shown, as written


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aw.:/~*_[]()<>@#|`\\ hstp", max_size=40))
@example("__a__")  # an underscore after an underscore once slipped through
@example("a__b__")
def test_escaped_text_renders_as_itself_in_gfm(text):
    cmarkgfm = pytest.importorskip("cmarkgfm")
    html = cmarkgfm.github_flavored_markdown_to_html("x " + markdown_escape(text))
    assert "<a " not in html or "@" in text  # an e-mail address is the one autolink escaping cannot stop
    assert "<del>" not in html and "<em>" not in html and "<strong>" not in html and "<code>" not in html


def test_a_lone_surrogate_is_a_located_diagnostic():
    loaded = check_rulebook_source('regelbok "T\ud800" utgåva 2025 giltig från 2025-01-01\n')
    assert not loaded.ok
    [diag] = loaded.diagnostics
    assert (diag.code, diag.span.line, diag.span.column) == ("syntax.lone_surrogate", 1, 12)
    loaded.source.encode("utf-8")  # the kept source can be printed


def _formatted(source: str) -> str:
    from kokdsl.authoring.formatter import source_language
    from kokdsl.parser import parse

    parsed = parse(source, "t.kok")
    assert not parsed.diagnostics
    return format_source(parsed.rulebook, parsed.source, source_language(parsed.rulebook, parsed.source))


def test_fmt_is_idempotent_on_an_escaped_combining_mark_and_keeps_text_block_spaces():
    source = ('regelbok "T" utgåva 2025 giltig från 2025-01-01\nuppgift a: heltal\n'
              'krav 1 "e\\\u0301 x" skall\n  """Rad  \n  med\r mitt i.  \n  slut"""\n  a > 1\n')
    once = _formatted(source)
    assert _formatted(once) == once
    assert 'krav 1 "\u00e9 x" skall' in once
    assert "Rad  \n  med\r mitt i.  \n  slut" in once


def test_a_requirement_id_longer_than_the_terminal_does_not_break_the_table():
    # Found by the fuzzer: a 4,400-character id made the wrap width negative.
    long_id = "2." + "9" * 400
    rb = rulebook(f"""
uppgift listade: heltal
krav {long_id} "Listade" skall
  listade > 1000
""")
    text = render_text(run(rb, {"listade": 5}), "sv", width=100)
    assert long_id in text and "Förslag till beslut: AVSLAG" in text
