"""text: what is printed on a terminal is made printable, and lists are
joined in words."""

from __future__ import annotations

import pytest

from kokdsl.text import join_and, printable, terminal_lines


@pytest.mark.parametrize("raw, shown", [
    ("rad\nny", "rad\u240any"), ("\x1b[31mröd", "\u241b[31mröd"), ("\x00", "\u2400"), ("\x7f", "\u2421"),
    ("\x9b2J", "\ufffd2J"), ("a\u2028b", "a\ufffdb"), ("\u202eevil", "\ufffdevil"), ("\ud800", "\ufffd"),
    ("Åsa 6\xa0500 – ok", "Åsa 6\xa0500 – ok"),
])
def test_control_characters_are_shown_never_obeyed(raw, shown):
    assert printable(raw) == shown


def test_terminal_lines_are_printable_and_end_with_a_newline():
    assert terminal_lines(["a\x1b", "b"]) == "a\u241b\nb\n"


@pytest.mark.parametrize("items, sv, en", [
    ([], "", ""), (["a"], "a", "a"), (["a", "b"], "a och b", "a and b"), (["a", "b", "c"], "a, b och c", "a, b and c"),
])
def test_lists_are_joined_in_words(items, sv, en):
    assert (join_and(items, "sv"), join_and(items, "en")) == (sv, en)


def test_printable_text_is_returned_as_it_is():
    """printable() skips its table for text Python counts as printable: that
    holds only while no character the table replaces is printable."""
    from kokdsl.text import _PRINTABLE

    assert not [code for code in _PRINTABLE if chr(code).isprintable()]
    assert printable("Vårdcentralen Låtsasby – 6 500 listade") == "Vårdcentralen Låtsasby – 6 500 listade"
    assert printable("a\u202eb\x1b[31m") == "a\ufffdb\u241b[31m"
