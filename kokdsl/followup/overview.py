"""The rerun as an officer reads it: the overview page (index.html), the
terminal summary and the centres × requirements matrix (centres.csv).

Everything here is built from the small per-centre rows a run keeps; no
assessment is needed, so the overview of 60,000 centres costs what their
rows cost.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, TypedDict

from kokdsl import ast
from kokdsl.batch import UNREADABLE, decision_label, decision_totals
from kokdsl.compiled import CompiledRequirement, CompiledRulebook
from kokdsl.followup.changes import Change, change_text
from kokdsl.followup.outfolder import href
from kokdsl.followup.rerun import LETTER_OUTCOMES, CentreRow
from kokdsl.followup.summary import PreviousRun
from kokdsl.messages import message
from kokdsl.outputs.provenance import provenance_notices
from kokdsl.pipeline import TOOL_VERSION

if TYPE_CHECKING:
    from kokdsl.followup.changes import EditionChange

RANKS = {"approved": 0, "supplement_request": 1, "rejection": 2, UNREADABLE: 3}  # sorting by decision
CHART_BAR = 18  # pixels per requirement in the deviation chart
CHART_LABEL = 70
CHART_WIDTH = 640


class CentreLine(TypedDict):
    """One centre in the overview's table (index.html and the terminal)."""

    file: str
    kind: str
    decision: str
    name: str
    id: str
    failed: str
    unknown: str
    remarks: str
    deviations: str
    not_met: str  # every requirement not met, in force or not: what the requirement filter matches
    others: str  # proposals and examples not met ("–" when none)
    href: str | None
    rank: int


class OverviewView(TypedDict):
    """What the overview page and the terminal summary show of a rerun."""

    lang: str
    tool_version: str
    run_date: str
    rulebook: dict[str, object]
    heading: str
    count: int
    centres: CentreLines
    totals: str
    total_cards: list[dict[str, object]]
    edition_note: str
    changes: list[dict[str, str]] | None  # None without a previous run to compare with
    changes_heading: str
    no_changes: str
    unreadable: list[dict[str, str | None]]
    expiring: list[dict[str, str]]
    waiver_problems: list[dict[str, str]]
    notices: list[str]
    charts: list[dict[str, object]]
    requirements: list[str]
    requirement_groups: list[dict[str, object]]
    decisions: list[dict[str, str]]


def overview_view(rulebook: CompiledRulebook, rows: list[CentreRow], change_list: list[Change] | None,
                  previous: PreviousRun | None, lang: str, run_date: datetime.date,
                  edition: EditionChange | None = None, expiring: list[dict[str, str]] | None = None,
                  waiver_problems: list[dict[str, str]] | None = None) -> OverviewView:
    """Plain data for the text summary and the HTML page."""
    m = functools.partial(message, lang=lang)
    previous_date = previous.get("run_date") if previous else None
    totals = decision_totals(rows)
    return {
        "lang": lang,
        "tool_version": TOOL_VERSION,
        "run_date": run_date.isoformat(),
        "rulebook": {"name": rulebook.name, "edition": rulebook.edition},
        "heading": m("rerun.heading", name=rulebook.name, edition=rulebook.edition, count=len(rows)),
        "count": len(rows),
        "centres": CentreLines(rows, lang, rulebook),
        "totals": m("rerun.totals", totals=", ".join(f"{decision_label(k, lang)} {n}" for k, n in totals.items())),
        "total_cards": [{"kind": k, "label": decision_label(k, lang), "n": n} for k, n in totals.items()],
        "edition_note": _edition_note(edition, lang),
        "changes": None if previous is None else [
            {"who": f"{c.key} {c.name}" if c.name else c.key, "text": change_text(c, lang)} for c in change_list or []],
        "changes_heading": m("rerun.changes_heading", date=previous_date) if previous else "",
        "no_changes": m("rerun.no_changes", date=previous_date) if previous else "",
        "unreadable": [{"file": r.file, "message": r.error} for r in rows if not r.readable],
        "expiring": expiring or [],
        "waiver_problems": waiver_problems or [],
        "notices": provenance_notices(rulebook, lang),
        "charts": deviation_charts(rulebook, rows, lang),
        "requirements": [r.id for r in rulebook.requirements],
        "requirement_groups": requirement_groups(rulebook, lang),
        "decisions": [{"kind": k, "label": decision_label(k, lang)} for k in totals],
    }


class CentreLines:
    """The overview's rows, made one at a time each time they are read, so
    60,000 centres never sit in memory as 60,000 dictionaries."""

    def __init__(self, rows: list[CentreRow], lang: str, rulebook: CompiledRulebook) -> None:
        self.rows, self.lang = rows, lang
        self.ids = [r.id for r in rulebook.requirements]
        self.in_force = [r.in_force for r in rulebook.requirements]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[CentreLine]:
        for row in self.rows:
            outcomes = row.outcomes or "-" * len(self.ids)  # an unreadable file has no outcomes
            not_met = [(rid, in_force) for rid, in_force, letter in zip(self.ids, self.in_force, outcomes, strict=True)
                       if letter == "n"]
            others = [rid for rid, in_force in not_met if not in_force]
            yield {
                "file": row.file, "kind": row.decision, "decision": decision_label(row.decision, self.lang),
                "name": row.name or row.file, "id": row.id or "–",
                "failed": ", ".join(row.reasons) or "–", "unknown": ", ".join(row.supplements) or "–",
                "remarks": str(len(row.remarks)) if row.readable else "–",
                "deviations": " ".join((*row.reasons, *row.remarks)),
                "not_met": " ".join(rid for rid, _ in not_met),
                "others": ", ".join(others) or "–",
                "href": href(row.report) if row.report else None,
                "rank": RANKS[row.decision],
            }


def _edition_note(edition: EditionChange | None, lang: str) -> str:
    if edition is None:
        return ""
    if edition["same_edition"]:
        return message("rerun.rulebook_changed_same_edition", lang, edition=edition["after"])
    return message("rerun.edition_changed", lang, before=edition["before"], after=edition["after"])


def not_met_counts(rulebook: CompiledRulebook, rows: list[CentreRow]) -> list[tuple[CompiledRequirement, int]]:
    """(requirement, how many centres do not meet it), book order, only those with any."""
    counts = [0] * len(rulebook.requirements)
    for row in rows:
        for index, letter in enumerate(row.outcomes):
            if letter == "n":
                counts[index] += 1
    return [(req, n) for req, n in zip(rulebook.requirements, counts, strict=True) if n]


def deviation_counts(rulebook: CompiledRulebook, rows: list[CentreRow]) -> list[tuple[CompiledRequirement, int]]:
    """The deviations (avvikelser): requirements in force that some centre does not meet, with how many."""
    return [(req, n) for req, n in not_met_counts(rulebook, rows) if req.in_force]


# The overview's charts by status: only what is in force is a deviation;
# proposals ("om förslagen antas") and examples are counted apart.
CHART_STATUSES = (ast.IN_FORCE, ast.PROPOSAL, ast.EXAMPLE)


def deviation_charts(rulebook: CompiledRulebook, rows: list[CentreRow], lang: str) -> list[dict[str, object]]:
    """One chart per status that some centre does not meet: the deviations
    (requirements in force), then the proposals were they adopted, then the
    examples, each headed and labelled on its own."""
    counts = not_met_counts(rulebook, rows)
    charts = []
    for status in CHART_STATUSES:
        data = [(req, n) for req, n in counts if req.status == status]
        if data:
            charts.append(_chart(status, data, lang))
    return charts


def _chart(status: str, data: list[tuple[CompiledRequirement, int]], lang: str) -> dict[str, object]:
    """Geometry for one server-rendered SVG bar chart: one bar per requirement
    that some centre does not meet, skall bars and bör bars told apart by
    pattern as well as colour."""
    most = max(n for _, n in data)
    scale = (CHART_WIDTH - CHART_LABEL - 60) / most
    bars = []
    for position, (req, n) in enumerate(data):
        bars.append({"id": req.id, "title": req.title, "modality": req.modality, "n": n,
                     "y": position * CHART_BAR, "width": max(1, round(n * scale)),
                     "label": message(f"rerun.chart_bar.{status}", lang, id=req.id, title=req.title,
                                      modality=req.modality, count=n)})
    return {"status": status, "heading": message(f"rerun.chart_heading.{status}", lang),
            "note": message(f"rerun.chart_note.{status}", lang), "bars": bars, "width": CHART_WIDTH,
            "height": len(bars) * CHART_BAR, "label_width": CHART_LABEL,
            "summary": message(f"rerun.chart_summary.{status}", lang, count=len(bars))}


def requirement_groups(rulebook: CompiledRulebook, lang: str) -> list[dict[str, object]]:
    """The requirement filter's choices, grouped and labelled by status."""
    groups: list[dict[str, object]] = []
    for status in CHART_STATUSES:
        ids = [r.id for r in rulebook.requirements if r.status == status]
        if ids:
            groups.append({"status": status, "label": message(f"rerun.filter_group.{status}", lang), "ids": ids})
    return groups


# -- the matrix for spreadsheets ---------------------------------------------------------------

# OWASP's set (=, +, -, @, tab, CR), the pipe of DDE, the full-width forms a spreadsheet may
# fold to them, and invisible characters (zero-width space, joiners, BOM, soft hyphen) that
# hide what follows from a check of the first character.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "|", "%", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\uff5c",
                  "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad")


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: a leading =, +, -, @, tab, CR or
    | (or a full-width or hidden form of one) would make it run the cell as a
    formula (CSV injection), so it gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_requirement(req: CompiledRequirement, lang: str) -> str:
    """A requirement's column heading: its number, and its status when not in force ("3.1.1 (förslag)")."""
    return req.id if req.in_force else f"{req.id} ({message(f'status.{req.status}', lang)})"


def centres_csv(rulebook: CompiledRulebook, rows: list[CentreRow], lang: str) -> str:
    """The matrix as text (see write_centres_csv)."""
    out = io.StringIO()
    write_centres_csv(rulebook, rows, lang, out)
    return out.getvalue()


def write_centres_csv(rulebook: CompiledRulebook, rows: list[CentreRow], lang: str, out: IO[str]) -> None:
    """Centres × requirements: one row per centre, one column per requirement,
    each cell the outcome in words. Starts with a byte-order mark so Excel
    reads å, ä and ö as UTF-8."""
    labels = {letter: message(f"outcome.{outcome}", lang) for letter, outcome in LETTER_OUTCOMES.items()}
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(message(f"rerun.csv.{col}", lang)) for col in ("id", "name", "file", "decision")]
                    + [csv_cell(csv_requirement(r, lang)) for r in rulebook.requirements])
    for row in rows:
        cells = [row.id, row.name, row.file, decision_label(row.decision, lang)]
        cells += [labels[letter] for letter in row.outcomes] if row.outcomes else [""] * len(rulebook.requirements)
        writer.writerow([csv_cell(c) for c in cells])
