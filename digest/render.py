"""Stage 8: turn a `BuildResult` into the site's Markdown pages and `events.json`.

This is the only module that writes into the docs dir. Article text is untrusted
(STYLE §7): it reaches a template only as data, through the filters of
`digest/markdown_text.py`, each named for the context it writes into.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import logging
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from digest.config import PROJECT_ROOT
from digest.markdown_text import is_web_url, md_block, md_inline, md_url, yaml_str
from digest.model import (
    BuildResult,
    Difference,
    Rejected,
    Segment,
    Story,
    Storyline,
)

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1  # events.json "schema"; bump on any incompatible change (DESIGN.md)
PROJECT_DOCS = PROJECT_ROOT / "docs"
"""The project's own docs dir: hand-written pages live here beside the generated ones."""
GENERATED_DIRS = ("events", "sources", "storylines")
GENERATED_FILES = ("index.md", "rejected.md", "events.json")
"""Everything `write_docs` may create or delete; all other docs files are hand-written."""

UNKNOWN_SOURCE = "Unknown source"
UNKNOWN_SOURCE_SLUG = "unknown-source"
MAX_SLUG_LENGTH = 80  # keeps `sources/<slug>.md` well under any file system's name limit
_RESERVED_SLUGS = frozenset(
    {"index"}  # sources/index.md is the sources index itself
    | {"con", "prn", "aux", "nul"}  # Windows device names, even with an extension
    | {f"{device}{n}" for device in ("com", "lpt") for n in range(1, 10)}
)
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
"""Event and storyline ids become file names: no dots, slashes or leading hyphen."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Source:
    """An outlet as the site shows it: a display name and a safe page slug."""

    name: str
    slug: str


@dataclass(frozen=True, slots=True, kw_only=True)
class _Entry:
    """An event as the index pages list it."""

    story: Story
    source_count: int
    """Distinct articles among the members: two sections of one roundup count once."""
    report_count: int
    """Independent reports among them: copies of one wire story count once."""
    storyline: Storyline | None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Member:
    """One member segment of an event, numbered as in the event page's Sources list."""

    number: int
    segment: Segment
    source: _Source


@dataclass(frozen=True, slots=True, kw_only=True)
class _Site:
    """The build indexed for the pages: what links where, and the counts they show."""

    entries: tuple[_Entry, ...]
    """Newest first."""
    by_id: Mapping[str, _Entry]
    sources: Mapping[str | None, _Source]
    """Keyed by the outlet name as `_source_key` normalises it; None for an unknown outlet."""
    carried: Mapping[str | None, tuple[_Entry, ...]]
    """The events each outlet carried, newest first."""
    articles: Mapping[str | None, int]
    """How many articles each outlet had read."""


# --- Slugs and ids ----------------------------------------------------------------------


def source_slug(name: str | None) -> str:
    """Make the file name of an outlet's page: ASCII, lowercase, hyphens, at most 80 chars.

    The result is always a plain file name: never empty, never `..` or a path, never a
    Windows device name, never `index` (the sources index).

    >>> source_slug("The Moscow Times"), source_slug("Le Monde — édition")
    ('the-moscow-times', 'le-monde-edition')
    >>> source_slug("../../etc"), source_slug("CON"), source_slug(None)
    ('etc', 'con-source', 'unknown-source')
    >>> source_slug("Аль-Джазира")  # nothing ASCII to keep: a stable hash instead
    'source-0c2638b459'
    """
    if name is None or not name.strip():
        return UNKNOWN_SOURCE_SLUG
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    slug = slug[:MAX_SLUG_LENGTH].rstrip("-")
    if not slug:
        return f"source-{_short_hash(name)}"
    return f"{slug}-source" if slug in _RESERVED_SLUGS else slug


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def _source_key(name: str | None) -> str | None:
    """Normalise an outlet name for grouping: `"Reuters "` and `"Reuters"` are one outlet."""
    collapsed = " ".join(name.split()) if name else ""
    return collapsed or None


def _sources(keys: Iterable[str | None]) -> dict[str | None, _Source]:
    """Give each outlet a unique slug; on a clash the later name (sorted) gets a hash suffix."""
    sources: dict[str | None, _Source] = {}
    taken: set[str] = set()
    for key in sorted(set(keys), key=lambda k: (k is not None, k or "")):
        slug = source_slug(key)
        if slug in taken:
            slug = f"{slug[: MAX_SLUG_LENGTH - 11]}-{_short_hash(key or '')}"
        taken.add(slug)
        sources[key] = _Source(name=key or UNKNOWN_SOURCE, slug=slug)
    return sources


def _check_ids(result: BuildResult) -> None:
    """Refuse ids that would lose a page or a link: unsafe as file names, repeated, dangling."""
    event_ids = [story.event.id for story in result.stories]
    storyline_ids = [storyline.id for storyline in result.storylines]
    for kind, ids in (("event", event_ids), ("storyline", storyline_ids)):
        unsafe = sorted(i for i in ids if not _SAFE_ID.fullmatch(i))
        repeated = sorted(i for i, n in Counter(ids).items() if n > 1)
        if unsafe or repeated:
            raise ValueError(f"{kind} ids unsafe {unsafe} or repeated {repeated}")
    named = {s.event.storyline for s in result.stories if s.event.storyline} - set(storyline_ids)
    listed = {i for storyline in result.storylines for i in storyline.event_ids} - set(event_ids)
    if named or listed:
        raise ValueError(f"unknown storylines {sorted(named)} or events {sorted(listed)}")


# --- events.json ------------------------------------------------------------------------


def events_json(result: BuildResult) -> str:
    """Serialise the build as `events.json` (schema 1 of DESIGN.md), newest event first.

    Deterministic: events are sorted by date then id, storylines by id, rejected inputs by
    file and line; the order inside an event is the model's own.
    """
    document = {
        "schema": SCHEMA_VERSION,
        "events": [_event_json(story) for story in _newest_first(result.stories)],
        "storylines": [
            {
                "id": storyline.id,
                "title": storyline.title,
                "page": f"storylines/{storyline.id}.md",
                "events": list(storyline.event_ids),
            }
            for storyline in sorted(result.storylines, key=lambda s: s.id)
        ],
        "rejected": [
            {"input": r.input, "line": r.line, "reason": r.reason}
            for r in _sorted_rejected(result.rejected)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _event_json(story: Story) -> dict[str, Any]:
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


def _newest_first(stories: Iterable[Story]) -> list[Story]:
    """Newest event first, undated events last, ties by id: the same order on every build."""
    return sorted(
        stories,
        key=lambda s: (s.event.date is None, -(s.event.date or date.min).toordinal(), s.event.id),
    )


def _sorted_rejected(rejected: Iterable[Rejected]) -> list[Rejected]:
    return sorted(rejected, key=lambda r: (r.input, r.line or 0, r.reason))


# --- Pages ------------------------------------------------------------------------------


def render_pages(result: BuildResult, *, templates_dir: Path, locale: str) -> dict[str, str]:
    """Render every generated docs file, keyed by its path relative to the docs dir.

    Pure: nothing is written (see `write_docs`). The same result gives the same text.

    Args:
        result: the pipeline's output.
        templates_dir: folder of the Jinja templates (`BuildConfig.templates_dir`).
        locale: Babel locale for dates and numbers, e.g. `en`, `fr`.

    Raises:
        ValueError: an event or storyline id is unsafe as a file name or used twice.
    """
    _check_ids(result)
    env = _environment(templates_dir.resolve(), locale)
    site = _site(result)
    rejected = _sorted_rejected(result.rejected)
    pages = {
        "index.md": _render(
            env, "index.md.j2", site=site, days=_days(site.entries), rejected=rejected
        ),
        "sources/index.md": _render(env, "sources.md.j2", site=site),
        "rejected.md": _render(env, "rejected.md.j2", rejected=rejected),
        "events.json": events_json(result),
    }
    for entry in site.entries:
        pages[f"events/{entry.story.event.id}.md"] = _render_event(env, entry, site)
    for key, source in site.sources.items():
        pages[f"sources/{source.slug}.md"] = _render(
            env, "source.md.j2", site=site, key=key, source=source
        )
    for storyline in sorted(result.storylines, key=lambda s: s.id):
        entries = _oldest_first([site.by_id[event_id] for event_id in storyline.event_ids])
        pages[f"storylines/{storyline.id}.md"] = _render(
            env, "storyline.md.j2", storyline=storyline, entries=entries
        )
    return pages


@functools.lru_cache(maxsize=4)
def _environment(templates_dir: Path, locale: str) -> Environment:
    """Create the one Jinja environment of a build (cached: templates compile once)."""
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
        format_date=functools.partial(_format_date, locale=locale),
        format_number=functools.partial(_format_number, locale=locale),
    )
    env.tests["web_url"] = is_web_url
    return env


def _format_date(day: date, style: str = "long", *, locale: str) -> Markup:
    """Format a date for the reader's locale (`17 January 2020`, `17 janvier 2020`)."""
    return md_inline(babel_format_date(day, format=style, locale=locale))


def _format_number(number: int, *, locale: str) -> Markup:
    return md_inline(format_decimal(number, locale=locale))


def _render(env: Environment, template: str, **context: Any) -> str:
    return env.get_template(template).render(**context)


def _render_event(env: Environment, entry: _Entry, site: _Site) -> str:
    members = tuple(
        _Member(number=n, segment=segment, source=site.sources[_source_key(segment.source)])
        for n, segment in enumerate(entry.story.event.segments, start=1)
    )
    numbers = {member.segment.id: member.number for member in members}

    def cite(segment_ids: Iterable[str]) -> list[int]:
        """The Sources numbers of the segments carrying a statement, in list order."""
        return sorted({numbers[segment_id] for segment_id in segment_ids})

    return _render(env, "event.md.j2", entry=entry, members=members, cite=cite)


def _entry(story: Story, storylines: Mapping[str, Storyline]) -> _Entry:
    source_count = len({segment.article.id for segment in story.event.segments})
    return _Entry(
        story=story,
        source_count=source_count,
        report_count=len(story.origins) or source_count,
        storyline=storylines[story.event.storyline] if story.event.storyline else None,
    )


def _site(result: BuildResult) -> _Site:
    """Index the build once, so that no page has to search it."""
    storylines = {storyline.id: storyline for storyline in result.storylines}
    entries = tuple(_entry(story, storylines) for story in _newest_first(result.stories))
    carried: dict[str | None, list[_Entry]] = defaultdict(list)
    for entry in entries:
        for key in dict.fromkeys(_source_key(s.source) for s in entry.story.event.segments):
            carried[key].append(entry)
    articles = Counter(_source_key(article.source) for article in result.articles)
    return _Site(
        entries=entries,
        by_id={entry.story.event.id: entry for entry in entries},
        sources=_sources([*articles, *carried]),
        carried={key: tuple(value) for key, value in carried.items()},
        articles=articles,
    )


def _days(entries: Sequence[_Entry]) -> list[tuple[date | None, list[_Entry]]]:
    """Group entries (already newest first, undated last) by their event's day."""
    return [
        (day, list(group))
        for day, group in itertools.groupby(entries, key=lambda e: e.story.event.date)
    ]


def _oldest_first(entries: Iterable[_Entry]) -> list[_Entry]:
    """A storyline reads forward in time; undated events go last."""
    return sorted(
        entries,
        key=lambda e: (
            e.story.event.date is None,
            e.story.event.date or date.min,
            e.story.event.id,
        ),
    )


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
