"""The stages in order: the only module that knows it."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence

from digest.align import align_claims
from digest.clean import clean
from digest.cluster import group_events, link_storylines
from digest.compare import find_differences, find_key_figures
from digest.config import BuildConfig
from digest.ingest import read_inputs
from digest.merge import merge_event
from digest.model import BuildResult, Event, IngestResult, Story
from digest.segment import split_segments

log = logging.getLogger("digest")


class AccountingError(RuntimeError):
    """An article went missing or was counted twice: a bug in digest, never bad input."""


def run_pipeline(config: BuildConfig) -> BuildResult:
    """Read, clean, segment, group, align, compare and merge: everything but the output."""
    ingested = read_inputs(config.inputs)
    log.info("read %d articles, rejected %d inputs", len(ingested.articles), len(ingested.rejected))
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
    """Run the pipeline and write the Markdown pages and `events.json` into the docs dir."""
    from digest.render import render_pages, write_docs

    result = run_pipeline(config)
    pages = render_pages(result, templates_dir=config.templates_dir, locale=config.locale)
    written = write_docs(pages, config.docs_dir)
    log.info("%d pages changed of %d in %s", len(written), len(pages), config.docs_dir)
    return result


def build(config: BuildConfig) -> BuildResult:
    """Write the digest, then build the site from it unless told not to."""
    result = write_digest(config)
    if config.build_site:
        from digest.publish import build_site

        build_site(config.docs_dir, config.site_dir)
        log.info("site built in %s", config.site_dir)
    return result
