"""The stages in order: the only module that knows it."""

from __future__ import annotations

import gc
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from digest.align import align_claims
from digest.clean import clean
from digest.cluster import (
    Embedder,
    SegmentCounts,
    count_segment,
    count_title_and_text,
    group_events,
    link_storylines,
)
from digest.compare import find_differences, find_key_figures
from digest.config import BuildConfig
from digest.engine import Engine, local_threads, open_engine
from digest.ingest import (
    FoundFile,
    Outcome,
    collect_outcomes,
    find_input_files,
    read_input_file,
)
from digest.merge import merge_event
from digest.model import (
    Article,
    BuildCache,
    BuildResult,
    CleanArticle,
    Event,
    IngestResult,
    Segment,
    SegmentedArticles,
    Stories,
    Story,
    Storyline,
)
from digest.segment import split_segments
from digest.state import (
    DamagedStateError,
    Snapshot,
    StateError,
    StoredEntries,
    StoredPage,
    collector_paused,
    fingerprint,
    load_state,
    save_state,
)

if TYPE_CHECKING:
    from digest.atomic import Staging
    from digest.input_listing import PendingListing
    from digest.render import PageSink, RenderedSite

log = logging.getLogger("digest")


class AccountingError(RuntimeError):
    """An article went missing or was counted twice: a bug in digest, never bad input."""


def run_pipeline(
    config: BuildConfig,
    stored: Snapshot | None = None,
    engine: Engine | None = None,
    listing: PendingListing | None = None,
) -> BuildResult:
    """Read, clean, segment, group, align, compare and merge: everything but the output.

    Reading to segmenting (per file) and telling the stories (per event) run on
    `engine`, or on one opened for `config` (`digest.engine`); grouping runs here, on
    everything at once. With a `stored` state, only new and changed articles are
    grouped, ids stay stable and unchanged events keep their stories
    (digest/incremental.py), the input files stat-ed by `listing` if given
    (`input_listing.list_in_background`, started before the state loaded).
    """
    if engine is None:
        with open_engine(config) as opened:
            return run_pipeline(config, stored, opened, listing)
    if stored is not None:
        return _run_incremental(config, stored, engine, listing)
    read = read_articles(config.inputs, engine)
    ingested, cleaned = read.ingested, read.cleaned
    log.info("read %d articles, rejected %d inputs", len(ingested.articles), len(ingested.rejected))
    events, storylines = group_read(
        read, config.cluster_threshold, _embedder(config), threads=local_threads(config)
    )
    del read  # its segments' counts (450 MiB at 100,000 articles) served the grouping only
    check_accounting(ingested, events)
    stories = tell_stories(events, engine)
    return BuildResult(
        stories=Stories.of(stories),
        storylines=storylines,
        rejected=ingested.rejected,
        articles=cleaned,
    )


def group_read(
    read: ReadArticles, threshold: float, embed: Embedder | None = None, threads: int = 1
) -> tuple[tuple[Event, ...], tuple[Storyline, ...]]:
    """Group the segments read into events and link those into storylines, from the
    counts made with the reading (`threads`: see `cluster.group_events`)."""
    events = group_events(
        read.segments, threshold=threshold, embed=embed, counts=read.counts, threads=threads
    )
    events, storylines = link_storylines(events, counts=read.counts)
    log.info(
        "%d segments in %d events, %d storylines", len(read.segments), len(events), len(storylines)
    )
    return events, storylines


FILES_PER_TASK = 64
"""Input files read, cleaned and segmented per task of the engine: a file takes well under
a millisecond, so a task of 64 is worth its pickling and scheduling."""
EVENTS_PER_TASK = 4
"""Events told per task: an event costs from milliseconds to seconds (the square of its
size), so small tasks keep the workers evenly busy to the end."""
SEGMENTS_PER_TASK = 256
"""Stored segments counted again per task (`count_on`): about 50 ms of counting and 0.5 MB
of titles and texts sent; about 4,000 of them at 100,000 articles."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadArticles:
    """The articles read, and each one cleaned and segmented, in article id order."""

    ingested: IngestResult
    cleaned: tuple[CleanArticle, ...]
    segments: tuple[Segment, ...]
    counts: dict[str, SegmentCounts]
    """What the grouping counts of each segment (`cluster.count_segment`), by segment id:
    counted on the engine with the reading, not in this process."""


def read_articles(paths: Sequence[Path], engine: Engine) -> ReadArticles:
    """Read, clean and segment every input file under `paths`, files in parallel.

    The same articles and rejections, in the same order, as `read_inputs` then `clean`
    and `split_segments` on each article.
    """
    found = list(find_input_files(paths))
    # absolute: the workers of a Dask cluster do not share this process's directory
    files = [FoundFile(path=f.path.absolute(), name=f.name) for f in found]
    read = engine.map(_read_and_count_file, files, chunksize=FILES_PER_TASK)
    ingested = collect_outcomes(zip(found, (outcomes for outcomes, _, _ in read), strict=True))
    segmented: dict[str, tuple[CleanArticle, tuple[Segment, ...], tuple[SegmentCounts, ...]]] = {}
    for _, articles, counted in read:  # the first file to hold an id is the one kept
        for article_id, (cleaned, segments) in articles.items():
            segmented.setdefault(article_id, (cleaned, segments, counted[article_id]))
    kept = [segmented[article.id] for article in ingested.articles]
    return ReadArticles(
        ingested=ingested,
        cleaned=tuple(cleaned for cleaned, _, _ in kept),
        segments=tuple(segment for _, segments, _ in kept for segment in segments),
        counts={
            segment.id: packed
            for _, segments, counted in kept
            for segment, packed in zip(segments, counted, strict=True)
        },
    )


def _read_and_count_file(
    found: FoundFile,
) -> tuple[list[Outcome], SegmentedArticles, dict[str, tuple[SegmentCounts, ...]]]:
    """`_read_file`, and the term counts of each article's segments, by article id."""
    outcomes, segmented = _read_file(found)
    counted = {
        article_id: tuple(map(count_segment, segments))
        for article_id, (_, segments) in segmented.items()
    }
    return outcomes, segmented, counted


def _read_count_and_lead_file(
    found: FoundFile,
) -> tuple[
    list[Outcome],
    SegmentedArticles,
    dict[str, tuple[SegmentCounts, ...]],
    dict[str, dict[str, SegmentCounts]],
    dict[str, bytes],
]:
    """`_read_and_count_file`, and the `incremental.lead_counts` of each article's
    segments longer than their lead (by article id, then segment id): what a build with
    a state counts of them for each event's key terms, on the workers; and both packed
    for the state (`incremental.pack_counts`, by article id), packed here too."""
    from digest.incremental import lead_counts, pack_counts

    outcomes, segmented, counted = _read_and_count_file(found)
    leads = {
        article_id: {s.id: lead for s in segments if (lead := lead_counts(s)) is not None}
        for article_id, (_, segments) in segmented.items()
    }
    packed = {
        article_id: pack_counts(segments, counted[article_id], leads[article_id])
        for article_id, (_, segments) in segmented.items()
    }
    return outcomes, segmented, counted, leads, packed


def _read_file(found: FoundFile) -> tuple[list[Outcome], SegmentedArticles]:
    """Read one file, and clean and segment its articles (in a worker of the engine)."""
    outcomes = read_input_file(found)
    segmented: SegmentedArticles = {}
    for outcome in outcomes:
        if isinstance(outcome, Article) and outcome.id not in segmented:
            cleaned = clean(outcome)
            segmented[outcome.id] = (cleaned, split_segments(cleaned))
    return outcomes, segmented


def tell_stories(events: Sequence[Event], engine: Engine) -> tuple[Story, ...]:
    """`tell_story` of each event, in parallel; the stories in the order of the events."""
    told = engine.map(_tell_story_detached, events, chunksize=EVENTS_PER_TASK)
    return tuple(replace(story, event=event) for story, event in zip(told, events, strict=True))


def _tell_story_detached(event: Event) -> Story:
    """`tell_story`, with the story's event emptied of its segments (in a worker of the
    engine): the caller has them, and sending them back would double the pickling."""
    return replace(tell_story(event), event=replace(event, segments=()))


def _embedder(config: BuildConfig) -> Embedder | None:
    if not config.embeddings:
        return None
    from digest.embeddings import embed_segments  # imports nothing heavy until called

    return embed_segments


def _run_incremental(
    config: BuildConfig, stored: Snapshot, engine: Engine, listing: PendingListing | None
) -> BuildResult:
    """Read, clean, group and tell only what changed since `stored`."""
    from digest.incremental import Options, Prepared, update_digest
    from digest.input_cache import read_inputs_cached

    prepared: SegmentedArticles = {}
    counts: dict[str, SegmentCounts] = {}
    leads: dict[str, SegmentCounts] = {}
    packed: dict[str, bytes] = {}

    def read_files(found: Sequence[FoundFile]) -> list[list[Outcome]]:
        """Read, clean, segment and count the files on the engine, keeping what they made."""
        files = [FoundFile(path=f.path.absolute(), name=f.name) for f in found]
        read = engine.map(_read_count_and_lead_file, files, chunksize=FILES_PER_TASK)
        for _, articles, counted, led, packs in read:
            for article_id, made in articles.items():
                if article_id not in prepared:
                    prepared[article_id] = made
                    segment_ids = (s.id for s in made[1])
                    counts.update(zip(segment_ids, counted[article_id], strict=True))
                    leads.update(led[article_id])
                    packed[article_id] = packs[article_id]
        return [outcomes for outcomes, *_ in read]

    with collector_paused():  # a row, a record and outcomes of each of 100,000 files
        listed = listing.result() if listing is not None else None
        read = read_inputs_cached(config.inputs, stored, read_files, listed)
    ingested = read.ingested
    log.info("read %d articles, rejected %d inputs", len(ingested.articles), len(ingested.rejected))
    options = Options(
        threshold=config.cluster_threshold,
        fingerprint=fingerprint(config.cluster_threshold, config.embeddings),
        rebuild=config.rebuild,
        embed=_embedder(config),
        threads=local_threads(config),
        count=lambda segments: count_on(engine, segments),
    )
    result = update_digest(
        ingested,
        stored,
        options,
        lambda events: tell_stories(events, engine),
        read.hashes,
        Prepared(articles=prepared, counts=counts, leads=leads, packed=packed),
    )
    check_accounting(ingested, result.stories.events)
    log.info("%d events, %d redirects", len(result.stories), len(result.redirects))
    return replace(result, cache=replace(result.cache or BuildCache(), files=read.files))


def count_on(engine: Engine, segments: Sequence[Segment]) -> list[SegmentCounts]:
    """The segments' `cluster.count_segment`, counted on the engine: those of the stored
    events an incremental build links the new segments with (their counts are not kept
    in the state), while this process counts their character grams."""
    items = [(s.title, s.text) for s in segments]
    return engine.map(count_title_and_text, items, chunksize=SEGMENTS_PER_TASK)


def tell_story(event: Event) -> Story:
    """Align an event's sources, find where they differ, and merge them into one story."""
    claims = align_claims(event)
    return merge_event(
        event,
        claims,
        find_differences(event, claims),
        find_key_figures(event, claims),
    )


def check_accounting(ingested: IngestResult, events: Sequence[Event]) -> None:
    """Check that every article read is in some event and every segment in exactly one.

    Raises:
        AccountingError: when an article is missing or a segment counted twice.
    """
    segments = [s for e in events for s in e.segments]
    ids = [s.id for s in segments]
    # counted only when some id is there twice (0.03 s of 0.17 at 100,000 segments)
    counted = Counter(ids) if len(set(ids)) < len(ids) else {}
    twice = sorted(s for s, n in counted.items() if n > 1)
    grouped = {s.article.id for s in segments}
    missing = sorted({a.id for a in ingested.articles} - grouped)
    if twice or missing:
        raise AccountingError(f"segments in two events: {twice}; articles in none: {missing}")


def write_digest(config: BuildConfig) -> BuildResult:
    """Run the pipeline and write the Markdown pages and `events.json` into the docs dir.

    Writes in place (only changed files): the MkDocs plugin's way, where MkDocs owns
    the build. `build` is the atomic one.
    """
    with (
        _listing_inputs(config) as listing,
        _engine_started(config) as engine,
        _loaded_state(config) as stored,
    ):
        result, rendered = _run_and_render(config, stored, engine, config.docs_dir, listing)
        _save_state(config, stored, result, rendered)
    return result


def build(config: BuildConfig) -> BuildResult:
    """Build the digest into the docs dir, then the site, publishing both atomically.

    Both are written into staging dirs and swapped in only when everything succeeded:
    a failed or killed build leaves the published docs and site as they were. Two builds
    of the same docs dir never run at once (`digest.atomic.exclusive_build`). The docs
    are staged before the pipeline runs, so that each page is written as it is rendered.

    Raises:
        OutputError: the lock is held, or an output cannot be written (disk full,
            read-only); nothing published has changed.
        DigestError: MkDocs refused the site; nothing published has changed.
    """
    from digest.atomic import exclusive_build, publish, recover, removing_old_trees

    with exclusive_build(config.docs_dir), removing_old_trees() as old_trees:
        recover(config.docs_dir)
        recover(config.site_dir)
        with (
            _staged_docs(config.docs_dir) as staging,
            _listing_inputs(config) as listing,
            _engine_started(config) as engine,
            _loaded_state(config) as stored,
        ):
            docs = staging.path()
            result, rendered = _run_and_render(config, stored, engine, docs, listing)
            if config.build_site:
                with _staged(config.site_dir, copy_current=False) as site:
                    _build_staged_site(result, config, docs, site)
                    publish(docs, config.docs_dir, old_trees)
                    publish(site, config.site_dir, old_trees)
            else:
                publish(docs, config.docs_dir, old_trees)
            _save_state(config, stored, result, rendered)
    return result


@contextmanager
def _listing_inputs(config: BuildConfig) -> Iterator[PendingListing | None]:
    """The input files listed and stat-ed by a child process while the state loads, for
    a build with a state file to load (a build without one starts no child); the child
    is stopped if the build fails before taking its listing."""
    from digest.input_listing import list_in_background

    if config.state_path is None or not config.state_path.is_file():
        yield None
        return
    listing = list_in_background(config.inputs)
    try:
        yield listing
    finally:
        listing.discard()


@contextmanager
def _engine_started(config: BuildConfig) -> Iterator[Engine]:
    """The build's engine, its workers started while the state loads when there is one
    to load (the first map would wait for them after it)."""
    has_state = config.state_path is not None and config.state_path.is_file()
    with open_engine(config, start=has_state) as engine:
        yield engine


@contextmanager
def _loaded_state(config: BuildConfig) -> Iterator[Snapshot | None]:
    """The last build's state, kept out of the garbage collector's walks while it is used.

    A state holds millions of objects, none of them garbage; each full collection of the
    build would walk them all again (a quarter of the incremental pipeline's CPU time at
    100,000 articles). `gc.freeze` leaves them out until the build is done; objects are
    still freed as soon as nothing refers to them. They are frozen before the collector
    resumes: resumed first, it would walk them all once (1.4 s at 100,000 articles).

    A story or an article's cleaning the state left pickled, which cannot be read back
    when the build asks for it (`DamagedStateError`), stops the build with the state
    file named (a `StateError`), wherever in the build it is asked for.
    """
    with collector_paused():
        stored = _load_state(config)
        if stored is not None:
            gc.freeze()
    if stored is None:
        yield None
        return
    try:
        yield stored
    except DamagedStateError as error:
        raise StateError(
            f"the build state {config.state_path} is damaged ({error}); delete it, or "
            "build with --no-state or another --state file"
        ) from error
    finally:
        gc.unfreeze()


def _load_state(config: BuildConfig) -> Snapshot | None:
    from digest.input_cache import ingest_fingerprint

    if config.state_path is None:
        return None
    return load_state(
        config.state_path,
        fingerprint(config.cluster_threshold, config.embeddings),
        ingest_fingerprint(),
    )


def _save_state(
    config: BuildConfig, stored: Snapshot | None, result: BuildResult, rendered: RenderedSite
) -> None:
    """Save the state after publishing: a build killed before leaves the previous one."""
    from digest.incremental import next_snapshot
    from digest.input_cache import ingest_fingerprint

    if config.state_path is None or stored is None:
        return
    pages = _page_records(config.docs_dir, rendered, stored)
    current = fingerprint(config.cluster_threshold, config.embeddings)
    with collector_paused():
        snapshot = next_snapshot(
            result,
            stored,
            current,
            ingest=ingest_fingerprint(),
            pages=pages,
            rendered=rendered.cache,
            entries=_recorded_entries(config.docs_dir, rendered),
        )
        save_state(config.state_path, stored, snapshot)


def _page_records(
    docs_dir: Path, rendered: RenderedSite, stored: Snapshot
) -> dict[str, StoredPage]:
    """Each generated page's key and the stamp of its file: a page left as it was keeps
    its recorded stamp (`render.intact_pages` found its file holding it), the others'
    files are stat-ed (40,000 files at 100,000 articles, most of them left)."""
    from digest.render import page_stamps

    keys = rendered.cache.pages
    made = page_stamps(docs_dir, (path for path in keys if path not in rendered.kept))
    return {
        path: _kept_page(stored.pages[path], key)
        if path in rendered.kept
        else StoredPage(key=key, stamp=made[path])
        for path, key in keys.items()
        if path in rendered.kept or path in made
    }


def _kept_page(page: StoredPage, key: str) -> StoredPage:
    """A kept page's record: the stored one itself when its key is the same (its row is
    not written again)."""
    return page if page.key == key else StoredPage(key=key, stamp=page.stamp)


def _run_and_render(
    config: BuildConfig,
    stored: Snapshot | None,
    engine: Engine,
    docs: Path,
    listing: PendingListing | None,
) -> tuple[BuildResult, RenderedSite]:
    """The pipeline, and its pages written into `docs` as they are rendered, on one engine
    (a Dask cluster starts once).

    Raises:
        OutputError: a page cannot be written (disk full, read-only).
    """
    from digest.atomic import output_error
    from digest.render import DocsWriter

    result = run_pipeline(config, stored, engine, listing)
    if stored is not None:
        # The result's objects, alive until the state is saved, left out of the
        # collections the rendering sets off as the stored ones are (`_loaded_state`):
        # at 100,000 articles each full collection walked them again (0.1-0.16 s, four
        # of them in a build adding 100).
        gc.freeze()
    try:
        with DocsWriter(docs) as writer:  # closed: no write goes on if rendering fails
            rendered = _render_site(result, config, stored, engine, docs, writer)
            written = writer.finish(rendered.kept)
    except OSError as error:
        raise output_error(config.docs_dir, error) from error
    engine.close()  # what follows (the site, the state) needs no workers: free their memory
    log.info("%d pages changed in %s", len(written), config.docs_dir)
    return result, rendered


def _render_site(
    result: BuildResult,
    config: BuildConfig,
    stored: Snapshot | None,
    engine: Engine,
    docs: Path,
    sink: PageSink,
) -> RenderedSite:
    """Render the pages into `sink` (writing into `docs`), the event pages on `engine`;
    with a state, only those whose file in the docs is not the same, and `events.json`'s
    unchanged entries copied from the file there."""
    from digest.render import RenderCache, RenderOptions, intact_pages, render_site

    options = RenderOptions(
        templates_dir=config.templates_dir, locale=config.locale, site_url=config.site_url
    )
    cache = None
    if stored is not None:
        recorded = {path: (page.key, page.stamp) for path, page in stored.pages.items()}
        entries_file = _intact_entries_file(docs, stored.entries)
        cache = RenderCache(
            pages=intact_pages(config.docs_dir, recorded),
            entities={c.story_key: c.entities for c in stored.event_caches.values()},
            summaries={c.story_key: c.summary for c in stored.event_caches.values() if c.summary},
            entries=stored.entries.ranges if stored.entries and entries_file else {},
            entries_file=entries_file,
            lines={c.json_key: c.lines for c in stored.event_caches.values()},
            json_keys=_published_keys(stored),
        )
    return render_site(result, options, cache, engine, sink)


def _intact_entries_file(docs: Path, entries: StoredEntries | None) -> Path | None:
    """The `events.json` in `docs` (the published one, or its hard-linked staging copy)
    when it has the stamp recorded after the last build wrote it and entries where the
    state says (`render.holds_entries`). Otherwise (edited, missing, written by a build
    without the state) None: the entries are made from the stories."""
    from digest.render import holds_entries

    path = docs / "events.json"
    return path if entries and holds_entries(path, entries.stamp, entries.ranges) else None


def _recorded_entries(docs_dir: Path, rendered: RenderedSite) -> StoredEntries | None:
    """Where this build's `events.json` (published in `docs_dir`) holds each entry, with
    the file's stamp."""
    from digest.render import file_stamp

    stamp = file_stamp(docs_dir / "events.json")
    return StoredEntries(stamp=stamp, ranges=rendered.cache.entries) if stamp else None


def _published_keys(stored: Snapshot) -> dict[str, str]:
    """The `events.json` key of each event the last build published, when the state has
    every one's (`RenderCache.json_keys`); none else."""
    if stored.event_caches.keys() != stored.events.keys():
        return {}
    return {event_id: cache.json_key for event_id, cache in stored.event_caches.items()}


@contextmanager
def _staged(target: Path, *, copy_current: bool) -> Iterator[Path]:
    """A staging dir for `target`, removed if the build fails before publishing it."""
    from digest.atomic import discard, start_staging

    staging = start_staging(target, copy_current=copy_current)
    try:
        yield staging
    except BaseException:
        discard(staging)
        raise


@contextmanager
def _staged_docs(docs_dir: Path) -> Iterator[Staging]:
    """The docs' staging dir, copied while the state loads; removed if the build fails
    before publishing it."""
    from digest.atomic import stage_in_background

    staging = stage_in_background(docs_dir)
    try:
        yield staging
    except BaseException:
        staging.discard()
        raise


def _build_staged_site(result: BuildResult, config: BuildConfig, docs: Path, site: Path) -> None:
    from digest.atomic import output_error
    from digest.publish import build_site

    try:
        build_site(docs, site, source_date=newest_date(result), locale=config.locale)
    except OSError as error:
        raise output_error(config.site_dir, error) from error
    log.info("site built for %s", config.site_dir)


def newest_date(result: BuildResult) -> date | None:
    """The newest event's date: what the site's own time stamps are pinned to."""
    return max((e.date for e in result.stories.events if e.date), default=None)
