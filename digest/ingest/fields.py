"""The metadata every format can state, read the same way whatever the format.

Only what the input states explicitly becomes metadata: a header line, a front-matter
key, a JSON field, a feed element, an HTML meta tag. Recovering a title from the body's
first line or a date from an `Updated:` line is the cleaner's job, not ingest's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TypeVar

from dateutil import parser as dateparser

from digest.errors import InputError
from digest.model import Article, Location
from digest.text import strip_control_characters

_T = TypeVar("_T")

FIELD_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "source": ("source", "publisher", "outlet", "site"),
    "published": ("date", "published", "publishedat"),
    "url": ("url", "link"),
    "author": ("author",),
    "language": ("language", "lang"),
}
"""Each field and the keys that state it, in order of precedence (DESIGN.md, "Input").
Keys are compared after `normalize_key`, so `Published_at` and `publishedAt` match."""

KNOWN_KEYS = frozenset(key for keys in FIELD_KEYS.values() for key in keys)
"""Every key that states a field."""

MAX_LINE_CHARS = 300
"""Longest title, outlet or author name kept whole: the longest real headlines run about
150 characters; a 16,000-character "title" would fill every page that lists it."""

_DATE_DEFAULTS = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2001, 2, 2, tzinfo=UTC))
"""Two fill-ins that differ in year, month and day: dateutil fills a missing part from
its default (by default today), so a part the text lacks shows up as a difference."""


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Metadata:
    """The fields an input states, and what reading them had to skip."""

    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: date | None = None
    author: str | None = None
    language: str | None = None
    notes: tuple[str, ...] = ()


def normalize_key(key: str) -> str:
    """Compare metadata keys without case, spaces, `_` or `-`.

    >>> normalize_key("Published_at")
    'publishedat'
    """
    return "".join(ch for ch in key.lower() if ch not in " _-")


def parse_date(text: str) -> date | None:
    """Read a stated date; None when it is unreadable or lacks a year, month or day.

    A date with a time zone keeps the day it names there (no conversion to UTC).

    >>> parse_date("2020-01-17")
    datetime.date(2020, 1, 17)
    >>> parse_date("Fri, 17 Jan 2020 01:30:00 +0300")
    datetime.date(2020, 1, 17)
    >>> parse_date("January 2020") is None
    True
    >>> parse_date("yesterday") is None
    True
    """
    if _ISO_DAY.fullmatch(text):  # most stated dates; dateutil reads them the same, slower
        try:
            return date.fromisoformat(text)
        except ValueError:  # not a day of the calendar
            return None
    try:
        first, second = (
            dateparser.parse(text, default=default, ignoretz=True) for default in _DATE_DEFAULTS
        )
    except (ValueError, OverflowError):  # dateutil's ParserError is a ValueError
        return None
    return first.date() if first.date() == second.date() else None


def read_metadata(values: Mapping[str, object]) -> Metadata:
    """Pick the known fields out of a record's key/value pairs.

    Keys are matched through `normalize_key`; the first key of `FIELD_KEYS` present
    with a value wins. A value of the wrong kind (a list for a title, an unreadable
    date) is skipped with a note, never a rejection.
    """
    stated = {normalize_key(key): (key, value) for key, value in values.items()}
    notes: list[str] = []
    return Metadata(
        title=_cut(_read_field(stated, "title", _read_text, notes), "title", notes),
        source=_cut(_read_field(stated, "source", _read_text, notes), "source", notes),
        url=_read_field(stated, "url", _read_text, notes),
        published=_read_field(stated, "published", _read_date, notes),
        author=_cut(_read_field(stated, "author", _read_text, notes), "author", notes),
        language=_read_field(stated, "language", _read_text, notes),
        notes=tuple(notes),
    )


def build_article(
    *,
    article_id: str,
    origin: Location,
    text: str,
    metadata: Metadata,
    notes: Sequence[str] = (),
) -> Article:
    """Make the `Article` for one record.

    Raises:
        InputError: `no article text`, when the record has neither text nor a title
            (a headline-only record, like the uci-headlines data set's, is kept).
    """
    if not text.strip() and metadata.title is None:
        raise InputError(origin.path, origin.line, "no article text")
    return Article(
        id=article_id,
        source=metadata.source,
        url=metadata.url,
        published=metadata.published,
        title=metadata.title,
        author=metadata.author,
        language=metadata.language,
        text=text,
        origin=origin,
        notes=(*notes, *metadata.notes),
    )


def _read_field(
    stated: Mapping[str, tuple[str, object]],
    field: str,
    convert: Callable[[object], _T | None],
    notes: list[str],
) -> _T | None:
    """Convert the first stated key of `field`; note a value that does not convert."""
    for key in FIELD_KEYS[field]:
        if key in stated and _is_stated(stated[key][1]):
            original_key, value = stated[key]
            converted = convert(value)
            if converted is None:
                notes.append(_skipped_note(field, original_key, value))
            return converted
    return None


def _is_stated(value: object) -> bool:
    """False for the ways a record leaves a field empty: null, "", [], {}."""
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | dict):
        return bool(value)
    return value is not None


def _cut(value: str | None, field: str, notes: list[str]) -> str | None:
    """Cut an over-long one-line value at a word boundary, with a note (`MAX_LINE_CHARS`)."""
    if value is None or len(value) <= MAX_LINE_CHARS:
        return value
    notes.append(f"{field} cut to {MAX_LINE_CHARS} characters (was {len(value):,})")
    kept = value[: MAX_LINE_CHARS - 1]
    return (kept.rsplit(" ", 1)[0] if " " in kept else kept) + "…"


def _read_text(value: object) -> str | None:
    """A stated value as one line of text: strings, numbers, `{"name": …}`, lists of names.

    Control characters and direction overrides go (`digest.text.CONTROL_CHARACTERS`).
    """
    if isinstance(value, str):
        return " ".join(strip_control_characters(value).split()) or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, Mapping) and isinstance(value.get("name"), str):
        # NewsAPI and JSON-LD state a source or author as {"name": "Reuters", …}
        return _read_text(value["name"])
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        names = [_read_text(v) for v in value]
        return ", ".join(name for name in names if name) or None
    return None


def _read_date(value: object) -> date | None:
    if isinstance(value, datetime):  # before `date`: a datetime is a date
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_date(value)
    return None


def _skipped_note(field: str, key: str, value: object) -> str:
    if field != "published":
        return f"ignored {key!r} field that is not text"
    if isinstance(value, str):
        return f"ignored unreadable date {value!r}"
    return f"ignored {key!r} field that is not a date"
