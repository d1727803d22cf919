"""What a page is made of, to render it only when that changed (builds with a state).

Each generated page gets a key (`PageKeys`): a hash of everything its template reads,
an event as its id, story key (`incremental.story_key`), storyline, tags and outlets,
and of the code, templates, catalogs, locale and site address that render it
(`render_fingerprint`). The build state keeps each page's key with the size and
modification time of the file written (`page_stamps`); the next build renders a page
again only when its key changed or its file is not the one written (`intact_pages`).
`render.render_site` uses them; docs/about/incremental.md tells the rules.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from digest.entities import Entity
from digest.site_index import Entry, SiteIndex

_PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderCache:
    """What a build with a state rendered, so that the next one renders only what changed.

    Every key is a hash of what a page (or an `events.json` entry) is made from: the
    stories by their `incremental.story_key` (with the code of the stages in the state's
    fingerprint), everything else the template reads by value, and the code, templates,
    catalogs, locale and site address of the rendering (`render_fingerprint`).
    """

    pages: Mapping[str, str] = field(default_factory=dict)
    """The key of each generated page, by path in the docs dir. Given to `render_site`:
    only the pages whose file in the docs still holds what that key made."""
    entities: Mapping[str, tuple[Entity, ...]] = field(default_factory=dict)
    """The names each story holds (`find_entities`), by story key."""
    fragments: Mapping[str, str] = field(default_factory=dict)
    """Entries of `events.json`, by their key."""
    json_keys: Mapping[str, str] = field(default_factory=dict)
    """The key of each event's `events.json` entry, by event id (made by `render_site`)."""


class PageKeys:
    """The key of each page: a hash of what its template reads (see `RenderCache`)."""

    def __init__(self, site: SiteIndex, story_keys: Mapping[str, str], fingerprint: str) -> None:
        self._site = site
        self._story_keys = story_keys
        self._fingerprint = fingerprint
        self._entries: dict[str, str] = {}

    def of(self, template: str, parts: object) -> str:
        shaped = json.dumps([self._fingerprint, template, self._shape(parts)], ensure_ascii=False)
        return hashlib.sha256(shaped.encode("utf-8")).hexdigest()

    def entry(self, entry: Entry) -> str:
        """An event as every page shows it: its story, storyline, tags and outlets."""
        if entry.id not in self._entries:
            outlets = [self._site.sources[key] for key in entry.outlets]
            parts = (entry.id, self._story_keys[entry.id], entry.storyline, entry.tags, outlets)
            self._entries[entry.id] = self.of("entry", parts)
        return self._entries[entry.id]

    def _shape(self, value: object) -> object:
        """`value` as JSON, an `Entry` as its key (`entry`)."""
        if value is None or isinstance(value, str | int | float):
            return value
        if isinstance(value, Entry):
            return self.entry(value)
        if isinstance(value, date | timedelta):
            return str(value)
        if isinstance(value, tuple | list):
            return [self._shape(item) for item in value]
        if isinstance(value, Mapping):
            return [[self._shape(k), self._shape(v)] for k, v in value.items()]
        if dataclasses.is_dataclass(value) and not isinstance(value, SiteIndex | type):
            kind = type(value)
            return [kind.__name__] + [self._shape(getattr(value, f)) for f in _fields(kind)]
        raise TypeError(f"no page key for a {type(value).__name__}")


@functools.cache
def _fields(kind: type[Any]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


def render_fingerprint(templates_dir: Path, locale: str, site_url: str | None) -> str:
    """A hash of what rendering depends on besides the build: digest's code (all of it:
    the pages' shape comes from several modules), its catalogs, the templates, the
    locale and the site's address."""
    return _files_fingerprint(templates_dir.resolve(), locale, site_url or "")


@functools.lru_cache(maxsize=4)
def _files_fingerprint(templates_dir: Path, locale: str, site_url: str) -> str:
    package = _PACKAGE
    digest = hashlib.sha256(json.dumps([locale, site_url]).encode("utf-8"))
    for root, pattern in ((package, "*.py"), (package / "locales", "*.po"), (templates_dir, "*")):
        for path in sorted(root.rglob(pattern)):
            if path.is_file():
                digest.update(path.relative_to(root).as_posix().encode("utf-8"))
                digest.update(path.read_bytes())
    return digest.hexdigest()


def page_stamps(docs_dir: Path, paths: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """The stamp (size, mtime in nanoseconds) of each of these docs files there is.

    Not the inode: a copy of the docs that keeps the times (`cp -a`, `rsync -a`, the
    bench's kept builds) keeps what was rendered too.
    """
    stamps: dict[str, tuple[int, ...]] = {}
    for path in paths:
        try:
            status = (docs_dir / path).stat()
        except OSError:
            continue
        stamps[path] = (status.st_size, status.st_mtime_ns)
    return stamps


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
