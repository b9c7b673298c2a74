"""Waivers (undantag): the region exempts a centre from one requirement for a
time, with a reason and a decision reference.

Waivers live in their own file (`--undantag undantag.yaml`), never in a
self-report, so a centre can never waive itself. The format is documented in
docs/waivers.md:

    undantag:
      - vårdcentral: SYNT-0007
        krav: "2.1.4"
        skäl: Jourpartnern byts; nytt avtal gäller från mars.
        diarienummer: RS 2025/0123
        beviljat_av: Hälsovalsenheten
        giltigt_från: 2025-01-01
        giltigt_till: 2025-12-31

A waived requirement that is not met (or cannot be assessed) gets the
outcome "undantag" and does not count against the decision. A waiver outside
its dates is ignored with a note; one naming a requirement the rulebook lacks
is an error, and so is one naming a centre the rerun never saw.
"""

from __future__ import annotations

import datetime
import difflib
from typing import TYPE_CHECKING

import attrs

from kokdsl.compiled import CompiledRulebook
from kokdsl.diagnostics import ERROR, WARNING, Diagnostic
from kokdsl.enums import Outcome
from kokdsl.errors import KokError
from kokdsl.evaluator import Finding, RequirementResult
from kokdsl.followup.outfolder import display_path

if TYPE_CHECKING:
    from kokdsl.pipeline import Assessment

EXPIRY_WARNING_DAYS = 90
TOP_KEYS = ("undantag", "waivers")
# Swedish key first, English accepted (as in self-reports).
FIELDS = {
    "centre": ("vårdcentral", "centre"),
    "requirement": ("krav", "requirement"),
    "reason": ("skäl", "reason"),
    "reference": ("diarienummer", "reference"),
    "granted_by": ("beviljat_av", "granted_by"),
    "valid_from": ("giltigt_från", "valid_from"),
    "valid_to": ("giltigt_till", "valid_to"),
}
WAIVABLE = (Outcome.NOT_MET, Outcome.CANNOT_ASSESS)


@attrs.frozen
class Waiver:
    centre: str
    requirement: str
    reason: str
    reference: str
    granted_by: str
    valid_from: datetime.date
    valid_to: datetime.date
    path: str  # where in the file, e.g. $.undantag[2]

    def active_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day <= self.valid_to


@attrs.frozen
class WaiverFile:
    file: str
    waivers: tuple[Waiver, ...]

    def for_centre(self, centre_id: str | None) -> list[Waiver]:
        return [w for w in self.waivers if centre_id is not None and w.centre == centre_id]

    def unknown_centres(self, centre_ids: set[str]) -> list[Waiver]:
        return [w for w in self.waivers if w.centre not in centre_ids]

    def expiring(self, centre_ids: set[str], day: datetime.date, days: int = EXPIRY_WARNING_DAYS) -> list[Waiver]:
        """Waivers of these centres in force on `day` that end within `days`, soonest first."""
        until = day + datetime.timedelta(days=days)
        found = [w for w in self.waivers if w.centre in centre_ids and w.active_on(day) and w.valid_to <= until]
        return sorted(found, key=lambda w: (w.valid_to, w.centre, w.requirement))


def load_waivers(path: str, rulebook: CompiledRulebook) -> WaiverFile:
    """Read and check a waiver file; a KokError (waiver.*) names the file, the place and the problem."""
    from kokdsl.errors import SelfReportError
    from kokdsl.selfreport import read_document

    shown = display_path(path)
    try:
        document, _ = read_document(path)
    except SelfReportError as exc:
        raise KokError(attrs.evolve(exc.diagnostic, file=shown)) from None
    entries = document.get(next((k for k in TOP_KEYS if k in document), "undantag")) if isinstance(document, dict) \
        else document
    if not isinstance(entries, list):
        raise KokError(Diagnostic(ERROR, "waiver.not_a_list", {}, path="$", file=shown))
    ids = [r.id for r in rulebook.requirements]
    problems, waivers = [], []
    for index, entry in enumerate(entries):
        where = f"$.undantag[{index}]"
        try:
            waiver = _waiver(entry, where, ids)
        except _Bad as bad:
            problems.append(attrs.evolve(bad.diagnostic, file=shown))
            continue
        waivers.append(waiver)
    if problems:
        raise KokError(problems)
    return WaiverFile(shown, tuple(waivers))


class _Bad(KokError):
    """One waiver's problem: a located diagnostic (the file is added by the caller)."""

    def __init__(self, path: str, code: str, **params: object) -> None:
        super().__init__(Diagnostic(ERROR, code, params, path=path))


def _waiver(entry: object, where: str, ids: list[str]) -> Waiver:
    if not isinstance(entry, dict):
        raise _Bad(where, "waiver.not_a_mapping")
    # Read in FIELDS order, so the first problem reported is the first field's.
    texts: dict[str, str] = {}
    dates: dict[str, datetime.date] = {}
    for field, keys in FIELDS.items():
        key = next((k for k in keys if k in entry), None)
        if key is None or entry[key] is None or str(entry[key]).strip() == "":
            raise _Bad(where, "waiver.missing_field", field=keys[0])
        if field.startswith("valid_"):
            dates[field] = _date(entry[key], f"{where}.{key}")
        elif not isinstance(entry[key], (str, int)) or isinstance(entry[key], bool):
            raise _Bad(f"{where}.{key}", "waiver.not_text", field=key)
        else:
            texts[field] = " ".join(str(entry[key]).split())
    if texts["requirement"] not in ids:
        match = difflib.get_close_matches(texts["requirement"], ids, n=1)
        raise _Bad(f"{where}.{FIELDS['requirement'][0]}", "waiver.unknown_requirement", id=texts["requirement"],
                   suggestion=match[0] if match else "–")
    if dates["valid_to"] < dates["valid_from"]:
        raise _Bad(where, "waiver.ends_before_start", start=dates["valid_from"].isoformat(),
                   end=dates["valid_to"].isoformat())
    return Waiver(centre=texts["centre"], requirement=texts["requirement"], reason=texts["reason"],
                  reference=texts["reference"], granted_by=texts["granted_by"], valid_from=dates["valid_from"],
                  valid_to=dates["valid_to"], path=where)


def _date(raw: object, where: str) -> datetime.date:
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    try:
        return datetime.date.fromisoformat(str(raw).strip())
    except ValueError:
        raise _Bad(where, "waiver.bad_date", text=str(raw)[:40]) from None


def apply_waivers(assessment: Assessment, waivers: list[Waiver], day: datetime.date) -> Assessment:
    """The assessment with each waived requirement's failure turned into
    "undantag" and the decision taken again; waivers outside their dates
    become notes on the report."""
    from kokdsl.decision import decide
    from kokdsl.evaluator import Evaluation
    from kokdsl.pipeline import Assessment

    if not waivers:
        return assessment
    active = {w.requirement: w for w in waivers if w.active_on(day)}
    notes = [Diagnostic(WARNING, "waiver.not_in_force", _params(w), path=w.path, file=None)
             for w in waivers if not w.active_on(day)]
    results = []
    for result in assessment.evaluation.results:
        waiver = active.get(result.requirement.id)
        if waiver is not None and result.outcome in WAIVABLE:
            finding = Finding("waiver.finding", _params(waiver))
            result = RequirementResult(result.requirement, Outcome.WAIVED, (), explanation=(finding,))
        results.append(result)
    report = assessment.report
    if notes:
        report = attrs.evolve(report, diagnostics=(*report.diagnostics, *notes))
    before = assessment.evaluation
    evaluation = Evaluation(before.rulebook, report, tuple(results), before.day)
    return Assessment(evaluation, decide(evaluation))


def _params(w: Waiver) -> dict[str, object]:
    return {"requirement": w.requirement, "reference": w.reference, "reason": w.reason, "granted_by": w.granted_by,
            "start": w.valid_from.isoformat(), "end": w.valid_to.isoformat()}


def waiver_text(w: Waiver, lang: str) -> str:
    """The waiver as the rerun's note that it soon ends."""
    from kokdsl.messages import message

    return message("waiver.expiring", lang, centre=w.centre, **_params(w))


def waiver_json(w: Waiver) -> dict[str, object]:
    """A waiver as summary.json keeps it (and as its messages' parameters)."""
    return {"centre": w.centre, **_params(w)}
