"""Counts in words: never "1 <plural noun>" and never a count with decimals,
in any sentence of the catalogues, any golden output or what the commands
print and write when there is exactly one of something."""

import re
import string
from pathlib import Path

import pytest
import yaml
from golden_cases import GOLDEN, ROOT, run_cli

from kokdsl import catalogue
from kokdsl.messages import LANGUAGES, message

HOSTILE = ROOT / "tests" / "hostile"
# Plural nouns that follow a number in kokdsl's sentences or the shipped books.
PLURAL_NOUNS = (
    "vårdcentraler", "egenrapporter", "regelböcker", "anmärkningar", "utgåvor", "dagar", "veckor", "månader",
    "timmar", "filialer", "varningar", "läkare", "centres", "self-reports", "rulebooks", "findings", "editions",
    "days", "weeks", "months", "years", "hours", "items", "requirements", "cases", "branches", "calls", "visits",
    "errors", "warnings", "doctors",
)
# Nouns that count whole things: a number before them has no decimals.
COUNTED_NOUNS = (
    "samtal", "besök", "läkarbesök", "vårdcentraler", "vårdcentral", "egenrapporter", "egenrapport", "listade",
    "calls", "visits", "centres", "centre", "self-reports", "self-report", "patients",
)
ONE_PLURAL = re.compile(r"(?<![\d,.])(?<!\d[ \u00a0])\b1[ \u00a0](" + "|".join(PLURAL_NOUNS) + r")\b")
FRACTIONAL_COUNT = re.compile(r"(?<!\d)\d+[,.]\d+[ \u00a0](" + "|".join(COUNTED_NOUNS) + r")\b")
# In English a comma groups thousands ("2,781 calls"): only a point is a decimal one.
FRACTIONAL_COUNT_EN = re.compile(r"(?<![\d,])\d[\d,]*\.\d+[ \u00a0](" + "|".join(COUNTED_NOUNS) + r")\b")
# The placeholders that hold a count of something.
# ({added}, {changed}, {files} … are counted phrases of their own, "1 new".)
COUNTS = {"count", "n", "total", "cases", "passed", "failed", "covered", "found", "candidates", "warnings", "errors"}


def problems(text: str, lang: str | None = None) -> list[str]:
    fractional = FRACTIONAL_COUNT_EN if lang == "en" else FRACTIONAL_COUNT
    return [m.group(0) for pattern in (ONE_PLURAL, fractional) for m in pattern.finditer(text)]


def test_the_patterns_catch_what_they_are_for():
    assert problems("skrev 1 vårdcentraler i ut") == ["1 vårdcentraler"]
    assert problems("1\u00a0rulebooks, 2 findings") == ["1\u00a0rulebooks"]
    assert problems("det vill säga 2\u00a0502,9 samtal") == ["502,9 samtal"]
    assert problems("11 rulebooks, 2\u00a0001 vårdcentraler, 1 vårdcentral, 6,5 timmar") == []
    assert problems("Of 2,781 calls, 2,382 were answered", "en") == []
    assert problems("that is 2,502.9 calls", "en") == ["2,502.9 calls"]


def _filled(text: str) -> str:
    """A sentence with its counts at 1 and any other placeholder as a word."""
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    return text.format(**{name: "1" if name in COUNTS else "X" for name in names})


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_sentence_in_the_catalogue_says_one_of_a_plural(lang):
    """Every sentence filled with counts of 1: a plural entry in the form that
    1 takes, any other as written."""
    found = {}
    for entry in catalogue.read(catalogue.po_path(lang), lang):
        if not entry.id:
            continue
        key = entry.id if isinstance(entry.id, str) else entry.id[0]
        if isinstance(entry.id, tuple):
            names = {n for form in entry.string for _, n, _, _ in string.Formatter().parse(form) if n}
            text = message(key, lang, count=1, **{n: "X" for n in names - {"count"}})
        else:
            text = _filled(entry.string)
        if problems(text):
            found[key] = text
    assert found == {}


@pytest.mark.parametrize("path", sorted(p for p in GOLDEN.rglob("*") if p.is_file()), ids=lambda p: p.name)
def test_no_golden_output_counts_wrongly(path: Path):
    assert problems(path.read_text(encoding="utf-8"), "en" if ".en." in path.name else None) == []


@pytest.mark.parametrize("path", sorted(HOSTILE.glob("*/case.yaml")), ids=lambda p: p.parent.name)
def test_no_answer_to_hostile_input_counts_wrongly(path: Path):
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert problems((case.get("stdout") or "") + (case.get("stderr") or "")) == []


def _outputs(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*"))
                     if p.is_file() and p.suffix in (".html", ".md", ".json", ".csv", ".txt"))


@pytest.mark.parametrize("lang, one_book, one_centre, one_report", [
    ("sv", "1 regelbok,", "skrev 1 fiktiv vårdcentral", "1 egenrapport"),
    ("en", "1 rulebook,", "wrote 1 fictional centre", "1 self-report"),
])
def test_commands_say_one_of_a_thing_in_the_singular(tmp_path, lang, one_book, one_centre, one_report):
    texts = []
    _, lint = run_cli("lint", "rulebooks/orebro/2025.kok", "--lang", lang)
    assert one_book in lint
    _, generated = run_cli("generate", "--count", "1", "--seed", "1", "--out", str(tmp_path / "centres"),
                           "--lang", lang)
    assert one_centre in generated
    _, rerun = run_cli("rerun", "rulebooks/orebro/2025.kok", "examples/avslag.yaml", "--out", str(tmp_path / "out"),
                       "--run-date", "2025-06-02", "--lang", lang)
    written = _outputs(tmp_path / "out")
    assert one_report in rerun
    _, tests = run_cli("test", "rulebooks/orebro/2025.kok", "--lang", lang)
    _, diff = run_cli("diff", "rulebooks/orebro/2024.kok", "rulebooks/orebro/2025.kok", "--lang", lang)
    texts += [lint, generated, rerun, written, tests, diff]
    for example in ("godkand", "avslag", "komplettering"):
        texts.append(run_cli("run", "rulebooks/orebro/2025.kok", f"examples/{example}.yaml", "--lang", lang)[1])
    assert [problem for text in texts for problem in problems(text)] == []
