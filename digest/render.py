"""Stage 8: turn a `BuildResult` into the site's Markdown pages, feeds and `events.json`.

This is the only module that writes into the docs dir. Article text is untrusted
(STYLE §7): it reaches a template only as data, through the filters of
`digest/markdown_text.py`, each named for the context it writes into (and `xml_text`
in the feeds, whose templates are autoescaped XML).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import posixpath
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from digest import feeds
from digest.config import PROJECT_ROOT
from digest.engine import Engine
from digest.i18n import install_i18n, load_translations
from digest.markdown_text import is_web_url, md_block, md_inline, md_url, yaml_str
from digest.model import BuildResult, Difference, Redirect, Rejected, Segment
from digest.site_index import (
    UNKNOWN_SOURCE,
    Entry,
    SiteIndex,
    Source,
    by_kind,
    index_site,
    source_key,
)
from digest.slugs import RESERVED_SLUGS

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
    event_ids = [story.event.id for story in result.stories]
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
    named = {s.event.storyline for s in result.stories if s.event.storyline} - set(storyline_ids)
    listed = {i for storyline in result.storylines for i in storyline.event_ids} - set(event_ids)
    if named or listed:
        raise ValueError(f"unknown storylines {sorted(named)} or events {sorted(listed)}")


# --- events.json ------------------------------------------------------------------------


def events_json(
    result: BuildResult, index: SiteIndex | None = None, events: Sequence[str] | None = None
) -> str:
    """Serialise the build as `events.json` (schema 1 of DESIGN.md), newest event first.

    Deterministic: events are sorted by date then id, storylines by id, rejected inputs by
    file and line; the order inside an event is the model's own.

    Args:
        result: the pipeline's output.
        index: the same build indexed (`index_site`), when the caller has it already.
        events: each entry's `event_json_text`, in the order of `index.entries`, when the
            caller has them already (the engine's workers make them with the pages).
    """
    index = index or index_site(result)
    if events is None:
        events = [event_json_text(entry) for entry in index.entries]
    document = {
        "schema": SCHEMA_VERSION,
        "events": _EVENTS_SLOT,
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
    text = json.dumps(document, ensure_ascii=False, indent=2)
    # the first occurrence: "events" is the second key, after the schema's number
    head, tail = text.split(json.dumps(_EVENTS_SLOT), 1)
    if not events:
        return f"{head}[]{tail}\n"
    parts = [head, "[\n"]
    for event in events:  # one join at the end: the 100,000-article file is 255 MB
        parts += (event, ",\n")
    parts[-1] = "\n  ]"
    return "".join([*parts, tail, "\n"])


_EVENTS_SLOT = "\x00events\x00"
"""Stands for the events in the document dumped around them: no string of the build can
dump to the same text (its quotes and `\\` would be escaped)."""
_EVENT_INDENT = " " * 4
"""Where `json.dumps(…, indent=2)` writes the lines of an element of the events array."""


def event_json_text(entry: Entry) -> str:
    """One event of `events.json` as `json.dumps(…, indent=2)` writes it in the events
    array: dumped alone, every line moved in by `_EVENT_INDENT` (a JSON text has no line
    break inside a string). Made with the event's page (in parallel), then joined."""
    text = json.dumps(_event_json(entry), ensure_ascii=False, indent=2)
    return _EVENT_INDENT + text.replace("\n", "\n" + _EVENT_INDENT)


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
    _check_ids(result)
    env = _environment(templates_dir.resolve(), locale)
    site = index_site(result, engine)
    rejected = _sorted_rejected(result.rejected)
    event_pages, event_texts = _event_pages(site, templates_dir.resolve(), locale, engine)
    pages = {
        "index.md": _render(
            env,
            "index.md.j2",
            site=site,
            rejected=rejected,
            latest=site.days[0] if site.days else site.undated,
            earlier=site.days[1 : 1 + HOME_EARLIER_DAYS],
            lead_events=HOME_LEAD_EVENTS,
            earlier_events=HOME_EARLIER_EVENTS,
        ),
        "rejected.md": _render(env, "rejected.md.j2", rejected=rejected),
        "events.json": events_json(result, site, event_texts),
        **_feeds(env, site, locale=locale, site_url=site_url),
        **_archive_pages(env, site),
        **_source_pages(env, site),
        **_storyline_pages(env, site),
        **_tag_pages(env, site),
    }
    pages.update(event_pages)
    pages.update(_redirect_pages(env, result))
    return pages


EVENT_PAGES_PER_TASK = 16
"""Event pages rendered per task of the engine: a page takes milliseconds, its event's
pickling a fraction of that."""


def _event_pages(
    site: SiteIndex, templates_dir: Path, locale: str, engine: Engine | None
) -> tuple[dict[str, str], list[str]]:
    """Each event's page keyed by its path, and its `event_json_text` in entry order,
    made on `engine` (or here)."""
    render = functools.partial(_render_event_page, templates_dir, locale)
    items = [(entry, _entry_sources(entry, site)) for entry in site.entries]
    if engine is None:
        rendered = [render(item) for item in items]
    else:
        rendered = engine.map(render, items, chunksize=EVENT_PAGES_PER_TASK)
    pages = {
        f"events/{entry.id}.md": page
        for entry, (page, _) in zip(site.entries, rendered, strict=True)
    }
    return pages, [text for _, text in rendered]


EntrySources = dict[str | None, Source]
"""The outlets of an event's members, by `source_key`: what its page needs of the index."""


def _entry_sources(entry: Entry, site: SiteIndex) -> EntrySources:
    keys = dict.fromkeys(source_key(segment.source) for segment in entry.event.segments)
    return {key: site.sources[key] for key in keys}


def _render_event_page(
    templates_dir: Path, locale: str, item: tuple[Entry, EntrySources]
) -> tuple[str, str]:
    """An event's page and its `event_json_text` (in a worker of the engine: the
    environment is made once there)."""
    entry, sources = item
    page = _render_event(_environment(templates_dir, locale), entry, sources)
    return page, event_json_text(entry)


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


def md_title(text: str) -> Markup:
    """Reduce text to a Markdown link title that nothing can break out of: letters, digits,
    combining marks, spaces and `.,'’-` only (no quote, bracket, backslash, `<` or `&`).

    Lossy on purpose: a tooltip naming an outlet needs no punctuation, and no escaping
    rule of link titles then has to hold in both Python-Markdown and CommonMark.

    >>> print(md_title('Reuters "wire" (UK) <b>_x_'))
    Reuters wire UK b x
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
    numbers = {member.segment.id: member.number for member in members}

    def cite(segment_ids: Iterable[str]) -> list[int]:
        """The Sources numbers of the segments carrying a statement, in list order."""
        return sorted({numbers[segment_id] for segment_id in segment_ids})

    return _render(env, "event.md.j2", entry=entry, members=members, cite=cite)


def _archive_pages(env: Environment, site: SiteIndex) -> dict[str, str]:
    """The archive's index, one page per month and one per day (and the undated events)."""
    pages = {"archive/index.md": _render(env, "archive.md.j2", site=site)}
    for newer_month, month, older_month in _neighbours(site.months):
        pages[f"archive/{month.name}.md"] = _render(
            env,
            "month.md.j2",
            month=month,
            newer=newer_month,
            older=older_month,
            events_per_day=MONTH_EVENTS_PER_DAY,
        )
    for newer_day, day, older_day in _neighbours(site.days):
        pages[f"archive/{day.name}.md"] = _render(
            env, "day.md.j2", day=day, newer=newer_day, older=older_day
        )
    if site.undated:
        pages[f"archive/{site.undated.name}.md"] = _render(
            env, "day.md.j2", day=site.undated, newer=None, older=None
        )
    return pages


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
    titles = {("event", s.event.id): s.event.title for s in result.stories}
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


def _source_pages(env: Environment, site: SiteIndex) -> dict[str, str]:
    pages = {"sources/index.md": _render(env, "sources.md.j2", site=site)}
    for key, source in site.sources.items():
        pages[f"sources/{source.slug}.md"] = _render(
            env,
            "source.md.j2",
            source=source,
            stats=site.stats[key],
            entries=site.carried.get(key, ()),
        )
    return pages


def _storyline_pages(env: Environment, site: SiteIndex) -> dict[str, str]:
    pages = {"storylines/index.md": _render(env, "storylines.md.j2", site=site)}
    for timeline in site.timelines:
        pages[f"storylines/{storyline_slug(timeline.storyline.id)}.md"] = _render(
            env, "storyline.md.j2", timeline=timeline
        )
    return pages


def _tag_pages(env: Environment, site: SiteIndex) -> dict[str, str]:
    pages = {"tags/index.md": _render(env, "tags.md.j2", site=site)}
    for tag in site.tags:
        pages[f"tags/{tag.slug}.md"] = _render(
            env, "tag.md.j2", tag=tag, entries=site.tagged[tag.slug]
        )
    return pages


def _feeds(
    env: Environment, site: SiteIndex, *, locale: str, site_url: str | None
) -> dict[str, str]:
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
    return {
        "feed.xml": _render(env, "feed.xml.j2", **context),
        "atom.xml": _render(env, "atom.xml.j2", **context),
    }


# --- Writing ----------------------------------------------------------------------------


def write_docs(pages: Mapping[str, str], docs_dir: Path) -> list[Path]:
    """Write the generated pages into the docs dir, touching only what changed.

    Unchanged files keep their bytes and mtime (`mkdocs serve` rebuilds on mtime), and
    each write is atomic (a temporary dot-file, which MkDocs ignores, then a rename).
    Generated files of earlier builds that are no longer produced are removed; only
    `GENERATED_FILES` and files under `GENERATED_DIRS` are ever deleted. When the docs
    dir is not the project's own, the project's hand-written pages are copied in too, so
    the navigation finds them.

    Returns:
        The files written, sorted.

    Raises:
        ValueError: a page path is outside the generated files (a bug in the caller).
    """
    files = {path: text.encode("utf-8") for path, text in pages.items()}
    for path in files:
        _check_generated_path(path)
    if docs_dir.resolve() != PROJECT_DOCS.resolve():
        files = _hand_written_pages(PROJECT_DOCS) | files
    written = [
        docs_dir / path for path in sorted(files) if _write_if_changed(docs_dir / path, files[path])
    ]
    _remove_stale(docs_dir, keep=set(files))
    return written


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


def _write_if_changed(path: Path, content: bytes) -> bool:
    if path.is_file() and path.read_bytes() == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(content)
    temporary.replace(path)
    return True


def _remove_stale(docs_dir: Path, *, keep: set[str]) -> None:
    """Delete generated files not in `keep`, then the generated folders left empty."""
    stale = [docs_dir / name for name in GENERATED_FILES if name not in keep]
    for folder in GENERATED_DIRS:
        stale += [
            path
            for path in (docs_dir / folder).rglob("*")
            if path.is_file() and path.relative_to(docs_dir).as_posix() not in keep
        ]
    for path in sorted(stale):
        if path.is_file():
            log.info("removing stale generated file %s", path)
            path.unlink()
    for folder in GENERATED_DIRS:
        directories = [p for p in (docs_dir / folder).rglob("*") if p.is_dir()]
        for directory in sorted([*directories, docs_dir / folder], reverse=True):
            if directory.is_dir() and not any(directory.iterdir()):
                directory.rmdir()
