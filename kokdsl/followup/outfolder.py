"""The rerun's output folder: it always holds exactly one whole run.

A run is built in a fresh hidden sibling folder and swapped in at the end, so
a reader (or a run killed with SIGKILL half-way) sees either last year's
complete set or this year's, never a mix. An exclusive lock on the parent
folder keeps two runs into the same folder from interleaving; the next run
cleans up what a killed run left behind.

    with OutputFolder("out") as build:      # lock, clean up, make the build folder
        (build.path / "index.html").write_bytes(...)
        build.commit()                       # swap in; without it the build is removed
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import unicodedata
import urllib.parse
from pathlib import Path

from kokdsl.errors import KokError

MARKER = ".kok-rerun"  # says "this folder was written by kok rerun": safe to replace
_MARKER_TEXT = b"kokdsl rerun output; the folder is replaced as a whole by the next run\n"
_BUILD, _OLD = "kok-new", "kok-old"
RESERVED_NAMES = frozenset({"index", "summary", "centres"})
MAX_SLUG = 80


def display_path(path: str | os.PathLike[str]) -> str:
    """A file name as text that can always be printed and written as UTF-8:
    bytes that are not UTF-8 (kept by Python as lone surrogates) become U+FFFD."""
    return os.fsencode(path).decode("utf-8", "replace")


def slug(text: str) -> str:
    """A safe file name stem: letters, digits, '-' and '_' only, never
    starting with a dot, never a URL scheme, never empty."""
    text = unicodedata.normalize("NFC", display_path(text))
    out, dash = [], False
    for ch in text:
        if ch.isalnum() or ch in "_":
            out.append(ch)
            dash = False
        elif not dash:
            out.append("-")
            dash = True
    name = "".join(out).strip("-_")[:MAX_SLUG].strip("-_")
    return name or "centre"


def report_names(files: list[str]) -> list[str]:
    """One unique report file name per self-report file, in file order, from
    the file's stem ('centre-0005.yaml' -> 'centre-0005.html')."""
    taken, names = set(RESERVED_NAMES), []
    for file in files:
        stem = slug(Path(file).stem)
        name, n = stem, 2
        while name.casefold() in taken:  # same stem in two folders, or a case-insensitive file system
            name, n = f"{stem}-{n}", n + 1
        taken.add(name.casefold())
        names.append(f"{name}.html")
    return names


def href(name: str) -> str:
    """A relative link to a file beside the page, percent-encoded."""
    return urllib.parse.quote(name, safe="")


class OutputFolder:
    """Build a run in a sibling folder, then swap it in as a whole."""

    def __init__(self, target: str | Path, lang: str = "sv"):
        # A link to a folder: the folder it points to is the one replaced.
        self.target = Path(target).resolve() if Path(target).is_symlink() else Path(target)
        self.lang = lang
        self.parent = self.target.absolute().parent
        self.name = self.target.absolute().name
        self.path = self.parent / f".{self.name}.{_BUILD}-{os.getpid()}"
        self._lock_fd: int | None = None
        self._committed = False

    def __enter__(self) -> OutputFolder:
        try:
            self.parent.mkdir(parents=True, exist_ok=True)
            self._lock()
            self._recover()
            self._check_replaceable()
            self.path.mkdir()
            (self.path / MARKER).write_bytes(_MARKER_TEXT)
        except OSError as exc:
            self._unlock()
            raise KokError("output.write_failed", path=display_path(self.target),
                           reason=exc.strerror or str(exc)) from None
        except BaseException:
            self._unlock()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if not self._committed:
                shutil.rmtree(self.path, ignore_errors=True)
        finally:
            self._unlock()

    def commit(self) -> None:
        """Swap the finished build in for the target folder."""
        try:
            if not self.target.exists():
                os.rename(self.path, self.target)
            elif _exchange(self.path, self.target):
                shutil.rmtree(self.path, ignore_errors=True)  # now last year's set
            else:
                old = self._sibling(_OLD)
                os.rename(self.target, old)
                os.rename(self.path, self.target)
                shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:
            raise KokError("output.write_failed", path=display_path(self.target),
                           reason=exc.strerror or str(exc)) from None
        self._committed = True

    # -- helpers -------------------------------------------------------------

    def _sibling(self, kind: str) -> Path:
        return self.parent / f".{self.name}.{kind}-{os.getpid()}"

    def _lock(self) -> None:
        """An exclusive lock on the parent folder for the whole run: a second
        run into the same folder waits for the first to finish."""
        try:
            import fcntl
        except ImportError:  # no POSIX locks (Windows): the swap still keeps runs whole
            return
        self._lock_fd = os.open(self.parent, os.O_RDONLY)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            from kokdsl.messages import message

            print(message("rerun.out_busy", self.lang, path=display_path(self.target)), file=sys.stderr, flush=True)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing releases the lock
            self._lock_fd = None

    def _recover(self) -> None:
        """Undo what a killed run left: put last year's set back if it was
        moved aside but the new one never arrived, and remove half-built runs."""
        leftovers = sorted(p for p in self.parent.glob(f".{glob_escape(self.name)}.kok-*")
                           if p.name.split(".")[-1].startswith((_BUILD, _OLD)))
        olds = [p for p in leftovers if p.name.split(".")[-1].startswith(_OLD)]
        if not self.target.exists() and olds:
            os.rename(olds[-1], self.target)
        for path in leftovers:
            if path.exists():
                shutil.rmtree(path, ignore_errors=True)

    def _check_replaceable(self) -> None:
        """Only an empty folder or an earlier run's folder may be replaced:
        never a folder of someone's other files."""
        if not self.target.exists():
            return
        if not self.target.is_dir():
            raise KokError("rerun.out_not_folder", path=display_path(self.target))
        if (self.target / MARKER).is_file() or _is_summary(self.target / "summary.json"):
            return
        if any(self.target.iterdir()):
            raise KokError("rerun.out_not_empty", path=display_path(self.target))


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in name)


def _is_summary(path: Path) -> bool:
    """An older run's folder (before the marker file): its summary.json."""
    with contextlib.suppress(OSError):
        with open(path, "rb") as f:
            return b'"format": "kokdsl.tools.rerun"' in f.read(200)
    return False


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2 RENAME_EXCHANGE).
    False where the system or file system cannot; the caller then renames twice."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # only here: every rerun imports this module, few replace an output folder

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    status: int = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)  # restype c_int
    return status == 0
