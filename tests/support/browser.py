"""Real-browser tests with Playwright for Python, driving Debian's chromium
(no browser download: Playwright is told where the browser is), and axe-core
injected into the page for WCAG 2.1 A and AA.

Fixtures (tests/conftest.py makes them available everywhere):

    chromium   the browser, one per test session
    page       a fresh page (its own context: cookies, storage) per test

A test that needs one page for a whole module opens it with
``new_page(chromium)`` in a module-scoped fixture of its own. Every test that
uses `chromium` (so `page` too) is marked slow. Without chromium or
Playwright the tests are skipped locally, and fail under CI=true. A failing
test leaves screenshots of its pages, as on screen and as printed, in
out/test-artefacts/ (conftest.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kokdsl.outputs.files import find_chromium

CHROMIUM = find_chromium()
UNDER_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
# Headless and offline: no updates, no sync, no first-run dialogs, no GPU.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-extensions", "--hide-scrollbars"]
VIEWPORT = {"width": 1100, "height": 1400}
# axe-core, the npm package (tests/package.json; `npm ci --prefix tests`).
AXE_SCRIPT = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


def _missing(what: str) -> None:
    """Skip the test locally; under CI a missing tool is a failure."""
    if UNDER_CI:
        pytest.fail(f"CI is set but {what}")
    pytest.skip(what)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's chromium, launched once for the session through Playwright."""
    if CHROMIUM is None:
        _missing("chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Any, *, timeout: float = 60.0, **context: Any) -> Any:
    """A page in a context of its own (viewport 1100×1400 unless given);
    close it with page.context.close(). Dialogs the page opens are dismissed
    and kept (see dialogs())."""
    context.setdefault("viewport", VIEWPORT)
    page = browser.new_context(**context).new_page()
    page.set_default_timeout(timeout * 1000)
    key = id(page)
    _OPEN[key], _DIALOGS[key] = page, []
    page.on("dialog", lambda dialog: (_DIALOGS[key].append(f"{dialog.type}: {dialog.message}"), dialog.dismiss()))
    page.on("close", lambda _: (_OPEN.pop(key, None), _DIALOGS.pop(key, None)))
    return page


# The pages new_page opened that are still open, and the dialogs each has opened.
_OPEN: dict[int, Any] = {}
_DIALOGS: dict[int, list[str]] = {}


def dialogs(page: Any) -> list[str]:
    """The alert, confirm and prompt dialogs the page has opened ("alert: 1")."""
    return _DIALOGS.get(id(page), [])


def open_pages() -> list[Any]:
    """Every page still open, for the screenshots of a failing test (conftest.py)."""
    return [page for page in _OPEN.values() if not page.is_closed()]


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh page for one test."""
    opened = new_page(chromium)
    try:
        yield opened
    finally:
        opened.context.close()


def screenshot(page: Any, media: str = "screen") -> bytes:
    """The whole page as PNG, as on screen or as printed."""
    page.emulate_media(media=media)
    try:
        return bytes(page.screenshot(full_page=True))
    finally:
        page.emulate_media(media="screen")


def axe_available() -> bool:
    return AXE_SCRIPT.is_file()


def require_axe() -> None:
    """Skip the test without axe-core (fail under CI)."""
    if not axe_available():
        _missing("axe-core is not installed (npm ci --prefix tests)")


def axe_violations(page: Any, tags: tuple[str, ...] = WCAG_21_AA) -> list[dict[str, Any]]:
    """Run axe-core on the open page: its violations of the given rule tags,
    each with the rule id, its impact, the help text and the offending elements."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    violations: list[dict[str, Any]] = page.evaluate(
        f"axe.run(document, {{runOnly: {{type: 'tag', values: {json.dumps(list(tags))}}}}})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)})))")
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    """Violations as lines for an assertion message."""
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']}: {v['nodes']}" for v in violations)
