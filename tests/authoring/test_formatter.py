"""`kok fmt`: the canonical layout, comments kept."""

import shutil

import pytest
from golden_cases import ROOT, fmt_cases, formatted, run_cli

from kokdsl.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK

PAIRS = list(fmt_cases())


@pytest.mark.parametrize("source,golden", PAIRS, ids=[s.name for s, _ in PAIRS])
def test_formatter_golden_pairs(source, golden):
    assert formatted(source) == golden.read_text(encoding="utf-8")


def test_shipped_rulebooks_are_in_canonical_layout():
    code, output = run_cli("fmt", "--check", "rulebooks")
    assert (code, output) == (EXIT_OK, "")


def test_fmt_rewrites_in_place_and_check_reports(tmp_path):
    messy = tmp_path / "utkast.kok"
    shutil.copy(ROOT / "tests/golden/fmt/messy.in.kok", messy)
    assert run_cli("fmt", "--check", str(messy)) == (EXIT_FINDINGS, f"{messy}: layouten skulle ändras\n")
    assert run_cli("fmt", str(messy)) == (EXIT_OK, f"{messy}: omformaterad\n")
    assert messy.read_text(encoding="utf-8") == (ROOT / "tests/golden/fmt/messy.out.kok").read_text(encoding="utf-8")
    assert run_cli("fmt", "--check", str(messy)) == (EXIT_OK, "")


def test_a_file_with_syntax_errors_is_left_untouched(tmp_path):
    broken = tmp_path / "trasig.kok"
    text = 'regelbok "T" utgåva 2025\nuppgift a heltal\n'
    broken.write_text(text, encoding="utf-8")
    code, output = run_cli("fmt", str(broken))
    assert code == EXIT_ERROR and ":2:11: fel: här väntades “:”" in output
    assert broken.read_text(encoding="utf-8") == text


def test_english_files_stay_english(tmp_path):
    english = tmp_path / "en.kok"
    english.write_text('rulebook "T" edition 2025\nfact a: yes/no\nrequirement 1 "t" shall   a\n', encoding="utf-8")
    assert run_cli("fmt", str(english))[0] == EXIT_OK
    assert english.read_text(encoding="utf-8") == (
        'rulebook "T" edition 2025\n\nfact a: yes/no\n\nrequirement 1 "t" shall\n  a\n')
    assert run_cli("fmt", str(english), "--keywords", "sv")[0] == EXIT_OK
    assert english.read_text(encoding="utf-8").startswith('regelbok "T" utgåva 2025')


def test_comments_stay_where_they_were_written():
    from kokdsl.authoring.formatter import format_source
    from kokdsl.parser import parse

    source = '''regelbok "Prov" utgåva 2025
uppgift listade: heltal  # från folkbokföringen
  "Antal listade."

krav 1 "Listning" skall  # huvudkravet
  område tillgänglighet
  # Gränsen är regionens egen.
  """Minst 1000 listade."""
  listade>=1000  # inte 900
'''
    formatted = format_source(parse(source).rulebook, source)
    assert formatted.split("\n")[2] == "uppgift listade: heltal  # från folkbokföringen"
    assert 'krav 1 "Listning" skall  # huvudkravet' in formatted
    assert '  # Gränsen är regionens egen.\n  """Minst 1000 listade."""' in formatted
    assert formatted.rstrip().endswith("listade >= 1000  # inte 900")
    assert format_source(parse(formatted).rulebook, formatted) == formatted
    assert parse(formatted).rulebook == parse(source).rulebook


def test_fmt_diff_shows_what_would_change_and_changes_nothing(tmp_path):
    from click.testing import CliRunner

    from kokdsl.cli import main

    path = tmp_path / "utkast.kok"
    messy = 'regelbok "Prov" utgåva 2025\nuppgift x :ja/nej\nkrav 1 "t" skall\n  x\n'
    path.write_text(messy, encoding="utf-8")
    result = CliRunner().invoke(main, ["fmt", "--diff", str(path)])
    assert result.exit_code == 1
    assert "-uppgift x :ja/nej\n+\n+uppgift x: ja/nej\n" in result.output
    assert result.output.startswith(f"--- {path}\n+++ {path}\n")
    assert path.read_text(encoding="utf-8") == messy


def test_an_english_description_survives_fmt_and_reaches_the_compiled_rulebook(tmp_path):
    from kokdsl.pipeline import load_rulebook

    book = tmp_path / "b.kok"
    book.write_text('regelbok "T" utgåva 2025\n'
                    'uppgift x: ja/nej visas som "x" "Har ni x?" på engelska "Do you have x?"\n'
                    'post p:\n  namn: text "Namn." på engelska "Name."\n'
                    'uppgift l: lista av p "Lista."\n'
                    'krav 1 "T" skall\n  """T."""\n  x\n', encoding="utf-8")
    assert run_cli("fmt", str(book)) == (EXIT_OK, f"{book}: omformaterad\n")
    once = book.read_text(encoding="utf-8")
    assert '  "Har ni x?"\n    på engelska "Do you have x?"\n' in once
    assert '  namn: text "Namn." på engelska "Name."\n' in once
    assert run_cli("fmt", "--check", str(book)) == (EXIT_OK, "")
    rulebook = load_rulebook(book).rulebook
    fact = rulebook.fact("x")
    assert fact is not None and (fact.description("sv"), fact.description("en")) == ("Har ni x?", "Do you have x?")
    assert rulebook.records["p"].fields[0].description("en") == "Name."
    assert rulebook.fact("l").description("en") is None
