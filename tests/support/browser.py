"""A minimal Chrome DevTools Protocol client over --remote-debugging-pipe,
standard library only: enough to load a page, read the rendered DOM and take
a screenshot in the browser tests, plus axe-core for WCAG 2.1 A/AA.

Why not Playwright (driving Debian's chromium through executable_path)? It
would replace about 100 lines here, but it is a large test dependency whose
driver expects the Chromium build it was released with, and the form, overview
and report tests speak DevTools directly (send, events, downloads), so each
would be rewritten against a CDP session anyway. Judged by code removed, the
hand-written client stays; it has no dependency beyond the browser.

Screenshots: a failing test that used the `browser` fixture leaves them in
out/test-artefacts/ (conftest.py); a passing test leaves nothing behind.
"""

from __future__ import annotations

import base64
import json
import os
import select
import subprocess
import tempfile
import time

from kokdsl.outputs.files import chromium_command


class BrowserError(Exception):
    pass


class Browser:
    """Headless Chromium driven through the DevTools pipe (fd 3 in, fd 4 out)."""

    def __init__(self, chromium: str, timeout: float = 60.0):
        self.timeout = timeout
        self.profile = tempfile.TemporaryDirectory(prefix="kok-browser-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        self._log = open(os.environ.get("KOK_BROWSER_LOG", os.devnull), "ab")  # chromium's chatter
        command = chromium_command(chromium, self.profile.name) + ["--remote-debugging-pipe", "about:blank"]
        # bash moves our pipe ends onto the fds 3 and 4 that Chromium expects
        # (dash cannot redirect from fds above 9).
        self.proc = subprocess.Popen(
            ["bash", "-c", f'exec "$@" 3<&{to_chrome_r} 4>&{from_chrome_w}', "bash", *command],
            pass_fds=(to_chrome_r, from_chrome_w), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=self._log)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        self.session: str | None = None

    def send(self, method: str, params: dict | None = None, session: bool = True) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def _read(self) -> dict:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self._from_chrome], [], [], max(remaining, 0))
            if not ready:
                raise BrowserError("no answer from Chromium")
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def open(self, url: str, width: int = 1100, height: int = 1400) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.send("Page.navigate", {"url": url})
        deadline = time.monotonic() + self.timeout
        while self.evaluate("document.readyState") != "complete":
            if time.monotonic() > deadline:
                raise BrowserError(f"{url} did not finish loading")
            time.sleep(0.05)

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise BrowserError(str(result["exceptionDetails"]))
        return result["result"].get("value")

    def screenshot(self, media: str = "screen") -> bytes:
        """The whole page as PNG, as on screen or as printed."""
        self.send("Emulation.setEmulatedMedia", {"media": media})
        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        data = self.send("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True})
        return base64.b64decode(data["data"])

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False)
        except (BrowserError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)
        self._log.close()
        self.profile.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# axe-core, the npm package (tests/package.json; `npm install --prefix tests`).
AXE_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_modules", "axe-core", "axe.min.js")
WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


def axe_available() -> bool:
    return os.path.isfile(AXE_SCRIPT)


def axe_violations(browser: Browser, tags: tuple[str, ...] = WCAG_21_AA) -> list[dict]:
    """Run axe-core on the open page; its violations of the given rule tags,
    each with the rule id, the help text and the offending elements."""
    with open(AXE_SCRIPT, encoding="utf-8") as handle:
        browser.evaluate(handle.read())
    result = browser.send("Runtime.evaluate", {
        "expression": f"axe.run(document, {{runOnly: {{type: 'tag', values: {json.dumps(list(tags))}}}}})"
                      ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
                      " nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)})))",
        "awaitPromise": True, "returnByValue": True})
    if "exceptionDetails" in result:
        raise BrowserError(str(result["exceptionDetails"]))
    return result["result"]["value"]
