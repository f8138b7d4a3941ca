"""Debian's Chromium through Playwright, for the browser tests: one Chromium shared by a test
session, a desktop and a phone viewport, screenshots of the pages, and axe-core's WCAG 2.1 AA
check of a page."""

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 120_000
# Where screenshots go: var/screenshots, never the repository; scripts/screenshots sets it to
# docs/screenshots to refresh the documentation's pictures.
SCREENSHOTS = Path(os.environ.get("ATHLETES_SCREENSHOTS") or settings.VAR_DIR / "screenshots")
# Installed by scripts/test (scripts/lib.sh: ensure_axe), never committed.
AXE_SCRIPT = settings.BASE_DIR / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}


# Layout tests run once on each viewport; every other browser test on the desktop only.
on_desktop_and_phone = pytest.mark.parametrize("viewport", list(VIEWPORTS))


def launch(playwright):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium).")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class SharedChromium:
    """Playwright's sync API and one Chromium, started once and used by test after test.

    While started, Playwright marks its event loop as this thread's running loop: Django then
    refuses ORM calls (SynchronousOnlyOperation) and ``asyncio.run`` fails. So the mark is on
    only while a browser test runs (``in_use``, which also lets that test's ORM calls through)
    and off between them, when the other tests run."""

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._loop = asyncio.get_running_loop()
        try:
            self.browser = launch(self._playwright)
        except BaseException:
            self._playwright.stop()
            raise
        finally:
            asyncio.events._set_running_loop(None)

    @contextmanager
    def in_use(self) -> Iterator:
        asyncio.events._set_running_loop(self._loop)
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        try:
            yield self.browser
        finally:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
            asyncio.events._set_running_loop(None)

    def close(self) -> None:
        with self.in_use():
            self.browser.close()
            self._playwright.stop()


def new_page(browser, viewport: str = "desktop"):
    page = browser.new_context(**VIEWPORTS[viewport]).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def axe_script() -> str:
    if not AXE_SCRIPT.exists():
        pytest.fail(f"axe-core is missing at {AXE_SCRIPT}: run scripts/test, which installs it.")
    return str(AXE_SCRIPT)


def axe_on_every_page(page) -> None:
    """axe-core loaded into every page the context opens from now on, as the page starts: for
    a test that checks many pages, half the cost of adding it to each one after it loads."""
    page.context.add_init_script(path=axe_script())


def axe_violations(page, rules: list[str] | None = None) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now (of ``rules`` alone
    when given), one line each."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=axe_script())
    run_only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": AXE_TAGS}
    results = page.evaluate(
        "(runOnly) => axe.run(document, {runOnly, resultTypes: ['violations']})", run_only
    )
    return [
        f"{violation['id']}: {node['target']} {node['failureSummary']}"
        for violation in results["violations"]
        for node in violation["nodes"]
    ]


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in_as(page, client, user, url: str) -> None:
    """Give the browser a signed-in session of ``user`` (Django's test client makes it)."""
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": url}])


def tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until the focused element matches ``selector``, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} is not reached with the Tab key.")
