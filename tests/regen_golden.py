"""Regenerate every golden file from the current code:

- tests/golden/diagnostics/*.txt: `kok check` messages (cases in golden_cases.py);
- tests/golden/run/*.json: `kok run --format json` on the examples;
- tests/golden/fmt/*.out.kok: the formatter's output for each *.in.kok;
- tests/golden/reports/*: the findings reports (HTML, Markdown, JSON);
- grammar/parser-*.lark: the parse table that ships with the grammar (only
  when the grammar or lark changed), so a first run need not build it.

    .venv/bin/python tests/regen_golden.py

Review the diff before committing: the golden files are the messages policy
writers read and the reports officers receive. The tests compare fresh output
with them byte for byte.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "support"))  # the cases: tests/support/golden_cases.py


def main() -> None:
    from golden_cases import GOLDEN_DIR, all_cases, fmt_cases, formatted, render_case, render_golden, report_cases

    for golden, args in all_cases():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(render_case(args), encoding="utf-8")
        print(golden.relative_to(ROOT))
    for source, golden in fmt_cases():
        golden.write_text(formatted(source), encoding="utf-8")
        print(golden.relative_to(ROOT))
    from kokdsl.parser import write_packaged_parser_table

    print(write_packaged_parser_table().relative_to(ROOT))
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    for path, example, lang, fmt in report_cases():
        path.write_bytes(render_golden(example, lang, fmt).encode("utf-8"))
        print(path.relative_to(ROOT))
    from golden_cases import LETTER_DIR, letter_cases, render_letter_golden

    LETTER_DIR.mkdir(parents=True, exist_ok=True)
    for path, *args in letter_cases():
        path.write_bytes(render_letter_golden(*args).encode("utf-8"))
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
