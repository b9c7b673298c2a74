"""Writing reports where `kok run --output FORMAT:TARGET` asks: parsing the
specs, atomic file writes, and PDF through a headless Chromium.

A report file is either the old one or the complete new one, never half
written: each is written to a temporary file in the same folder and renamed
over the target.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import attrs

from kokdsl.errors import OutputError
from kokdsl.reading import Kind, file_kind

STDOUT = "-"
OUTPUT_FORMATS = ("html", "md", "json", "pdf")
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_TIMEOUT_SECONDS = 120


@attrs.frozen
class OutputSpec:
    fmt: str
    target: str  # a file path, or "-" for standard output

    @property
    def to_stdout(self) -> bool:
        return self.target == STDOUT


def parse_output_spec(text: str) -> OutputSpec:
    """'html:out/vc.html' -> OutputSpec('html', 'out/vc.html')."""
    fmt, sep, target = text.partition(":")
    fmt = fmt.strip().lower()
    if not sep or fmt not in OUTPUT_FORMATS or not target:
        raise OutputError("output.bad_spec", spec=text, formats=", ".join(OUTPUT_FORMATS))
    if fmt == "pdf" and target == STDOUT:
        raise OutputError("output.pdf_stdout")
    return OutputSpec(fmt, target)


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` via a temporary file and a rename, creating
    parent folders. Raises OutputError when the file cannot be written."""
    path = Path(path)
    refuse_special_target(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError("output.write_failed", path=str(path), reason=exc.strerror or str(exc)) from None


def refuse_special_target(path: Path) -> None:
    """OutputError unless `path` is a new name or a regular file: a rename
    over a FIFO, a symlink or a device (/dev/full) would replace it with a
    plain file. Standard output is named `-`, never /dev/stdout."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:  # a new name (or one the write itself will fail on, with its reason)
        return
    kind = "output.kind_symlink" if stat.S_ISLNK(mode) else file_kind(mode)
    if kind is not None:
        raise OutputError("output.not_regular", path=str(path), kind=Kind(kind))


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_command(chromium: str, profile_dir: str) -> list[str]:
    """Headless Chromium that stays offline and leaves no state behind."""
    return [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-extensions", "--hide-scrollbars", f"--user-data-dir={profile_dir}"]


# The dates Chromium stamps into a PDF's document information: D:YYYYMMDDHHmmSS.
_PDF_DATE = re.compile(rb"\(D:\d{14}")
# A date for a PDF printed without one (the book): fixed, so the bytes are too.
PDF_EPOCH = datetime.date(2000, 1, 1)


def fix_pdf_dates(pdf: bytes, day: datetime.date) -> bytes:
    """Set CreationDate and ModDate to midnight of `day`, so the same inputs
    and date give the same bytes. The stamp keeps its length, so every
    offset in the cross-reference table stays right."""
    stamp = b"(D:" + day.strftime("%Y%m%d").encode("ascii") + b"000000"
    return _PDF_DATE.sub(stamp, pdf)


# Chromium names the tagged PDF's structure elements after DOM node ids
# ("(node00000078)"), which vary from one run to the next.
_PDF_NODE_ID = re.compile(rb"\(node(\d{8})\)")


def fix_pdf_node_ids(pdf: bytes) -> bytes:
    """Renumber the structure elements' ids in order of first appearance,
    so the same letter gives the same bytes. Each id keeps its length, so
    every offset in the cross-reference table stays right."""
    numbers: dict[bytes, bytes] = {}

    def renumbered(match: re.Match[bytes]) -> bytes:
        new = numbers.setdefault(match.group(1), b"%08d" % len(numbers))
        return b"(node" + new + b")"

    return _PDF_NODE_ID.sub(renumbered, pdf)


def write_pdf(path: str | Path, html: str, day: datetime.date | None = None) -> None:
    """Print the HTML report to an A4 PDF at `path`, atomically, dated `day`."""
    chromium = find_chromium()
    if chromium is None:
        raise OutputError("output.no_chromium")
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="kok-pdf-") as work:
        page = Path(work) / "report.html"
        page.write_text(html, encoding="utf-8")
        pdf = Path(work) / "report.pdf"
        command = chromium_command(chromium, str(Path(work) / "profile")) + [
            "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()]
        try:
            # UTC: the time-zone suffix of the dates then never varies either.
            done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=CHROMIUM_TIMEOUT_SECONDS, env=dict(os.environ, TZ="UTC"))
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OutputError("output.pdf_failed", path=str(path), reason=str(exc)) from None
        if not pdf.is_file() or pdf.stat().st_size == 0:
            reason = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
            raise OutputError("output.pdf_failed", path=str(path), reason=reason)
        write_atomic(path, fix_pdf_node_ids(fix_pdf_dates(pdf.read_bytes(), day or PDF_EPOCH)))
