"""The shapes of summary.json (docs/summary.schema.json), for the code that
writes it (followup/rerun.py) and the code that reads last year's back
(followup/changes.py, followup/overview.py).

These are the JSON objects themselves, typed: the run spools each centre's
entry as JSON text, and `--previous` reads a file only after checking it
against the schema, so what the reader indexes is what the schema promises.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict


class SummaryRulebook(TypedDict):
    name: str
    edition: int | str
    sha256: str
    file: NotRequired[str]


class SummaryHeader(TypedDict):
    """Everything in summary.json before the centres."""

    format: str
    format_version: int
    tool: NotRequired[dict[str, str]]
    run_date: str
    rulebook: SummaryRulebook


class SummaryEntry(TypedDict):
    """One centre. A readable one has name, id, sha256, report, outcomes and
    facts; an unreadable one error and message."""

    key: str
    file: str
    decision: str
    name: NotRequired[str | None]
    id: NotRequired[str | None]
    sha256: NotRequired[str | None]
    report: NotRequired[str | None]
    document: NotRequired[str | None]  # the letter written to `report` (outputs/letters.py), None without --out
    outcomes: NotRequired[dict[str, str]]  # requirement id -> outcome
    # The self-report's content; once read back by --previous, kept as compact JSON text.
    facts: NotRequired[object]
    waived: NotRequired[list[str]]
    error: NotRequired[str | None]
    message: NotRequired[str | None]


class PreviousRun(SummaryHeader):
    """A whole summary.json as `kok rerun --previous` reads it."""

    centres: list[SummaryEntry]
    changes: NotRequired[list[object]]
    waivers: NotRequired[list[object]]
    skipped: NotRequired[list[dict[str, str]]]  # folder entries not assessed, with the reason
