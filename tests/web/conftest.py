"""Browser tests: one demo server and one Chromium for the session (tests/web/harness.py), a fresh
context per test that records console errors and CSP violations, and, for every page the tests
visit, screenshots on a phone (390x844), at tablet (1024x768) and at desktop (1440x900) size in
tests/web/screenshots/ (git-ignored), no sideways scroll on the phone, and no serious or critical
accessibility fault (axe-core) on the phone or at desktop size."""

import re
from pathlib import Path

import pytest
import requests

from tests.web import harness

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DESKTOP, TABLET, PHONE = harness.DESKTOP, harness.TABLET, harness.PHONE
# Recorded before any script of the page runs, so that no violation goes unseen.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


@pytest.fixture(scope="session")
def web_server(tmp_path_factory):
    with harness.served_demo(tmp_path_factory.mktemp("web")) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser():
    with harness.chromium() as browser:
        yield browser


class Console:
    """What a page said wrong: console errors, uncaught exceptions, CSP violations."""

    def __init__(self):
        self.errors: list[str] = []
        self.allowed: list[re.Pattern] = []

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


@pytest.fixture
def console():
    return Console()


@pytest.fixture
def page(browser, web_server, console, request):
    context = browser.new_context(base_url=web_server, viewport=DESKTOP, locale="zh-CN")
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.on("console", lambda m: console.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.errors.append(f"uncaught: {e}"))
    yield page
    try:
        violations = page.evaluate("window.__cspViolations || []")
    finally:
        context.close()
    assert violations == [], f"CSP violations: {violations}"
    assert console.unexpected() == [], f"console errors: {console.unexpected()}"


@pytest.fixture
def shoot():
    """shoot(page, name): the page as it is now on a phone, at tablet and at desktop size, as
    name-phone.png, name-tablet.png and name-desktop.png; fails if it runs sideways on the phone or
    axe finds a serious or critical fault on the phone or at desktop size. Leaves the page at the
    size it found it."""

    def take(page, name: str) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        found = page.viewport_size
        with harness.as_phone(page) as phone:
            harness.laid_out(page)
            harness.at_rest(page)
            sideways = harness.phone_sideways(page)
            faults = {"phone": harness.axe_violations(page)}
            harness.phone_screenshot(page, phone, SCREENSHOTS / f"{name}-phone.png")
        for label, size in (("tablet", TABLET), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            harness.laid_out(page)
            page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
        harness.at_rest(page)
        faults["desktop"] = harness.axe_violations(page)
        page.set_viewport_size(found)
        harness.laid_out(page)
        assert sideways == "", f"{name} runs past a phone's width: {sideways}"
        assert faults == {"phone": [], "desktop": []}, f"{name}: {faults}"

    return take


class Api:
    """The served API as one signed-in account."""

    def __init__(self, base_url: str, email: str, password: str):
        self.base_url, self.session = base_url, requests.Session()
        answer = self.get_or_post("POST", "/auth/token", json={"email": email, "password": password})
        self.session.headers["Authorization"] = f"Bearer {answer['access_token']}"

    def get_or_post(self, method: str, path: str, **kwargs) -> dict | list:
        answer = self.session.request(method, f"{self.base_url}/api/v1{path}", timeout=30, **kwargs)
        answer.raise_for_status()
        return answer.json()

    def get(self, path: str) -> dict | list:
        return self.get_or_post("GET", path)


@pytest.fixture(scope="session")
def api(web_server):
    """api(email, password): the served API as that account."""
    return lambda email, password: Api(web_server, email, password)
