"""The batched alignment scores exactly what `claim_similarity` scores pair by pair."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.align import (
    COMMON_TERM_MIN,
    COMMON_TERM_SHARE,
    SAME_CLAIM,
    Mention,
    _matching_pairs,
    claim_similarity,
    claim_terms,
)

SENTENCES = (
    "Around 350,000 Syrians have fled the offensive in Idlib, the UN said.",
    "Some 350,000 Syrians fled the renewed offensive in Idlib, the UN said on Thursday.",
    "Residents and rescuers said dozens of towns and villages were in ruins.",
    "Dozens of towns and villages were in ruins, residents said.",
    "The ceasefire was to be implemented almost a week ago.",
    "Conditions for people were deteriorating because of the hostilities, OCHA said.",
    "Conditions for people deteriorated because of increased hostilities.",
    "The UN refugee agency said the offensive had displaced people.",
    "Idlib is the last rebel stronghold in Syria.",
    "Syrians fled Idlib.",
)


def _reference(
    mentions: Sequence[Sequence[Mention]],
) -> list[set[tuple[int, int, float]]]:
    """Every candidate pair scored one at a time, as alignment did before it was batched."""
    earlier: list[tuple[str, frozenset[str]]] = []
    found = []
    for segment in mentions:
        common = max(COMMON_TERM_MIN, COMMON_TERM_SHARE * len(earlier))
        postings = {
            term: sum(term in terms for _, terms in earlier)
            for m in segment
            for term in claim_terms(m.text)
        }
        pairs = set()
        for sentence, mention in enumerate(segment):
            terms = claim_terms(mention.text)
            for entry, (text, other) in enumerate(earlier):
                if not any(t in other and postings[t] <= common for t in terms):
                    continue
                score = claim_similarity(mention.text, terms, text, other)
                if score >= SAME_CLAIM:
                    pairs.add((sentence, entry, score))
        found.append(pairs)
        earlier.extend((m.text, claim_terms(m.text)) for m in segment)
    return found


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(SENTENCES), min_size=0, max_size=6),
        min_size=1,
        max_size=40,
    ),
)
def test_batched_pairs_are_the_pairwise_scores(segments: list[list[str]]) -> None:
    _check(segments)


@settings(max_examples=10, deadline=None)
@given(
    st.lists(  # events large enough for topic terms (in over 50 earlier sentences)
        st.lists(st.sampled_from(SENTENCES), min_size=5, max_size=6),
        min_size=25,
        max_size=40,
    )
)
def test_topic_terms_count_in_the_scores_but_open_no_pairs(segments: list[list[str]]) -> None:
    _check(segments)


def _check(segments: list[list[str]]) -> None:
    mentions = [
        [Mention(segment=f"s{n}", position=0.0, text=text) for text in texts]
        for n, texts in enumerate(segments)
    ]
    signatures = [[claim_terms(m.text) for m in segment] for segment in mentions]
    batched = [set(pairs) for pairs in _matching_pairs(mentions, signatures)]
    assert batched == _reference(mentions)
