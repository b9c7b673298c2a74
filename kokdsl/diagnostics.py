"""Diagnostics: what is wrong with a rulebook or a self-report, and where.

A diagnostic is data (a message code and its parameters), never a formatted
string, so that the same problem can be shown in Swedish or English and tested
as a whole message. Stages collect diagnostics in lists instead of raising on
the first problem.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from typing import Any

import attrs

from kokdsl.ast import Span
from kokdsl.messages import message
from kokdsl.text import printable

ERROR = "error"
WARNING = "warning"


@attrs.frozen
class Diagnostic:
    severity: str
    code: str
    params: dict[str, Any] = attrs.field(factory=dict, hash=False)
    span: Span | None = None
    path: str | None = None  # JSON path into a self-report, e.g. $.filialer[1].namn
    file: str | None = None  # the self-report file, when path is set

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def text(self, lang: str = "sv") -> str:
        return message(self.code, lang, **self.params)

    def location(self) -> str:
        if self.span is not None:
            return str(self.span)
        if self.path is not None:
            return f"{self.file}: {self.path}" if self.file else self.path
        return self.file or ""


_SIMPLE_KEY = re.compile(r"[^\W\d]\w*")


def key_path(parent: str, key: object) -> str:
    """The JSON path of a mapping key below `parent`: `$.a.b` for a name,
    `$.a["a b"]` for any other key. Every self-report path is built here."""
    text = str(key)
    return f"{parent}.{text}" if _SIMPLE_KEY.fullmatch(text) else f"{parent}[{json.dumps(text, ensure_ascii=False)}]"


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


MAX_SHOWN_LINE = 160  # characters of a source line shown under a diagnostic


def format_diagnostic(diag: Diagnostic, lang: str = "sv", source: str | None = None, code: str | None = None) -> str:
    """Render one diagnostic the way compilers do: location, severity (and
    `code`, a lint rule's, when given), message, then the source line with a
    caret under the offending column. Every line is made printable: a control
    character in the source or a file name is shown, never obeyed by the
    terminal."""
    severity = message(f"severity.{diag.severity}", lang)
    lines = [f"{diag.location()}: {severity}{' ' + code if code else ''}: {diag.text(lang)}"]
    if diag.span is not None and source is not None and diag.span.line > 0:
        source_lines = source_lines_of(source)
        if diag.span.line <= len(source_lines):
            width = 1
            if diag.span.end_line == diag.span.line and diag.span.end_column > diag.span.column:
                width = diag.span.end_column - diag.span.column
            text, column, width = _window(source_lines[diag.span.line - 1].expandtabs(1), diag.span.column, width)
            gutter = f"{diag.span.line:>5} | "
            lines.append(gutter + text)
            lines.append(" " * (len(gutter) - 2) + "| " + " " * (column - 1) + "^" * width)
    hint = diag.params.get("hint_code")
    if hint:
        lines.append("      " + message(hint, lang, **diag.params))
    return "\n".join(printable(line) for line in lines)


@functools.lru_cache(maxsize=4)
def source_lines_of(source: str) -> tuple[str, ...]:
    """A source's lines as the parser counts them (only \\n ends one, not \\v,
    \\f or U+2028), split once per source: a book with thousands of findings
    would otherwise be split once per finding. (A str caches its hash, and the
    cache compares the same object by identity, so a hit costs nothing.)"""
    return tuple(source.split("\n"))


def _window(text: str, column: int, width: int) -> tuple[str, int, int]:
    """At most MAX_SHOWN_LINE characters of a long line, around the column."""
    if len(text) <= MAX_SHOWN_LINE:
        return text, column, width
    start = max(0, column - 1 - MAX_SHOWN_LINE // 3)
    end = min(len(text), start + MAX_SHOWN_LINE)
    shown = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    column = column - start + (1 if start else 0)
    return shown, column, max(1, min(width, end - start - (column - 1 - (1 if start else 0))))


def sort_key(diag: Diagnostic) -> tuple[str, int, int, str, str]:
    span = diag.span
    return (diag.file or (span.file if span else ""), span.line if span else 0,
            span.column if span else 0, diag.path or "", diag.code)
