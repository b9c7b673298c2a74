import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# In CI the property tests draw the same examples every run (derandomize), so a
# submission lands or not on its own merits; locally they explore afresh and
# remember failures. Long campaigns: `python -m tests.support.fuzz`.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

# Let tests import what they share from tests/support/ (helpers, golden cases,
# the browser, the LSP client, the hostile corpus, the fuzzer).
sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))

from browser import chromium, open_pages, page, screenshot  # noqa: E402, F401 - the browser fixtures, for every test  # noqa: E402

_SLOW_MODULES = {"test_wheel.py", "test_findings_browser.py", "test_bench_agreement.py"}  # wheels; chromium; baselines


def pytest_collection_modifyitems(config, items):
    """Every real-browser test (it uses the `chromium` fixture, as `page`
    does) and every test in a slow module is marked slow, so the quick loop
    (-m "not slow") skips them."""
    for item in items:
        if item.path.name in _SLOW_MODULES or "chromium" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


def failure_artefacts_folder(test_name: str) -> Path:
    """Where a failing browser test leaves its screenshots: $KOK_TEST_ARTEFACTS,
    else out/test-artefacts/ in the repository (ignored by git)."""
    base = os.environ.get("KOK_TEST_ARTEFACTS") or Path(__file__).resolve().parent.parent / "out" / "test-artefacts"
    return Path(base) / test_name.replace("/", "_").replace("[", "_").replace("]", "")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """A browser test that failed leaves a screenshot of each page it had
    open, as on screen and as printed, taken while its pages are still open;
    a passing one leaves nothing."""
    report = yield
    if report.when == "call" and report.failed and "chromium" in getattr(item, "fixturenames", ()):
        folder = failure_artefacts_folder(item.name)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for number, opened in enumerate(open_pages(), 1):
                for media in ("screen", "print"):
                    (folder / f"page-{number}.{media}.png").write_bytes(screenshot(opened, media))
        except Exception as exc:  # the test's own failure is the one to report
            report.sections.append(("screenshots", f"no screenshot of the failing page: {exc}"))
        else:
            report.sections.append(("screenshots", f"screenshots of the failing page: {folder}"))
    return report
