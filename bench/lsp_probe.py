"""The language server's latencies (issue 23), for bench/suite.py.

Two measures of each: the server's own work, in CPU time of this process
(the functions `kok lsp` runs for the request: analysis and conversion to
LSP types for diagnostics; hover_text; completions), which the load of a
shared machine barely moves and which the targets are judged on; and the
round trip to a real `kok lsp` subprocess over stdio (wall time), shown
beside it. The last measure is whether a hover is answered while a
20,000-requirement book is being linted.
"""

from __future__ import annotations

import json
import queue
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any


class Client:
    """A minimal LSP client over a `kok lsp` subprocess (as tests/lsp_client.py)."""

    def __init__(self, command: list[str]):
        self.process = subprocess.Popen(command + ["lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        self.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        self.notify("initialized", {})

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    return
                if not line.strip():
                    break
                key, _, value = line.decode("ascii").partition(":")
                if key.strip().lower() == "content-length":
                    length = int(value)
            self.messages.put(json.loads(stream.read(length)))

    def _send(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: dict[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
        """The result, and the notifications that arrived before it."""
        self.next_id += 1
        self._send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        before = []
        while True:
            message = self.messages.get(timeout=600)
            if message.get("id") == self.next_id and "method" not in message:
                return message.get("result"), before
            if "method" in message and "id" in message:
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            elif "method" in message:
                before.append(message)

    def diagnostics(self, uri: str, version: int) -> list[dict[str, Any]]:
        while True:
            message = self.messages.get(timeout=600)
            params = message.get("params") or {}
            if (message.get("method") == "textDocument/publishDiagnostics" and params.get("uri") == uri
                    and params.get("version") == version):
                return list(params["diagnostics"])

    def open(self, uri: str, text: str) -> None:
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "kok", "version": 1,
                                                               "text": text}})

    def change(self, uri: str, text: str, version: int) -> None:
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                               "contentChanges": [{"text": text}]})

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.process.wait(timeout=120)  # freeing a 20,000-requirement book takes a while
        finally:
            if self.process.poll() is None:
                self.process.kill()


def _cpu(fn: Any, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        samples.append(time.process_time() - start)
    return statistics.median(samples)


def _edited(text: str, n: int) -> str:
    """The book with one requirement's number changed, as a policy writer edits it."""
    return text.replace(">= 1", f">= {1 + n % 2}", 1)


def in_process(path: str, text: str, runs: int) -> dict[str, float]:
    """CPU seconds of the server's work: diagnostics after an edit, a hover, a completion."""
    from lsprotocol import types as lsp

    from kokdsl.authoring.lsp import analyse, completions, hover_text, to_lsp_diagnostic
    from kokdsl.diagnostics import source_lines_of

    kept: dict[Any, Any] = {}  # the document's declarations, as the server keeps them per document
    analyse(text, path, True, kept)  # the document as opened
    state = {"n": 0}

    def diagnostics() -> None:
        state["n"] += 1
        analysis = analyse(_edited(text, state["n"]), path, True, kept)
        [to_lsp_diagnostic(d, analysis.source, "sv") for d in analysis.diagnostics]

    analysis = analyse(text, path)
    line = next(i for i, s in enumerate(source_lines_of(analysis.source)) if s.startswith("uppgift "))
    hover_at = lsp.Position(line, len("uppgift ") + 1)
    complete_at = lsp.Position(line, 0)
    return {"diagnostics": _cpu(diagnostics, runs),
            "hover": _cpu(lambda: hover_text(analysis, hover_at, "sv"), runs),
            "completion": _cpu(lambda: completions(analysis, complete_at), runs)}


def round_trips(command: list[str], uri: str, text: str, runs: int) -> dict[str, float]:
    """Wall seconds through a real server: an edit to its diagnostics, a hover, a completion."""
    client = Client(command)
    try:
        client.open(uri, text)
        client.diagnostics(uri, 1)
        line = next(i for i, s in enumerate(text.split("\n")) if s.startswith("uppgift "))
        edits, hovers, completions = [], [], []
        for n in range(runs):
            start = time.perf_counter()
            client.change(uri, _edited(text, n), n + 2)
            client.diagnostics(uri, n + 2)
            edits.append(time.perf_counter() - start)
            start = time.perf_counter()
            client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                  "position": {"line": line, "character": 9}})
            hovers.append(time.perf_counter() - start)
            start = time.perf_counter()
            client.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                       "position": {"line": line, "character": 0}})
            completions.append(time.perf_counter() - start)
        return {"diagnostics": statistics.median(edits), "hover": statistics.median(hovers),
                "completion": statistics.median(completions)}
    finally:
        client.close()


def during_lint(command: list[str], small_uri: str, small: str, large_uri: str, large: str) -> tuple[bool, float]:
    """Open a large book, then hover in a small one at once: whether the hover
    was answered before the large book's diagnostics, and how long it took."""
    client = Client(command)
    try:
        client.open(small_uri, small)
        client.diagnostics(small_uri, 1)
        client.open(large_uri, large)
        time.sleep(0.5)  # the large book's analysis is under way
        line = next(i for i, s in enumerate(small.split("\n")) if s.startswith("uppgift "))
        start = time.perf_counter()
        _, before = client.request("textDocument/hover", {"textDocument": {"uri": small_uri},
                                                          "position": {"line": line, "character": 9}})
        latency = time.perf_counter() - start
        first = not any(n.get("method") == "textDocument/publishDiagnostics"
                        and n["params"]["uri"] == large_uri for n in before)
        client.diagnostics(large_uri, 1)
        return first, latency
    finally:
        client.close()


if __name__ == "__main__":  # a quick look: python -m bench.lsp_probe RULEBOOK
    book = Path(sys.argv[1])
    print(in_process(str(book), book.read_text(encoding="utf-8"), 5))
