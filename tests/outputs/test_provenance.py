"""Provenance a reader cannot miss (issue 20): a book-level draft status and
reconstruction statement, from the language to every output that shows them."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from click.testing import CliRunner

from kokdsl import ast
from kokdsl.authoring.formatter import format_source
from kokdsl.cli import EXIT_ERROR, main
from kokdsl.parser import parse_or_raise
from kokdsl.pipeline import check_rulebook_source, load_rulebook

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

DRAFT = '''regelbok "Utkastregion" utgåva 2026
  giltig från 2026-01-01
  status utkast
  rekonstruktion "Återskapad ur offentliga dokument."
    på engelska "Rebuilt from public documents."

uppgift fast_vårdkontakt: ja/nej
  "Erbjuds en fast vårdkontakt?"

krav 1 "Fast vårdkontakt" skall
  """Patienterna ska erbjudas en fast vårdkontakt."""
  fast_vårdkontakt
'''


def invoke(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def draft_file(tmp_path: Path) -> Path:
    path = tmp_path / "utkast.kok"
    path.write_text(DRAFT, encoding="utf-8")
    return path


def test_header_draft_and_reconstruction_parse_the_same_in_both_languages():
    sv = parse_or_raise(DRAFT)
    en = parse_or_raise('rulebook "Utkastregion" edition 2026 valid from 2026-01-01 status draft\n'
                        '  reconstruction "Återskapad ur offentliga dokument."\n'
                        '  in english "Rebuilt from public documents."\n'
                        'fact fast_vårdkontakt: yes/no "Erbjuds en fast vårdkontakt?"\n'
                        'requirement 1 "Fast vårdkontakt" shall """Patienterna ska erbjudas en fast vårdkontakt."""\n'
                        '  fast_vårdkontakt\n')
    assert sv == en
    header = sv.items[0]
    assert isinstance(header, ast.Header)
    assert header.draft is True
    assert header.reconstruction == ast.Reconstruction("Återskapad ur offentliga dokument.",
                                                       "Rebuilt from public documents.")


def test_an_adopted_book_is_no_draft_and_no_reconstruction():
    plain = check_rulebook_source('regelbok "R" utgåva 1 status gällande\nuppgift x: ja/nej "x"\n'
                                  'krav 1 "t" skall x\n').rulebook
    assert plain.draft is False
    assert plain.reconstruction is None


def test_compiled_rulebook_exposes_draft_and_reconstruction_text_per_language():
    rb = check_rulebook_source(DRAFT).rulebook
    assert rb.draft is True
    assert rb.reconstruction is not None
    assert rb.reconstruction.text("sv") == "Återskapad ur offentliga dokument."
    assert rb.reconstruction.text("en") == "Rebuilt from public documents."
    swedish_only = check_rulebook_source('regelbok "R" utgåva 1 rekonstruktion "Bara svenska."\n'
                                         'uppgift x: ja/nej "x"\nkrav 1 "t" skall x\n').rulebook
    assert swedish_only.reconstruction is not None and swedish_only.reconstruction.text("en") == "Bara svenska."


def test_an_empty_reconstruction_is_a_located_error():
    loaded = check_rulebook_source('regelbok "R" utgåva 1 rekonstruktion ""\nuppgift x: ja/nej "x"\n'
                                   'krav 1 "t" skall x\n', "r.kok")
    assert not loaded.ok
    assert [d.code for d in loaded.diagnostics if d.severity == "error"] == ["compile.empty_reconstruction"]


def test_the_formatter_keeps_draft_and_reconstruction_and_is_idempotent():
    once = format_source(parse_or_raise(DRAFT), DRAFT)
    assert once == DRAFT
    assert parse_or_raise(once) == parse_or_raise(DRAFT)


def test_run_on_a_draft_says_so_and_marks_the_decision(tmp_path):
    book, centre = draft_file(tmp_path), EXAMPLES / "godkand.yaml"
    _, text = invoke("run", book, centre)
    assert "UTKAST: regelboken är ett utkast och får inte användas för att pröva en ansökan." in text
    assert "Rekonstruktion: Återskapad ur offentliga dokument." in text
    assert "Förslag till beslut: GODKÄND (utkast – inte ett beslutsunderlag)" in text
    _, english = invoke("run", book, centre, "--lang", "en")
    assert "DRAFT: the rulebook is a draft" in english
    assert "(draft – not a basis for a decision)" in english
    _, out = invoke("run", book, centre, "--format", "json")
    data = json.loads(out)
    assert data["rulebook"]["draft"] is True
    assert data["rulebook"]["reconstruction"] == "Återskapad ur offentliga dokument."
    assert data["decision"]["draft"] is True
    assert data["decision"]["draft_label"] == "utkast – inte ett beslutsunderlag"


def test_run_on_an_adopted_book_has_no_draft_mark():
    _, out = invoke("run", ROOT / "rulebooks/orebro/2025.kok", EXAMPLES / "godkand.yaml", "--format", "json")
    data = json.loads(out)
    assert data["decision"]["draft"] is False and data["decision"]["draft_label"] is None
    assert data["rulebook"]["draft"] is False


def test_shipped_orebro_books_say_they_are_reconstructions():
    for year in (2024, 2025):
        rb = load_rulebook(ROOT / f"rulebooks/orebro/{year}.kok").rulebook
        assert rb.reconstruction is not None
        assert "inte Region Örebro läns antagna Krav- och kvalitetsbok" in rb.reconstruction.text("sv")
        assert "not Region Örebro län's adopted" in rb.reconstruction.text("en")
    # The other regions' books are rebuilt from Örebro's survey, not their own documents.
    for path in sorted((ROOT / "rulebooks").glob("*/*.kok")):
        rb = load_rulebook(path).rulebook
        assert rb.reconstruction is not None and rb.reconstruction.en, path
        assert rb.reconstruction.text("sv").startswith("Boken är en rekonstruktion"), path


def test_the_book_cover_shows_draft_and_reconstruction(tmp_path):
    _, md = invoke("book", draft_file(tmp_path), "--output", "md:-")
    cover = md.split("\n## ")[0]
    assert "**Utkast: den här utgåvan är ett utkast och inget beslutsunderlag." in cover
    assert "**Rekonstruktion: Återskapad ur offentliga dokument.**" in cover
    html_file = tmp_path / "book.html"
    invoke("book", draft_file(tmp_path), "--output", f"html:{html_file}")
    html = html_file.read_text(encoding="utf-8")
    assert '<p class="provenance reconstruction" role="note">' in html.split("</header>")[0]


def test_lsp_hover_explains_the_new_keywords():
    from lsprotocol import types as lsp

    from kokdsl.authoring.lsp import analyse, hover_text

    analysis = analyse(DRAFT, "/tmp/kok-provenance/utkast.kok")
    line = DRAFT.splitlines().index("  status utkast")
    assert hover_text(analysis, lsp.Position(line, 10), "sv") == (
        "**utkast** (nyckelord): utgåvan är ett utkast: den prövar aldrig en ansökan")


def test_a_draft_with_an_unknown_book_status_is_a_syntax_error(tmp_path):
    path = tmp_path / "bad.kok"
    path.write_text('regelbok "R" utgåva 1 status förslag\nuppgift x: ja/nej "x"\nkrav 1 "t" skall x\n',
                    encoding="utf-8")
    code, out = invoke("check", path)
    assert code == EXIT_ERROR
    assert "bad.kok:1:" in out


# -- the draft edition: what adopting the proposed main conditions would change -------------

DRAFT_2026 = ROOT / "rulebooks/orebro/2026-utkast.kok"
OREBRO_2025 = ROOT / "rulebooks/orebro/2025.kok"


def test_the_draft_edition_is_a_lint_clean_draft_and_a_reconstruction():
    rb = load_rulebook(DRAFT_2026).rulebook
    assert rb.draft and rb.reconstruction is not None
    adopted = {r.id: r.status for r in rb.requirements if r.id in ("1.1", "2.1.4", "5.1")}
    assert adopted == {"1.1": "in_force", "2.1.4": "in_force", "5.1": "in_force"}
    code, out = invoke("lint", DRAFT_2026)
    assert code == 0, out


def test_diff_2025_to_the_draft_shows_the_change_log():
    code, out = invoke("diff", OREBRO_2025, DRAFT_2026)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Ändringar från Hälsoval Region Örebro län 2025 till Hälsoval Region Örebro län 2026 (utkast)"
    assert lines[1] == "0 nya, 0 borttagna och 3 ändrade krav"
    for rid, title in (("1.1", "Specialist i allmänmedicin under hela öppettiden"),
                       ("5.1", "Enhetlig presentation för invånarna")):
        block = out.split(f"Ändrat krav {rid} {title} (skall)")[1].split("Ändrat krav")[0]
        assert "status: förslag → gällande" in block
    assert "Ändrat krav 2.1.4 Jouråtagande (skall)" in out and "antaget i utkastet" in out
    _, data = invoke("diff", OREBRO_2025, DRAFT_2026, "--format", "json")
    assert json.loads(data)["new"]["draft"] is True


def test_the_draft_book_has_the_change_log_chapter():
    code, md = invoke("book", DRAFT_2026, "--previous", OREBRO_2025, "--output", "md:-")
    assert code == 0
    cover, changes = md.split("\n## ")[0], md.split("## Ändringar sedan föregående utgåva")[1]
    assert "**Utkast: den här utgåvan är ett utkast och inget beslutsunderlag." in cover
    assert "- **Krav:** 7 skall-krav och 1 bör-krav gäller, 2 förslag, 7 exempel" in cover
    assert "### Ändrat krav 1.1 Specialist i allmänmedicin under hela öppettiden (skall)" in changes
    assert "- status: förslag → gällande" in changes


def test_impact_lists_who_the_draft_would_reject():
    code, out = invoke("impact", OREBRO_2025, EXAMPLES / "centres", "--draft", DRAFT_2026)
    assert code == 0
    assert out.splitlines()[:4] == [
        "Konsekvensanalys: Hälsoval Region Örebro län, utgåva 2025 → utkastet " + str(DRAFT_2026),
        "30 egenrapporter; 2 byter beslut.",
        "  Före:  godkänd 23, avslag 4, komplettering 3",
        "  Efter: godkänd 21, avslag 6, komplettering 3",
    ]
    moved = [line for line in out.splitlines() if "godkänd → avslag" in line]
    assert len(moved) == 2 and all(line.endswith("(nya skäl: krav 1.1)") for line in moved)
    for line in moved:  # the specialist-gap centres: 1.1 decides once adopted
        centre = line.split()[0]
        text = next(p.read_text(encoding="utf-8") for p in (EXAMPLES / "centres").glob("*.yaml")
                    if centre in p.read_text(encoding="utf-8"))
        assert "scenario: specialist_gap" in text


def test_a_folder_of_editions_never_chooses_the_draft():
    from kokdsl.authoring.editions import select_edition

    chosen = select_edition(ROOT / "rulebooks/orebro", datetime.date(2026, 6, 1)).rulebook
    assert (chosen.edition, chosen.draft) == (2025, False)
    _, out = invoke("run", DRAFT_2026, EXAMPLES / "avslag.yaml")
    assert "UTKAST" in out and "AVSLAG (utkast – inte ett beslutsunderlag)" in out
