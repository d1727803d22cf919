from __future__ import annotations

from datetime import date

from digest.model import Article, CleanArticle, Location
from digest.segment import is_heading, split_segments

ALEPPO = (
    "The Syrian regime and Iran-backed groups on Jan. 17 launched a ground offensive in "
    "Aleppo province which was designated as a de-escalation zone. Regime forces continue "
    "targeting residential areas in the province's western and southern countryside with "
    "heavy shelling. On Jan. 16, the same region was targeted by Russian warplanes."
)
BACHELET = (
    "United Nations human rights chief Michelle Bachelet called for an immediate cessation "
    "of hostilities in Idlib province, saying the latest ceasefire had failed to protect "
    "civilians. Her office received reports that air strikes on Idlib resumed, she said, "
    "and civilians in Idlib are still being killed daily in strikes on the province."
)
DISPLACED = (
    "Around 350,000 Syrians have fled a renewed offensive in Idlib province since early "
    "December and sought shelter near Turkey, the United Nations said. Conditions for "
    "people in Idlib were deteriorating, the UN said, as jets pounded towns in the province "
    "and many fled the offensive for the Turkish border."
)


def _article(
    text: str, title: str = "Syrian regime launches ground offensive in Aleppo"
) -> CleanArticle:
    article = Article(id="r.txt", text=text, origin=Location(path="r.txt"))
    return CleanArticle(
        article=article,
        title=title,
        source=None,
        url=None,
        published=date(2020, 1, 17),
        text=text,
    )


def test_a_roundup_splits_at_headlines_into_numbered_segments() -> None:
    text = "\n\n".join(
        [
            ALEPPO,
            "UN calls for immediate cessation of hostilities",
            BACHELET,
            "Syrians have fled Russian-led assault in Idlib",
            DISPLACED,
        ]
    )
    segments = split_segments(_article(text))
    assert [(s.number, s.title) for s in segments] == [
        (1, "Syrian regime launches ground offensive in Aleppo"),
        (2, "UN calls for immediate cessation of hostilities"),
        (3, "Syrians have fled Russian-led assault in Idlib"),
    ]
    assert segments[1].text == BACHELET
    assert [s.id for s in segments] == ["r.txt#1", "r.txt#2", "r.txt#3"]


def test_a_cross_head_inside_one_story_does_not_split_it() -> None:
    text = "\n\n".join([DISPLACED, "Immediate de-escalation", BACHELET])
    segments = split_segments(_article(text))
    assert len(segments) == 1
    assert segments[0].number is None
    assert "Immediate de-escalation" in segments[0].text


def test_an_ordinary_article_is_one_segment_with_its_own_text() -> None:
    segments = split_segments(_article(DISPLACED))
    assert len(segments) == 1
    assert segments[0].text == DISPLACED
    assert segments[0].id == "r.txt"


def test_a_short_section_is_folded_into_the_story_before_it() -> None:
    text = "\n\n".join([DISPLACED, "Markets slump after the news in Damascus", "Stocks fell."])
    assert len(split_segments(_article(text))) == 1


def test_headings_are_short_lines_without_sentence_punctuation() -> None:
    assert is_heading("350,0000 Syrians have fled Russian-led assault in Idlib")
    assert not is_heading("Moscow denied bombing civilians.")
    assert not is_heading('"This agreement has yet again failed to protect civilians."')
    assert not is_heading(" ".join(["word"] * 20))


def test_a_wrapped_line_or_a_run_of_sentences_is_not_a_heading() -> None:
    assert not is_heading("Where the action is wholly beneficial, or")
    assert not is_heading("He pushes it over here. Desperate men do desperate things. '")
