"""The one exception tree: every error kokdsl raises on purpose is a KokError.

A KokError carries diagnostics (data, see diagnostics.py), never a formatted
string, so the command line shows every one of them the same way, in the
user's language, and exits 2. Anything else that escapes is a bug in kokdsl
(exit 3, see cli.py).

    KokError                   anything the user can fix (raise it with a message code)
    ├── RulebookError          a rulebook with errors (its source kept for carets)
    │   └── KokSyntaxError     parser.parse_or_raise
    ├── DocumentError          documents: a YAML or JSON document cannot be read
    ├── SelfReportError        selfreport: the file is no self-report at all
    ├── ScheduleFormatError    schedule: a self-reported schedule is malformed
    ├── RuleTestError          authoring.ruletest: an unusable test file
    ├── OutputError            outputs.files: a report cannot be written
    ├── InputRefused           reading: not a regular file, or standard input too slow (also an OSError)
    └── RequestRefused         serve: a request the case register refuses, with its HTTP status

Every class lives here, as sqlglot and Jinja keep theirs. A subclass exists
only where some code catches it by its class or reads what it adds; anything
else is a plain KokError with its message code. (A few private subclasses in
parser, selfreport and followup.waivers are control flow inside one module,
never seen outside it.)
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



class KokSyntaxError(RulebookError):
    """Raised by parser.parse_or_raise: every syntax error found in one source."""


class DocumentError(KokError):
    """The document cannot be read: a message code, its parameters and, for
    YAML, the line and column (1-based) it concerns. selfreport adds the file."""

    def __init__(self, code: str, line: int = 0, column: int = 0, **params: Any) -> None:
        super().__init__(code, line=line, column=column, **params)


class SelfReportError(KokError):
    """The file cannot be read as a self-report at all (not YAML, too large,
    not a mapping). Problems inside a readable report are diagnostics instead."""


class ScheduleFormatError(KokError):
    """A self-reported schedule could not be parsed.

    ``code`` is one of ``schedule.not_mapping``, ``schedule.bad_day``,
    ``schedule.bad_interval`` or ``schedule.bad_time``; ``subpath`` is a
    JSONPath suffix relative to the schedule value (``""`` for the value itself).
    """

    def __init__(self, code: str, params: dict[str, Any], subpath: str = ""):
        super().__init__(Diagnostic(ERROR, code, params))
        self.subpath = subpath

    def __str__(self) -> str:
        where = f" at {self.subpath}" if self.subpath else ""
        return f"{self.code}{where}: {self.params}"


class RuleTestError(KokError):
    """The test file cannot be used: unreadable, or a case is malformed."""


class OutputError(KokError):
    """A report cannot be written: a message code and its parameters."""


def _summary(diag: Diagnostic) -> str:
    location = diag.location()
    return f"{location}: {diag.code}" if location else diag.code


def _rebuild(cls: type[KokError], diagnostics: list[Diagnostic], state: dict[str, Any]) -> KokError:
    error = cls.__new__(cls)
    KokError.__init__(error, diagnostics)
    error.__dict__.update(state)
    return error


class InputRefused(KokError, OSError):
    """reading: a file that is not regular, or standard input too slow. Also
    an OSError, so every caller that reports an unreadable file reports this
    one too; `reason` renders itself in the reader's language."""

    def __init__(self, reason: Any) -> None:
        super().__init__(reason.code, **reason.params)
        self.reason = reason


class RequestRefused(KokError):
    """A request `kok serve` refuses: a message code, its parameters and the
    HTTP status to answer with (401 not signed in, 403 a role that may not,
    404, 409, 413 …)."""

    def __init__(self, code: str, status: int = 400, **params: Any) -> None:
        super().__init__(code, **params)
        self.status = status
