"""Article text made safe for each place a template writes it.

Article text is untrusted (STYLE §7): it reaches a template only as data, and each
template says which context it writes into with a filter — `md_inline` / `md_block`
for Markdown text, `yaml_str` for front matter, `md_url` for a link destination. The
escaping targets both Python-Markdown (what MkDocs renders with) and CommonMark (what
other tools read).
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from markupsafe import Markup

# Markdown escaping. Python-Markdown only honours a backslash before the characters in
# its ESCAPED_CHARS (+ "|" from the tables extension); anything else takes an HTML
# character reference, which both Python-Markdown and CommonMark show as the character.
_INLINE_ESCAPES = (
    ("\\", "\\\\"),
    ("&", "&amp;"),
    *((c, "\\" + c) for c in "`*_{}[]#|"),
    ("<", "&lt;"),
    (">", "&gt;"),
)
"""Each character and its escape, in the order `_escape_inline` replaces them: the
backslash and the ampersand first, since the escapes of the others bring them in."""
_LINE_START = re.compile(r"(?P<digits>\d+)(?P<mark>[.)])(?= |$)|(?P<char>[-+!=~?])")
"""What would open a block (list, rule, admonition, details, fence, setext) at a line start."""
_LINE_START_ENTITIES = {"=": "&#61;", "~": "&#126;", "?": "&#63;"}
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
"""Control characters: invisible debris, and STX/ETX are Python-Markdown's placeholders."""
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_YAML_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
"""Characters PyYAML refuses raw or reads as line breaks; JSON leaves them unescaped."""
_WEB_URL = re.compile(r"https?://[^\s/?#\\]+[^\s]*", re.IGNORECASE)
_URL_SAFE = "-._~:/?#@!$&+,;=%"  # RFC 3986 characters that cannot end a Markdown link


def md_inline(text: str) -> Markup:
    r"""Escape article text for one line of Markdown, so it can only ever be text.

    Whitespace collapses to single spaces (a line break could start a block), characters
    that make links, images, HTML, emphasis, code or attributes are escaped everywhere,
    and those that open a block are escaped at the start. Quotes stay as they are: they
    are harmless in Markdown and an `&#39;` would show in code spans and the search index.

    >>> print(md_inline("<b>[x](javascript:alert(1))</b>"))
    &lt;b&gt;\[x\](javascript:alert(1))&lt;/b&gt;
    >>> print(md_inline("1. It's  {{ 7*7 }}"))
    1\. It's \{\{ 7\*7 \}\}
    >>> print(md_inline("!!! danger\n# x"))
    \!!! danger \# x
    """
    return Markup(_escaped_line(_CONTROL.sub(" ", text)))  # noqa: S704 escaped there


def md_block(text: str, indent: int = 0) -> Markup:
    r"""Escape a multi-paragraph article text: `md_inline` per paragraph, blank lines between.

    Every output line starts with escaped text, never whitespace, so the block can be
    indented under a `???` or `!!!` without any line leaving the indentation: `indent`
    spaces before each paragraph but the first (what Jinja's `indent` filter would do,
    without splitting the text into lines again).

    >>> print(md_block("First  line\nsame paragraph.\n\n\n- Second"))
    First line same paragraph.
    <BLANKLINE>
    \- Second
    >>> md_block("One\n\nTwo\n\n\nThree", indent=4)
    Markup('One\n\n    Two\n\n    Three')
    """
    paragraphs = (_escaped_line(p) for p in _PARAGRAPH_BREAK.split(_CONTROL.sub(" ", text)))
    joined = ("\n\n" + " " * indent).join(p for p in paragraphs if p)
    return Markup(joined)  # noqa: S704 escaped paragraphs, blank lines and spaces


def yaml_str(value: str) -> Markup:
    r"""Quote a string as a one-line YAML scalar for front matter (JSON is valid YAML).

    >>> print(yaml_str('Say "hi"\n--- #x'))
    "Say \"hi\"\n--- #x"
    >>> print(yaml_str("a\u2028b"))
    "a\u2028b"
    """
    quoted = json.dumps(value, ensure_ascii=False)
    escaped = _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)
    return Markup(escaped)  # noqa: S704 a quoted scalar: nothing can leave the quotes


def md_url(url: str) -> Markup:
    """Percent-encode a web address for a Markdown link destination.

    Parentheses, quotes, spaces, brackets and angle brackets are encoded, so the
    address can neither end the link early nor add a title. Use only on addresses
    that pass `is_web_url`.

    >>> print(md_url("https://example.org/a b(1)?q=\\"x\\"&r=<y>"))
    https://example.org/a%20b%281%29?q=%22x%22&r=%3Cy%3E
    """
    return Markup(quote(url, safe=_URL_SAFE))  # noqa: S704 percent-encoded: no <, >, quotes


def is_web_url(url: str | None) -> bool:
    """Tell whether a URL may become a link: http(s), a host, no whitespace or controls.

    >>> is_web_url("https://example.org/a"), is_web_url("javascript:alert(1)")
    (True, False)
    """
    return bool(url and _WEB_URL.fullmatch(url) and not _CONTROL.search(url))


def _escaped_line(text: str) -> str:
    """`md_inline` of a text without control characters, as a plain string (`md_block`
    joins its paragraphs without making each one `Markup`)."""
    return _escape_line_start(_escape_inline(" ".join(text.split())))


def _escape_inline(text: str) -> str:
    r"""Escape every character of `_INLINE_ESCAPES` in `text`, as one `str.translate` with
    that table would (tested), but about ten times faster: `translate` takes its slow path
    when a character becomes several, and most texts hold none or few of these characters,
    each then found by a fast `in`.

    >>> print(_escape_inline(r"a\*b & <c>"))
    a\\\*b &amp; &lt;c&gt;
    """
    for char, escape in _INLINE_ESCAPES:
        if char in text:
            text = text.replace(char, escape)
    return text


def _escape_line_start(line: str) -> str:
    match = _LINE_START.match(line)
    if match is None:
        return line
    if match["digits"]:
        return f"{match['digits']}\\{match['mark']}{line[match.end() :]}"
    char = match["char"]
    return _LINE_START_ENTITIES.get(char, "\\" + char) + line[1:]
