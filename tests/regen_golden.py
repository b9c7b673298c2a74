"""Rewrite every golden file from the current code. Review the diff!

    python tests/regen_golden.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from golden_cases import all_cases, render_case  # noqa: E402


def main() -> None:
    for golden, args in all_cases():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(render_case(args), encoding="utf-8")
        print(golden)


if __name__ == "__main__":
    main()
