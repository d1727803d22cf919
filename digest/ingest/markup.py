"""Reduce an HTML fragment (a feed entry, a JSON text field, a raw HTML block) to text.

The result has the shape every reader gives: paragraphs separated by one blank line,
list items and `<br>` breaks one per line, headings as their own paragraph with their
`#` marks (a later stage splits roundups at headings). Scripts and styles are dropped;
entities are decoded. Whole saved pages go through trafilatura instead (`html.py`).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCK_TAGS = frozenset(
    "address article aside blockquote div dl figcaption figure footer form header hr main "
    "nav ol p pre section table ul".split()
)
"""Tags that start and end a paragraph (the HTML Living Standard's block-level content)."""

LINE_TAGS = frozenset("br dd dt li tr".split())
"""Tags that start and end a line within a paragraph."""

HEADING_LEVELS = {f"h{level}": level for level in range(1, 7)}

SKIPPED_TAGS = frozenset("head noscript script style svg template title".split())
"""Tags whose content is code or page furniture, never article text."""

_HTML_TAG = re.compile(
    r"</?(?:a|b|blockquote|br|div|em|figure|h[1-6]|i|img|li|ol|p|span|strong|table|ul)\b[^<>]*>",
    re.IGNORECASE,
)
"""Common tags of article markup: one of them in a text field means the field is HTML."""

_MARKED_SECTION = re.compile(r"<!\[(?!CDATA\[)", re.IGNORECASE)
"""`<![` other than CDATA: CPython's HTMLParser raises AssertionError on a malformed marked
section (`<![foo`), so it is escaped before parsing and comes through as text."""


def looks_like_html(text: str) -> bool:
    """Tell whether a text field holds HTML markup rather than plain text.

    >>> looks_like_html("<p>Around 350,000 Syrians have fled.</p>")
    True
    >>> looks_like_html("Prices rose 3% as x < y.")
    False
    """
    return _HTML_TAG.search(text) is not None


def html_to_text(fragment: str) -> str:
    """Reduce an HTML fragment to plain text, one paragraph per block.

    >>> html_to_text("<h2>Idlib</h2><p>Some <b>350,000</b> fled.<br>UN</p><ul><li>a<li>b</ul>")
    '## Idlib\\n\\nSome 350,000 fled.\\nUN\\n\\na\\nb'
    """
    collector = _TextCollector()
    collector.feed(_MARKED_SECTION.sub("&lt;![", fragment))
    collector.close()
    return collector.text()


class _TextCollector(HTMLParser):
    """Collect text as paragraphs of lines, following block and line tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._paragraphs: list[list[str]] = [[""]]
        self._skipping = 0
        """Depth inside skipped tags (a `<style>` inside `<noscript>`, say)."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002 -- HTMLParser's signature
        if tag in SKIPPED_TAGS:
            self._skipping += 1
        elif tag in HEADING_LEVELS:
            self._break_paragraph()
            self._paragraphs[-1][-1] = "#" * HEADING_LEVELS[tag] + " "
        elif tag in BLOCK_TAGS:
            self._break_paragraph()
        elif tag in LINE_TAGS:
            self._break_line()

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in BLOCK_TAGS or tag in HEADING_LEVELS:
            self._break_paragraph()
        elif tag in LINE_TAGS:
            self._break_line()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._paragraphs[-1][-1] += data

    def text(self) -> str:
        """The collected text: whitespace collapsed, empty lines and paragraphs dropped."""
        paragraphs = ("\n".join(_clean_lines(lines)) for lines in self._paragraphs)
        return "\n\n".join(p for p in paragraphs if p)

    def _break_paragraph(self) -> None:
        if any(_clean_lines(self._paragraphs[-1])):
            self._paragraphs.append([""])
        else:
            self._paragraphs[-1] = [""]

    def _break_line(self) -> None:
        if self._paragraphs[-1][-1].strip():
            self._paragraphs[-1].append("")


def _clean_lines(lines: list[str]) -> list[str]:
    """Collapse whitespace as a browser does; drop blank lines and bare heading marks."""
    cleaned = (" ".join(line.split()) for line in lines)
    return [line for line in cleaned if line and line.strip("#")]
