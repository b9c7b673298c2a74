"""The hostile-input corpus: reading a case folder, building its inputs and
running it through the `kok` command in a subprocess with limits.

Each case is a folder under tests/hostile/ holding a `case.yaml` and its input
files (see tests/hostile/README.md for the format). Adding a case is adding a
folder; nothing lists the cases.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "hostile"

DEFAULT_MEMORY_MB = 1024
DEFAULT_SECONDS = 60
EXIT_INTERNAL_ERROR = 3
CASE_KEYS = {"description", "issue", "argv", "exit", "stdout", "stderr", "stdout_ignored", "generate",
             "outputs", "memory_mb", "seconds", "stdin"}


class CaseFormatError(Exception):
    pass


@dataclass
class Case:
    name: str
    folder: Path
    argv: list[str]
    exit: int
    stdout: str | None
    stderr: str
    generate: list[dict] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    memory_mb: int = DEFAULT_MEMORY_MB
    seconds: int = DEFAULT_SECONDS
    stdin: str | None = None


def case_names() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if (p / "case.yaml").is_file())


def load_case(name: str) -> Case:
    folder = CORPUS / name
    with open(folder / "case.yaml", encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    unknown = set(spec) - CASE_KEYS
    if unknown:
        raise CaseFormatError(f"{name}/case.yaml: unknown keys {sorted(unknown)}")
    for key in ("description", "argv", "exit", "stderr"):
        if key not in spec:
            raise CaseFormatError(f"{name}/case.yaml: '{key}' is required")
    if spec["exit"] == EXIT_INTERNAL_ERROR:
        raise CaseFormatError(f"{name}/case.yaml: no case may expect an internal error (exit 3)")
    stdout = None if spec.get("stdout_ignored") else spec.get("stdout", "")
    return Case(name, folder, [str(a) for a in spec["argv"]], spec["exit"], stdout, spec["stderr"],
                spec.get("generate", []), spec.get("outputs", []), spec.get("memory_mb", DEFAULT_MEMORY_MB),
                spec.get("seconds", DEFAULT_SECONDS), spec.get("stdin"))


# -- generated inputs ----------------------------------------------------------------


def _file_name(recipe: dict) -> bytes:
    """A file name as bytes: `name` (UTF-8) or `name_bytes` (each character one
    byte, so "\\xe5" is the single byte 0xE5, not valid UTF-8 on its own)."""
    if "name_bytes" in recipe:
        return recipe["name_bytes"].encode("latin-1")
    return recipe["name"].encode("utf-8")


def _content(recipe: dict, work: Path) -> bytes:
    """The bytes of a generated file, from its parts:
    {text: "..."} (UTF-8), {bytes: "..."} (one byte a character), {copy: FILE}
    (a file of the case), each with an optional `times: N`."""
    out = bytearray()
    for part in recipe.get("parts", []):
        if "text" in part:
            chunk = part["text"].encode("utf-8")
        elif "bytes" in part:
            chunk = part["bytes"].encode("latin-1")
        elif "copy" in part:
            chunk = (work / part["copy"]).read_bytes()
        else:
            raise CaseFormatError(f"a part needs text, bytes or copy: {part!r}")
        out += chunk * int(part.get("times", 1))
    return bytes(out)


def prepare(case: Case, work: Path) -> None:
    """Copy the case's files into `work` and generate the declared inputs."""
    for item in case.folder.iterdir():
        if item.name != "case.yaml":
            (shutil.copytree if item.is_dir() else shutil.copy2)(item, work / item.name)
    for recipe in case.generate:
        path = os.path.join(bytes(work), _file_name(recipe))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if "symlink_to" in recipe:
            os.symlink(recipe["symlink_to"], path)
            continue
        if recipe.get("fifo"):  # a named pipe nobody writes to: reading it would wait forever
            os.mkfifo(path)
            continue
        with open(path, "wb") as f:
            f.write(_content(recipe, work))


# -- running -------------------------------------------------------------------------


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    timed_out: bool = False


def _argument(text: str, work: Path) -> bytes:
    """{repo} is the repository root; `bytes:` before an argument makes it one
    byte a character (a file name that is not UTF-8)."""
    text = text.replace("{repo}", str(ROOT))
    if text.startswith("bytes:"):
        return text[len("bytes:"):].encode("latin-1")
    return text.encode("utf-8")


def _limits(memory_mb: int, seconds: int):
    def apply() -> None:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        # CPU time as well as the wall clock: a runaway case stops even on a busy machine.
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    return apply


def environment(cache: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KOK", "LC_", "PYTHON"))}
    env.update(LANG="C.UTF-8", COLUMNS="100", XDG_CACHE_HOME=str(cache), PYTHONHASHSEED="0",
               PYTHONPATH=str(ROOT))
    return env


def run_case(case: Case, work: Path, cache: Path) -> Outcome:
    prepare(case, work)
    argv = [sys.executable.encode(), b"-m", b"kokdsl"] + [_argument(a, work) for a in case.argv]
    try:
        done = subprocess.run(argv, cwd=work, env=environment(cache), capture_output=True,
                              input=(case.stdin or "").encode("utf-8"), timeout=case.seconds * 2,
                              preexec_fn=_limits(case.memory_mb, case.seconds))
    except subprocess.TimeoutExpired as exc:
        return Outcome(-1, _text(exc.stdout or b""), _text(exc.stderr or b""), timed_out=True)
    return Outcome(done.returncode, _text(done.stdout), _text(done.stderr))


def _text(data: bytes) -> str:
    # A byte that is not UTF-8 shows as \xNN, so a case can state it.
    return data.decode("utf-8", errors="backslashreplace")


_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\w+(Error|Exception): ", re.MULTILINE)


def problems(case: Case, outcome: Outcome, work: Path) -> list[str]:
    """Everything wrong with one run, as sentences (empty when it passed)."""
    found = []
    if outcome.timed_out:
        found.append(f"timed out after {case.seconds * 2} s")
    for stream, text in (("stdout", outcome.stdout), ("stderr", outcome.stderr)):
        if _TRACEBACK.search(text):
            found.append(f"a traceback on {stream}")
    if outcome.code == EXIT_INTERNAL_ERROR:
        found.append("exit 3: an internal error")
    elif outcome.code < 0:
        found.append(f"killed by signal {-outcome.code} (a resource limit?)")
    if outcome.code != case.exit:
        found.append(f"exit {outcome.code}, expected {case.exit}")
    if outcome.stderr != case.stderr:
        found.append(f"stderr differs:\n--- expected\n{case.stderr}--- actual\n{outcome.stderr}")
    if case.stdout is not None and outcome.stdout != case.stdout:
        found.append(f"stdout differs:\n--- expected\n{case.stdout}--- actual\n{outcome.stdout}")
    for name in case.outputs:
        if not os.path.exists(os.path.join(bytes(work), _argument(name, work))):
            found.append(f"expected output {name} was not written")
    return found


def main(names: list[str]) -> int:
    """Run cases and print what they did, for writing a new case.yaml:
    python tests/support/hostile_corpus.py CASE..."""
    import tempfile

    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        for name in names or case_names():
            case = load_case(name)
            work = Path(tmp) / name
            work.mkdir()
            outcome = run_case(case, work, cache)
            found = problems(case, outcome, work)
            failed += bool(found)
            print(f"== {name}: exit {outcome.code}{'' if found else ' (passes)'}")
            print("stdout: |\n" + "".join("  " + line for line in outcome.stdout.splitlines(True)))
            print("stderr: |\n" + "".join("  " + line for line in outcome.stderr.splitlines(True)))
            for problem in found:
                print("  PROBLEM: " + problem.splitlines()[0])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
