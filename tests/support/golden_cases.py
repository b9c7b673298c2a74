"""The golden-file cases: how each golden output is produced.

Shared by the tests (which compare) and regen_golden.py (which rewrites).
Paths in outputs are relative to the repository root, so goldens do not
depend on where the checkout lives.
"""

from __future__ import annotations

import contextlib
import datetime
import os
from pathlib import Path

from click.testing import CliRunner

from kokdsl.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"


def run_cli(*args: str) -> tuple[int, str]:
    """Run `kok` in the repository root; returns (exit code, stdout + stderr)."""
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.output


def diagnostic_cases():
    """(golden file, command args) for every rulebook under golden/diagnostics."""
    for source in sorted((GOLDEN / "diagnostics").glob("*.kok")):
        rel = source.relative_to(ROOT).as_posix()
        for lang in ("sv", "en"):
            yield source.with_suffix(f".{lang}.txt"), ("check", rel, "--lang", lang)


def run_json_cases():
    """`kok run --format json` on every example self-report."""
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        rel = example.relative_to(ROOT).as_posix()
        for lang in ("sv", "en"):
            golden = GOLDEN / "run" / f"{example.stem}.{lang}.json"
            yield golden, ("run", "rulebooks/orebro/2025.kok", rel, "--format", "json", "--lang", lang)


def rerun_cases():
    """`kok rerun` over the 30 fictional centres."""
    for lang in ("sv", "en"):
        yield GOLDEN / "rerun" / f"centres.{lang}.txt", ("rerun", "rulebooks/orebro/2025.kok", "examples/centres",
                                                          "--lang", lang, "--run-date", "2025-06-02")


def book_cases():
    """`kok book` for every shipped rulebook, as Markdown."""
    for rulebook in sorted((ROOT / "rulebooks").glob("*/*.kok")):
        rel = rulebook.relative_to(ROOT).as_posix()
        for lang in ("sv", "en"):
            yield GOLDEN / "book" / f"{rulebook.parent.name}-{rulebook.stem}.{lang}.md", ("book", rel, "--lang", lang)


def compare_cases():
    """`kok compare` over the latest edition (not a draft) of every region's rulebook."""
    books = [max(p for p in region.glob("*.kok") if "utkast" not in p.stem).relative_to(ROOT).as_posix()
             for region in sorted((ROOT / "rulebooks").iterdir()) if region.is_dir()]
    for lang in ("sv", "en"):
        yield GOLDEN / "compare" / f"regions.{lang}.md", ("compare", *books, "--lang", lang)


def all_cases():
    yield from compare_cases()
    yield from diagnostic_cases()
    yield from run_json_cases()
    yield from rerun_cases()
    yield from book_cases()


def render_case(args) -> str:
    code, output = run_cli(*args)
    return f"{output}[exit {code}]\n"


def fmt_cases():
    """Formatter golden pairs: golden/fmt/NAME.in.kok -> NAME.out.kok."""
    for source in sorted((GOLDEN / "fmt").glob("*.in.kok")):
        yield source, source.with_name(source.name.replace(".in.kok", ".out.kok"))


def formatted(source_path) -> str:
    from kokdsl.authoring.formatter import format_source, source_language
    from kokdsl.parser import parse

    source = source_path.read_text(encoding="utf-8")
    parsed = parse(source, source_path.name)
    assert not parsed.diagnostics, [d.code for d in parsed.diagnostics]
    return format_source(parsed.rulebook, parsed.source, source_language(parsed.rulebook, parsed.source))


# -- findings reports (kok run --output FMT:…) -------------------------------------

GOLDEN_DIR = GOLDEN / "reports"
RULEBOOK = "rulebooks/orebro/2025.kok"
EXAMPLES = ("godkand", "avslag", "komplettering")
LANGS = ("sv", "en")
FORMATS = ("html", "md", "json")
RUN_DATE = datetime.date(2025, 6, 2)
STYLE_SHEET = ROOT / "reports" / "style.css"
# The report style sheet is inlined into every HTML report; the goldens hold
# this line in its place, and test_report checks the sheet itself once.
STYLE_MARKER = "/* reports/style.css, inlined here (checked once by test_report) */\n"


def report_cases():
    """(golden file, example, language, format) for every findings report golden."""
    for example in EXAMPLES:
        for lang in LANGS:
            for fmt in FORMATS:
                yield golden_path(example, lang, fmt), example, lang, fmt


def golden_path(example: str, lang: str, fmt: str) -> Path:
    return GOLDEN_DIR / f"{example}.{lang}.{fmt}"


def fold_style(html: str) -> str:
    """An HTML report as its golden holds it: the inlined style sheet replaced by STYLE_MARKER."""
    sheet = STYLE_SHEET.read_text(encoding="utf-8")
    assert html.count(sheet) == 1, "the report does not inline reports/style.css exactly once"
    return html.replace(sheet, STYLE_MARKER)


def render_golden(example: str, lang: str, fmt: str) -> str:
    """The report as `kok run RULEBOOK examples/EXAMPLE.yaml --lang LANG
    --run-date 2025-06-02 --output FMT:…` writes it, run from the repository
    root; an HTML report with its style sheet folded (fold_style)."""
    from kokdsl.outputs.findings import CaseDetails, render_report
    from kokdsl.pipeline import assess, load_rulebook

    with contextlib.chdir(ROOT):  # relative paths, as an officer types them
        loaded = load_rulebook(RULEBOOK)
        assessment = assess(loaded.rulebook, f"examples/{example}.yaml")
        report = render_report(assessment, fmt, lang, RUN_DATE, RULEBOOK, CaseDetails(document="assessment_report"))
    return fold_style(report) if fmt == "html" else report


# -- letters to the applicant (kok run --output FMT:… picks the document) ------------

LETTER_DIR = GOLDEN / "letters"
LETTER_STYLE = ROOT / "reports" / "letter.css"
LETTER_STYLE_MARKER = "/* reports/letter.css, inlined here (checked once by test_letters) */\n"
LETTER_FIXTURES = ROOT / "tests" / "fixtures" / "letters"
LETTER_RULEBOOK = "tests/fixtures/letters/grounds.kok"
LETTER_CASE = {"reference": "HV 2025/17 (fiktivt)", "officer": "Hanna Handläggare (fiktiv)",
               "reply_by": datetime.date(2025, 7, 1)}


def letter_cases():
    """(golden file, rulebook, self-report, language, format, document or None, signed as or None).

    The shipped examples get the letter their outcome calls for (Markdown and
    HTML), then as a follow-up notice and a tjänsteskrivelse; every centre
    under tests/fixtures/letters (one per kind of ground sentence) gets its
    letter in Markdown."""
    for example in EXAMPLES:
        for lang in LANGS:
            for fmt in ("md", "html"):
                yield (LETTER_DIR / f"{example}.{lang}.{fmt}", RULEBOOK, f"examples/{example}.yaml", lang, fmt,
                       None, None)
            yield (LETTER_DIR / f"{example}.follow_up.{lang}.md", RULEBOOK, f"examples/{example}.yaml", lang, "md",
                   "follow_up", None)
    for lang in LANGS:
        yield LETTER_DIR / f"avslag.memo.{lang}.md", RULEBOOK, "examples/avslag.yaml", lang, "md", None, "memo"
        yield LETTER_DIR / f"godkand.memo.{lang}.md", RULEBOOK, "examples/godkand.yaml", lang, "md", None, "memo"
    for centre in sorted(LETTER_FIXTURES.glob("*.yaml")):
        rel = centre.relative_to(ROOT).as_posix()
        for lang in LANGS:
            yield LETTER_DIR / f"grounds-{centre.stem}.{lang}.md", LETTER_RULEBOOK, rel, lang, "md", None, None


def render_letter_golden(rulebook: str, self_report: str, lang: str, fmt: str, document: str | None,
                         signed_as: str | None) -> str:
    """The letter as `kok run RULEBOOK SELF_REPORT --run-date 2025-06-02 --diarienummer … --handläggare …
    --svar-senast 2025-07-01 [--dokument …] [--som …] --output FMT:…` writes it."""
    from kokdsl.outputs.findings import CaseDetails, render_document
    from kokdsl.pipeline import assess, load_rulebook

    with contextlib.chdir(ROOT):
        loaded = load_rulebook(rulebook)
        assessment = assess(loaded.rulebook, self_report)
        case = CaseDetails(document=document, signed_as=signed_as, follow_up=document == "follow_up",
                           **LETTER_CASE)
        text = render_document(assessment, fmt, lang, RUN_DATE, rulebook, case)
    if fmt == "html":
        sheet = LETTER_STYLE.read_text(encoding="utf-8")
        assert text.count(sheet) == 1, "the letter does not inline reports/letter.css exactly once"
        text = text.replace(sheet, LETTER_STYLE_MARKER)
    return text
