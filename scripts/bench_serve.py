"""Time a `digest serve` reload after one new article, against a full rebuild.

Run it from the project root:

    python scripts/bench_serve.py [--size 1000] [--seed 7] [--keep DIR]

What it does, in one process, as `digest serve` (`publish.serve_site`) runs MkDocs:

1. Writes the benchmark corpus of `scripts/bench.py` for `size + 1` articles, and puts
   the first `size` files in an input folder of a project (the project's mkdocs.yml and
   hand-written pages) with a build state.
2. The first build of the preview: the digest, then MkDocs' dirty build into an empty
   site folder (every page).
3. Adds the last article and builds again, as a reload does: the digest from the state,
   then a dirty build that renders only the pages whose Markdown changed.
4. For comparison, a full (clean) MkDocs build of the same docs, as a reload without
   dirty builds would do after the digest.

It prints the seconds of the digest and of MkDocs in each, and how many HTML pages the
reload wrote again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build
from mkdocs.config import load_config

import digest.pipeline
from digest.config import PROJECT_ROOT
from digest.input_cache import RACY_SECONDS
from digest.publish import preview_config

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench  # type: ignore[import-not-found]  # scripts/bench.py: the corpus generator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="work in DIR instead of a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="digest-serve-bench-") as scratch:
        work = args.keep or Path(scratch)
        files = corpus(work, args.size + 1, args.seed)
        project = fresh_project(work / "project", files[: args.size])
        # Inputs written just now are racy (`input_cache.RACY_SECONDS`): the first build
        # would not record them, and the reload would read all of them again. A preview's
        # inputs were written a while before it started.
        time.sleep(RACY_SECONDS)
        spent: dict[str, float] = {}
        digest.pipeline.write_digest = timed(digest.pipeline.write_digest, spent)
        site = work / "site"
        shutil.rmtree(site, ignore_errors=True)
        first = mkdocs_build(project, site, dirty=True, spent=spent)
        before = html_times(site)
        shutil.copy(files[-1], project / "inputs" / files[-1].name)
        reload = mkdocs_build(project, site, dirty=True, spent=spent)
        rewritten = sum(1 for page, mtime in html_times(site).items() if before.get(page) != mtime)
        full = mkdocs_build(project, work / "full-site", dirty=False, spent=spent)
    print(f"{args.size:,} articles, {len(before):,} HTML pages (load {load()})\n")
    print("| build | digest (s) | MkDocs (s) | total (s) |")
    print("| --- | ---: | ---: | ---: |")
    for label, (digest_seconds, total) in (
        ("first build of the preview", first),
        ("reload after 1 new article (dirty)", reload),
        ("the same reload with a full MkDocs build", full),
    ):
        row = f"{digest_seconds:.1f} | {total - digest_seconds:.1f} | {total:.1f}"
        print(f"| {label} | {row} |")
    print(f"\nThe reload wrote {rewritten:,} of {len(before):,} HTML pages again.")


def corpus(work: Path, size: int, seed: int) -> list[Path]:
    folder = work / "corpus"
    if not folder.is_dir():
        source = bench.DEFAULT_ARTICLES
        source = source if source.is_dir() else bench.FALLBACK_ARTICLES
        bench.write_corpus(bench.read_originals(source), size, seed, folder)
    return sorted(folder.iterdir())


def fresh_project(project: Path, inputs: list[Path]) -> Path:
    """The project's site configuration and hand-written pages, the inputs and a state."""
    shutil.rmtree(project, ignore_errors=True)
    (project / "inputs").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "mkdocs.yml", project / "mkdocs.yml")
    for folder in ("about", "stylesheets"):
        shutil.copytree(PROJECT_ROOT / "docs" / folder, project / "docs" / folder)
    for path in inputs:
        shutil.copy(path, project / "inputs" / path.name)
    settings = preview_config(
        [project / "inputs"], project / "mkdocs.yml", state_path=project / "state.sqlite"
    )
    (project / "preview.yml").write_text(settings, encoding="utf-8")
    return project


def mkdocs_build(
    project: Path, site: Path, *, dirty: bool, spent: dict[str, float]
) -> tuple[float, float]:
    """Seconds of the digest (the plugin's pre-build) and of the whole build."""
    config = load_config(config_file=str(project / "preview.yml"), site_dir=str(site))
    config.plugins.on_startup(command="serve", dirty=dirty)
    spent["digest"] = 0.0
    started = time.perf_counter()
    build(config, dirty=dirty)
    return spent["digest"], time.perf_counter() - started


def timed(function: Callable[..., Any], spent: dict[str, float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent["digest"] += time.perf_counter() - started

    return wrapper


def html_times(site: Path) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_mtime_ns for p in site.rglob("*.html")}


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


if __name__ == "__main__":
    main()
