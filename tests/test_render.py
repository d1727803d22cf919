"""Render: golden pages, the events.json contract, writing the docs dir, safe slugs."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest import render
from digest.config import PROJECT_ROOT
from digest.model import (
    Article,
    BuildCache,
    BuildResult,
    CleanArticle,
    Difference,
    DifferenceKind,
    Event,
    Location,
    Rejected,
    Segment,
    Stories,
    Story,
    Storyline,
    StorySentence,
    UniqueFact,
    Value,
)
from digest.render import (
    HOME_EARLIER_DAYS,
    HOME_EARLIER_EVENTS,
    HOME_LEAD_EVENTS,
    LISTED_EVENTS,
    MONTH_EVENTS_PER_DAY,
    MONTH_LISTED_EVENTS,
    DocsWriter,
    FileRange,
    Part,
    RenderOptions,
    _indented_json,
    events_json,
    render_pages,
    render_site,
    write_docs,
)
from digest.site_index import Entry, index_site
from digest.slugs import MAX_SLUG_LENGTH, source_slug
from tests.factories import story

TEMPLATES = PROJECT_ROOT / "templates"
EVENT_A = "2020-01-17-350000-syrians-flee-idlib"
EVENT_C = "2019-12-27-235000-flee-idlib-in-two-weeks"
MOSCOW = "001_9f74695476fa3c8e.txt"
ROUNDUP = "002_c623d46ca901d4fa.txt"
OCHA = "003_74ca848829909573.txt"


def clean_article(
    article_id: str, *, source: str | None, url: str | None, published: date | None, title: str
) -> CleanArticle:
    """A cleaned article whose text is two short paragraphs."""
    text = f"{title}.\n\nA second paragraph of {article_id}."
    article = Article(id=article_id, text=text, origin=Location(path=article_id))
    return CleanArticle(
        article=article, title=title, source=source, url=url, published=published, text=text
    )


def segment(article: CleanArticle, number: int | None = None, **overrides: Any) -> Segment:
    fields: dict[str, Any] = {"title": article.title, "text": article.text} | overrides
    return Segment(article=article, number=number, **fields)


def sample_result(**event_a_overrides: Any) -> BuildResult:
    """Two events of one storyline: A (two outlets, one a roundup section), C (one article)."""
    moscow = clean_article(
        MOSCOW,
        source="The Moscow Times",
        url="https://www.themoscowtimes.com/2020/01/17/un-says-350000-flee-idlib",
        published=date(2020, 1, 17),
        title="UN Says 350,000 Flee Idlib Offensive",
    )
    roundup = clean_article(
        ROUNDUP,
        source="Enab Baladi",
        url="https://example.org/roundup?day=17&lang=en",
        published=date(2020, 1, 17),
        title="Syria roundup",
    )
    ocha = clean_article(
        OCHA, source=None, url="javascript:alert(1)", published=None, title="235,000 flee"
    )
    a1, a2 = segment(moscow), segment(roundup, 2, title="Idlib [update]: 350,0000 *displaced*")
    event_a = Event(
        id=EVENT_A,
        title="350,000 Syrians flee Idlib offensive, UN says",
        date=date(2020, 1, 17),
        segments=(a1, a2),
        storyline="idlib-offensive",
    )
    event_c = Event(
        id=EVENT_C,
        title="235,000 flee Idlib in two weeks",
        date=date(2019, 12, 27),
        segments=(segment(ocha),),
        storyline="idlib-offensive",
    )
    story_a = Story(
        event=event_a,
        sentences=(
            StorySentence(
                text="About 350,000 people have fled the offensive since early December, "
                "the United Nations said.",
                segments=(a1.id, a2.id),
            ),
            StorySentence(
                text="UN rights chief Michelle Bachelet called for an immediate cessation "
                "of hostilities.",
                segments=(a1.id,),
            ),
        ),
        differences=(
            Difference(
                kind=DifferenceKind.NUMBER,
                subject="people who fled since early December",
                values=(
                    Value(text="350,000", normalized="350000", segments=(a1.id,)),
                    Value(
                        text="350,0000",
                        normalized="3500000",
                        segments=(a2.id,),
                        sentence="Some 350,0000 people fled.",
                    ),
                ),
                note="likely a typo",
            ),
            Difference(
                kind=DifferenceKind.DATE,
                subject="when the UN reported the figure",
                values=(
                    Value(text="on Thursday", normalized="2020-01-16", segments=(a1.id,)),
                    Value(text="on Jan. 17", normalized="2020-01-17", segments=(a2.id,)),
                ),
            ),
        ),
        unique=(
            UniqueFact(
                segment=a2.id,
                text="1,506 civilians were killed since 29 April, 293 women and 433 children.",
            ),
        ),
        alternative_titles=("UN Says 350,000 Flee Idlib Offensive",),
    )
    story_c = Story(
        event=event_c,
        sentences=(
            StorySentence(
                text="235,000 people fled Idlib in two weeks, OCHA said.",
                segments=(event_c.segments[0].id,),
            ),
        ),
    )
    story_a = _replace_event(story_a, **event_a_overrides)
    return BuildResult(
        stories=Stories.of((story_a, story_c)),
        storylines=(
            Storyline(id="idlib-offensive", title="Idlib offensive", event_ids=(EVENT_C, EVENT_A)),
        ),
        rejected=(Rejected("inbox/broken.jsonl", 7, "invalid JSON: Expecting ',' delimiter"),),
        articles=(moscow, roundup, ocha),
    )


def _replace_event(story: Story, **overrides: Any) -> Story:
    if not overrides:
        return story
    event = story.event
    fields = {f: getattr(event, f) for f in ("id", "title", "date", "segments", "storyline")}
    return Story(
        event=Event(**(fields | overrides)),
        sentences=story.sentences,
        differences=story.differences,
        unique=story.unique,
        alternative_titles=story.alternative_titles,
    )


@pytest.fixture
def pages() -> dict[str, str]:
    return render_pages(sample_result(), templates_dir=TEMPLATES, locale="en_GB")


# --- Pages ------------------------------------------------------------------------------


def test_pages_cover_every_part_of_the_site(pages: dict[str, str]) -> None:
    assert sorted(pages) == [
        "archive/2019-12-27.md",
        "archive/2019-12.md",
        "archive/2020-01-17.md",
        "archive/2020-01.md",
        "archive/index.md",
        "atom.xml",
        "events.json",
        f"events/{EVENT_C}.md",
        f"events/{EVENT_A}.md",
        "feed.xml",
        "index.md",
        "rejected.md",
        "sources/enab-baladi.md",
        "sources/index.md",
        "sources/the-moscow-times.md",
        "sources/unknown-source.md",
        "storylines/idlib-offensive.md",
        "storylines/index.md",
        "tags/index.md",
        "tags/michelle-bachelet.md",
        "tags/ocha.md",
        "tags/united-nations.md",
    ]


def test_index_page_matches_golden(
    pages: dict[str, str], golden: Callable[[str, str], None]
) -> None:
    golden("render/index.md", pages["index.md"])


def test_event_page_matches_golden(
    pages: dict[str, str], golden: Callable[[str, str], None]
) -> None:
    golden("render/event.md", pages[f"events/{EVENT_A}.md"])


@pytest.mark.parametrize(
    ("page", "name"),
    [
        ("archive/index.md", "archive.md"),
        ("archive/2020-01.md", "month.md"),
        ("archive/2020-01-17.md", "day.md"),
        ("storylines/index.md", "storylines.md"),
        ("storylines/idlib-offensive.md", "storyline.md"),
        ("sources/index.md", "sources.md"),
        ("sources/enab-baladi.md", "source.md"),
        ("tags/index.md", "tags.md"),
        ("tags/united-nations.md", "tag.md"),
        ("feed.xml", "feed.xml"),
        ("atom.xml", "atom.xml"),
    ],
)
def test_site_pages_match_their_golden_files(
    pages: dict[str, str], golden: Callable[[str, str], None], page: str, name: str
) -> None:
    golden(f"render/{name}", pages[page])


def test_dates_and_numbers_follow_the_locale() -> None:
    pages = render_pages(sample_result(), templates_dir=TEMPLATES, locale="fr")
    event = pages[f"events/{EVENT_A}.md"]
    assert "## Vendredi 17 janvier 2020" in pages["index.md"]  # a heading starts with a capital
    assert "[17 janvier 2020](../archive/2020-01-17.md) · 2 sources" in event
    assert "# Janvier 2020" in pages["archive/2020-01.md"]
    assert "| [Décembre 2019](2019-12.md) | 1 | 1 |" in pages["archive/index.md"]
    assert (
        "**17 janvier 2020** · 3\u00a0semaines plus tard · 2 sources\n"
        in (pages["storylines/idlib-offensive.md"])
    )
    # what a value means, as the reader's language writes a day and a figure
    assert "- «\u00a0on Thursday\u00a0» (16 janvier 2020)\u00a0: The Moscow Times" in event
    assert "- «\u00a0350,0000\u00a0» (3\u202f500\u202f000)\u00a0: Enab Baladi" in event
    assert "- «\u00a0350,000\u00a0» (350\u202f000)\u00a0: The Moscow Times" in event


@pytest.mark.parametrize("locale", ["fr", "ar"])
@pytest.mark.parametrize(
    ("page", "name"),
    [
        ("index.md", "index.md"),
        (f"events/{EVENT_A}.md", "event.md"),
        ("sources/index.md", "sources.md"),
    ],
)
def test_translated_pages_match_their_golden_files(
    golden: Callable[[str, str], None], locale: str, page: str, name: str
) -> None:
    pages = render_pages(sample_result(), templates_dir=TEMPLATES, locale=locale)
    golden(f"render-{locale}/{name}", pages[page])


def test_a_value_shows_its_meaning_only_when_it_says_more() -> None:
    event = render_pages(sample_result(), templates_dir=TEMPLATES, locale="en")[
        f"events/{EVENT_A}.md"
    ]
    assert "- “350,000”: The Moscow Times" in event  # "350,000" means 350,000
    assert "- “350,0000” (3,500,000): Enab Baladi" in event
    assert "- “on Jan. 17” (January 17, 2020): Enab Baladi" in event


def test_rendering_twice_gives_the_same_pages(pages: dict[str, str]) -> None:
    assert render_pages(sample_result(), templates_dir=TEMPLATES, locale="en_GB") == pages


def test_only_web_addresses_become_links(pages: dict[str, str]) -> None:
    event_c = pages[f"events/{EVENT_C}.md"]
    assert "javascript:alert(1) (not a web link)" in event_c
    assert "](javascript" not in event_c
    assert (
        "(https://example.org/roundup?day=17&lang=en){ .digest-url }"
        in pages[f"events/{EVENT_A}.md"]
    )


def test_rejected_page_lists_input_line_and_reason(pages: dict[str, str]) -> None:
    assert (
        "| inbox/broken.jsonl | 7 | invalid JSON: Expecting ',' delimiter |" in pages["rejected.md"]
    )
    assert "[the rejected inputs](rejected.md)" in pages["index.md"]


def test_storyline_page_lists_its_events_oldest_first(pages: dict[str, str]) -> None:
    page = pages["storylines/idlib-offensive.md"]
    assert page.index(f"events/{EVENT_C}.md") < page.index(f"events/{EVENT_A}.md")


def test_the_storyline_timeline_gives_each_gap_between_event_dates(
    pages: dict[str, str],
) -> None:
    page = pages["storylines/idlib-offensive.md"]
    assert "**27 December 2019** · First report · 1 source\n" in page
    assert "**17 January 2020** · 3 weeks later · 2 sources\n" in page


def test_the_event_page_links_its_day_and_its_tags(pages: dict[str, str]) -> None:
    page = pages[f"events/{EVENT_A}.md"]
    assert "[17 January 2020](../archive/2020-01-17.md) · 2 sources" in page
    assert (
        "People: [Michelle Bachelet](../tags/michelle-bachelet.md) · Organisations: "
        "[United Nations](../tags/united-nations.md)\n{: .digest-tags }"
    ) in page


def test_day_pages_link_the_days_before_and_after(pages: dict[str, str]) -> None:
    assert "← Older: [27 December 2019](2019-12-27.md)" in pages["archive/2020-01-17.md"]
    assert "Newer: [17 January 2020](2020-01-17.md) →" in pages["archive/2019-12-27.md"]
    assert "← Older" not in pages["archive/2019-12-27.md"]
    assert "← Older: [December 2019](2019-12.md)" in pages["archive/2020-01.md"]


def test_a_source_page_shows_its_statistics(pages: dict[str, str]) -> None:
    assert "| 1 | 1 | 0 events | 1 event, 2 points |" in pages["sources/enab-baladi.md"]
    assert "| [Unknown source](unknown-source.md) | 1 | 1 | 1 | 0 |" in pages["sources/index.md"]


def test_undated_events_have_an_archive_page() -> None:
    pages = render_pages(sample_result(date=None), templates_dir=TEMPLATES, locale="en")
    assert "# Events without a date" in pages["archive/undated.md"]
    assert f"](../events/{EVENT_A}.md)" in pages["archive/undated.md"]
    assert "[Events without a date](undated.md): 1 event" in pages["archive/index.md"]


def test_a_storyline_id_that_names_the_index_gets_another_page() -> None:
    result = sample_result(storyline="index")
    result = BuildResult(
        stories=result.stories,
        storylines=(Storyline(id="index", title="Index", event_ids=(EVENT_A,)),),
        rejected=(),
        articles=result.articles,
    )
    result = BuildResult(
        stories=Stories.of((result.stories[0], _replace_event(result.stories[1], storyline=None))),
        storylines=result.storylines,
        rejected=(),
        articles=result.articles,
    )
    pages = render_pages(result, templates_dir=TEMPLATES, locale="en")
    assert "# Index" in pages["storylines/index-storyline.md"]
    assert "# Storylines" in pages["storylines/index.md"]
    assert "(../storylines/index-storyline.md)" in pages[f"events/{EVENT_A}.md"]
    assert json.loads(pages["events.json"])["storylines"][0]["page"] == (
        "storylines/index-storyline.md"
    )


def test_the_briefing_stays_small_however_many_events_there_are() -> None:
    stories = [
        story(f"2020-01-{day:02}-event-{n:03}", date(2020, 1, day), ["A"] * (1 + n % 3))
        for day in range(1, 31)
        for n in range(100)
    ]
    articles = tuple(s.article for st in stories for s in st.event.segments)
    result = BuildResult(stories=Stories.of(stories), storylines=(), rejected=(), articles=articles)
    pages = render_pages(result, templates_dir=TEMPLATES, locale="en")
    home = pages["index.md"]
    linked = re.findall(r"\]\(events/([^)]+)\.md\)", home)
    assert len(linked) == HOME_LEAD_EVENTS + HOME_EARLIER_DAYS * HOME_EARLIER_EVENTS
    assert linked[0] == "2020-01-30-event-002"  # the latest day, most reports first
    assert "[All 100 events of this day](archive/2020-01-30.md)" in home
    assert len(home) < 20_000
    month = pages["archive/2020-01.md"]
    assert len(re.findall(r"\]\(\.\./events/", month)) == 30 * MONTH_EVENTS_PER_DAY
    assert len(re.findall(r"\]\(\.\./events/", pages["archive/2020-01-17.md"])) == 100


def archive_of(
    days: Sequence[date | None], *, text: str = "The talks were held in Paris on Monday."
) -> BuildResult:
    """One event a day of one outlet ("Agency"), each naming a place (a tag)."""
    stories = [
        story(f"{day or 'undated'}-event-{n:03}", day, ["Agency"], text=text)
        for n, day in enumerate(days)
    ]
    articles = tuple(s.article for st in stories for s in st.event.segments)
    return BuildResult(stories=Stories.of(stories), storylines=(), rejected=(), articles=articles)


DAYS_OF_2020 = [date(2020, 1, 1) + timedelta(days=n) for n in range(90)]
"""January to March 2020 (31, 29 and 30 days): more events than a source page lists."""


@pytest.mark.parametrize("folder", ["sources/agency", "tags/paris"])
def test_a_long_source_or_tag_page_lists_its_newest_events_and_links_a_page_per_month(
    folder: str,
) -> None:
    assert len(DAYS_OF_2020) > LISTED_EVENTS
    pages = render_pages(archive_of([*DAYS_OF_2020, None]), templates_dir=TEMPLATES, locale="en")
    page = pages[f"{folder}.md"]
    linked = re.findall(r"\]\(\.\./events/([^)]+)\.md\)", page)
    assert len(linked) == LISTED_EVENTS
    assert linked[0] == "2020-03-30-event-089"
    assert "| [March 2020](" + folder.split("/")[1] + "/2020-03.md) | 30 |" in page
    assert "| [Undated](" + folder.split("/")[1] + "/undated.md) | 1 |" in page
    months = sorted(p.removeprefix(folder + "/") for p in pages if p.startswith(folder + "/"))
    assert months == ["2020-01.md", "2020-02.md", "2020-03.md", "undated.md"]
    february = pages[f"{folder}/2020-02.md"]
    assert february.startswith("---\ntitle: ")
    assert "29 events, newest first." in february
    listed = re.findall(r"\]\(\.\./\.\./events/([^)]+)\.md\)", february)
    assert listed == [f"{d}-event-{n:03}" for n, d in enumerate(DAYS_OF_2020)][59:30:-1]
    assert "← Older: [January 2020](2020-01.md) · Newer: [March 2020](2020-03.md) →" in february


def test_a_short_source_page_lists_every_event_and_has_no_month_pages() -> None:
    pages = render_pages(
        archive_of(DAYS_OF_2020[:LISTED_EVENTS]), templates_dir=TEMPLATES, locale="en"
    )
    assert len(re.findall(r"\]\(\.\./events/", pages["sources/agency.md"])) == LISTED_EVENTS
    assert "By month" not in pages["sources/agency.md"]
    assert not [p for p in pages if p.startswith(("sources/agency/", "tags/paris/"))]


def test_a_new_event_leaves_the_pages_of_past_months_as_they_were() -> None:
    before = render_pages(archive_of(DAYS_OF_2020), templates_dir=TEMPLATES, locale="en")
    after = render_pages(
        archive_of([*DAYS_OF_2020, date(2020, 3, 31)]), templates_dir=TEMPLATES, locale="en"
    )
    changed = sorted(
        p for p in after if p.startswith(("sources/", "tags/")) and before.get(p) != after[p]
    )
    assert changed == [
        "sources/agency.md",
        "sources/agency/2020-03.md",
        "sources/index.md",
        "tags/index.md",
        "tags/paris.md",
        "tags/paris/2020-03.md",
    ]


BUSY_JANUARY = [date(2020, 1, day) for day in (3, 4, 5) for _ in range(20)]
"""60 events on three days of January 2020: more than a month page lists."""


@pytest.mark.parametrize("folder", ["sources/agency", "tags/paris"])
def test_a_busy_month_page_lists_its_days_and_each_day_has_a_page(folder: str) -> None:
    assert len(BUSY_JANUARY) > MONTH_LISTED_EVENTS
    pages = render_pages(
        archive_of([*BUSY_JANUARY, date(2020, 2, 1)]), templates_dir=TEMPLATES, locale="en"
    )
    listed = sorted(p.removeprefix(folder + "/") for p in pages if p.startswith(folder + "/"))
    assert listed == ["2020-01-03.md", "2020-01-04.md", "2020-01-05.md", "2020-01.md", "2020-02.md"]
    january = pages[f"{folder}/2020-01.md"]
    assert "60 events on 3 days, newest day first." in january
    assert "## [Saturday, January 4, 2020](2020-01-04.md)" in january
    assert "- [All 20 events of this day](2020-01-04.md)" in january
    assert "/events/" not in january
    day = pages[f"{folder}/2020-01-04.md"]
    assert day.startswith("---\ntitle: ")
    assert "20 events, newest first. [January 2020](2020-01.md)" in day
    assert (
        "← Older: [January 3, 2020](2020-01-03.md) · Newer: [January 5, 2020](2020-01-05.md) →"
        in day
    )
    ids = re.findall(r"\]\(\.\./\.\./events/([^)]+)\.md\)", day)
    assert ids == [f"2020-01-04-event-{n:03}" for n in range(20, 40)]
    assert "20 events, newest first." in pages[f"{folder}/2020-01-04.md"]
    assert "1 event, newest first." in pages[f"{folder}/2020-02.md"]  # a quiet month lists it


def test_a_new_event_in_a_busy_month_leaves_the_pages_of_its_other_days_as_they_were() -> None:
    before = render_pages(archive_of(BUSY_JANUARY), templates_dir=TEMPLATES, locale="en")
    after = render_pages(
        archive_of([*BUSY_JANUARY, date(2020, 1, 4)]), templates_dir=TEMPLATES, locale="en"
    )
    changed = sorted(
        p
        for p in after
        if p.startswith(("sources/agency", "tags/paris")) and before.get(p) != after[p]
    )
    assert changed == [
        "sources/agency.md",
        "sources/agency/2020-01-04.md",
        "sources/agency/2020-01.md",
        "tags/paris.md",
        "tags/paris/2020-01-04.md",
        "tags/paris/2020-01.md",
    ]


def test_many_tags_are_listed_by_their_initial_and_the_index_shows_the_most_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("digest.render.INDEX_TAGS", 1)
    pages = render_pages(sample_result(), templates_dir=TEMPLATES, locale="en")
    index = pages["tags/index.md"]
    assert re.findall(r"\]\(([a-z-]+)\.md\)", index) == ["michelle-bachelet", "ocha"]
    assert "[M](index/m.md) · [O](index/o.md) · [U](index/u.md)" in index
    initials = sorted(p for p in pages if p.startswith("tags/index/"))
    assert initials == ["tags/index/m.md", "tags/index/o.md", "tags/index/u.md"]
    assert "- [United Nations](../united-nations.md) — 1 event\n" in pages["tags/index/u.md"]
    assert pages["tags/index/u.md"].startswith('---\ntitle: "Tags: U"\n---\n\n# Tags: U\n')


def test_repeated_event_ids_are_refused() -> None:
    result = sample_result(id=EVENT_C)
    with pytest.raises(ValueError, match="repeated"):
        render_pages(result, templates_dir=TEMPLATES, locale="en")


def test_a_storyline_naming_a_missing_event_is_refused() -> None:
    result = sample_result()
    broken = Storyline(id="idlib-offensive", title="Idlib", event_ids=(EVENT_A, "gone"))
    result = BuildResult(
        stories=result.stories, storylines=(broken,), rejected=(), articles=result.articles
    )
    with pytest.raises(ValueError, match=r"unknown storylines \[\] or events \['gone'\]"):
        render_pages(result, templates_dir=TEMPLATES, locale="en")


def test_event_ids_that_are_not_file_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unsafe"):
        render_pages(sample_result(id="../x"), templates_dir=TEMPLATES, locale="en")


# --- events.json ------------------------------------------------------------------------


def test_events_json_lists_every_member_newest_event_first() -> None:
    result = sample_result()
    document = json.loads(events_json(result))
    words = {s.article.id: len(s.text.split()) for s in result.stories[0].event.segments}
    assert document["schema"] == 1
    assert [e["id"] for e in document["events"]] == [EVENT_A, EVENT_C]
    event_a = document["events"][0]
    assert event_a["page"] == f"events/{EVENT_A}.md"
    assert event_a["storyline"] == "idlib-offensive"
    assert event_a["members"] == [
        {
            "article": MOSCOW,
            "segment": None,
            "source": "The Moscow Times",
            "url": "https://www.themoscowtimes.com/2020/01/17/un-says-350000-flee-idlib",
            "date": "2020-01-17",
            "title": "UN Says 350,000 Flee Idlib Offensive",
            "words": words[MOSCOW],
        },
        {
            "article": ROUNDUP,
            "segment": 2,
            "source": "Enab Baladi",
            "url": "https://example.org/roundup?day=17&lang=en",
            "date": "2020-01-17",
            "title": "Idlib [update]: 350,0000 *displaced*",
            "words": words[ROUNDUP],
        },
    ]
    assert document["events"][1]["date"] == "2019-12-27"


def test_events_json_values_name_the_articles_behind_their_segments() -> None:
    event_a = json.loads(events_json(sample_result()))["events"][0]
    number = event_a["differences"][0]
    assert number["kind"] == "number"
    assert number["note"] == "likely a typo"
    assert number["values"][1] == {
        "text": "350,0000",
        "normalized": "3500000",
        "articles": [ROUNDUP],
        "segments": [f"{ROUNDUP}#2"],
        "sentence": "Some 350,0000 people fled.",
    }
    assert event_a["unique"] == [
        {
            "article": ROUNDUP,
            "segment": 2,
            "text": "1,506 civilians were killed since 29 April, 293 women and 433 children.",
        }
    ]
    assert event_a["sentences"][0]["articles"] == [MOSCOW, ROUNDUP]


def test_events_json_keeps_storylines_and_rejected_with_their_line() -> None:
    document = json.loads(events_json(sample_result()))
    assert document["storylines"] == [
        {
            "id": "idlib-offensive",
            "title": "Idlib offensive",
            "page": "storylines/idlib-offensive.md",
            "events": [EVENT_C, EVENT_A],
        }
    ]
    assert document["rejected"] == [
        {
            "input": "inbox/broken.jsonl",
            "line": 7,
            "reason": "invalid JSON: Expecting ',' delimiter",
        }
    ]


@pytest.mark.parametrize("stories", [slice(None), slice(0)], ids=["events", "no events"])
def test_events_json_is_what_json_dumps_writes_of_the_whole_document(stories: slice) -> None:
    """The events are dumped one by one (with their pages) and set in place: the text is
    still the document's plain `json.dumps`, even with a hostile string in it."""
    hostile = '"events": "\\u0000events\\u0000" \x00events\x00 \n ]'
    result = sample_result(title=hostile)
    result = replace(
        result, stories=Stories.of(result.stories[stories]), storylines=result.storylines[stories]
    )
    text = events_json(result)
    expected = json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n"
    assert text == expected
    assert [e["title"] for e in json.loads(text)["events"]][:1] == [hostile][: len(result.stories)]


def test_events_json_is_indented_utf8_ending_in_a_newline() -> None:
    text = events_json(sample_result())
    assert text.endswith("}\n")
    assert text.startswith('{\n  "schema": 1,')


# --- write_docs -------------------------------------------------------------------------


def test_write_docs_leaves_unchanged_files_alone(tmp_path: Path, pages: dict[str, str]) -> None:
    docs = tmp_path / "docs"
    first = write_docs(pages, docs)
    assert docs / "index.md" in first
    index = docs / "index.md"
    os.utime(index, (1_000_000_000, 1_000_000_000))
    changed = dict(pages) | {"rejected.md": "# Rejected inputs\n\nEvery input was read.\n"}
    assert write_docs(changed, docs) == [docs / "rejected.md"]
    assert index.stat().st_mtime == 1_000_000_000


def test_write_docs_removes_stale_generated_pages_only(
    tmp_path: Path, pages: dict[str, str]
) -> None:
    docs = tmp_path / "docs"
    write_docs(pages, docs)
    (docs / "notes.md").write_text("hand-written\n", encoding="utf-8")
    (docs / "events" / "old" / "deep.md").parent.mkdir()
    (docs / "events" / "old" / "deep.md").write_text("old\n", encoding="utf-8")
    fewer = {k: v for k, v in pages.items() if not k.startswith("storylines/")}
    fewer.pop(f"events/{EVENT_C}.md")
    fewer.pop("rejected.md")
    write_docs(fewer, docs)
    assert not (docs / "events" / f"{EVENT_C}.md").exists()
    assert not (docs / "events" / "old").exists()
    assert not (docs / "storylines").exists()
    assert not (docs / "rejected.md").exists()
    assert (docs / "events" / f"{EVENT_A}.md").exists()
    assert (docs / "notes.md").read_text(encoding="utf-8") == "hand-written\n"


def test_write_docs_removes_the_folders_left_empty_and_only_those(
    tmp_path: Path, pages: dict[str, str]
) -> None:
    docs = tmp_path / "docs"
    write_docs(pages, docs)
    for path in ("tags/a/b/c/old.md", "tags/a/kept.md", "tags/d/e/old.md", "sources/x/old.md"):
        (docs / path).parent.mkdir(parents=True, exist_ok=True)
        (docs / path).write_text("old\n", encoding="utf-8")
    (docs / "tags/empty/inside").mkdir(parents=True)
    (docs / "sources/linked").mkdir()
    (docs / "sources/linked/link").symlink_to(tmp_path)  # not a file: left, not walked
    write_docs(pages, docs, kept=["tags/a/kept.md"])
    assert (docs / "tags/a/kept.md").exists()
    assert not (docs / "tags/a/b").exists()
    assert not (docs / "tags/d").exists()
    assert not (docs / "tags/empty").exists()
    assert not (docs / "sources/x").exists()
    assert (docs / "sources/linked/link").is_symlink()
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.iterdir()) == ["docs"]


def test_write_docs_manages_the_archive_tags_and_feeds_too(
    tmp_path: Path, pages: dict[str, str]
) -> None:
    docs = tmp_path / "docs"
    write_docs(pages, docs)
    assert (docs / "feed.xml").read_text(encoding="utf-8") == pages["feed.xml"]
    fewer = {
        path: text
        for path, text in pages.items()
        if path not in {"tags/united-nations.md", "atom.xml", "archive/2019-12.md"}
    }
    assert write_docs(fewer, docs) == []
    assert not (docs / "tags" / "united-nations.md").exists()
    assert not (docs / "atom.xml").exists()
    assert not (docs / "archive" / "2019-12.md").exists()
    assert (docs / "tags" / "ocha.md").exists()


def test_write_docs_copies_the_hand_written_pages_into_another_docs_dir(
    tmp_path: Path, pages: dict[str, str]
) -> None:
    write_docs(pages, tmp_path)
    assert (tmp_path / "about" / "index.md").read_bytes() == (
        PROJECT_ROOT / "docs" / "about" / "index.md"
    ).read_bytes()
    assert (tmp_path / "stylesheets" / "digest.css").is_file()


def test_a_site_rendered_into_a_writer_is_the_site_rendered_then_written(
    tmp_path: Path, pages: dict[str, str]
) -> None:
    """Each page written as it is made (`events.json` in pieces): the same files."""
    given: list[tuple[str, int]] = []

    def sink(path: str, parts: Sequence[Part]) -> None:
        given.append((path, len(parts)))
        writer(path, parts)

    write_docs(pages, tmp_path / "whole")
    writer = DocsWriter(tmp_path / "streamed")
    options = RenderOptions(templates_dir=TEMPLATES, locale="en_GB")
    rendered = render_site(sample_result(), options, sink=sink)
    writer.finish(rendered.kept)

    assert rendered.pages == {}
    assert writer.paths == set(pages)
    assert dict(given)["events.json"] > 1
    assert files_of(tmp_path / "streamed") == files_of(tmp_path / "whole")


def test_each_template_of_the_index_pages_is_asked_of_jinja_once_a_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`get_template` stats the template's file at each call: once a template, not a page."""
    env = render._environment(TEMPLATES.resolve(), "en")
    asked: list[str] = []
    get_template = env.get_template

    def spy(name: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(name)
        return get_template(name, *args, **kwargs)

    monkeypatch.setattr(env, "get_template", spy)
    pages = render_site(sample_result(), RenderOptions(templates_dir=TEMPLATES, locale="en")).pages

    index_templates = [name for name in asked if name not in {"_macros.j2", "event.md.j2"}]
    assert sum(path.startswith("archive/20") for path in pages) > 2
    assert sorted(index_templates) == sorted(set(index_templates))


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file()
    }


def test_ranges_of_the_file_itself_where_they_are_leave_it_as_it_is(tmp_path: Path) -> None:
    page = tmp_path / "events.json"
    page.write_bytes("é{0123},\n{4567}]".encode())
    os.utime(page, (1_000_000_000, 1_000_000_000))
    parts: list[Part] = ["é", FileRange(page, 2, 6), b",\n", FileRange(page, 10, 7)]

    with DocsWriter(tmp_path) as writer:
        writer("events.json", parts)

    assert page.stat().st_mtime == 1_000_000_000


@pytest.mark.parametrize("kernel_copy", [True, False])
def test_a_page_of_ranges_moved_is_written_with_their_bytes(
    tmp_path: Path, kernel_copy: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ranges copied from the file being replaced (and from another), by the kernel or
    read a chunk at a time; compared first a chunk at a time."""
    if not kernel_copy:
        monkeypatch.delattr(os, "copy_file_range", raising=False)
    monkeypatch.setattr(render, "RANGE_CHUNK", 3)
    page, other = tmp_path / "events.json", tmp_path / "other"
    page.write_bytes(b"[{0123},\n{4567}]")
    other.write_bytes(b"xx{new}yy")
    os.utime(page, (1_000_000_000, 1_000_000_000))
    parts: list[Part] = [
        "[",
        FileRange(other, 2, 5),
        ",\n",
        FileRange(page, 1, 14),
        b"]",
    ]

    with DocsWriter(tmp_path) as writer:
        writer("events.json", parts)

    assert page.read_bytes() == b"[{new},\n{0123},\n{4567}]"
    assert page.stat().st_mtime != 1_000_000_000
    assert not list(tmp_path.glob(".*"))


@pytest.mark.parametrize("leaving", ["finish", "close"])
def test_a_range_past_the_end_of_its_file_fails_and_leaves_the_page(
    tmp_path: Path, leaving: str
) -> None:
    """The page is written on the writer's thread: its error is raised when the writer
    is finished or closed."""
    page = tmp_path / "events.json"
    page.write_bytes(b"[{0123}]")
    writer = DocsWriter(tmp_path)
    writer("events.json", ["[", FileRange(page, 1, 20), "]"])
    with pytest.raises(OSError, match="past the end"):
        getattr(writer, leaving)()
    assert page.read_bytes() == b"[{0123}]"


def test_a_page_of_ranges_is_written_while_the_caller_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its copy waits here until the caller has written another page: the caller is not
    kept waiting, and `finish` returns the page whole, in the files written."""
    page, source = tmp_path / "events.json", tmp_path / "source"
    source.write_bytes(b"xx{0123}")
    other_written = threading.Event()
    copy_range = render._copy_range

    def copy_after_the_other_page(*args: int) -> None:
        assert other_written.wait(timeout=10), "the caller waited for the copy"
        time.sleep(0.05)
        copy_range(*args)

    monkeypatch.setattr(render, "_copy_range", copy_after_the_other_page)
    with DocsWriter(tmp_path) as writer:
        writer("events.json", ["[", FileRange(source, 2, 6), "]"])
        writer("index.md", ["home"])
        other_written.set()
        written = writer.finish()

    assert page.read_bytes() == b"[{0123}]"
    assert {page, tmp_path / "index.md"} <= set(written)
    assert written == sorted(written)


def test_a_writer_left_by_an_error_waits_for_its_copy_and_raises_its_error(
    tmp_path: Path,
) -> None:
    """A build failing while `events.json` is written leaves no write going on in the
    staged docs (then discarded), and the write's own error first, as when it was
    written before anything else failed."""
    page = tmp_path / "events.json"
    page.write_bytes(b"[{0123}]")

    def render_into(writer: DocsWriter) -> None:
        writer("events.json", ["[", FileRange(page, 1, 20), "]"])
        raise ValueError("rendering failed")

    with pytest.raises(OSError, match="past the end") as raised:
        with_writer(tmp_path, render_into)
    assert isinstance(raised.value.__context__, ValueError)


def with_writer(docs: Path, render_into: Callable[[DocsWriter], None]) -> None:
    with DocsWriter(docs) as writer:
        render_into(writer)


def test_every_entry_begins_and_ends_as_holds_entries_checks(tmp_path: Path) -> None:
    result = sample_result()
    keys = {story.event.id: f"story of {story.event.id}" for story in result.stories}
    result = replace(result, cache=BuildCache(story_keys=keys))
    first = render_site(result, RenderOptions(templates_dir=TEMPLATES, locale="en"))
    path = tmp_path / "events.json"
    path.write_text(first.pages["events.json"], encoding="utf-8")
    stamp = render.file_stamp(path)
    assert stamp is not None
    ranges = first.cache.entries
    assert len(ranges) == len(result.stories)

    assert render.holds_entries(path, stamp, ranges)
    moved = {key: (start + 1, length) for key, (start, length) in ranges.items()}
    assert not render.holds_entries(path, stamp, moved)
    assert not render.holds_entries(path, (stamp[0] + 1, stamp[1]), ranges)


def test_the_fields_read_back_of_an_entry_are_those_of_decoding_it_whole() -> None:
    """`_touched` reads an event's date, members and tags back from the last build's
    `events.json` without decoding the rest of its entry: the same values, even where a
    text holds what a key's line looks like, and an undated event without tags."""
    lookalike = 'a text holding\n      "members": [] and "entities": [],'
    stories = (
        *sample_result().stories,
        story("lookalike", None, ["Reuters", "AFP"], text=lookalike),
    )
    for entry in index_site(replace(sample_result(), stories=Stories.of(stories))).entries:
        fragment = render._event_fragment(entry).encode("utf-8")
        whole = json.loads(fragment)
        assert render._entry_fields(fragment) == {
            name: whole[name] for name in render.PUBLISHED_FIELDS
        }


def test_a_site_rendered_without_a_sink_reads_its_ranges(tmp_path: Path) -> None:
    """`render_site` copying the entries of an `events.json` it is given, without a
    sink: the text is the one made from scratch."""
    result = sample_result()
    keys = {story.event.id: f"story of {story.event.id}" for story in result.stories}
    result = replace(result, cache=BuildCache(story_keys=keys))
    options = RenderOptions(templates_dir=TEMPLATES, locale="en")
    first = render_site(result, options)
    (tmp_path / "events.json").write_text(first.pages["events.json"], encoding="utf-8")
    cache = replace(first.cache, entries_file=tmp_path / "events.json")

    second = render_site(result, options, cache)

    assert second.pages == {"events.json": first.pages["events.json"]}
    assert second.cache.entries == first.cache.entries


@pytest.mark.parametrize(
    ("old", "parts"),
    [
        (b"abcdef", ["abc", "def"]),
        (b"abcdef", ["abc", "de"]),
        (b"abcde", ["abc", "def"]),
        (b"abcdef", ["abc", "deg"]),
        (None, ["abc"]),
        (b"", []),
    ],
)
def test_a_page_in_pieces_is_written_only_when_its_file_holds_something_else(
    tmp_path: Path, old: bytes | None, parts: list[str]
) -> None:
    page = tmp_path / "events.json"
    if old is not None:
        page.write_bytes(old)
        os.utime(page, (1_000_000_000, 1_000_000_000))
    writer = DocsWriter(tmp_path)
    writer("events.json", parts)
    new = "".join(parts).encode("utf-8")
    assert (page in writer.finish()) == (old != new)
    assert page.read_bytes() == new
    assert (page.stat().st_mtime == 1_000_000_000) == (old == new)


@pytest.mark.parametrize("path", ["../x.md", "about/index.md", "events/../../x.md", "/etc/x"])
def test_write_docs_refuses_paths_outside_the_generated_files(tmp_path: Path, path: str) -> None:
    with pytest.raises(ValueError, match="not a generated docs path"):
        write_docs({path: "x"}, tmp_path)


# --- Slugs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["../../etc", "CON", "con", "Index", "x" * 500, "", "   ", "..", "/", "a/b\\c", "Аль-Джазира"],
)
def test_source_slugs_are_plain_file_names(name: str) -> None:
    slug = source_slug(name)
    assert slug
    assert len(slug) <= MAX_SLUG_LENGTH
    assert all(c.isascii() and (c.isalnum() or c == "-") for c in slug)
    assert not slug.startswith("-")
    assert slug not in {"con", "index", "nul", "aux", "prn"}


def test_outlets_with_the_same_slug_get_distinct_pages() -> None:
    result = sample_result()
    renamed = tuple(
        clean_article(a.id, source="enab baladi", url=a.url, published=a.published, title="t")
        if a.id == MOSCOW
        else a
        for a in result.articles
    )
    result = BuildResult(
        stories=result.stories,
        storylines=result.storylines,
        rejected=result.rejected,
        articles=renamed,
    )
    pages = render_pages(result, templates_dir=TEMPLATES, locale="en")
    slugs = sorted(p for p in pages if p.startswith("sources/enab-baladi"))
    assert len(slugs) == 2


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=30,
)


@given(_JSON_VALUES, st.sampled_from(["", "    "]))
def test_indented_json_is_json_dumps_with_indent(value: Any, margin: str) -> None:
    dumped = json.dumps(value, ensure_ascii=False, indent=2)
    assert _indented_json(value, margin) == dumped.replace("\n", "\n" + margin)


# --- Page keys --------------------------------------------------------------------------


class _PageKeysAsShaped(render._PageKeys):
    """The page keys as they were made: each page's parts shaped as a JSON value, then
    dumped (the keys stored in a state must stay those)."""

    def of(self, template: str, parts: object) -> str:
        shaped = json.dumps(
            [self._fingerprint_text, template, self._shape(parts)], ensure_ascii=False
        )
        return hashlib.sha256(shaped.encode("utf-8")).hexdigest()

    def __init__(self, site: Any, story_keys: Any, fingerprint: str) -> None:
        super().__init__(site, story_keys, fingerprint)
        self._fingerprint_text = fingerprint

    def _shape(self, value: object) -> object:
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
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = [self._shape(getattr(value, f.name)) for f in dataclasses.fields(value)]
            return [type(value).__name__, *fields]
        raise TypeError(type(value).__name__)


def test_page_keys_are_the_hash_of_the_parts_shaped_as_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = sample_result()
    keyed = replace(result, cache=BuildCache(story_keys={s.event.id: "k" for s in result.stories}))
    options = RenderOptions(templates_dir=TEMPLATES, locale="en")
    made = render_site(keyed, options).cache
    monkeypatch.setattr(render, "_PageKeys", _PageKeysAsShaped)
    shaped = render_site(keyed, options).cache

    assert made.pages == shaped.pages
    assert made.json_keys == shaped.json_keys
    site = index_site(keyed)
    keys, reference = (
        kind(site, {s.event.id: "k" for s in result.stories}, "print")
        for kind in (render._PageKeys, _PageKeysAsShaped)
    )
    odd: tuple[object, ...] = (
        True,
        False,
        None,
        1.5,
        -3,
        'naïve «quoted» "\\\n',
        DifferenceKind.NUMBER,
        {},
        [],
    )
    parts = (odd, timedelta(days=2), {None: site.sources[None]}, site.stats, site.timelines)
    assert keys.of("any", parts) == reference.of("any", parts)
