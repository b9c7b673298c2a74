"""The workplace in a real Chromium (Debian's, driven by Playwright; no
browser download): a case walked from upload through a supplement request,
a new version and a decision by a second user with the beslutsfattare role,
then a follow-up run with last year's comparison; every page checked with
axe-core (WCAG 2.1 A and AA) in Swedish and English, and no page breaking
its own Content-Security-Policy.

Skipped locally without chromium, Playwright or axe-core; under CI=true a
missing one is a failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import EXAMPLES, PASSWORDS, Server

pytestmark = pytest.mark.slow

AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
# Words of the workplace's own Swedish that its English never uses.
SWEDISH_ONLY = ("Ärende", "Självdeklaration", "Uppföljning", "Undantag", "Kravbok", "Logga", "Diarienummer",
                "Vårdcentral", "Beslut", "Handläggare", "Inkom", "Utfall", "Förlopp", "Körning", "Jämför", "Starta")
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI=true but {what} is missing")
    pytest.skip(f"{what} is missing")


@pytest.fixture
def chromium(chromium):
    """The session's one browser (tests/support/browser.py): a second
    sync_playwright beside it would run inside its event loop and fail."""
    if not AXE.exists():
        _missing("axe-core (npm ci --prefix tests)")
    return chromium


class Officer:
    """One user's browser tab, with the page's CSP complaints collected."""

    def __init__(self, browser, server: Server, name: str, lang: str = "sv") -> None:
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.base = server.base
        self.csp_errors: list[str] = []
        self.page.on("console", lambda m: self.csp_errors.append(m.text) if "Content Security Policy" in m.text
                     else None)
        self.page.goto(f"{self.base}/signin?lang={lang}")
        self.page.fill("#name", name)
        self.page.fill("#password", PASSWORDS[name])
        self.page.click("main button[type=submit]")

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def button(self, name: str) -> None:
        self.page.get_by_role("button", name=name).first.click()

    def axe(self) -> list[str]:
        """axe-core's WCAG 2.1 A/AA violations on the open page (evaluated
        through DevTools, so the page's own policy needs no exception)."""
        self.page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
        result = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => ({passes: r.passes.length,"
            " violations: r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))}))",
            WCAG_21_AA)
        assert result["passes"] > 0  # axe ran and checked something
        return list(result["violations"])

    def chrome_text(self) -> str:
        """The page's own words: headings, navigation, labels, table heads, buttons."""
        return " ".join(self.page.locator("header, h1, h2, h3, label, th, button, nav, dt").all_inner_texts())

    def close(self) -> None:
        self.context.close()


def test_a_case_from_upload_to_decision_and_a_follow_up_in_the_browser(chromium, tmp_path):
    server = Server(tmp_path / "data", None)
    checked: dict[str, list[str]] = {}
    try:
        anna = Officer(chromium, server, "anna")
        page = anna.page
        checked["start"] = anna.axe()
        # a case, and its first self-report
        anna.go("/cases")
        page.fill("#reference", "RS 2026/0042")
        page.fill("#provider", "Låtsasvården AB (fiktiv)")
        page.fill("#centre", "Vårdcentralen Påhittsta (fiktiv)")
        anna.button("Skapa ärende")
        assert page.locator("h1").inner_text() == "Ärende RS 2026/0042"
        page.set_input_files("#file", str(EXAMPLES / "komplettering.yaml"))
        anna.button("Ladda upp")
        assert "komplettering" in page.locator(".decision").inner_text().lower()
        letter = page.frame_locator("iframe.letter")
        assert letter.locator("h1").first.inner_text()  # the findings letter, rendered by kok's own template
        checked["case"] = anna.axe()
        # a supplement request: the case waits, overdue first on the start page
        page.fill("#deadline", "2001-01-01")
        page.fill("#note", "Bifoga avtalet.")
        anna.button("Begär komplettering")
        anna.go("/")
        assert "RS 2026/0042" in page.locator("main").inner_text()
        assert "Försenad" in page.locator("tr.overdue").inner_text()
        # the new version re-runs the assessment and shows what changed
        anna.go("/cases/1")
        page.set_input_files("#file", str(EXAMPLES / "godkand.yaml"))
        anna.button("Ladda upp")
        changes = page.locator("section", has=page.locator("h3")).inner_text()
        assert "Ändrat sedan version 1" in changes
        page.select_option("#kind", "approved")
        anna.button("Föreslå")
        assert page.get_by_role("button", name="Fatta beslut").count() == 0  # an officer never decides
        anna.go("/")
        assert "RS 2026/0042" not in page.locator("main").inner_text()  # answered: no longer waiting
        anna.close()

        # the decision, by a second user with the beslutsfattare role
        bo = Officer(chromium, server, "bo")
        bo.go("/cases/1")
        bo.button("Fatta beslut enligt förslaget (Godkänd)")
        row = bo.page.locator("section:has(h2#decisions) tbody tr").first.inner_text()
        assert "Godkänd (gällande)" in row and "anna" in row and "bo" in row
        pdf = bo.page.request.get(bo.base + bo.page.locator("a:has-text('Beslutsbrev')").first.get_attribute("href"))
        assert pdf.body().startswith(b"%PDF-")
        assert bo.page.get_by_role("button", name="Skapa ärende").count() == 0
        checked["case (decided)"] = bo.axe()
        bo.close()

        # the yearly follow-up: two runs, the second compared with the first from the register
        anna = Officer(chromium, server, "anna")
        page = anna.page
        files = sorted(str(p) for p in (EXAMPLES / "centres").glob("*.yaml"))
        for label in ("Run 2025", "Run 2026"):
            anna.go("/followup")
            page.fill("#label", label)
            page.set_input_files("#files", files)
            anna.button("Starta")
            page.wait_for_selector("a:has-text('Översikten')", timeout=120_000)  # progress.js reloads when done
        assert "Jämförs med körning 1" in page.locator("main").inner_text()
        checked["run"] = anna.axe()
        assert "30 av 30" in page.locator("#progress-text").inner_text()
        page.click("a:has-text('Översikten')")
        assert page.url.endswith("/followup/2/overview") and page.locator("h1").count() == 1
        for path in ("/followup", "/waivers", "/rulebooks", "/cases"):
            anna.go(path)
            checked[path] = anna.axe()
        # English, every page wholly in English
        for path in ("/?lang=en", "/cases", "/cases/1", "/followup", "/followup/2", "/waivers", "/rulebooks"):
            anna.go(path)
            assert page.locator("html").get_attribute("lang") == "en"
            words = anna.chrome_text()
            for swedish in SWEDISH_ONLY:
                assert swedish not in words, (path, swedish)
            checked["en " + path] = anna.axe()
        assert anna.csp_errors == []
        anna.close()
    finally:
        server.stop()
    assert {name: found for name, found in checked.items() if found} == {}


def test_the_sign_in_page_is_accessible_in_both_languages(chromium, tmp_path):
    server = Server(tmp_path / "data", None)
    try:
        context = chromium.new_context()
        page = context.new_page()
        for lang in ("sv", "en"):
            page.goto(f"{server.base}/signin?lang={lang}")
            assert page.locator("html").get_attribute("lang") == lang
            page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
            violations = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
                                       ".then(r => r.violations.map(v => v.id))", WCAG_21_AA)
            assert violations == [], lang
        context.close()
    finally:
        server.stop()
