"""What the browser tests and bench/web.py share: the web app served on the embedded default (SQLite
in a folder of its own, migrated and loaded with the demo data, `flask run` on a free port) and
Debian's Chromium driven by Playwright (its own browser download cannot reach the internet here)."""

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.processes import free_port, stop, wait_for_port

ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = Path("/usr/bin/chromium")
WEB_DIST = ROOT / "web" / "dist"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
FLASK = Path(sys.executable).parent / "flask"
DESKTOP = {"width": 1440, "height": 900}
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}
# A phone as Playwright's phone descriptors make one (iPhone 12 to 15 are 390x844): a mobile viewport
# that follows the page's <meta name="viewport">, touch, and more than one pixel to a CSS pixel (2
# here, not the iPhone's 3, for screenshots half the size).
_PHONE_METRICS = {
    "width": PHONE["width"],
    "height": PHONE["height"],
    "screenWidth": PHONE["width"],
    "screenHeight": PHONE["height"],
    "deviceScaleFactor": 2,
    "mobile": True,
}
# Listens for the window's next resize and notes, in the frame it is laid out in (before any script
# resizes a chart or a table to fit), how far the page then runs past the window's right edge.
_WATCH_RESIZE = """
() => new Promise((ready) => {
  const root = document.documentElement
  let first = true
  const observer = new ResizeObserver(() => {
    if (first) {  // the observation every observe() starts with: the size as it is
      first = false
      ready()
      return
    }
    observer.disconnect()
    window.__sideways = root.scrollWidth - root.clientWidth
  })
  delete window.__sideways
  observer.observe(root)
})
"""
_AT_RESIZE = """
() => new Promise((done) => {
  const noted = () =>
    window.__sideways === undefined ? requestAnimationFrame(noted) : done(window.__sideways)
  noted()
})
"""
_AT_REST = """
() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() =>
  done(document.documentElement.scrollWidth - document.documentElement.clientWidth))))
"""
# The outermost elements that run past the window's right edge (those a scroll container of their
# own does not clip), named by tag, id and classes: where to look when a page scrolls sideways.
_PAST_THE_EDGE = """
() => {
  const edge = document.documentElement.clientWidth
  const past = (e) => e.getBoundingClientRect().right > edge + 0.5
  const clipped = (e) => {
    for (let up = e.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible') return true
    }
    return false
  }
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    [...e.classList].map((c) => '.' + c).join('')
  return [...document.body.querySelectorAll('*')]
    .filter((e) => past(e) && !past(e.parentElement) && !clipped(e))
    .slice(0, 5)
    .map((e) => `${name(e.parentElement)} > ${name(e)} to ${Math.round(e.getBoundingClientRect().right)}px`)
}
"""


def missing() -> list[str]:
    """Why the browser tests cannot run here, if they cannot."""
    problems = []
    if not CHROMIUM.exists():
        problems.append(f"Chromium: {CHROMIUM} is missing (apt-get install chromium)")
    if not (WEB_DIST / "index.html").is_file():
        problems.append(
            f"the web build: {WEB_DIST}/index.html is missing (cd web && npm ci && npm run build)"
        )
    if not AXE.is_file():
        problems.append(f"axe-core: {AXE} is missing (cd web && npm ci)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        problems.append("Playwright: the playwright package is not installed (make install)")
    return problems


def sideways(page) -> dict[str, int]:
    """How many pixels the page runs past the window's right edge (0: no sideways scroll) at tablet
    and at desktop size, each reached by resizing the window: the worst of the frame the new size is
    first laid out in and the page at rest after it. Leaves the page at desktop size."""
    if page.viewport_size != DESKTOP:
        page.set_viewport_size(DESKTOP)
    past = {}
    for label, size in (("tablet", TABLET), ("desktop", DESKTOP)):
        page.evaluate(_WATCH_RESIZE)
        page.set_viewport_size(size)
        past[label] = max(page.evaluate(_AT_RESIZE), page.evaluate(_AT_REST))
    return past


def laid_out(page) -> None:
    """Waits two frames: the charts and tables that follow the window's size have followed it."""
    page.evaluate(_AT_REST)


def at_rest(page) -> None:
    """Waits for every animation that ends (a drawer sliding in, a tag fading) to have ended, so that
    no colour is judged or shot mid-transition. Evaluated, not polled: wait_for_function would eval a
    string, which the app's CSP refuses."""
    page.evaluate(
        "Promise.all(document.getAnimations()"
        ".filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity)"
        ".map(a => a.finished.catch(() => null)))"
    )


@contextmanager
def as_phone(page) -> Iterator[object]:
    """The page on a phone (_PHONE_METRICS) until the block ends; yields the DevTools session that
    made it one. A context's is_mobile and has_touch are fixed when it is made, and a test's page
    cannot move to another context, so Chromium's emulation (the one Playwright's descriptors set)
    is switched on for this page through the DevTools protocol and off again. Set the viewport
    afterwards: the page is then at the window's own size."""
    session = page.context.new_cdp_session(page)
    session.send("Emulation.setDeviceMetricsOverride", _PHONE_METRICS)
    session.send("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    try:
        yield session
    finally:
        session.send("Emulation.setTouchEmulationEnabled", {"enabled": False})
        session.send("Emulation.clearDeviceMetricsOverride")
        session.detach()


def phone_screenshot(page, session, path: Path) -> None:
    """The whole page, as on the phone of as_phone's session. Not page.screenshot, which puts the
    context's own (desktop, not mobile) metrics back before it captures."""
    height = page.evaluate("document.documentElement.scrollHeight")
    clip = {"x": 0, "y": 0, "width": PHONE["width"], "height": height, "scale": 1}
    shot = session.send(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    path.write_bytes(base64.b64decode(shot["data"]))


def phone_sideways(page) -> str:
    """How far the page, at rest on a phone, runs past the phone's right edge, and what does: ""
    if it fits."""
    past = page.evaluate(_AT_REST) + page.evaluate("document.documentElement.clientWidth") - PHONE["width"]
    return f"{past}px, by {page.evaluate(_PAST_THE_EDGE)}" if past > 0 else ""


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, each naming its rule, the
    page and (up to three of) the nodes. axe is evaluated through the DevTools protocol, which the
    page's CSP does not govern (as a <script> it would be refused), so every test's page keeps the
    policy production gives it."""
    if not page.evaluate("typeof axe === 'object'"):
        page.evaluate(AXE.read_text())
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}) on {page.url}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def embedded_env(folder: Path) -> dict[str, str]:
    """The embedded default, as `make run` has it, in a folder of its own: no PostgreSQL, no Redis."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        {
            "MARKETPLACE_ENV": "development",
            "FLASK_APP": "marketplace:create_app",
            "DATABASE_URL": f"sqlite:///{folder / 'marketplace.db'}",
            "MARKETPLACE_MAIL_DIR": str(folder / "mail"),
            "MARKETPLACE_UPLOAD_DIR": str(folder / "uploads"),  # the 台账 files the tests make
            # The browser tests sign the same demo accounts in many times a minute from one address;
            # the limit itself is tested in tests/accounts.
            "MARKETPLACE_LOGIN_RATE_LIMIT": "600 per minute",
            "MARKETPLACE_LOGIN_ADDRESS_RATE_LIMIT": "600 per minute",
            "MARKETPLACE_WEB_DIST": str(WEB_DIST),
            "MARKETPLACE_LOG_LEVEL": "WARNING",
        }
    )
    return env


@contextmanager
def served_demo(folder: Path, settings: dict[str, str] | None = None) -> Iterator[str]:
    """The migrated, demo-loaded app under `flask run`, its links (mail, the providers' way back) to
    itself, with `settings` added to its environment (MARKETPLACE_PAYMENT_METHODS and the payment
    gateways' keys, for instance); yields its base URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**embedded_env(folder), "MARKETPLACE_PUBLIC_BASE_URL": base_url, **(settings or {})}
    log_path = folder / "server.log"
    with open(log_path, "w") as log:
        for command in (["db", "upgrade"], ["seed", "demo"]):
            subprocess.run(
                [str(FLASK), *command], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, check=True
            )
        proc = subprocess.Popen(
            [str(FLASK), "run", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, "flask run")
        yield base_url
    finally:
        stop(proc)


@contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield browser
        finally:
            browser.close()
