"""What changed since last year's rerun, and why.

Centres are matched by id; a centre without one (an unreadable file, or a
self-report that gives no id) is matched by its file path, then by its file
name. When the rulebook changed too, each changed decision and deviation is
attributed to the rule change, the self-report change, or both, by running
last year's self-report (kept in summary.json) under this year's rulebook.
"""

from __future__ import annotations

import collections
import functools
import json
from pathlib import Path, PurePath

import attrs

from kokdsl.compiled import CompiledRulebook
from kokdsl.errors import KokError
from kokdsl.evaluator import NOT_MET
from kokdsl.messages import message
from kokdsl.resources import data_dir
from kokdsl.tools.jsonshape import first_problem
from kokdsl.tools.outfolder import display_path
from kokdsl.tools.rerun import LETTER_OUTCOMES, UNREADABLE, CentreRow

SCHEMA_FILE = "summary.schema.json"
RULE, REPORT, BOTH = "rule", "report", "both"


class PreviousRunError(KokError):
    """--previous is not a summary.json this version can read."""


@functools.cache
def summary_schema() -> dict:
    """The published JSON Schema of summary.json (docs/summary.schema.json)."""
    return json.loads((data_dir("reports") / SCHEMA_FILE).read_text(encoding="utf-8"))


def load_previous(path: str, lang: str = "sv") -> dict:
    """Last year's summary.json, checked against its schema; PreviousRunError
    says what is wrong and where."""
    shown = display_path(path)
    try:
        data = json.loads(Path(path).read_bytes().decode("utf-8"))
    except OSError as exc:
        raise PreviousRunError("rerun.previous_unreadable", path=shown, reason=exc.strerror or str(exc)) from None
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reason
        raise PreviousRunError("rerun.previous_not_summary", path=shown) from None
    if not isinstance(data, dict) or data.get("format") != "kokdsl.tools.rerun":
        raise PreviousRunError("rerun.previous_not_summary", path=shown)
    problem = first_problem(data, summary_schema())
    if problem is not None:
        where, code, params = problem
        raise PreviousRunError("rerun.previous_invalid", path=shown, where=where,
                               problem=message(code, lang, **params))
    return data


@attrs.frozen
class Change:
    """One thing that changed for one centre since the previous run."""

    key: str
    name: str | None
    code: str  # rerun.change.*
    params: dict = attrs.field(factory=dict, hash=False)
    cause: str | None = None  # RULE, REPORT or BOTH when the rulebook changed too


def rulebook_changed(previous: dict, current_header: dict) -> bool:
    return previous["rulebook"].get("sha256") != current_header["rulebook"]["sha256"]


def edition_change(previous: dict, current_header: dict) -> dict | None:
    """{'before': 2024, 'after': 2025, 'same_edition': False} when the book changed."""
    if not rulebook_changed(previous, current_header):
        return None
    before, after = previous["rulebook"].get("edition"), current_header["rulebook"]["edition"]
    return {"before": before, "after": after, "same_edition": str(before) == str(after)}


def match_previous(previous: dict, rows: list[CentreRow]) -> dict[int, dict]:
    """Row index -> last year's entry for the same centre: by id, else by file
    path, else by file name when only one file had that name."""
    entries = previous["centres"]
    by_key = {e["key"]: e for e in entries}
    by_file = {e["file"]: e for e in entries}
    names = collections.Counter(PurePath(e["file"]).name for e in entries)
    by_name = {PurePath(e["file"]).name: e for e in entries if names[PurePath(e["file"]).name] == 1}
    claimed = {row.key for row in rows if row.id and row.key in by_key}
    out = {}
    for index, row in enumerate(rows):
        if row.id and row.key in by_key:
            out[index] = by_key[row.key]
            continue
        found = by_file.get(row.file) or by_name.get(PurePath(row.file).name)
        if found is not None and found["key"] not in claimed and (not row.id or found["decision"] == UNREADABLE):
            claimed.add(found["key"])
            out[index] = found
    return out


def changes(previous: dict, header: dict, rows: list[CentreRow], rulebook: CompiledRulebook) -> list[Change]:
    """Decisions that changed, deviations that are new or fixed, files that
    could not be read this year, and centres that came or went; by centre."""
    matched = match_previous(previous, rows)
    attribute = _Attributor(rulebook) if rulebook_changed(previous, header) else None
    ids = [r.id for r in rulebook.requirements]
    found: list[tuple[str, list[Change]]] = []
    for index, row in enumerate(rows):
        old = matched.get(index)
        key = old["key"] if old is not None else row.key
        name = row.name or (old or {}).get("name")
        if old is None:
            found.append((key, [Change(key, name, "rerun.change.new_centre", {"decision": row.decision})]))
        elif not row.readable:
            if old["decision"] != UNREADABLE:
                found.append((key, [Change(key, name, "rerun.change.unreadable", {"decision": old["decision"]})]))
        else:
            found.append((key, _centre_changes(key, name, old, row, ids, attribute)))
    seen = {e["key"] for e in matched.values()}
    for old in previous["centres"]:
        if old["key"] not in seen:
            found.append((old["key"], [Change(old["key"], old.get("name"), "rerun.change.gone",
                                              {"decision": old["decision"]})]))
    found.sort(key=lambda item: item[0])
    return [change for _, group in found for change in group]


def _centre_changes(key, name, old: dict, row: CentreRow, ids: list[str], attribute) -> list[Change]:
    out = []
    now = {i: LETTER_OUTCOMES[letter] for i, letter in zip(ids, row.outcomes, strict=True)}
    old_failed, new_failed = _deviations(old.get("outcomes") or {}), _deviations(now)
    if old["decision"] != row.decision:
        cause = attribute.decision(old, row) if attribute else None
        out.append(Change(key, name, "rerun.change.decision", {"before": old["decision"], "after": row.decision},
                          cause))
    for req in sorted(new_failed - old_failed, key=id_order):
        cause = attribute.deviation(old, row, req, now_failing=True) if attribute else None
        out.append(Change(key, name, "rerun.change.new_deviation", {"requirement": req}, cause))
    for req in sorted(old_failed - new_failed, key=id_order):
        if req in now:
            cause = attribute.deviation(old, row, req, now_failing=False) if attribute else None
            out.append(Change(key, name, "rerun.change.fixed_deviation", {"requirement": req}, cause))
    return out


def _deviations(outcomes: dict) -> set[str]:
    return {req for req, outcome in outcomes.items() if outcome == NOT_MET}


def id_order(req_id: str) -> tuple:
    """'6.4' < '6.4.1' < '6.4a' < '6.10': numbers by value, letters after numbers."""
    import re

    parts = re.findall(r"\d+|[^\d.\-]+", str(req_id))
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


class _Attributor:
    """Why did it change? Last year's self-report, re-run under this year's
    rulebook, separates the rule change from the self-report change."""

    def __init__(self, rulebook: CompiledRulebook):
        self.rulebook = rulebook
        self._cache: dict[str, object] = {}

    def _old_facts_now(self, old: dict):
        """The assessment of last year's facts under this year's book; None
        when last year's summary did not keep them or they no longer load."""
        if old["key"] not in self._cache:
            self._cache[old["key"]] = self._assess(old)
        return self._cache[old["key"]]

    def _assess(self, old: dict):
        from kokdsl.pipeline import assess
        from kokdsl.selfreport import SelfReportError, validate

        if not isinstance(old.get("facts"), dict):
            return None
        try:
            return assess(self.rulebook, validate(old["facts"], self.rulebook, old["file"], old.get("sha256") or ""))
        except (SelfReportError, ValueError, TypeError):
            return None

    def decision(self, old: dict, row: CentreRow) -> str | None:
        if old.get("sha256") and old["sha256"] == row.sha256:
            return RULE  # same self-report, different book
        then = self._old_facts_now(old)
        if then is None:
            return None
        if then.decision.kind == old["decision"]:
            return REPORT  # the new book alone changes nothing
        return RULE if then.decision.kind == row.decision else BOTH

    def deviation(self, old: dict, row: CentreRow, req: str, now_failing: bool) -> str | None:
        if old.get("sha256") and old["sha256"] == row.sha256:
            return RULE
        then = self._old_facts_now(old)
        if then is None:
            return None
        failing_then = any(r.requirement.id == req and r.outcome == NOT_MET for r in then.evaluation.results)
        return RULE if failing_then == now_failing else REPORT


def change_text(change: Change, lang: str) -> str:
    """The change in words, decisions by their names, and its cause."""
    params = {k: (decision_label(v, lang) if k in ("decision", "before", "after") else v)
              for k, v in change.params.items()}
    text = message(change.code, lang, **params)
    if change.cause:
        text += " " + message(f"rerun.cause.{change.cause}", lang)
    return text


def change_json(change: Change, lang: str) -> dict:
    out = {"key": change.key, "name": change.name, "code": change.code, "params": change.params,
           "message": change_text(change, lang)}
    if change.cause:
        out["cause"] = change.cause
    return out


def decision_label(kind: str, lang: str) -> str:
    return message("rerun.unreadable" if kind == UNREADABLE else f"decision.{kind}", lang)
