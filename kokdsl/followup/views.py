"""The yearly follow-up's overview rendered: the table and totals for the
terminal, and the overview page (index.html) from reports/rerun.html.j2. Both
are built from one view (followup/overview.py)."""

from __future__ import annotations

import functools
import os
import textwrap

from kokdsl.followup.overview import OverviewView
from kokdsl.messages import message
from kokdsl.outputs.environment import environment
from kokdsl.text import terminal_lines


def render_rerun_text(view: OverviewView, lang: str = "sv", brief: bool = False) -> str:
    """The yearly rerun for the terminal: the table of centres, then totals,
    changes and problems. Brief (the reports went to a folder): no table."""
    m = functools.partial(message, lang=lang)
    out = [view["heading"], *view["notices"], ""]
    if view["edition_note"]:
        out += [view["edition_note"], ""]
    if not brief:
        out += _centre_table(view, lang) + [""]
    out.append(view["totals"])
    if view["changes"] is not None:
        out.append("")
        if not view["changes"]:
            out.append(view["no_changes"])
        else:
            out.append(view["changes_heading"])
            out += [f"  {c['who']}: {c['text']}" for c in view["changes"]]
    if view["unreadable"]:
        out += ["", m("rerun.unreadable_heading")]
        out += [f"  {u['file']}: {u['message']}" for u in view["unreadable"]]
    if view["waiver_problems"]:
        out += ["", m("waiver.unknown_centre_heading")]
        out += [f"  {w['text']}" for w in view["waiver_problems"]]
    if view["expiring"]:
        out += ["", m("rerun.expiring_heading")]
        out += [f"  {w['text']}" for w in view["expiring"]]
    return terminal_lines(out)


def _centre_table(view: OverviewView, lang: str) -> list[str]:
    m = functools.partial(message, lang=lang)
    header = [m("rerun.col_centre"), m("rerun.col_id"), m("rerun.col_decision"), m("rerun.col_failed"),
              m("rerun.col_unknown"), m("rerun.col_remarks")]
    rows = [[row["name"], row["id"], row["decision"], row["failed"], row["unknown"], row["remarks"]]
            for row in view["centres"]]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    widths[0] = min(widths[0], 44)
    out = []
    table: list[list[str] | None] = [header, None, *rows]
    for row in table:
        if row is None:
            out.append("  ".join("-" * w for w in widths))
            continue
        cells = [textwrap.shorten(row[0], widths[0], placeholder="…"), *row[1:]]
        out.append("  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=False)).rstrip())
    return out


def render_rerun_html(view: OverviewView) -> str:
    """The rerun's overview page."""
    template = environment().get_template("rerun.html.j2")
    return template.render(view=view, t=functools.partial(_t, view["lang"]))


def write_rerun_html(view: OverviewView, path: str | os.PathLike[str]) -> None:
    """The overview page streamed to a file, a piece at a time: its size
    grows with the centres, the memory it takes does not."""
    template = environment().get_template("rerun.html.j2")
    with open(path, "w", encoding="utf-8", newline="") as f:
        for piece in template.generate(view=view, t=functools.partial(_t, view["lang"])):
            f.write(piece)


def _t(lang: str, code: str, **params: object) -> str:
    return message(code, lang, **params)
