"""The stages in order: the only module that knows it."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from digest.align import align_claims
from digest.clean import clean
from digest.cluster import group_events, link_storylines
from digest.compare import find_differences, find_key_figures
from digest.config import BuildConfig
from digest.ingest import read_inputs
from digest.merge import merge_event
from digest.model import BuildResult, Event, IngestResult, Story
from digest.segment import split_segments
from digest.state import Snapshot, fingerprint, load_state, save_state

log = logging.getLogger("digest")


class AccountingError(RuntimeError):
    """An article went missing or was counted twice: a bug in digest, never bad input."""


def run_pipeline(config: BuildConfig, stored: Snapshot | None = None) -> BuildResult:
    """Read, clean, segment, group, align, compare and merge: everything but the output.

    With a `stored` state, only new and changed articles are grouped, ids stay stable
    and unchanged events keep their stories (digest/incremental.py).
    """
    ingested = read_inputs(config.inputs)
    log.info("read %d articles, rejected %d inputs", len(ingested.articles), len(ingested.rejected))
    if stored is not None:
        return _run_incremental(config, ingested, stored)
    cleaned = tuple(clean(a) for a in ingested.articles)
    segments = [s for a in cleaned for s in split_segments(a)]
    events = group_events(segments, threshold=config.cluster_threshold)
    events, storylines = link_storylines(events)
    log.info("%d segments in %d events, %d storylines", len(segments), len(events), len(storylines))
    check_accounting(ingested, events)
    return BuildResult(
        stories=tuple(tell_story(e) for e in events),
        storylines=storylines,
        rejected=ingested.rejected,
        articles=cleaned,
    )


def _run_incremental(config: BuildConfig, ingested: IngestResult, stored: Snapshot) -> BuildResult:
    from digest.incremental import Options, update_digest

    options = Options(
        threshold=config.cluster_threshold,
        fingerprint=fingerprint(config.cluster_threshold),
        rebuild=config.rebuild,
    )
    result = update_digest(ingested, stored, options, tell_story)
    check_accounting(ingested, [s.event for s in result.stories])
    log.info("%d events, %d redirects", len(result.stories), len(result.redirects))
    return result


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
    segment_count = Counter(s.id for e in events for s in e.segments)
    twice = sorted(s for s, n in segment_count.items() if n > 1)
    grouped = {s.article.id for e in events for s in e.segments}
    missing = sorted({a.id for a in ingested.articles} - grouped)
    if twice or missing:
        raise AccountingError(f"segments in two events: {twice}; articles in none: {missing}")


def write_digest(config: BuildConfig) -> BuildResult:
    """Run the pipeline and write the Markdown pages and `events.json` into the docs dir.

    Writes in place (only changed files): the MkDocs plugin's way, where MkDocs owns
    the build. `build` is the atomic one.
    """
    from digest.render import write_docs

    stored = _load_state(config)
    result = run_pipeline(config, stored)
    written = write_docs(_pages(result, config), config.docs_dir)
    log.info("%d pages changed in %s", len(written), config.docs_dir)
    _save_state(config, stored, result)
    return result


def build(config: BuildConfig) -> BuildResult:
    """Build the digest into the docs dir, then the site, publishing both atomically.

    Both are written into staging dirs and swapped in only when everything succeeded:
    a failed or killed build leaves the published docs and site as they were. Two builds
    of the same docs dir never run at once (`digest.atomic.exclusive_build`).

    Raises:
        OutputError: the lock is held, or an output cannot be written (disk full,
            read-only); nothing published has changed.
        DigestError: MkDocs refused the site; nothing published has changed.
    """
    from digest.atomic import exclusive_build, publish, recover

    with exclusive_build(config.docs_dir):
        recover(config.docs_dir)
        recover(config.site_dir)
        stored = _load_state(config)
        result = run_pipeline(config, stored)
        with _staged(config.docs_dir, copy_current=True) as docs:
            _write_staged_docs(result, config, docs)
            if config.build_site:
                with _staged(config.site_dir, copy_current=False) as site:
                    _build_staged_site(result, config, docs, site)
                    publish(docs, config.docs_dir)
                    publish(site, config.site_dir)
            else:
                publish(docs, config.docs_dir)
        _save_state(config, stored, result)
    return result


def _load_state(config: BuildConfig) -> Snapshot | None:
    if config.state_path is None:
        return None
    return load_state(config.state_path, fingerprint(config.cluster_threshold))


def _save_state(config: BuildConfig, stored: Snapshot | None, result: BuildResult) -> None:
    """Save the state after publishing: a build killed before leaves the previous one."""
    from digest.incremental import next_snapshot

    if config.state_path is None or stored is None:
        return
    current = fingerprint(config.cluster_threshold)
    save_state(config.state_path, stored, next_snapshot(result, stored, current))


def _pages(result: BuildResult, config: BuildConfig) -> dict[str, str]:
    from digest.render import render_pages

    return render_pages(
        result, templates_dir=config.templates_dir, locale=config.locale, site_url=config.site_url
    )


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


def _write_staged_docs(result: BuildResult, config: BuildConfig, docs: Path) -> None:
    from digest.atomic import output_error
    from digest.render import write_docs

    try:
        written = write_docs(_pages(result, config), docs)
    except OSError as error:
        raise output_error(config.docs_dir, error) from error
    log.info("%d pages changed in %s", len(written), config.docs_dir)


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
    return max((s.event.date for s in result.stories if s.event.date), default=None)
