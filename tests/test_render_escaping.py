"""Article text is untrusted (STYLE §7): whatever it holds, it renders as text.

The check: an event page rendered from hostile text has exactly the Markdown structure
of the same page rendered from harmless text of the same shape (each run of visible
characters replaced by `x`), both as CommonMark (markdown-it-py) and as MkDocs renders it
(Python-Markdown with the extensions of mkdocs.yml). So no article text can add HTML, a
link, an image, a heading, a list, an admonition or a code block. The front matter
title is HTML text (themes insert it unescaped): it reads back as the title, escaped.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import date
from html.parser import HTMLParser
from typing import Any
from unittest.mock import patch

import markdown
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from jinja2.filters import do_indent
from markdown_it import MarkdownIt
from markdown_it.token import Token

from digest.config import PROJECT_ROOT
from digest.entities import Entity, EntityKind
from digest.feeds import xml_text
from digest.markdown_text import _INLINE_ESCAPES, _escape_inline, md_block, md_inline, yaml_str
from digest.model import (
    BuildResult,
    Difference,
    DifferenceKind,
    Event,
    Rejected,
    Stories,
    Story,
    StorySentence,
    UniqueFact,
    Value,
)
from digest.render import render_pages
from tests.test_render import TEMPLATES, clean_article, segment

EVENT_ID = "2020-01-17-event"
PAGE = f"events/{EVENT_ID}.md"
FRONT_MATTER = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)
"""MkDocs' own front matter pattern (mkdocs/utils/meta.py)."""
SOURCE_PAGE = re.compile(
    r"^(?:\.\./(?:sources/|tags/)?)?[a-z0-9-]+(?=\.(?:md|html)$|/(?:\d{4}-\d{2}|undated)\.(?:md|html)$)"
)
"""An outlet's or a tag's page, or the folder of its month pages: named after it."""
ATOM = "{http://www.w3.org/2005/Atom}"
_VISIBLE = re.compile(r"[^\s\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]+")

HOSTILE = [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "![x](http://evil/x.png)",
    "<http://evil.example>",
    "{{ 7*7 }}",
    "{% include 'x' %}",
    "---\nfoo: bar",
    "!!! danger",
    "??? note",
    "# heading",
    "> quote",
    "- item",
    "1. item",
    "    indented code",
    "```\ncode\n```",
    "~~~",
    "===",
    "a | b\n--|--\nc | d",
    "[^1]: footnote",
    "*[HTML]: abbreviation",
    "text { #id .class }",
    "[TOC]",
    "&lt;b&gt; &amp;",
    "line\\",
    "\x02wzxhzdk:0\x03",
    'It\'s a "quote"',
]


def hostile_result(
    *,
    title: str,
    outlet: str,
    body: str,
    sentence: str,
    subject: str,
    value: str,
    note: str,
    unique: str,
    headline: str,
) -> BuildResult:
    """One event whose every article-derived string is given."""
    first = clean_article(
        "a.txt", source=outlet, url="https://example.org/a", published=date(2020, 1, 17), title="t"
    )
    second = clean_article(
        "b.txt", source="Other", url="https://example.org/b", published=None, title="t"
    )
    a, b = segment(first, title=headline, text=body), segment(second, 3)
    story = Story(
        event=Event(id=EVENT_ID, title=title, date=date(2020, 1, 17), segments=(a, b)),
        sentences=(
            StorySentence(text=sentence, segments=(a.id, b.id)),
            StorySentence(text=sentence, segments=(a.id,)),
        ),
        differences=(
            Difference(
                kind=DifferenceKind.QUOTE,
                subject=subject,
                values=(
                    Value(text=value, normalized=value, segments=(a.id,)),
                    Value(text="x", normalized=None, segments=(b.id,)),
                ),
                note=note,
            ),
        ),
        unique=(UniqueFact(segment=a.id, text=unique),),
        alternative_titles=(headline,),
    )
    return BuildResult(
        stories=Stories.of((story,)),
        storylines=(),
        rejected=(Rejected(input=body, line=1, reason=sentence),),
        articles=(first, second),
    )


CHECKED_PAGES = (PAGE, "index.md", "sources/index.md", "rejected.md", "tags/index.md")
"""Pages at fixed paths that show article text (an outlet's or a tag's own page is named
after it: `tag_page` finds the tag's)."""


def sentences_as_entities(sentences: Iterable[str]) -> tuple[Entity, ...]:
    """Stand-in for `find_entities`: each story sentence is a person's name, so that the
    hostile text reaches the tag line, the tags index and the tag page, and the harmless
    text gives the same tags."""
    return tuple(sorted({Entity(kind=EntityKind.PERSON, name=s) for s in sentences if s.strip()}))


def render(**texts: str) -> dict[str, str]:
    """The pages of `hostile_result`; every tag with a page per month of its events too
    (no event listed on its own page), and a page per day of each month (none listed on
    the month's), so that `tag_page` finds those."""
    with (
        patch("digest.site_index.find_entities", sentences_as_entities),
        patch("digest.render.LISTED_EVENTS", 0),
        patch("digest.render.MONTH_LISTED_EVENTS", 0),
    ):
        return render_pages(hostile_result(**texts), templates_dir=TEMPLATES, locale="en")


def tag_page(pages: dict[str, str]) -> list[str]:
    return [
        text for path, text in pages.items() if path.startswith("tags/") and path != "tags/index.md"
    ]


def benign(text: str) -> str:
    """The same shape (whitespace, line breaks, emptiness) with nothing but `x`s."""
    return _VISIBLE.sub("x", text)


def split_front_matter(page: str) -> tuple[dict[str, Any], str]:
    match = FRONT_MATTER.match(page)
    assert match is not None
    meta = yaml.safe_load(match.group(1))
    assert isinstance(meta, dict)
    return meta, page[match.end() :]


def commonmark_shape(body: str) -> list[tuple[str, ...]]:
    """Token types (links with their href); runs of text count as one."""
    shape: list[tuple[str, ...]] = []
    for token in MarkdownIt("commonmark").parse(body):
        shape.append((token.type, token.tag))
        shape += _inline_shape(token.children or [])
    return shape


def _inline_shape(children: list[Token]) -> list[tuple[str, ...]]:
    shape: list[tuple[str, ...]] = []
    for child in children:
        entry = (child.type, _slugless(str(child.attrs.get("href", ""))))
        if not (shape and entry[0] == "text" and shape[-1][0] == "text"):
            shape.append(entry)
    return shape


def _slugless(href: str) -> str:
    """An outlet's or a tag's page is named after it: only that part of an href may vary."""
    return SOURCE_PAGE.sub("SOURCE", href)


class _TagShape(HTMLParser):
    """Tags and attribute names of an HTML page; hrefs and classes, which we set, in full."""

    def __init__(self) -> None:
        super().__init__()
        self.shape: list[tuple[str, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        kept = (
            ""
            if values.get("class") == "headerlink"
            else f"{values.get('class')} {_slugless(values.get('href') or '')}"
        )
        self.shape.append((tag, " ".join(sorted(values)), kept))


def _mkdocs_markdown() -> markdown.Markdown:
    """Python-Markdown with MkDocs' built-in extensions and those of the project's mkdocs.yml."""
    config = yaml.safe_load((PROJECT_ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    names, options = ["toc", "tables", "fenced_code"], {}
    for item in config["markdown_extensions"]:
        name, item_options = next(iter(item.items())) if isinstance(item, dict) else (item, {})
        names.append(name)
        options[name] = item_options
    return markdown.Markdown(extensions=list(dict.fromkeys(names)), extension_configs=options)


_PYTHON_MARKDOWN = _mkdocs_markdown()


def mkdocs_html(body: str) -> str:
    return str(_PYTHON_MARKDOWN.reset().convert(body))


def mkdocs_shape(body: str) -> list[tuple[str, ...]]:
    parser = _TagShape()
    parser.feed(mkdocs_html(body))
    return parser.shape


def assert_renders_as_text(texts: dict[str, str]) -> str:
    """Render hostile and harmless versions and compare their structure; return the event body."""
    pages = render(**texts)
    harmless = render(**{field: benign(text) for field, text in texts.items()})
    meta, _ = split_front_matter(pages[PAGE])
    assert html.unescape(meta["title"]) == texts["title"]
    assert not {"<", ">", '"', "'"} & set(meta["title"])
    checked = [(pages[path], harmless[path]) for path in CHECKED_PAGES]
    checked += list(zip(tag_page(pages), tag_page(harmless), strict=True))
    for page, benign_page in checked:
        _, body = split_front_matter(page)
        _, benign_body = split_front_matter(benign_page)
        tokens = commonmark_shape(body)
        assert not {t[0] for t in tokens} & {"html_block", "html_inline", "image", "code_inline"}
        assert tokens == commonmark_shape(benign_body), page
        assert mkdocs_shape(body) == mkdocs_shape(benign_body), page
    assert_feeds_are_well_formed(pages, texts["title"])
    return split_front_matter(pages[PAGE])[1]


def assert_feeds_are_well_formed(pages: dict[str, str], title: str) -> None:
    """Both feeds parse as strict XML and give the title back, less what XML cannot hold
    (and with line ends normalised, as every XML parser does)."""
    expected = xml_text(title).replace("\r\n", "\n").replace("\r", "\n")
    for name, path in (
        ("feed.xml", "channel/item/title"),
        ("atom.xml", f"{ATOM}entry/{ATOM}title"),
    ):
        root = ET.fromstring(pages[name].encode("utf-8"))  # noqa: S314 our own output
        assert (root.findtext(path) or "") == expected, name


FIELDS = ("title", "outlet", "body", "sentence", "subject", "value", "note", "unique", "headline")


MARKDOWN_PIECES = [
    *"#>-+*_=~?!:|[](){}<>&`\\'\"^.0123456789ax \t\n\r\x00\x02\x03\u2028\x85\xa0",
    *["\n\n", "    ", "!!!", "???", "```", "---", "===", "[^1]", "*[", "&amp;", "&#60;"],
    *["<!--", "{:", "[TOC]", "<div>", "http://e.x", "javascript:"],
]
"""Characters and tokens that mean something to Markdown, to hit its constructs often."""


@given(st.fixed_dictionaries({field: st.text() for field in FIELDS}))
def test_any_article_text_renders_as_text(texts: dict[str, str]) -> None:
    assert_renders_as_text(texts)


@given(
    st.fixed_dictionaries(
        {field: st.lists(st.sampled_from(MARKDOWN_PIECES)).map("".join) for field in FIELDS}
    )
)
def test_markdown_syntax_in_article_text_renders_as_text(texts: dict[str, str]) -> None:
    assert_renders_as_text(texts)


@given(st.text())
def test_front_matter_title_round_trips_through_yaml(title: str) -> None:
    meta, _ = split_front_matter(f"---\ntitle: {yaml_str(title)}\n---\n")
    assert meta["title"] == title


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_renders_as_text(text: str) -> None:
    body = assert_renders_as_text(dict.fromkeys(FIELDS, text))
    html = mkdocs_html(body)
    assert "<script" not in html
    assert "evil" not in re.findall(r'(?:href|src)="([^"]*)"', html)


@pytest.mark.parametrize("text", HOSTILE)
def test_the_pages_of_the_tags_initials_show_names_as_text(text: str) -> None:
    """Every tag on the page of its initial (none listed by the index itself): the pages
    differ from a harmless text's in number and names, so they are checked on their own."""
    with patch("digest.render.INDEX_TAGS", 0):
        pages = render(**dict.fromkeys(FIELDS, text))
    initials = [page for path, page in pages.items() if path.startswith("tags/index/")]
    assert initials
    for page in [pages["tags/index.md"], *initials]:
        meta, body = split_front_matter(page)
        assert not {"<", ">", '"', "'"} & set(meta["title"])
        tokens = commonmark_shape(body)
        assert not {t[0] for t in tokens} & {"html_block", "html_inline", "image", "code_inline"}
        assert "<script" not in mkdocs_html(body)


def test_script_tags_show_as_text_in_the_html() -> None:
    body = assert_renders_as_text(dict.fromkeys(FIELDS, "<script>alert(1)</script>"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mkdocs_html(body)


def test_templates_in_article_text_are_not_evaluated() -> None:
    body = assert_renders_as_text(dict.fromkeys(FIELDS, "{{ 7*7 }} {% if 1 %}yes{% endif %}"))
    html = mkdocs_html(body)
    assert "{{ 7*7 }} {% if 1 %}yes{% endif %}" in html
    assert "49" not in html


def test_apostrophes_and_quotes_reach_the_reader_as_typed() -> None:
    assert md_inline('Bachelet\'s "call"') == 'Bachelet\'s "call"'
    body = assert_renders_as_text(dict.fromkeys(FIELDS, 'Bachelet\'s "call"'))
    assert "Bachelet's" in mkdocs_html(body)
    assert "&#39;" not in body


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("# x", "\\# x"),
        ("- x", "\\- x"),
        ("+ x", "\\+ x"),
        ("1. x", "1\\. x"),
        ("3.5 million", "3.5 million"),
        ("2) x", "2\\) x"),
        ("=== x", "&#61;== x"),
        ("??? x", "&#63;?? x"),
        ("~~~", "&#126;~~"),
        ("!!! x", "\\!!! x"),
        ("> x", "&gt; x"),
        ("a\n\n    b", "a b"),
    ],
)
def test_line_starts_that_open_blocks_are_escaped(text: str, escaped: str) -> None:
    assert md_inline(text) == escaped


def test_block_text_keeps_paragraphs_and_drops_indentation() -> None:
    assert md_block("  one\n two\n\n\n    - three\n\n \n") == "one two\n\n\\- three"


@given(st.text(alphabet=st.sampled_from("\\&<>`*_{}[]#|ab &;lt")))
def test_inline_escapes_are_one_translate(text: str) -> None:
    """The escapes, replaced one character after the other, are those of one pass."""
    table = str.maketrans(dict(_INLINE_ESCAPES))
    assert _escape_inline(text) == text.translate(table)


def test_indented_block_is_the_block_indented_by_jinja() -> None:
    text = "  one\n two\n\n\n    - three\n\n \nfour  <b>"
    assert md_block(text, indent=4) == do_indent(md_block(text), 4)
