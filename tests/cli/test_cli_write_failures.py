"""Writing where it cannot be written (issue 22, failures 4 and 9): a full
disk, a full device, a target that is not a regular file. Each is the user's
to fix: exit 2, saying what was not written, the earlier output intact.

The full disk is real: a 2 MB tmpfs (mounting one needs root; the test is
skipped without it) and /dev/full, which fails every write with ENOSPC."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULEBOOK = ROOT / "rulebooks" / "orebro" / "2025.kok"
CENTRES = ROOT / "examples" / "centres"
GOOD = ROOT / "examples" / "godkand.yaml"


def kok(*args: str, stdout: int | None = subprocess.PIPE, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOK")}
    return subprocess.run([sys.executable, "-m", "kokdsl", *args], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, env=dict(env, PYTHONPATH=str(ROOT)), cwd=cwd, timeout=300)


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs: room for a run of the 30 example centres."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_rerun_out_on_a_full_disk_exits_2_and_keeps_the_previous_run(small_disk):
    out = small_disk / "out"
    first = kok("rerun", str(RULEBOOK), str(CENTRES), "--out", str(out), "-q", "--run-date", "2026-01-01")
    assert first.returncode == 1, first.stderr  # some example centres are not approved, on purpose
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    # Fill the disk to within 64 KB: far less than the next run needs beside the one kept.
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    (small_disk / "filler").write_bytes(b"\0" * max(0, free - 64 * 1024))
    second = kok("rerun", str(RULEBOOK), str(CENTRES), "--out", str(out), "-q", "--run-date", "2026-01-02")
    assert second.returncode == 2, second.stderr
    assert "skrevs inte; förra körningen ligger kvar orörd" in second.stderr
    assert "No space left on device" in second.stderr
    assert "internt fel" not in second.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "out"]  # no half-built folder left behind


def test_rerun_out_to_a_full_disk_from_scratch_leaves_nothing(small_disk):
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * (2 * 1024 * 1024 - 64 * 1024))  # leaves room for a few pages, not for a run
    done = kok("rerun", str(RULEBOOK), str(CENTRES), "--out", str(small_disk / "out"), "-q", "--lang", "en")
    assert done.returncode == 2, done.stderr
    assert "was not written; the previous run is left as it was" in done.stderr
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]


@pytest.mark.parametrize("args", [
    ("run", str(RULEBOOK), str(GOOD)),
    ("run", str(RULEBOOK), str(GOOD), "-o", "md:-"),
    ("rerun", str(RULEBOOK), str(GOOD), "--format", "json"),
    ("template", str(RULEBOOK)),
    ("check", str(RULEBOOK), "--format", "sarif"),
])
def test_standard_output_on_a_full_device_is_exit_2_not_a_bug(args):
    with open("/dev/full", "w") as full:
        done = kok(*args, stdout=full.fileno())
    assert done.returncode == 2, done.stderr
    assert done.stderr == "standard ut kunde inte skrivas: No space left on device; utdata är ofullständiga\n"


def test_an_output_that_is_a_fifo_a_symlink_or_a_device_is_left_as_it_is(tmp_path):
    fifo, link, kept = tmp_path / "pipe.html", tmp_path / "link.html", tmp_path / "kept.html"
    os.mkfifo(fifo)
    kept.write_text("kept")
    link.symlink_to(kept)
    for target in (fifo, link, Path("/dev/full")):
        done = kok("run", str(RULEBOOK), str(GOOD), "-o", f"html:{target}")
        assert done.returncode == 2, done.stderr
        assert "ingen vanlig fil" in done.stderr
    assert fifo.is_fifo() and link.is_symlink() and kept.read_text() == "kept"
    assert Path("/dev/full").is_char_device()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_dash_is_standard_output_for_every_writer(tmp_path):
    done = kok("template", str(RULEBOOK), "--out", "-", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("# Egenrapport")
    assert not (tmp_path / "-").exists()
