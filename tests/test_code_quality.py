"""ruff and mypy, run on every test run, so the whole team's code keeps to the
configuration in pyproject.toml.

mypy is strict. Modules that are not clean yet are held by a ratchet:
tests/mypy_ratchet.json records their error counts, which may only fall. After
fixing types, lower the numbers with `python tests/test_code_quality.py`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RATCHET = Path(__file__).resolve().parent / "mypy_ratchet.json"
_ERROR_LINE = re.compile(r"^(kokdsl/\S+\.py):\d+: error:", re.MULTILINE)


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=600)


def mypy_error_counts() -> tuple[Counter[str], str]:
    result = _run("mypy")
    if result.returncode not in (0, 1):
        raise RuntimeError(f"mypy did not run: {result.stderr or result.stdout}")
    return Counter(_ERROR_LINE.findall(result.stdout)), result.stdout


def test_ruff_is_clean():
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_errors_only_fall():
    counts, output = mypy_error_counts()
    allowed = json.loads(RATCHET.read_text(encoding="utf-8"))
    worse = {file: f"{n} errors, at most {allowed.get(file, 0)}" for file, n in sorted(counts.items())
             if n > allowed.get(file, 0)}
    lines = [line for line in output.splitlines() if line.split(":", 1)[0] in worse]
    assert not worse, f"mypy (strict) found new errors: {worse}\n" + "\n".join(lines)


def update_ratchet() -> None:
    """Lower each module's allowance to its current count (never raise it)."""
    counts, _ = mypy_error_counts()
    allowed = json.loads(RATCHET.read_text(encoding="utf-8"))
    lowered = {file: min(n, counts.get(file, 0)) for file, n in allowed.items()}
    RATCHET.write_text(json.dumps({f: n for f, n in sorted(lowered.items()) if n}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    update_ratchet()
