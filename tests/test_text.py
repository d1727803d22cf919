from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from digest.text import paragraphs, slugify, split_sentences


def test_abbreviations_do_not_end_sentences() -> None:
    text = (
        "United Nations human rights chief Michelle Bachelet called on Jan. 17 for a halt. "
        "Her office said U.N. monitors had verified 1,506 deaths. Mr. Laurence agreed."
    )
    assert split_sentences(text) == [
        "United Nations human rights chief Michelle Bachelet called on Jan. 17 for a halt.",
        "Her office said U.N. monitors had verified 1,506 deaths.",
        "Mr. Laurence agreed.",
    ]


def test_a_quote_ending_a_sentence_stays_with_it() -> None:
    text = 'Moscow denied it. "People are still being killed," he said. It went on.'
    assert split_sentences(text) == [
        "Moscow denied it.",
        '"People are still being killed," he said.',
        "It went on.",
    ]


def test_decimals_and_initials_stay_whole() -> None:
    assert split_sentences("It grew 3.5 percent, said J. R. Smith. Then it fell.") == [
        "It grew 3.5 percent, said J. R. Smith.",
        "Then it fell.",
    ]


@given(st.lists(st.text(alphabet="abc ", min_size=1).map(str.strip).filter(bool), max_size=5))
def test_paragraphs_round_trip(parts: list[str]) -> None:
    assert paragraphs("\n\n".join(parts)) == [" ".join(p.split()) for p in parts]


@given(st.text())
def test_slugs_are_safe_file_names(title: str) -> None:
    slug = slugify(title)
    assert slug
    assert len(slug) <= 60
    assert set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
    assert not slug.startswith("-")
    assert not slug.endswith("-")
