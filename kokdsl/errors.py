"""The one exception tree: every error kokdsl raises on purpose is a KokError.

A KokError carries diagnostics (data, see diagnostics.py), never a formatted
string, so the command line shows every one of them the same way, in the
user's language, and exits 2. Anything else that escapes is a bug in kokdsl
(exit 3, see cli.py).

    KokError
    ├── RulebookError          a rulebook with errors (its source kept for carets)
    │   └── KokSyntaxError     parser.parse_or_raise
    ├── SelfReportError        selfreport: the file is no self-report at all
    ├── ScheduleFormatError    schedule: a self-reported schedule is malformed
    ├── RuleTestError          tools.ruletest: an unusable test file
    ├── EditionError           tools.editions: no edition fits
    ├── OutputError            outputs.files: a report cannot be written
    ├── PreviousRunError       tools.changes: --previous is no summary, or a malformed one
    ├── FolderError            tools.outfolder: --out holds other files
    ├── ImpactError            tools.impact: an unknown requirement
    └── InputRefused           reading: not a regular file, or standard input too slow (also an OSError)
    (plus private control-flow subclasses inside parser and selfreport)

The classes live beside the code that raises them and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kokdsl.diagnostics import ERROR, Diagnostic


class KokError(Exception):
    """A problem the user can fix, described by one or more diagnostics.

    Construct it from a Diagnostic, a list of them, or a message code and its
    parameters: ``KokError("output.pdf_stdout")``. Private control-flow
    subclasses may carry no diagnostic at all.
    """

    source: str | None = None  # the rulebook text, when the diagnostics point into one

    def __init__(self, problem: Diagnostic | Iterable[Diagnostic] | str = (), /, **params: Any) -> None:
        if isinstance(problem, str):
            diagnostics = [Diagnostic(ERROR, problem, params)]
        elif isinstance(problem, Diagnostic):
            diagnostics = [problem]
        else:
            diagnostics = list(problem)
        self.diagnostics: list[Diagnostic] = diagnostics
        super().__init__("; ".join(_summary(d) for d in diagnostics))

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from the diagnostics, whatever the subclass's constructor
        # takes, so errors cross process boundaries (rerun's worker pool).
        return _rebuild, (type(self), self.diagnostics, self.__dict__)

    @property
    def diagnostic(self) -> Diagnostic:
        """The first (usually the only) diagnostic."""
        return self.diagnostics[0]

    @property
    def code(self) -> str:
        return self.diagnostic.code

    @property
    def params(self) -> dict[str, Any]:
        return self.diagnostic.params


class RulebookError(KokError):
    """A rulebook that cannot be used: its diagnostics (errors and warnings)
    and its source, so each can be shown with the offending line."""

    def __init__(self, diagnostics: Iterable[Diagnostic], source: str | None = None) -> None:
        super().__init__(diagnostics)
        self.source = source


def _summary(diag: Diagnostic) -> str:
    location = diag.location()
    return f"{location}: {diag.code}" if location else diag.code


def _rebuild(cls: type[KokError], diagnostics: list[Diagnostic], state: dict[str, Any]) -> KokError:
    error = cls.__new__(cls)
    KokError.__init__(error, diagnostics)
    error.__dict__.update(state)
    return error


def __getattr__(name: str) -> type[KokError]:
    """The tree's public classes, importable from here without importing every
    stage up front (`kok check` never loads the self-report code)."""
    import importlib

    homes = {"KokSyntaxError": "kokdsl.parser", "SelfReportError": "kokdsl.selfreport",
             "ScheduleFormatError": "kokdsl.schedule", "RuleTestError": "kokdsl.tools.ruletest",
             "EditionError": "kokdsl.tools.editions", "OutputError": "kokdsl.outputs.files",
             "PreviousRunError": "kokdsl.tools.changes",
             "FolderError": "kokdsl.tools.outfolder", "ImpactError": "kokdsl.tools.impact"}
    if name not in homes:
        raise AttributeError(name)
    cls: type[KokError] = getattr(importlib.import_module(homes[name]), name)
    return cls
