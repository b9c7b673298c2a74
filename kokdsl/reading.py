"""Reading an input file, bounded in size and in time.

kok reads only regular files, or standard input when the user names `-`. A
FIFO, a device (/dev/zero, /dev/tty), a socket or a folder is refused before
a byte is read: opening a FIFO alone would wait for a writer forever. The
file is opened without blocking, then checked with fstat on the open
descriptor, so a name swapped for a FIFO between a check and the open cannot
slip through.

Every read stops one byte past its limit (enough to say the file is too
large), and standard input, the one stream that may never end or never
start, is read with a deadline.
"""

from __future__ import annotations

import os
import select
import stat
import sys
import time
from typing import BinaryIO

import attrs

from kokdsl.errors import InputRefused

STDIN = "-"
READ_SECONDS = 60.0  # how long standard input may take to deliver its bytes
_CHUNK = 1 << 20


@attrs.frozen
class Reason:
    """Why an input was refused, rendered in the reader's language."""

    code: str
    params: dict[str, object] = attrs.field(factory=dict)

    def render(self, lang: str) -> str:
        from kokdsl.messages import message

        return message(self.code, lang, **self.params)

    def __str__(self) -> str:
        return self.render("en")


def os_reason(error: OSError) -> object:
    """What to say about a read that failed: our own reason (rendered in the
    reader's language), else the system's words."""
    if isinstance(error, InputRefused):
        return error.reason
    return error.strerror or str(error)


def file_kind(mode: int) -> str | None:
    """The message code naming a file that is not a regular one; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "input.kind_fifo"
    if stat.S_ISDIR(mode):
        return "input.kind_folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "input.kind_device"
    if stat.S_ISSOCK(mode):
        return "input.kind_socket"
    return "input.kind_other"


def not_regular(kind: str) -> InputRefused:
    return InputRefused(Reason("input.not_regular", {"kind": Kind(kind)}))


@attrs.frozen
class Kind:
    """A kind of file (a FIFO, a device), named in the reader's language."""

    code: str

    def render(self, lang: str) -> str:
        from kokdsl.messages import message

        return message(self.code, lang)


def read_bounded(path: str | os.PathLike[str], limit: int, seconds: float = READ_SECONDS) -> bytes:
    """At most limit + 1 bytes of a regular file (or of standard input for
    `-`). Raises OSError (InputRefused for a file that is not regular, or
    standard input that gives nothing for `seconds`)."""
    if os.fspath(path) == STDIN:
        return read_stream(sys.stdin.buffer, limit, seconds)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        if os.path.islink(path):  # the name is there, what it points to is not
            raise InputRefused(Reason("input.dangling_link", {"target": os.fsdecode(os.readlink(path))})) from None
        raise
    try:
        kind = file_kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise not_regular(kind)
        os.set_blocking(fd, True)
        deadline = time.monotonic() + seconds
        chunks, size = [], 0
        while size <= limit:
            if time.monotonic() > deadline:  # a stalled network file system: checked between chunks
                raise InputRefused(Reason("input.timed_out", {"seconds": f"{seconds:g}"}))
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_stream(stream: BinaryIO, limit: int, seconds: float = READ_SECONDS) -> bytes:
    """At most limit + 1 bytes of a stream, within `seconds` in all."""
    fd = stream.fileno()
    deadline = time.monotonic() + seconds
    chunks, size = [], 0
    while size <= limit:
        left = deadline - time.monotonic()
        ready = select.select([fd], [], [], max(left, 0))[0] if left > 0 else []
        if not ready:
            raise InputRefused(Reason("input.timed_out", {"seconds": f"{seconds:g}"}))
        chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
