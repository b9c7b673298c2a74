"""Stage 1: .kok source -> AST.

lark stays behind this module. Its parse tree is transformed into the attrs
AST of ast.py, and its exceptions are translated into Diagnostics that speak of
"a name" or "the keyword krav", never of terminals such as $END or __ANON_0.
After a syntax error the parser resynchronises at the next line that starts a
declaration, so one run reports every syntax error in the file.

One module, over 400 lines: it is the only place that knows lark, so that no
user ever sees a lark name; the tree-to-AST transformer and the syntax-error
wording both need lark's types.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import hashlib
import inspect
import io
import itertools
import os
import pickle
import re
import string
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from pathlib import Path
from re import _constants as re_constants  # noqa: PLC2701 - the first characters of a terminal
from re import _parser as re_parser  # noqa: PLC2701
from typing import Any

import attrs
import lark
from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import ContextualLexer, LexerState, LexerThread
from lark.parsers.lalr_analysis import Shift
from lark.parsers.lalr_interactive_parser import InteractiveParser
from lark.parsers.lalr_parser import _Parser as _LalrParser
from lark.parsers.lalr_parser_state import ParseConf, ParserState
from lark.utils import TextSlice

from kokdsl import ast
from kokdsl.collector import collector_paused
from kokdsl.diagnostics import ERROR, Diagnostic
from kokdsl.errors import KokError, KokSyntaxError
from kokdsl.resources import caching_enabled, data_dir
from kokdsl.values import MAX_NUMBER_CHARS, Duration, within_bounds

# Concepts that start a declaration; the error-recovery resynchronises on them.
ITEM_KEYWORDS = ("rulebook", "fact", "record", "chapter", "requirement", "plausibility")

MAX_SOURCE_BYTES = 5_000_000


@functools.cache
def keywords() -> dict[str, dict[str, list[str]]]:
    """The keyword table: concept -> {"sv": [...], "en": [...]}."""
    import yaml

    with open(data_dir("grammar") / "keywords.yaml", encoding="utf-8") as f:
        table: dict[str, dict[str, list[str]]] = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        return table


def is_keyword(word: str, concept: str) -> bool:
    """Whether `word` is a spelling of `concept`, asked of the parser's own
    terminal (so no keyword table has to be read)."""
    return _keyword_pattern(concept).fullmatch(word) is not None


@functools.cache
def _keyword_pattern(concept: str) -> re.Pattern[str]:
    return re.compile(_kit().terminal_patterns()[f"KW_{concept.upper()}"])


def canonical_keyword(concept: str, lang: str = "sv") -> str:
    """The first (preferred) spelling of a keyword concept in `lang`."""
    return keywords()[concept][lang][0]


def _keyword_terminals() -> str:
    lines = []
    for concept, spellings in keywords().items():
        words = sorted({w for ws in spellings.values() for w in ws}, key=lambda w: (-len(w), w))
        alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+").replace("/", r"\/") for w in words)
        # Priority 2 beats NAME where both a keyword and a name would fit; the
        # lookahead keeps 'krav' from matching the start of 'kravlista'.
        lines.append(f"KW_{concept.upper()}.2: /(?i:{alternatives})(?![\\w\\/])/")
    return "\n".join(lines)


def grammar_text() -> str:
    """The whole lark grammar: kok.lark and the keyword terminals generated from keywords.yaml."""
    base = (data_dir("grammar") / "kok.lark").read_text(encoding="utf-8")
    return base + "\n// generated from keywords.yaml\n" + _keyword_terminals() + "\n"


_LARK_OPTIONS = dict(parser="lalr", start=["start", "item_only"], propagate_positions=True, maybe_placeholders=False)


@functools.cache
def _lark() -> Lark:
    """lark's parser object: for syntax errors (which terminals the parser
    accepts where it stopped) and for building the tables. Parsing itself
    needs only the kit (_kit), stored with it."""
    stored = _stored_parser()
    if isinstance(stored.lark, Lark):
        return stored.lark
    return Lark.load(io.BytesIO(stored.lark))


@functools.cache
def _kit() -> _ParserKit:
    return _stored_parser().kit


class _Stored:
    """A parser as stored: the kit, and lark's own parser (still as bytes when loaded from a file)."""

    def __init__(self, kit: _ParserKit, parser: Lark | bytes):
        self.kit = kit
        self.lark = parser


@functools.cache
def _stored_parser() -> _Stored:
    """The parser, built once per process. Building the LALR tables takes about
    a second, so they ship with the package (grammar/parser-<digest>.lark,
    written by tests/regen_golden.py) and, for any other lark version, are kept
    in the user's cache folder. Both are keyed by the grammar files' bytes and
    lark's version: a hit needs neither the build nor the keyword table (nor
    the YAML library that reads it). A table that does not load is rebuilt.
    What a parse needs (_ParserKit: the table with its actions numbered, the
    terminals, what each state accepts) is stored beside lark's own object,
    which takes longer to load and is loaded only when a syntax error needs it.

    Why not lark's own `cache=` option? It keys the cache by the grammar text,
    and ours is generated from keywords.yaml: every start would read the YAML
    (and import PyYAML) just to find the cache, which is most of what a hit
    saves for `kok check`."""
    digest = _grammar_digest()
    cache = _parser_cache_file(digest) if caching_enabled() else None
    for table in (packaged_parser_table(digest), cache):
        if table is not None and table.exists():
            try:
                with open(table, "rb") as f:
                    stored = pickle.load(f)
                return _Stored(_ParserKit(**stored["kit"]), stored["lark"])
            except Exception:  # a stale or damaged table: try the next, or rebuild
                pass
    parser = build_parser()
    kit = _ParserKit.of(parser)
    if cache is not None:
        _save_parser(parser, kit, cache)
    return _Stored(kit, parser)


def build_parser() -> Lark:
    """The parser built from the grammar, without any stored table."""
    return Lark(grammar_text(), **_LARK_OPTIONS)


_STORED_FORMAT = b"kokdsl parser kit 1"  # in the digest: a table stored another way is never read as this one


def _grammar_digest() -> str:
    grammar = data_dir("grammar")
    digest = hashlib.sha256()
    for part in ((grammar / "kok.lark").read_bytes(), (grammar / "keywords.yaml").read_bytes(),
                 repr(sorted(_LARK_OPTIONS.items())).encode(), _STORED_FORMAT):
        digest.update(part + b"\0")
    return digest.hexdigest()[:24]


def _table_name(digest: str) -> str:
    return f"parser-{digest}-lark{lark.__version__}.lark"


def packaged_parser_table(digest: str | None = None) -> Path:
    """Where the parse table for this grammar and the installed lark ships."""
    return data_dir("grammar") / _table_name(digest or _grammar_digest())


def write_packaged_parser_table() -> Path:
    """Store the parse table with the grammar, replacing tables of an older
    grammar (for tests/regen_golden.py). A current table is kept as it is, so
    regenerating makes no diff."""
    path = packaged_parser_table()
    for old in data_dir("grammar").glob("parser-*.lark"):
        if old != path:
            old.unlink()
    if not path.exists():
        parser = build_parser()
        _save_parser(parser, _ParserKit.of(parser), path)
        path.chmod(0o644)
    return path


def _parser_cache_file(digest: str) -> Path | None:
    try:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kokdsl"
    except (RuntimeError, KeyError):  # no home directory: build the tables each time
        return None
    return folder / _table_name(digest)


def _save_parser(parser: Lark, kit: _ParserKit, path: Path) -> None:
    """Write the cache atomically in a folder only this user can write to; a
    cache that cannot be written is simply not used."""
    import tempfile

    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        saved = io.BytesIO()
        parser.save(saved)
        stored = {"kit": kit.stored(), "lark": saved.getvalue()}
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(stored, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass


# -- parse tree -> AST -------------------------------------------------------

_MODALITY = {"shall": "skall", "should": "bör"}
_STATUS = {"KW_IN_FORCE": ast.IN_FORCE, "KW_PROPOSAL": ast.PROPOSAL, "KW_EXAMPLE": ast.EXAMPLE}


def _value_type(kind: str, members: tuple[tuple[str, ast.DisplayName | None], ...],
                span: ast.Span) -> ast.TypeExpr:
    """`en av {…}` / `mängd av {…}`: the values, and their display names when
    any value has one (else none, so that a plain type stays plain)."""
    names = tuple(display for _, display in members)
    return ast.TypeExpr(kind, tuple(value for value, _ in members),
                        value_names=names if any(n is not None for n in names) else (), span=span)


def _unquote(token: str) -> str:
    # NFC again after the escapes are gone: `e\\́` (an escaped combining
    # mark) is the same text as `é`, so formatting twice changes nothing.
    return unicodedata.normalize("NFC", re.sub(r"\\(.)", r"\1", token[1:-1]))


def _text_block(token: str) -> str:
    """Strip the triple quotes and the indentation of the continuation lines
    (the text is indented under its requirement), like a Python docstring."""
    return inspect.cleandoc(token[3:-3]).strip()


def _modality_of(token: Token) -> str:
    return "skall" if token.type == "KW_SHALL" else "bör"


def _token_span(file: str, tok: Token, line_offset: int) -> ast.Span:
    """Where a token sits (lark gives every token it produces a position)."""
    line, end_line = (tok.line or 0) + line_offset, (tok.end_line or 0) + line_offset
    return ast.Span(file, line, tok.column or 0, end_line, tok.end_column or 0)


def _plain_type(kind: str) -> Callable[..., ast.TypeExpr]:
    """The transformer method for a type written as one keyword."""
    def build(self: _ToAst, meta: _Meta, *_: Token) -> ast.TypeExpr:
        return ast.TypeExpr(kind, span=self._span(meta))
    return build


class _ToAst:
    """One method per grammar rule (or alias), called by the parser as it
    reduces the rule, with the rule's positions and its children."""

    def __init__(self, file: str, line_offset: int = 0):
        self.file = file
        self.line_offset = line_offset

    def _span(self, meta: _Meta) -> ast.Span:
        if getattr(meta, "empty", False):
            return ast.NO_SPAN
        off = self.line_offset
        return ast.Span(self.file, meta.line + off, meta.column, meta.end_line + off, meta.end_column)

    def _tok_span(self, tok: Token) -> ast.Span:
        return _token_span(self.file, tok, self.line_offset)

    # rulebook structure
    def start(self, meta: _Meta, *items: ast.Item) -> tuple[ast.Item, ...]:
        return tuple(items)

    def item_only(self, meta: _Meta, item: ast.Item) -> ast.Item:
        return item

    def header(self, meta: _Meta, _kw: Token, name: Token, _kw2: Token, edition: Token,
               *rest: Token | tuple[str, Any]) -> ast.Header:
        valid_from = source = selection = None
        draft = False
        reconstruction = None
        for tok in rest:
            if isinstance(tok, tuple):
                if tok[0] == "selection":
                    selection = tok[1]
                elif tok[0] == "draft":
                    draft = tok[1]
                else:
                    reconstruction = tok[1]
            elif tok.type == "DATE":
                valid_from = _date(tok)
            elif tok.type == "STRING":
                source = _unquote(tok)
        return ast.Header(_unquote(name), _whole_number(edition), valid_from, source, selection, draft,
                          reconstruction, span=self._span(meta))

    def selection(self, meta: Any, _kw: Token, text: Token | None = None) -> tuple[str, str]:
        # "" for a bare `urval`, so that None can mean "no selection".
        return ("selection", _unquote(text) if text else "")

    def book_status(self, meta: Any, _kw: Token, value: Token) -> tuple[str, bool]:
        return ("draft", value.type == "KW_DRAFT")

    def reconstruction(self, meta: Any, _kw: Token, sv: Token, _kw2: Token | None = None,
                       en: Token | None = None) -> tuple[str, ast.Reconstruction]:
        return ("reconstruction", ast.Reconstruction(_unquote(sv), _unquote(en) if en else None))

    def fact_decl(self, meta: _Meta, _kw: Token, name: Token, type_: ast.TypeExpr, *rest: object) -> ast.FactDecl:
        input_only = any(part == "input_only" for part in rest)
        display = next((part for part in rest if isinstance(part, ast.DisplayName)), None)
        doc, doc_en = next((part for part in rest if isinstance(part, tuple)), (None, None))
        return ast.FactDecl(str(name), type_, doc, input_only, display, doc_en, span=self._span(meta))

    def description(self, meta: Any, sv: Token, _kw_en: Token | None = None,
                    en: Token | None = None) -> tuple[str, str | None]:
        return _unquote(sv), _unquote(en) if en else None

    def display_name(self, meta: Any, _kw: Token, sv: Token, *rest: object) -> ast.DisplayName:
        # rest: [singular] [KW_IN_ENGLISH en [singular]]
        english = next((i for i, part in enumerate(rest) if isinstance(part, Token) and part.type == "KW_IN_ENGLISH"),
                       len(rest))
        before, after = rest[:english], rest[english + 1:]
        en = next((part for part in after if isinstance(part, Token)), None)

        def singular(parts: tuple[object, ...]) -> str | None:
            return next((part.value for part in parts if isinstance(part, _Singular)), None)
        return ast.DisplayName(_unquote(sv), _unquote(en) if en else None, singular(before), singular(after),
                               span=self._span(meta))

    def singular(self, meta: Any, _kw: Token, word: Token) -> _Singular:
        return _Singular(_unquote(word))

    def input_only(self, meta: _Meta, _kw: Token) -> str:
        return "input_only"

    def record_decl(self, meta: _Meta, _kw: Token, name: Token, *rest: object) -> ast.RecordDecl:
        display = next((part for part in rest if isinstance(part, ast.DisplayName)), None)
        fields = tuple(part for part in rest if isinstance(part, ast.FieldDecl))
        return ast.RecordDecl(str(name), fields, display, span=self._span(meta))

    def field_decl(self, meta: _Meta, name: Token, type_: ast.TypeExpr, *rest: object) -> ast.FieldDecl:
        display = next((part for part in rest if isinstance(part, ast.DisplayName)), None)
        doc, doc_en = next((part for part in rest if isinstance(part, tuple)), (None, None))
        return ast.FieldDecl(str(name), type_, doc, display, doc_en, span=self._span(meta))

    def chapter(self, meta: _Meta, _kw: Token, title: Token, text: Token | None = None) -> ast.Chapter:
        return ast.Chapter(_unquote(title), _text_block(text) if text else None, span=self._span(meta))

    def review(self, meta: Any, _kw: Token, text: Token) -> ast.Review:
        return ast.Review(_text_block(text), span=self._span(meta))

    def review_en(self, meta: Any, _kw: Token, text: Token) -> ast.LetterSetting:
        return self._setting("review_en", meta, (_text_block(text),))

    def _setting(self, kind: str, meta: Any, values: tuple[str, ...]) -> ast.LetterSetting:
        return ast.LetterSetting(kind, values, span=self._span(meta))

    def doc_title(self, meta: Any, _kw: Token, title: Token) -> ast.LetterSetting:
        return self._setting("doc_title", meta, (_unquote(title),))

    def doc_title_en(self, meta: Any, _kw: Token, title: Token) -> ast.LetterSetting:
        return self._setting("doc_title_en", meta, (_unquote(title),))

    def sender(self, meta: Any, _kw: Token, region: Token, unit: Token, place: Token) -> ast.LetterSetting:
        return self._setting("sender", meta, (_unquote(region), _unquote(unit), _unquote(place)))

    def sender_en(self, meta: Any, _kw: Token, region: Token, unit: Token) -> ast.LetterSetting:
        return self._setting("sender_en", meta, (_unquote(region), _unquote(unit)))

    def supplement_contact(self, meta: Any, _kw: Token, text: Token) -> ast.LetterSetting:
        return self._setting("supplement_contact", meta, (_text_block(text),))

    def supplement_contact_en(self, meta: Any, _kw: Token, text: Token) -> ast.LetterSetting:
        return self._setting("supplement_contact_en", meta, (_text_block(text),))

    def signed_as(self, meta: Any, _kw: Token, name: Token) -> ast.LetterSetting:
        return self._setting("signed_as", meta, (str(name),))

    def ground(self, meta: Any, _kw: Token, text: Token) -> tuple[str, str]:
        return ("ground", _text_block(text))

    def ground_en(self, meta: Any, _kw: Token, text: Token) -> tuple[str, str]:
        return ("ground_en", _text_block(text))

    def title_en(self, meta: Any, _kw: Token, title: Token) -> tuple[str, str]:
        return ("title_en", _unquote(title))

    def text_en(self, meta: Any, _kw: Token, text: Token) -> tuple[str, str]:
        return ("text_en", _text_block(text))

    def requirement(self, meta: _Meta, _kw: Token, req_id: Token, title: Token, modality: str,
                    *rest: Any) -> ast.Requirement:
        # Point diagnostics about the requirement (a duplicate id) at its number.
        clauses: dict[str, Any] = {"sources": []}
        text = condition = None
        topic_span = ast.NO_SPAN
        silenced = []
        for part in rest[:-1]:
            if isinstance(part, Token):
                text = _text_block(part)
            elif part[0] == "topic":
                clauses["topic"], topic_span = part[1], part[2]
            elif part[0] == "source":
                clauses["sources"].append(part[1])
            elif part[0] == "applies":
                condition = part[1]
            elif part[0] == "silence":
                silenced.append(part[1])
            else:  # status, valid_from, valid_to
                clauses[part[0]] = part[1]
        clauses["sources"] = tuple(clauses["sources"])
        return ast.Requirement(
            id=str(req_id), title=_unquote(title), modality=modality, text=text,
            condition=condition, check=rest[-1], **clauses, silenced=tuple(silenced), span=self._span(meta),
            id_span=self._tok_span(req_id), topic_span=topic_span,
        )

    def plausibility(self, meta: _Meta, _kw: Token, sentence: Token, *rest: Any) -> ast.Plausibility:
        english = _unquote(rest[1]) if len(rest) == 3 else None
        return ast.Plausibility(_unquote(sentence), english, rest[-1], span=self._span(meta))

    def modality(self, meta: _Meta, tok: Token) -> str:
        return _modality_of(tok)

    def topic(self, meta: _Meta, _kw: Token, name: Token) -> tuple[str, str, ast.Span]:
        return ("topic", str(name), self._tok_span(name))

    def status(self, meta: Any, _kw: Token, value: Token) -> tuple[str, str]:
        return ("status", _STATUS[value.type])

    def source(self, meta: Any, _kw: Token, text: Token, _kw_dated: Token | None = None,
               date: Token | None = None) -> tuple[str, ast.Source]:
        return ("source", ast.Source(_unquote(text), _date(date) if date else None, span=self._span(meta)))

    def valid_from(self, meta: Any, _kw: Token, date: Token) -> tuple[str, datetime.date]:
        return ("valid_from", _date(date))

    def valid_to(self, meta: Any, _kw: Token, date: Token) -> tuple[str, datetime.date]:
        return ("valid_to", _date(date))

    def silence(self, meta: _Meta, _kw: Token, code: Token, reason: Token) -> tuple[str, ast.Silence]:
        return ("silence", ast.Silence(str(code), _unquote(reason), span=self._span(meta)))

    def applies(self, meta: _Meta, _kw: Token, expr: ast.Expr) -> tuple[str, ast.Expr]:
        return ("applies", expr)

    # types: the kinds written by one keyword alone
    t_bool = _plain_type("bool")
    t_integer = _plain_type("integer")
    t_decimal = _plain_type("decimal")
    t_percent = _plain_type("percent")
    t_text = _plain_type("text")
    t_date = _plain_type("date")
    t_schedule = _plain_type("schedule")

    def t_enum(self, meta: _Meta, _kw: Token, members: tuple[tuple[str, ast.DisplayName | None], ...]) -> ast.TypeExpr:
        return _value_type("enum", members, self._span(meta))

    def t_set(self, meta: _Meta, _kw: Token, members: tuple[tuple[str, ast.DisplayName | None], ...]) -> ast.TypeExpr:
        return _value_type("set", members, self._span(meta))

    def t_list(self, meta: _Meta, _kw: Token, record: Token) -> ast.TypeExpr:
        return ast.TypeExpr("list", record=str(record), span=self._span(meta))

    def name_list(self, meta: _Meta, *names: Token) -> tuple[str, ...]:
        return tuple(str(n) for n in names)

    def value_list(self, meta: _Meta, *members: tuple[str, ast.DisplayName | None]) -> tuple[
            tuple[str, ast.DisplayName | None], ...]:
        return members

    def value_decl(self, meta: _Meta, name: Token, display: ast.DisplayName | None = None) -> tuple[
            str, ast.DisplayName | None]:
        return (str(name), display)

    # expressions
    def quantifier(self, meta: _Meta, kind: str, var: Token, _kw_in: Token, collection: ast.Expr,
                   body: ast.Expr) -> ast.Quantifier:
        return ast.Quantifier(kind, str(var), collection, body, span=self._span(meta))

    def quant_kind(self, meta: _Meta, tok: Token) -> str:
        return {"KW_ALL": "all", "KW_SOME": "some", "KW_NONE": "none"}[tok.type]

    def if_else(self, meta: _Meta, then: ast.Expr, _kw_if: Token, cond: ast.Expr, _kw_else: Token,
                otherwise: ast.Expr) -> ast.IfElse:
        return ast.IfElse(then, cond, otherwise, span=self._span(meta))

    def or_op(self, meta: _Meta, left: ast.Expr, _kw: Token, right: ast.Expr) -> ast.Logic:
        return ast.Logic("or", left, right, span=self._span(meta))

    def and_op(self, meta: _Meta, left: ast.Expr, _kw: Token, right: ast.Expr) -> ast.Logic:
        return ast.Logic("and", left, right, span=self._span(meta))

    def not_op(self, meta: _Meta, _kw: Token, operand: ast.Expr) -> ast.Not:
        return ast.Not(operand, span=self._span(meta))

    def compare(self, meta: _Meta, left: ast.Expr, op: Token, right: ast.Expr) -> ast.Compare:
        return ast.Compare(str(op), left, right, span=self._span(meta))

    def covers(self, meta: _Meta, left: ast.Expr, _kw: Token, right: ast.Expr) -> ast.Covers:
        return ast.Covers(left, right, span=self._span(meta))

    def member(self, meta: _Meta, element: ast.Expr, _kw: Token, collection: ast.Expr) -> ast.Member:
        return ast.Member(element, collection, False, span=self._span(meta))

    def not_member(self, meta: _Meta, element: ast.Expr, _kw: Token, collection: ast.Expr) -> ast.Member:
        return ast.Member(element, collection, True, span=self._span(meta))

    def arith(self, meta: _Meta, left: ast.Expr, op: Token, right: ast.Expr) -> ast.Arith:
        return ast.Arith(_ARITH_OPS.get(op.type, str(op)), left, right, span=self._span(meta))

    def field(self, meta: _Meta, subject: ast.Expr, name: Token) -> ast.Field:
        return ast.Field(subject, str(name), span=self._span(meta))

    def int_lit(self, meta: _Meta, tok: Token) -> ast.Literal:
        return ast.Literal("integer", _whole_number(tok), span=self._span(meta))

    def decimal_lit(self, meta: _Meta, tok: Token) -> ast.Literal:
        return ast.Literal("decimal", _decimal_number(tok), span=self._span(meta))

    def percent_lit(self, meta: _Meta, tok: Token) -> ast.Literal:
        return ast.Literal("percent", _decimal_number(tok) / 100, span=self._span(meta))

    def duration_lit(self, meta: Any, amount: Token, unit: str) -> ast.Literal:
        return ast.Literal("duration", Duration.of(_whole_number(amount), unit), span=self._span(meta))

    def duration_unit(self, meta: Any, tok: Token) -> str:
        return tok.type[3:].lower()  # KW_MONTHS -> months

    def assessment_date(self, meta: Any, _tok: Token) -> ast.AssessmentDate:
        return ast.AssessmentDate(span=self._span(meta))

    def set_lit(self, meta: Any, values: tuple[str, ...]) -> ast.SetLiteral:
        return ast.SetLiteral(values, span=self._span(meta))

    def between(self, meta: Any, operand: ast.Expr, _kw: Token, low: ast.Expr, _kw2: Token,
                high: ast.Expr) -> ast.Between:
        return ast.Between(operand, low, high, span=self._span(meta))

    def at_least(self, meta: Any, _kw: Token, count: ast.Expr, _kw_of: Token, candidates: ast.Expr, _kw_in: Token,
                 collection: ast.Expr) -> ast.AtLeast:
        return ast.AtLeast(count, candidates, collection, span=self._span(meta))

    def text_lit(self, meta: _Meta, tok: Token) -> ast.Literal:
        return ast.Literal("text", _unquote(tok), span=self._span(meta))

    def date_lit(self, meta: _Meta, tok: Token) -> ast.Literal:
        return ast.Literal("date", _date(tok), span=self._span(meta))

    def true_lit(self, meta: _Meta, _tok: Token) -> ast.Literal:
        return ast.Literal("bool", True, span=self._span(meta))

    def false_lit(self, meta: _Meta, _tok: Token) -> ast.Literal:
        return ast.Literal("bool", False, span=self._span(meta))

    def around_the_clock(self, meta: _Meta, _tok: Token) -> ast.AroundTheClock:
        return ast.AroundTheClock(span=self._span(meta))

    def name(self, meta: _Meta, tok: Token) -> ast.Name:
        return ast.Name(str(tok), span=self._span(meta))

    def count(self, meta: _Meta, _kw: Token, collection: ast.Expr) -> ast.Count:
        return ast.Count(collection, span=self._span(meta))

    def count_where(self, meta: _Meta, _kw: Token, var: Token, _kw_in: Token, collection: ast.Expr,
                    condition: ast.Expr) -> ast.Count:
        return ast.Count(collection, str(var), condition, span=self._span(meta))

    def sum_of(self, meta: _Meta, _kw: Token, var: Token, _kw_in: Token, collection: ast.Expr,
               body: ast.Expr) -> ast.Sum:
        return ast.Sum(str(var), collection, body, span=self._span(meta))

    def hours(self, meta: _Meta, _kw: Token, operand: ast.Expr) -> ast.Hours:
        return ast.Hours(operand, span=self._span(meta))


_ARITH_OPS = {"KW_EXCEPT": "except", "KW_INTERSECT": "intersect"}


class _BadDate(KokError):
    def __init__(self, token: Token):
        super().__init__()
        self.token = token


class _BadNumber(KokError):
    def __init__(self, token: Token):
        super().__init__()
        self.token = token


def _whole_number(tok: Token) -> int:
    return int(_decimal_number(tok))


def _decimal_number(tok: Token) -> Fraction:
    """A number literal within the documented bound (values.MAX_MAGNITUDE),
    measured before it is converted: Python will not convert 4,301 digits."""
    text = str(tok).replace(",", ".")  # the decimal comma
    if len(text) > MAX_NUMBER_CHARS:
        raise _BadNumber(tok)
    value = Fraction(text)
    if not within_bounds(value):
        raise _BadNumber(tok)
    return value


def _date(tok: Token) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(tok))
    except ValueError:
        raise _BadDate(tok) from None


# -- syntax errors in words --------------------------------------------------

# What a terminal is, in words. Keywords are described by their spelling.
_TERMINAL_WORDS = {
    "NAME": "term.name",
    "STRING": "term.string",
    "TEXT_BLOCK": "term.text_block",
    "INT": "term.int",
    "DECIMAL": "term.decimal",
    "DATE": "term.date",
    "REQ_ID": "term.req_id",
    "COMP_OP": "term.comp_op",
    "$END": "term.end",
}

_ITEM_STARTS = {f"KW_{c.upper()}" for c in ITEM_KEYWORDS}
# Terminals that can continue an expression after an operand.
_OPERATORS = {"KW_AND", "KW_OR", "KW_COVERS", "KW_IN", "KW_NOT_IN", "KW_IF", "KW_ELSE", "COMP_OP",
              "KW_EXCEPT", "KW_INTERSECT",
              "PLUS", "MINUS", "TIMES", "DIVIDE", "DOT", "PERCENT"}
# Characters people type from other languages, and what the KoK language says.
_CHAR_HINTS = {"&": "och", "|": "eller", "!": "inte", "≥": ">=", "≤": "<=", "≠": "!=", "'": '"',
               "“": '"', "”": '"', "==": "="}


def _describe_expected(expected: set[str], lang: str) -> str:
    from kokdsl.messages import join_alternatives, message

    expected = {e for e in expected if not e.startswith("__")} or expected
    words = []
    if {"NAME", "INT"} <= expected:
        words.append(message("term.expression", lang))
        expected = {e for e in expected if e not in _expression_terminals()}
    if len(expected & _OPERATORS) >= 4:
        words.append(message("term.operator", lang))
        expected -= _OPERATORS
    if _ITEM_STARTS <= expected:
        words.append(message("term.declaration", lang))
        expected -= _ITEM_STARTS
    for name in sorted(expected, key=_expected_order):
        words.append(_describe_terminal(name, lang))
    return join_alternatives(words, lang)


def _expected_order(name: str) -> tuple[bool, bool, str]:
    return (name.startswith("KW_") is False, name == "$END", name)


@functools.cache
def _expression_terminals() -> frozenset[str]:
    return frozenset({
        "NAME", "INT", "DECIMAL", "STRING", "DATE", "LPAR", "MINUS", "KW_NOT", "KW_COUNT", "KW_SUM",
        "KW_HOURS", "KW_ASSESSMENT_DATE", "KW_AT_LEAST", "LBRACE",
        "KW_TRUE", "KW_FALSE", "KW_AROUND_THE_CLOCK", "KW_ALL", "KW_SOME", "KW_NONE",
    })


def _describe_terminal(name: str, lang: str) -> str:
    from kokdsl.messages import message

    if name in _TERMINAL_WORDS:
        return message(_TERMINAL_WORDS[name], lang)
    if name.startswith("KW_"):
        concept = name[3:].lower()
        return f"\u201c{canonical_keyword(concept, lang)}\u201d"
    pattern = _lark().get_terminal(name).pattern
    if pattern.type == "str":
        return f"\u201c{pattern.value}\u201d"
    return name.lower()


def _describe_token(token: Token, lang: str) -> str:
    from kokdsl.messages import message

    if token.type == "$END":
        return message("term.end", lang)
    if token.type.startswith("KW_"):
        return message("found.keyword", lang, text=str(token))
    # A 1 MB text where none belongs is named by its start.
    return message("found.token", lang, text=_shortened(str(token)))


def _shortened(text: str) -> str:
    return text if len(text) <= 40 else text[:39] + "…"


def _keyword_suggestion(word: str) -> str | None:
    spellings = {w for forms in keywords().values() for ws in forms.values() for w in ws if " " not in w}
    match = difflib.get_close_matches(word.lower(), sorted(spellings), n=1, cutoff=0.75)
    return match[0] if match else None


class Parsed:
    """The result of parsing one source: an AST (possibly partial) and diagnostics."""

    def __init__(self, rulebook: ast.Rulebook, diagnostics: list[Diagnostic], source: str):
        self.rulebook = rulebook
        self.diagnostics = diagnostics
        self.source = source


def normalise_source(source: str) -> str:
    """Source text as the parser reads it: LF line ends, no byte-order mark,
    and NFC, so that 'ä' typed as a + combining diaeresis is the same identifier."""
    return unicodedata.normalize("NFC", source.replace("\r\n", "\n").lstrip("\ufeff"))


def parse(source: str, file: str = "<string>", kept: dict[tuple[int, str], ast.Item] | None = None) -> Parsed:
    """Parse a whole rulebook. Never raises on bad input: syntax errors come back
    as diagnostics, with the declarations that did parse still in the AST.

    kept: declarations parsed before, by (line offset, text), for an editor
    that parses the same book again after each edit (the language server).
    Only the declarations not found there are parsed, and the dict is left
    holding this source's. A book with any syntax error is parsed whole."""
    with collector_paused():
        source = normalise_source(source)
        if kept is not None:
            items = _parse_declarations(source, file, kept)
            if items is not None:
                return Parsed(ast.Rulebook(items, file), [], source)
        return _parse(source, file)


def _parse_declarations(source: str, file: str, kept: dict[tuple[int, str], ast.Item]) -> tuple[ast.Item, ...] | None:
    """The book's declarations one by one, each taken from `kept` when its text
    and place are unchanged; None on a syntax error (or text that is not one
    declaration per chunk), for the whole-book parse to report."""
    items = []
    now: dict[tuple[int, str], ast.Item] = {}
    for line_offset, chunk in _declaration_chunks(source):
        if not chunk.strip() or _only_comments(chunk):
            continue
        key = (line_offset, chunk)
        item = kept.get(key)
        if item is None:
            try:
                item = _parse_items(chunk, file, "item_only", line_offset)
            except _SyntaxProblem:
                return None
        now[key] = item
        items.append(item)
    kept.clear()
    kept.update(now)
    return tuple(items)


def _parse(source: str, file: str) -> Parsed:
    try:
        items = _parse_items(source, file, "start", 0)
        return Parsed(ast.Rulebook(items, file), [], source)
    except _SyntaxProblem:
        pass
    # Slow path: parse declaration by declaration to report every error.
    items, diagnostics = [], []
    for line_offset, chunk in _declaration_chunks(source):
        item, diag = _parse_chunk(chunk, file, line_offset)
        if item is not None:
            items.append(item)
        if diag is not None:
            diagnostics.append(diag)
    return Parsed(ast.Rulebook(tuple(items), file), diagnostics, source)


class _SyntaxProblem(KokError):
    """One syntax error, raised while parsing a chunk (its .diagnostic)."""


def _parse_items(text: str, file: str, start: str, line_offset: int) -> Any:  # the start rule's value
    try:
        return _build_ast(text, start, _ToAst(file, line_offset))
    except UnexpectedInput as exc:
        raise _SyntaxProblem(_syntax_diagnostic(exc, text, file, line_offset, start == "item_only")) from None
    except (_TooDeep, RecursionError):
        span = ast.Span(file, line_offset + 1, 1, line_offset + 1, 1)
        raise _SyntaxProblem(Diagnostic(ERROR, "syntax.too_deep", {}, span=span)) from None
    except _BadNumber as exc:
        span = _token_span(file, exc.token, line_offset)
        raise _SyntaxProblem(Diagnostic(ERROR, "syntax.number_out_of_range",
                                        {"text": _shortened(str(exc.token)), "limit": "10^15"}, span=span)) from None
    except _BadDate as exc:
        span = _token_span(file, exc.token, line_offset)
        raise _SyntaxProblem(Diagnostic(ERROR, "syntax.bad_date", {"text": str(exc.token)}, span=span)) from None


# -- the AST built while parsing ----------------------------------------------------------
#
# lark's usual way builds a parse tree (a Tree and a Meta per rule, positions
# propagated up the tree) and then walks it again with the transformer. For a
# 2,000-requirement book that was two thirds of parse + compile. Here the
# LALR parser calls _ToAst's methods as it reduces each rule, so no Tree is
# built and nothing is walked twice. Each value carries where its text starts
# and ends (what propagate_positions computed) in a _Built.

MAX_DEPTH = 300  # nested expression levels; beyond, the later stages' recursion would not hold


class _TooDeep(KokError):
    """An expression nested deeper than MAX_DEPTH."""


class _Built:
    """A value the parser built, with the positions of its text (a Meta for
    the transformer) and how deeply it nests. `container` is where the text
    that produced it ends and starts, parentheses included."""

    __slots__ = ("value", "line", "column", "end_line", "end_column", "depth")

    def __init__(self, value: Any, first: Any, last: Any, depth: int):
        self.value = value
        self.depth = depth
        if first is None:
            self.line = 0
            self.column = self.end_line = self.end_column = 0
        else:
            self.line, self.column = first.line, first.column
            self.end_line, self.end_column = last.end_line, last.end_column


@attrs.frozen
class _Singular:
    """`ental "vårdsamordnaren"` inside a display name, until display_name takes it."""

    value: str


class _Splice(list[Any]):
    """The children of a rule lark inlines into its parent (`item*`, `("," NAME)*`),
    with the positions of their text."""

    first: Any = None
    last: Any = None
    depth = 0


class _Meta:
    """The positions a transformer method is given, as lark's Meta has them."""

    __slots__ = ("line", "column", "end_line", "end_column", "empty")

    def __init__(self, first: Any, last: Any):
        self.empty = first is None
        if first is not None:
            self.line, self.column = first.line, first.column
            self.end_line, self.end_column = last.end_line, last.end_column


def _first(children: Iterable[Any]) -> Any:
    """The first child with a position: a Token, a _Built that took text, or a splice's first."""
    for child in children:
        if type(child) is _Splice:
            if child.first is not None:
                return child.first
        elif child is not None and (type(child) is not _Built or child.line):
            return child
    return None


def _last(children: list[Any]) -> Any:
    for child in reversed(children):
        if type(child) is _Splice:
            if child.last is not None:
                return child.last
        elif child is not None and (type(child) is not _Built or child.line):
            return child
    return None


def _value(child: Any) -> Any:
    return child.value if type(child) is _Built else child


def _rule_plan(parser: Lark, rules: list[Any]) -> list[tuple[str, bool, tuple[tuple[int, bool], ...] | None]]:
    """Per rule: the transformer method it calls, whether a single child
    passes through (`?rule`), and which children are kept (index, inlined?),
    as lark's tree builder would decide for this grammar (LALR, no
    placeholders): None keeps them all."""
    plan = []
    for rule in rules:
        expansion = rule.expansion
        keep_all = rule.options.keep_all_tokens
        include = tuple((i, not sym.is_term and sym.name.startswith("_")) for i, sym in enumerate(expansion)
                        if keep_all or not (sym.is_term and getattr(sym, "filter_out", False)))
        kept = None if len(include) == len(expansion) and not any(inline for _, inline in include) else include
        name = rule.alias or rule.options.template_source or rule.origin.name
        plan.append((name, bool(rule.options.expand1 and not rule.alias), kept))
    return plan


def _callbacks(transformer: _ToAst) -> list[Callable[[list[Any]], Any]]:
    """The reduction of each numbered rule (_ParserKit) for this transformer."""
    callbacks: list[Callable[[list[Any]], Any]] = []
    for (name, pass_single, kept), size in zip(_kit().plan, _kit().sizes, strict=True):
        method = getattr(transformer, name, None)
        if method is None and not (pass_single or name.startswith("_")):
            raise AssertionError(f"the grammar rule {name} has no method in _ToAst")
        if pass_single and kept is None and size == 1:
            callbacks.append(_only_child)  # a precedence level (?sum: product): half of all reductions
        else:
            callbacks.append(_callback(method, pass_single, kept))
    return callbacks


def _callbacks_by_rule(callbacks: list[Callable[[list[Any]], Any]]) -> dict[Any, Callable[[list[Any]], Any]]:
    """The same reductions keyed by lark's Rule objects, as lark's own parser takes them."""
    return dict(zip(_numbered_rules(_lark().parser.parser._parse_table), callbacks, strict=True))


def _only_child(children: list[Any]) -> Any:
    return children[0]


def _callback(method: Callable[..., Any] | None, pass_single: bool,
              kept: tuple[tuple[int, bool], ...] | None) -> Callable[[list[Any]], Any]:
    def reduce(children: list[Any]) -> Any:
        first, last = _first(children), _last(children)
        shown, depth = _kept(children, kept)
        if pass_single and len(shown) == 1:
            single = shown[0]
            if type(single) is _Built and first is not None:  # `( expr )`: its container grows
                return _widened(single, first, last)
            return single
        if method is None:  # a rule lark inlines into its parent
            splice = shown if type(shown) is _Splice else _Splice(shown)
            splice.first = splice.first or first
            splice.last, splice.depth = last, depth
            return splice
        depth += 1
        if depth > MAX_DEPTH:
            raise _TooDeep()
        return _Built(method(_Meta(first, last), *[_value(c) for c in shown]), first, last, depth)
    return reduce


def _kept(children: list[Any], kept: tuple[tuple[int, bool], ...] | None) -> tuple[list[Any], int]:
    """The children a rule's method is given, inlined rules' children spliced
    in, and the deepest of them. A left-recursive list (`item*`) grows the
    splice it already has in place, so a list of n items costs n, not n²."""
    if kept is None:
        deepest = 0
        for child in children:
            if (type(child) is _Built or type(child) is _Splice) and child.depth > deepest:
                deepest = child.depth
        return children, deepest
    shown: list[Any] | None = None
    depth = 0
    for index, inline in kept:
        child = children[index]
        if type(child) is _Built or type(child) is _Splice:
            depth = max(depth, child.depth)
        if inline and shown is None:
            shown = child
        elif inline:
            shown += child
        elif shown is None:
            shown = [child]
        else:
            shown.append(child)
    return shown if shown is not None else [], depth


def _widened(built: _Built, first: Any, last: Any) -> _Built:
    """The same value, its text now reaching from `first` to `last` (lark's container positions)."""
    same = first is built and last is built
    return built if same else _Built(built.value, first, last, built.depth)


def _build_ast(text: str, start: str, transformer: _ToAst) -> Any:
    return _value(_run_lalr(text, start, _callbacks(transformer)))


# -- the LALR loop ------------------------------------------------------------------------
#
# lark's own loop (ParserState.feed_token) looks each reduction's callback up by
# its Rule object, whose hash and equality are Python methods, and is called
# once per token. This is the same loop over lark's table with the actions
# numbered: a shift is the state to go to (>= 0), a reduction ~rule. On a
# syntax error the stacks are handed to lark's InteractiveParser, so the error
# says what lark's would (which terminals the parser accepts there).


def _numbered_rules(table: Any) -> list[Any]:
    """lark's rules in the order their reductions first appear in the table: their numbers in the kit."""
    rules: dict[Any, None] = {}
    for actions in table.states.values():
        for action, arg in actions.values():
            if action is not Shift:
                rules.setdefault(arg)
    return list(rules)


class _ParserKit:
    """What parsing needs of lark's parser, as plain data (stored with it):
    the LALR table with its actions numbered (a shift is the state to go to,
    >= 0; a reduction ~rule), each rule's size, left side and plan
    (_rule_plan), the start and end states, the root lexer's terminals in
    its order, and the terminals each state accepts."""

    def __init__(self, actions: dict[int, dict[str, int]], sizes: list[int], origins: list[str],
                 plan: list[tuple[str, bool, tuple[tuple[int, bool], ...] | None]],
                 start_states: dict[str, int], end_states: dict[str, int], terminals: list[tuple[str, str]],
                 flags: int, ignore: frozenset[str], newline: frozenset[str], accepts: dict[int, frozenset[str]]):
        self.actions, self.sizes, self.origins, self.plan = actions, sizes, origins, plan
        self.start_states, self.end_states = start_states, end_states
        self.terminals, self.flags, self.ignore, self.newline = terminals, flags, ignore, newline
        self.accepts = accepts

    @classmethod
    def of(cls, parser: Lark) -> _ParserKit:
        table = parser.parser.parser._parse_table
        rules = _numbered_rules(table)
        number = {rule: i for i, rule in enumerate(rules)}
        actions = {state: {symbol: arg if action is Shift else ~number[arg] for symbol, (action, arg) in row.items()}
                   for state, row in table.states.items()}
        contextual = parser.parser.lexer
        root = contextual.root_lexer
        return cls(actions, [len(rule.expansion) for rule in rules], [rule.origin.name for rule in rules],
                   _rule_plan(parser, rules), dict(table.start_states), dict(table.end_states),
                   [(t.name, t.pattern.to_regexp()) for t in root.terminals], root.g_regex_flags,
                   frozenset(root.ignore_types), frozenset(root.newline_types),
                   {state: frozenset(t.name for t in lexer.terminals) for state, lexer in contextual.lexers.items()})

    def stored(self) -> dict[str, Any]:
        return dict(vars(self))

    def terminal_patterns(self) -> dict[str, str]:
        return dict(self.terminals)


class _Position:
    """What lark's lexers ask of the parser: the state it is in."""

    __slots__ = ("stack",)

    def __init__(self, stack: list[int]):
        self.stack = stack

    @property
    def position(self) -> int:
        return self.stack[-1]


def _run_lalr(text: str, start: str, reducers: list[Callable[[list[Any]], Any]]) -> Any:
    """The start rule's value: reduce as the table says before each token, then shift it."""
    table = _kit()
    actions, sizes, origins = table.actions, table.sizes, table.origins
    end_state = table.end_states[start]
    states: list[int] = [table.start_states[start]]
    values: list[Any] = []
    lexer_state = LexerState(TextSlice.cast_from(text))
    position = _Position(states)
    last = None
    try:
        for token in itertools.chain(_root_first_lexer().lex(lexer_state, position), (None,)):
            if token is None:  # the end of the text, where the start rule is reduced
                token = Token.new_borrow_pos("$END", "", last) if last else Token("$END", "", 0, 1, 1)
            kind = token.type
            while True:
                row = actions[states[-1]]
                action = row.get(kind)
                if action is None:
                    expected = {symbol for symbol in row if symbol.isupper()}
                    raise UnexpectedToken(token, expected, state=position)  # type: ignore[no-untyped-call]
                if action >= 0:
                    states.append(action)
                    values.append(token)
                    break
                rule = ~action
                size = sizes[rule]
                if size:
                    children = values[-size:]
                    del states[-size:]
                    del values[-size:]
                else:
                    children = []
                values.append(reducers[rule](children))
                state = actions[states[-1]][origins[rule]]
                states.append(state)
                if state == end_state and kind == "$END":
                    return values[-1]
            last = token
    except UnexpectedInput as error:  # lark's loop hands its state over the same way
        lark_table = _lark().parser.parser._parse_table
        callbacks = _callbacks_by_rule(reducers)
        conf = ParseConf(lark_table, callbacks, start)
        thread = LexerThread(_lark().parser.lexer, lexer_state)
        error.interactive_parser = InteractiveParser(_LalrParser(lark_table, callbacks),
                                                     ParserState(conf, thread, states, values), thread)
        raise
    raise AssertionError("the parse table never reduced the start rule")


# -- the lexer ------------------------------------------------------------------------------
#
# lark's contextual lexer keeps one scanner per set of terminals a parser state
# accepts, each a master regex of those terminals compiled when the state is
# first reached. The Örebro book reaches 49 of them; compiling their keyword
# alternations was half of `kok check` (2.5 ms each). This lexer first tries the
# one scanner of all terminals (lark's root lexer, compiled once) and keeps its
# token when the state accepts that terminal; only otherwise does it ask the
# state's own scanner. Both give the same token: a state's scanner is the root
# scanner's alternation with the terminals it does not accept left out, in the
# same order, and a regex alternation yields its first alternative that
# matches. That holds while no terminal has a callback and no string terminal
# is folded into a regex one (lark's "unless"): tests/pipeline/test_lexer.py
# checks both, and holds the two lexers to the same parse.


# lark's Token without the wrapper that checks for a deprecated keyword argument (a tenth of the lexer's time)
_TOKEN: Callable[..., Token] = getattr(Token, "_future_new", Token)


class _RootFirstLexer:
    def __init__(self, kit: _ParserKit):
        self.ignore = kit.ignore
        self.newline = kit.newline
        self.accepts = kit.accepts
        self.scanners = _ScannersByFirstCharacter(kit.terminals, kit.flags)

    @property
    def contextual(self) -> ContextualLexer:
        """lark's lexer, to say what went wrong where no terminal fits."""
        lexer = _lark().parser.lexer
        assert isinstance(lexer, ContextualLexer)
        return lexer

    def lex(self, lexer_state: LexerState, parser_state: _Position) -> Iterator[Token]:
        text, counter = lexer_state.text, lexer_state.line_ctr
        source, end = text.text, text.end
        accepts, ignore, newline = self.accepts, self.ignore, self.newline
        stack = parser_state.stack
        scanner_for, scanner_in_state = self.scanners.scanner_for, self.scanners.scanner_in_state
        known = self.scanners.by_character  # scanner_for's own table, asked first without the call
        make_token = _TOKEN
        # where lark's LineCounter would be, kept in locals and handed over only when lark's lexer takes a turn
        pos, line, line_start = counter.char_pos, counter.line, counter.line_start_pos
        try:
            while pos < end:
                state = stack[-1]
                character = source[pos]
                found = (known.get(character) or scanner_for(character)).match(source, pos, end)
                if found is None or (kind := found.lastgroup) is None or kind not in accepts[state]:
                    # what this state's own scanner would find; lark's says why when nothing fits
                    found = scanner_in_state(source[pos], accepts[state]).match(source, pos, end)
                    if found is None or (kind := found.lastgroup) is None:
                        counter.char_pos, counter.line, counter.line_start_pos = pos, line, line_start
                        counter.column = pos - line_start + 1
                        yield self.contextual.lexers[state].next_token(lexer_state, parser_state)
                        pos, line, line_start = counter.char_pos, counter.line, counter.line_start_pos
                        continue
                value, stop = found.group(), found.end()
                next_line, next_start = line, line_start
                if kind in newline and (newlines := value.count("\n")):
                    next_line, next_start = line + newlines, pos + value.rindex("\n") + 1
                if kind not in ignore:
                    token = make_token(kind, value, pos, line, pos - line_start + 1, next_line, stop - next_start + 1,
                                       stop)
                    lexer_state.last_token = token
                    yield token
                pos, line, line_start = stop, next_line, next_start
        except EOFError:
            pass
        except UnexpectedCharacters as error:  # as lark's contextual lexer: name the terminal that was not expected
            try:
                last_token = lexer_state.last_token
                token = self.contextual.root_lexer.next_token(lexer_state, parser_state)
                raise UnexpectedToken(  # type: ignore[no-untyped-call]
                    token, error.allowed, state=parser_state, token_history=[last_token],
                    terminals_by_name=self.contextual.root_lexer.terminals_by_name) from None
            except UnexpectedCharacters:
                raise error from None


class _ScannersByFirstCharacter:
    """The root scanner split by the character a token starts with. A master
    regex tries its alternatives one after another, and for a word most of our
    99 terminals are keyword alternations that fail one by one. Here each
    common letter has its own master regex of only the terminals that can
    start with it, a keyword terminal only with its spellings that start with
    that letter; the other common characters share one of the terminals that
    can start with something other than a letter; any other character uses
    the whole root alternation. Leaving out alternatives that cannot match
    here, in lark's order, keeps the first one that matches the same. Which
    characters a terminal can start with is read from the regex's parse; an
    element this does not understand makes the terminal a candidate for every
    character, which is always safe."""

    COMMON = frozenset(string.ascii_letters + string.digits + string.punctuation + " \t\nåäöÅÄÖéÉü")
    LETTERS = frozenset(c for c in COMMON if c.isalpha())

    def __init__(self, terminals: list[tuple[str, str]], flags: int):
        self.flags = flags
        self.names = [name for name, _ in terminals]
        self.patterns = [pattern for _, pattern in terminals]
        self.keywords = [_KEYWORD_TERMINAL.fullmatch(pattern) for pattern in self.patterns]
        self.starts = [_case_variants(_first_characters(pattern, flags)) for pattern in self.patterns]
        self.by_character: dict[str, re.Pattern[str]] = {}
        self.by_state: dict[tuple[str, frozenset[str]], re.Pattern[str]] = {}
        self.compiled: dict[str, re.Pattern[str]] = {}

    def scanner_for(self, character: str) -> re.Pattern[str]:
        found = self.by_character.get(character)
        if found is None:
            found = self.by_character[character] = self._compiled(self._alternatives(character))
        return found

    def scanner_in_state(self, character: str, accepted: frozenset[str]) -> re.Pattern[str]:
        """The scanner for `character` of only the terminals a parser state
        accepts: lark's scanner for that state, less what cannot start here."""
        key = (character, accepted)
        found = self.by_state.get(key)
        if found is None:
            found = self.by_state[key] = self._compiled(self._alternatives(character, accepted))
        return found

    def _alternatives(self, character: str, accepted: frozenset[str] | None = None) -> str:
        everything = range(len(self.names))
        if character not in self.COMMON:
            return self._alternation(everything, None, accepted)
        if not character.isalpha():  # digits, punctuation, white space: one scanner for all of them
            chosen = [i for i, first in enumerate(self.starts) if first is None or not first <= self.LETTERS]
            return self._alternation(chosen, None, accepted)
        variants = frozenset(_variants(character))
        chosen = [i for i, first in enumerate(self.starts) if first is None or first & variants]
        return self._alternation(chosen, variants, accepted)

    def _alternation(self, chosen: Iterable[int], letter: frozenset[str] | None,
                     accepted: frozenset[str] | None) -> str:
        parts = []
        for i in chosen:
            if accepted is not None and self.names[i] not in accepted:
                continue
            pattern, keyword = self.patterns[i], self.keywords[i]
            if letter is not None and keyword is not None:  # only the spellings that start with this letter
                spellings = [w for w in keyword.group(1).split("|") if not letter.isdisjoint(_variants(w[0]))]
                pattern = pattern[:keyword.start(1)] + "|".join(spellings) + pattern[keyword.end(1):]
            parts.append(f"(?P<{self.names[i]}>{pattern})")
        return "|".join(parts)

    def _compiled(self, alternatives: str) -> re.Pattern[str]:
        found = self.compiled.get(alternatives)
        if found is None:
            found = self.compiled[alternatives] = re.compile(alternatives, self.flags)
        return found


def _case_variants(characters: frozenset[str] | None) -> frozenset[str] | None:
    """The characters with their lower, upper and folded forms, so that a
    token starting with 'K' (or the Kelvin sign) is a candidate for 'k'."""
    if characters is None:
        return None
    return frozenset(v for c in characters for v in _variants(c))


def _variants(character: str) -> tuple[str, ...]:
    return character, character.lower(), character.upper(), character.casefold()


# A keyword terminal as _keyword_terminals writes it: its spellings, escaped,
# between `|`, each starting with a letter or digit.
_KEYWORD_TERMINAL = re.compile(r"\(\?i:(\w(?:\w|\\s\+|\\/)*(?:\|\w(?:\w|\\s\+|\\/)*)*)\)\(\?!\[\\w\\/\]\)")


def _first_characters(pattern: str, flags: int) -> frozenset[str] | None:
    """The characters a match of `pattern` can start with; None for any."""
    keyword = _KEYWORD_TERMINAL.fullmatch(pattern)
    if keyword:  # the quick way for the 80 keyword terminals
        return frozenset(spelling[0] for spelling in keyword.group(1).split("|"))
    try:
        first, _ = _first_of(re_parser.parse(pattern, flags))
    except Exception:  # an element of a newer Python's regex parse: any character
        return None
    return first


_WIDEST_RANGE = 256


def _first_of(items: Any) -> tuple[frozenset[str] | None, bool]:
    """(first characters or None for any, whether it can match nothing) of a parsed sequence."""
    first: set[str] = set()
    for op, av in items:
        if op is re_constants.LITERAL:
            return frozenset(first | {chr(av)}), False
        if op is re_constants.IN:
            chars = _in_characters(av)
            return (None if chars is None else frozenset(first | chars)), False
        if op is re_constants.BRANCH:
            part: set[str] = set()
            nullable = False
            for branch in av[1]:
                branch_first, branch_nullable = _first_of(branch)
                if branch_first is None:
                    return None, False
                part |= branch_first
                nullable = nullable or branch_nullable
            first |= part
        elif op is re_constants.SUBPATTERN:
            inner, nullable = _first_of(av[3])
            if inner is None:
                return None, False
            first |= inner
        elif op in (re_constants.MAX_REPEAT, re_constants.MIN_REPEAT):
            inner, nullable = _first_of(av[2])
            if inner is None:
                return None, False
            first |= inner
            nullable = nullable or av[0] == 0
        elif op in (re_constants.AT, re_constants.ASSERT, re_constants.ASSERT_NOT):
            nullable = True  # takes no character
        else:
            return None, False
        if not nullable:
            return frozenset(first), False
    return frozenset(first), True


def _in_characters(items: Any) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is re_constants.LITERAL:
            chars.add(chr(av))
        elif op is re_constants.RANGE and av[1] - av[0] <= _WIDEST_RANGE:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:  # a negation, a category (\w), a wide range
            return None
    return chars


@functools.cache
def _root_first_lexer() -> _RootFirstLexer:
    return _RootFirstLexer(_kit())


def _parse_chunk(chunk: str, file: str, line_offset: int) -> tuple[ast.Item | None, Diagnostic | None]:
    if not chunk.strip() or _only_comments(chunk):
        return None, None
    try:
        return _parse_items(chunk, file, "item_only", line_offset), None
    except _SyntaxProblem as problem:
        diag = problem.diagnostic
    # Keep the declaration if the error starts a line of its own (a stray or
    # misspelt keyword after a complete declaration).
    error_line = diag.span.line - line_offset if diag.span else 0
    if error_line > 1:
        head = "\n".join(chunk.split("\n")[: error_line - 1])
        try:
            return _parse_items(head, file, "item_only", line_offset), diag
        except _SyntaxProblem:
            pass
    return None, diag


def _only_comments(chunk: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") for line in chunk.split("\n"))


@functools.cache
def _item_start_pattern() -> re.Pattern[str]:
    words = sorted({w for c in ITEM_KEYWORDS for ws in keywords()[c].values() for w in ws}, key=lambda w: (-len(w), w))
    return re.compile(r"^\s*(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE)


def _declaration_chunks(source: str) -> Iterator[tuple[int, str]]:
    """Split a source into (line_offset, text) chunks, one per declaration,
    cutting before every line that starts with a declaration keyword and is
    not inside a text block."""
    lines = source.split("\n")
    start, in_block = 0, False
    for i, line in enumerate(lines):
        if not in_block and i > start and _item_start_pattern().match(line):
            yield start, "\n".join(lines[start:i])
            start = i
        if line.count('"""') % 2 == 1:
            in_block = not in_block
    yield start, "\n".join(lines[start:])


def _syntax_diagnostic(exc: UnexpectedInput, text: str, file: str, line_offset: int, chunked: bool) -> Diagnostic:
    line = (exc.line if exc.line and exc.line > 0 else text.count("\n") + 1) + line_offset
    column = exc.column if exc.column and exc.column > 0 else 1
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        char = text[pos] if pos < len(text) else ""
        span = ast.Span(file, line, column, line, column + 1)
        unclosed = _unclosed_quote(text, pos)
        if unclosed:
            code, start = unclosed
            begin = column - (pos - start)
            width = 3 if code == "syntax.unclosed_text_block" else 1
            return Diagnostic(ERROR, code, {}, span=ast.Span(file, line, begin, line, begin + width))
        allowed = set(exc.allowed or ())
        params = {"char": char, "expected": _LazyExpected(allowed)}
        if char in _CHAR_HINTS:
            params.update(hint_code="hint.write_instead", suggestion=_CHAR_HINTS[char])
        # A list of everything that could follow an operand helps nobody.
        code = "syntax.stray_char" if len(allowed) > 8 else "syntax.unexpected_char"
        return Diagnostic(ERROR, code, params, span=span)
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        expected = set(exc.accepts or exc.expected)
        if token.type == "$END":
            last = text.rstrip()
            line = last.count("\n") + 1 + line_offset
            column = len(last.split("\n")[-1]) + 1
            span = ast.Span(file, line, column, line, column + 1)
            code = "syntax.unexpected_end"
            if chunked:
                # In a single declaration the end of the chunk is where the
                # next declaration would start.
                expected = (expected - {"$END"}) | (_ITEM_STARTS if "$END" in expected else set())
                code = "syntax.declaration_ends"
            return Diagnostic(ERROR, code, {"expected": _LazyExpected(expected)}, span=span)
        span = ast.Span(file, line, column, token.end_line + line_offset if token.end_line else line,
                        token.end_column if token.end_column else column + 1)
        if chunked and "$END" in expected:
            expected = (expected - {"$END"}) | _ITEM_STARTS
        params = {"found": _LazyFound(token), "expected": _LazyExpected(expected)}
        if token.type == "NAME":
            suggestion = _keyword_suggestion(str(token))
            if suggestion:
                params["hint_code"] = "hint.did_you_mean"
                params["suggestion"] = suggestion
        elif str(token) == "=" and token.start_pos and text[token.start_pos - 1] in "=<>!":
            # `==`, `>==`: the KoK language writes each comparison with one =.
            start = token.start_pos
            while start > 0 and text[start - 1] in "=<>!":
                start -= 1
            written = text[start:token.start_pos]
            suggestion = written if written in ("=", ">=", "<=", "!=") else "="
            params.update(hint_code="hint.write_instead", suggestion=suggestion)
        return Diagnostic(ERROR, "syntax.unexpected_token", params, span=span)
    span = ast.Span(file, line, column, line, column)
    lazy = _LazyExpected(getattr(exc, "expected", set()))
    return Diagnostic(ERROR, "syntax.unexpected_end", {"expected": lazy}, span=span)


def _unclosed_quote(text: str, pos: int) -> tuple[str, int] | None:
    """(message code, where it opens) for a quote at `pos` that is never
    closed: a text block without its closing \"\"\", or a text without its
    closing quote on the same line."""
    # The lexer reads the first two quotes of an unclosed \"\"\" as an empty
    # text, so the error arrives at the third.
    for start in (pos, pos - 2):
        if start >= 0 and text.startswith('"""', start) and text.find('"""', start + 3) < 0:
            return "syntax.unclosed_text_block", start
    if text.startswith('"', pos) and not text.startswith('"""', pos):
        line_end = text.find("\n", pos)
        rest = text[pos + 1:] if line_end < 0 else text[pos + 1:line_end]
        if '"' not in rest.replace('\\"', ""):
            return "syntax.unclosed_text", pos
    return None


class _LazyExpected:
    """'What was expected', rendered in the reader's language when formatted."""

    def __init__(self, terminals: Iterable[str] | None):
        self.terminals = frozenset(terminals or ())

    def render(self, lang: str) -> str:
        return _describe_expected(set(self.terminals), lang)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _LazyExpected) and other.terminals == self.terminals

    def __hash__(self) -> int:
        return hash(self.terminals)


class _LazyFound:
    def __init__(self, token: Token):
        self.token = token

    def render(self, lang: str) -> str:
        return _describe_token(self.token, lang)


def parse_or_raise(source: str, file: str = "<string>") -> ast.Rulebook:
    """Parse, raising KokSyntaxError (and only that) on any syntax error."""
    parsed = parse(source, file)
    if parsed.diagnostics:
        raise KokSyntaxError(parsed.diagnostics, parsed.source)
    return parsed.rulebook
