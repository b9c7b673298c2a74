"""Benchmarks of `kok serve` (issue 21), against a real server process on 127.0.0.1.

    python -m bench.serve [--quick] [--centres N] [--json FILE]

- the stateless assessment endpoint: latency of one self-report, p50 and p95
  (target: p95 under 50 ms);
- a bounded load test: rounds of 200 concurrent requests, errors counted
  (target: 0) and the server's resident memory after each round (target:
  flat, the last round within 10 % of the second);
- the yearly follow-up of N centres (default 1,200) through the server, from
  the POST that starts it to the run marked done, against `kok rerun --out`
  over the same folder (target: at most 1.3x), measured in alternating pairs.

Needs kokdsl[serve]. Speed lives here, never in timed tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "examples" / "komplettering.yaml"
PASSWORD = "bench-lösenord"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _kok(*args: str, stdin: str | None = None) -> str:
    return subprocess.run([sys.executable, "-m", "kokdsl", *args], input=stdin, capture_output=True, text=True,
                          check=True, cwd=ROOT).stdout


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Server:
    def __init__(self, data: Path, root: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "kokdsl", "serve", "--data", str(data), "--port",
                                      str(self.port), "--followup-root", str(root)], cwd=ROOT,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.base + "/api/v1/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("kok serve did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=60)


def _cpu_seconds(pid: int) -> float:
    """The process's CPU time (user + system): what other load on a shared machine barely moves."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def latency(server: Server, token: str, n: int) -> dict[str, float]:
    body = REPORT.read_bytes()
    headers = {"authorization": f"Bearer {token}", "content-type": "application/yaml"}
    samples = []
    cpu_start = 0.0
    with httpx.Client(base_url=server.base, headers=headers) as client:
        for i in range(n + 20):
            if i == 20:
                cpu_start = _cpu_seconds(server.proc.pid)
            start = time.perf_counter()
            response = client.post("/api/v1/assessments?rulebook=orebro/2025", content=body)
            elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 200, response.text
            if i >= 20:  # warm-up: the rulebook loaded, the templates compiled
                samples.append(elapsed)
    cpu_ms = (_cpu_seconds(server.proc.pid) - cpu_start) * 1000 / len(samples)
    samples.sort()
    return {"p50_ms": statistics.median(samples), "p95_ms": samples[int(0.95 * len(samples)) - 1],
            "max_ms": samples[-1], "requests": len(samples), "server_cpu_ms_per_request": round(cpu_ms, 2),
            "load_average": os.getloadavg()[0]}


async def _round(base: str, token: str, concurrent: int) -> int:
    body = REPORT.read_bytes()
    headers = {"authorization": f"Bearer {token}", "content-type": "application/yaml"}
    limits = httpx.Limits(max_connections=concurrent, max_keepalive_connections=concurrent)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=120) as client:
        async def one() -> bool:
            try:
                response = await client.post("/api/v1/assessments?rulebook=orebro/2025", content=body)
            except httpx.HTTPError:
                return False
            return response.status_code == 200
        results = await asyncio.gather(*(one() for _ in range(concurrent)))
    return sum(not ok for ok in results)


def load(server: Server, token: str, rounds: int, concurrent: int = 200) -> dict[str, object]:
    errors, rss, seconds = 0, [], []
    for _ in range(rounds):
        start = time.perf_counter()
        errors += asyncio.run(_round(server.base, token, concurrent))
        seconds.append(time.perf_counter() - start)
        rss.append(round(_rss_mb(server.proc.pid), 1))
    growth = (rss[-1] - rss[1]) / rss[1] if len(rss) > 1 else 0.0
    return {"concurrent": concurrent, "rounds": rounds, "errors": errors, "rss_mb_after_each_round": rss,
            "rss_growth_after_round_2": round(growth, 3), "seconds_per_round": [round(s, 2) for s in seconds]}


def follow_up(server: Server, token: str, folder: Path) -> float:
    with httpx.Client(base_url=server.base, headers={"authorization": f"Bearer {token}"}, timeout=120) as client:
        start = time.perf_counter()
        run = client.post("/api/v1/followup-runs", json={"folder": str(folder), "label": "bench",
                                                         "run_date": "2025-03-01"}).json()
        while True:
            status = client.get(f"/api/v1/followup-runs/{run['id']}").json()
            if status["status"] != "queued" and status["status"] != "running":
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
    assert status["status"] == "done", status
    return elapsed


def rerun_cli(folder: Path, work: Path) -> float:
    out = work / "rerun-out"
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kokdsl", "rerun", "orebro/2025", str(folder), "--out", str(out),
                           "--run-date", "2025-03-01", "--quiet"], cwd=ROOT, capture_output=True)
    elapsed = time.perf_counter() - start
    assert done.returncode in (0, 1), done.stderr
    return elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer requests, rounds and centres")
    parser.add_argument("--centres", type=int, default=None, help="centres in the follow-up (default 1,200)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    centres = args.centres or (100 if args.quick else 1200)
    with tempfile.TemporaryDirectory(prefix="kok-bench-serve-") as tmp:
        work = Path(tmp)
        folder = work / "roots" / "centres"
        _kok("generate", "--count", str(centres), "--seed", "2025", "--out", str(folder))
        data = work / "data"
        _kok("serve", "user", "add", "bench", "--role", "handläggare", "--data", str(data), stdin=PASSWORD + "\n")
        token = _kok("serve", "token", "create", "--data", str(data), "--user", "bench").splitlines()[-1]
        server = Server(data, folder.parent)
        try:
            figures: dict[str, object] = {"cpus": os.cpu_count(), "centres": centres}
            figures["assessment"] = latency(server, token, 50 if args.quick else 500)
            figures["load"] = load(server, token, 3 if args.quick else 10)
            served, cli = [], []
            for _ in range(1 if args.quick else 3):  # alternating pairs
                cli.append(rerun_cli(folder, work))
                served.append(follow_up(server, token, folder))
        finally:
            server.stop()
    figures["follow_up"] = {"server_s": [round(s, 2) for s in served], "kok_rerun_out_s": [round(s, 2) for s in cli],
                            "ratio_of_medians": round(statistics.median(served) / statistics.median(cli), 3)}
    a, ld, fu = figures["assessment"], figures["load"], figures["follow_up"]
    assert isinstance(a, dict) and isinstance(ld, dict) and isinstance(fu, dict)
    print(f"assessment endpoint   p50 {a['p50_ms']:.1f} ms, p95 {a['p95_ms']:.1f} ms (target p95 < 50 ms): "
          f"{'met' if a['p95_ms'] < 50 else 'NOT met'}; server CPU {a['server_cpu_ms_per_request']} ms a request, "
          f"machine load average {a['load_average']:.1f}")
    print(f"load, {ld['concurrent']} concurrent x {ld['rounds']} rounds: {ld['errors']} errors; RSS MB per round "
          f"{ld['rss_mb_after_each_round']} (growth after round 2: {ld['rss_growth_after_round_2']:.1%}): "
          f"{'met' if ld['errors'] == 0 and float(ld['rss_growth_after_round_2']) <= 0.10 else 'NOT met'}")  # type: ignore[arg-type]
    print(f"follow-up of {centres} centres: server {fu['server_s']} s vs kok rerun --out {fu['kok_rerun_out_s']} s,"
          f" ratio {fu['ratio_of_medians']} (target <= 1.3): {'met' if fu['ratio_of_medians'] <= 1.3 else 'NOT met'}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
