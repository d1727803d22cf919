"""What the RSS and Atom feeds need that a template cannot do: which events, XML-safe text,
feed dates, ids and links.

The feeds themselves are the templates `feed.xml.j2` (RSS 2.0) and `atom.xml.j2` (Atom
1.0), rendered with autoescape, so article text is escaped as XML; `xml_text` removes
the characters XML 1.0 cannot hold at all, escaped or not.

Deterministic: an item's date is its event's date, a feed's is its newest event's; no
clock is read. Links point at the built pages (`events/<id>.html`: `mkdocs.yml` sets
`use_directory_urls: false`). With `site_url` they are absolute; without it they are
relative, which feed readers resolve against the feed's own address (RFC 4287 §2 and
xml:base for Atom; most RSS readers do the same), and the feed says so in a comment.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from email.utils import format_datetime
from urllib.parse import urljoin

from digest.site_index import Day, Entry

FEED_SIZE = 50
"""Events per feed: the newest days' events, each day ranked as on the briefing."""
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 forbids (controls, surrogates, non-characters) or discourages (C1)."""
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "digest:events")
"""Event ids become `urn:uuid:` ids under this namespace: stable wherever the site moves."""


def newest(days: Iterable[Day], size: int = FEED_SIZE) -> tuple[Entry, ...]:
    """The feed's events: dated days newest first, each day's events ranked; undated left out
    (a feed item needs a date)."""
    entries: list[Entry] = []
    for day in days:
        if day.date is not None:
            entries.extend(day.entries[: size - len(entries)])
        if len(entries) >= size:
            break
    return tuple(entries)


def xml_text(text: str) -> str:
    r"""Drop the characters XML 1.0 cannot carry; autoescape then escapes the rest.

    >>> xml_text("a\x00b\x1bc\ufffe]]>")
    'abc]]>'
    """
    return _NOT_XML.sub("", text)


def rfc822(day: date) -> str:
    """A date as RSS 2.0 writes it (RFC 822), at midnight UTC.

    >>> rfc822(date(2020, 1, 17))
    'Fri, 17 Jan 2020 00:00:00 +0000'
    """
    return format_datetime(_midnight(day))


def rfc3339(day: date) -> str:
    """A date as Atom writes it (RFC 3339), at midnight UTC.

    >>> rfc3339(date(2020, 1, 17))
    '2020-01-17T00:00:00Z'
    """
    return _midnight(day).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_uri(event_id: str) -> str:
    """A permanent id for an event's feed item: the same on every build and at any address.

    >>> entry_uri("2020-01-17-x")
    'urn:uuid:036558b7-8d22-5aad-a41e-1a76f307087c'
    """
    return uuid.uuid5(_ID_NAMESPACE, event_id).urn


def link(path: str, *, site_url: str | None) -> str:
    """A page's address for a feed: absolute under `site_url`, else relative.

    >>> link("events/x.html", site_url="https://example.org/briefing")
    'https://example.org/briefing/events/x.html'
    >>> link("events/x.html", site_url=None)
    'events/x.html'
    """
    if not site_url:
        return path
    return urljoin(site_url if site_url.endswith("/") else site_url + "/", path)


def language_tag(locale: str) -> str:
    """A Babel locale as the BCP 47 tag RSS and xml:lang use.

    >>> language_tag("en_GB"), language_tag("fr")
    ('en-GB', 'fr')
    """
    return locale.replace("_", "-")


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
