"""The language server under attack (issue 22, failures 7 and 8, and the fuzz
target of its acceptance): random and mutated JSON-RPC frames go to one
`kok lsp` process; after each one a valid request must be answered, so the
server neither crashed, nor hung, nor went deaf. Every bad header and body is
logged on standard error.

The quick suite sends a few hundred frames; the slow tests at least 10,000."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("pygls")

ROOT = Path(__file__).resolve().parents[2]
PING_URI = "file:///fuzz/ping-target.kok"  # no fuzzed frame names it: it stays open and unchanged
PING_SOURCE = 'regelbok "Ping" utgåva 2025\n\nkapitel "Ett"\n'
ANSWER_SECONDS = 10  # a hang is a failure, not a wait: every answer comes in milliseconds


def frame(payload: object) -> bytes:
    body = json.dumps(payload).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Server:
    """`kok lsp` in a subprocess; its answers read by a thread, its log kept in a file."""

    def __init__(self) -> None:
        self.log = tempfile.TemporaryFile()
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.process = subprocess.Popen([sys.executable, "-m", "kokdsl", "lsp", "--lang", "en"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, env=env)
        self.answers: queue.Queue = queue.Queue()
        self.pings = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.answers.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            self.answers.put(json.loads(stream.read(length)))

    def send(self, data: bytes) -> None:
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def request(self, method: str, params: dict, request_id: object) -> dict:
        self.send(frame({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}))
        return self.answer_to(request_id)

    def answer_to(self, request_id: object) -> dict:
        while True:
            answer = self.answers.get(timeout=ANSWER_SECONDS)
            assert answer is not None, f"the server ended; its log:\n{self.stderr()[-2000:]}"
            if answer.get("id") == request_id and "method" not in answer:
                return answer

    def ping(self) -> dict:
        """A valid request after a bad frame: answered, whatever came before."""
        self.pings += 1
        request_id = f"ping-{self.pings}"
        return self.request("textDocument/documentSymbol", {"textDocument": {"uri": PING_URI}}, request_id)

    def open_ping_target(self) -> None:
        self.send(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": PING_URI, "languageId": "kok", "version": 1, "text": PING_SOURCE}}}))

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def close(self) -> int:
        try:
            self.request("shutdown", {}, "bye")
            self.send(frame({"jsonrpc": "2.0", "method": "exit"}))
            self.process.stdin.close()
            return self.process.wait(timeout=ANSWER_SECONDS)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.process.stdout.close()
            self.log.close()


@pytest.fixture(scope="module")  # one server for the tests that leave it working: a start takes seconds
def server():
    started = Server()
    answer = started.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}}, 1)
    assert "capabilities" in answer["result"]
    started.send(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
    started.open_ping_target()
    yield started
    code = started.close()
    assert code == 0


def fresh_server() -> Server:
    return Server()


# -- the failures of issue 22, one by one ---------------------------------------------

INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"processId": None, "rootUri": None, "capabilities": {}}}


@pytest.mark.parametrize("bad, logged", [
    (b"Content-Length: 99999999999\r\n\r\n{}", "the message is too large (99999999999 bytes; at most 32,000,000)"),
    (b"Content-Length: abc\r\n\r\n", "skipped 23 bytes that are not a message: b'Content-Length: abc\\r\\n\\r\\n'"),
    (b"Content-Lenght: 2\r\n\r\n{}", "skipped 23 bytes that are not a message: b'Content-Lenght: 2\\r\\n\\r\\n{}'"),
    (b"\r\n", "skipped 2 bytes that are not a message: b'\\r\\n'"),
    (b"Content-Length: 10\r\n\r\n{}", "the message is not JSON: b'{}'"),
    (b"Content-Length: 2\r\nX-Custom: 1\r\n\r\n{}", "skipped"),
])
def test_after_a_bad_header_the_next_initialize_is_answered_and_the_bad_one_logged(bad, logged):
    started = fresh_server()
    try:
        started.send(bad + frame(INITIALIZE))
        answer = started.answer_to(1)
        assert "capabilities" in answer["result"]
        assert started.process.poll() is None
    finally:
        started.process.stdin.close()
        started.process.wait(timeout=ANSWER_SECONDS)
        started.process.stdout.close()
        log = started.stderr()
        started.log.close()
    assert logged in log
    assert "Traceback" not in log and "MemoryError" not in log


def test_a_message_too_large_is_answered_with_a_json_rpc_error(server):
    server.send(b"Content-Length: 99999999999\r\n\r\n")
    error = server.answer_to(None)
    assert error["error"]["code"] == -32600
    assert "too large" in error["error"]["message"]
    assert "result" in server.ping()


@pytest.mark.parametrize("body, code", [(b"{not json", -32700), (b"[1, 2]", -32600), (b'"text"', -32600),
                                        (b'{"jsonrpc": "1.0", "id": 7, "method": "x"}', -32600)])
def test_a_body_that_is_no_json_rpc_message_is_answered_with_an_error(server, body, code):
    server.send(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    answer = server.answer_to(7 if b'"id": 7' in body else None)
    assert answer["error"]["code"] == code
    assert "result" in server.ping()


# -- the fuzz target ------------------------------------------------------------------

_METHODS = ["initialize", "textDocument/hover", "textDocument/didOpen", "textDocument/didChange",
            "textDocument/completion", "textDocument/definition", "textDocument/formatting",
            "textDocument/codeAction", "textDocument/documentSymbol", "workspace/didChangeConfiguration",
            "$/cancelRequest", "kok/unknown", "initialized", "textDocument/didClose"]
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
_ids = st.one_of(st.integers(-5, 10**12), st.text(max_size=6), st.none(), st.floats(allow_nan=False), st.booleans())
_messages = st.fixed_dictionaries(
    {"jsonrpc": st.sampled_from(["2.0", "2.0", "2.0", "1.0", 2])},
    optional={"id": _ids, "method": st.sampled_from(_METHODS) | st.text(max_size=10),
              "params": _json | st.fixed_dictionaries({"textDocument": st.fixed_dictionaries(
                  {"uri": st.sampled_from(["file:///a.kok", "file:///b.kok", "untitled:x", ""]) | st.text(max_size=8)},
                  optional={"text": st.text(max_size=200), "version": st.integers(-2, 5)}),
                  "position": st.fixed_dictionaries({"line": st.integers(-2, 50), "character": st.integers(-2, 80)})}),
              "result": _json, "error": _json})


@st.composite
def mutated(draw, frames: st.SearchStrategy[bytes]) -> bytes:
    """A frame with bytes flipped, cut out, repeated or inserted, or its length changed."""
    data = bytearray(draw(frames))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "length", "duplicate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "delete" and data:
            del data[at:at + draw(st.integers(1, 8))]
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from([b"\r\n", b"\r\n\r\n", b"Content-Length: ", b"\n", b"{", b"\x00",
                                                b"Content-Length: 5\r\n", b"\xff\xfe"]) | st.binary(max_size=6))
        elif kind == "truncate":
            del data[at:]
        elif kind == "length":
            number = draw(st.sampled_from([b"0", b"1", b"-1", b"99999999999", b"1e3", b" 12", b"3", b"4096"])
                          | st.integers(0, 400).map(lambda n: str(n).encode()))
            data = bytearray(data.replace(b"Content-Length: ", b"Content-Length: " + number + b"#", 1)
                             .split(b"#", 1)[0] + b"\r\n" + bytes(data).split(b"\r\n", 1)[-1])
        elif kind == "duplicate":
            data = data + data[: at]
    return bytes(data)


_valid_frames = _messages.map(frame)
_headers = st.lists(st.sampled_from([b"Content-Length: 12", b"Content-Length: abc", b"content-length: 2",
                                     b"Content-Lenght: 2", b"Content-Type: application/json", b"", b"X: y",
                                     b"Content-Length: 99999999999", b"Content-Length:", b"Content-Length: -3"]),
                    max_size=3).map(lambda lines: b"".join(line + b"\r\n" for line in lines) + b"\r\n")
BAD_FRAMES = st.one_of(
    st.binary(max_size=300),
    _valid_frames,
    mutated(_valid_frames),
    mutated(st.just(frame(INITIALIZE))),
    st.tuples(_headers, st.binary(max_size=60)).map(lambda parts: parts[0] + parts[1]),
    _json.map(lambda value: frame(value)),
)


def _fuzz(server: Server, frames: list[bytes]) -> None:
    for bad in frames:
        server.send(bad)
        answer = server.ping()
        assert "result" in answer, answer
        assert server.process.poll() is None, "the server ended"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(BAD_FRAMES, min_size=1, max_size=3))
def test_the_server_answers_after_any_frame(server, frames):
    _fuzz(server, frames)


_SLOW_FRAMES = 10_000


@pytest.mark.slow  # about a minute: ten thousand frames, each followed by a request it must answer
def test_ten_thousand_random_and_mutated_frames_never_crash_hang_or_deafen_the_server():
    started = Server()
    sent = 0
    try:
        started.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}}, 1)
        started.open_ping_target()

        @settings(max_examples=_SLOW_FRAMES // 2, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(st.lists(BAD_FRAMES, min_size=2, max_size=2))
        def run(frames):
            nonlocal sent
            _fuzz(started, frames)
            sent += len(frames)

        run()
        assert sent >= _SLOW_FRAMES
    finally:
        log = started.stderr()
    code = started.close()
    assert code == 0
    assert "Traceback" not in log
