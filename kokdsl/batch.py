"""Many centres at once, for the verbs that run one rulebook over a folder of
self-reports (the yearly rerun, impact) or write one (synthetic centres):
which files are self-reports, and the proposed decisions counted, with
UNREADABLE for a self-report that could not be read.

    files, skipped = self_report_files(["examples/centres"])
    decision_totals(rows)   # {"approved": 21, "rejection": 8, ...}
"""

from __future__ import annotations

import collections
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import attrs

from kokdsl.enums import DecisionKind
from kokdsl.messages import message

REPORT_SUFFIXES = (".yaml", ".yml", ".json")
UNREADABLE = "unreadable"  # not a decision: the self-report could not be read
DECISION_ORDER = (DecisionKind.APPROVED, DecisionKind.REJECTION, DecisionKind.SUPPLEMENT_REQUEST, UNREADABLE)


class Decided(Protocol):
    """A centre's row in a run of many: its decision kind, or UNREADABLE."""

    @property
    def decision(self) -> str:
        """The decision kind, or UNREADABLE."""
        ...


@attrs.frozen
class Skipped:
    """An entry of a folder that is not assessed, and why (a message code)."""

    path: str
    reason: str

    def to_json(self, lang: str) -> dict[str, str]:
        """The entry in summary.json's `skipped` (docs/summary.schema.json)."""
        shown = os.fsencode(self.path).decode("utf-8", "replace")
        return {"path": shown, "reason": self.reason, "message": message(self.reason, lang)}


def is_report_name(path: Path) -> bool:
    """A self-report's name: .yaml, .yml or .json, in any case (C.YAML from Windows too)."""
    return path.suffix.lower() in REPORT_SUFFIXES


def self_report_files(paths: Iterable[str]) -> tuple[list[str], list[Skipped]]:
    """Files as given; a folder stands for the entries directly in it with a
    self-report's name, sorted, whatever they are: a FIFO or a link to
    nothing becomes an unreadable row, never a silent gap. Sub-folders (not
    searched: name one to include it) and other names are returned as
    skipped, with their reason, to be named in the output."""
    files: list[str] = []
    skipped: list[Skipped] = []
    for path in map(Path, paths):
        if not path.is_dir():
            files.append(str(path))
            continue
        for entry in sorted(path.iterdir(), key=str):
            if entry.is_dir():
                skipped.append(Skipped(str(entry), "rerun.skip_folder"))
            elif is_report_name(entry):
                files.append(str(entry))
            else:
                skipped.append(Skipped(str(entry), "rerun.skip_name"))
    return files, skipped


def decision_totals(rows: Iterable[Decided]) -> dict[str, int]:
    """How many centres got each decision, in the order officers read them."""
    counted = collections.Counter(row.decision for row in rows)
    return {kind: counted[kind] for kind in DECISION_ORDER if counted[kind]}


def all_approved(rows: Iterable[Decided]) -> bool:
    """Whether every centre is approved (the run's exit code 0)."""
    return all(row.decision == DecisionKind.APPROVED for row in rows)


def any_unreadable(rows: Iterable[Decided]) -> bool:
    """Whether some self-report could not be read (the run's exit code 2)."""
    return any(row.decision == UNREADABLE for row in rows)


def decision_label(kind: str, lang: str) -> str:
    """A decision kind in words; UNREADABLE for a self-report that could not be read."""
    return message("rerun.unreadable" if kind == UNREADABLE else f"decision.{kind}", lang)
