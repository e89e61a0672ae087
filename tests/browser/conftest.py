"""A real browser for the page tests: Debian's Chromium, driven by Playwright.

Playwright's own browser download cannot work on these machines, so it launches
``/usr/bin/chromium`` (installed by ``make system``, part of ``make test``).
Screenshots of what a person would see go to ``reports/screenshots/``.

The browser lives for one test module: Playwright's sync API runs an event loop in this
thread while it is open, and the suite's asyncio tests after the browser tests need the
thread free of it.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from services.settings import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO_ROOT / "reports" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run `make system` (make test does it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield launched
        launched.close()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
