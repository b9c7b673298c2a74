"""ruff and mypy, run on every test run, so the whole team's code keeps to the
configuration in pyproject.toml.

mypy is strict. Modules that are not clean yet are held by a ratchet:
tests/mypy_ratchet.json records their error counts, which may only fall. After
fixing types, lower the numbers with `python tests/test_code_quality.py`.
The pipeline modules (PIPELINE) are strict-clean and may never enter the
ratchet, and every public function, class and public method they define has a
docstring.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RATCHET = Path(__file__).resolve().parent / "mypy_ratchet.json"
# The stages a rulebook and a self-report pass through: strict mypy, no allowance.
PIPELINE = (
    "kokdsl/parser.py", "kokdsl/checker.py", "kokdsl/closures.py", "kokdsl/codegen.py", "kokdsl/compiler.py",
    "kokdsl/compiled.py", "kokdsl/selfreport.py", "kokdsl/evaluator.py", "kokdsl/decision.py", "kokdsl/pipeline.py",
    "kokdsl/prose.py", "kokdsl/batch.py", "kokdsl/text.py",
)
_ERROR_LINE = re.compile(r"^(kokdsl/\S+\.py):\d+: error:", re.MULTILINE)


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=600)


def mypy_error_counts() -> tuple[Counter[str], str]:
    result = _run("mypy")
    if result.returncode not in (0, 1):
        raise RuntimeError(f"mypy did not run: {result.stderr or result.stdout}")
    return Counter(_ERROR_LINE.findall(result.stdout)), result.stdout


TOOLS = ROOT / "constraints" / "tools.txt"


def pinned_tools() -> dict[str, str]:
    """Package -> the exact version constraints/tools.txt pins."""
    pins = {}
    for line in TOOLS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[name.strip()] = version.strip()
    return pins


def test_the_code_quality_tools_are_the_pinned_versions():
    """ruff and mypy as pinned, so their verdicts change only when a pin does
    (install with `-c constraints/tools.txt`)."""
    from importlib.metadata import version

    pins = pinned_tools()
    assert {"ruff", "mypy", "types-PyYAML"} <= set(pins) and all(pins.values()), pins
    installed = {name: version(name) for name in pins}
    assert installed == pins, "reinstall with: pip install -e '.[test]' -c constraints/tools.txt"


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


def test_pipeline_modules_are_strict():
    allowed = json.loads(RATCHET.read_text(encoding="utf-8"))
    assert not [m for m in PIPELINE if m in allowed], "a pipeline module may not have a mypy allowance"


# A NodeVisitor's handlers (visit_Compare, explain_Logic) are one method per
# node kind, documented together by their class.
_HANDLER = re.compile(r"^(visit|explain|gen|trace)_[A-Z]")


def _undocumented(module: str) -> list[str]:
    """Public functions, classes and public methods of `module` that have no docstring."""
    missing = []
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)) or node.name.startswith("_"):
            continue
        if ast.get_docstring(node) is None:
            missing.append(f"{module}:{node.lineno} {node.name}")
        if isinstance(node, ast.ClassDef):
            for method in node.body:
                if (isinstance(method, ast.FunctionDef) and not method.name.startswith("_")
                        and not _HANDLER.match(method.name) and ast.get_docstring(method) is None):
                    missing.append(f"{module}:{method.lineno} {node.name}.{method.name}")
    return missing


def test_pipeline_public_names_have_docstrings():
    missing = [entry for module in PIPELINE for entry in _undocumented(module)]
    assert not missing, "public names without a docstring:\n" + "\n".join(missing)


def test_a_long_module_says_why_it_is_one():
    """CONTRIBUTING: a module over about 400 lines says in its docstring why it is one module."""
    silent = []
    for path in sorted((ROOT / "kokdsl").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 400 and "400 lines" not in (ast.get_docstring(ast.parse(text)) or ""):
            silent.append(str(path.relative_to(ROOT)))
    assert not silent, "over 400 lines, with no reason in the module docstring: " + ", ".join(silent)


def update_ratchet() -> None:
    """Lower each module's allowance to its current count (never raise it)."""
    counts, _ = mypy_error_counts()
    allowed = json.loads(RATCHET.read_text(encoding="utf-8"))
    lowered = {file: min(n, counts.get(file, 0)) for file, n in allowed.items()}
    RATCHET.write_text(json.dumps({f: n for f, n in sorted(lowered.items()) if n}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    update_ratchet()
