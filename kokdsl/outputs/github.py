"""GitHub Actions workflow commands: one `::error …::` or `::warning …::`
line per diagnostic, which the Actions runner shows as an annotation on the
file and line (as `ruff --output-format github` and `conftest --output
github` do). `kok check --format github` and `kok lint --format github`.

Paths are relative to the repository root, as the runner expects; values
are escaped as the runner's toolkit does (% CR LF, and : , in properties).
"""

from __future__ import annotations

import os
from pathlib import Path

from kokdsl.diagnostics import Diagnostic
from kokdsl.outputs.sarif import repository_root, rule_id

COMMANDS = {"error": "error", "warning": "warning"}


def render_github(files: list[tuple[str, list[Diagnostic]]], lang: str = "sv", root: Path | None = None) -> str:
    """Every diagnostic of every file as one workflow command a line."""
    root = (root or repository_root()).absolute()
    lines = [annotation(diag, path, lang, root) for path, found in files for diag in found]
    return "".join(line + "\n" for line in lines)


def annotation(diag: Diagnostic, path: str, lang: str, root: Path) -> str:
    """`::error file=…,line=…,col=…,title=KOK103::message`."""
    properties = {"file": _relative(diag.span.file if diag.span else (diag.file or path), root)}
    span = diag.span
    if span is not None and span.line > 0:
        properties["line"] = str(span.line)
        properties["col"] = str(span.column)
        if span.end_line >= span.line:
            properties["endLine"] = str(span.end_line)
            if span.end_line == span.line and span.end_column > span.column:
                properties["endColumn"] = str(span.end_column)
    properties["title"] = f"kok {rule_id(diag)}"
    joined = ",".join(f"{key}={_property(value)}" for key, value in properties.items())
    return f"::{COMMANDS.get(diag.severity, 'notice')} {joined}::{_data(diag.text(lang))}"


def _relative(path: str, root: Path) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix()


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
