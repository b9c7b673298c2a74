"""The yearly rerun: one rulebook over many self-reports.

Every self-report is handled on its own, start to finish: loaded, assessed,
its findings report rendered and written, and only a small summary row kept,
so memory stays flat however many centres there are. A failure in any of
those steps becomes that centre's error row and never stops the run or hides
the other results. Centres can be spread over a pool of worker processes; the
output is the same as a serial run, byte for byte.

The summary is data (summary.json) that next year's run compares itself with;
see kokdsl/followup/changes.py and docs/summary.schema.json.

One module, over 400 lines: one centre's path (assess, render, its row and
summary entry), the worker pool and the spool that keep memory flat all
handle the same row and entry, and must agree on them byte for byte.
"""

from __future__ import annotations

import collections
import datetime
import gc
import hashlib
import json
import math
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeVar

import attrs

from kokdsl.batch import UNREADABLE
from kokdsl.compiled import CompiledRulebook
from kokdsl.enums import Outcome
from kokdsl.errors import SelfReportError
from kokdsl.followup.outfolder import display_path
from kokdsl.followup.summary import SummaryEntry, SummaryHeader
from kokdsl.messages import message
from kokdsl.pipeline import TOOL_VERSION, Assessment, assess

if TYPE_CHECKING:
    from kokdsl.followup.waivers import WaiverFile
    from kokdsl.outputs.findings import CaseDetails

SUMMARY_FORMAT = "kokdsl.tools.rerun"
SUMMARY_FORMAT_VERSION = 2
# One letter per requirement, in book order: a 100-requirement centre costs 100 bytes.
OUTCOME_LETTERS = {Outcome.MET: "m", Outcome.NOT_MET: "n", Outcome.CANNOT_ASSESS: "c", Outcome.NOT_APPLICABLE: "a",
                   Outcome.WAIVED: "u"}
LETTER_OUTCOMES = {v: k for k, v in OUTCOME_LETTERS.items()}
POOL_MIN_CENTRES = 40  # below this, starting worker processes costs more than it saves
# The default pool (pool_size), from CPU measured on the Örebro book (issue 23). A centre
# costs CENTRE_MS to read, check and summarise (0.30-0.32 ms at 12,000 centres) and PAGE_MS
# more for its findings page. A pool adds, per worker, its fork and the pages it copies on
# first writing to them (25 ms for two), and per centre the round trip to the worker: pickling
# both ways and the main process's result thread (0.07-0.1 ms). On a two-vCPU machine the
# workers also slow each other down: --out over 1,200 centres took 1.2-1.5x less wall time for
# 30-60 % more CPU, while --format json took more CPU (+25-45 %) and no less wall time.
AUTO_JOBS = 0
CENTRE_MS = 0.3
PAGE_MS = 1.2
WORKER_START_MS = 15.0
POOL_MS_PER_CENTRE = 0.1
POOL_MAX_SHARE = 0.25  # the most CPU a pool may add, as a share of the run's own
# Centres per task sent to a worker: every task costs the main process a round
# trip through the pool (pickling, its result thread, the GIL), which with 8
# centres a task was a quarter of the run's CPU. Large tasks make that small;
# not too large, so the last tasks still spread over the workers.
POOL_CHUNK = 8
POOL_CHUNK_MAX = 64


# -- one centre ----------------------------------------------------------------------------


@attrs.frozen
class CentreRow:
    """What the run keeps of one centre: enough for the overview, the
    terminal, the CSV matrix and the comparison with last year."""

    file: str  # as shown (always valid UTF-8)
    key: str  # who the centre is across years: its id, else its file
    decision: str  # a decision kind, or UNREADABLE
    id: str | None = None
    name: str | None = None
    sha256: str | None = None
    reasons: tuple[str, ...] = ()  # skall not met
    supplements: tuple[str, ...] = ()  # skall that cannot be assessed
    remarks: tuple[str, ...] = ()  # bör not met
    outcomes: str = ""  # OUTCOME_LETTERS in book order; empty when unreadable
    report: str | None = None  # the findings report's file name in the output folder
    error_code: str | None = None
    error: str | None = None  # the error, in the run's language

    @property
    def readable(self) -> bool:
        return self.error_code is None


@attrs.frozen
class RunSettings:
    rulebook: CompiledRulebook
    lang: str = "sv"
    run_date: datetime.date = attrs.field(factory=datetime.date.today)
    rulebook_path: str | None = None
    folder: Path | None = None  # where findings reports go (the build folder); None: no reports
    waivers: WaiverFile | None = None
    document: str | None = None  # `--dokument`: one document for every centre; None: by outcome


def assess_centre(settings: RunSettings, file: str, report_name: str | None) -> tuple[CentreRow, str]:
    """Load, assess, render and write one centre. Whatever goes wrong becomes
    this centre's error row; the summary entry (one JSON line) is returned
    beside the row."""
    from kokdsl.selfreport import read_document, source_text, validate

    shown = display_path(file)
    try:
        document, data = read_document(file)
        report = validate(document, settings.rulebook, shown, hashlib.sha256(data).hexdigest(), source_text(data))
        assessment = assess(settings.rulebook, report, settings.run_date)
        if settings.waivers is not None:
            from kokdsl.followup.waivers import apply_waivers

            assessment = apply_waivers(assessment, settings.waivers.for_centre(report.identity.id), settings.run_date)
        row = centre_row(shown, assessment, report_name if settings.folder is not None else None)
        letter = _follow_up_case(settings).document_for(assessment) if settings.folder is not None else None
        entry = spooled(summary_entry(row, settings.rulebook, document, letter))  # spooled() makes it JSON-safe
    except SelfReportError as exc:
        return error_row(shown, exc.diagnostic.code, exc.diagnostic.text(settings.lang))
    except Exception as exc:  # noqa: BLE001 - a bug must not stop a national run
        return internal_error_row(shown, exc, settings.lang)
    if settings.folder is not None and report_name is not None:
        target = settings.folder / report_name
        try:
            from kokdsl.outputs.findings import render_document

            html = render_document(assessment, "html", settings.lang, settings.run_date, settings.rulebook_path,
                                   _follow_up_case(settings))
        except Exception as exc:  # noqa: BLE001 - rendering one report must not cost the others
            return error_row(shown, "rerun.report_failed", message("rerun.report_failed", settings.lang,
                                                                   error=_describe(exc)))
        try:
            target.write_bytes(html.encode("utf-8"))
        except OSError as exc:  # a full disk, a quota, permissions: the whole folder is incomplete, not this centre
            target.unlink(missing_ok=True)  # no half-written report left behind
            return error_row(shown, NOT_WRITTEN, message("output.file_not_written", settings.lang,
                                                          file=report_name, reason=exc.strerror or str(exc)))
    return row, entry


def _follow_up_case(settings: RunSettings) -> CaseDetails:
    """The yearly follow-up: each centre's letter speaks of the follow-up, not of an application."""
    from kokdsl.outputs.findings import CaseDetails

    return CaseDetails(follow_up=True, document=settings.document)


def centre_row(shown: str, assessment: Assessment, report_name: str | None) -> CentreRow:
    identity, decision = assessment.report.identity, assessment.decision
    return CentreRow(
        file=shown, key=identity.id or shown, decision=decision.kind, id=identity.id, name=identity.name,
        sha256=assessment.report.sha256,
        reasons=tuple(r.requirement.id for r in decision.reasons),
        supplements=tuple(r.requirement.id for r in decision.supplements),
        remarks=tuple(r.requirement.id for r in decision.remarks),
        outcomes="".join([OUTCOME_LETTERS[o] for o in assessment.evaluation.outcomes]),
        report=report_name)


def summary_entry(row: CentreRow, rulebook: CompiledRulebook, facts: object,
                  document: str | None = None) -> SummaryEntry:
    """The centre in summary.json: who, what was decided, which letter went
    to the output folder, every outcome, and the self-report's content (so
    next year can re-run it under a new book)."""
    ids = [r.id for r in rulebook.requirements]
    return {"key": row.key, "file": row.file, "decision": row.decision, "name": row.name, "id": row.id,
            "sha256": row.sha256, "report": row.report, "document": document,
            "outcomes": {i: LETTER_OUTCOMES[letter] for i, letter in zip(ids, row.outcomes, strict=True)},
            "facts": facts}


# The error code of a centre whose report could not be written: the run's folder is then not swapped in.
NOT_WRITTEN = "rerun.report_not_written"


def error_row(shown: str, code: str, text: str) -> tuple[CentreRow, str]:
    row = CentreRow(file=shown, key=shown, decision=UNREADABLE, error_code=code, error=text)
    return row, spooled(error_entry(row))


# JSON text holds a control character only escaped, so this one can stand for
# the line breaks of an entry written out as summary.json shows it.
_LINE_BREAK = "\x1e"


def spooled(entry: SummaryEntry) -> str:
    """A summary entry as one line of the spool: already indented the way
    summary.json shows it (the work done where the centre was assessed, in a
    worker process when there are several). The same text as
    json.dumps(json_safe(entry), ensure_ascii=False, indent=2) with the line
    breaks as _LINE_BREAK: json.dumps with an indent runs its pure-Python
    encoder, which was a tenth of a rerun's time."""
    out: list[str] = []
    try:
        _encode(entry, _LINE_BREAK, out)
    except (TypeError, ValueError, RecursionError):  # what json.dumps itself would say
        return json.dumps(json_safe(entry), ensure_ascii=False, indent=2).replace("\n", _LINE_BREAK)
    return "".join(out)


_encode_text = json.encoder.encode_basestring  # the C function when the json accelerator is there


def _encode(value: object, newline: str, out: list[str]) -> None:
    """json_safe(value) as indented JSON, in pieces; newline is the line
    break and the indent so far."""
    if isinstance(value, str):
        out.append(_encode_text(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(float.__repr__(value) if math.isfinite(value) else _encode_text(str(value)))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        for key in value:
            if type(key) is not str:  # as json_safe does: keys as text, a later one winning a clash
                value = {str(k): v for k, v in value.items()}
                break
        inner = newline + "  "
        separator = "{" + inner
        for key, item in value.items():
            out.append(separator)
            out.append(_encode_text(key))
            out.append(": ")
            if item.__class__ is str:  # most values: no call
                out.append(_encode_text(item))
            else:
                _encode(item, inner, out)
            separator = "," + inner
        out.append(newline + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            if item.__class__ is str:
                out.append(_encode_text(item))
            else:
                _encode(item, inner, out)
            separator = "," + inner
        out.append(newline + "]")
    elif isinstance(value, (datetime.date, datetime.datetime)):
        out.append(_encode_text(value.isoformat()))
    else:
        out.append(_encode_text(str(value)))


def error_entry(row: CentreRow) -> SummaryEntry:
    return {"key": row.key, "file": row.file, "decision": UNREADABLE, "error": row.error_code,
            "message": row.error}


def internal_error_row(shown: str, exc: BaseException, lang: str) -> tuple[CentreRow, str]:
    return error_row(shown, "rerun.internal_error", message("rerun.internal_error", lang, error=_describe(exc)))


def _describe(exc: BaseException) -> str:
    text = display_path(str(exc)) if not isinstance(exc, UnicodeError) else str(exc).encode("utf-8", "replace").decode()
    return f"{type(exc).__name__}: {text[:300]}"


def json_safe(value: object) -> object:
    """A parsed self-report as JSON data: dates as ISO text, keys as text."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN or infinity
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return str(value)


# -- many centres --------------------------------------------------------------------------


_V = TypeVar("_V")
_WORKER_SETTINGS: RunSettings | None = None  # set before the pool forks; each worker inherits it


def _work(task: tuple[str, str]) -> tuple[CentreRow, str]:
    if _WORKER_SETTINGS is None:
        raise RuntimeError("a rerun worker started without its settings")
    return assess_centre(_WORKER_SETTINGS, *task)


def _quiet_worker() -> None:
    """A worker leaves Ctrl-C to the main process, and stays silent if the
    main process dies under it (its only errors then are broken pipes; a
    centre's own failures are already error rows)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the worker's whole life


def default_jobs() -> int:
    """What `--jobs` is when not given: AUTO_JOBS, a pool sized by the work (pool_size)."""
    return AUTO_JOBS


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def pool_size(jobs: int, centres: int, pages: bool) -> int:
    """Worker processes for a run: `--jobs N` as asked; by default every core,
    but only when neither the round trips to the workers nor starting them
    adds more than POOL_MAX_SHARE to the run's CPU, else none (1). A run
    without findings pages never gets a pool: its centres are too quick for
    the round trip to a worker to be worth it."""
    if jobs != AUTO_JOBS:
        return jobs
    cores = available_cores()
    per_centre = CENTRE_MS + (PAGE_MS if pages else 0.0)
    worth_sending = POOL_MS_PER_CENTRE <= POOL_MAX_SHARE * per_centre
    worth_starting = cores * WORKER_START_MS <= POOL_MAX_SHARE * centres * per_centre
    return cores if cores > 1 and worth_sending and worth_starting else 1


def run_centres(settings: RunSettings, files: list[str], report_names: list[str],
                jobs: int = 1) -> Iterator[tuple[CentreRow, str]]:
    """(row, summary entry as a JSON line) per file, in file order, whatever
    the number of jobs (AUTO_JOBS: see pool_size)."""
    global _WORKER_SETTINGS
    tasks = list(zip(files, report_names, strict=True))
    jobs = pool_size(jobs, len(tasks), settings.folder is not None)
    if jobs <= 1 or len(tasks) < POOL_MIN_CENTRES:
        for task in tasks:
            yield assess_centre(settings, *task)
        return
    import multiprocessing  # only here: a serial run never pays for importing it

    if "fork" not in multiprocessing.get_all_start_methods():
        for task in tasks:
            yield assess_centre(settings, *task)
        return
    # The first centre here, before the workers fork: what it loads on first use (the report's
    # modules and templates, Babel's locale data, the catalogue, the explainer) is then the
    # workers' from the start, shared with this process, not loaded again by each of them.
    yield assess_centre(settings, *tasks[0])
    gc.freeze()  # and the collector in the workers leaves it alone (run() unfreezes)
    _WORKER_SETTINGS = settings
    try:
        with multiprocessing.get_context("fork").Pool(jobs, initializer=_quiet_worker) as pool:
            yield from pool.imap(_work, tasks[1:], chunksize=pool_chunk(len(tasks) - 1, jobs))
    finally:
        _WORKER_SETTINGS = None


def pool_chunk(centres: int, jobs: int) -> int:
    """Centres per pool task: about twenty tasks per worker, within [POOL_CHUNK, POOL_CHUNK_MAX]."""
    return max(POOL_CHUNK, min(POOL_CHUNK_MAX, centres // (jobs * 20)))


@attrs.define
class RerunResult:
    """A finished run: the rows in memory, the summary entries spooled to a
    temporary file (one line each, same order: see spooled())."""

    header: SummaryHeader
    rows: list[CentreRow]
    spool: IO[str]
    replaced: dict[int, SummaryEntry] = attrs.field(factory=dict)  # row index -> entry that replaces the spooled one

    def entries(self) -> Iterator[SummaryEntry]:
        for index, text in enumerate(self._texts()):
            yield self.replaced.get(index) or json.loads(text)

    def _texts(self) -> Iterator[str]:
        """Each spooled entry as indented JSON text."""
        self.spool.seek(0)
        for line in self.spool:
            yield line[:-1].replace(_LINE_BREAK, "\n")

    def facts(self, indexes: Iterable[int]) -> dict[int, object]:
        """Row index -> the facts kept in the summary, for the rows asked for."""
        wanted = set(indexes)
        return {i: entry.get("facts") for i, entry in enumerate(self.entries()) if i in wanted}

    def close(self) -> None:
        self.spool.close()


def summary_header(rulebook: CompiledRulebook, run_date: datetime.date,
                   rulebook_path: str | None = None) -> SummaryHeader:
    return {
        "format": SUMMARY_FORMAT,
        "format_version": SUMMARY_FORMAT_VERSION,
        "tool": {"name": "kokdsl", "version": TOOL_VERSION},
        "run_date": run_date.isoformat(),
        "rulebook": {"name": rulebook.name, "edition": rulebook.edition, "sha256": rulebook.sha256,
                     "file": display_path(rulebook_path or rulebook.file)},
    }


def run(settings: RunSettings, files: list[str], jobs: int = 1,
        progress: Callable[[int, int], None] | None = None) -> RerunResult:
    """Every file through assess_centre; duplicate ids become error rows."""
    from kokdsl.followup.outfolder import report_names

    names = report_names(files)
    spool = tempfile.TemporaryFile("w+", encoding="utf-8", prefix="kok-rerun-")
    result = RerunResult(summary_header(settings.rulebook, settings.run_date, settings.rulebook_path), [], spool)
    # What exists now (the rulebook, its closures, every module) lives through the run: the
    # collector need not walk it again and again while centres come and go, and forked
    # workers do not copy its pages by touching it.
    gc.freeze()
    try:
        same = _Shared()
        for name, (row, entry) in zip(names, run_centres(settings, files, names, jobs), strict=True):
            result.rows.append(same.row(row, name))
            spool.write(entry + "\n")
            if progress is not None:
                progress(len(result.rows), len(files))
        _reject_duplicate_ids(result, settings)
    except BaseException:
        spool.close()
        raise
    finally:
        gc.unfreeze()
    return result


class _Shared:
    """One object for each value the rows repeat: a national run keeps a row per
    centre in memory, and most centres share a decision, a pattern of outcomes
    and the requirements they fail, which a row from a worker (unpickled) or
    from a joined string would otherwise hold as copies of their own."""

    LIMIT = 50_000  # distinct values kept; past it a row keeps its own

    def __init__(self) -> None:
        self.values: dict[object, object] = {}

    def row(self, row: CentreRow, report_name: str) -> CentreRow:
        """The row, its repeated values shared (and its report's name the run's own, when the same)."""
        return attrs.evolve(row, decision=self.one(row.decision), outcomes=self.one(row.outcomes),
                            reasons=self.one(row.reasons), supplements=self.one(row.supplements),
                            remarks=self.one(row.remarks),
                            report=report_name if row.report == report_name else row.report)

    def one(self, value: _V) -> _V:
        kept = self.values.get(value)
        if kept is None:
            if len(self.values) >= self.LIMIT:
                return value
            self.values[value] = kept = value
        return kept  # type: ignore[return-value]  # equal to value, and of its type


def _reject_duplicate_ids(result: RerunResult, settings: RunSettings) -> None:
    """Two self-reports with the same id: neither can be trusted to be the
    centre, so each becomes an error row naming the other file(s)."""
    seen = collections.Counter(row.id for row in result.rows if row.readable and row.id)
    files_by_id = collections.defaultdict(list)  # only the ids given more than once
    for row in result.rows:
        if row.readable and row.id and seen[row.id] > 1:
            files_by_id[row.id].append(row.file)
    for index, row in enumerate(result.rows):
        others = files_by_id.get(row.id) if row.readable and row.id else None
        if not others or len(others) < 2:
            continue
        text = message("rerun.duplicate_id", settings.lang, id=row.id,
                       others=", ".join(f for f in others if f != row.file) or row.file)
        if settings.folder is not None and row.report:
            (settings.folder / row.report).unlink(missing_ok=True)
        new = CentreRow(file=row.file, key=row.file, decision=UNREADABLE, id=row.id, name=row.name,
                        error_code="rerun.duplicate_id", error=text)
        result.rows[index] = new
        result.replaced[index] = error_entry(new)


def write_summary(result: RerunResult, out: IO[str], extra: dict[str, object] | None = None) -> None:
    """summary.json, streamed: the header, every centre, then `extra` (changes)."""
    head = json.dumps(result.header, ensure_ascii=False, indent=2)
    out.write(head[:-2] + ',\n  "centres": [')
    result.spool.seek(0)
    for n, line in enumerate(result.spool):
        replaced = result.replaced.get(n)
        text = (json.dumps(replaced, ensure_ascii=False, indent=2).replace("\n", "\n    ") if replaced
                else line[:-1].replace(_LINE_BREAK, "\n    "))
        out.write(("," if n else "") + "\n    " + text)
    out.write("\n  ]" if result.rows else "]")
    for key, value in (extra or {}).items():
        out.write(f",\n  {json.dumps(key)}: " + json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  "))
    out.write("\n}\n")
