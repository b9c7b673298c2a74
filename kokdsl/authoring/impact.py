"""What if? The impact of a rulebook change on real self-reports.

A policy writer asks "what if this bör became a skall?" or "what if the
threshold moved from 45 to 40 hours?". The answer is the centres whose
proposed decision changes: the current rulebook and the variant (a draft file,
modalities moved, or both) are run over the same self-reports side by side.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs

from kokdsl import ast
from kokdsl.batch import UNREADABLE, decision_label, decision_totals
from kokdsl.compiled import CompiledRulebook, FactSpec, RecordSpec
from kokdsl.diagnostics import ERROR, Diagnostic
from kokdsl.enums import Modality
from kokdsl.errors import KokError, SelfReportError
from kokdsl.messages import message
from kokdsl.pipeline import Assessment, assess
from kokdsl.reading import os_reason, read_bounded
from kokdsl.selfreport import MAX_BYTES, SelfReport, parse_document, validate
from kokdsl.text import terminal_lines


@attrs.frozen
class CentreRun:
    """One self-report with its full assessment, or why it could not be read."""

    file: str
    assessment: Assessment | None = None
    error: Diagnostic | None = None

    @property
    def key(self) -> str:
        if self.assessment is not None and self.assessment.report.identity.id:
            return self.assessment.report.identity.id
        return Path(self.file).stem

    @property
    def decision(self) -> str:
        return self.assessment.decision.kind if self.assessment is not None else UNREADABLE


def with_modalities(rulebook: CompiledRulebook, changes: dict[str, Modality]) -> CompiledRulebook:
    """The rulebook with some requirements moved between skall and bör."""
    ids = [r.id for r in rulebook.requirements]
    for req_id in changes:
        if req_id not in ids:
            match = difflib.get_close_matches(req_id, ids, n=1)
            if not match:  # nothing close enough to suggest: no "(did you mean –?)"
                raise KokError("impact.unknown_requirement_no_match", id=req_id)
            raise KokError("impact.unknown_requirement", id=req_id, suggestion=match[0])
    requirements = tuple(attrs.evolve(r, modality=Modality(changes.get(r.id, r.modality)))
                         for r in rulebook.requirements)
    # A fresh cache: results made for the old modalities must not be reused.
    return attrs.evolve(rulebook, requirements=requirements, runtime={})


def with_proposals_adopted(rulebook: CompiledRulebook, ids: Iterable[str] | None = None) -> CompiledRulebook:
    """The rulebook with proposals (all of them, or those in `ids`) in force."""
    proposals = [r.id for r in rulebook.requirements if r.status == ast.PROPOSAL]
    for req_id in ids or ():
        if req_id not in proposals:
            match = difflib.get_close_matches(req_id, proposals, n=1)
            if not match:
                raise KokError("impact.not_a_proposal_no_match", id=req_id)
            raise KokError("impact.not_a_proposal", id=req_id, suggestion=match[0])
    chosen = set(proposals if ids is None else ids)
    requirements = tuple(attrs.evolve(r, status=ast.IN_FORCE) if r.id in chosen else r
                         for r in rulebook.requirements)
    return attrs.evolve(rulebook, requirements=requirements, runtime={})


# What validating a self-report depends on: the declared facts, and the record types by name.
Declared = tuple[tuple[FactSpec, ...], tuple[tuple[str, RecordSpec], ...]]


class ReportCache:
    """Self-reports read once, parsed once per content hash and validated once
    per set of declared facts, so that both rulebooks of an impact run share
    the work (a draft that declares the same facts reuses the validation)."""

    def __init__(self) -> None:
        self._documents: dict[str, object] = {}  # sha256 of the bytes -> parsed document
        self._reports: dict[tuple[str, str, Declared], SelfReport] = {}  # (file, sha256, facts declared) -> validated
        self._hashes: dict[str, tuple[str, bytes]] = {}  # file -> (sha256, bytes), each file read once
        self.reads = self.parses = self.validations = 0  # what the cache saved is visible in tests

    def load(self, file: str, rulebook: CompiledRulebook) -> SelfReport:
        """Raises SelfReportError like load_self_report."""
        sha, data = self._read(file)
        key = (file, sha, _declared(rulebook))
        report = self._reports.get(key)
        if report is None:
            if sha not in self._documents:
                self.parses += 1
                self._documents[sha] = parse_document(data, file)
            self.validations += 1
            report = self._reports[key] = validate(self._documents[sha], rulebook, file, sha)
        return report

    def _read(self, file: str) -> tuple[str, bytes]:
        if file not in self._hashes:
            try:
                data = read_bounded(file, MAX_BYTES)
            except OSError as exc:
                raise SelfReportError(Diagnostic(ERROR, "data.unreadable", {"reason": os_reason(exc)},
                                                 file=file)) from None
            self.reads += 1
            self._hashes[file] = (hashlib.sha256(data).hexdigest(), data)
        return self._hashes[file]


def _declared(rulebook: CompiledRulebook) -> Declared:
    """What validation depends on: the facts and record types the rulebook declares."""
    return rulebook.facts, tuple(sorted(rulebook.records.items()))


def run_both(base: CompiledRulebook, variant: CompiledRulebook, files: list[str],
             cache: ReportCache | None = None) -> tuple[list[CentreRun], list[CentreRun]]:
    """Every self-report under both rulebooks, read and validated once where they agree."""
    cache = cache if cache is not None else ReportCache()
    before: list[CentreRun] = []
    after: list[CentreRun] = []
    for file in files:
        for rulebook, runs in ((base, before), (variant, after)):
            try:
                runs.append(CentreRun(file, assessment=assess(rulebook, cache.load(file, rulebook))))
            except SelfReportError as exc:
                runs.append(CentreRun(file, error=exc.diagnostic))
    return before, after


@attrs.frozen
class VerdictChange:
    key: str
    name: str | None
    before: str
    after: str
    new_reasons: tuple[str, ...]  # skall requirements that now fail
    dropped_reasons: tuple[str, ...]  # skall requirements that no longer fail


def verdict_changes(before: list[CentreRun], after: list[CentreRun]) -> list[VerdictChange]:
    """Centres whose decision differs between the two runs (same files, same order)."""
    out = []
    for old, new in zip(before, after, strict=True):
        if old.decision == new.decision:
            continue
        old_reasons, new_reasons = _reasons(old), _reasons(new)
        name = new.assessment.report.identity.name if new.assessment else None
        out.append(VerdictChange(new.key, name, old.decision, new.decision,
                                 tuple(r for r in new_reasons if r not in old_reasons),
                                 tuple(r for r in old_reasons if r not in new_reasons)))
    return out


def _reasons(run: CentreRun) -> list[str]:
    if run.assessment is None:
        return []
    return [r.requirement.id for r in run.assessment.decision.reasons]


def _totals_text(runs: list[CentreRun], lang: str) -> str:
    """'godkänd 21, avslag 8, komplettering 4'."""
    return ", ".join(f"{decision_label(kind, lang)} {n}" for kind, n in decision_totals(runs).items())


def render_impact_text(rulebook: CompiledRulebook, variant: str, before: list[CentreRun], after: list[CentreRun],
                       changes: Sequence[VerdictChange], lang: str = "sv") -> str:
    """What changes if the rulebook changes: totals before and after, and every
    centre whose proposed decision moves, with the grounds that moved it."""
    m = functools.partial(message, lang=lang)
    label = functools.partial(decision_label, lang=lang)
    totals = functools.partial(_totals_text, lang=lang)

    out = [m("impact.heading", rulebook=rulebook.name, edition=rulebook.edition, variant=variant),
           m("impact.count", count=len(before), changed=m("impact.changed", count=len(changes))),
           "  " + m("impact.before", totals=totals(before)),
           "  " + m("impact.after", totals=totals(after))]
    if changes:
        out += ["", m("impact.changes_heading")]
        for change in changes:
            who = f"{change.key} {change.name}" if change.name else change.key
            line = f"  {who}: {m('impact.change', before=label(change.before), after=label(change.after))}"
            details = []
            if change.new_reasons:
                details.append(m("impact.new_reasons", ids=", ".join(change.new_reasons)))
            if change.dropped_reasons:
                details.append(m("impact.dropped_reasons", ids=", ".join(change.dropped_reasons)))
            out.append(line + (f" ({'; '.join(details)})" if details else ""))
    return terminal_lines(out)
