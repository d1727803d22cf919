from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from digest.similarity import (
    NAME_MARK,
    _content_term,
    counted_terms,
    terms,
    unmarked,
    unmarked_terms,
)
from digest.text import words

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


def _counted_terms_word_by_word(text: str) -> Counter[str]:
    """The first implementation of `counted_terms` (a loop over the distinct words): the
    grouping reads each row's terms in this order, so the order must stay."""
    found = list(words(text))
    counts: Counter[str] = Counter()
    for word, n in Counter(found).items():
        term, capitalised = _content_term(word)
        if term is not None:
            counts[NAME_MARK + term if capitalised else term] += n
    if found:
        term, capitalised = _content_term(found[0])
        if term is not None and capitalised:
            counts[NAME_MARK + term] -= 1
            counts[term] += 1
            if not counts[NAME_MARK + term]:
                del counts[NAME_MARK + term]
    return counts


@given(st.lists(st.tuples(WORDS, st.sampled_from([" ", ". ", "! ", ", ", "\n"]))))
def test_counted_terms_keep_their_order(parts: list[tuple[str, str]]) -> None:
    text = "".join(word + gap for word, gap in parts)
    assert list(counted_terms(text).items()) == list(_counted_terms_word_by_word(text).items())


@given(st.text())
def test_counted_terms_keep_their_order_on_any_text(text: str) -> None:
    assert list(counted_terms(text).items()) == list(_counted_terms_word_by_word(text).items())


@given(st.text())
def test_unmarked_terms_are_the_terms_without_their_marks(text: str) -> None:
    assert unmarked_terms(text) == {unmarked(term) for term in terms(text)}
