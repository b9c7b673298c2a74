"""A whole `kok rerun` without the command line (followup/rerun_job.py):
the run, the comparison with last year, the waivers worth a word, and the
output folder written as one whole run."""

from __future__ import annotations

import contextlib
import csv
import datetime
import json
from pathlib import Path

import pytest

from kokdsl.followup.changes import load_previous
from kokdsl.followup.outfolder import MARKER
from kokdsl.followup.rerun_job import Job, execute
from kokdsl.followup.waivers import load_waivers
from kokdsl.pipeline import load_rulebook

ROOT = Path(__file__).resolve().parents[2]
OREBRO = ROOT / "rulebooks" / "orebro" / "2025.kok"
EXAMPLES = [str(ROOT / "examples" / name) for name in ("godkand.yaml", "avslag.yaml", "komplettering.yaml")]
DAY = datetime.date(2025, 6, 2)


def waiver(centre: str, requirement: str, reference: str, until: str) -> str:
    """One entry of a waiver file (docs/waivers.md), granted from 2025-01-01."""
    return (f'  - {{vårdcentral: {centre}, krav: "{requirement}", skäl: Ett skäl., diarienummer: {reference},\n'
            f"     beviljat_av: Hälsovalsenheten, giltigt_från: 2025-01-01, giltigt_till: {until}}}\n")


# One waiver that ends within 90 days of the run, one for a centre the run never sees.
WAIVERS = ("undantag:\n" + waiver("FIKTIV-002", "2.1.4", "RS 2025/0123", "2025-07-31")
           + waiver("FIKTIV-999", "2.1", "RS 2025/0999", "2026-12-31"))


@pytest.fixture(scope="module")
def rulebook():
    return load_rulebook(OREBRO).rulebook


def job(rulebook, **kwargs) -> Job:
    return Job(rulebook, list(kwargs.pop("files", EXAMPLES)), "en", DAY, str(OREBRO), **kwargs)


@contextlib.contextmanager
def executed(one: Job):
    """The job run; its spool of summary entries closed afterwards, as the command line does."""
    done = execute(one)
    try:
        yield done
    finally:
        done.result.close()


def test_without_a_folder_it_runs_every_centre_and_builds_the_view(rulebook):
    with executed(job(rulebook)) as done:
        assert [row.decision for row in done.rows] == ["approved", "rejection", "supplement_request"]
        assert done.view["count"] == 3 and done.view["changes"] is None
        assert done.changes == [] and not done.has_problems
        assert done.summary_extra("en") == {}  # nothing to add without a previous run or waivers


def test_progress_is_reported_after_each_centre(rulebook):
    seen: list[tuple[int, int]] = []
    with executed(job(rulebook, progress=lambda done, total: seen.append((done, total)))):
        assert seen == [(1, 3), (2, 3), (3, 3)]


def test_an_unreadable_self_report_is_a_problem_not_a_failure(rulebook, tmp_path):
    broken = tmp_path / "trasig.yaml"
    broken.write_text("vårdcentral: [", encoding="utf-8")
    with executed(job(rulebook, files=[*EXAMPLES, str(broken)])) as done:
        assert done.has_problems and len(done.rows) == 4
        assert done.view["unreadable"][0]["file"].endswith("trasig.yaml")


def test_the_folder_holds_one_whole_run(rulebook, tmp_path):
    out = tmp_path / "ut"
    with executed(job(rulebook, out_dir=str(out))) as done:
        names = sorted(p.name for p in out.iterdir())
        assert {"index.html", "centres.csv", "summary.json", MARKER} <= set(names)
        reports = [row.report for row in done.rows]
        assert all(report and (out / report).is_file() for report in reports)
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert [c["key"] for c in summary["centres"]] == [row.key for row in done.rows]
        with open(out / "centres.csv", encoding="utf-8-sig", newline="") as f:
            assert len(list(csv.reader(f))) == 1 + 3
        assert "FIKTIV-002" in (out / "index.html").read_text(encoding="utf-8")


def test_changes_since_last_year_are_found_and_kept_in_the_summary(rulebook, tmp_path):
    last_year = tmp_path / "förra"
    with executed(job(rulebook, files=EXAMPLES[:2], out_dir=str(last_year))):
        pass
    previous = load_previous(str(last_year / "summary.json"), "en")
    with executed(job(rulebook, previous=previous)) as done:
        assert [(c.key, c.code) for c in done.changes] == [("FIKTIV-003", "rerun.change.new_centre")]
        assert done.view["changes"] == [{"who": "FIKTIV-003 Vårdcentralen Inbillningen (fiktiv)",
                                         "text": "new in the follow-up (supplement request)"}]
        extra = done.summary_extra("en")
        assert [c["key"] for c in extra["changes"]] == ["FIKTIV-003"]


def test_waivers_expiring_soon_and_for_unknown_centres_are_listed(rulebook, tmp_path):
    path = tmp_path / "undantag.yaml"
    path.write_text(WAIVERS, encoding="utf-8")
    with executed(job(rulebook, waivers=load_waivers(str(path), rulebook))) as done:
        assert [w.centre for w in done.expiring] == ["FIKTIV-002"]  # ends within 90 days of the run
        assert [w.centre for w in done.unknown_waivers] == ["FIKTIV-999"]
        assert done.has_problems  # a waiver for a centre the run never saw
        extra = done.summary_extra("en")
        assert [w["centre"] for w in extra["expiring_waivers"]] == ["FIKTIV-002"]
        assert [w["centre"] for w in extra["waivers_for_unknown_centres"]] == ["FIKTIV-999"]
        [problem] = done.view["waiver_problems"]
        assert problem["text"] == ("$.undantag[1]: the waiver RS 2025/0999 is for the centre FIKTIV-999, "
                                   "which is not among the self-reports")
