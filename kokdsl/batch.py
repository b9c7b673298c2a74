"""Many centres at once, for the verbs that run one rulebook over a folder of
self-reports (the yearly rerun, impact) or write one (synthetic centres):
which files are self-reports, and the proposed decisions counted, with
UNREADABLE for a self-report that could not be read.

    files = self_report_files(["examples/centres"])
    decision_totals(rows)   # {"approved": 21, "rejection": 8, ...}
"""

from __future__ import annotations

import collections
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

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


def self_report_files(paths: Iterable[str]) -> list[str]:
    """Files as given; a folder stands for the self-reports in it, sorted."""
    out = []
    for path in map(Path, paths):
        if path.is_dir():
            out += sorted(str(p) for p in path.iterdir() if p.suffix in REPORT_SUFFIXES and p.is_file())
        else:
            out.append(str(path))
    return out


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
