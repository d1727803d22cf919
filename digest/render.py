"""Stage 8: turn a `BuildResult` into the site's Markdown pages, feeds and `events.json`.

This is the only module that writes into the docs dir. Article text is untrusted
(STYLE §7): it reaches a template only as data, through the filters of
`digest/markdown_text.py`, each named for the context it writes into (and `xml_text`
in the feeds, whose templates are autoescaped XML).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import logging
import os
import posixpath
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup

from digest import feeds
from digest.config import PROJECT_ROOT
from digest.engine import Engine
from digest.entities import Entity
from digest.i18n import install_i18n, load_translations
from digest.markdown_text import is_web_url, md_block, md_inline, md_url, yaml_str
from digest.model import BuildResult, Difference, Redirect, Rejected, Segment, StorySummary
from digest.site_index import (
    UNKNOWN_SOURCE,
    Day,
    Entry,
    Month,
    Period,
    SiteIndex,
    Source,
    Tag,
    by_day,
    by_kind,
    by_month,
    index_site,
    source_key,
)
from digest.slugs import RESERVED_SLUGS

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

log = logging.getLogger(__name__)
T = TypeVar("T")

SCHEMA_VERSION = 1  # events.json "schema"; bump on any incompatible change (DESIGN.md)
PROJECT_DOCS = PROJECT_ROOT / "docs"
"""The project's own docs dir: hand-written pages live here beside the generated ones."""
GENERATED_DIRS = ("archive", "events", "sources", "storylines", "tags")
GENERATED_FILES = ("index.md", "rejected.md", "events.json", "feed.xml", "atom.xml")
"""Everything `write_docs` may create or delete; all other docs files are hand-written."""

HOME_LEAD_EVENTS = 20
"""Events of the latest day the briefing shows with their lead; the rest are a link away."""
HOME_EARLIER_DAYS = 7
HOME_EARLIER_EVENTS = 5
"""Events shown for each earlier day: the home page stays small however big the archive."""
MONTH_EVENTS_PER_DAY = 10
"""Events a month page lists for each day; the day's page has them all."""
LISTED_EVENTS = 50
"""Events a source's or tag's page lists, newest first. One with more also links a page
per month of its events (`sources/<slug>/2020-01.md`): a new event rewrites its page and
its month's, not pages as long as its whole history."""
MONTH_LISTED_EVENTS = 50
"""Events a source's or tag's month page lists. A month with more lists its days instead,
each linking a page of that day's events (`sources/<slug>/2020-01-17.md`): a new event
rewrites its day's page and the month's short list of days, not a page as long as the
whole month (at 100,000 articles an outlet's month held thousands of events)."""
INDEX_TAGS = 50
"""Tags of each kind the tags index lists, most events first. With more of any kind, every
tag is on the page of its initial (`tags/index/a.md`, …, `0-9.md`, `other.md`) and the
index links those: no page lists every tag, and a new event rewrites the pages of its
tags' initials."""
INITIALS = (*"abcdefghijklmnopqrstuvwxyz", "0-9", "other")
"""The tags' initial pages, in order: a Latin letter (accents aside), a digit, or another
character (another script)."""

_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
"""Event and storyline ids become file names: no dots, slashes or leading hyphen."""
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FIGURE = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
"""The comparable forms of days and figures in `Value.normalized`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Member:
    """One member segment of an event, numbered as in the event page's Sources list."""

    number: int
    segment: Segment
    source: Source


# --- Ids --------------------------------------------------------------------------------


def storyline_slug(storyline_id: str) -> str:
    """The file name of a storyline's page: its id, unless that names the storylines index.

    >>> storyline_slug("idlib-displacement"), storyline_slug("index"), storyline_slug("con")
    ('idlib-displacement', 'index-storyline', 'con-storyline')
    """
    return f"{storyline_id}-storyline" if storyline_id.lower() in RESERVED_SLUGS else storyline_id


def _check_ids(result: BuildResult) -> None:
    """Refuse ids that would lose a page or a link: unsafe as file names, repeated, dangling."""
    event_ids = [event.id for event in result.stories.events]
    storyline_ids = [storyline.id for storyline in result.storylines]
    for kind, ids in (("event", event_ids), ("storyline", storyline_ids)):
        unsafe = sorted(i for i in ids if not _SAFE_ID.fullmatch(i))
        repeated = sorted(i for i, n in Counter(ids).items() if n > 1)
        if unsafe or repeated:
            raise ValueError(f"{kind} ids unsafe {unsafe} or repeated {repeated}")
    for kind, ids in (("event", event_ids), ("storyline", storyline_ids)):
        moved = [r.id for r in result.redirects if r.kind == kind]
        unsafe = sorted(i for i in moved if not _SAFE_ID.fullmatch(i))
        live = sorted(set(moved) & set(ids))
        if unsafe or live:
            raise ValueError(f"{kind} redirects unsafe {unsafe} or from a live page {live}")
    named = {e.storyline for e in result.stories.events if e.storyline} - set(storyline_ids)
    listed = {i for storyline in result.storylines for i in storyline.event_ids} - set(event_ids)
    if named or listed:
        raise ValueError(f"unknown storylines {sorted(named)} or events {sorted(listed)}")


# --- events.json ------------------------------------------------------------------------


def events_json(result: BuildResult, index: SiteIndex | None = None) -> str:
    """Serialise the build as `events.json` (schema 1 of DESIGN.md), newest event first.

    Deterministic: events are sorted by date then id, storylines by id, rejected inputs by
    file and line; the order inside an event is the model's own.

    Args:
        result: the pipeline's output.
        index: the same build indexed (`index_site`), when the caller has it already.
    """
    index = index or index_site(result)
    return _events_document(result, [_event_fragment(entry) for entry in index.entries])


EVENTS_PLACEHOLDER = '"events": [\n    0\n  ]'
"""Where `_events_document` puts the events' entries: `json.dumps` of a one-item list."""


def _event_fragment(entry: Entry) -> str:
    """An event's entry of `events.json`, indented as the document holds it."""
    return "    " + _indented_json(_event_json(entry), "    ")


def _indented_json(value: Any, margin: str) -> str:
    """`json.dumps(value, ensure_ascii=False, indent=2)` with every line but the first
    after `margin` (tested equal), 1.7 times as fast: with `indent`, `json` encodes in
    Python, one generator per level, where this joins strings and leaves each string
    value to `json`'s C escaping. Dicts and lists are nested; other values as `json`."""
    if isinstance(value, str):
        return _json_string(value)
    if value is None or isinstance(value, bool | int | float) or not value:
        return json.dumps(value, ensure_ascii=False)
    inner = margin + "  "
    if isinstance(value, dict):
        items = [f"{_json_string(k)}: {_indented_json(v, inner)}" for k, v in value.items()]
        opening, closing = "{\n", "}"
    else:
        items = [_indented_json(item, inner) for item in value]
        opening, closing = "[\n", "]"
    return opening + inner + f",\n{inner}".join(items) + "\n" + margin + closing


_json_string: Callable[[str], str] = json.encoder.encode_basestring
"""A string as `json.dumps(…, ensure_ascii=False)` writes it (in C where CPython has it)."""


def _events_document(result: BuildResult, fragments: Sequence[str]) -> str:
    """`events.json` around its events' entries (`_event_fragment`): the text of dumping
    the whole document at once (tested), but each entry can be kept from the last build."""
    opening, closing = _events_document_shell(result, bool(fragments))
    return opening + ",\n".join(fragments) + closing


def _events_document_shell(result: BuildResult, any_events: bool) -> tuple[str, str]:
    """The text of `events.json` before its events' entries and after them (joined by
    ",\n"): the 100,000-article file is 255 MB, written piece by piece it is never held
    whole. Without events, the whole document and nothing."""
    document = {
        "schema": SCHEMA_VERSION,
        "events": [0] if any_events else [],
        "storylines": [
            {
                "id": storyline.id,
                "title": storyline.title,
                "page": f"storylines/{storyline_slug(storyline.id)}.md",
                "events": list(storyline.event_ids),
            }
            for storyline in sorted(result.storylines, key=lambda s: s.id)
        ],
        "rejected": [
            {"input": r.input, "line": r.line, "reason": r.reason}
            for r in _sorted_rejected(result.rejected)
        ],
        "redirects": [
            {
                "kind": r.kind,
                "id": r.id,
                "page": _redirect_page(r),
                "target": r.target,
                "target_page": _target_page(r) if r.target else None,
            }
            for r in result.redirects
        ],
    }
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if not any_events:
        return text, ""
    head, tail = text.split(EVENTS_PLACEHOLDER, 1)
    return head + '"events": [\n', "\n  ]" + tail


@dataclass(frozen=True, slots=True)
class FileRange:
    """A part of a page (`PageSink`) that is bytes of a file already there: `length` bytes
    from `start` of the file at `path` (the last build's `events.json`), copied by the
    kernel without being read (`DocsWriter`)."""

    path: Path
    start: int
    length: int


Part = str | bytes | FileRange
"""A piece of a page's text: text (written as UTF-8), UTF-8 bytes, or bytes of a file."""


def _events_json_cached(
    result: BuildResult,
    site: SiteIndex,
    json_keys: Mapping[str, str],
    cache: RenderCache | None,
    made: Mapping[str, bytes],
) -> tuple[list[Part], dict[str, tuple[int, int]]]:
    """`events.json` in parts, each event's entry copied from the last build's file
    (`cache.entries` in `cache.entries_file`) while its key (`json_keys`, by event id;
    none without a state) is the same, or taken from `made` (by event id, as UTF-8: made
    with the event's page), or made here; with where each entry lies in the new file (by key).

    Entries that follow each other in the last file as in this one are copied as one
    range with the ",\n" between them: a build adding a few events copies the old file
    in a few pieces."""
    opening, closing = _events_document_shell(result, bool(site.entries))
    source = cache.entries_file if cache else None
    known = cache.entries if cache and source else {}
    head = opening.encode("utf-8")
    parts: list[Part] = [head]
    offset = len(head)
    ranges: dict[str, tuple[int, int]] = {}
    for n, entry in enumerate(site.entries):
        if n:
            parts.append(b",\n")
            offset += 2
        key = json_keys.get(entry.id)
        kept = known.get(key) if key else None
        if source is not None and kept is not None:
            start, length = kept
            previous = parts[-2] if n else None
            if isinstance(previous, FileRange) and previous.start + previous.length + 2 == start:
                parts[-2:] = [FileRange(source, previous.start, previous.length + 2 + length)]
            else:
                parts.append(FileRange(source, start, length))
        else:
            fragment = made.get(entry.id) or _event_fragment(entry).encode("utf-8")
            length = len(fragment)
            parts.append(fragment)
        if key:
            ranges[key] = (offset, length)
        offset += length
    parts.append(closing)
    return parts, ranges


def _event_json(entry: Entry) -> dict[str, Any]:
    story = entry.story
    event = story.event
    articles = {segment.id: segment.article.id for segment in event.segments}
    numbers = {segment.id: segment.number for segment in event.segments}
    return {
        "id": event.id,
        "title": event.title,
        "date": _iso(event.date),
        "page": f"events/{event.id}.md",
        "storyline": event.storyline,
        "members": [_member_json(segment) for segment in event.segments],
        "differences": [_difference_json(d, articles) for d in story.differences],
        "unique": [
            {
                "article": articles[fact.segment],
                "segment": numbers[fact.segment],
                "text": fact.text,
            }
            for fact in story.unique
        ],
        "sentences": [
            {"text": s.text, "articles": _article_ids(s.segments, articles)}
            for s in story.sentences
        ],
        "key_figures": [
            {
                "subject": figure.subject,
                "agree": figure.agree,
                "values": [
                    {
                        "text": value.text,
                        "normalized": value.normalized,
                        "articles": _article_ids(value.segments, articles),
                    }
                    for value in figure.values
                ],
            }
            for figure in story.key_figures
        ],
        "origins": [_article_ids(origin, articles) for origin in story.origins],
        "entities": [
            {"name": tag.name, "kind": str(tag.kind), "page": f"tags/{tag.slug}.md"}
            for tag in entry.tags
        ],
    }


def _member_json(segment: Segment) -> dict[str, Any]:
    return {
        "article": segment.article.id,
        "segment": segment.number,
        "source": segment.source,
        "url": segment.article.url,
        "date": _iso(segment.published),
        "title": _segment_title(segment),
        "words": len(segment.text.split()),
    }


def _difference_json(difference: Difference, articles: Mapping[str, str]) -> dict[str, Any]:
    return {
        "kind": str(difference.kind),
        "subject": difference.subject,
        "note": difference.note,
        "values": [
            {
                "text": value.text,
                "normalized": value.normalized,
                "articles": _article_ids(value.segments, articles),
                "segments": list(value.segments),
                "sentence": value.sentence,
            }
            for value in difference.values
        ],
    }


def _article_ids(segment_ids: Sequence[str], articles: Mapping[str, str]) -> list[str]:
    """The articles behind segment ids, first appearance first, each once."""
    return list(dict.fromkeys(articles[segment_id] for segment_id in segment_ids))


def _segment_title(segment: Segment) -> str | None:
    return segment.title if segment.title is not None else segment.article.title


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _sorted_rejected(rejected: Iterable[Rejected]) -> list[Rejected]:
    return sorted(rejected, key=lambda r: (r.input, r.line or 0, r.reason))


# --- Pages ------------------------------------------------------------------------------


def render_pages(
    result: BuildResult,
    *,
    templates_dir: Path,
    locale: str,
    site_url: str | None = None,
    engine: Engine | None = None,
) -> dict[str, str]:
    """Render every generated docs file, keyed by its path relative to the docs dir.

    Pure: nothing is written (see `write_docs`). The same result gives the same text.

    Args:
        result: the pipeline's output.
        templates_dir: folder of the Jinja templates (`BuildConfig.templates_dir`).
        locale: Babel locale for dates and numbers, e.g. `en`, `fr`.
        site_url: the site's address (`BuildConfig.site_url`), for absolute links in the
            feeds; without it the feeds' links are relative to the feeds' own address.
        engine: where the event pages, their parts of `events.json` and the stories'
            names are made (`digest.engine`; in parallel: they are most of the time);
            None: in this process. The same text either way.

    Raises:
        ValueError: an event or storyline id is unsafe as a file name or used twice.
    """
    options = RenderOptions(templates_dir=templates_dir, locale=locale, site_url=site_url)
    return render_site(result, options, engine=engine).pages


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderOptions:
    """How to render: `render_pages`'s arguments."""

    templates_dir: Path
    locale: str
    site_url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderCache:
    """What a build with a state rendered, so that the next one renders only what changed.

    Every key is a hash of what a page (or an `events.json` entry) is made from: the
    stories by their `incremental.story_key` (with the code of the stages in the state's
    fingerprint), everything else the template reads by value, and the code, templates,
    catalogs, locale and site address of the rendering (`_render_fingerprint`).
    """

    pages: Mapping[str, str] = field(default_factory=dict)
    """The key of each generated page, by path in the docs dir. Given to `render_site`:
    only the pages whose file in the docs still holds what that key made."""
    entities: Mapping[str, tuple[Entity, ...]] = field(default_factory=dict)
    """The names each story holds (`find_entities`), by story key."""
    summaries: Mapping[str, StorySummary] = field(default_factory=dict)
    """What the index pages list of each story (`site_index.summarize`), by story key:
    an unchanged story is not unpickled for them."""
    entries: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """Where each entry of `events.json` lies in the file (byte offset, length), by its
    key: given to `render_site`, those of `entries_file`; made by it, those of the file
    it made."""
    entries_file: Path | None = None
    """The last build's `events.json`, holding `entries` (its stamp checked: the one
    recorded after it was written); its entries are copied from it. None: every entry is
    made from its story."""
    json_keys: Mapping[str, str] = field(default_factory=dict)
    """The key of each event's `events.json` entry, by event id (made by `render_site`).
    Given to it: the last build's, for every event that build published (or none), so
    that the pages of the tags and outlets no changed event names are kept without
    working out their keys (`_Touched`)."""
    lines: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Each event's lines in lists of events (`_EventLines`), by the key of its
    `events.json` entry: made of the same entry by the same code."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderedSite:
    pages: dict[str, str]
    """The pages rendered, by path in the docs dir (none when `render_site` had a sink)."""
    kept: frozenset[str]
    """The pages not rendered: their file in the docs holds what they would be."""
    cache: RenderCache
    """For the next build (empty without a `BuildResult.cache`)."""


PageSink = Callable[[str, Sequence[Part]], None]
"""Takes each generated file as it is made: its path in the docs dir and its text, in
pieces (`DocsWriter`; `events.json`'s unchanged entries are `FileRange`s of the last
build's file)."""


def render_site(
    result: BuildResult,
    options: RenderOptions,
    cache: RenderCache | None = None,
    engine: Engine | None = None,
    sink: PageSink | None = None,
) -> RenderedSite:
    """Render the generated docs files, except those `cache` says are unchanged.

    Without a `cache` (or without `result.cache`, the story keys of a build with a
    state) every page is rendered, as `render_pages` does. With one, a page is rendered
    only when its key differs from the one in `cache.pages`; the pages rendered and
    those kept are byte for byte those of rendering everything (tested). The event pages
    to render are rendered on `engine` (in parallel: they are most of the time), or in
    this process without one; the same text either way. With a `sink`, each file goes
    to it as soon as it is made (an event page as it comes back from the engine) and is
    not held: `RenderedSite.pages` is then empty.

    Raises:
        ValueError: an event or storyline id is unsafe as a file name or used twice.
    """
    _check_ids(result)
    env = _environment(options.templates_dir.resolve(), options.locale)
    story_keys = result.cache.story_keys if result.cache else {}
    known = cache.entities if cache else {}
    listed = cache.summaries if cache else {}
    site = index_site(
        result,
        entities={i: known[k] for i, k in story_keys.items() if k in known},
        summaries={i: listed[k] for i, k in story_keys.items() if k in listed},
        engine=engine,
    )
    keys = _PageKeys(site, story_keys, _render_fingerprint(options)) if result.cache else None
    json_keys = {e.id: keys.of("events.json", keys.entry(e)) for e in site.entries} if keys else {}
    lines = _EventLines(env, json_keys, cache.lines if cache else {})
    out = _Pages(env, keys, cache.pages if cache else {}, sink, lines)
    touched = _touched(site, json_keys, cache) if cache else None
    _index_pages(out, site, result)
    to_render = [entry for entry in site.entries if out.event_to_render(entry)]
    made: dict[str, bytes] = {}  # as UTF-8: half the memory of the text (not ASCII)
    for entry, (page, fragment) in _event_pages(to_render, site, options, engine):
        out.emit(f"events/{entry.id}.md", page)
        made[entry.id] = fragment.encode("utf-8")
    events, entries = _events_json_cached(result, site, json_keys, cache, made)
    out.emit("events.json", *events)
    _feeds(out, site, locale=options.locale, site_url=options.site_url)
    _archive_pages(out, site)
    _source_pages(out, site, touched)
    _storyline_pages(out, site)
    _tag_pages(out, site, touched)
    for path, page in _redirect_pages(env, result).items():
        out.emit(path, page)
    return RenderedSite(
        pages=out.pages,
        kept=frozenset(out.kept),
        cache=RenderCache(
            pages=out.page_keys,
            entities={story_keys[e.id]: site.found[e.id] for e in site.entries if keys},
            summaries={story_keys[e.id]: e.summary for e in site.entries if keys},
            entries=entries,
            json_keys=json_keys,
            lines=lines.kept(),
        ),
    )


def _index_pages(out: _Pages, site: SiteIndex, result: BuildResult) -> None:
    rejected = _sorted_rejected(result.rejected)
    latest = site.days[0] if site.days else site.undated
    earlier = site.days[1 : 1 + HOME_EARLIER_DAYS]
    out.add(
        "index.md",
        "index.md.j2",
        (len(site.entries), len(site.sources), rejected, latest, earlier),
        site=site,
        rejected=rejected,
        latest=latest,
        earlier=earlier,
        lead_events=HOME_LEAD_EVENTS,
        earlier_events=HOME_EARLIER_EVENTS,
    )
    out.add("rejected.md", "rejected.md.j2", (rejected,), rejected=rejected)


_Changed = frozenset[int]
"""The days of an outlet's or tag's changed events (`_Touched`), as `_order` numbers them."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Touched:
    """The tags and outlets named by an event changed since the last build, as it is now or
    as that build published it, with that event's day (then and now): an event changed
    when its `events.json` key differs from the last build's, or it is new, or gone.

    The pages of any other tag, and the month and day pages of any other outlet, have
    the parts they had in the last build: those parts are the tag or outlet and its events'
    entries in order, and an event's entry key holds its story (its day and id: the
    order), its tags and outlets as objects (a tag's or outlet's new name, kind or slug
    changes the key of every event naming it), and the render fingerprint (all of it in
    its `events.json` key). So has a month or day page of a touched tag or outlet when no
    changed event of it falls in that month or day, nor anywhere up to the months or days
    before and after it (whose names it shows: one added or gone between them changes
    them). A page listing no event, or with site-wide parts (an outlet's page: its
    statistics count its articles), is always keyed."""

    tags: Mapping[str, _Changed]
    """By slug."""
    outlets: Mapping[str | None, _Changed]
    """By `source_key`."""


TOUCHED_SHARE = 4
"""Past one event in this many changed, every page's key is worked out (`_touched`):
the changed events as the last build published them are read back from its
`events.json` entries, too many to be worth it (when the render fingerprint changed)."""


def _touched(site: SiteIndex, json_keys: Mapping[str, str], cache: RenderCache) -> _Touched | None:
    """What the events changed since the last build name (`_Touched`), or None when that
    is not known: no state, no keys of the last build's events, or one of their
    `events.json` entries missing."""
    previous = cache.json_keys
    if not previous or not json_keys:
        return None
    changed = [e for e in site.entries if previous.get(e.id) != json_keys[e.id]]
    gone = sorted(previous.keys() - site.by_id.keys())
    if (len(changed) + len(gone)) * TOUCHED_SHARE > len(site.entries):
        return None
    tags: defaultdict[str, set[int]] = defaultdict(set)
    outlets: defaultdict[str | None, set[int]] = defaultdict(set)
    for entry in changed:
        for tag in entry.tags:
            tags[tag.slug].add(_order(entry.date))
        for key in entry.outlets:
            outlets[key].add(_order(entry.date))
    earlier = [*(e.id for e in changed if e.id in previous), *gone]
    entries = _published_entries(cache, [previous[event_id] for event_id in earlier])
    if entries is None:
        return None
    for published in entries:
        day = _order(date.fromisoformat(published["date"]) if published["date"] else None)
        for entity in published["entities"]:
            tags[_tag_slug(entity["page"])].add(day)
        for member in published["members"]:
            outlets[source_key(member["source"])].add(day)
    return _Touched(
        tags={slug: frozenset(days) for slug, days in tags.items()},
        outlets={key: frozenset(days) for key, days in outlets.items()},
    )


PUBLISHED_FIELDS = ("date", "members", "entities")
"""What `_touched` reads of an event as the last build published it."""


def _published_entries(cache: RenderCache, keys: Sequence[str]) -> list[Any] | None:
    """The last build's `events.json` entries of these keys, read from its file
    (`cache.entries_file`, checked by `holds_entries`), their `PUBLISHED_FIELDS` only
    (`_entry_fields`); None when one is not there."""
    source = cache.entries_file
    if source is None or any(key not in cache.entries for key in keys):
        return None
    try:
        with source.open("rb") as file:
            return [_entry_fields(_read_range(file, *cache.entries[key])) for key in keys]
    except (OSError, ValueError):
        return None


_ENTRY_KEY = b'\n      "'
"""How each of an entry's own keys begins (`_event_fragment`: the entry's lines are
indented by four spaces, its keys by two more). Deeper keys and list items are indented
further, and no value holds a newline (`json` escapes it), so this finds its own keys."""


def _entry_fields(entry: bytes) -> dict[str, Any]:
    """The `PUBLISHED_FIELDS` of an `events.json` entry (`_event_fragment`), each decoded
    alone, from its key's line to the next key's (or the entry's end): not the story's
    sentences and differences, most of an entry's bytes. The events a build changes are
    the large ones that gain articles: decoding the whole entries of the +100 build's
    changed events at 100,000 articles took 0.17 s, these fields of them 0.013 s.

    Raises:
        ValueError: one of the fields is not there, or not JSON.
    """
    fields = {}
    for name in PUBLISHED_FIELDS:
        label = _ENTRY_KEY + name.encode("ascii") + b'": '
        start = entry.index(label) + len(label)
        end = entry.find(_ENTRY_KEY, start)
        value = entry[start:end] if end >= 0 else entry[start:].removesuffix(ENTRY_CLOSING)
        fields[name] = json.loads(value.removesuffix(b","))
    return fields


def _read_range(file: BinaryIO, start: int, length: int) -> bytes:
    file.seek(start)
    return file.read(length)


def _tag_slug(page: str) -> str:
    """A tag's slug from its page as `events.json` names it (`tags/<slug>.md`)."""
    return page.removeprefix("tags/").removesuffix(".md")


def _order(day: date | None) -> int:
    """A day as a number, in the order of the listings (undated oldest): its ordinal, 0."""
    return day.toordinal() if day else 0


def _month_order(day: int) -> int:
    """The `_order` of the month of the day numbered `day`."""
    return date.fromordinal(day).replace(day=1).toordinal() if day else 0


def _quiet(changed: Iterable[int], newer: int | None, older: int | None) -> bool:
    """Whether no changed day (or month) lies from the older neighbour of a page to the
    newer one (`_order`), those included; open where there is none."""
    low = -1 if older is None else older
    return not any(low <= day and (newer is None or day <= newer) for day in changed)


class _PageKeys:
    """The key of each page: a hash of what its template reads (see `RenderCache`).

    What is hashed is the JSON text of the page's parts (`json.dumps`, an `Entry` as its
    key), written here piece by piece so that the text of a frozen dataclass (a tag, an
    outlet, a storyline, a day) is made once a build, not once for each page and entry
    showing it: at 100,000 articles the keys of the 14,786 events and their pages shaped
    1.5 million values, most of them the same tags, outlets and storylines again.
    """

    def __init__(self, site: SiteIndex, story_keys: Mapping[str, str], fingerprint: str) -> None:
        self._site = site
        self._story_keys = story_keys
        self._fingerprint = _json_string(fingerprint)
        self._entries: dict[str, str] = {}
        self._texts: dict[int, str] = {}
        """The JSON text of each entry (its key) and frozen dataclass made so far, by `id`:
        the objects are kept alive in `_alive`, so no other object has their `id`."""
        self._alive: list[object] = []

    def of(self, template: str, parts: object) -> str:
        shaped = f"[{self._fingerprint}, {_json_string(template)}, {self._json(parts)}]"
        return hashlib.sha256(shaped.encode("utf-8")).hexdigest()

    def entry(self, entry: Entry) -> str:
        """An event as every page shows it: its story, storyline, tags and outlets."""
        if entry.id not in self._entries:
            outlets = [self._site.sources[key] for key in entry.outlets]
            parts = (entry.id, self._story_keys[entry.id], entry.storyline, entry.tags, outlets)
            self._entries[entry.id] = self.of("entry", parts)
        return self._entries[entry.id]

    def _json(self, value: object) -> str:
        """`json.dumps(shaped, ensure_ascii=False)` of `value` shaped as JSON (tested
        equal): a date as its text, a mapping as its pairs, a dataclass as its class name
        and fields, an `Entry` as its key (`entry`). The values pages are made of most
        (text, entries, lists of them, the frozen dataclasses made already) first, by
        their exact type."""
        if type(value) is str:
            return _json_string(value)
        if type(value) is Entry:
            return self._entry_json(value)
        if type(value) is tuple or type(value) is list:
            # An entry's key or a tag's text without a call, once it is made: the tags and
            # outlets of 14,379 entries at 100,000 articles were 300,000 calls.
            texts = self._texts
            return "[" + ", ".join([texts.get(id(v)) or self._json(v) for v in value]) + "]"
        kept = self._texts.get(id(value))
        if kept is not None:
            return kept
        if isinstance(value, str):
            return _json_string(value)
        if value is None or isinstance(value, int | float):
            return json.dumps(value)
        if isinstance(value, Entry):
            return self._entry_json(value)
        if isinstance(value, date | timedelta):
            return _json_string(str(value))
        if isinstance(value, tuple | list):
            return "[" + ", ".join([self._json(item) for item in value]) + "]"
        if isinstance(value, Mapping):
            pairs = [f"[{self._json(k)}, {self._json(v)}]" for k, v in value.items()]
            return "[" + ", ".join(pairs) + "]"
        if dataclasses.is_dataclass(value) and not isinstance(value, SiteIndex | type):
            return self._dataclass_json(value)
        raise TypeError(f"no page key for a {type(value).__name__}")

    def _entry_json(self, entry: Entry) -> str:
        """The key of `entry` (`entry`) as JSON, looked up by the entry's `id()` (the
        entries live as long as the site index)."""
        text = self._texts.get(id(entry))
        if text is None:
            text = self._texts[id(entry)] = _json_string(self.entry(entry))
            self._alive.append(entry)
        return text

    def _dataclass_json(self, value: DataclassInstance) -> str:
        """Its class name and fields; kept by `id()` when it is frozen (`_json` looks)."""
        kind = type(value)
        fields = [self._json(getattr(value, f)) for f in _fields(kind)]
        text = "[" + ", ".join([_json_string(kind.__name__), *fields]) + "]"
        if _is_frozen(kind):
            self._texts[id(value)] = text
            self._alive.append(value)
        return text


@functools.cache
def _fields(kind: type[Any]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


@functools.cache
def _is_frozen(kind: type[Any]) -> bool:
    return bool(kind.__dataclass_params__.frozen)


class _Pages:
    """The pages of a build as they are rendered, or kept when their key is unchanged."""

    def __init__(
        self,
        env: Environment,
        keys: _PageKeys | None,
        kept: Mapping[str, str],
        sink: PageSink | None = None,
        lines: _EventLines | None = None,
    ) -> None:
        self.env = env
        self.keys = keys
        self.sink = sink
        self.pages: dict[str, str] = {}
        self.kept: set[str] = set()
        self.page_keys: dict[str, str] = {}
        self._reusable = kept
        self._lines = lines or _EventLines(env, {}, {})
        self._templates: dict[str, Template] = {}

    def add(self, path: str, template: str, parts: object, **context: Any) -> None:
        """Render `template` into `path`, unless the page made of `parts` is in the docs.
        The template lists events with `item` and `block` (`_EventLines`)."""
        if self.keys is not None:
            key = self.page_keys[path] = self.keys.of(template, parts)
            if self._reusable.get(path) == key:
                self.kept.add(path)
                return
        lines = self._lines
        page = self._template(template).render(item=lines.item, block=lines.block, **context)
        self.emit(path, page)

    def _template(self, name: str) -> Template:
        """The template `name`, asked of the environment once a build: `get_template`
        looks at the template's file each time (`stat`, Jinja's auto-reload), 1,100 times
        in a build adding 100 articles to 100,000 (0.1 s of 0.9 s rendering its pages)."""
        if name not in self._templates:
            self._templates[name] = self.env.get_template(name)
        return self._templates[name]

    def keep_unseen(self, paths: Sequence[str]) -> bool:
        """Keep these pages, their keys the last build's, without working the keys out,
        when each is in the docs as that build left it: only for pages whose parts cannot
        have changed (`_Touched`). False, nothing kept, when one is not there."""
        if self.keys is None or not all(path in self._reusable for path in paths):
            return False
        for path in paths:
            self.page_keys[path] = self._reusable[path]
        self.kept.update(paths)
        return True

    def emit(self, path: str, *parts: Part) -> None:
        """A page made: to the sink, or held in `pages` without one."""
        if self.sink is not None:
            self.sink(path, parts)
        else:
            self.pages[path] = b"".join(_byte_parts(parts)).decode("utf-8")

    def event_to_render(self, entry: Entry) -> bool:
        """Whether the page of `entry` must be rendered (else it is kept as it is)."""
        path = f"events/{entry.id}.md"
        if self.keys is not None:
            key = self.page_keys[path] = self.keys.of("event.md.j2", self.keys.entry(entry))
            if self._reusable.get(path) == key:
                self.kept.add(path)
                return False
        return True


class _EventLines:
    """An event's line in a list of events (`event_item` of `_macros.j2`) and its block under
    a heading (`event_block`), rendered once a build for each way they are written (from
    a folder, dated or not): an event is listed on the pages of its day, month, outlets
    and tags, the same line on each of them. With a state they are kept from the last
    build while the event's `events.json` key is the same (what the lines are made of:
    its entry, the code and the templates), so a page listing hundreds of events, one of
    them changed, renders that one's line only."""

    def __init__(
        self, env: Environment, keys: Mapping[str, str], known: Mapping[str, Mapping[str, str]]
    ) -> None:
        module = env.get_template("_macros.j2").module
        self._item = module.event_item  # type: ignore[attr-defined]
        self._block = module.event_block  # type: ignore[attr-defined]
        self._keys = keys
        self._known = known
        self._made: defaultdict[str, dict[str, str]] = defaultdict(dict)

    def item(self, entry: Entry, root: str, dated: bool = True) -> Markup:
        return self._line(entry, f"item:{root}:{dated:d}", self._item, root, dated=dated)

    def block(self, entry: Entry, root: str) -> Markup:
        return self._line(entry, f"block:{root}", self._block, root)

    def kept(self) -> dict[str, dict[str, str]]:
        """The lines of this build's events, made or kept, by their `events.json` key."""
        return {
            key: {**self._known.get(key, {}), **self._made.get(event_id, {})}
            for event_id, key in self._keys.items()
            if key in self._known or event_id in self._made
        }

    def _line(self, entry: Entry, way: str, macro: Any, root: str, **options: Any) -> Markup:
        made = self._made[entry.id]
        if way not in made:
            key = self._keys.get(entry.id)
            known = self._known.get(key, {}) if key else {}
            made[way] = known.get(way) or str(macro(entry, root, **options))
        return Markup(made[way])  # noqa: S704 rendered by the templates, article text filtered


def _render_fingerprint(options: RenderOptions) -> str:
    """A hash of what rendering depends on besides the build: digest's code (all of it:
    the pages' shape comes from several modules), its catalogs, the templates, the
    locale and the site's address."""
    return _files_fingerprint(
        options.templates_dir.resolve(), options.locale, options.site_url or ""
    )


@functools.lru_cache(maxsize=4)
def _files_fingerprint(templates_dir: Path, locale: str, site_url: str) -> str:
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(json.dumps([locale, site_url]).encode("utf-8"))
    for root, pattern in ((package, "*.py"), (package / "locales", "*.po"), (templates_dir, "*")):
        for path in sorted(root.rglob(pattern)):
            if path.is_file():
                digest.update(path.relative_to(root).as_posix().encode("utf-8"))
                digest.update(path.read_bytes())
    return digest.hexdigest()


EVENT_PAGES_PER_TASK = 16
"""Event pages rendered per task of the engine: a page takes milliseconds, its event's
pickling a fraction of that."""


def _event_pages(
    entries: Sequence[Entry], site: SiteIndex, options: RenderOptions, engine: Engine | None
) -> Iterator[tuple[Entry, tuple[str, str]]]:
    """Each entry with its page and its `events.json` entry (`_event_fragment`), made on
    `engine` (or here), as they come back, in the order of `entries`."""
    render = functools.partial(_render_event_page, options.templates_dir.resolve(), options.locale)
    items = [(entry, _entry_sources(entry, site)) for entry in entries]
    if engine is None:
        rendered: Iterable[tuple[str, str]] = map(render, items)
    else:
        rendered = engine.imap(render, items, chunksize=EVENT_PAGES_PER_TASK)
    return zip(entries, rendered, strict=True)


EntrySources = dict[str | None, Source]
"""The outlets of an event's members, by `source_key`: what its page needs of the index."""


def _entry_sources(entry: Entry, site: SiteIndex) -> EntrySources:
    keys = dict.fromkeys(source_key(segment.source) for segment in entry.event.segments)
    return {key: site.sources[key] for key in keys}


def _render_event_page(
    templates_dir: Path, locale: str, item: tuple[Entry, EntrySources]
) -> tuple[str, str]:
    """An event's page and its `events.json` entry (in a worker of the engine: the
    environment is made once there)."""
    entry, sources = item
    page = _render_event(_environment(templates_dir, locale), entry, sources)
    return page, _event_fragment(entry)


@functools.lru_cache(maxsize=4)
def _environment(templates_dir: Path, locale: str) -> Environment:
    """Create the one Jinja environment of a build (cached: templates compile once).

    The interface speaks `locale` (`digest.i18n.install_i18n`: gettext, and dates,
    numbers and time spans formatted for it, cached, Markdown-safe).
    """
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=True,
        trim_blocks=True,  # Markdown is whitespace-sensitive: block tags leave no lines
        lstrip_blocks=True,
    )
    env.filters.update(
        md_inline=md_inline,
        md_block=md_block,
        yaml_str=yaml_str,
        md_url=md_url,
        md_title=md_title,
        xml_text=feeds.xml_text,
        rfc822=feeds.rfc822,
        rfc3339=feeds.rfc3339,
        entry_uri=feeds.entry_uri,
        storyline_slug=storyline_slug,
        by_kind=by_kind,
        source_name=functools.partial(
            _source_name, unknown=load_translations(locale).gettext("Unknown source")
        ),
    )
    env.tests["web_url"] = is_web_url
    install_i18n(env, locale)
    env.filters["format_normalized"] = functools.partial(
        _format_normalized,
        format_date=env.filters["format_date"],
        format_number=env.filters["format_number"],
    )
    return env


def _source_name(source: Source, *, unknown: str) -> str:
    """An outlet's name as the pages show it: the one `site_index` gives the articles that
    name no outlet (`UNKNOWN_SOURCE`) in the reader's language, as `unknown`. Plain text:
    each template applies the filter of the context it writes into."""
    return unknown if source.name == UNKNOWN_SOURCE else source.name


def _format_normalized(
    normalized: str,
    *,
    format_date: Callable[[date], Markup],
    format_number: Callable[[Decimal], Markup],
) -> Markup:
    """A difference value's comparable form (`Value.normalized`) as the reader's locale
    writes it: a day (`2020-01-16` → `16 January 2020`), a figure as
    `normalize.format_number` wrote it (`3,500,000` → `3 500 000` in French); anything
    else as it is."""
    if _ISO_DATE.fullmatch(normalized):
        with contextlib.suppress(ValueError):  # not a day of the calendar: shown as it is
            return format_date(date.fromisoformat(normalized))
    if _FIGURE.fullmatch(normalized):
        return format_number(Decimal(normalized.replace(",", "")))
    return md_inline(normalized)


@functools.lru_cache(maxsize=4096)
def md_title(text: str) -> Markup:
    """Reduce text to a Markdown link title that nothing can break out of: letters, digits,
    combining marks, spaces and `.,'’-` only (no quote, bracket, backslash, `<` or `&`).

    Lossy on purpose: a tooltip naming an outlet needs no punctuation, and no escaping
    rule of link titles then has to hold in both Python-Markdown and CommonMark.

    >>> print(md_title('Reuters "wire" (UK) <b>_x_'))
    Reuters wire UK b x

    Cached: it names an outlet in every marker of an event page, and outlets are few.
    """
    kept = "".join(c if _is_title_safe(c) else " " for c in text)
    return Markup(" ".join(kept.split()))  # noqa: S704 only letters, digits and .,'’- left


def _is_title_safe(char: str) -> bool:
    return char.isalnum() or char in " .,'’-" or unicodedata.category(char).startswith("M")


def _render(env: Environment, template: str, **context: Any) -> str:
    return env.get_template(template).render(**context)


def _render_event(env: Environment, entry: Entry, sources: EntrySources) -> str:
    members = tuple(
        _Member(number=n, segment=segment, source=sources[source_key(segment.source)])
        for n, segment in enumerate(entry.event.segments, start=1)
    )
    citations = _Citations(env, members)
    return _render(
        env,
        "event.md.j2",
        entry=entry,
        members=members,
        cite=citations.cite,
        refs=citations.refs,
        cited_sources=citations.cited_sources,
    )


class _Citations:
    """How an event page cites its Sources list: the numbers of the segments carrying a
    statement (`cite`), and their markers (`refs`) and outlets (`cited_sources`), the
    macros of `_macros.j2` rendered once a page for each list of numbers. A page cites the
    same few lists again and again (at 10,000 articles, 54,117 lists on 1,492 pages, 13,733
    of them distinct per page), and the markers were a third of an event page's time."""

    def __init__(self, env: Environment, members: Sequence[_Member]) -> None:
        self._macros = env.get_template("_macros.j2").module
        self._members = members
        self._numbers = {member.segment.id: member.number for member in members}
        self._rendered: dict[tuple[str, tuple[int, ...]], Markup] = {}

    def cite(self, segment_ids: Iterable[str]) -> tuple[int, ...]:
        """The Sources numbers of the segments carrying a statement, in list order."""
        return tuple(sorted({self._numbers[segment_id] for segment_id in segment_ids}))

    def refs(self, numbers: tuple[int, ...]) -> Markup:
        """`refs(numbers, members)` of `_macros.j2`: the markers, each naming its outlet."""
        return self._macro("refs", numbers)

    def cited_sources(self, numbers: tuple[int, ...]) -> Markup:
        """`cited_sources(numbers, members)` of `_macros.j2`: the outlets with their markers."""
        return self._macro("cited_sources", numbers)

    def _macro(self, name: str, numbers: tuple[int, ...]) -> Markup:
        """The macro `name` of `_macros.j2` for `numbers` and the members, rendered once."""
        key = (name, numbers)
        if key not in self._rendered:
            self._rendered[key] = getattr(self._macros, name)(numbers, self._members)
        return self._rendered[key]


def _archive_pages(out: _Pages, site: SiteIndex) -> None:
    """The archive's index, one page per month and one per day (and the undated events)."""
    out.add("archive/index.md", "archive.md.j2", (site.months, site.undated), site=site)
    for newer_month, month, older_month in _neighbours(site.months):
        out.add(
            f"archive/{month.name}.md",
            "month.md.j2",
            (month, _name(newer_month), _name(older_month), MONTH_EVENTS_PER_DAY),
            month=month,
            newer=newer_month,
            older=older_month,
            events_per_day=MONTH_EVENTS_PER_DAY,
        )
    for newer_day, day, older_day in _neighbours(site.days):
        out.add(
            f"archive/{day.name}.md",
            "day.md.j2",
            (day, _name(newer_day), _name(older_day)),
            day=day,
            newer=newer_day,
            older=older_day,
        )
    if site.undated:
        out.add(
            f"archive/{site.undated.name}.md",
            "day.md.j2",
            (site.undated, None, None),
            day=site.undated,
            newer=None,
            older=None,
        )


def _name(neighbour: Day | Month | Period | None) -> str | None:
    """What an archive page shows of the page before or after it: its name (tested)."""
    return neighbour.name if neighbour else None


def _redirect_page(redirect: Redirect) -> str:
    """Where an old event or storyline page was (docs-relative)."""
    if redirect.kind == "event":
        return f"events/{redirect.id}.md"
    return f"storylines/{storyline_slug(redirect.id)}.md"


def _target_page(redirect: Redirect) -> str:
    """Where the reports of an old page are now (docs-relative): the live page that holds
    them, or the briefing (the storylines index) when none does."""
    if redirect.target is None:
        return "index.md" if redirect.kind == "event" else "storylines/index.md"
    if redirect.kind == "event":
        return f"events/{redirect.target}.md"
    return f"storylines/{storyline_slug(redirect.target)}.md"


def _redirect_pages(env: Environment, result: BuildResult) -> dict[str, str]:
    """A small page at each old address, linking (and refreshing) to where it went."""
    titles = {("event", e.id): e.title for e in result.stories.events}
    titles |= {("storyline", s.id): s.title for s in result.storylines}
    pages = {}
    for redirect in result.redirects:
        target = _target_page(redirect)
        pages[_redirect_page(redirect)] = _render(
            env,
            "redirect.md.j2",
            target_title=titles.get((redirect.kind, redirect.target or "")),
            target_page=posixpath.relpath(target, posixpath.dirname(_redirect_page(redirect))),
            redirect=target.removesuffix(".md") + ".html",
        )
    return pages


def _neighbours(items: Sequence[T]) -> list[tuple[T | None, T, T | None]]:
    """Each item with the one before and the one after it (None at the ends)."""
    padded: list[T | None] = [None, *items, None]
    return [(padded[i - 1], item, padded[i + 1]) for i, item in enumerate(items, start=1)]


def _source_pages(out: _Pages, site: SiteIndex, touched: _Touched | None = None) -> None:
    """The sources index, and each outlet's page, month and day pages (those of the months
    and days of an outlet no changed event falls near kept unseen: `_Touched`)."""
    out.add("sources/index.md", "sources.md.j2", (site.sources, site.stats), site=site)
    for key, source in site.sources.items():
        stats, entries = site.stats[key], site.carried.get(key, ())
        months = _paged(entries)
        out.add(
            _listing_path(source, ""),
            "source.md.j2",
            (source, stats, entries[:LISTED_EVENTS], _months_listed(months)),
            source=source,
            stats=stats,
            entries=entries[:LISTED_EVENTS],
            months=months,
        )
        changed = touched.outlets.get(key, frozenset()) if touched else None
        _month_pages(out, source, months, changed)


def _paged(entries: Sequence[Entry]) -> tuple[Period, ...]:
    """The months of a source's or tag's events, when they are more than its page lists."""
    return by_month(entries) if len(entries) > LISTED_EVENTS else ()


def _months_listed(months: Sequence[Period]) -> list[tuple[str, int]]:
    """What a source or tag page shows of its months: each one's name and event count."""
    return [(month.name, len(month.entries)) for month in months]


def _listing_path(owner: Source | Tag, name: str) -> str:
    """A source's or tag's page of a month or day (`name`), or its own page (no name)."""
    kind = "sources" if isinstance(owner, Source) else "tags"
    return f"{kind}/{owner.slug}/{name}.md" if name else f"{kind}/{owner.slug}.md"


def _month_paths(owner: Source | Tag, months: Sequence[Period]) -> list[str]:
    """The pages `_month_pages` makes for these months."""
    paths = []
    for month in months:
        paths.append(_listing_path(owner, month.name))
        paths += [_listing_path(owner, day.name) for day in _split_days(month)]
    return paths


def _month_pages(
    out: _Pages, owner: Source | Tag, months: Sequence[Period], changed: _Changed | None = None
) -> None:
    """A page per month of a source's or tag's events, in a folder of its own: the page
    of a past month keeps its address and its bytes as new events arrive. A month of more
    than `MONTH_LISTED_EVENTS` events lists its days, each with a page of its own.

    With the days of the owner's `changed` events (`_Touched`), a month none falls near
    keeps its pages unseen, and so does a day of a month split into days."""
    kind = "source" if isinstance(owner, Source) else "tag"
    changed_months = None if changed is None else {_month_order(day) for day in changed}
    for newer, month, older in _neighbours(months):
        days = _split_days(month)
        if changed_months is not None and _quiet(
            changed_months, _period_order(newer), _period_order(older)
        ):
            paths = [_listing_path(owner, month.name)]
            if out.keep_unseen(paths + [_listing_path(owner, day.name) for day in days]):
                continue
        listed = [(day.name, len(day.entries)) for day in days] if days else month
        out.add(
            _listing_path(owner, month.name),
            "listing_month.md.j2",
            (owner, month.name, listed, _name(newer), _name(older)),
            owner=owner,
            kind=kind,
            month=month,
            days=days,
            newer=newer,
            older=older,
        )
        _day_pages(out, owner, kind, month, days, changed)


def _period_order(period: Period | None) -> int | None:
    """A month's `_order` (its first day's), or None for no month."""
    return None if period is None else _order(period.first)


def _split_days(month: Period) -> tuple[Day, ...]:
    """The days of a month whose page lists its days rather than its events (none else)."""
    if month.first is None or len(month.entries) <= MONTH_LISTED_EVENTS:
        return ()
    return by_day(month.entries)


def _day_pages(
    out: _Pages,
    owner: Source | Tag,
    kind: str,
    month: Period,
    days: Sequence[Day],
    changed: _Changed | None = None,
) -> None:
    """A page per day of a month split by `_split_days`, beside the month's page (kept
    unseen when no `changed` day falls near it, as `_month_pages`)."""
    for newer, day, older in _neighbours(days):
        near = (None if d is None else _order(d.date) for d in (newer, older))
        quiet = changed is not None and _quiet(changed, *near)
        if quiet and out.keep_unseen([_listing_path(owner, day.name)]):
            continue
        out.add(
            _listing_path(owner, day.name),
            "listing_day.md.j2",
            (owner, month.name, day, _name(newer), _name(older)),
            owner=owner,
            kind=kind,
            month=month,
            day=day,
            newer=newer,
            older=older,
        )


def _storyline_pages(out: _Pages, site: SiteIndex) -> None:
    out.add("storylines/index.md", "storylines.md.j2", (site.timelines,), site=site)
    for timeline in site.timelines:
        out.add(
            f"storylines/{storyline_slug(timeline.storyline.id)}.md",
            "storyline.md.j2",
            (timeline,),
            timeline=timeline,
        )


def _tag_pages(out: _Pages, site: SiteIndex, touched: _Touched | None = None) -> None:
    """The tags index and its initials' pages, and each tag's page, month and day pages
    (those of a tag no changed event names, and of the months and days no changed event
    falls near, kept unseen: `_Touched`)."""
    counts = {tag.slug: len(site.tagged[tag.slug]) for tag in site.tags}
    initials = _by_initial(site.tags) if _many_tags(site.tags) else {}
    listed = (
        [t for _, group in by_kind(site.tags) for t in group[:INDEX_TAGS]]
        if initials
        else site.tags
    )
    out.add(
        "tags/index.md",
        "tags.md.j2",
        ([(tag, counts[tag.slug]) for tag in listed], list(initials)),
        tags=listed,
        counts=counts,
        initials=list(initials),
    )
    for initial, tags in initials.items():
        out.add(
            f"tags/index/{initial}.md",
            "tags_initial.md.j2",
            (initial, [(tag, counts[tag.slug]) for tag in tags]),
            initial=initial,
            tags=tags,
            counts=counts,
        )
    for tag in site.tags:
        entries = site.tagged[tag.slug]
        months = _paged(entries)
        untouched = touched is not None and tag.slug not in touched.tags
        if untouched and out.keep_unseen([_listing_path(tag, ""), *_month_paths(tag, months)]):
            continue
        out.add(
            _listing_path(tag, ""),
            "tag.md.j2",
            (tag, len(entries), entries[:LISTED_EVENTS], _months_listed(months)),
            tag=tag,
            count=len(entries),
            entries=entries[:LISTED_EVENTS],
            months=months,
        )
        _month_pages(out, tag, months, touched.tags.get(tag.slug) if touched else None)


def _many_tags(tags: Sequence[Tag]) -> bool:
    """Whether some kind has more tags than the tags index lists."""
    return any(len(group) > INDEX_TAGS for _, group in by_kind(tags))


def _by_initial(tags: Sequence[Tag]) -> dict[str, list[Tag]]:
    """The tags on each initial's page (`INITIALS` order, none empty), in their order."""
    pages: dict[str, list[Tag]] = {initial: [] for initial in INITIALS}
    for tag in tags:
        pages[_initial(tag.name)].append(tag)
    return {initial: group for initial, group in pages.items() if group}


def _initial(name: str) -> str:
    """The initial page of a name: its first letter without accents if Latin, `0-9`, or
    `other`.

    >>> _initial("Élysée"), _initial("2020 Games"), _initial("Москва")
    ('e', '0-9', 'other')
    """
    first = unicodedata.normalize("NFKD", name.strip()[:1])[:1].lower()
    if first.isascii() and first.isalpha():
        return first
    return "0-9" if first.isascii() and first.isdigit() else "other"


def _feeds(out: _Pages, site: SiteIndex, *, locale: str, site_url: str | None) -> None:
    """The newest events as RSS 2.0 (`feed.xml`) and Atom 1.0 (`atom.xml`)."""
    entries = feeds.newest(site.days)
    context = {
        "entries": entries,
        "updated": entries[0].date if entries else None,
        "language": feeds.language_tag(locale),
        "site_url": site_url,
        "link": functools.partial(feeds.link, site_url=site_url),
        "feed_id": feeds.entry_uri(":feed"),  # ":" is in no event id: no item shares it
        "outlets": lambda entry: [site.sources[key] for key in entry.outlets],
    }
    parts = (entries, [[site.sources[key] for key in entry.outlets] for entry in entries])
    out.add("feed.xml", "feed.xml.j2", parts, **context)
    out.add("atom.xml", "atom.xml.j2", parts, **context)


# --- Writing ----------------------------------------------------------------------------


def write_docs(pages: Mapping[str, str], docs_dir: Path, kept: Iterable[str] = ()) -> list[Path]:
    """Write the generated pages into the docs dir, touching only what changed.

    `DocsWriter` given every page, then finished: see there.

    Returns:
        The files written, sorted.

    Raises:
        ValueError: a page path is outside the generated files (a bug in the caller).
    """
    writer = DocsWriter(docs_dir)
    for path in sorted(pages):
        writer(path, (pages[path],))
    return writer.finish(kept)


class DocsWriter:
    """Writes generated pages into a docs dir one at a time, as `render_site` makes them
    (a `PageSink`), then `finish`es the dir: nothing waits in memory to be written.

    Unchanged files keep their bytes and mtime (`mkdocs serve` rebuilds on mtime), and
    each write is atomic (a temporary dot-file, which MkDocs ignores, then a rename).
    A page's text may come in pieces (`events.json`'s entries): it is compared and
    written a piece at a time, never joined.

    A page with `FileRange`s (`events.json` in a build with a state: hundreds of MB
    copied by the kernel, half a second at 100,000 articles) is written on a thread of
    the writer's while the caller goes on rendering; the copy runs without the GIL. Only
    such a page: any other is written in small pieces, each system call needing the GIL
    back from the rendering thread (a thread writing every page gained nothing). It is
    waited for by the next such page, by `finish`, and by `close` (leaving the writer as
    a context manager), which raise its error: used as a context manager, a build that
    fails leaves no write going on in the docs dir.
    """

    def __init__(self, docs_dir: Path) -> None:
        self.docs_dir = docs_dir
        self._paths: set[str] = set()
        self._written: list[Path] = []
        self._copier = ThreadPoolExecutor(max_workers=1, thread_name_prefix="docs-copy")
        self._copying: tuple[Path, Future[bool]] | None = None

    def __enter__(self) -> DocsWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def paths(self) -> frozenset[str]:
        """The pages given so far, by path in the docs dir."""
        return frozenset(self._paths)

    def __call__(self, path: str, parts: Sequence[Part]) -> None:
        """Write the page at `path` (relative to the docs dir) unless it holds `parts`;
        one with `FileRange`s on the writer's thread (see the class).

        Raises:
            ValueError: `path` is outside the generated files (a bug in the caller).
            OSError: the last page written on the thread could not be written.
        """
        _check_generated_path(path)
        self._paths.add(path)
        if any(isinstance(part, FileRange) for part in parts):
            self._wait_for_copy()
            copying = self._copier.submit(_write_if_changed, self.docs_dir / path, parts)
            self._copying = (self.docs_dir / path, copying)
        elif _write_if_changed(self.docs_dir / path, parts):
            self._written.append(self.docs_dir / path)

    def close(self) -> None:
        """Wait for the page being written on the writer's thread, if any, and stop the
        thread.

        Raises:
            OSError: that page could not be written.
        """
        try:
            self._wait_for_copy()
        finally:
            self._copier.shutdown()

    def finish(self, kept: Iterable[str] = ()) -> list[Path]:
        """Wait for the page being written on the writer's thread (`close`), remove the
        generated files of earlier builds that this one did not write or keep, and copy
        the project's hand-written pages in when the docs dir is not the project's own
        (so the navigation finds them).

        The `kept` pages (`RenderedSite.kept`) are left as they are, neither read nor
        removed; only `GENERATED_FILES` and files under `GENERATED_DIRS` are ever deleted.

        Returns:
            The files written, sorted.
        """
        self.close()
        hand_written = {}
        if self.docs_dir.resolve() != PROJECT_DOCS.resolve():
            hand_written = _hand_written_pages(PROJECT_DOCS)
        for path in sorted(hand_written):
            if _write_if_changed(self.docs_dir / path, [hand_written[path]]):
                self._written.append(self.docs_dir / path)
        _remove_stale(self.docs_dir, keep={*self._paths, *hand_written, *kept})
        return sorted(self._written)

    def _wait_for_copy(self) -> None:
        """Wait for the page being written on the writer's thread, if any.

        Raises:
            OSError: it could not be written.
        """
        if self._copying is None:
            return
        path, copying = self._copying
        self._copying = None
        if copying.result():
            self._written.append(path)


def page_stamps(docs_dir: Path, paths: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """The stamp (size, mtime in nanoseconds) of each of these docs files there is.

    Not the inode: a copy of the docs that keeps the times (`cp -a`, `rsync -a`, the
    bench's kept builds) keeps what was rendered too.
    """
    stamps: dict[str, tuple[int, ...]] = {}
    root = str(docs_dir)
    for path in paths:
        try:
            status = os.stat(f"{root}/{path}")  # noqa: PTH116 no `Path` made: 40,000 files
        except OSError:
            continue
        stamps[path] = (status.st_size, status.st_mtime_ns)
    return stamps


def file_stamp(path: Path) -> tuple[int, ...] | None:
    """The stamp of a file as `page_stamps` makes it; None if there is none."""
    try:
        status = path.stat()
    except OSError:
        return None
    return (status.st_size, status.st_mtime_ns)


ENTRY_OPENING = b'    {\n      "id": '
ENTRY_CLOSING = b"\n    }"
"""How every entry of `events.json` begins and ends (`_event_fragment`, tested)."""


def holds_entries(
    path: Path, stamp: tuple[int, ...], ranges: Mapping[str, tuple[int, int]]
) -> bool:
    """Whether the file at `path` is the `events.json` whose entries lie at `ranges`: it has
    the `stamp` recorded after it was written, and each range begins and ends as an entry
    does (a few bytes read at each: a file edited within its time stamp's granularity, its
    size kept, is not copied from in pieces cut in the wrong places)."""
    if file_stamp(path) != stamp:
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        return all(
            os.pread(fd, len(ENTRY_OPENING), start) == ENTRY_OPENING
            and os.pread(fd, len(ENTRY_CLOSING), start + length - len(ENTRY_CLOSING))
            == ENTRY_CLOSING
            for start, length in ranges.values()
        )
    finally:
        os.close(fd)


def intact_pages(
    docs_dir: Path, recorded: Mapping[str, tuple[str, tuple[int, ...]]]
) -> dict[str, str]:
    """The key of each recorded page whose file still has the stamp recorded after it was
    written: a file written since (by hand, by a build without the state) is made again.

    Args:
        docs_dir: the published docs.
        recorded: each page's key and stamp, by path (the build state's).
    """
    stamps = page_stamps(docs_dir, recorded)
    return {path: key for path, (key, stamp) in recorded.items() if stamps.get(path) == stamp}


def _check_generated_path(path: str) -> None:
    parts = path.split("/")
    if not _is_generated(path) or any(part in {"", ".", ".."} for part in parts):
        raise ValueError(f"not a generated docs path: {path!r}")


def _is_generated(path: str) -> bool:
    top, _, rest = path.partition("/")
    return path in GENERATED_FILES or (top in GENERATED_DIRS and bool(rest))


def _hand_written_pages(project_docs: Path) -> dict[str, bytes]:
    """The project's own docs files (About, stylesheets): everything not generated."""
    if not project_docs.is_dir():
        return {}
    pages = {}
    for path in sorted(project_docs.rglob("*")):
        relative = path.relative_to(project_docs).as_posix()
        hidden = any(part.startswith(".") for part in path.relative_to(project_docs).parts)
        if path.is_file() and not hidden and not _is_generated(relative):
            pages[relative] = path.read_bytes()
    return pages


def _write_if_changed(path: Path, parts: Sequence[Part]) -> bool:
    """Write `parts` one after the other into `path` (a temporary file, then a rename)
    unless the file holds them already. Each part is encoded (text as UTF-8) when it is
    compared or written, so a file in many parts is never held whole; a `FileRange` is
    copied from its file by the kernel (`_copy_range`), never read into this process."""
    with _Sources() as sources:
        if _holds(path, parts, sources):
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        with temporary.open("wb", buffering=0) as file:
            for part in parts:
                if isinstance(part, FileRange):
                    _copy_range(sources.fd(part.path), file.fileno(), part.start, part.length)
                else:
                    _write_all(file.fileno(), _as_bytes(part))
        temporary.replace(path)
    return True


class _Sources(contextlib.ExitStack):
    """The files `FileRange`s are read from, each opened once (and checked long enough:
    a range past its end means the file is not the one the ranges were recorded in)."""

    def __init__(self) -> None:
        super().__init__()
        self._fds: dict[Path, int] = {}

    def fd(self, path: Path) -> int:
        if path not in self._fds:
            fd = os.open(path, os.O_RDONLY)
            self.callback(os.close, fd)
            self._fds[path] = fd
        return self._fds[path]


RANGE_CHUNK = 1 << 20
"""Bytes of a `FileRange` read at a time where one is read (compared, or copied without
`os.copy_file_range`)."""


def _copy_range(source: int, destination: int, start: int, length: int) -> None:
    """Append `length` bytes of the file `source` from `start` to `destination` (both
    descriptors), by `os.copy_file_range` where the system has it (the kernel copies, or
    shares the blocks), else a chunk at a time.

    Raises:
        OSError: the source ends before the range does.
    """
    end = start + length
    if hasattr(os, "copy_file_range"):
        with contextlib.suppress(OSError):  # another file system, an old kernel: read it
            while start < end:
                copied = os.copy_file_range(source, destination, end - start, start)
                if not copied:
                    break
                start += copied
    for chunk in _range_chunks(source, start, end - start):
        _write_all(destination, chunk)


def _write_all(destination: int, data: bytes) -> None:
    """Write all of `data` (a write may take only part of it) where `destination` is."""
    view = memoryview(data)
    while view:
        view = view[os.write(destination, view) :]


def _range_chunks(source: int, start: int, length: int) -> Iterator[bytes]:
    """The bytes of a range, `RANGE_CHUNK` at a time.

    Raises:
        OSError: the file ends before the range does.
    """
    end = start + length
    while start < end:
        chunk = os.pread(source, min(RANGE_CHUNK, end - start), start)
        if not chunk:
            raise OSError(f"a range of {length} bytes runs past the end of its file")
        yield chunk
        start += len(chunk)


def _holds(path: Path, parts: Sequence[Part], sources: _Sources) -> bool:
    """Whether the file at `path` holds `parts` one after the other and nothing else
    (read a part at a time; a range of this very file at the same offset is the same)."""
    try:
        with path.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            for part in parts:
                if not _holds_part(file, path, size, part, sources):
                    return False
            return file.tell() == size
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return False


def _holds_part(file: BinaryIO, path: Path, size: int, part: Part, sources: _Sources) -> bool:
    if not isinstance(part, FileRange):
        data = _as_bytes(part)
        return file.read(len(data)) == data
    at = file.tell()
    if at + part.length > size:
        return False
    if part.path == path and part.start == at:
        file.seek(part.length, os.SEEK_CUR)
        return True
    source = sources.fd(part.path)
    return all(
        file.read(len(chunk)) == chunk for chunk in _range_chunks(source, part.start, part.length)
    )


def _byte_parts(parts: Iterable[Part]) -> Iterator[bytes]:
    """Each part as bytes (a `FileRange` read from its file)."""
    for part in parts:
        if isinstance(part, FileRange):
            with part.path.open("rb") as file:
                yield b"".join(_range_chunks(file.fileno(), part.start, part.length))
        else:
            yield _as_bytes(part)


def _as_bytes(part: str | bytes) -> bytes:
    """A part of a page as it is written: text as UTF-8."""
    return part.encode("utf-8") if isinstance(part, str) else part


def _remove_stale(docs_dir: Path, *, keep: set[str]) -> None:
    """Delete generated files not in `keep`, then the generated folders left empty."""
    stale = [docs_dir / name for name in GENERATED_FILES if name not in keep]
    emptied: list[str] = []
    for folder in GENERATED_DIRS:
        stale += [docs_dir / path for path in _stale_files(docs_dir, folder, keep, emptied)]
    for path in sorted(stale):
        if path.is_file():
            log.info("removing stale generated file %s", path)
            path.unlink()
    for directory in emptied:
        (docs_dir / directory).rmdir()


def _stale_files(docs_dir: Path, folder: str, keep: set[str], emptied: list[str]) -> list[str]:
    """The files under `folder` (a path in the docs dir) not in `keep`; the folders that
    hold nothing else, `folder` too, are added to `emptied`, each after those inside it.

    One walk of `os.scandir`, whose entries tell a file from a folder without a `stat`
    (at 100,000 articles the docs hold 40,000 files in 5,000 folders); symbolic links
    are not followed into, and are left, as before.
    """
    stale: list[str] = []
    others = 0
    try:
        with os.scandir(docs_dir / folder) as entries:
            listed = list(entries)
    except FileNotFoundError:
        return []
    for entry in listed:
        path = f"{folder}/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            stale += _stale_files(docs_dir, path, keep, emptied)
            others += not emptied or emptied[-1] != path  # emptied: the last one added
        elif entry.is_file() and path not in keep:
            stale.append(path)
        else:
            others += 1
    if not others:
        emptied.append(folder)
    return stale
