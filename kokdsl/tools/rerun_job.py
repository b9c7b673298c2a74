"""`kok rerun` from start to finish, without the command line: run every
centre, compare with last year, and (with an output folder) write the
findings reports, index.html, centres.csv and summary.json as one whole run.

The summary, the overview and the matrix are always written, whatever
happened to single centres: their failures are error rows.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import attrs

from kokdsl.compiled import CompiledRulebook
from kokdsl.tools import changes as changes_
from kokdsl.tools import overview
from kokdsl.tools.outfolder import OutputFolder
from kokdsl.tools.rerun import RerunResult, RunSettings, run, write_summary


@attrs.define
class Job:
    rulebook: CompiledRulebook
    files: list[str]
    lang: str = "sv"
    run_date: datetime.date = attrs.field(factory=datetime.date.today)
    rulebook_path: str | None = None
    previous: dict | None = None
    out_dir: str | None = None
    jobs: int = 1
    progress: object = None  # called with (done, total) after each centre


@attrs.define
class JobResult:
    result: RerunResult
    changes: list
    view: dict

    @property
    def rows(self):
        return self.result.rows

    def summary_extra(self, lang: str) -> dict:
        extra = {}
        if self.view["changes"] is not None:
            extra["changes"] = [changes_.change_json(c, lang) for c in self.changes]
        return extra


def execute(job: Job) -> JobResult:
    """Run the job; with out_dir, the folder is replaced as a whole at the end."""
    if job.out_dir is None:
        return _assess(job, None)
    with OutputFolder(job.out_dir) as build:
        done = _assess(job, build.path)
        _write_outputs(job, done, build.path)
        build.commit()
    return done


def _assess(job: Job, folder: Path | None) -> JobResult:
    settings = RunSettings(job.rulebook, job.lang, job.run_date, job.rulebook_path, folder)
    result = run(settings, job.files, job.jobs, job.progress)
    change_list, edition = [], None
    if job.previous is not None:
        change_list = changes_.changes(job.previous, result.header, result.rows, job.rulebook)
        edition = changes_.edition_change(job.previous, result.header)
    view = overview.overview_view(job.rulebook, result.rows, change_list if job.previous else None, job.previous,
                                  job.lang, job.run_date, edition)
    return JobResult(result, change_list, view)


def _write_outputs(job: Job, done: JobResult, folder: Path) -> None:
    from kokdsl.outputs.findings import render_rerun_html

    with open(folder / "summary.json", "w", encoding="utf-8", newline="\n") as f:
        write_summary(done.result, f, done.summary_extra(job.lang))
    (folder / "centres.csv").write_bytes(overview.centres_csv(job.rulebook, done.rows, job.lang).encode("utf-8"))
    (folder / "index.html").write_bytes(render_rerun_html(done.view).encode("utf-8"))
