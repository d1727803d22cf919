"""Live preview: `digest serve` regenerates the pages when an input article is added, and
rewrites only the Markdown files that changed."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS
from tests.test_faults import NEW_ARTICLE

STARTUP_SECONDS = 90
REBUILD_SECONDS = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (localhost)
            return str(response.read().decode("utf-8"))
    except OSError:
        return None


def wait_for(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project of its own (config, hand-written docs, inputs), so that the preview never
    writes into this checkout's docs."""
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(ROOT / "docs" / "about", tmp_path / "docs" / "about")
    shutil.copytree(ROOT / "docs" / "stylesheets", tmp_path / "docs" / "stylesheets")
    shutil.copytree(SEEDS, tmp_path / "inbox")
    return tmp_path


@pytest.fixture
def preview(project: Path) -> Iterator[str]:
    port = free_port()
    code = (
        "import sys; from pathlib import Path; from digest.publish import serve_site; "
        f"serve_site([Path(sys.argv[1])], dev_addr='127.0.0.1:{port}', "
        "config_file=Path(sys.argv[2]))"
    )
    server = subprocess.Popen(
        [sys.executable, "-c", code, str(project / "inbox"), str(project / "mkdocs.yml")],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_an_added_article_reaches_the_preview_and_unchanged_pages_stay(
    project: Path, preview: str
) -> None:
    assert wait_for(lambda: "Idlib" in (fetch(preview) or ""), STARTUP_SECONDS)
    before = docs_files(project / "docs")

    (project / "inbox" / "convoy.txt").write_text(NEW_ARTICLE, encoding="utf-8")

    assert wait_for(lambda: "Aid convoy" in (fetch(preview) or ""), REBUILD_SECONDS)
    after = docs_files(project / "docs")
    kept = [path for path in before if path in after and after[path][1] == before[path][1]]
    assert "events.json" not in kept
    assert any(path.startswith("events/") for path in kept)
    for path in kept:  # a page whose text did not change was not written again
        assert after[path][0] == before[path][0], path


def docs_files(docs: Path) -> dict[str, tuple[int, bytes]]:
    """Each file of the docs folder: its mtime and bytes."""
    return {
        path.relative_to(docs).as_posix(): (path.stat().st_mtime_ns, path.read_bytes())
        for path in docs.rglob("*")
        if path.is_file()
    }
