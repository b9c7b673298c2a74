"""Follow-up runs in the background: one at a time, in a thread of the
server, through the engine's follow-up (the rerun job and its process pool,
as `kok rerun --out` runs it). Progress is written to the register as it goes.

A run's self-reports are kept in the data folder (runs/ID/input), so a run
that was interrupted (the server stopped or was killed) can be started again
from the same files. At start-up every run still marked queued or running
belonged to a server that is gone: it is marked interrupted.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from kokdsl.serve.db import FollowUpRun, User, Waiver, utcnow
from kokdsl.serve.register import all_waivers, audit, waivers_yaml

if TYPE_CHECKING:
    from kokdsl.serve.state import AppState

REPORT_SUFFIXES = (".yaml", ".yml", ".json")
PROGRESS_SECONDS = 0.5


def run_folder(state: AppState, run_id: int) -> Path:
    return state.data_dir / "runs" / str(run_id)


def input_files(state: AppState, run_id: int) -> list[str]:
    folder = run_folder(state, run_id) / "input"
    return sorted(str(p) for p in folder.iterdir() if p.suffix.lower() in REPORT_SUFFIXES)


def mark_interrupted(state: AppState) -> None:
    """Runs left queued or running by a server that is gone."""
    with state.sessions.begin() as db:
        db.execute(sa.update(FollowUpRun).where(FollowUpRun.status.in_(("queued", "running")))
                   .values(status="interrupted"))


class Runner:
    """One background worker thread for follow-up runs."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="kok-followup")

    def submit(self, run_id: int) -> concurrent.futures.Future[None]:
        return self.pool.submit(self._run, run_id)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, run_id: int) -> None:
        state = self.state
        with state.sessions.begin() as db:
            run = db.get(FollowUpRun, run_id)
            if run is None:
                return
            run.status, run.done, run.error = "running", 0, ""
            previous_summary = None
            if run.previous_id is not None:
                previous = db.get(FollowUpRun, run.previous_id)
                previous_summary = previous.summary_json if previous is not None else None
            rulebook, run_date, lang = run.rulebook, run.run_date, run.lang
            waivers = all_waivers(db)
        try:
            result = self._follow_up(run_id, rulebook, run_date, lang, previous_summary, waivers)
        except Exception as exc:  # the run's failure is the run's record, never the server's end
            with state.sessions.begin() as db:
                run = db.get(FollowUpRun, run_id)
                if run is not None:
                    run.status, run.error, run.finished_at = "failed", f"{type(exc).__name__}: {exc}"[:2000], utcnow()
                    audit(db, "kok", "followup.failed", None, run=run_id)
            return
        with state.sessions.begin() as db:
            run = db.get(FollowUpRun, run_id)
            if run is None:
                return
            run.status, run.finished_at = "done", utcnow()
            run.summary_json, run.centres_csv, run.overview_html = result["summary"], result["csv"], result["html"]
            run.totals = json.dumps(result["totals"], ensure_ascii=False)
            run.done = run.total
            audit(db, "kok", "followup.done", None, run=run_id, totals=result["totals"])

    def _follow_up(self, run_id: int, rulebook: str, run_date: datetime.date, lang: str,
                   previous_summary: str | None, register: list[Waiver]) -> dict[str, Any]:
        state = self.state
        loaded = state.rulebook(rulebook)
        # A waiver of another edition's requirement is not this run's.
        ids = {r.id for r in loaded.rulebook.requirements}
        relevant = [w for w in register if w.requirement in ids]
        waivers = waivers_yaml(relevant) if relevant else None
        files = input_files(state, run_id)
        out_dir = run_folder(state, run_id) / "out"
        with tempfile.TemporaryDirectory(prefix="kok-followup-") as work:
            previous_file = waivers_file = None
            if previous_summary is not None:
                previous_file = str(Path(work) / "summary.json")
                Path(previous_file).write_text(previous_summary, encoding="utf-8")
            if waivers is not None:
                waivers_file = str(Path(work) / "undantag.yaml")
                Path(waivers_file).write_text(waivers, encoding="utf-8")
            progress = _Progress(state, run_id)
            outcome = state.engine.follow_up(loaded, files, lang=lang, run_date=run_date,
                                             previous_summary=previous_file, out_dir=str(out_dir),
                                             waivers_file=waivers_file, progress=progress)
        return {"summary": (out_dir / "summary.json").read_text(encoding="utf-8"),
                "csv": (out_dir / "centres.csv").read_text(encoding="utf-8"),
                "html": (out_dir / "index.html").read_text(encoding="utf-8"),
                "totals": outcome.get("totals", {})}


class _Progress:
    """Writes (done, total) to the run's row at most twice a second, and at the end."""

    def __init__(self, state: AppState, run_id: int) -> None:
        self.state, self.run_id, self.last = state, run_id, 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done != total and now - self.last < PROGRESS_SECONDS:
            return
        self.last = now
        with self.state.sessions.begin() as db:
            db.execute(sa.update(FollowUpRun).where(FollowUpRun.id == self.run_id).values(done=done, total=total))


def create_run(state: AppState, user: User, label: str, rulebook: str, run_date: datetime.date,
               previous_id: int | None, sources: list[tuple[str, bytes]], lang: str = "sv") -> int:
    """A new run with its self-reports stored under runs/ID/input; queued."""
    with state.sessions.begin() as db:
        run = FollowUpRun(label=label.strip() or run_date.isoformat(), rulebook=rulebook, run_date=run_date,
                          status="queued", total=len(sources), previous_id=previous_id, started_by=user.id, lang=lang)
        db.add(run)
        db.flush()
        run_id = run.id
        audit(db, user, "followup.started", None, run=run_id, files=len(sources), rulebook=rulebook,
              previous=previous_id)
    folder = run_folder(state, run_id) / "input"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    taken: set[str] = set()
    for name, data in sources:
        (folder / _unique(name, taken)).write_bytes(data)
    return run_id


def _unique(name: str, taken: set[str]) -> str:
    """A base name (never a path from the request), made unique within the run."""
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem}-{n}{suffix}"
    taken.add(candidate.lower())
    return candidate


def restart(state: AppState, user: User, run_id: int) -> bool:
    """Queue an interrupted or failed run again, from its stored self-reports."""
    with state.sessions.begin() as db:
        run = db.get(FollowUpRun, run_id)
        if run is None or run.status not in ("interrupted", "failed"):
            return False
        run.status, run.done, run.finished_at = "queued", 0, None
        audit(db, user, "followup.restarted", None, run=run_id)
    shutil.rmtree(run_folder(state, run_id) / "out", ignore_errors=True)
    return True


def latest_done(state: AppState, before: int | None = None) -> int | None:
    with state.sessions() as db:
        query = sa.select(sa.func.max(FollowUpRun.id)).where(FollowUpRun.status == "done")
        if before is not None:
            query = query.where(FollowUpRun.id < before)
        found: int | None = db.scalar(query)
        return found
