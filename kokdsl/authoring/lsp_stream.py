"""The language server's framing over stdio: bounded, and resynchronising.

pygls reads `Content-Length: N` headers itself, trusting them: a length of
99999999999 is a MemoryError, a header it cannot read leaves it deaf to every
message after it, and a line without an end is read whole. This reader
replaces pygls's stdio loop and hands pygls only whole, parsed messages:

- a message is at most MAX_MESSAGE_BYTES; a longer one is answered with a
  JSON-RPC error (id null) and never read;
- anything that is not a frame (a malformed or misspelt header, a bare blank
  line, bytes between frames) is skipped up to the next `Content-Length:`
  header, and what was skipped is logged on standard error;
- a body that is not JSON, or not a JSON-RPC message, is answered with a
  JSON-RPC error; if a new frame's header shows inside it (its length was
  wrong), reading goes on from that header, so the next message is not lost.
  Valid JSON can never hold `Content-Length: N` followed by a raw blank line:
  a JSON string cannot hold a raw line break, and outside strings it is no token.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sys
from collections.abc import Callable
from typing import Any, BinaryIO

from kokdsl.messages import message as catalogue_message

MAX_MESSAGE_BYTES = 32_000_000  # a 5 MB rulebook, escaped as JSON text, with room to spare
MAX_HEADER_BYTES = 4096  # the whole header block of one frame
_CHUNK = 65536
_HEADER = re.compile(rb"content-length:[ \t]*([0-9]+)[ \t]*\r?\n", re.IGNORECASE)
_FRAME_INSIDE = re.compile(rb"content-length:[ \t]*[0-9]+[ \t]*\r?\n(?:[^\r\n]*\r?\n)*?\r?\n", re.IGNORECASE)
_HEADER_NAME = b"content-length:"
_OTHER_HEADER = re.compile(rb"content-type:[^\r\n]*\r?\n", re.IGNORECASE)
PARSE_ERROR, INVALID_REQUEST = -32700, -32600


class FrameReader:
    """Frames from a byte stream: a buffer that can be searched and given back."""

    def __init__(self, read: Callable[[], Any]) -> None:
        self._read = read  # an awaitable of the next bytes; b"" at the end
        self.buffer = bytearray()
        self.ended = False

    async def fill(self) -> bool:
        """More bytes into the buffer; False at the end of the stream."""
        if self.ended:
            return False
        chunk = await self._read()
        if not chunk:
            self.ended = True
            return False
        self.buffer += chunk
        return True

    def take(self, n: int) -> bytes:
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        return data

    def give_back(self, data: bytes) -> None:
        self.buffer[:0] = data


class Framing:
    """The read loop: frames in, parsed messages to pygls, errors answered."""

    def __init__(self, reader: FrameReader, write: Callable[[bytes], None], lang: str = "sv",
                 log: Callable[[str], None] | None = None) -> None:
        self.reader = reader
        self.write = write
        self.lang = lang
        self.log = log or _log_stderr

    async def next_body(self) -> bytes | None:
        """The body of the next well-formed frame within the size bound; None at the end."""
        while True:
            header = await self._next_header()
            if header is None:
                return None
            length = header
            if length > MAX_MESSAGE_BYTES:
                self.log(self._say("lsp.too_large", length=length, limit=MAX_MESSAGE_BYTES))
                self.error(None, INVALID_REQUEST, self._say("lsp.too_large", length=length, limit=MAX_MESSAGE_BYTES))
                continue  # not read: what follows is searched for the next header
            body = await self._body(length)
            if body is not None:
                return body

    async def _next_header(self) -> int | None:
        """Skip to the next `Content-Length: N` line and read its header block;
        None at the end of the stream. Whatever is skipped is logged."""
        skipped = bytearray()
        try:
            while True:
                found = _HEADER.search(self.reader.buffer)
                if found is not None:
                    skipped += self.reader.take(found.start())
                    block = await self._header_block()
                    if block is not None:
                        return block
                    skipped += self.reader.take(1)  # a bad block: search again past its first byte
                    continue
                # Keep a tail that may be the start of a header cut in two; skip the rest.
                keep = min(len(self.reader.buffer), len(_HEADER_NAME) + 32)
                skipped += self.reader.take(len(self.reader.buffer) - keep)
                if not await self.reader.fill():
                    skipped += self.reader.take(len(self.reader.buffer))
                    return None
        finally:
            if skipped:
                self.log(self._say("lsp.skipped", count=len(skipped), text=_preview(bytes(skipped))))

    async def _header_block(self) -> int | None:
        """At a Content-Length line: the length and the block up to the blank
        line; None when the block is malformed (a misspelt or unknown header,
        or no end within MAX_HEADER_BYTES)."""
        while True:
            buffer = self.reader.buffer
            first = _HEADER.match(buffer)
            if first is None:
                return None
            position = first.end()
            while True:
                if buffer[position:position + 2] == b"\r\n" or buffer[position:position + 1] == b"\n":
                    length = int(first.group(1))
                    self.reader.take(position + (2 if buffer[position:position + 1] == b"\r" else 1))
                    return length
                other = _OTHER_HEADER.match(buffer, position)
                if other is None:
                    break
                position = other.end()
            rest = buffer[position:]
            complete_line = b"\n" in rest
            if complete_line or len(buffer) > MAX_HEADER_BYTES:
                return None  # a header that is neither Content-Length nor Content-Type
            if not await self.reader.fill():
                return None

    async def _body(self, length: int) -> bytes | None:
        """The body of `length` bytes; None when it turned out to be cut short
        by the next frame's header (the frame is answered as not JSON, and
        reading goes on from that header)."""
        searched = 0
        while len(self.reader.buffer) < length:
            inside = _FRAME_INSIDE.search(self.reader.buffer, searched)
            if inside is not None:
                self._cut_short(inside.start())
                return None
            searched = max(0, len(self.reader.buffer) - MAX_HEADER_BYTES)  # only new bytes next time
            if not await self.reader.fill():
                self.reader.take(len(self.reader.buffer))
                return None
        return self.reader.take(length)

    def _cut_short(self, at: int) -> None:
        broken = self.reader.take(at)
        self.log(self._say("lsp.not_json", text=_preview(broken)))
        self.error(None, PARSE_ERROR, self._say("lsp.not_json", text=_preview(broken)))
        return None

    def parse(self, body: bytes) -> Any:
        """The body as JSON; None (answered with a parse error) when it is not.
        A wrong length that ran into the next frame gives that frame back."""
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            pass
        # A length too long ran into the next frame: its header, whole or cut, is given back.
        # (The header just read is not given back, so each retry reads further.)
        inside = body.lower().find(_HEADER_NAME)
        cut = inside if inside >= 0 else len(body) - _header_prefix_tail(body)
        if cut < len(body):
            self.reader.give_back(body[cut:])
            body = body[:cut]
        self.log(self._say("lsp.not_json", text=_preview(body)))
        self.error(None, PARSE_ERROR, self._say("lsp.not_json", text=_preview(body)))
        return None

    def error(self, request_id: object, code: int, text: str) -> None:
        """A JSON-RPC error response."""
        payload = {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": text}}
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def _say(self, code: str, **params: object) -> str:
        return catalogue_message(code, self.lang, **params)


def _header_prefix_tail(body: bytes) -> int:
    """How many bytes at the end of `body` could begin a `Content-Length:` header cut in two."""
    lowered = body[-len(_HEADER_NAME):].lower()
    for size in range(min(len(lowered), len(_HEADER_NAME)), 0, -1):
        if _HEADER_NAME.startswith(lowered[len(lowered) - size:]):
            return size
    return 0


def _preview(data: bytes) -> str:
    text = repr(data[:80])
    return text + ("…" if len(data) > 80 else "")


def _log_stderr(text: str) -> None:
    sys.stderr.write(f"kok lsp: {text}\n")
    sys.stderr.flush()


def run_stdio(server: Any, lang: str = "sv", stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
    """Serve a pygls LanguageServer over stdio with this framing, in place of
    its start_io, until the stream ends or the client says exit."""
    import threading

    from pygls.io_ import StdoutWriter

    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer
    logging.getLogger("pygls.protocol.json_rpc").addFilter(_said_already)
    server._stop_event = threading.Event()
    server.protocol.set_writer(StdoutWriter(stdout))
    try:
        asyncio.run(serve_stdio(server, stdin, stdout, lang))
    except BrokenPipeError:
        pass  # the editor went away
    except SystemExit:
        pass  # pygls ends the loop this way on the client's exit notification
    finally:
        server.shutdown()


def _said_already(record: logging.LogRecord) -> bool:
    """pygls logs a traceback for a message of the wrong shape, a client's
    mistake that dispatch() has already logged in one line."""
    return not str(record.msg).startswith("Unable to deserialize message")


def _chunks(fd: int, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[bytes]) -> None:
    """The reading thread: a daemon, so a read still waiting never holds up the exit."""
    while True:
        try:
            chunk = os.read(fd, _CHUNK)
        except OSError:
            chunk = b""
        loop.call_soon_threadsafe(queue.put_nowait, chunk)
        if not chunk:
            return


async def serve_stdio(server: Any, stdin: BinaryIO, stdout: BinaryIO, lang: str = "sv") -> None:
    """Read frames from stdin and hand each message to the pygls server."""
    import threading

    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[bytes] = asyncio.Queue()
    threading.Thread(target=_chunks, args=(stdin.fileno(), loop, chunks), daemon=True).start()

    def write(data: bytes) -> None:
        stdout.write(data)
        stdout.flush()

    framing = Framing(FrameReader(chunks.get), write, lang)
    protocol = server.protocol
    while server._stop_event is None or not server._stop_event.is_set():
        body = await framing.next_body()
        if body is None:
            if framing.reader.ended and not framing.reader.buffer:
                return
            continue
        data = framing.parse(body)
        if data is None:
            continue
        dispatch(protocol, data, framing)


def dispatch(protocol: Any, data: object, framing: Framing) -> None:
    """One parsed JSON value to pygls: a JSON-RPC message is handled; anything
    else is answered with an error (with the request's id when it has one)."""
    request_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(request_id, (int, str)):
        request_id = None
    if not isinstance(data, dict) or data.get("jsonrpc") != "2.0":
        framing.log(framing._say("lsp.not_a_message", text=_preview(json.dumps(data)[:200].encode())))
        if request_id is not None or not isinstance(data, dict) or "method" not in data:
            framing.error(request_id, INVALID_REQUEST, framing._say("lsp.not_a_message",
                                                                    text=_preview(json.dumps(data)[:200].encode())))
        return
    try:
        message = protocol.structure_message(data)
    except Exception as exc:  # noqa: BLE001 - a message of the wrong shape is the client's, never the server's end
        framing.log(framing._say("lsp.bad_message", reason=type(exc).__name__))
        if request_id is not None and "method" in data:
            framing.error(request_id, INVALID_REQUEST, framing._say("lsp.bad_message", reason=type(exc).__name__))
        return
    try:
        protocol.handle_message(message)
    except Exception as exc:  # noqa: BLE001 - pygls answers handler errors itself; anything left is logged
        framing.log(framing._say("lsp.bad_message", reason=f"{type(exc).__name__}: {exc}"[:200]))
