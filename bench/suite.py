"""Run every benchmark (issues 5 and 11) and print the table of medians and ratios.

    python -m bench [--quick] [--json FILE] [--centres N] [--only PARTS]

Each row is a median over several runs. Ratios compare medians measured side
by side in this same run (rounds alternate between the contenders), never
against numbers from another machine or day. Every row names its target and
whether this run meets it. With --quick the sizes and run counts shrink for a
smoke run, and targets set for 1,200 centres are not judged at another size.

Whole processes (`kok rerun`, `kok check`, the hand-written script) are
started through bench/launch.py, which measures each from outside with
os.wait4: wall time, CPU time (user + system, its pool's workers included) and
peak RSS. Single-process ratios are judged on CPU time, which other load on a
shared machine barely moves; wall time is shown beside it. The 1-vs-2-core
row is judged on wall time, the only measure in which a second core shows.
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

from bench import handwritten, straight
from bench.rulebook_gen import synthetic_rulebook
from kokdsl import __version__
from kokdsl.evaluator import outcomes
from kokdsl.intake.synthetic import generate, write_centres
from kokdsl.outputs.files import write_atomic
from kokdsl.pipeline import assess, check_rulebook, check_rulebook_source
from kokdsl.selfreport import load_self_report

ROOT = Path(__file__).resolve().parent.parent
RULEBOOK = "rulebooks/orebro/2025.kok"
SINGLE_APPLICANT = "examples/avslag.yaml"
FLOOR_CHECK = "import lark, attrs, click"  # all that `kok check` imports
FLOOR_RUN = "import lark, attrs, click, jinja2, yaml"  # kok run also loads YAML and renders Jinja
SEED = 2025
NATIONAL = 1200
RULEBOOK_SIZES = (100, 2000, 10_000)  # parse + compile: 2,000 < 0.5 s, 10,000 < 2.5 s
RULEBOOK_TARGETS = {2000: 0.5, 10_000: 2.5}
LINT_SIZES = (2000, 20_000)  # kok lint: 20,000 requirements (a 5 MB book) < 10 s, linear
LINT_TARGET = (20_000, 10.0)
LAUNCHER = Path(__file__).with_name("launch.py")
RUN_DATE = "2025-03-01"
PARTS = ("national", "processes", "whole", "cores", "rss", "rulebooks", "lint", "lsp")  # --only
# `kok rerun --out` writes the assessment report per centre (every requirement's
# outcome, explanation and evidence: what bench/script.py --out writes too),
# not the letter the outcome calls for.
REPORT = ("--dokument", "granskningsrapport")


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
    whole_sizes: tuple[int, ...] = (NATIONAL, 12_000)  # centres in the whole-process rerun rows
    whole_pairs: tuple[int, ...] = (5, 1)  # alternating pairs per size
    core_centres: int = 12_000  # the 1-vs-2-core row
    core_pairs: int = 1
    rss_centres: int = 60_000  # the peak-RSS-at-scale row (0: skipped)
    rulebook_sizes: tuple[int, ...] = RULEBOOK_SIZES
    lint_sizes: tuple[int, ...] = LINT_SIZES
    lint_runs: int = 3
    lsp_runs: int = 15


FULL = Settings(centres=NATIONAL, runs=7, rego_runs=3, load_runs=3, render_runs=2, process_runs=10,
                rulebook_runs=3, quick=False)
QUICK = Settings(centres=200, runs=3, rego_runs=1, load_runs=1, render_runs=1, process_runs=3,
                 rulebook_runs=2, quick=True, whole_sizes=(200,), whole_pairs=(2,), core_centres=200, core_pairs=1,
                 rss_centres=0, rulebook_sizes=(100, 1000, 2000), lint_sizes=(200, 2000), lint_runs=1, lsp_runs=5)


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
    """CPU seconds of this process spent in fn: on a shared machine, other
    processes' load stretches wall time but not this."""
    gc.collect()
    start = time.process_time()
    fn()
    return time.process_time() - start


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


def launch(command: list[str], *, stdout: Path | None = None, env: dict | None = None, cpus: str | None = None,
           check: bool = True) -> dict:
    """Run a command through bench/launch.py: wall, cpu, peak_rss_mb, returncode.
    cpus: restrict it to these CPUs ("0" or "0,1", as taskset takes them)."""
    if cpus is not None:
        command = ["taskset", "-c", cpus, *command]
    with tempfile.NamedTemporaryFile(prefix="kok-bench-stderr-", delete=False) as err:
        stderr = Path(err.name)
    try:
        done = subprocess.run([sys.executable, "-I", "-S", str(LAUNCHER), "--stdout", str(stdout or os.devnull),
                               "--stderr", str(stderr), "--", *command],
                              cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        result = json.loads(done.stdout)
        if check and result["returncode"] not in (0, 1):  # 1: findings (a rejection), still a complete run
            raise RuntimeError(f"{' '.join(command)} failed ({result['returncode']}): "
                               f"{stderr.read_text(errors='replace')[-800:]}")
        return result
    finally:
        stderr.unlink(missing_ok=True)


# -- the benchmarks ---------------------------------------------------------------------------------


def national_rerun(rulebook, paths: list[Path], settings: Settings) -> list[Row]:
    """Evaluate and decide with the self-reports already loaded."""
    n = len(paths)
    reports = [load_self_report(p, rulebook) for p in paths]
    contenders = {
        "kokdsl": lambda: [assess(rulebook, r) for r in reports],
        "hand": lambda: [handwritten.assess(r.facts, r.problems) for r in reports],
        "straight": lambda: [straight.assess(r.facts, r.problems) for r in reports],
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
    kok, hand, bare, line = (median(samples[k]) for k in ("kokdsl", "hand", "bare", "straight"))

    def per(seconds: float) -> str:
        return f"{fmt_seconds(seconds)} ({fmt_seconds(seconds / n)}/centre)"

    rows = [
        Row("rerun.kokdsl", f"national rerun: Örebro 2025 × {n:,} centres, evaluate + decide (loaded), kokdsl",
            per(kok), f"< 0.1 s for {NATIONAL:,}", judged(kok < 0.1, n),
            {"seconds": kok, "per_centre": kok / n, "samples": samples["kokdsl"]}),
        Row("rerun.straight", "  hand-written Python, straight-line (bench/straight.py; agreement tested)",
            per(line), "baseline", None, {"seconds": line, "per_centre": line / n, "samples": samples["straight"]}),
        Row("rerun.kokdsl_vs_straight", "  kokdsl ÷ straight-line Python", fmt_ratio(kok / line), "≤ 1.5×",
            kok / line <= 1.5, {"ratio": kok / line}),
        Row("rerun.hand", "  hand-written Python, readable (a table of checks; bench/handwritten.py)", per(hand),
            "informational", None, {"seconds": hand, "per_centre": hand / n, "samples": samples["hand"]}),
        Row("rerun.kokdsl_vs_hand", "  kokdsl ÷ readable hand-written Python", fmt_ratio(kok / hand), "≤ 2×",
            kok / hand <= 2, {"ratio": kok / hand}),
    ]
    if rego is None:
        rows += [Row("rerun.rego", "  regopy bundle path",
                     "not measured: regopy is not installed (pip install -e '.[bench]')",
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
    rows.append(Row("rerun.closures",
                    "  kokdsl reference closures only (the semantics the generated code is tested against)",
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

        def load(reports=reports):
            reports.extend(load_self_report(p, rulebook) for p in paths)

        def evaluate(reports=reports):
            return [assess(rulebook, r) for r in reports]

        loads.append(timed(load))
        evals.append(timed(evaluate))
    load, ev = median(loads), median(evals)
    total = load + ev
    split = f"load {fmt_seconds(load)} ({load / total:.0%}) + evaluate {fmt_seconds(ev)} ({ev / total:.0%})"
    return [Row("rerun_load.total", f"the same including loading the {n:,} YAML files, kokdsl",
                f"{fmt_seconds(total)}: {split}", "report the split", None,
                {"seconds": total, "load_seconds": load, "evaluate_seconds": ev, "load_samples": loads,
                 "evaluate_samples": evals})]


def render_many(centres_dir: Path, work: Path, settings: Settings, n: int) -> list[Row]:
    """A subprocess, so its peak RSS is its own."""
    walls, inner, rss = [], [], []
    for run_no in range(settings.render_runs):
        out_dir = work / f"html-{run_no}"
        printed = work / "render-worker.json"
        command = [sys.executable, "-m", "bench.render_worker", RULEBOOK, str(centres_dir), str(out_dir)]
        measured = launch(command, stdout=printed)
        walls.append(measured["wall"])
        result = json.loads(printed.read_text(encoding="utf-8").strip().splitlines()[-1])
        if result["centres"] != n:
            raise RuntimeError(f"render worker saw {result['centres']} centres, expected {n}")
        inner.append(result["centres_seconds"])
        rss.append(measured["peak_rss_mb"])  # from outside: the worker's own figure inherits its parent's peak
        shutil.rmtree(out_dir, ignore_errors=True)
    wall, work_s, peak = median(walls), median(inner), max(rss)
    return [
        Row("render.time", f"evaluate + render HTML findings for {n:,} centres, one process (kok run's code)",
            f"{fmt_seconds(wall)} whole process ({fmt_seconds(work_s)} load + assess + render + write)",
            "< 5 s", judged(wall < 5, n), {"seconds": wall, "centres_seconds": work_s, "samples": walls}),
        Row("render.rss", "  peak RSS of that process (highest of the runs; wait4 in the launcher)", f"{peak:.0f} MB",
            "< 300 MB",
            judged(peak < 300, n), {"peak_rss_mb": peak, "samples_mb": rss}),
    ]


def _compile_kokdsl() -> None:
    """An installed kokdsl has its bytecode compiled (pip does it on install),
    as the floor's libraries do. A checkout run with PYTHONDONTWRITEBYTECODE
    set would compile every module from source on every start of kok, so
    compile once before timing whole processes."""
    import compileall

    import kokdsl

    compileall.compile_dir(str(Path(kokdsl.__file__).parent), quiet=1)


def processes(work: Path, settings: Settings) -> list[Row]:
    kok = kok_command()
    commands = {
        "floor_check": [sys.executable, "-c", FLOOR_CHECK],
        "check": kok + ["check", RULEBOOK],
        "check_cold": kok + ["check", RULEBOOK],
        "floor_run": [sys.executable, "-c", FLOOR_RUN],
        "run": kok + ["run", RULEBOOK, SINGLE_APPLICANT, "--output", f"html:{work / 'single.html'}",
                      "--run-date", RUN_DATE],
    }
    cold_env = dict(os.environ, KOKDSL_NO_CACHE="1")  # no parser or template cache: built from the grammar
    _compile_kokdsl()
    for name, command in commands.items():  # warm the file caches (and kok's parser cache)
        launch(command, env=cold_env if name == "check_cold" else None, check=True)
    samples: dict[str, list[dict]] = {name: [] for name in commands}
    for _ in range(settings.process_runs):
        for name, command in commands.items():  # interleaved, so drift hits all alike
            samples[name].append(launch(command, env=cold_env if name == "check_cold" else None, check=True))
    cpu = {name: median([s["cpu"] for s in runs]) for name, runs in samples.items()}
    wall = {name: median([s["wall"] for s in runs]) for name, runs in samples.items()}

    def shown(name: str, floor: str | None = None) -> str:
        text = f"{fmt_seconds(cpu[name])} CPU (wall {fmt_seconds(wall[name])})"
        return text + (f" = {fmt_ratio(cpu[name] / cpu[floor])} floor" if floor else "")

    def values(name: str) -> dict:
        return {"seconds": cpu[name], "wall_seconds": wall[name], "samples": samples[name]}

    check, cold, run = cpu["check"], cpu["check_cold"], cpu["run"]
    return [
        Row("process.floor_check", f'import floor of kok check: python -c "{FLOOR_CHECK}"', shown("floor_check"),
            "baseline", None, values("floor_check")),
        Row("process.check", f"kok check {RULEBOOK}, whole process (parser cache warm)",
            shown("check", "floor_check"), "≤ 1.3× floor", check / cpu["floor_check"] <= 1.3,
            dict(values("check"), ratio=check / cpu["floor_check"])),
        Row("process.check_cold", "  first run, no user cache (KOKDSL_NO_CACHE=1; shipped table): cold ÷ warm",
            f"{shown('check_cold')} = {fmt_ratio(cold / check)} warm", "≤ 2× warm", cold / check <= 2,
            dict(values("check_cold"), ratio=cold / check)),
        Row("process.floor_run", f'import floor of kok run: python -c "{FLOOR_RUN}"', shown("floor_run"),
            "baseline", None, values("floor_run")),
        Row("process.run_html", f"kok run {RULEBOOK} {SINGLE_APPLICANT} --output html:…, whole process",
            shown("run", "floor_run"), "≤ 2× floor", run / cpu["floor_run"] <= 2,
            dict(values("run"), ratio=run / cpu["floor_run"])),
    ]


GENERATED_AT_MOST = 12_000


def centres_folder(work: Path, n: int) -> Path:
    """n synthetic centres (seed SEED), made once per run of the benchmark.
    Beyond 12,000 the generated centres are copied, each copy with its own
    id and file name (generating 60,000 takes far longer than assessing them)."""
    folder = work / f"centres-{n}"
    if folder.is_dir():
        return folder
    progress(f"generating {n:,} synthetic centres (seed {SEED})")
    folder.mkdir()
    base = generate(min(n, GENERATED_AT_MOST), SEED)
    width = max(4, len(str(n)))
    for number in range(n):
        _, text = base[number % len(base)]
        if number >= len(base):  # a copy: a new id, so identity checks see distinct centres
            original = number % len(base) + 1
            text = text.replace(f"id: SYNT-{original:05d}\n", f"id: SYNT-{number + 1:05d}\n", 1)
        (folder / f"centre-{number + 1:0{width}d}.yaml").write_text(text, encoding="utf-8")
    return folder


def spread(values: list[float], unit=fmt_seconds) -> str:
    return f"{unit(min(values))}–{unit(max(values))}" if len(values) > 1 else "one run"


def _decisions(summary_file: Path) -> dict:
    centres = json.loads(summary_file.read_text(encoding="utf-8"))["centres"]
    return {c["file"]: (c["key"], c["decision"], c.get("outcomes")) for c in centres}


def whole_reruns(work: Path, settings: Settings) -> tuple[list[Row], dict[int, float]]:
    """kok rerun against the hand-written script (bench/script.py), whole
    processes, in alternating rounds: --format json (and the bare floor,
    bench/floor.py), then --out with HTML pages. Returns the rows and kok
    rerun's peak RSS per mode and size."""
    kok = kok_command()
    rows: list[Row] = []
    peaks: dict[str, dict[int, float]] = {"json": {}, "out": {}}
    for n, pairs in zip(settings.whole_sizes, settings.whole_pairs, strict=True):
        folder = centres_folder(work, n)
        for mode in ("json", "out"):
            progress(f"whole processes: kok rerun {'--format json' if mode == 'json' else '--out'} "
                     f"and the hand-written script, {n:,} centres, {pairs} rounds")
            who_all = ("kok", "script", "floor") if mode == "json" else ("kok", "script")
            samples: dict[str, list[dict]] = {who: [] for who in who_all}
            for pair in range(pairs):
                order = who_all[pair % len(who_all):] + who_all[:pair % len(who_all)]  # who goes first alternates
                for who in order:
                    printed = work / f"{who}-{mode}-{n}.json"
                    out_dir = work / f"out-{who}-{n}-{pair}"
                    if who == "kok":
                        command = kok + ["rerun", RULEBOOK, str(folder), "--run-date", RUN_DATE]
                        command += ["--format", "json"] if mode == "json" else ["--out", str(out_dir), *REPORT]
                    else:
                        command = [sys.executable, "-m", f"bench.{who}", str(folder)]
                        command += [] if mode == "json" else ["--out", str(out_dir)]
                    samples[who].append(launch(command, stdout=printed if mode == "json" else None))
                    if mode == "out":
                        pages = len(list(out_dir.glob("*.html")))
                        if pages < n:
                            raise RuntimeError(f"{who} wrote {pages} pages for {n} centres")
                        if pair == 0:
                            shutil.copy(out_dir / "summary.json", work / f"{who}-out-{n}.json")
                        shutil.rmtree(out_dir, ignore_errors=True)
            # The same job: the same decision and outcomes for every centre.
            if _decisions(work / f"kok-{mode}-{n}.json") != _decisions(work / f"script-{mode}-{n}.json"):
                raise RuntimeError(f"bench/script.py disagrees with kok rerun on {n:,} centres ({mode})")
            rows += _whole_rows(mode, n, samples)
            peaks[mode][n] = max(s["peak_rss_mb"] for s in samples["kok"])
    return rows, peaks


def _whole_rows(mode: str, n: int, samples: dict[str, list[dict]]) -> list[Row]:
    cpu = {who: median([s["cpu"] for s in runs]) for who, runs in samples.items()}
    wall = {who: median([s["wall"] for s in runs]) for who, runs in samples.items()}
    what = "--format json" if mode == "json" else "--out DIR (a findings page per centre, index, summary)"

    def shown(who: str) -> str:
        cpus = [s["cpu"] for s in samples[who]]
        return (f"{fmt_seconds(cpu[who])} CPU ({spread(cpus)}), wall {fmt_seconds(wall[who])}, "
                f"{max(s['peak_rss_mb'] for s in samples[who]):.0f} MB")

    def ratio_row(against: str, target: float | None) -> Row:
        ratio = cpu["kok"] / cpu[against]
        pair_ratios = [k["cpu"] / s["cpu"] for k, s in zip(samples["kok"], samples[against], strict=True)]
        measured = (f"{fmt_ratio(ratio)} ({spread(pair_ratios, fmt_ratio)}); "
                    f"wall {fmt_ratio(wall['kok'] / wall[against])}")
        return Row(f"whole.{mode}.{n}.ratio_{against}", f"  kok ÷ {against} (CPU; spread of the rounds' ratios)",
                   measured,
                   f"≤ {target:g}×" if target else "informational", ratio <= target if target else None,
                   {"ratio": ratio, "pair_ratios": pair_ratios})

    rows = [
        Row(f"whole.{mode}.{n}.kok", f"kok rerun {what}, {n:,} centres, whole process", shown("kok"), "", None,
            {"seconds": cpu["kok"], "wall_seconds": wall["kok"], "samples": samples["kok"]}),
        Row(f"whole.{mode}.{n}.script", "  hand-written script, same job (bench/script.py; agreement tested)",
            shown("script"), "baseline", None,
            {"seconds": cpu["script"], "wall_seconds": wall["script"], "samples": samples["script"]}),
    ]
    if mode == "json":
        rows += [
            Row(f"whole.json.{n}.floor", "  bare floor: read, CSafeLoader, dump JSON (bench/floor.py)",
                shown("floor"), "baseline", None,
                {"seconds": cpu["floor"], "wall_seconds": wall["floor"], "samples": samples["floor"]}),
            ratio_row("script", None),
            ratio_row("floor", JSON_FLOOR_TARGETS.get(n)),
        ]
    else:
        rows.append(ratio_row("script", 2.0))
    return rows


JSON_FLOOR_TARGETS = {NATIONAL: 1.1, 12_000: 1.15}


def cores(work: Path, settings: Settings) -> list[Row]:
    """kok rerun --out on one core against two (taskset), alternating; every
    file the two runs write must be identical byte for byte (kok rerun sizes
    its pool by the cores it may use)."""
    n = settings.core_centres
    folder = centres_folder(work, n)
    kok = kok_command()
    progress(f"kok rerun --out, {n:,} centres, on 1 core and on 2 cores, {settings.core_pairs} pairs")
    samples: dict[str, list[dict]] = {"0": [], "0,1": []}
    contents: dict[str, str] = {}
    for pair in range(settings.core_pairs):
        for cpus in (("0", "0,1") if pair % 2 == 0 else ("0,1", "0")):
            out_dir = work / f"cores-{cpus.replace(',', '')}"
            command = kok + ["rerun", RULEBOOK, str(folder), "--run-date", RUN_DATE, "--out", str(out_dir), *REPORT]
            samples[cpus].append(launch(command, cpus=cpus))
            contents[cpus] = _folder_digest(out_dir)
            shutil.rmtree(out_dir, ignore_errors=True)
    identical = contents["0"] == contents["0,1"]
    one, two = (median([s["wall"] for s in samples[c]]) for c in ("0", "0,1"))
    speedup = one / two
    return [Row("cores.speedup", f"kok rerun --out, {n:,} centres: 1 core ÷ 2 cores (wall; every file "
                f"{'identical' if identical else 'DIFFERS'})",
                f"{fmt_ratio(speedup)}: {fmt_seconds(one)} on 1, {fmt_seconds(two)} on 2",
                "≥ 1.7×, identical", judged_size(speedup >= 1.7 and identical, n, 12_000),
                {"ratio": speedup, "identical": identical, "samples": samples})]


def _folder_digest(folder: Path) -> str:
    """One digest of every file's name and bytes in a folder."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def judged_size(ok: bool, n: int, size: int) -> bool | None:
    return ok if n == size else None


def peak_rss(work: Path, settings: Settings, peaks: dict[str, dict[int, float]]) -> list[Row]:
    """kok rerun's peak RSS as the number of centres grows (wait4, its pool's
    workers included); the target is set at 60,000 centres with --out (a page
    per centre written), measured once at that size."""
    n = settings.rss_centres
    out_peaks = dict(peaks["out"])
    if n:
        folder = centres_folder(work, n)
        progress(f"kok rerun --out over {n:,} centres, once, for its peak RSS")
        out_dir = work / f"rss-{n}"
        measured = launch(kok_command() + ["rerun", RULEBOOK, str(folder), "--run-date", RUN_DATE,
                                           "--out", str(out_dir), *REPORT])
        shutil.rmtree(out_dir, ignore_errors=True)
        out_peaks[n] = measured["peak_rss_mb"]
    floor = launch(["/bin/true"])["peak_rss_mb"]

    def listed(by_size: dict[int, float]) -> str:
        return ", ".join(f"{size:,}: {by_size[size]:.0f} MB" for size in sorted(by_size))

    largest = max(out_peaks)
    met = out_peaks[largest] < 100 if largest >= 60_000 else None
    return [Row("rss.out", "peak RSS of kok rerun --out by centres (wait4 in the launcher)",
                listed(out_peaks), "< 100 MB at 60,000", met, {"peak_rss_mb": out_peaks}),
            Row("rss.json", "  the same for kok rerun --format json", listed(peaks["json"]), "flat", None,
                {"peak_rss_mb": peaks["json"]}),
            Row("rss.launcher", "  the launcher's own share of those figures (launch /bin/true)", f"{floor:.0f} MB",
                "informational", None, {"peak_rss_mb": floor})]


def rulebooks(settings: Settings) -> list[Row]:
    sizes = settings.rulebook_sizes
    sources = {n: synthetic_rulebook(n) for n in sizes}
    check_rulebook_source(sources[sizes[0]], "warm-up")  # build the parser once, as a long process would
    times = {}
    for n, source in sources.items():
        samples = []
        for _ in range(settings.rulebook_runs):
            loaded = None

            def parse_and_compile(source=source, n=n):
                nonlocal loaded
                loaded = check_rulebook_source(source, f"synthetic-{n}.kok")

            samples.append(timed(parse_and_compile))
            if not loaded.ok or len(loaded.rulebook.requirements) != n:
                raise RuntimeError(f"the synthetic rulebook of {n} requirements does not compile")
        times[n] = (median(samples), samples)
    rows = []
    for n, (seconds, samples) in times.items():
        limit = RULEBOOK_TARGETS.get(n)
        target, met = (f"< {limit:g} s", seconds < limit) if limit else ("", None)
        rows.append(Row(f"rulebook.{n}", f"parse + compile a generated rulebook of {n:,} requirements",
                        f"{fmt_seconds(seconds)} ({fmt_seconds(seconds / n)}/requirement)", target, met,
                        {"seconds": seconds, "samples": samples}))
    small, large = sizes[-2], sizes[-1]
    growth, linear = times[large][0] / times[small][0], large / small
    rows.append(Row(f"rulebook.growth_{small}_{large}", f"  growth {small:,} → {large:,} requirements ({linear:g}×)",
                    fmt_ratio(growth), f"linear: ≤ {linear * 1.1:g}×", growth <= linear * 1.1, {"ratio": growth}))
    return rows


def lint(work: Path, settings: Settings) -> list[Row]:
    """`kok lint` as a whole process over generated books (bench/rulebook_gen.py),
    alternating sizes; CPU time, so that growth shows the algorithm, not the load."""
    paths = {}
    for n in settings.lint_sizes:
        paths[n] = work / f"lint-{n}.kok"
        paths[n].write_text(synthetic_rulebook(n), encoding="utf-8")
    samples: dict[int, list[dict]] = {n: [] for n in settings.lint_sizes}
    for _ in range(settings.lint_runs):
        for n, path in paths.items():
            samples[n].append(launch(kok_command() + ["lint", str(path)]))
    cpu = {n: median([s["cpu"] for s in runs]) for n, runs in samples.items()}
    rows = []
    for n in settings.lint_sizes:
        size_mb = paths[n].stat().st_size / 1e6
        limit = LINT_TARGET[1] if n == LINT_TARGET[0] else None
        what = f"kok lint, a generated book of {n:,} requirements ({size_mb:.1f} MB), whole process"
        rows.append(Row(f"lint.{n}", what,
                        f"{fmt_seconds(cpu[n])} CPU (wall {fmt_seconds(median([s['wall'] for s in samples[n]]))}, "
                        f"{max(s['peak_rss_mb'] for s in samples[n]):.0f} MB)",
                        f"< {limit:g} s" if limit else "", cpu[n] < limit if limit else None,
                        {"seconds": cpu[n], "samples": samples[n]}))
    small, large = settings.lint_sizes[0], settings.lint_sizes[-1]
    growth, linear = cpu[large] / cpu[small], large / small
    rows.append(Row(f"lint.growth_{small}_{large}", f"  growth {small:,} → {large:,} requirements ({linear:g}×)",
                    fmt_ratio(growth), f"linear: ≤ {linear * 1.1:g}×", growth <= linear * 1.1, {"ratio": growth}))
    return rows


def language_server(work: Path, settings: Settings) -> list[Row]:
    """kok lsp: diagnostics after an edit, hover and completion, on the Örebro
    book and on a generated book of 2,000 requirements; and a hover while a
    20,000-requirement book is being linted. Judged on the server's own work
    in CPU time (bench/lsp_probe.py); the round trip through a real server
    (wall time) is shown beside it."""
    try:
        import pygls  # noqa: F401 - the lsp extra

        from bench import lsp_probe
    except ImportError:
        return [Row("lsp", "kok lsp", "not measured: pygls is not installed (pip install -e '.[lsp]')", "", None)]
    books = {"Örebro 2025": (ROOT / RULEBOOK, (ROOT / RULEBOOK).read_text(encoding="utf-8"))}
    generated = work / "lsp-2000.kok"
    generated.write_text(synthetic_rulebook(2000), encoding="utf-8")
    books["2,000 requirements"] = (generated, generated.read_text(encoding="utf-8"))
    targets = {"Örebro 2025": {"diagnostics": 0.1, "hover": 0.05, "completion": 0.05},
               "2,000 requirements": {"diagnostics": 1.0, "hover": 0.05, "completion": 0.05}}
    words = {"diagnostics": "diagnostics after an edit", "hover": "hover", "completion": "completion"}
    rows = []
    for name, (path, text) in books.items():
        progress(f"kok lsp on {name}")
        cpu = lsp_probe.in_process(str(path), text, settings.lsp_runs)
        wall = lsp_probe.round_trips(kok_command(), path.as_uri(), text, settings.lsp_runs)
        for what, seconds in cpu.items():
            limit = targets[name][what]
            rows.append(Row(f"lsp.{what}.{name}", f"kok lsp, {name}: {words[what]}",
                            f"{fmt_seconds(seconds)} CPU (round trip {fmt_seconds(wall[what])} wall)",
                            f"< {fmt_seconds(limit)}", seconds < limit,
                            {"seconds": seconds, "wall_seconds": wall[what]}))
    progress("kok lsp: a hover while a 20,000-requirement book is linted")
    large = synthetic_rulebook(20_000)
    first, latency = lsp_probe.during_lint(kok_command(), (ROOT / RULEBOOK).as_uri(), books["Örebro 2025"][1],
                                           (work / "lsp-20000.kok").as_uri(), large)
    rows.append(Row("lsp.not_blocked", "kok lsp: a hover in the Örebro book while a 20,000-requirement book is "
                    "linted", f"{'answered first' if first else 'WAITED for the lint'}, in {fmt_seconds(latency)} wall",
                    "answered before the lint ends", first, {"first": first, "wall_seconds": latency}))
    return rows


# -- the table ----------------------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    mark = {True: "yes", False: "NO", None: "-"}
    header = ("benchmark", "measured (median)", "target", "met")
    lines = [header] + [(r.benchmark, r.measured, r.target, mark[r.met]) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    out = []
    for index, line in enumerate(lines):
        out.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
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
    parser.add_argument("--rss-centres", type=int, default=None,
                        help="centres in the peak-RSS-at-scale row (default 60,000; 0 skips it)")
    parser.add_argument("--only", metavar="PARTS", default=",".join(PARTS),
                        help=f"a comma-separated choice of parts to run: {', '.join(PARTS)} (default: all)")
    args = parser.parse_args(argv)
    chosen = set(args.only.split(","))
    if not chosen <= set(PARTS):
        parser.error(f"--only: unknown parts {', '.join(sorted(chosen - set(PARTS)))}; choose from {', '.join(PARTS)}")
    settings = QUICK if args.quick else FULL
    if args.centres:
        settings = Settings(**dict(asdict(settings), centres=args.centres))
    if args.rss_centres is not None:
        settings = Settings(**dict(asdict(settings), rss_centres=args.rss_centres))
    loaded = check_rulebook(ROOT / RULEBOOK)
    if not loaded.ok:
        raise SystemExit(f"{RULEBOOK} has errors; run kok check")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="kok-bench-") as tmp:
        work = Path(tmp)
        centres_dir = work / "centres"
        progress(f"generating {settings.centres:,} synthetic centres (seed {SEED})")
        paths = write_centres(centres_dir, settings.centres, SEED)
        if "national" in chosen:
            progress("national rerun, self-reports loaded: kokdsl, hand-written Python, regopy")
            rows += national_rerun(loaded.rulebook, paths, settings)
            progress("national rerun including loading")
            rows += rerun_with_loading(loaded.rulebook, paths, settings)
            progress("evaluate + render HTML in one process")
            rows += render_many(centres_dir, work, settings, len(paths))
        if "processes" in chosen:
            progress("whole processes: import floors, kok check warm and cold, kok run")
            rows += processes(work, settings)
        if chosen & {"whole", "cores", "rss"}:
            _compile_kokdsl()
        peaks: dict[str, dict[int, float]] = {"json": {}, "out": {}}
        if "whole" in chosen:
            whole, peaks = whole_reruns(work, settings)
            rows += whole
        if "cores" in chosen:
            rows += cores(work, settings)
        if "rss" in chosen:
            rows += peak_rss(work, settings, peaks)
        if "rulebooks" in chosen:
            progress("parse + compile generated rulebooks")
            rows += rulebooks(settings)
        if "lint" in chosen:
            progress("kok lint over generated books")
            _compile_kokdsl()
            rows += lint(work, settings)
        if "lsp" in chosen:
            rows += language_server(work, settings)
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
