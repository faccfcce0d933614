"""Browser tests: Debian's Chromium driven by Playwright against Django's live server.

Never a downloaded browser: the executable is /usr/bin/chromium (or KEM_CHROMIUM). Without it the
tests are skipped with that reason; ``.ci/run`` installs it and requires these tests to run.

The fixtures are registered once, by the suite's root conftest, so that every test folder shares
one Chromium: Playwright's sync API cannot start twice in one thread.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = os.environ.get("KEM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package (.ci/run does)")
    # Playwright's sync API runs an event loop in this thread while the browser lives; Django's
    # ORM calls from the test bodies are still synchronous, so the async-safety guard would trip
    # on a false alarm. The browser lives from the first browser test to the end of the session,
    # so the guard is lifted for that long (the browser tests run last: tests/conftest.py) and put
    # back afterwards.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server) -> Iterator:
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
