"""batch: what every run over many centres shares: which files are
self-reports, and the decisions counted with UNREADABLE beside them."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from kokdsl.batch import (
    REPORT_SUFFIXES,
    UNREADABLE,
    all_approved,
    any_unreadable,
    decision_label,
    decision_totals,
    self_report_files,
)


@attrs.frozen
class Row:
    decision: str


def test_a_folder_stands_for_its_self_reports_sorted_files_as_given(tmp_path):
    folder = tmp_path / "centrer"
    folder.mkdir()
    for name in ("b.yaml", "a.json", "c.yml", "notes.txt", "README.md"):
        (folder / name).write_text("", encoding="utf-8")
    (folder / "under.yaml").mkdir()  # a folder with a report's name is no report
    given = tmp_path / "z.txt"
    found = [str(folder / name) for name in ("a.json", "b.yaml", "c.yml")]
    files, skipped = self_report_files([str(given), str(folder)])
    assert files == [str(given), *found]
    # Nothing skipped without a word (issue 22): each entry not assessed comes back with its reason.
    assert [(Path(s.path).name, s.reason) for s in skipped] == [
        ("README.md", "rerun.skip_name"), ("notes.txt", "rerun.skip_name"), ("under.yaml", "rerun.skip_folder")]
    assert set(REPORT_SUFFIXES) == {".yaml", ".yml", ".json"}


def test_a_suffix_in_any_case_is_a_self_report_and_a_fifo_or_dangling_link_is_kept_to_be_reported(tmp_path):
    import os

    (tmp_path / "C.YAML").write_text("", encoding="utf-8")
    (tmp_path / "d.Json").write_text("", encoding="utf-8")
    (tmp_path / "gone.yaml").symlink_to("nothing.yaml")
    os.mkfifo(tmp_path / "pipe.yml")
    files, skipped = self_report_files([str(tmp_path)])
    assert [Path(f).name for f in files] == ["C.YAML", "d.Json", "gone.yaml", "pipe.yml"]
    assert skipped == []


def test_totals_follow_the_order_officers_read_and_skip_zeroes():
    rows = [Row(UNREADABLE), Row("rejection"), Row("approved"), Row("rejection")]
    assert list(decision_totals(rows).items()) == [("approved", 1), ("rejection", 2), (UNREADABLE, 1)]
    assert decision_totals([]) == {}


def test_exit_conditions():
    assert all_approved([Row("approved")]) and all_approved([])
    assert not all_approved([Row("approved"), Row("supplement_request")])
    assert any_unreadable([Row("approved"), Row(UNREADABLE)]) and not any_unreadable([Row("rejection")])


@pytest.mark.parametrize("kind, sv, en", [
    ("approved", "godkänd", "approved"), ("rejection", "avslag", "rejection"),
    ("supplement_request", "komplettering", "supplement request"),
    (UNREADABLE, "kunde inte läsas", "could not be read"),
])
def test_one_label_for_every_decision_kind(kind, sv, en):
    assert (decision_label(kind, "sv"), decision_label(kind, "en")) == (sv, en)
