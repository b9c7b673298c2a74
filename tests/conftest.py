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

_CALL_FAILED = pytest.StashKey[bool]()
_SLOW_MODULES = {"test_wheel.py", "test_findings_browser.py", "test_bench_agreement.py"}  # wheels; chromium; baselines


def pytest_collection_modifyitems(config, items):
    """Every real-browser test (it uses the `browser` fixture) and every test in
    a slow module is marked slow, so the quick loop (-m "not slow") skips them."""
    for item in items:
        if item.path.name in _SLOW_MODULES or "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


def failure_artefacts_folder(test_name: str) -> Path:
    """Where a failing browser test leaves its screenshots: $KOK_TEST_ARTEFACTS,
    else out/test-artefacts/ in the repository (ignored by git)."""
    base = os.environ.get("KOK_TEST_ARTEFACTS") or Path(__file__).resolve().parent.parent / "out" / "test-artefacts"
    return Path(base) / test_name.replace("/", "_").replace("[", "_").replace("]", "")


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request):
    """A test that used the `browser` fixture and failed leaves a screenshot of
    the page it had open (as on screen and as printed); a passing one leaves nothing."""
    yield
    if "browser" not in request.fixturenames or not request.node.stash.get(_CALL_FAILED, False):
        return
    browser = request.getfixturevalue("browser")
    folder = failure_artefacts_folder(request.node.name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for media in ("screen", "print"):
            (folder / f"{media}.png").write_bytes(browser.screenshot(media))
    except Exception as exc:  # the test's own failure is the one to report
        print(f"\nno screenshot of the failing page: {exc}")
        return
    print(f"\nscreenshots of the failing page: {folder}")
