"""Stage 2: what cleaning makes of the seeds, and each rule on realistic strings."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from digest.clean import clean
from digest.model import Article, CleanArticle, Location
from digest.text import paragraphs

MakeArticle = Callable[..., Article]

_READER_DATE_LINE = re.compile(r" ?date (\d{4}-\d{2}-\d{2})\b\s*")
"""What the txt reader takes from seeds 000 and 003: the date; the rest of the line stays."""


def _seed(seeds_dir: Path, prefix: str) -> Article:
    """A seed as the reader gives it: no metadata but the ` date` line's date."""
    path = next(seeds_dir.glob(f"{prefix}_*.txt"))
    text = path.read_text(encoding="utf-8")
    stated = _READER_DATE_LINE.match(text)
    published = date.fromisoformat(stated[1]) if stated else None
    body = text[stated.end() :] if stated else text
    return Article(
        id=path.name,
        text=body.strip("\n"),
        published=published,
        origin=Location(path=path.name),
    )


def _clean_text(make_article: MakeArticle, text: str, **overrides: Any) -> CleanArticle:
    """Clean a body with no metadata but what the test states."""
    fields: dict[str, Any] = {"title": None, "published": None, "url": None} | overrides
    return clean(make_article(text=text, **fields))


def _rules(cleaned: CleanArticle) -> list[str]:
    return [removal.rule for removal in cleaned.removed]


# The seeds (DESIGN.md, "The seeds, read closely")


def test_seed_000_loses_template_tokens_and_stray_dot_but_keeps_every_paragraph(
    seeds_dir: Path,
) -> None:
    article = _seed(seeds_dir, "000")
    cleaned = clean(article)

    body_lines = [line for line in article.text.split("\n")[1:] if line.strip()]
    assert paragraphs(cleaned.text) == [line.replace(". .", ".") for line in body_lines]
    assert len(body_lines) == 16  # the seed's 17 lines less the date-and-tokens line
    assert "%MINIFYHTML" not in cleaned.text
    assert " ." not in cleaned.text
    assert "RIA reported.\n" in cleaned.text
    assert cleaned.published == date(2020, 1, 17)
    assert _rules(cleaned) == ["template-token", "template-token", "stray-punctuation"]


def test_seed_001_yields_title_byline_date_url_and_loses_caption_and_promos(
    seeds_dir: Path,
) -> None:
    cleaned = clean(_seed(seeds_dir, "001"))

    assert cleaned.title == "350K Syrians Have Fled Russian-Led Assault in Idlib, UN Says"
    assert cleaned.author == "Reuters"
    assert cleaned.published == date(2020, 1, 17)
    assert cleaned.url == (
        "https://www.themoscowtimes.com/2020/01/17/"
        "350k-syrians-have-fled-russian-led-assault-in-idlib-un-says-a68940"
    )
    for debris in ("Hussein Malla", "Related article", "Original url", "http", "**", "](#)"):
        assert debris not in cleaned.text
    sentence = (
        "The Russian-led campaign has also knocked down dozens of hospitals and schools, "
        "international aid agencies said."
    )
    assert paragraphs(cleaned.text).count(sentence) == 1
    assert paragraphs(cleaned.text)[0].startswith("Around 350,000 Syrians")
    assert sorted(_rules(cleaned)) == sorted(
        ["byline", "date", "caption", "related-link", "related-link", "original-url", "title"]
    )


def test_seed_002_keeps_one_title_and_its_sub_headings(seeds_dir: Path) -> None:
    cleaned = clean(_seed(seeds_dir, "002"))

    title = "Syrian regime launches ground offensive in Aleppo"
    assert cleaned.title == title
    assert title not in cleaned.text
    assert _rules(cleaned) == ["title", "repeated-title", "repeated-title"]
    body = paragraphs(cleaned.text)
    assert "UN calls for immediate cessation of hostilities" in body
    assert "350,0000 Syrians have fled Russian-led assault in Idlib" in body
    assert body[0].startswith("The Syrian regime and Iran-backed terror groups on Jan. 17")
    assert "\u00a0" not in cleaned.text


def test_seed_003_repairs_spaced_and_comma_mangled_entities(seeds_dir: Path) -> None:
    cleaned = clean(_seed(seeds_dir, "003"))

    assert "& # 39;" not in cleaned.text
    assert ",quot;" not in cleaned.text
    assert "%MINIFYHTML" not in cleaned.text
    assert "' Immediate de-escalation '" in cleaned.text
    assert 'fight "Russian occupiers" and Syrian government forces' in cleaned.text
    assert 'an "immediate reduction", warning' in cleaned.text
    assert cleaned.title is None
    assert cleaned.published == date(2019, 12, 27)


def test_seed_004_separates_scrape_date_from_publication_date(seeds_dir: Path) -> None:
    cleaned = clean(_seed(seeds_dir, "004"))

    assert cleaned.page_dates == (date(2020, 10, 22),)
    assert cleaned.published == date(2020, 1, 17)
    assert cleaned.title == "Syrian government defies ceasefire with ground offensive on Idlib"
    assert cleaned.subtitle == "The UN announced 350,000 have fled Idlib province since December 1"
    for debris in ("Abu Dhabi", "Updated", "Editor's Picks", "Sign up", cleaned.subtitle):
        assert debris not in cleaned.text
    assert paragraphs(cleaned.text)[0].startswith("At least 40 people have been killed")
    assert paragraphs(cleaned.text)[-1].startswith("The latest offensive has brought")


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_cleaning_a_seed_twice_changes_nothing(seeds_dir: Path, prefix: str) -> None:
    once = clean(_seed(seeds_dir, prefix))
    again = clean(
        Article(
            id=once.id,
            title=once.title,
            published=once.published,
            url=once.url,
            author=once.author,
            text=once.text,
            origin=once.article.origin,
        )
    )

    assert again.text == once.text
    assert again.removed == ()


# Inline debris


@pytest.mark.parametrize(
    ("debris", "repaired"),
    [
        ("Hay& # 39;et Tahrir al-Sham", "Hay'et Tahrir al-Sham"),
        ("the group&#39;s leader", "the group's leader"),
        ("so-called &quot;safe zone&quot;", 'so-called "safe zone"'),
        ('fight "Russian occupiers,quot; and', 'fight "Russian occupiers" and'),
        ("AT& amp;T said", "AT&T said"),
        ("Tom &amp;amp; Jerry", "Tom & Jerry"),
        ("between&nbsp;them", "between them"),
        ("wait&#8230;", "wait…"),
    ],
)
def test_entity_debris_is_decoded_and_recorded(
    make_article: MakeArticle, debris: str, repaired: str
) -> None:
    cleaned = _clean_text(make_article, f"The report said {debris} on Thursday.")

    assert cleaned.text == f"The report said {repaired} on Thursday."
    assert set(_rules(cleaned)) == {"entity-debris"}


@pytest.mark.parametrize("prose", ["Spending on R & D; the rest went to staff.", "Q&A; part two."])
def test_an_ampersand_that_is_no_entity_stays(make_article: MakeArticle, prose: str) -> None:
    assert _clean_text(make_article, prose).text == prose


@pytest.mark.parametrize(
    "token", ["%MINIFYHTML4eb284098f87cfbdd9fd2b3ca0bc4bf611%", "{{ article.byline }}", "{% ad %}"]
)
def test_template_tokens_are_removed(make_article: MakeArticle, token: str) -> None:
    cleaned = _clean_text(make_article, f"{token}\n\nThe UN said. {token} More fled.")

    assert cleaned.text == "The UN said. More fled."
    assert [r.text for r in cleaned.removed] == [token, token]


def test_mojibake_is_repaired_and_the_damaged_run_recorded(make_article: MakeArticle) -> None:
    cleaned = _clean_text(make_article, "The cafÃ© in Idlib was closed, residents said.")

    assert cleaned.text == "The café in Idlib was closed, residents said."
    assert [(r.rule, r.text, r.value) for r in cleaned.removed] == [("mojibake", "Ã©", "é")]


def test_typographic_quotes_are_not_mojibake(make_article: MakeArticle) -> None:
    text = "“It’s deeply distressing,” Bachelet said of Pérez’s report."
    cleaned = _clean_text(make_article, text)

    assert cleaned.text == text
    assert cleaned.removed == ()


# Whitespace


def test_whitespace_is_normalised_without_records(make_article: MakeArticle) -> None:
    text = "First\u00a0paragraph ends.  \t\n\n\n\n  Second  one\u200b ends. \n\n"
    cleaned = _clean_text(make_article, text)

    assert cleaned.text == "First paragraph ends.\n\nSecond one ends."
    assert cleaned.removed == ()


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("RIA news agency reported. .", "RIA news agency reported."),
        ('"It failed," she said." .', '"It failed," she said."'),
        ("He paused . . . then went on.", "He paused . . . then went on."),
    ],
)
def test_a_stray_dot_after_a_sentence_goes_but_a_spaced_ellipsis_stays(
    make_article: MakeArticle, line: str, kept: str
) -> None:
    assert _clean_text(make_article, line).text == kept


def test_a_line_after_a_headline_like_line_starts_a_paragraph(make_article: MakeArticle) -> None:
    text = "Interior Secretaries Must Act by May 9\nMore than 1,300 scientists wrote.\nThey asked."
    cleaned = _clean_text(make_article, text, title="Biologists call on Obama")

    assert cleaned.subtitle == "Interior Secretaries Must Act by May 9"
    assert cleaned.text == "More than 1,300 scientists wrote.\nThey asked."


def test_wrapped_lines_and_list_items_stay_in_their_paragraph(make_article: MakeArticle) -> None:
    text = "The UN said 350,000 people\nhad fled since December.\n\n350,000 fled\nmost are women"
    assert _clean_text(make_article, text).text == text


# Whole lines of debris


@pytest.mark.parametrize(
    "line",
    [
        "**Related article: [Russian-Led Air Strikes Suspended in Idlib After Ceasefire](#)**",
        "Related: UN warns of catastrophe in Idlib",
        "Read more: [Turkey and Russia agree truce](https://example.org/truce)",
        "READ MORE",
        "See also: Who controls Idlib?",
        "Also read Syrian army advances on Maarat al-Numan",
        "RELATED STORIES",
    ],
)
def test_related_link_lines_are_removed(make_article: MakeArticle, line: str) -> None:
    cleaned = _clean_text(make_article, f"The UN said so.\n\n{line}\n\nMore fled.")

    assert cleaned.text == "The UN said so.\n\nMore fled."
    assert _rules(cleaned) == ["related-link"]


@pytest.mark.parametrize(
    "line",
    [
        "Displaced Syrians at a camp in Atmeh. **Hussein Malla / AP / TASS**",
        "**Omar Haj Kadour / AFP**",
        "Photo: AA",
        "Photograph: Aref Tammawi/AFP via Getty Images",
        "Image credit: Reuters",
        "Image caption Families fled towards the Turkish border",
        "Families fled towards the Turkish border. (Photo by Omar Haj Kadour/AFP via Getty Images)",
        "A boy in a camp near Atmeh. Getty Images",
        "Hussein Malla / AP / TASS",
    ],
)
def test_photo_captions_and_credits_are_removed(make_article: MakeArticle, line: str) -> None:
    cleaned = _clean_text(make_article, f"The UN said so.\n\n{line}\n\nMore fled.")

    assert cleaned.text == "The UN said so.\n\nMore fled."
    assert _rules(cleaned) == ["caption"]


@pytest.mark.parametrize(
    "prose",
    [
        "Credit-rating agency Fitch Ratings lowered its outlook on the company's debt.",
        "Pictures, videos and reports from Idlib circulated widely on social media.",
        "The ministry denied the reports, saying no flights took place (AFP).",
        "Photo evidence shows the market was hit twice, the monitor said.",
        "The strike was **confirmed** by the Observatory.",
    ],
)
def test_prose_that_mentions_photos_or_agencies_stays(
    make_article: MakeArticle, prose: str
) -> None:
    cleaned = _clean_text(make_article, prose)

    assert cleaned.text == prose.replace("**", "")
    assert "caption" not in _rules(cleaned)


@pytest.mark.parametrize(
    "text",
    [
        "Body text.\n\nOriginal url:\n\n<https://example.org/2020/01/17/idlib>",
        "Body text.\n\nOriginal url: https://example.org/2020/01/17/idlib",
        "Body text.\n\nSource URL: <https://example.org/2020/01/17/idlib>",
    ],
)
def test_original_url_line_gives_the_url(make_article: MakeArticle, text: str) -> None:
    cleaned = _clean_text(make_article, text)

    assert cleaned.url == "https://example.org/2020/01/17/idlib"
    assert cleaned.text == "Body text."
    assert [(r.rule, r.text) for r in cleaned.removed] == [("original-url", text[12:])]


def test_a_stated_url_wins_over_an_original_url_line(make_article: MakeArticle) -> None:
    cleaned = _clean_text(
        make_article, "Body.\n\nOriginal url: https://b.example/x", url="https://a.example/x"
    )

    assert cleaned.url == "https://a.example/x"
    assert cleaned.removed[0].value == "https://b.example/x"


@pytest.mark.parametrize(
    "line",
    [
        "Editor's Picks",
        "Editor’s picks",
        "Sign up to our daily email",
        "Sign up for the Morning Briefing newsletter",
        "Share this article",
        "Share on Facebook",
        "Advertisement",
        "ADVERTISEMENT",
        "Follow us on Twitter and Facebook",
        "Copyright © 2020 The National. All rights reserved.",
        "© 2020 Reuters",
        "The National 2020. All rights reserved.",
        "We use cookies to improve your experience. By continuing to browse, you accept them.",
        "Accept all cookies",
        "5 min read",
        "The post UN says 350,000 flee appeared first on The Levant Herald.",
        "(Reporting by Tom Perry; Editing by Alison Williams)",
        "* * *",
    ],
)
def test_boilerplate_lines_are_removed(make_article: MakeArticle, line: str) -> None:
    cleaned = _clean_text(make_article, f"The UN said so.\n{line}\nMore fled.")

    assert cleaned.text == "The UN said so.\n\nMore fled."
    assert [r.text for r in cleaned.removed] == [line]


@pytest.mark.parametrize(
    "prose",
    [
        "Advertisement revenue at the state broadcaster fell by a third.",
        "Sign up for the draft closed on Monday, officials said.",
        "Share prices in Istanbul fell after the strikes.",
        "Copyright lawyers said the case would take years.",
        "The company said all rights reserved under the contract would lapse.",
        "Follow-up talks are due in Moscow next week.",
        "Subscribers to the service were told to stay indoors.",
        "Reporting by the BBC showed the market had been hit twice.",
        "Read more about the talks in the UN's report.",
        "Related talks in Geneva ended without agreement.",
        "By Monday, the ceasefire had collapsed.",
        "By Friday",
        "Updated figures put the toll at 40.",
        "Bakers in Ohio accept cookies made with palm oil, a survey found.",
    ],
)
def test_sentences_that_merely_contain_a_debris_word_stay(
    make_article: MakeArticle, prose: str
) -> None:
    cleaned = _clean_text(make_article, f"The UN said so.\n\n{prose}", title="Idlib")

    assert cleaned.text == f"The UN said so.\n\n{prose}"
    assert cleaned.removed == ()


# Dates


def test_a_page_dateline_is_a_page_date_not_the_publication_date(
    make_article: MakeArticle,
) -> None:
    cleaned = _clean_text(make_article, "London, Friday 17 January 2020\n\nThe UN said so.")

    assert cleaned.page_dates == (date(2020, 1, 17),)
    assert cleaned.published is None
    assert [(r.rule, r.value) for r in cleaned.removed] == [("dateline", "2020-01-17")]


def test_an_agency_before_a_date_stamps_the_story_not_the_page(make_article: MakeArticle) -> None:
    cleaned = _clean_text(make_article, "AFP, Tuesday 2 Jul 2013\nA strong quake struck Aceh.")

    assert cleaned.page_dates == ()
    assert cleaned.published == date(2013, 7, 2)


@pytest.mark.parametrize(
    ("line", "rule", "published"),
    [
        ("Updated: January 17, 2020 05:06 AM", "updated", date(2020, 1, 17)),
        ("Published: 17 January 2020", "published", date(2020, 1, 17)),
        ("PUBLISHED: FRIDAY, JANUARY 17, 2020, 2: 29 PM", "published", date(2020, 1, 17)),
        ("Last modified on 2020-01-17T05:06:00Z", "updated", date(2020, 1, 17)),
        ("Posted on: 3: 35 pm, December 23, 2012", "published", date(2012, 12, 23)),
        ("Updated 09 / 14 / 2013 01: 03 PM", "updated", date(2013, 9, 14)),
        ("Updated 07:30 GMT", "updated", None),
        ("Last updated 3 hours ago", "updated", None),
    ],
)
def test_stamp_lines_give_the_publication_date(
    make_article: MakeArticle, line: str, rule: str, published: date | None
) -> None:
    cleaned = _clean_text(make_article, f"The UN said so.\n\n{line}")

    assert cleaned.text == "The UN said so."
    assert _rules(cleaned) == [rule]
    assert cleaned.published == published


def test_a_published_line_wins_over_an_updated_one(make_article: MakeArticle) -> None:
    text = "Updated: January 18, 2020\n\nPublished: January 17, 2020\n\nThe UN said so."
    assert _clean_text(make_article, text).published == date(2020, 1, 17)


def test_a_stated_publication_date_wins(make_article: MakeArticle) -> None:
    cleaned = _clean_text(
        make_article, "Updated: Jan 18, 2020\n\nText.", published=date(2020, 1, 1)
    )

    assert cleaned.published == date(2020, 1, 1)


@pytest.mark.parametrize(
    ("line", "published"),
    [
        ("January 17, 2020", date(2020, 1, 17)),
        ("Friday, 17 Jan 2020 | 10:32 GMT", date(2020, 1, 17)),
        ("12: 52 p. m. EDT May 2, 2013", date(2013, 5, 2)),
        ("05 / 02 / 2013", None),  # month and day could be either way round
    ],
)
def test_a_date_line_at_the_top_gives_the_publication_date(
    make_article: MakeArticle, line: str, published: date | None
) -> None:
    cleaned = _clean_text(make_article, f"# Headline of the day\n\n{line}\n\nThe UN said so.")

    assert cleaned.text == "The UN said so."
    assert cleaned.published == published


def test_a_date_line_below_the_prose_is_removed_but_not_taken(make_article: MakeArticle) -> None:
    cleaned = _clean_text(make_article, "The UN said so.\n\nJanuary 3, 2020\n\nMore fled.")

    assert cleaned.text == "The UN said so.\n\nMore fled."
    assert cleaned.published is None


# Bylines


@pytest.mark.parametrize(
    ("line", "author"),
    [
        ("By [Reuters](#)", "Reuters"),
        ("By Jane Doe and John Roe", "Jane Doe and John Roe"),
        ("By REUTERS", "REUTERS"),
        ("By TASS staff", "TASS staff"),
        ("BY RANIA HADDAD, Reuters", "RANIA HADDAD, Reuters"),
        ("By Jane Doe | January 17, 2020", "Jane Doe"),
    ],
)
def test_a_byline_gives_the_author(make_article: MakeArticle, line: str, author: str) -> None:
    cleaned = _clean_text(make_article, f"{line}\n\nThe UN said so.")

    assert cleaned.author == author
    assert cleaned.text == "The UN said so."


def test_a_stated_author_wins_over_a_byline(make_article: MakeArticle) -> None:
    cleaned = _clean_text(make_article, "By TASS staff\n\nText.", author="TASS correspondent")

    assert cleaned.author == "TASS correspondent"
    assert _rules(cleaned) == ["byline"]


# Titles and Markdown


def test_a_headline_first_line_becomes_the_title(make_article: MakeArticle) -> None:
    cleaned = _clean_text(
        make_article, "Palin's Church Damaged In Suspicious Fire\n\nNo one was hurt."
    )

    assert cleaned.title == "Palin's Church Damaged In Suspicious Fire"
    assert cleaned.text == "No one was hurt."
    assert _rules(cleaned) == ["title"]


def test_a_first_line_that_is_a_sentence_stays_in_the_body(make_article: MakeArticle) -> None:
    # ecbplus' older half: no title line, the first line is the lead
    text = (
        "Voting for MPs to Majlis (Parliament) began in Turkmenistan on Dec.14.\n\n"
        "A total of 288 candidates run for 125 parliamentary seats."
    )
    cleaned = _clean_text(make_article, text)

    assert cleaned.title is None
    assert cleaned.text == text


def test_a_long_unpunctuated_standfirst_is_no_title(make_article: MakeArticle) -> None:
    standfirst = (
        "Both chipmakers are bullish about combining, but a key issue for them will be "
        "convincing skeptics they should join together in the first place"
    )
    cleaned = _clean_text(make_article, f"{standfirst}\n\nAMD's chief spoke.")

    assert cleaned.title is None
    assert cleaned.text.startswith(standfirst)


def test_a_stated_title_repeated_in_the_body_is_removed(make_article: MakeArticle) -> None:
    text = "# Syrian Regime Launches Ground Offensive in Aleppo\n\nThe offensive began."
    cleaned = _clean_text(
        make_article, text, title="Syrian regime launches ground offensive in Aleppo"
    )

    assert cleaned.text == "The offensive began."
    assert _rules(cleaned) == ["repeated-title"]


@pytest.mark.parametrize(
    "body",
    [
        "## UN calls for cessation of hostilities\n\nBachelet called for an end to fighting.",
        "UN calls for cessation of hostilities\n\nAleppo\n\nBachelet called for an end to it.",
    ],
)
def test_a_sub_heading_is_no_subtitle(make_article: MakeArticle, body: str) -> None:
    # a Markdown heading, or a line followed by another heading, opens a section
    cleaned = _clean_text(make_article, f"Ground offensive in Aleppo\n\n{body}")

    assert cleaned.title == "Ground offensive in Aleppo"
    assert cleaned.subtitle is None
    assert cleaned.text == body


def test_markdown_leftovers_become_text(make_article: MakeArticle) -> None:
    text = (
        "# Idlib: what we know\n\n"
        "The UN says around **350,000** people have *fled*, according to "
        "[OCHA](https://www.unocha.org/syria) and <https://reliefweb.int>.\n\n"
        "## Ceasefire collapses\n\n"
        "![A camp near Atmeh](https://example.org/camp.jpg)\n\n"
        "Russia announced a ceasefire on Sunday."
    )
    cleaned = _clean_text(make_article, text)

    assert cleaned.title == "Idlib: what we know"
    assert paragraphs(cleaned.text) == [
        "The UN says around 350,000 people have fled, according to OCHA and https://reliefweb.int.",
        "## Ceasefire collapses",
        "Russia announced a ceasefire on Sunday.",
    ]
    assert [(r.rule, r.value) for r in cleaned.removed] == [
        ("markdown-link", "https://www.unocha.org/syria"),
        ("markdown-autolink", "https://reliefweb.int"),
        ("markdown-emphasis", None),
        ("markdown-emphasis", None),
        ("markdown-image", "https://example.org/camp.jpg"),
        ("title", "Idlib: what we know"),
    ]


def test_an_article_of_debris_alone_comes_out_empty(make_article: MakeArticle) -> None:
    cleaned = _clean_text(
        make_article, "Advertisement\n\nShare this article\n\n%MINIFYHTMLabcd1234%"
    )

    assert cleaned.text == ""
    assert cleaned.title is None
    assert len(cleaned.removed) == 3


def test_the_article_s_own_fields_pass_through(make_article: MakeArticle) -> None:
    article = make_article(text="The UN said so.", language="en")
    cleaned = clean(article)

    assert cleaned.article is article
    assert (cleaned.source, cleaned.title, cleaned.url) == (
        article.source,
        article.title,
        article.url,
    )


def test_a_text_cleaning_leaves_as_it_was_is_held_once(make_article: MakeArticle) -> None:
    """The cleaned text is the article's own string when nothing was removed: the build
    state pickles it once (a quarter of an article's row at 100,000 articles)."""
    body = "The council met on Monday.\n\nIt approved the budget by six votes to three."
    untouched = make_article(text=body, title=None, published=None, url=None)
    cleaned = clean(untouched)
    assert cleaned.text == body
    assert cleaned.text is untouched.text
    changed = clean(make_article(text=f"{body}\n\nShare this article", title=None))
    assert changed.text == body
