"""The yearly follow-up through the server: run in the background on the
rerun job (the same as `kok rerun --out`), stored with its overview, CSV and
summary, compared with the register's previous run; and the kill test: a
server killed with SIGKILL during a follow-up or a decision leaves the
register consistent, the run interrupted and restartable, the decision
whole or absent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from conftest import EXAMPLES, PASSWORDS, ROLES, Server, free_port

from kokdsl.cli import main
from kokdsl.outputs.files import find_chromium


def wait_for(api: httpx.Client, run_id: int, statuses=("done", "failed", "interrupted"), seconds=300) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run = api.get(f"/api/v1/followup-runs/{run_id}").json()
        if run["status"] in statuses:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} still {run['status']}")


def test_a_follow_up_is_the_rerun_and_compares_with_the_last_run_from_the_register(tmp_path):
    server = Server(tmp_path / "data", None, followup_roots=(EXAMPLES,))
    try:
        with server.api("anna") as api:
            first = api.post("/api/v1/followup-runs", json={"label": "2025", "folder": str(EXAMPLES / "centres"),
                                                            "run_date": "2026-03-01"}).json()
            done = wait_for(api, first["id"])
            second = api.post("/api/v1/followup-runs", json={"label": "2026", "folder": str(EXAMPLES / "centres"),
                                                             "run_date": "2026-11-01"}).json()
            again = wait_for(api, second["id"])
            summary = json.loads(api.get(f"/api/v1/followup-runs/{first['id']}/summary.json").text)
            csv_text = api.get(f"/api/v1/followup-runs/{first['id']}/centres.csv").text
        assert done["status"] == "done" and done["done"] == done["total"] == 30
        assert again["previous"] == first["id"]
        out = tmp_path / "cli"
        result = CliRunner().invoke(main, ["rerun", "orebro/2025", str(EXAMPLES / "centres"), "--out", str(out),
                                           "--run-date", "2026-03-01", "--quiet"])
        assert result.exit_code in (0, 1), result.output
        cli_summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert [c["decision"] for c in summary["centres"]] == [c["decision"] for c in cli_summary["centres"]]
        assert csv_text.splitlines()[0] == (out / "centres.csv").read_text(encoding="utf-8").splitlines()[0]
        web = server.browser_session("lisa")
        overview = web.get(f"/followup/{second['id']}/overview")
        assert overview.status_code == 200 and "sha256-" in overview.headers["content-security-policy"]
        assert "2026-03-01" in overview.text  # last year's run, named in the comparison
    finally:
        server.stop()


# -- the kill test -----------------------------------------------------------------------------


class Process:
    """`kok serve` in its own process, to be killed with SIGKILL."""

    def __init__(self, data: Path, roots: tuple[Path, ...] = ()) -> None:
        self.data, self.port = data, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "kokdsl", "serve", "--data", str(data), "--port", str(self.port)]
        for root in roots:
            command += ["--followup-root", str(root)]
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(self.base + "/api/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("kok serve did not start")
            time.sleep(0.1)

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)  # the server and its worker pool
        self.proc.wait(timeout=30)


def cli(*args: str, stdin: str | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "kokdsl", *args], input=stdin, capture_output=True, text=True,
                          check=True)
    return done.stdout


def tokens(data: Path) -> dict[str, str]:
    for name, role in ROLES.items():
        cli("serve", "user", "add", name, "--role", role, "--data", str(data), stdin=PASSWORDS[name] + "\n")
    return {name: cli("serve", "token", "create", "--data", str(data), "--user", name).splitlines()[-1]
            for name in ROLES}


def register(data: Path) -> sa.Engine:
    return sa.create_engine(f"sqlite:///{data / 'kok.sqlite3'}")


@pytest.mark.slow
def test_killed_during_a_follow_up_the_run_is_interrupted_and_restartable(tmp_path):
    centres = tmp_path / "roots" / "centres"
    CliRunner().invoke(main, ["generate", "--count", "1200", "--seed", "7", "--out", str(centres)])
    data = tmp_path / "data"
    keys = tokens(data)
    server = Process(data, (centres.parent,))
    headers = {"authorization": f"Bearer {keys['anna']}"}
    with httpx.Client(base_url=server.base, headers=headers, timeout=60) as api:
        run = api.post("/api/v1/followup-runs", json={"label": "kill", "folder": str(centres)}).json()
        deadline = time.monotonic() + 120
        while api.get(f"/api/v1/followup-runs/{run['id']}").json()["done"] == 0:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    server.kill()
    with register(data).connect() as db:
        assert db.execute(sa.text("SELECT status FROM followup_runs")).scalar() == "running"
    server = Process(data, (centres.parent,))
    try:
        with httpx.Client(base_url=server.base, headers=headers, timeout=60) as api:
            assert api.get(f"/api/v1/followup-runs/{run['id']}").json()["status"] == "interrupted"
            api.post(f"/api/v1/followup-runs/{run['id']}/restart")
            finished = wait_for(api, run["id"])
        assert finished["status"] == "done" and finished["done"] == 1200
        assert sum(finished["totals"].values()) == 1200
    finally:
        server.kill()


@pytest.mark.slow
@pytest.mark.skipif(find_chromium() is None, reason="decision letters are printed by chromium")
@pytest.mark.parametrize("delay", [0.05, 0.4, 1.0])
def test_killed_during_a_decision_it_is_recorded_whole_or_not_at_all(tmp_path, delay):
    data = tmp_path / "data"
    keys = tokens(data)
    server = Process(data)
    officer = httpx.Client(base_url=server.base, headers={"authorization": f"Bearer {keys['anna']}"}, timeout=60)
    with officer:
        case = officer.post("/api/v1/cases", json={"reference": "RS 1", "provider": "P", "centre": "C",
                                                   "received": "2026-11-01"}).json()
        officer.post(f"/api/v1/cases/{case['id']}/versions", content=(EXAMPLES / "godkand.yaml").read_bytes(),
                     headers={"content-type": "application/yaml"})
        proposal = officer.post(f"/api/v1/cases/{case['id']}/proposals", json={"version": 1, "kind": "approved"})

    def decide() -> None:
        try:
            httpx.post(f"{server.base}/api/v1/cases/{case['id']}/decisions", json={"proposal": proposal.json()["id"]},
                       headers={"authorization": f"Bearer {keys['bo']}"}, timeout=60)
        except httpx.TransportError:
            pass

    thread = threading.Thread(target=decide)
    thread.start()
    time.sleep(delay)
    server.kill()
    thread.join()
    with register(data).connect() as db:
        decisions = db.execute(sa.text("SELECT letter_pdf, letter_sha256 FROM decisions")).all()
        logged = db.execute(sa.text("SELECT count(*) FROM audit_log WHERE action = 'decision.recorded'")).scalar()
    assert len(decisions) == logged <= 1
    import hashlib

    for pdf, digest in decisions:
        assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
        assert hashlib.sha256(pdf).hexdigest() == digest
