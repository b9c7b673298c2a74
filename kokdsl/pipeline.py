"""The front door: runs the stages in order (like Jinja's Environment).

    load_rulebook(path)            parse + compile; RulebookError on errors
    check_rulebook(path)           the same, the diagnostics returned instead (kok check, lint, lsp)
    assess(rulebook, self_report)  load + validate + evaluate + decide
"""

from __future__ import annotations

import datetime
import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from kokdsl import __version__, ast
from kokdsl.collector import collector_paused
from kokdsl.compiled import CompiledRulebook
from kokdsl.compiler import compile_rulebook
from kokdsl.diagnostics import ERROR, Diagnostic, has_errors, sort_key
from kokdsl.errors import RulebookError
from kokdsl.parser import MAX_SOURCE_BYTES, parse
from kokdsl.reading import os_reason, read_bounded

if TYPE_CHECKING:  # the evaluation stages are imported when used: `kok check` never needs them
    from kokdsl.decision import Decision
    from kokdsl.evaluator import Evaluation
    from kokdsl.selfreport import SelfReport

TOOL_VERSION = __version__
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@attrs.frozen
class LoadedRulebook:
    """A rulebook file read and compiled: its source, the compiled rulebook
    and the warnings found (a rulebook with errors is never loaded)."""

    path: str
    source: str
    rulebook: CompiledRulebook
    diagnostics: tuple[Diagnostic, ...]


@attrs.frozen
class RulebookCheck:
    """What checking a rulebook file found: every diagnostic, and the compiled
    rulebook when there is no error (for kok check, lint and the language
    server, which report errors rather than raise them)."""

    path: str
    source: str
    rulebook: CompiledRulebook | None  # None when the source has errors
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        """Whether the rulebook compiled without errors."""
        return self.rulebook is not None

    def loaded(self) -> LoadedRulebook:
        """The loaded rulebook; RulebookError with every diagnostic when the source has errors."""
        if self.rulebook is None:
            raise RulebookError(self.diagnostics, self.source)
        return LoadedRulebook(self.path, self.source, self.rulebook, self.diagnostics)

    def rulebook_or_raise(self) -> CompiledRulebook:
        """The compiled rulebook; RulebookError with every diagnostic when the source has errors."""
        return self.loaded().rulebook


def read_rulebook(path: str | Path) -> tuple[str | None, tuple[Diagnostic, ...]]:
    """A rulebook file's text, or the reason it cannot be read."""
    name = str(path)
    try:  # a regular file, at most one byte past the limit
        raw = read_bounded(path, MAX_SOURCE_BYTES)
    except OSError as exc:
        return None, (Diagnostic(ERROR, "file.unreadable", {"reason": os_reason(exc)}, file=name),)
    if len(raw) > MAX_SOURCE_BYTES:
        return None, (Diagnostic(ERROR, "syntax.too_large", {"limit": MAX_SOURCE_BYTES}, file=name),)
    try:
        return raw.decode("utf-8-sig"), ()
    except UnicodeDecodeError:
        return None, (Diagnostic(ERROR, "file.not_utf8", {}, file=name),)


def load_rulebook(path: str | Path) -> LoadedRulebook:
    """Read, parse and compile a rulebook file; RulebookError with every
    diagnostic when it cannot be read or has errors."""
    return check_rulebook(path).loaded()


def load_rulebook_source(source: str, name: str = "<string>") -> LoadedRulebook:
    """load_rulebook for a rulebook's text; `name` is the file shown in diagnostics."""
    return check_rulebook_source(source, name).loaded()


def check_rulebook(path: str | Path) -> RulebookCheck:
    """Read, parse and compile a rulebook file. Never raises on bad input: the
    problems are in .diagnostics and .rulebook is None."""
    source, problems = read_rulebook(path)
    if source is None:
        return RulebookCheck(str(path), "", None, problems)
    return check_rulebook_source(source, str(path))


def check_rulebook_source(source: str, name: str = "<string>") -> RulebookCheck:
    """check_rulebook for a rulebook's text; `name` is the file shown in diagnostics."""
    return check_rulebook_tree(source, name)[0]


def check_rulebook_tree(source: str, name: str = "<string>",
                        kept: dict[tuple[int, str], ast.Item] | None = None) -> tuple[RulebookCheck, ast.Rulebook]:
    """check_rulebook_source, and the tree it parsed (partial after a syntax
    error), for tools that look at the tree too (lint, the language server):
    parsed once for both. kept: see parser.parse."""
    surrogate = _LONE_SURROGATE.search(source)
    if surrogate is not None:
        # Only a str built in Python can hold one (no file decodes to it); it
        # has no UTF-8 form, so it could be neither hashed nor printed.
        line = source.count("\n", 0, surrogate.start()) + 1
        column = surrogate.start() - (source.rfind("\n", 0, surrogate.start()) + 1) + 1
        problem = Diagnostic(ERROR, "syntax.lone_surrogate", {"codepoint": f"U+{ord(surrogate.group()):04X}"},
                             span=ast.Span(name, line, column, line, column + 1))
        replaced = _LONE_SURROGATE.sub("\ufffd", source)
        return RulebookCheck(name, replaced, None, (problem,)), parse(replaced, name).rulebook
    with collector_paused():
        parsed = parse(source, name, kept)
        try:
            compiled = compile_rulebook(parsed.rulebook, parsed.source)
        except RecursionError:  # an expression nested thousands deep
            too_deep = Diagnostic(ERROR, "syntax.too_deep", {}, span=ast.Span(name, 1, 1, 1, 1))
            return RulebookCheck(name, parsed.source, None, (*parsed.diagnostics, too_deep)), parsed.rulebook
    diagnostics = list(parsed.diagnostics)
    # After a syntax error the AST is partial: "unused fact" would mislead.
    diagnostics += [d for d in compiled.diagnostics if not (parsed.diagnostics and d.code == "compile.unused_fact")]
    diagnostics.sort(key=sort_key)
    rulebook = None if has_errors(diagnostics) else compiled.rulebook
    return RulebookCheck(name, parsed.source, rulebook, tuple(diagnostics)), parsed.rulebook


class Assessment:
    """A centre assessed: the evaluation and the decision drawn from it.
    A plain slotted class: a national rerun makes one per centre."""

    __slots__ = ("evaluation", "decision")

    def __init__(self, evaluation: Evaluation, decision: Decision):
        self.evaluation = evaluation
        self.decision = decision

    def __repr__(self) -> str:
        return f"Assessment({self.evaluation!r}, {self.decision!r})"

    @property
    def rulebook(self) -> CompiledRulebook:
        """The rulebook the self-report was assessed against."""
        return self.evaluation.rulebook

    @property
    def report(self) -> SelfReport:
        """The validated self-report that was assessed."""
        return self.evaluation.report


def assess(rulebook: CompiledRulebook, self_report: str | Path | SelfReport,
           day: datetime.date | None = None) -> Assessment:
    """Load and validate a self-report (a path, or one already loaded), evaluate
    it on `day` (the run date; today when not given) and decide. Raises
    SelfReportError when the file cannot be read at all."""
    decide, evaluate, SelfReport, load_self_report = _evaluation_stages()
    report = self_report if isinstance(self_report, SelfReport) else load_self_report(self_report, rulebook)
    evaluation = evaluate(rulebook, report, day)
    return Assessment(evaluation, decide(evaluation))


@functools.cache
def _evaluation_stages() -> tuple[Any, ...]:
    from kokdsl.decision import decide
    from kokdsl.evaluator import evaluate
    from kokdsl.selfreport import SelfReport, load_self_report

    return decide, evaluate, SelfReport, load_self_report
