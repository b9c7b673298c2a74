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
from collections.abc import Callable, Mapping
from pathlib import Path, PurePath
from typing import TypedDict, cast

import attrs

from kokdsl.batch import UNREADABLE, decision_label
from kokdsl.compiled import CompiledRulebook
from kokdsl.documents import check_unicode
from kokdsl.enums import Outcome
from kokdsl.errors import DocumentError, KokError
from kokdsl.followup.jsonshape import Schema, first_problem
from kokdsl.followup.outfolder import display_path
from kokdsl.followup.rerun import LETTER_OUTCOMES, CentreRow
from kokdsl.followup.summary import PreviousRun, SummaryEntry, SummaryHeader
from kokdsl.messages import message
from kokdsl.reading import os_reason, read_bounded
from kokdsl.resources import data_dir

SCHEMA_FILE = "summary.schema.json"
# A summary holds each centre's row and facts, a few kilobytes: room for tens of thousands of centres.
MAX_PREVIOUS_BYTES = 200_000_000
RULE, REPORT, BOTH = "rule", "report", "both"
# What a decision is judged by when attributing a change: (kind, outcomes by requirement id) -> a comparable result.
Signature = Callable[[str, Mapping[str, str]], object]
# A decision and its outcomes by requirement id, as an assessment gives them.
Result = tuple[str, dict[str, str]]


@functools.cache
def summary_schema() -> Schema:
    """The published JSON Schema of summary.json (docs/summary.schema.json)."""
    schema: Schema = json.loads((data_dir("reports") / SCHEMA_FILE).read_text(encoding="utf-8"))
    return schema


def load_previous(path: str, lang: str = "sv") -> PreviousRun:
    """Last year's summary.json, checked against its schema; a KokError (rerun.previous_*)
    says what is wrong and where."""
    shown = display_path(path)
    try:
        content = read_bounded(path, MAX_PREVIOUS_BYTES)
    except OSError as exc:
        raise KokError("rerun.previous_unreadable", path=shown, reason=os_reason(exc)) from None
    if len(content) > MAX_PREVIOUS_BYTES:
        raise KokError("rerun.previous_too_large", path=shown, limit=MAX_PREVIOUS_BYTES)
    try:
        text = content.decode("utf-8")
        raw: object = json.loads(text)
        check_unicode(raw, text)
    except DocumentError as exc:
        raise KokError("rerun.previous_bad_text", path=shown, **exc.params) from None
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reason
        raise KokError("rerun.previous_not_summary", path=shown) from None
    if not isinstance(raw, dict) or raw.get("format") != "kokdsl.tools.rerun":
        raise KokError("rerun.previous_not_summary", path=shown)
    problem = first_problem(raw, summary_schema())
    if problem is not None:
        where, code, params = problem
        if code == "shape.type":  # JSON's type names in the reader's words
            params = {k: " / ".join(message(f"json_type.{t}", lang) for t in v.split(" / ")) for k, v in params.items()}
        raise KokError("rerun.previous_invalid", path=shown, where=where,
                       problem=message(code, lang, **params))
    data = cast(PreviousRun, raw)  # the schema has just checked the shape
    for entry in data["centres"]:
        # Kept as compact text until a change needs them: a tenth of the memory of the parsed facts.
        if isinstance(entry.get("facts"), dict):
            entry["facts"] = json.dumps(entry["facts"], ensure_ascii=False, separators=(",", ":"))
    return data


@attrs.frozen
class Change:
    """One thing that changed for one centre since the previous run."""

    key: str
    name: str | None
    code: str  # rerun.change.*
    params: dict[str, str] = attrs.field(factory=dict, hash=False)
    cause: str | None = None  # RULE, REPORT or BOTH when the rulebook changed too


class EditionChange(TypedDict):
    before: int | str
    after: int | str
    same_edition: bool  # the book changed but kept its edition


def rulebook_changed(previous: SummaryHeader, current_header: SummaryHeader) -> bool:
    """Was last year's run made with another rulebook (by content, not by name)?"""
    return previous["rulebook"].get("sha256") != current_header["rulebook"]["sha256"]


def edition_change(previous: SummaryHeader, current_header: SummaryHeader) -> EditionChange | None:
    """{'before': 2024, 'after': 2025, 'same_edition': False} when the book changed."""
    if not rulebook_changed(previous, current_header):
        return None
    before, after = previous["rulebook"].get("edition"), current_header["rulebook"]["edition"]
    return {"before": before, "after": after, "same_edition": str(before) == str(after)}


def match_previous(previous: PreviousRun, rows: list[CentreRow]) -> dict[int, SummaryEntry]:
    """Row index -> last year's entry for the same centre. A readable centre
    is matched by its id; a file that could not be read (or a self-report
    without an id) by its path, then by its file name when only one file had
    that name, and last by the id it gave."""
    entries = previous["centres"]
    by_key = {e["key"]: e for e in entries}
    by_file = {e["file"]: e for e in entries}
    names = collections.Counter(PurePath(e["file"]).name for e in entries)
    by_name = {PurePath(e["file"]).name: e for e in entries if names[PurePath(e["file"]).name] == 1}
    out: dict[int, SummaryEntry] = {}
    claimed: set[str] = set()
    for index, row in enumerate(rows):
        if row.readable and row.id and row.key in by_key:
            out[index] = by_key[row.key]
            claimed.add(row.key)
    for index, row in enumerate(rows):
        if index in out:
            continue
        by_id = by_key.get(row.id) if row.id is not None else None
        for found in (by_file.get(row.file), by_name.get(PurePath(row.file).name), by_id):
            if found is not None and found["key"] not in claimed and (
                    not row.readable or not row.id or found["decision"] == UNREADABLE or found["key"] == row.id):
                claimed.add(found["key"])
                out[index] = found
                break
    return out


def changes(previous: PreviousRun, header: SummaryHeader, rows: list[CentreRow], rulebook: CompiledRulebook,
            current_facts: Callable[[list[int]], dict[int, object]] | None = None) -> list[Change]:
    """Decisions that changed, deviations that are new or fixed, files that
    could not be read this year, and centres that came or went; by centre.
    `current_facts(indexes)` gives this year's facts of those rows, for the
    attribution (only needed when the rulebook changed)."""
    matched = match_previous(previous, rows)
    attribute = None
    if rulebook_changed(previous, header):
        needed = [i for i, old in matched.items() if rows[i].readable and _differs(old, rows[i])]
        attribute = _Attributor(rulebook, previous, current_facts(needed) if current_facts and needed else {})
    ids = [r.id for r in rulebook.requirements]
    in_force = frozenset(r.id for r in rulebook.requirements if r.in_force)  # only these can be deviations
    found: list[tuple[str, list[Change]]] = []
    for index, row in enumerate(rows):
        old = matched.get(index)
        key = old["key"] if old is not None else row.key
        if old is None:
            found.append((key, [Change(key, row.name, "rerun.change.new_centre", {"decision": row.decision})]))
        elif not row.readable:
            if old["decision"] != UNREADABLE:
                found.append((key, [Change(key, old.get("name") or row.name, "rerun.change.unreadable",
                                           {"decision": old["decision"]})]))
        else:
            found.append((key, _centre_changes(key, row.name or old.get("name"), old, row, index, ids, in_force,
                                               attribute)))
    seen = {e["key"] for e in matched.values()}
    for old in previous["centres"]:
        if old["key"] not in seen:
            found.append((old["key"], [Change(old["key"], old.get("name"), "rerun.change.gone",
                                              {"decision": old["decision"]})]))
    found.sort(key=lambda item: item[0])
    return [change for _, group in found for change in group]


def _differs(old: SummaryEntry, row: CentreRow) -> bool:
    return old["decision"] != row.decision or bool(old.get("outcomes"))


def _centre_changes(key: str, name: str | None, old: SummaryEntry, row: CentreRow, index: int, ids: list[str],
                    in_force: frozenset[str], attribute: _Attributor | None) -> list[Change]:
    """One centre's changes; a deviation is a requirement in force (this year's book) not met."""
    out = []
    now = {i: LETTER_OUTCOMES[letter] for i, letter in zip(ids, row.outcomes, strict=True)}
    old_failed, new_failed = _deviations(old.get("outcomes") or {}) & in_force, _deviations(now) & in_force

    def cause(signature: Signature) -> str | None:
        return attribute.cause(old, row, index, signature) if attribute else None

    if old["decision"] != row.decision:
        skall = {r.id for r in attribute.rulebook.requirements if r.modality == "skall"} if attribute else set()

        def decision(kind: str, outcomes: Mapping[str, str]) -> object:
            return kind, frozenset(i for i in skall if outcomes.get(i) == Outcome.NOT_MET)

        out.append(Change(key, name, "rerun.change.decision", {"before": old["decision"], "after": row.decision},
                          cause(decision)))
    for req in sorted(new_failed - old_failed, key=id_order):
        out.append(Change(key, name, "rerun.change.new_deviation", {"requirement": req}, cause(_fails(req))))
    for req in sorted(old_failed - new_failed, key=id_order):
        if now.get(req) == Outcome.WAIVED:  # still not met, but the region has waived it
            out.append(Change(key, name, "rerun.change.waived_deviation", {"requirement": req}))
        elif req in now:
            out.append(Change(key, name, "rerun.change.fixed_deviation", {"requirement": req}, cause(_fails(req))))
    return out


def _fails(req: str) -> Signature:
    return lambda kind, outcomes: outcomes.get(req) == Outcome.NOT_MET


def _deviations(outcomes: Mapping[str, str]) -> set[str]:
    return {req for req, outcome in outcomes.items() if outcome == Outcome.NOT_MET}


def id_order(req_id: str) -> tuple[tuple[int, int, str], ...]:
    """'6.4' < '6.4.1' < '6.4a' < '6.10': numbers by value, letters after numbers."""
    import re

    parts = re.findall(r"\d+|[^\d.\-]+", str(req_id))
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


class _Attributor:
    """Why did it change? Four assessments answer it: last year's (old
    self-report, old book) and this year's (new, new) are known; last year's
    self-report (kept in summary.json) is re-run under this year's book, and
    this year's under last year's book when that file is still where it was
    and unchanged.

        old report + new book gives this year's result, new report + old book does not: the rules
        new report + old book gives this year's result, old report + new book does not: the self-report
        otherwise (neither alone, or each alone): both

    A decision's "result" is its kind and the skall requirements not met, so
    a rejection for another reason counts as another result.

    Without last year's book only the first re-run is possible: if it gives
    last year's result the rules alone changed nothing (the self-report),
    if this year's the rules alone explain it, otherwise both."""

    def __init__(self, rulebook: CompiledRulebook, previous: PreviousRun, current_facts: dict[int, object]):
        self.rulebook = rulebook
        self.old_book = _old_rulebook(previous)
        self.current_facts = current_facts  # row index -> this year's facts
        self._cache: dict[tuple[str, str | int], Result | None] = {}

    def cause(self, old: SummaryEntry, row: CentreRow, index: int, signature: Signature) -> str | None:
        """RULE, REPORT or BOTH for what `signature(kind, outcomes)` picks out."""
        if old.get("sha256") and old["sha256"] == row.sha256:
            return RULE  # the same self-report: only the book changed
        kept = old.get("facts")
        facts = json.loads(kept) if isinstance(kept, str) else kept
        then_now = self._assess(("old", old["key"]), facts, self.rulebook)
        if then_now is None:
            return None
        ids = [r.id for r in self.rulebook.requirements]
        before = signature(old["decision"], old.get("outcomes") or {})
        after = signature(row.decision, {i: LETTER_OUTCOMES[c] for i, c in zip(ids, row.outcomes, strict=True)})
        x = signature(*then_now)
        now_then = self._assess(("new", index), self.current_facts.get(index), self.old_book)
        if now_then is not None:
            z = signature(*now_then)
            if x == after and z != after:
                return RULE  # the new book alone gives this year's result; the new report alone does not
            if z == after and x != after:
                return REPORT
            return BOTH
        if x == before:
            return REPORT  # the new book alone changes nothing
        return RULE if x == after else BOTH

    def _assess(self, key: tuple[str, str | int], facts: object, rulebook: CompiledRulebook | None) -> Result | None:
        if key not in self._cache:
            self._cache[key] = _assess_facts(facts, rulebook)
        return self._cache[key]


def _assess_facts(facts: object, rulebook: CompiledRulebook | None) -> Result | None:
    from kokdsl.pipeline import assess
    from kokdsl.selfreport import validate

    if not isinstance(facts, dict) or rulebook is None:
        return None
    try:
        assessment = assess(rulebook, validate(facts, rulebook))
    except Exception:  # noqa: BLE001 - facts that no longer load: no attribution, never a crash
        return None
    return assessment.decision.kind, {r.requirement.id: r.outcome for r in assessment.evaluation.results}


def _old_rulebook(previous: SummaryHeader) -> CompiledRulebook | None:
    """Last year's rulebook, when its file is still there with the same content."""
    from kokdsl.pipeline import check_rulebook

    path = previous["rulebook"].get("file")
    if not isinstance(path, str) or not Path(path).is_file():
        return None
    loaded = check_rulebook(path)
    if loaded.rulebook is None or loaded.rulebook.sha256 != previous["rulebook"].get("sha256"):
        return None
    return loaded.rulebook


def change_text(change: Change, lang: str) -> str:
    """The change in words, decisions by their names, and its cause."""
    params = {k: (decision_label(v, lang) if k in ("decision", "before", "after") else v)
              for k, v in change.params.items()}
    text = message(change.code, lang, **params)
    if change.cause:
        text += " " + message(f"rerun.cause.{change.cause}", lang)
    return text


def change_json(change: Change, lang: str) -> dict[str, object]:
    """A change as summary.json keeps it: who, the message code and its parameters, and the sentence."""
    out: dict[str, object] = {"key": change.key, "name": change.name, "code": change.code, "params": change.params,
           "message": change_text(change, lang)}
    if change.cause:
        out["cause"] = change.cause
    return out
