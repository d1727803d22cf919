"""Fingerprint the stories of a corpus, to show that a change to align/compare/merge kept them.

    python scripts/story_fingerprint.py DIR [DIR ...] [--events-cache FILE] [--repeat N]

Runs the pipeline as `digest.pipeline.run_pipeline` does up to the stories, then prints
the sha256 of `events.json` as `digest.render` writes it, of every rendered page (path
and text, in path order), and of the stories' `repr` (every field of every story, the
differences' sentences and segment ids included), with the time `tell_story` took for
all events.

`--events-cache FILE` keeps the grouped events in a pickle (written when missing, read
when present), so timing the align+compare+merge stage again skips ingest, clean,
segment and cluster; delete it when grouping may have changed. `--repeat N` times the
stage N times in this process, for the minimum (later runs find the pure functions'
caches warm, so the first figure is the one comparable with `scripts/bench.py`).
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from digest.clean import clean
from digest.cluster import group_events, link_storylines
from digest.config import make_config
from digest.ingest import read_inputs
from digest.model import BuildResult, CleanArticle, Event, Rejected, Stories, Storyline
from digest.pipeline import check_accounting, tell_story
from digest.render import events_json, render_pages
from digest.segment import split_segments

Grouped = tuple[
    tuple[Event, ...], tuple[Storyline, ...], tuple[Rejected, ...], tuple[CleanArticle, ...]
]


def group(inputs: Sequence[Path], cache: Path | None) -> Grouped:
    """The events and storylines of the inputs, as `run_pipeline` makes them (or cached)."""
    if cache is not None and cache.is_file():
        grouped: Grouped = pickle.loads(cache.read_bytes())  # noqa: S301 (our own file)
        return grouped
    config = make_config(list(inputs))
    ingested = read_inputs(config.inputs)
    cleaned = tuple(clean(a) for a in ingested.articles)
    segments = [s for a in cleaned for s in split_segments(a)]
    events, storylines = link_storylines(group_events(segments, threshold=config.cluster_threshold))
    check_accounting(ingested, events)
    grouped = (events, storylines, ingested.rejected, cleaned)
    if cache is not None:
        cache.write_bytes(pickle.dumps(grouped, protocol=pickle.HIGHEST_PROTOCOL))
    return grouped


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("inputs", type=Path, nargs="+", help="folders or files of articles")
    parser.add_argument("--events-cache", type=Path, help="pickle of the grouped events")
    parser.add_argument("--repeat", type=int, default=1, help="time the stage N times")
    args = parser.parse_args()
    events, storylines, rejected, cleaned = group(args.inputs, args.events_cache)
    seconds = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        stories = tuple(tell_story(e) for e in events)
        seconds.append(time.perf_counter() - started)
    result = BuildResult(
        stories=Stories.of(stories), storylines=storylines, rejected=rejected, articles=cleaned
    )
    with tempfile.TemporaryDirectory() as scratch:
        config = make_config(list(args.inputs), docs_dir=Path(scratch) / "docs")
        pages = render_pages(result, templates_dir=config.templates_dir, locale="en")
    rendered = "".join(f"{path}\0{pages[path]}\0" for path in sorted(pages))
    print(f"inputs: {' '.join(str(p) for p in args.inputs)}")
    print(f"events: {len(events)}, sentences: {sum(len(s.sentences) for s in stories)}")
    print(f"events.json sha256: {sha(events_json(result))}")
    print(f"pages sha256:       {sha(rendered)} ({len(pages)} files)")
    print(f"stories sha256:     {sha(repr(stories))}")
    print(f"tell_story seconds: {', '.join(f'{s:.2f}' for s in seconds)}")


if __name__ == "__main__":
    main()
