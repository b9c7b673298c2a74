"""Fuzz kokdsl with mutated rulebooks and self-reports.

    python -m tests.support.fuzz --rulebooks 100000 --self-reports 10000 --seed 1

Inputs are mutations of real ones (the shipped rulebooks cut into small
rulebooks, the example self-reports as YAML and as JSON): characters
deleted, repeated, swapped or replaced, fragments of other inputs spliced in,
and tokens a hostile or careless writer would use inserted (keywords,
operators, huge numbers, impossible dates, YAML anchors, aliases and tags,
control characters, quotes, combining marks).

Each input goes through the whole pipeline: a rulebook is parsed, compiled,
formatted and, when it compiles, run against an example self-report; a
self-report is read, validated, evaluated, decided and rendered as text,
JSON, HTML and Markdown. A crash is:

- any exception other than kokdsl's own KokError,
- a diagnostic without a location (no line and column in a rulebook, no
  file and line or JSON path in a self-report),
- an input that takes more than --timeout seconds of CPU time (or exhausts
  memory).

Crashing inputs are written to --out (default fuzz-crashes/) with their
traceback. The exit status is 1 if any input crashed. The same seed gives the
same inputs.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import resource
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

RULEBOOK_TOKENS = [
    "krav", "skall", "bör", "uppgift", "post", "kapitel", "regelbok", "utgåva", "giltig från", "källa", "område",
    "gäller om", "alla", "någon", "ingen", "i", "inte i", "och", "eller", "inte", "om", "annars", "antal(",
    "summa(", "timmar(", "täcker", "dygnet_runt", "ja", "nej", "heltal", "decimaltal", "procent", "text", "datum",
    "veckoschema", "en av {", "mängd av {", "lista av", "underlag", ":", ".", ",", "(", ")", "{", "}", "=", ">=",
    "<=", "!=", "<", ">", "+", "-", "*", "/", "%", '"', '"""', "\\", "#", "\n", "\n\n", "\t", "\r", " " * 40,
    "0", "1.5", "90 %", "9" * 20, "9" * 4400, "1." + "9" * 50, "2025-02-30", "2025-13-01", "0000-00-00",
    "6.4a", "6.4.1", "x" * 1000, "\x00", "\x0b", "\x0c", "\x1b[2J", "\u2028", "\u202e", "\u0301", "\\\u0301",
    "\ufeff", "é", "ö", "\U0001f600",
]
REPORT_TOKENS = [
    ":", ": ", "- ", "-", "[", "]", "{", "}", ",", "&a ", "*a", "&b [*a, *a, *a]", "!!str ", "!!int ", "!!float ",
    "!!binary ", "!!python/object:os.system ", "!custom ", "<<: ", "? ", "|", ">", "'", '"', "#", "\n", "\n  ",
    "\t", "~", "null", "yes", "no", "on", "ja", "nej", "2025-02-30", "2025-13-01", "2025-01-01 25:61:00",
    "2025-01-01T08:00:00+99:00", "190:20:30", "1:30.5", "0x1F", "0o17", "0b101", "017", ".inf", ".nan", "-1",
    "1e308", "1e400", "9" * 45, "9" * 4400, "10000000000000000", "0.000000000000000000001", "25 %", "140 %",
    "08:00-17:00", "25:00-26:00", "måndag-fredag", "dygnet runt", "stängt", "x" * 500, "\x00", "\x1b[31m",
    "\u2028", "\u202e", "\ud800", "\ufeff", "é",
]
DATE = datetime.date(2026, 1, 1)


class Timeout(BaseException):
    """Raised by the alarm: not an Exception, so no except clause in kokdsl can swallow it."""


@dataclass
class Crash:
    kind: str  # "rulebook" or "self-report"
    reason: str
    data: bytes
    name: str


@dataclass
class Campaign:
    rulebooks: int = 0
    self_reports: int = 0
    crashes: list[Crash] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"{self.rulebooks} rulebook inputs, {self.self_reports} self-report inputs, "
                f"{len(self.crashes)} crashes, {self.seconds:.0f} s")


# -- seeds ---------------------------------------------------------------------------


def rulebook_seeds() -> list[str]:
    """Small rulebooks cut from the shipped ones: the header, one or two
    requirements and the facts and records they name, so one input parses in
    milliseconds."""
    seeds = []
    for path in sorted((ROOT / "rulebooks").rglob("*.kok")):
        seeds += _cut(path.read_text(encoding="utf-8"))
    return seeds


def _cut(text: str) -> list[str]:
    import re

    from kokdsl.parser import _declaration_chunks  # the parser's own idea of a declaration

    chunks = [chunk for _, chunk in _declaration_chunks(text)]
    first = next(i for i, c in enumerate(chunks) if re.search(r"^\s*(?:regelbok|rulebook)\b", c, re.MULTILINE))
    header, rest = chunks[first], chunks[first + 1:]
    declared = {}
    for chunk in rest:
        match = re.search(r"^\s*(?:uppgift|post|fact|record)\s+(\w+)", chunk, re.MULTILINE)
        if match:
            declared[match.group(1)] = chunk
    others = [c for c in rest if c not in declared.values()]
    seeds = []
    for i in range(0, len(others), 2):
        body = "\n".join(others[i:i + 2])
        words = set(re.findall(r"\w+", body))
        needed = [chunk for name, chunk in declared.items() if name in words]
        # Records named by the facts they type.
        words |= set(re.findall(r"\w+", "\n".join(needed)))
        needed = [chunk for name, chunk in declared.items() if name in words]
        seeds.append("\n".join([header, *needed, body]))
    return seeds


def report_seeds() -> list[tuple[str, bytes]]:
    """(file name, bytes) of example self-reports, as YAML and as JSON."""
    from kokdsl.documents import load_yaml

    seeds = []
    paths = sorted((ROOT / "examples").glob("*.yaml")) + sorted((ROOT / "examples" / "centres").glob("*.yaml"))[:8]
    for path in paths:
        data = path.read_bytes()
        seeds.append((path.name, data))
        document = load_yaml(data.decode("utf-8"))
        seeds.append((path.stem + ".json", json.dumps(document, ensure_ascii=False, default=str).encode("utf-8")))
    return seeds


# -- mutation ------------------------------------------------------------------------


def mutate(rng: random.Random, text: str, tokens: list[str], others: list[str]) -> str:
    for _ in range(rng.choice((1, 1, 2, 3, 5, 8))):
        text = _one_mutation(rng, text, tokens, others)
    return text


def _one_mutation(rng: random.Random, text: str, tokens: list[str], others: list[str]) -> str:
    at = rng.randrange(len(text) + 1)
    choice = rng.randrange(8)
    if choice <= 2:  # insert a token
        return text[:at] + rng.choice(tokens) + text[at:]
    if choice == 3 and text:  # delete a run
        return text[:at] + text[at + rng.randint(1, 40):]
    if choice == 4 and text:  # replace one character
        char = chr(rng.choice((rng.randrange(0x20), rng.randrange(0x20, 0x7F), rng.randrange(0xA0, 0x3000))))
        return text[:at] + char \
            + text[at + 1:]
    if choice == 5:  # splice a fragment of another input
        other = rng.choice(others)
        start = rng.randrange(len(other) + 1)
        return text[:at] + other[start:start + rng.randint(1, 200)] + text[at:]
    if choice == 6 and text:  # repeat a run
        run = text[at:at + rng.randint(1, 30)]
        return text[:at] + run * rng.randint(2, 50) + text[at:]
    lines = text.split("\n")  # swap two lines
    if len(lines) > 1:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


# -- one input -----------------------------------------------------------------------


def check_rulebook(source: str, document) -> str | None:
    """None when kokdsl handled the source; otherwise why it is a crash."""
    from kokdsl.authoring.formatter import format_source, source_language
    from kokdsl.diagnostics import format_diagnostic
    from kokdsl.parser import parse
    from kokdsl.pipeline import assess, check_rulebook_source

    loaded = check_rulebook_source(source, "fuzz.kok")
    for diag in loaded.diagnostics:
        if diag.span is None or diag.span.line < 1 or diag.span.column < 1:
            return f"diagnostic without a location: {diag.code} {diag.params!r}"
        for lang in ("sv", "en"):
            format_diagnostic(diag, lang, loaded.source).encode("utf-8")
    if not loaded.ok:
        return None
    parsed = parse(loaded.source, "fuzz.kok")
    format_source(parsed.rulebook, parsed.source, source_language(parsed.rulebook, parsed.source))
    if document is not None:
        from kokdsl.outputs.assessment import render_text
        from kokdsl.selfreport import validate

        # The example read against the mutated rulebook's own facts.
        report = validate(document, loaded.rulebook, "example.yaml", "0" * 64)
        render_text(assess(loaded.rulebook, report), "sv", width=100).encode("utf-8")
    return None


def check_self_report(name: str, data: bytes, rulebook, render_all: bool = True) -> str | None:
    from kokdsl.errors import KokError
    from kokdsl.outputs.assessment import render_json, render_text
    from kokdsl.outputs.findings import render_report
    from kokdsl.pipeline import assess
    from kokdsl.selfreport import parse_document, validate

    try:
        document = parse_document(data, name)
        report = validate(document, rulebook, name, "0" * 64)
    except KokError as exc:
        for diag in exc.diagnostics:
            located = diag.path or (diag.params.get("line", 0) >= 1) or diag.code in _WHOLE_FILE_PROBLEMS
            if not (diag.file and located):
                return f"diagnostic without a location: {diag.code} {diag.params!r}"
            diag.text("sv").encode("utf-8")
        return None
    for diag in report.diagnostics:
        if not diag.path:
            return f"diagnostic without a path: {diag.code}"
    assessment = assess(rulebook, report)
    render_text(assessment, "sv", width=100).encode("utf-8")
    render_json(assessment, "en").encode("utf-8")
    if render_all:  # the report pages cost most; every few inputs is enough to find what data breaks them
        for fmt in ("html", "md"):
            render_report(assessment, fmt, "sv", DATE).encode("utf-8")
    return None


# Problems of the file as a whole: the file name is their location.
_WHOLE_FILE_PROBLEMS = {"data.too_large", "data.not_utf8", "data.too_deep", "data.duplicate_json_key",
                        "data.unreadable"}


def _guarded(check, timeout: float, *args) -> str | None:
    from kokdsl.errors import KokError

    signal.setitimer(signal.ITIMER_PROF, timeout)
    try:
        return check(*args)
    except Timeout:
        return f"took more than {timeout} s"
    except KokError as exc:  # raised on purpose: fine, if it says where
        return None if all(d.span or d.file or d.path for d in exc.diagnostics) else f"unlocated {exc!r}"
    except MemoryError:
        return "ran out of memory"
    except Exception:  # noqa: BLE001 - any other exception is exactly what the fuzzer looks for
        return traceback.format_exc()
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


def _alarm(signum, frame):
    raise Timeout


# -- campaign ------------------------------------------------------------------------


def run_campaign(rulebooks: int, self_reports: int, seed: int = 0, timeout: float = 10.0,
                 progress=None) -> Campaign:
    from kokdsl.pipeline import load_rulebook
    from kokdsl.selfreport import read_document

    # CPU time, not the wall clock: on a busy machine a niced campaign waits for the CPU.
    signal.signal(signal.SIGPROF, _alarm)
    rng = random.Random(seed)
    started = time.monotonic()
    campaign = Campaign()
    orebro = load_rulebook(ROOT / "rulebooks" / "orebro" / "2025.kok").rulebook
    example, _ = read_document(ROOT / "examples" / "avslag.yaml")
    sources = rulebook_seeds()
    for n in range(rulebooks):
        source = mutate(rng, rng.choice(sources), RULEBOOK_TOKENS, sources)
        reason = _guarded(check_rulebook, timeout, source, example)
        campaign.rulebooks += 1
        if reason:
            campaign.crashes.append(Crash("rulebook", reason, source.encode("utf-8", "surrogatepass"), f"r{n}.kok"))
        if progress and campaign.rulebooks % 1000 == 0:
            progress(campaign)
    reports = report_seeds()
    texts = [data.decode("utf-8") for _, data in reports]
    for n in range(self_reports):
        name, data = rng.choice(reports)
        text = mutate(rng, data.decode("utf-8"), REPORT_TOKENS, texts)
        # Now and then a byte-level mutation: invalid UTF-8, a BOM, a NUL.
        raw = text.encode("utf-8", "surrogatepass")
        if rng.random() < 0.1:
            at = rng.randrange(len(raw) + 1)
            raw = raw[:at] + bytes([rng.randrange(256)]) + raw[at:]
        reason = _guarded(check_self_report, timeout, name, raw, orebro, n % 5 == 0)
        campaign.self_reports += 1
        if reason:
            campaign.crashes.append(Crash("self-report", reason, raw, f"s{n}-{name}"))
        if progress and campaign.self_reports % 1000 == 0:
            progress(campaign)
    campaign.seconds = time.monotonic() - started
    return campaign


def write_crashes(campaign: Campaign, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for crash in campaign.crashes:
        (out / crash.name).write_bytes(crash.data)
        (out / (crash.name + ".txt")).write_text(crash.reason, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rulebooks", type=int, default=2000, help="rulebook inputs (default 2000)")
    parser.add_argument("--self-reports", type=int, default=2000, help="self-report inputs (default 2000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds an input may take")
    parser.add_argument("--memory-mb", type=int, default=2048, help="address-space limit of the fuzzing process")
    parser.add_argument("--out", type=Path, default=Path("fuzz-crashes"), help="where crashing inputs are written")
    args = parser.parse_args(argv)
    limit = args.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    def progress(campaign: Campaign) -> None:
        print(f"  {campaign.summary()}", file=sys.stderr, flush=True)

    campaign = run_campaign(args.rulebooks, args.self_reports, args.seed, args.timeout, progress)
    print(campaign.summary())
    if campaign.crashes:
        write_crashes(campaign, args.out)
        for crash in campaign.crashes[:10]:
            print(f"- {crash.kind} {crash.name}: {crash.reason.strip().splitlines()[-1]}")
        print(f"crashing inputs written to {args.out}/")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
