"""What the browser tests drive: a built site served on localhost, and a watched tab.

Playwright is imported for type checking only, so this module (and the conftest that
skips the folder without a browser) loads on a machine without it.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from digest.config import make_config
from digest.pipeline import build

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page, Request, Response

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
"""Where the tests leave what they saw, for a person to look at (git-ignored)."""
SAVED: list[Path] = []
"""The screenshots taken in this session, for the closing summary."""
LOCAL = ("http://127.0.0.1:", "data:", "blob:", "about:")
"""Where a page may fetch from: the sites served here, and what never leaves the browser."""


@dataclass(frozen=True)
class Site:
    """A built site served on localhost, with the `events.json` it was built from."""

    root: Path
    base_url: str
    events: list[dict[str, Any]]

    def url(self, page: str) -> str:
        """The address of a docs page (`events/x.md`) or of a site file (`index.html`)."""
        html = page.removesuffix(".md") + ".html" if page.endswith(".md") else page
        return self.base_url + html

    def event_with_most_differences(self) -> dict[str, Any]:
        return max(self.events, key=lambda e: (len(e["differences"]), e["id"]))


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output free of one line per request."""


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` over http on a free localhost port; yields the base URL.

    Over http rather than file://, because Material's search runs in a web worker,
    which browsers refuse to start from a file.
    """
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def built_site(inputs: Path, root: Path, *, locale: str = "en") -> Iterator[Site]:
    """Build the digest of `inputs` (docs and site) under `root`, and serve the site."""
    docs, site = root / "docs", root / "site"
    build(make_config([inputs], docs_dir=docs, site_dir=site, locale=locale))
    events = json.loads((docs / "events.json").read_text(encoding="utf-8"))["events"]
    with serve(site) as base_url:
        yield Site(root=site, base_url=base_url, events=list(events))


@dataclass
class Tab:
    """A browser page that records console errors, failed requests and outside fetches."""

    page: Page
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", self._on_failed)
        self.page.on("response", self._on_response)
        self.page.on("request", self._on_request)

    def open(self, url: str) -> Page:
        """Go to `url` and wait until the network is quiet (search worker and index loaded).

        Waiting for quiet rather than for `load` also keeps a next navigation from
        aborting the index download, which would show as a failed request.
        """
        self.page.goto(url, wait_until="networkidle")
        return self.page

    def screenshot(self, name: str) -> Path:
        """Save the whole page as `screenshots/NAME.png`, for a person to look at."""
        path = SCREENSHOTS / f"{name}.png"
        path.parent.mkdir(exist_ok=True)
        # Transitions finished first: Material widens the search box as results come in.
        self.page.screenshot(path=path, full_page=True, animations="disabled")
        SAVED.append(path)
        return path

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"console error on {self.page.url}: {message.text}")

    def _on_failed(self, request: Request) -> None:
        self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _on_response(self, response: Response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def _on_request(self, request: Request) -> None:
        if not request.url.startswith(LOCAL):
            self.problems.append(f"request outside the site: {request.url}")
