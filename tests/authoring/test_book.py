"""`kok book`: the rulebook published from the same source."""

from pathlib import Path

from golden_cases import run_cli

from kokdsl.authoring.book import render_book
from kokdsl.pipeline import load_rulebook_source

OREBRO = "rulebooks/orebro/2025.kok"


def test_every_requirement_is_in_the_book_with_its_text_and_check():
    code, output = run_cli("book", OREBRO)
    assert code == 0
    rulebook = load_rulebook_source(Path(OREBRO).read_text(encoding="utf-8"), OREBRO).rulebook
    for req in rulebook.requirements:
        assert f"### {req.id} " in output
    # The check in words, from the same sentence templates as the findings; the code beside it.
    assert ("- **Kontroll:** Timmar per vecka enligt öppettiderna är minst 40 om antal listade är mindre "
            "än 6\u00a0500, annars 45.") in output
    assert "- **Kontrollen som kod:** `timmar(öppettider) >= (40 om listade < 6500 annars 45)`" in output
    assert "- **Gäller om (kod):** `antal(filialer) > 0`" in output


def test_english_book_uses_english_keywords_in_checks():
    code, output = run_cli("book", OREBRO, "--lang", "en")
    assert code == 0
    assert "- **The check as code:** `hours(öppettider) >= (40 if listade < 6500 else 45)`" in output
    assert "- **Check:** Hours per week in the opening hours is at least 40 if the number of listed patients" in output
    assert "5 shall requirements and 1 should requirement in force, 4 proposals, 7 examples" in output


def test_rulebook_text_is_data_in_html():
    source = ('regelbok "<script>alert(1)</script>" utgåva 2025\nuppgift x: ja/nej "<img src=x onerror=alert(1)>"\n'
              'krav 1 "<b>titel</b>" skall\n  """<script>alert(2)</script>"""\n  x\n')
    rulebook = load_rulebook_source(source, "x.kok").rulebook
    html = render_book(rulebook, "html", "sv")
    assert "<script>" not in html and "<img" not in html and "<b>titel" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_bad_format_and_file_output(tmp_path):
    code, output = run_cli("book", OREBRO, "--output", "json:-")
    assert code == 2 and output.strip() == "boken kan skrivas som html, md eller pdf, inte json"
    target = tmp_path / "bok" / "2025.md"
    code, _ = run_cli("book", OREBRO, "--output", f"md:{target}")
    assert code == 0 and target.read_text(encoding="utf-8").startswith("# Hälsoval Region Örebro län")


def test_english_book_gives_the_rulebooks_english_titles_texts_and_descriptions():
    code, output = run_cli("book", OREBRO, "--lang", "en")
    assert code == 0
    assert "1.1 Specialist in general practice during all opening hours (shall" in output
    assert "> A specialist in general practice must be available during all opening hours." in output
    assert "| Are patients offered a named care contact? |" in output
    code, swedish = run_cli("book", OREBRO)
    assert "| Erbjuds patienterna en fast vårdkontakt? |" in swedish


def test_english_html_book_marks_only_the_swedish_left():
    source = ('regelbok "T" utgåva 2025\n'
              'uppgift x: ja/nej "Har ni x?" på engelska "Do you have x?"\n'
              'uppgift y: ja/nej "Har ni y?"\n'
              'krav 1 "Titel" skall\n  rubrik på engelska "Title"\n  text på engelska\n  """Text."""\n'
              '  """Svensk text."""\n  x och y\n')
    rulebook = load_rulebook_source(source, "x.kok").rulebook
    html = render_book(rulebook, "html", "en")
    assert "<span>Title</span>" in html and "<blockquote><p>Text.</p>" in html
    assert "<span>Do you have x?</span>" in html and '<span lang="sv">Har ni y?</span>' in html
