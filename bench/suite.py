"""Run every benchmark of issue 5 and print the table of medians and ratios.

    python -m bench [--quick] [--json FILE] [--centres N]

Each row is a median over several runs. Ratios compare medians measured side
by side in this same run (rounds alternate between the contenders), never
against numbers from another machine or day. Every row names its target and
whether this run meets it. With --quick the sizes and run counts shrink for a
smoke run, and targets set for 1,200 centres are not judged at another size.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import handwritten
from bench.rulebook_gen import synthetic_rulebook
from kokdsl import __version__
from kokdsl.evaluator import outcomes
from kokdsl.outputs.files import write_atomic
from kokdsl.pipeline import assess, load_rulebook, load_rulebook_source
from kokdsl.selfreport import load_self_report
from kokdsl.tools.synthetic import write_centres

ROOT = Path(__file__).resolve().parent.parent
RULEBOOK = "rulebooks/orebro/2025.kok"
SINGLE_APPLICANT = "examples/avslag.yaml"
FLOOR_IMPORTS = "import lark, attrs, click, jinja2, yaml"
SEED = 2025
NATIONAL = 1200
RULEBOOK_SIZES = (100, 1000, 2000)


@dataclass(frozen=True)
class Settings:
    centres: int
    runs: int  # in-process rounds (national rerun)
    rego_runs: int
    load_runs: int
    render_runs: int
    process_runs: int
    rulebook_runs: int
    quick: bool


FULL = Settings(centres=NATIONAL, runs=7, rego_runs=3, load_runs=3, render_runs=3, process_runs=10,
                rulebook_runs=5, quick=False)
QUICK = Settings(centres=200, runs=3, rego_runs=1, load_runs=1, render_runs=1, process_runs=3,
                 rulebook_runs=2, quick=True)


@dataclass
class Row:
    id: str
    benchmark: str
    measured: str
    target: str = ""
    met: bool | None = None  # None: informational, not judged, or not measured
    values: dict = field(default_factory=dict)  # the raw numbers, seconds unless named otherwise


# -- measuring -------------------------------------------------------------------------------


def timed(fn) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def progress(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def fmt_seconds(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} µs"


def fmt_ratio(ratio: float) -> str:
    if ratio < 10:
        return f"{ratio:.2f}×"
    return f"{ratio:.1f}×" if ratio < 100 else f"{ratio:.0f}×"


def judged(ok: bool, centres: int) -> bool | None:
    """A target set for the national 1,200 centres is not judged at another size (--quick, --centres)."""
    return ok if centres == NATIONAL else None


def kok_command() -> list[str]:
    """`kok` as users run it: the console script beside this interpreter."""
    script = shutil.which("kok", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "kokdsl"]


def run_process(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: findings (a rejection), still a complete run
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return elapsed


# -- the benchmarks ---------------------------------------------------------------------------------


def national_rerun(rulebook, paths: list[Path], settings: Settings) -> list[Row]:
    """Evaluate and decide with the self-reports already loaded."""
    n = len(paths)
    reports = [load_self_report(p, rulebook) for p in paths]
    contenders = {
        "kokdsl": lambda: [assess(rulebook, r) for r in reports],
        "hand": lambda: [handwritten.assess(r.facts, r.problems) for r in reports],
        "bare": lambda: [outcome_function(r.facts) for r in reports],
        "closures": lambda: [outcomes(rulebook, r.facts) for r in reports],
    }
    outcome_function = rulebook.outcome_function()
    rego = _rego_contender(reports)
    if rego is not None:
        contenders["rego"] = rego
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for round_no in range(settings.runs):
        names = list(contenders)
        names = names[round_no % len(names):] + names[:round_no % len(names)]  # alternate who goes first
        for name in names:
            if name == "rego" and round_no >= settings.rego_runs:
                continue
            samples[name].append(timed(contenders[name]))
    kok, hand, bare = (median(samples[k]) for k in ("kokdsl", "hand", "bare"))

    def per(seconds: float) -> str:
        return f"{fmt_seconds(seconds)} ({fmt_seconds(seconds / n)}/centre)"

    rows = [
        Row("rerun.kokdsl", f"national rerun: Örebro 2025 × {n:,} centres, evaluate + decide (loaded), kokdsl",
            per(kok), f"< 0.1 s for {NATIONAL:,}", judged(kok < 0.1, n),
            {"seconds": kok, "per_centre": kok / n, "samples": samples["kokdsl"]}),
        Row("rerun.hand", "  hand-written Python, same checks and decision", per(hand), "baseline", None,
            {"seconds": hand, "per_centre": hand / n, "samples": samples["hand"]}),
        Row("rerun.kokdsl_vs_hand", "  kokdsl ÷ hand-written Python", fmt_ratio(kok / hand), "≤ 2×",
            kok / hand <= 2, {"ratio": kok / hand}),
    ]
    if rego is None:
        rows += [Row("rerun.rego", "  regopy bundle path", "not measured: regopy is not installed (pip install -e '.[bench]')",
                     "≥ 100× slower than kokdsl", None)]
    else:
        reg = median(samples["rego"])
        rows += [
            Row("rerun.rego", "  regopy bundle path (Interpreter.build + query_bundle)", per(reg), "baseline", None,
                {"seconds": reg, "per_centre": reg / n, "samples": samples["rego"]}),
            Row("rerun.rego_vs_kokdsl", "  regopy ÷ kokdsl (kokdsl faster by)", fmt_ratio(reg / kok), "≥ 100×",
                reg / kok >= 100, {"ratio": reg / kok}),
        ]
    closures = median(samples["closures"])
    rows.append(Row("rerun.bare", "  kokdsl generated checks only (outcomes; no results, no decision)", per(bare),
                    "informational", None, {"seconds": bare, "per_centre": bare / n, "samples": samples["bare"]}))
    rows.append(Row("rerun.closures", "  kokdsl reference closures only (the semantics the generated code is tested against)",
                    per(closures), "informational", None,
                    {"seconds": closures, "per_centre": closures / n, "samples": samples["closures"]}))
    return rows


def _rego_contender(reports):
    try:
        from bench.rego import RegoBaseline
    except ImportError:
        return None
    baseline = RegoBaseline()
    # Converting to regopy's input representation belongs to loading, like YAML parsing does for the others.
    inputs = [baseline.prepare(r.facts) for r in reports]
    return lambda: [baseline.assess(i) for i in inputs]


def rerun_with_loading(rulebook, paths: list[Path], settings: Settings) -> list[Row]:
    n = len(paths)
    loads, evals = [], []
    for _ in range(settings.load_runs):
        reports: list = []
        loads.append(timed(lambda: reports.extend(load_self_report(p, rulebook) for p in paths)))
        evals.append(timed(lambda: [assess(rulebook, r) for r in reports]))
    load, ev = median(loads), median(evals)
    total = load + ev
    return [Row("rerun_load.total", f"the same including loading the {n:,} YAML files, kokdsl",
                f"{fmt_seconds(total)}: load {fmt_seconds(load)} ({load / total:.0%}) + evaluate {fmt_seconds(ev)} ({ev / total:.0%})",
                "report the split", None,
                {"seconds": total, "load_seconds": load, "evaluate_seconds": ev, "load_samples": loads,
                 "evaluate_samples": evals})]


def render_many(centres_dir: Path, work: Path, settings: Settings, n: int) -> list[Row]:
    """A subprocess, so its peak RSS is its own."""
    walls, inner, rss = [], [], []
    for run_no in range(settings.render_runs):
        out_dir = work / f"html-{run_no}"
        command = [sys.executable, "-m", "bench.render_worker", RULEBOOK, str(centres_dir), str(out_dir)]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - start)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if result["centres"] != n:
            raise RuntimeError(f"render worker saw {result['centres']} centres, expected {n}")
        inner.append(result["centres_seconds"])
        rss.append(result["peak_rss_mb"])
        shutil.rmtree(out_dir, ignore_errors=True)
    wall, work_s, peak = median(walls), median(inner), max(rss)
    return [
        Row("render.time", f"evaluate + render HTML findings for {n:,} centres, one process (kok run's code)",
            f"{fmt_seconds(wall)} whole process ({fmt_seconds(work_s)} load + assess + render + write)",
            "< 5 s", judged(wall < 5, n), {"seconds": wall, "centres_seconds": work_s, "samples": walls}),
        Row("render.rss", "  peak RSS of that process (highest of the runs)", f"{peak:.0f} MB", "< 300 MB",
            judged(peak < 300, n), {"peak_rss_mb": peak, "samples_mb": rss}),
    ]


def processes(work: Path, settings: Settings) -> list[Row]:
    kok = kok_command()
    commands = {
        "floor": [sys.executable, "-c", FLOOR_IMPORTS],
        "check": kok + ["check", RULEBOOK],
        "run": kok + ["run", RULEBOOK, SINGLE_APPLICANT, "--output", f"html:{work / 'single.html'}",
                      "--run-date", "2025-03-01"],
    }
    # An installed kokdsl has its bytecode compiled (pip does it on install), as
    # the floor's libraries do. A checkout run with PYTHONDONTWRITEBYTECODE set
    # would compile every module from source on every start, so compile once.
    import compileall

    import kokdsl

    compileall.compile_dir(str(Path(kokdsl.__file__).parent), quiet=1)
    for command in commands.values():  # warm the file caches
        run_process(command)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(settings.process_runs):
        for name, command in commands.items():  # interleaved, so drift hits all three alike
            samples[name].append(run_process(command))
    floor, check, run = (median(samples[k]) for k in ("floor", "check", "run"))
    return [
        Row("process.floor", f'import floor: python -c "{FLOOR_IMPORTS}"', fmt_seconds(floor), "baseline", None,
            {"seconds": floor, "samples": samples["floor"]}),
        Row("process.check", f"kok check {RULEBOOK}, whole process",
            f"{fmt_seconds(check)} = {fmt_ratio(check / floor)} floor", "≤ 1.5× floor", check / floor <= 1.5,
            {"seconds": check, "ratio": check / floor, "samples": samples["check"]}),
        Row("process.run_html", f"kok run {RULEBOOK} {SINGLE_APPLICANT} --output html:…, whole process",
            f"{fmt_seconds(run)} = {fmt_ratio(run / floor)} floor", "≤ 2× floor", run / floor <= 2,
            {"seconds": run, "ratio": run / floor, "samples": samples["run"]}),
    ]


def rulebooks(settings: Settings) -> list[Row]:
    sources = {n: synthetic_rulebook(n) for n in RULEBOOK_SIZES}
    load_rulebook_source(sources[RULEBOOK_SIZES[0]], "warm-up")  # build the parser once, as a long process would
    times = {}
    for n, source in sources.items():
        samples = []
        for _ in range(settings.rulebook_runs):
            loaded = None

            def parse_and_compile():
                nonlocal loaded
                loaded = load_rulebook_source(source, f"synthetic-{n}.kok")

            samples.append(timed(parse_and_compile))
            if not loaded.ok or len(loaded.rulebook.requirements) != n:
                raise RuntimeError(f"the synthetic rulebook of {n} requirements does not compile")
        times[n] = (median(samples), samples)
    rows = []
    for n, (seconds, samples) in times.items():
        target, met = ("< 1 s", seconds < 1) if n == 2000 else ("", None)
        rows.append(Row(f"rulebook.{n}", f"parse + compile a generated rulebook of {n:,} requirements",
                        f"{fmt_seconds(seconds)} ({fmt_seconds(seconds / n)}/requirement)", target, met,
                        {"seconds": seconds, "samples": samples}))
    small, mid, large = (times[n][0] for n in RULEBOOK_SIZES)
    rows += [
        Row("rulebook.growth_1000_2000", "  growth 1,000 → 2,000 requirements (2×)", fmt_ratio(large / mid), "≤ 2.2×",
            large / mid <= 2.2, {"ratio": large / mid}),
        Row("rulebook.growth_100_1000", "  growth 100 → 1,000 requirements (10×)", fmt_ratio(mid / small),
            "informational (linear: 10×)", None, {"ratio": mid / small}),
    ]
    return rows


# -- the table ----------------------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    mark = {True: "yes", False: "NO", None: "-"}
    header = ("benchmark", "measured (median)", "target", "met")
    lines = [header] + [(r.benchmark, r.measured, r.target, mark[r.met]) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    out = []
    for index, line in enumerate(lines):
        out.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
        if index == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def meta(settings: Settings) -> dict:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None
    try:
        import regopy

        regopy_version = regopy.__version__
    except ImportError:
        regopy_version = None
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "kokdsl": __version__,
        "regopy": regopy_version,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "settings": asdict(settings),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: fewer centres and runs")
    parser.add_argument("--json", metavar="FILE", help="also write the table, raw samples included, as JSON")
    parser.add_argument("--centres", type=int, default=None, help=f"how many synthetic centres (default {NATIONAL:,})")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    if args.centres:
        settings = Settings(**dict(asdict(settings), centres=args.centres))
    loaded = load_rulebook(ROOT / RULEBOOK)
    if not loaded.ok:
        raise SystemExit(f"{RULEBOOK} has errors; run kok check")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="kok-bench-") as tmp:
        work = Path(tmp)
        centres_dir = work / "centres"
        progress(f"generating {settings.centres:,} synthetic centres (seed {SEED})")
        paths = write_centres(centres_dir, settings.centres, SEED)
        progress("national rerun, self-reports loaded: kokdsl, hand-written Python, regopy")
        rows += national_rerun(loaded.rulebook, paths, settings)
        progress("national rerun including loading")
        rows += rerun_with_loading(loaded.rulebook, paths, settings)
        progress("evaluate + render HTML in one process")
        rows += render_many(centres_dir, work, settings, len(paths))
        progress("whole processes: import floor, kok check, kok run")
        rows += processes(work, settings)
        progress("parse + compile generated rulebooks")
        rows += rulebooks(settings)
    print(table(rows))
    verdicts = [r.met for r in rows if r.met is not None]
    print(f"\ntargets met: {sum(verdicts)} of {len(verdicts)} judged")
    if settings.quick:
        print("(quick run: fewer centres and runs)")
    if settings.centres != NATIONAL:
        print(f"(targets set for {NATIONAL:,} centres are not judged at {settings.centres:,})")
    sys.stdout.flush()
    if args.json:
        text = json.dumps({"meta": meta(settings), "rows": [asdict(r) for r in rows]}, ensure_ascii=False, indent=2)
        write_atomic(args.json, (text + "\n").encode("utf-8"))
        progress(f"wrote {args.json}")
