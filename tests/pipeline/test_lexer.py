"""The parser's own LALR loop and root-first lexer (kokdsl/parser.py) against
lark's loop and contextual lexer: the same parse, diagnostics included, for
every book in the repository, every hostile case and random mutations of them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark.lexer import LexerThread
from lark.parsers.lalr_parser import _Parser as LalrParser

from kokdsl import parser
from kokdsl.parser import _lark, _root_first_lexer, keywords, parse

ROOT = Path(__file__).resolve().parents[2]
BOOKS = sorted(p for p in ROOT.rglob("*.kok") if ".venv" not in p.parts and "node_modules" not in p.parts)
# keyword spellings and punctuation: what makes the two lexers' choices differ
FRAGMENTS = sorted({w for forms in keywords().values() for ws in forms.values() for w in ws}
                   | {"(", ")", "{", "}", ":", ",", "-", "%", "\n", " ", '"', '"""', "#", "1.5", "2025-01-01", "1.2.3"})


def both(source: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """The parse with each lexer: the AST with every position, and the diagnostics."""
    fast = parse(source)
    with monkeypatch.context() as patched:
        patched.setattr(parser, "_run_lalr", lark_run)
        reference = parse(source)
    return shown(fast), shown(reference)


def lark_run(text: str, start: str, reducers: list) -> object:
    frontend = _lark().parser
    callbacks = parser._callbacks_by_rule(reducers)
    return LalrParser(frontend.parser._parse_table, callbacks).parse(LexerThread.from_text(frontend.lexer, text), start)


def shown(parsed: parser.Parsed) -> str:
    diagnostics = [(d.code, d.span, d.text("sv"), d.text("en")) for d in parsed.diagnostics]
    return repr((parsed.rulebook, diagnostics))


def test_the_books_parse_alike(monkeypatch):
    assert len(BOOKS) > 20
    for book in BOOKS:
        fast, reference = both(book.read_text(encoding="utf-8", errors="replace"), monkeypatch)
        assert fast == reference, book


def test_no_terminal_is_folded_or_has_a_callback():
    """What the root-first lexer's equivalence with lark's rests on."""
    root = _lark().parser.lexer.root_lexer
    assert len(root.scanner.terminals) == len(root.terminals)
    assert not root.callback and not root.user_callbacks


def test_the_root_first_lexer_is_in_use():
    parse((ROOT / "rulebooks/orebro/2025.kok").read_text(encoding="utf-8"))
    assert isinstance(_root_first_lexer(), parser._RootFirstLexer)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(book=st.sampled_from(BOOKS), cut=st.integers(0, 10**6), length=st.integers(0, 40),
       inserted=st.lists(st.sampled_from(FRAGMENTS), max_size=6).map(" ".join))
def test_mutated_books_parse_alike(monkeypatch, book, cut, length, inserted):
    source = book.read_text(encoding="utf-8", errors="replace")
    cut %= len(source) + 1
    fast, reference = both(source[:cut] + inserted + source[cut + length:], monkeypatch)
    assert fast == reference


def test_keyword_terminals_start_where_their_parse_says():
    """The quick reading of a keyword terminal's first characters agrees with the regex parse."""
    scanners = _root_first_lexer().scanners
    quick = [pattern for pattern in scanners.patterns if parser._KEYWORD_TERMINAL.fullmatch(pattern)]
    assert len(quick) > 70
    for pattern in quick:
        parsed, _ = parser._first_of(parser.re_parser.parse(pattern, scanners.flags))
        assert parser._first_characters(pattern, scanners.flags) == parsed, pattern
