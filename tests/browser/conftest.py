"""A browser looks at the built site: Debian's Chromium, driven by Playwright, over http.

One site build per site and one browser launch per session. The folder is skipped, with
its reason, when `/usr/bin/chromium` or Playwright is missing, so `make test` runs
anywhere; with `DIGEST_REQUIRE_BROWSER=1` (set by `.ci/run`) a missing browser fails the
tests instead. Never `playwright install`: it downloads a browser, which these machines
cannot.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.harness import SAVED, SCREENSHOTS, SEEDS, Site, Tab, built_site

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium calls home at start and floods the closed network with
    # refused connections.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REQUIRE_BROWSER = "DIGEST_REQUIRE_BROWSER"


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install -e '.[browser]')"
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


MISSING = missing_browser()
if MISSING is not None and os.environ.get(REQUIRE_BROWSER) != "1":
    pytest.skip(MISSING, allow_module_level=True)  # the whole folder, with its reason


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium for the whole session."""
    if MISSING is not None:
        pytest.fail(f"{REQUIRE_BROWSER}=1 but {MISSING}")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def seed_site(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The seeds' site (built only once a browser is there to look at it)."""
    with built_site(SEEDS, tmp_path_factory.mktemp("seed-site")) as site:
        yield site


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    """A fresh light-mode page (own storage, 1280×800); fails the test on any problem seen."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme="light")
    context.set_default_timeout(10_000)
    tab = Tab(page=context.new_page())
    yield tab
    context.close()
    if tab.problems:
        pytest.fail("the browser saw problems:\n" + "\n".join(tab.problems))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say where the screenshots are, so that a person looks at them."""
    if SAVED:
        terminalreporter.write_line(f"browser: {len(SAVED)} screenshots in {SCREENSHOTS}/")
