"""`kok rerun` from start to finish, without the command line: run every
centre, compare with last year, and (with an output folder) write the
findings reports, index.html, centres.csv and summary.json as one whole run.

The summary, the overview and the matrix are always written, whatever
happened to single centres: their failures are error rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from kokdsl.batch import Skipped
from kokdsl.compiled import CompiledRulebook
from kokdsl.errors import KokError
from kokdsl.followup import changes as changes_
from kokdsl.followup.outfolder import OutputFolder, display_path
from kokdsl.followup.rerun import NOT_WRITTEN, CentreRow, RerunResult, RunSettings, run, write_summary
from kokdsl.followup.summary import PreviousRun

if TYPE_CHECKING:
    from kokdsl.followup import overview
    from kokdsl.followup.waivers import Waiver, WaiverFile


@attrs.define
class Job:
    """Everything one `kok rerun` needs: the rulebook, the self-reports, last
    year's summary and where the output goes."""

    rulebook: CompiledRulebook
    files: list[str]
    lang: str = "sv"
    run_date: datetime.date = attrs.field(factory=datetime.date.today)
    rulebook_path: str | None = None
    previous: PreviousRun | None = None
    out_dir: str | None = None
    jobs: int = 1
    progress: Callable[[int, int], None] | None = None  # called with (done, total) after each centre
    waivers: WaiverFile | None = None
    document: str | None = None  # `--dokument`: the document written per centre; None: by outcome
    skipped: list[Skipped] = attrs.field(factory=list)  # entries of the folders given that are not self-reports


@attrs.define
class JobResult:
    """A finished rerun: the run itself, what changed since last year, the
    overview's view, and the waivers worth a word."""

    result: RerunResult
    changes: list[changes_.Change]
    # Builds the overview. Only the terminal and index.html show it: a JSON run never
    # builds it, nor loads the locale data its numbers are formatted with.
    make_view: Callable[[], overview.OverviewView] = attrs.field(repr=False)
    compared: bool = False  # a previous run was given: the changes are part of the result

    @property
    def rows(self) -> list[CentreRow]:
        """Each centre's summary row, in file order."""
        return self.result.rows

    @property
    def view(self) -> overview.OverviewView:
        """The overview of the run (terminal and index.html), built when first asked for."""
        if self._view is None:
            self._view = self.make_view()
        return self._view

    expiring: list[Waiver] = attrs.field(factory=list)  # waivers ending within 90 days
    unknown_waivers: list[Waiver] = attrs.field(factory=list)  # waivers for centres the run never saw
    skipped: list[Skipped] = attrs.field(factory=list)  # entries of the folders given that are not self-reports
    _view: overview.OverviewView | None = attrs.field(default=None, init=False, repr=False)

    def summary_extra(self, lang: str) -> dict[str, object]:
        """What summary.json adds after the centres: the changes, and the waivers expiring or for no known centre."""
        extra: dict[str, object] = {}
        if self.compared:
            extra["changes"] = [changes_.change_json(c, lang) for c in self.changes]
        if self.expiring or self.unknown_waivers:  # the waivers module only when there are waivers to list
            from kokdsl.followup.waivers import waiver_json

            if self.expiring:
                extra["expiring_waivers"] = [waiver_json(w) for w in self.expiring]
            if self.unknown_waivers:
                extra["waivers_for_unknown_centres"] = [waiver_json(w) for w in self.unknown_waivers]
        if self.skipped:
            extra["skipped"] = [s.to_json(lang) for s in self.skipped]
        return extra

    @property
    def has_problems(self) -> bool:
        """A self-report that could not be read, or a waiver for no known centre."""
        from kokdsl.batch import any_unreadable

        return any_unreadable(self.rows) or bool(self.unknown_waivers)


def execute(job: Job) -> JobResult:
    """Run the job; with out_dir, the folder is replaced as a whole at the end."""
    if job.out_dir is None:
        return _assess(job, None)
    with OutputFolder(job.out_dir, job.lang) as build:
        done = _assess(job, build.path)
        try:
            not_written = next((row.error for row in done.rows if row.error_code == NOT_WRITTEN), None)
            if not_written is not None:
                raise _not_written(job.out_dir, not_written)
            _write_outputs(job, done, build.path)
            build.commit()
        except BaseException:
            done.result.close()  # the caller closes it only after a run it gets back
            raise
    return done


def _not_written(out_dir: str, detail: str | None) -> KokError:
    """A full disk, a quota or permissions: the run is not swapped in, and the earlier one stays."""
    return KokError("rerun.out_not_written", path=display_path(out_dir), detail=detail or "")


def _assess(job: Job, folder: Path | None) -> JobResult:
    settings = RunSettings(job.rulebook, job.lang, job.run_date, job.rulebook_path, folder, job.waivers,
                           job.document)
    result = run(settings, job.files, job.jobs, job.progress)
    expiring: list[Waiver] = []
    unknown: list[Waiver] = []
    if job.waivers is not None:
        centre_ids = {row.id for row in result.rows if row.id}
        expiring = job.waivers.expiring(centre_ids, job.run_date)
        unknown = job.waivers.unknown_centres(centre_ids)
    change_list: list[changes_.Change] = []
    edition = None
    if job.previous is not None:
        change_list = changes_.changes(job.previous, result.header, result.rows, job.rulebook, result.facts)
        edition = changes_.edition_change(job.previous, result.header)

    def make_view() -> overview.OverviewView:
        from kokdsl.followup import overview
        from kokdsl.followup.waivers import waiver_text

        return overview.overview_view(job.rulebook, result.rows, change_list if job.previous else None, job.previous,
                                      job.lang, job.run_date, edition,
                                      [{"text": waiver_text(w, job.lang)} for w in expiring],
                                      [{"text": _unknown_text(w, job.lang)} for w in unknown])

    return JobResult(result, change_list, make_view, job.previous is not None, expiring, unknown, job.skipped)


def _unknown_text(waiver: Waiver, lang: str) -> str:
    from kokdsl.followup.waivers import waiver_json
    from kokdsl.messages import message

    return f"{waiver.path}: " + message("waiver.unknown_centre", lang, **waiver_json(waiver))


def _write_outputs(job: Job, done: JobResult, folder: Path) -> None:
    """summary.json, centres.csv and index.html; KokError naming the one that could not be written."""
    from kokdsl.followup import overview
    from kokdsl.followup.spreadsheet import write_centres_xlsx
    from kokdsl.followup.views import write_rerun_html
    from kokdsl.messages import message

    name = "summary.json"
    try:
        with open(folder / name, "w", encoding="utf-8", newline="\n") as f:
            write_summary(done.result, f, done.summary_extra(job.lang))
        name = "centres.csv"
        with open(folder / name, "w", encoding="utf-8", newline="") as f:
            overview.write_centres_csv(job.rulebook, done.rows, job.lang, f)
        name = "centres.xlsx"
        write_centres_xlsx(job.rulebook, done.rows, job.lang, folder / name, job.run_date)
        name = "index.html"
        write_rerun_html(done.view, folder / name)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise _not_written(str(job.out_dir), message("output.file_not_written", job.lang, file=name,
                                                     reason=reason)) from None
