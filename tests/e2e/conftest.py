"""Real-browser fixtures: Playwright's sync API driving Debian's chromium against `live_server`.

Without chromium (or Playwright) the browser tests are skipped, except under `scripts/test`,
which installs chromium and sets BRUG_E2E_REQUIRED=1 so that a missing browser fails the run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from .asgi_server import _asgi_daphne, asgi_live_server  # noqa: F401  (fixtures)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
TIMEOUT_MS = 15_000


def _unavailable(reason: str) -> None:
    if os.environ.get("BRUG_E2E_REQUIRED"):
        pytest.fail(f"{reason} (BRUG_E2E_REQUIRED is set)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One chromium per test module (starting it takes about a second)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        _unavailable("Playwright is not installed")
    executable = shutil.which("chromium")
    if executable is None:
        _unavailable("Debian's chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself (factories, database checks) would otherwise be refused as "async unsafe".
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=executable,
                                                  args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class ConsoleLog:
    """Console errors and uncaught exceptions of one page, kept for the assertions."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def on_console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def on_page_error(self, error: Any) -> None:
        self.errors.append(f"uncaught: {error}")

    def csp_refusals(self) -> list[str]:
        return [e for e in self.errors
                if "Refused to" in e or "Content Security Policy" in e]


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A fresh browser context (own cookies) with the page's real CSP in force."""
    ctx = browser.new_context(locale="en-GB")
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page_and_log(context: Any) -> tuple[Any, ConsoleLog]:
    page = context.new_page()
    log = ConsoleLog()
    page.on("console", log.on_console)
    page.on("pageerror", log.on_page_error)
    return page, log
