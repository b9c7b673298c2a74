"""The yearly rerun: one rulebook over many self-reports, and what changed.

Every self-report is assessed on its own; one that cannot be read is recorded
as unreadable with its diagnostic and never stops the run or hides the other
results. The summary is data (saved as JSON) so that next year's run can be
compared with it: decisions that changed, new and fixed deviations, centres
that came or went.
"""

from __future__ import annotations

import json
from pathlib import Path

import attrs

from kokdsl.compiled import CompiledRulebook
from kokdsl.decision import APPROVED
from kokdsl.diagnostics import ERROR, Diagnostic
from kokdsl.enums import DecisionKind
from kokdsl.errors import KokError
from kokdsl.evaluator import NOT_MET
from kokdsl.pipeline import TOOL_VERSION, Assessment, assess
from kokdsl.selfreport import SelfReportError

SUMMARY_FORMAT = "kokdsl.tools.rerun"
SUMMARY_FORMAT_VERSION = 1
REPORT_SUFFIXES = (".yaml", ".yml", ".json")
UNREADABLE = "unreadable"


@attrs.frozen
class CentreRun:
    """One self-report in a rerun: its assessment, or why it could not be read."""

    file: str
    assessment: Assessment | None = None
    error: Diagnostic | None = None

    @property
    def key(self) -> str:
        """Who the centre is across years: its id, else its file name."""
        if self.assessment is not None and self.assessment.report.identity.id:
            return self.assessment.report.identity.id
        return Path(self.file).stem

    @property
    def decision(self) -> str:
        return self.assessment.decision.kind if self.assessment is not None else UNREADABLE


def self_report_files(paths) -> list[str]:
    """Files as given; a folder stands for the self-reports in it, sorted."""
    out = []
    for path in map(Path, paths):
        if path.is_dir():
            out += sorted(str(p) for p in path.iterdir() if p.suffix in REPORT_SUFFIXES and p.is_file())
        else:
            out.append(str(path))
    return out


def rerun(rulebook: CompiledRulebook, files: list[str], day=None) -> list[CentreRun]:
    runs = []
    for file in files:
        try:
            runs.append(CentreRun(file, assessment=assess(rulebook, file, day)))
        except SelfReportError as exc:
            runs.append(CentreRun(file, error=exc.diagnostic))
        except Exception as exc:  # noqa: BLE001 - a bug must not stop a national run either
            runs.append(CentreRun(file, error=Diagnostic(ERROR, "rerun.internal_error",
                                                         {"error": f"{type(exc).__name__}: {exc}"}, file=file)))
    return runs


def summary(rulebook: CompiledRulebook, runs: list[CentreRun], run_date: str) -> dict:
    """The rerun as data: what next year's run compares itself with."""
    centres = []
    for run in runs:
        entry = {"key": run.key, "file": run.file, "decision": run.decision}
        if run.assessment is not None:
            report = run.assessment.report
            entry.update(name=report.identity.name, id=report.identity.id, sha256=report.sha256,
                         outcomes={r.requirement.id: r.outcome for r in run.assessment.evaluation.results})
        else:
            entry.update(error=run.error.code)
        centres.append(entry)
    return {
        "format": SUMMARY_FORMAT,
        "format_version": SUMMARY_FORMAT_VERSION,
        "tool": {"name": "kokdsl", "version": TOOL_VERSION},
        "run_date": run_date,
        "rulebook": {"name": rulebook.name, "edition": rulebook.edition, "sha256": rulebook.sha256},
        "centres": centres,
    }


class PreviousRunError(KokError):
    """--previous is not a summary.json this version can read."""


def load_previous(path: str) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise PreviousRunError("rerun.previous_unreadable", path=path, reason=exc.strerror or str(exc)) from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise PreviousRunError("rerun.previous_not_summary", path=path) from None
    if not isinstance(data, dict) or data.get("format") != SUMMARY_FORMAT or not isinstance(data.get("centres"), list):
        raise PreviousRunError("rerun.previous_not_summary", path=path)
    return data


@attrs.frozen
class Change:
    """One thing that changed for one centre since the previous run."""

    key: str
    name: str | None
    code: str  # rerun.change.*
    params: dict = attrs.field(factory=dict, hash=False)


def changes(previous: dict, current: dict) -> list[Change]:
    """Decisions that changed, deviations (requirements not met) that are new
    or fixed, and centres that came or went, ordered by centre."""
    before = {c["key"]: c for c in previous["centres"] if isinstance(c, dict) and "key" in c}
    now = {c["key"]: c for c in current["centres"]}
    out = []
    for key in sorted(set(before) | set(now)):
        old, new = before.get(key), now.get(key)
        name = (new or old).get("name")
        if old is None:
            out.append(Change(key, name, "rerun.change.new_centre", {"decision": new["decision"]}))
            continue
        if new is None:
            out.append(Change(key, name, "rerun.change.gone", {"decision": old.get("decision")}))
            continue
        if old.get("decision") != new["decision"]:
            out.append(Change(key, name, "rerun.change.decision", {"before": old.get("decision"),
                                                                   "after": new["decision"]}))
        old_failed = _deviations(old)
        new_failed = _deviations(new)
        for req in sorted(new_failed - old_failed, key=_id_order):
            out.append(Change(key, name, "rerun.change.new_deviation", {"requirement": req}))
        for req in sorted(old_failed - new_failed, key=_id_order):
            if req in new.get("outcomes", {}):
                out.append(Change(key, name, "rerun.change.fixed_deviation", {"requirement": req}))
    return out


def _deviations(centre: dict) -> set[str]:
    outcomes = centre.get("outcomes") or {}
    return {req for req, outcome in outcomes.items() if outcome == NOT_MET}


def _id_order(req_id: str):
    return [int(p) if p.isdigit() else p for p in req_id.replace("-", ".").split(".")]


def decision_totals(runs: list[CentreRun]) -> dict[str, int]:
    """How many centres got each decision, in the order officers read them."""
    order = [*DecisionKind, UNREADABLE]
    return {kind: n for kind in order if (n := sum(run.decision == kind for run in runs))}


def all_approved(runs: list[CentreRun]) -> bool:
    return all(run.decision == APPROVED for run in runs)


def any_unreadable(runs: list[CentreRun]) -> bool:
    return any(run.error is not None for run in runs)
