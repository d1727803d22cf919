"""Read a saved web page: the article's main text and metadata, found by trafilatura.

trafilatura drops the navigation, ads, related links and footer, and reads the title,
site name, date, URL and author from the page's meta tags, JSON-LD and markup. Its
main text comes back as paragraphs separated by a blank line, headings as their own
paragraph with their `#` marks, list items one per line. A leading heading that repeats
the title is dropped from the text, as a Markdown file's leading `# H1` is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

from trafilatura import bare_extraction
from trafilatura.settings import Document
from trafilatura.xml import xmltotxt

from digest.errors import InputError
from digest.ingest.decode import decode_text
from digest.ingest.fields import build_article, read_metadata
from digest.ingest.files import InputFile, Outcome
from digest.model import Location

DATE_SEARCH = {"original_date": True, "extensive_search": False}
"""htmldate options: the publication date (not the last edit), and only from the page's
markup and URL. Its extensive search guesses from dates in the running text, which is
how a scrape date like seed 004's `Thursday 22 October 2020` gets taken for the
publication date; finding datelines in text is the cleaner's job."""

DEFAULT_HEADING_LEVEL = 2
"""trafilatura marks most headings with their level (`rend="h3"`); one without is a
section heading, like `<h2>`."""

PARSER_MAX_DEPTH = 255
"""libxml2, under lxml and trafilatura, stops nesting elements at 256 levels: text
below that depth is not in the tree, so such a page reads as empty."""

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*?(/?)>")
_VOID_ELEMENTS = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()
)

_HTML_LANG = re.compile(r"""<html\b[^>]*?\blang\s*=\s*["']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)""")
_HEADING_REND = re.compile(r"h([1-6])")


class _Element(Protocol):
    """The part of lxml's element that trafilatura's output tree needs here."""

    tag: str

    def get(self, key: str) -> str | None: ...

    def __iter__(self) -> Iterator[_Element]: ...


def read_html(file: InputFile) -> list[Outcome]:
    """Read an `.html`/`.htm` page: main text, title, source, date, URL, author, language.

    Raises:
        InputError: when the file cannot be decoded or is empty, or `no article text
            found in HTML` when trafilatura finds no main text.
    """
    decoded = decode_text(file.data, file.name)
    document = bare_extraction(
        decoded.text,
        with_metadata=True,
        include_comments=False,
        date_extraction_params=DATE_SEARCH,
    )
    if not isinstance(document, Document) or document.body is None:
        raise InputError(file.name, None, _no_text_reason(decoded.text))
    blocks = [block for block in map(_render_block, document.body) if block]
    if blocks and document.title and blocks[0].lstrip("#").strip() == document.title.strip():
        blocks.pop(0)
    if not blocks:
        raise InputError(file.name, None, _no_text_reason(decoded.text))
    language = _HTML_LANG.search(decoded.text)
    metadata = read_metadata(
        {
            "title": document.title,
            "source": document.sitename,
            "date": document.date,
            "url": document.url,
            "author": document.author,
            "language": document.language or (language[1] if language else None),
        }
    )
    article = build_article(
        article_id=file.name,
        origin=Location(path=file.name),
        text="\n\n".join(blocks),
        metadata=metadata,
        notes=decoded.notes,
    )
    return [article]


def _no_text_reason(page: str) -> str:
    """Why a page gave no text: plain emptiness, or nesting too deep for the parser."""
    depth = _nesting_depth(page)
    if depth > PARSER_MAX_DEPTH:
        return f"no article text found in HTML: markup nested {depth:,} levels deep"
    return "no article text found in HTML"


def _nesting_depth(page: str) -> int:
    """The deepest element nesting of a page, counted from its tags alone (linear time).

    >>> _nesting_depth("<div><p>a<br>b</p><div><img src=x></div></div>")
    2
    """
    depth = deepest = 0
    for closing, name, self_closing in _TAG.findall(page):
        if closing:
            depth = max(depth - 1, 0)
        elif not self_closing and name.lower() not in _VOID_ELEMENTS:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def _render_block(element: _Element) -> str:
    """One top-level element of trafilatura's output as a paragraph of plain text."""
    if element.tag == "head":
        rend = _HEADING_REND.fullmatch(element.get("rend") or "")
        level = int(rend[1]) if rend else DEFAULT_HEADING_LEVEL
        text = _text_of(element)
        return "#" * level + " " + text if text else ""
    if element.tag == "list":
        items = (_text_of(item) for item in element)
        return "\n".join(item for item in items if item)
    return _text_of(element)


def _text_of(element: _Element) -> str:
    text: str = xmltotxt(element, include_formatting=False)
    return "\n".join(line.strip() for line in text.strip().split("\n"))
