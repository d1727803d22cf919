from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from digest.similarity import counted_terms, terms

WORDS = st.sampled_from(
    ["Idlib", "idlib", "The", "the", "UN", "U.N.", "350,000", "fled", "Syrians", "Müller", "é"]
)


@given(st.lists(st.tuples(WORDS, st.sampled_from([" ", ". ", "! ", ", ", "\n"]))))
def test_counted_terms_count_the_terms_in_order(parts: list[tuple[str, str]]) -> None:
    text = "".join(word + gap for word, gap in parts)
    assert counted_terms(text) == Counter(terms(text))


@given(st.text())
def test_counted_terms_agree_on_any_text(text: str) -> None:
    assert counted_terms(text) == Counter(terms(text))


def test_a_name_that_opens_the_text_is_not_marked_there() -> None:
    assert counted_terms("Idlib shelled, Idlib burns") == Counter(
        {"idlib": 1, "^idlib": 1, "shelled": 1, "burn": 1}
    )
