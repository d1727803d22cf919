"""Feeds: RSS 2.0 and Atom 1.0 of the newest events, well-formed whatever the article text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from typing import Any

import feedparser
import pytest

from digest.feeds import FEED_SIZE
from digest.model import BuildResult, Stories
from digest.render import render_pages
from tests.factories import story
from tests.test_render import EVENT_A, EVENT_C, TEMPLATES, sample_result

HOSTILE_TITLE = 'Idlib <script>alert("x")</script> ]]> & \x00\x08\x0b\x1b\x7f\ufffe end'
VISIBLE_TITLE = 'Idlib <script>alert("x")</script> ]]> &  end'
"""The hostile title as a reader sees it: markup as text, XML-illegal characters gone."""
ATOM = "{http://www.w3.org/2005/Atom}"


def feeds(result: BuildResult | None = None, **options: Any) -> tuple[str, str]:
    pages = render_pages(
        result or sample_result(title=HOSTILE_TITLE),
        templates_dir=TEMPLATES,
        locale="en",
        **options,
    )
    return pages["feed.xml"], pages["atom.xml"]


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feeds_parse_cleanly_with_titles_links_and_dates(kind: str) -> None:
    rss, atom = feeds()
    parsed = feedparser.parse(rss if kind == "rss" else atom)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == ("rss20" if kind == "rss" else "atom10")
    assert [e.title for e in parsed.entries] == [VISIBLE_TITLE, "235,000 flee Idlib in two weeks"]
    assert [e.link for e in parsed.entries] == [f"events/{EVENT_A}.html", f"events/{EVENT_C}.html"]
    assert [e.published_parsed[:3] if kind == "rss" else e.updated_parsed[:3]
            for e in parsed.entries] == [(2020, 1, 17), (2019, 12, 27)]  # fmt: skip
    assert parsed.entries[0].summary.startswith("About 350,000 people have fled")
    assert parsed.feed.title == "News briefing"
    assert len({e.id for e in parsed.entries}) == 2


@pytest.mark.parametrize("page", ["feed.xml", "atom.xml"])
def test_markup_in_article_text_is_escaped_as_text(page: str) -> None:
    text = dict(zip(["feed.xml", "atom.xml"], feeds(), strict=True))[page]
    # strict XML: fails on any illegal character; the text is our own output, not untrusted
    root = ET.fromstring(text.encode("utf-8"))  # noqa: S314
    titles = [element.text for element in root.iter() if element.tag in {"title", f"{ATOM}title"}]
    assert VISIBLE_TITLE in titles
    assert "<script>" not in text
    assert "]]>" not in text
    assert "&lt;script&gt;" in text
    assert not any(ord(c) < 0x20 and c not in "\t\n\r" for c in text)


def test_the_atom_feed_names_each_event_s_outlets_as_authors() -> None:
    _, atom = feeds()
    entries = feedparser.parse(atom).entries
    assert [a.name for a in entries[0].authors] == ["The Moscow Times", "Enab Baladi"]
    assert [a.name for a in entries[1].authors] == ["Unknown source"]


def test_with_a_site_url_links_are_absolute() -> None:
    rss, atom = feeds(site_url="https://example.org/briefing")
    for text in (rss, atom):
        parsed = feedparser.parse(text)
        assert parsed.entries[0].link == f"https://example.org/briefing/events/{EVENT_A}.html"
        assert parsed.feed.link == "https://example.org/briefing/index.html"
        assert "links are relative" not in text
    assert "links are relative" in feeds()[0]


def test_feeds_are_dated_by_events_not_by_the_clock() -> None:
    rss, atom = feeds()
    assert "<lastBuildDate>Fri, 17 Jan 2020 00:00:00 +0000</lastBuildDate>" in rss
    assert "<updated>2020-01-17T00:00:00Z</updated>" in atom
    assert feeds() == (rss, atom)


def test_feeds_hold_the_newest_dated_events_each_day_ranked() -> None:
    first = date(2020, 1, 1)
    stories = [
        story(f"day-{n:02}-{rank}", first + timedelta(days=n), ["A"] * (1 + rank % 2))
        for n in range(40)
        for rank in range(2)
    ]
    stories.append(story("undated", None, ["A"]))
    articles = tuple(s.article for st in stories for s in st.event.segments)
    rss, _ = feeds(
        BuildResult(stories=Stories.of(stories), storylines=(), rejected=(), articles=articles)
    )
    titles = [e.title for e in feedparser.parse(rss).entries]
    assert len(titles) == FEED_SIZE
    assert titles[:4] == ["day-39-1", "day-39-0", "day-38-1", "day-38-0"]
    assert "undated" not in titles


def test_an_empty_build_gives_valid_empty_feeds() -> None:
    rss, atom = feeds(BuildResult(stories=Stories.of(()), storylines=(), rejected=(), articles=()))
    for text in (rss, atom):
        parsed = feedparser.parse(text)
        assert not parsed.bozo
        assert parsed.entries == []
