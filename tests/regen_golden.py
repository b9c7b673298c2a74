"""Regenerate every golden file from the current code:

- tests/golden/diagnostics/*.txt: `kok check` messages (cases in golden_cases.py);
- tests/golden/run/*.json: `kok run --format json` on the examples;
- tests/golden/fmt/*.out.kok: the formatter's output for each *.in.kok;
- tests/golden/reports/*: the findings reports (HTML, Markdown, JSON).

    .venv/bin/python tests/regen_golden.py

Review the diff before committing: the golden files are the messages policy
writers read and the reports officers receive. The tests compare fresh output
with them byte for byte.
"""

from __future__ import annotations

import contextlib
import datetime
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = ROOT / "tests" / "golden" / "reports"
RULEBOOK = "rulebooks/orebro/2025.kok"
EXAMPLES = ("godkand", "avslag", "komplettering")
LANGS = ("sv", "en")
FORMATS = ("html", "md", "json")
RUN_DATE = datetime.date(2025, 6, 2)


def golden_path(example: str, lang: str, fmt: str) -> Path:
    return GOLDEN_DIR / f"{example}.{lang}.{fmt}"


def render_golden(example: str, lang: str, fmt: str) -> str:
    """The report as `kok run RULEBOOK examples/EXAMPLE.yaml --lang LANG
    --run-date 2025-06-02 --output FMT:…` writes it, run from the repository root."""
    from kokdsl.outputs.findings import render_report
    from kokdsl.pipeline import assess, load_rulebook

    with contextlib.chdir(ROOT):  # relative paths, as an officer types them
        loaded = load_rulebook(RULEBOOK)
        assessment = assess(loaded.rulebook, f"examples/{example}.yaml")
        return render_report(assessment, fmt, lang, RUN_DATE, RULEBOOK)


def main() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from golden_cases import all_cases, fmt_cases, formatted, render_case

    for golden, args in all_cases():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(render_case(args), encoding="utf-8")
        print(golden.relative_to(ROOT))
    for source, golden in fmt_cases():
        golden.write_text(formatted(source), encoding="utf-8")
        print(golden.relative_to(ROOT))
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    for example in EXAMPLES:
        for lang in LANGS:
            for fmt in FORMATS:
                path = golden_path(example, lang, fmt)
                path.write_bytes(render_golden(example, lang, fmt).encode("utf-8"))
                print(path.relative_to(ROOT))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
