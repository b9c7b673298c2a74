"""Every hostile self-report of the corpus (tests/hostile/) at once, among 20
good centres, in one `kok rerun --out`: each costs only itself; the 20 good
centres are in summary.json and index.html and have their reports."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from golden_cases import run_cli
from hostile_corpus import case_names, load_case, prepare
from test_rerun_batch import OREBRO, assert_one_whole_run, good_centres

from kokdsl.cli import EXIT_ERROR


def hostile_self_reports(work: Path, into: Path) -> list[str]:
    """Copy the self-report of every `kok run` case into `into`, named after
    its case (the suffix kept: .yaml or .json). Devices are left out: rerun
    reads files."""
    names = []
    for name in case_names():
        case = load_case(name)
        if case.argv[0] != "run" or case.argv[2].startswith("/") or case.argv[2] == "-":  # devices; standard input
            continue
        folder = work / name
        folder.mkdir(parents=True)
        prepare(case, folder)
        source = os.path.join(os.fsencode(folder), case.argv[2].removeprefix("bytes:").encode("latin-1")
                              if case.argv[2].startswith("bytes:") else os.fsencode(case.argv[2]))
        target = into / f"hostile-{name}{Path(os.fsdecode(source)).suffix}"
        if Path(os.fsdecode(source)).is_fifo():  # a FIFO stays one: among the others it costs only itself
            os.mkfifo(target)
        else:
            shutil.copyfile(source, target)
        names.append(target.name)
    return names


@pytest.mark.slow
def test_every_hostile_self_report_among_20_good_ones_costs_only_itself(tmp_path):
    inputs = tmp_path / "in"
    good = good_centres(inputs)
    hostile = hostile_self_reports(tmp_path / "cases", inputs)
    assert len(hostile) >= 20
    out = tmp_path / "out"
    code, output = run_cli("rerun", OREBRO, str(inputs), "--out", str(out), "--run-date", "2026-06-01")
    assert code == EXIT_ERROR and "Traceback" not in output
    summary = assert_one_whole_run(out)
    by_file = {Path(c["file"]).name: c for c in summary["centres"]}
    assert set(by_file) == {*good, *hostile}
    index = (out / "index.html").read_text(encoding="utf-8")
    for name in good:
        assert by_file[name]["decision"] != "unreadable"
        assert (out / by_file[name]["report"]).is_file()
        assert by_file[name]["report"] in index
    unreadable = sorted(name for name in hostile if by_file[name]["decision"] == "unreadable")
    assert "hostile-alias-bomb.yaml" in unreadable and "hostile-integer-4301-digits-json.json" in unreadable
