"""Read an RSS or Atom feed (`.xml`, `.rss`, `.atom`): each entry is one article.

feedparser reads the feed, leniently: a feed that is not well-formed XML still yields
its entries, each with a note saying so. An entry's article id is its own `<guid>` or
`<id>`, else `file:N` with N its 1-based position.

A feed that declares XML entities is refused before feedparser sees it. feedparser
strips most entity declarations, but keeps "safe" ones (a value with no `&`) and then
expands them: one 200 kB entity referenced 20,000 times (a "quadratic blowup") ran a
test process out of memory. No real feed needs its own entities, so any `<!ENTITY`
is refused, as defusedxml does by default. External entities are never fetched
(feedparser turns off external general entities, and the feed is passed as bytes).
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Mapping, Sequence
from datetime import date
from xml.sax import SAXParseException

import feedparser

from digest.errors import InputError
from digest.ingest.decode import decode_text
from digest.ingest.fields import build_article, parse_date, read_metadata
from digest.ingest.files import InputFile, Outcome
from digest.ingest.markup import html_to_text, looks_like_html
from digest.model import Article, Location

HTML_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml"})
"""feedparser's `type` for an entry's content or summary that holds markup."""

_ENTITY_DECLARATION = re.compile(r"<!ENTITY", re.IGNORECASE)
_XML_DECLARED_ENCODING = re.compile(r"""\A(\s*<\?xml[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2""")


def read_feed(file: InputFile) -> list[Outcome]:
    """Read an RSS or Atom feed: one article (or one rejection) per entry.

    Raises:
        InputError: when the file cannot be decoded or is empty, declares XML
            entities, or has no entries (with feedparser's reason when it could not
            parse the file).
    """
    decoded = decode_text(file.data, file.name)
    _refuse_entity_declarations(decoded.text, file.name)
    parsed = _parse(decoded.text)
    listed = _get(parsed, "entries")
    entries = [e for e in listed if isinstance(e, dict)] if isinstance(listed, list) else []
    problem = _parse_problem(parsed)
    if not entries:
        if problem is not None:
            line, reason = problem
            raise InputError(file.name, line, f"not a readable feed: {reason}")
        raise InputError(file.name, None, "feed has no entries")
    notes = [*decoded.notes]
    if problem is not None:
        notes.append(f"feed read leniently: {problem[1]}")
    feed = _get_mapping(parsed, "feed")
    return [
        _to_outcome(entry, number, feed=feed, name=file.name, notes=notes)
        for number, entry in enumerate(entries, start=1)
    ]


def _refuse_entity_declarations(text: str, name: str) -> None:
    match = _ENTITY_DECLARATION.search(text)
    if match is not None:
        line = text.count("\n", 0, match.start()) + 1
        raise InputError(name, line, "XML entity declarations are not allowed")


def _parse(text: str) -> Mapping[str, object]:
    """Run feedparser on the decoded text, re-encoded as UTF-8 that says so.

    Parsing the text that was checked (not the raw bytes) means feedparser cannot
    decode the file differently (say, as a declared UTF-7) and find entities the check
    did not see. A stream, not a string: feedparser treats a string as a URL or path.
    """
    utf8 = _XML_DECLARED_ENCODING.sub(r'\1"utf-8"', text, count=1)
    parsed: Mapping[str, object] = feedparser.parse(io.BytesIO(utf8.encode("utf-8")))
    return parsed


def _parse_problem(parsed: Mapping[str, object]) -> tuple[int | None, str] | None:
    """feedparser's complaint about the feed, as (line, reason), or None if it had none."""
    if not _get(parsed, "bozo"):
        return None
    error = _get(parsed, "bozo_exception")
    if isinstance(error, SAXParseException):
        return error.getLineNumber(), error.getMessage()
    return None, str(error)


def _to_outcome(
    entry: Mapping[str, object],
    number: int,
    *,
    feed: Mapping[str, object],
    name: str,
    notes: Sequence[str],
) -> Outcome:
    try:
        return _make_article(entry, number, feed=feed, name=name, notes=notes)
    except InputError as error:
        return InputError(name, None, f"entry {number}: {error.reason}")


def _make_article(
    entry: Mapping[str, object],
    number: int,
    *,
    feed: Mapping[str, object],
    name: str,
    notes: Sequence[str],
) -> Article:
    entry_id = _get_text(entry, "id")
    source = _get_text(_get_mapping(entry, "source"), "title") or _get_text(feed, "title")
    metadata = read_metadata(
        {
            "title": _entry_title(entry),
            "source": source,
            "date": _entry_date(entry),
            "url": _get_text(entry, "link"),
            "author": _get_text(entry, "author"),
            "language": _get_text(feed, "language"),
        }
    )
    return build_article(
        article_id=entry_id.strip() if entry_id and entry_id.strip() else f"{name}:{number}",
        origin=Location(path=name),
        text=_entry_text(entry),
        metadata=metadata,
        notes=notes,
    )


def _entry_title(entry: Mapping[str, object]) -> str | None:
    title = _get_text(entry, "title")
    if title is not None and looks_like_html(title):
        return html_to_text(title)
    return title


def _entry_text(entry: Mapping[str, object]) -> str:
    """The entry's full content if it has one, else its summary, as plain text."""
    content = _get(entry, "content")
    candidates = [c for c in content if isinstance(c, dict)] if isinstance(content, list) else []
    candidates.append({"value": _get(entry, "summary"), **_get_mapping(entry, "summary_detail")})
    for candidate in candidates:
        value = _get_text(candidate, "value")
        if value and value.strip():
            is_html = _get_text(candidate, "type") in HTML_CONTENT_TYPES
            return html_to_text(value) if is_html else value.strip()
    return ""


def _entry_date(entry: Mapping[str, object]) -> str | date | None:
    """The stated publication (else update) date; feedparser's reading if dateutil fails.

    feedparser reads date formats dateutil does not, but converts them to UTC, which can
    move the day; the text as written is preferred.
    """
    for key in ("published", "updated"):
        stated = _get_text(entry, key)
        if not stated:
            continue
        parsed = _get(entry, f"{key}_parsed")
        if parse_date(stated) is None and isinstance(parsed, time.struct_time):
            return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
        return stated
    return None


def _get(mapping: Mapping[str, object], key: str) -> object:
    """A key's own value: `dict.get` skips FeedParserDict's aliases (`updated` falls back
    to `published` with a DeprecationWarning, `description` to `summary`)."""
    return dict.get(mapping, key) if isinstance(mapping, dict) else mapping.get(key)


def _get_text(mapping: Mapping[str, object], key: str) -> str | None:
    value = _get(mapping, key)
    return value if isinstance(value, str) else None


def _get_mapping(mapping: Mapping[str, object], key: str) -> Mapping[str, object]:
    value = _get(mapping, key)
    return value if isinstance(value, dict) else {}
