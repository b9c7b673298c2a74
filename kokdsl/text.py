"""Text for people, below every stage: safe to print on a terminal, and
lists joined in words ("a, b och c")."""

from __future__ import annotations

import re


def _printable_table() -> dict[int, str]:
    # C0 controls (newline, escape, NUL …) and DEL become their Unicode
    # "control pictures" (␊, ␛, ␀): visible, one column wide, so carets under
    # a source line still line up. C1 controls (8-bit escapes), line and
    # paragraph separators, bidirectional overrides and lone surrogates
    # become U+FFFD.
    table = {code: chr(0x2400 + code) for code in range(0x20)}
    table[0x7F] = "\u2421"
    replaced = [*range(0x80, 0xA0), 0x2028, 0x2029, 0x200E, 0x200F, *range(0x202A, 0x202F),
                *range(0x2066, 0x206A), *range(0xD800, 0xE000)]
    table.update(dict.fromkeys(replaced, "\ufffd"))
    return table


_PRINTABLE = _printable_table()


def printable(text: str) -> str:
    """Text safe to print on a terminal as (part of) one line: no control
    character, newline or escape sequence from a rulebook, a self-report or a
    file name can move the cursor, colour the screen or forge a line."""
    if text.isprintable():  # every character the table replaces is one Python counts as not printable
        return text
    return text.translate(_PRINTABLE)


def terminal_lines(lines: list[str]) -> str:
    """Lines for the terminal, each made printable, joined with newlines."""
    return "\n".join(printable(line) for line in lines) + "\n"


def paragraphs(text: str | None) -> list[str]:
    """Requirement text as written, re-flowed: the source's line breaks and
    indentation are layout, blank lines are paragraphs."""
    if not text:
        return []
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def join_and(items: list[str], lang: str) -> str:
    """The items as "a, b och c" ("a, b and c" in English); one item alone,
    none empty. CLDR's list pattern (formatting.format_list)."""
    from kokdsl.formatting import format_list

    return format_list(items, lang)


def count_words(n: int, lang: str) -> str:
    """A count in running text: "två" … "tolv" / "two" … "twelve" for 2 to 12,
    as Språkrådet prefers (and English style guides alike); other numbers,
    and every number in a table, as digits ("13", "6 500")."""
    from kokdsl.formatting import format_number
    from kokdsl.messages import message

    words = message("number.words", lang).split()
    return words[n - 2] if 2 <= n <= 12 else format_number(n, lang)


def ordinal_words(n: int, lang: str) -> str:
    """"första" … "tolfte" / "first" … "twelfth"; "13:e" / "13th" beyond."""
    from kokdsl.messages import message

    words = message("number.ordinals", lang).split()
    return words[n - 1] if 1 <= n <= 12 else message("number.ordinal", lang, n=n)
