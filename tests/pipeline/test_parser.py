"""The parser: AST shapes, keyword aliases, identifiers, and the grammar's health."""

import datetime
import io
import pickle
import unicodedata
from fractions import Fraction

import lark
import pytest

from kokdsl import ast
from kokdsl.errors import KokSyntaxError
from kokdsl.parser import grammar_text, parse, parse_or_raise

HEADER = 'regelbok "T" utgåva 2025\n'


def check_of(text: str):
    tree = parse_or_raise(HEADER + 'uppgift x: heltal\nkrav 1 "t" skall\n  ' + text + "\n")
    return tree.items[-1].check


def test_grammar_has_no_conflicts_or_colliding_terminals():
    # strict: shift/reduce conflicts and terminal collisions fail the build.
    lark.Lark(grammar_text(), parser="lalr", start=["start", "item_only"], strict=True)


def test_requirement_shape():
    tree = parse_or_raise(HEADER + '''
uppgift listade: heltal "Antal listade."
krav 2.1 "Öppettider" ska
  område tillgänglighet
  källa "KoK 2.1"
  """Minst 45 timmar."""
  gäller om listade > 0
  listade >= 1
''')
    req = tree.items[-1]
    assert req == ast.Requirement(
        id="2.1", title="Öppettider", modality="skall", text="Minst 45 timmar.",
        condition=ast.Compare(">", ast.Name("listade"), ast.Literal("integer", 0)),
        check=ast.Compare(">=", ast.Name("listade"), ast.Literal("integer", 1)),
        topic="tillgänglighet", sources=(ast.Source("KoK 2.1"),))
    assert (req.span.line, req.span.column) == (4, 1)
    assert tree.items[1] == ast.FactDecl("listade", ast.TypeExpr("integer"), "Antal listade.")


def test_english_aliases_give_the_same_tree():
    sv = parse_or_raise(HEADER + 'uppgift x: ja/nej\nkrav 1 "t" bör\n  gäller om inte x\n  x eller ja\n')
    en = parse_or_raise('rulebook "T" edition 2025\nfact x: yes/no\n'
                        'requirement 1 "t" should\n  applies if not x\n  x or yes\n')
    assert sv == en


def test_keywords_are_case_insensitive():
    assert parse_or_raise('REGELBOK "T" Utgåva 2025\nKrav 1 "t" SKALL\n  1 = 1\n') == parse_or_raise(
        'regelbok "T" utgåva 2025\nkrav 1 "t" skall\n  1 = 1\n')


def test_identifiers_with_swedish_letters_and_nfc():
    decomposed = unicodedata.normalize("NFD", "vårdsamordnare")
    tree = parse_or_raise(HEADER + f"uppgift {decomposed}: heltal\n")
    assert tree.items[1].name == "vårdsamordnare"


def test_keywords_are_not_reserved_where_a_name_is_expected():
    tree = parse_or_raise(HEADER + "uppgift text: text\npost krav:\n  namn: text\n")
    assert tree.items[1].name == "text" and tree.items[2].name == "krav"


@pytest.mark.parametrize("text,expected", [
    ("1 + 2 * 3", ast.Arith("+", ast.Literal("integer", 1),
                            ast.Arith("*", ast.Literal("integer", 2), ast.Literal("integer", 3)))),
    ("inte x = 1 och x > 2", ast.Logic("and", ast.Not(ast.Compare("=", ast.Name("x"), ast.Literal("integer", 1))),
                                       ast.Compare(">", ast.Name("x"), ast.Literal("integer", 2)))),
    ("x >= (40 om x < 6500 annars 45)", ast.Compare(">=", ast.Name("x"), ast.IfElse(
        ast.Literal("integer", 40), ast.Compare("<", ast.Name("x"), ast.Literal("integer", 6500)),
        ast.Literal("integer", 45)))),
    ("alla f i fs: f.a och f.b", ast.Quantifier("all", "f", ast.Name("fs"), ast.Logic(
        "and", ast.Field(ast.Name("f"), "a"), ast.Field(ast.Name("f"), "b")))),
    ("a inte i b", ast.Member(ast.Name("a"), ast.Name("b"), True)),
    ("antal(f i fs: f.a) >= 2", ast.Compare(">=", ast.Count(ast.Name("fs"), "f", ast.Field(ast.Name("f"), "a")),
                                            ast.Literal("integer", 2))),
    ("x >= 25 %", ast.Compare(">=", ast.Name("x"), ast.Literal("percent", Fraction(1, 4)))),
    ("jour täcker dygnet_runt", ast.Covers(ast.Name("jour"), ast.AroundTheClock())),
    ("x > 2025-01-01", ast.Compare(">", ast.Name("x"), ast.Literal("date", datetime.date(2025, 1, 1)))),
])
def test_expression_precedence(text, expected):
    assert check_of(text) == expected


def test_error_recovery_keeps_the_good_declarations():
    parsed = parse(HEADER + "uppgift a heltal\nuppgift b: heltal\nkrav 1 \"t\" skall\n  b > 1\n", "x.kok")
    assert [d.span.line for d in parsed.diagnostics] == [2]
    assert [type(i).__name__ for i in parsed.rulebook.items] == ["Header", "FactDecl", "Requirement"]


def test_bad_date_is_a_syntax_error():
    with pytest.raises(KokSyntaxError) as exc:
        parse_or_raise(HEADER.replace("2025\n", "2025 giltig från 2025-02-30\n"))
    assert exc.value.diagnostics[0].code == "syntax.bad_date"
    assert exc.value.diagnostics[0].text("en") == "“2025-02-30” is not a valid date (YYYY-MM-DD)"


def test_syntax_messages_never_name_grammar_terminals():
    for source in ["krav", "regelbok", 'regelbok "x" utgåva', "uppgift x: lista", "krav 1 \"t\" skall (", "}}}"]:
        parsed = parse(source, "x.kok")
        assert parsed.diagnostics
        for d in parsed.diagnostics:
            for lang in ("sv", "en"):
                text = d.text(lang)
                assert "$END" not in text and "__ANON" not in text and "KW_" not in text and "NAME" not in text


def test_absurdly_long_expressions_are_a_diagnostic_not_a_crash():
    from kokdsl.pipeline import check_rulebook_source

    source = HEADER + 'uppgift a: heltal\nkrav 1 "t" skall\n  ' + " och ".join(["a > 1"] * 20000) + "\n"
    loaded = check_rulebook_source(source, "long.kok")
    assert [(d.code, d.span.line) for d in loaded.diagnostics] == [("syntax.too_deep", 3)]


def test_the_parse_table_that_ships_is_the_current_grammars():
    """A first run loads the shipped table instead of building it; one built
    from an older grammar would parse the old language. tests/regen_golden.py
    writes a new one."""
    import lark

    from kokdsl.parser import _grammar_digest, _ParserKit, build_parser, packaged_parser_table
    from kokdsl.resources import data_dir

    shipped = [p.name for p in data_dir("grammar").glob("parser-*.lark")]
    assert any(name.startswith(f"parser-{_grammar_digest()}-") for name in shipped), (
        f"no parse table for the current grammar ships ({shipped}); run tests/regen_golden.py")
    table = packaged_parser_table()
    if not table.exists():
        pytest.skip(f"the shipped table was built with another lark than {lark.__version__}")
    with open(table, "rb") as f:
        stored = pickle.load(f)
    loaded = lark.Lark.load(io.BytesIO(stored["lark"]))
    source = (data_dir("rulebooks") / "orebro" / "2025.kok").read_text(encoding="utf-8")
    assert loaded.parse(source, start="start") == build_parser().parse(source, start="start")
    # the kit stored beside it is the one made from that parser (a new build numbers its states anew)
    assert stored["kit"] == _ParserKit.of(loaded).stored()


def _via_parse_tree(tree: object, transformer: object) -> object:
    """lark's usual way: a parse tree with propagated positions, transformed
    bottom-up by the same _ToAst methods."""
    if not isinstance(tree, lark.Tree):
        return tree
    children = [_via_parse_tree(child, transformer) for child in tree.children]
    return getattr(transformer, str(tree.data))(tree.meta, *children)


def _spans(items: tuple[object, ...]) -> list[tuple[str, object]]:
    out = []
    for item in items:
        for node in ast.walk(item):
            out.append((type(node).__name__, node.span if hasattr(node, "span") else None))
            for name in ("id_span", "topic_span"):
                if hasattr(node, name):
                    out.append((name, getattr(node, name)))
    return out


def test_the_ast_built_while_parsing_is_the_one_a_parse_tree_gives(tmp_path):
    """The parser builds the AST in lark's reduce callbacks (no parse tree):
    every node, and every span, is what lark's tree with propagated positions
    and a transformer over it would give, for the shipped books and a
    generated one that uses every construct."""
    from pathlib import Path

    from bench.rulebook_gen import synthetic_rulebook
    from kokdsl.parser import _lark, _ToAst, normalise_source

    root = Path(__file__).resolve().parents[2]
    sources = [p.read_text(encoding="utf-8") for p in sorted((root / "rulebooks").rglob("*.kok"))]
    sources.append(synthetic_rulebook(30))
    for source in sources:
        text = normalise_source(source)
        built = parse(text, "book.kok").rulebook.items
        tree = _lark().parse(text, start="start")  # lark's own callbacks: a Tree with positions
        via_tree = _via_parse_tree(tree, _ToAst("book.kok"))
        assert built == via_tree
        assert _spans(built) == _spans(via_tree)


def test_a_book_parsed_again_after_an_edit_reuses_only_the_unchanged_declarations():
    """parse(kept=…), as the language server calls it after each edit: the same
    tree and spans as a whole parse, the unchanged declarations taken from
    before (the same objects), and a syntax error still reported as a whole
    parse reports it."""
    from pathlib import Path

    from bench.rulebook_gen import synthetic_rulebook

    root = Path(__file__).resolve().parents[2]
    books = [p.read_text(encoding="utf-8") for p in sorted((root / "rulebooks").rglob("*.kok"))]
    books.append(synthetic_rulebook(30))
    for text in books:
        kept: dict = {}
        first = parse(text, "book.kok", kept).rulebook.items
        assert first == parse(text, "book.kok").rulebook.items
        assert _spans(first) == _spans(parse(text, "book.kok").rulebook.items)
        for edited in (text.replace(">= 1", ">= 2", 1), text.replace("\nkrav ", "\n# a new line\nkrav ", 1)):
            again = parse(edited, "book.kok", kept)
            whole = parse(edited, "book.kok")
            assert again.rulebook.items == whole.rulebook.items and again.diagnostics == whole.diagnostics
            assert _spans(again.rulebook.items) == _spans(whole.rulebook.items)
    kept = {}
    book = synthetic_rulebook(30)
    before = parse(book, "book.kok", kept).rulebook.items
    after = parse(book.replace("antal_3 > 0", "antal_3 > 1"), "book.kok", kept).rulebook.items
    assert sum(a is b for a, b in zip(before, after, strict=True)) == len(before) - 1  # one declaration reparsed
    broken = parse(book.replace("antal_3 > 0", "antal_3 > > 0"), "book.kok", kept)
    assert [d.code for d in broken.diagnostics] == [d.code for d in parse(book.replace("antal_3 > 0", "antal_3 > > 0"),
                                                                             "book.kok").diagnostics]
    assert broken.diagnostics
