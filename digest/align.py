"""Stage 5: align the members' sentences into claim groups.

A claim group is one statement as each source words it: the same wire sentence
republished, a light edit, a machine translation. Sentences are compared by their
content terms (stemmed, names unmarked, numbers kept), so rewording that keeps the facts
still aligns, while a sentence that shares only its topic does not.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, repeat
from typing import overload

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz

from digest.model import Event, Segment
from digest.similarity import unmarked_terms
from digest.text import sentences_of

SAME_CLAIM = 0.45
"""Similarity at which two sentences make one claim.

Measured on the seeds: translated and trimmed sentences score 0.53-0.8 against their
originals; sentences that only share a topic score below 0.2.
"""
COMMON_TERM_SHARE = 0.2  # a term in a fifth of an event's sentences is its topic, not a lead
COMMON_TERM_MIN = 50  # small events compare everything that shares a term
FUZZY_GATE = 0.25  # below this term score the character comparison is not worth its cost
FUZZY_FLOOR = 0.75
"""Character-level similarity counts only above this: unrelated English sentences of
similar length already score about 0.5."""

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True, kw_only=True)
class Mention:
    """One sentence of one member segment."""

    segment: str
    position: float
    """Where the sentence stands in its segment, from 0 (first) to 1 (last)."""
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimGroup:
    """The same statement in one or more sources."""

    mentions: tuple[Mention, ...]

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(sorted({m.segment for m in self.mentions}))

    @property
    def position(self) -> float:
        """Consensus place in the story: the mean of its mentions' places."""
        return sum(m.position for m in self.mentions) / len(self.mentions)


def align_claims(event: Event) -> tuple[ClaimGroup, ...]:
    """Group the sentences of an event's members into claims, in consensus order.

    Each sentence joins the group whose sentences it matches best, if the match
    reaches `SAME_CLAIM` and the group has no sentence of the same segment yet;
    otherwise it starts a group of its own. Members are visited longest first, so the
    fullest account sets the frame the others align to.
    """
    groups: list[list[Mention]] = []
    index = _SentenceIndex()
    for segment in sorted(event.segments, key=_fullest_first):
        mentions = _mentions(segment)
        signatures = [claim_terms(m.text) for m in mentions]
        matches = _best_first_matches(index.matches(mentions, signatures))
        joined = []
        for number, mention in enumerate(mentions):
            group = matches.get(number, len(groups))
            if group == len(groups):
                groups.append([])
            groups[group].append(mention)
            joined.append(group)
        index.add(joined, mentions, signatures)
    return _reading_order([ClaimGroup(mentions=tuple(g)) for g in groups])


class _SentenceIndex:
    """The sentences aligned so far, found by the terms they share with a new one.

    Scoring a new sentence against every sentence of a large event is quadratic (77
    million comparisons at 10k articles, `scripts/bench.py`); a sentence that shares
    no term with another cannot make one claim with it, so only those that share one
    are scored. Terms found in more than `COMMON_TERM_SHARE` of the sentences (the
    event's own topic words) do not open candidates alone.

    A segment's sentences are scored together (`matches`): the shared terms of every
    candidate pair are counted in C (`map`), the term scores computed with numpy, and
    the character comparison run only where it can still decide (`claim_similarity`
    gives the same scores one pair at a time).
    """

    def __init__(self) -> None:
        self.groups: list[int] = []
        self.texts: list[str] = []
        self.signatures: list[frozenset[str]] = []
        self.sizes: list[int] = []
        self.lengths: list[int] = []
        self.postings: defaultdict[str, list[int]] = defaultdict(list)

    def add(
        self,
        groups: Sequence[int],
        mentions: Sequence[Mention],
        signatures: Sequence[frozenset[str]],
    ) -> None:
        """Add a segment's sentences, each with the group it joined."""
        postings = self.postings
        for entry, signature in enumerate(signatures, start=len(self.groups)):
            for term in signature:
                postings[term].append(entry)
        self.groups.extend(groups)
        self.texts.extend(m.text for m in mentions)
        self.signatures.extend(signatures)
        self.sizes.extend(map(len, signatures))
        self.lengths.extend(_sorted_length(m.text) for m in mentions)

    def matches(
        self, mentions: Sequence[Mention], signatures: Sequence[frozenset[str]]
    ) -> list[tuple[float, int, int]]:
        """`(-score, sentence, group)` for each sentence and each group it may join: the
        sentence's best score against the group's sentences, where it reaches `SAME_CLAIM`.
        """
        sentences, entries, shared, uncounted = self._candidates(signatures)
        if not len(entries):
            return []
        a_sizes = np.array([len(s) for s in signatures], dtype=np.int64)[sentences]
        b_sizes = np.array(self.sizes, dtype=np.int64)[entries]
        by_terms = _term_scores(shared + uncounted, a_sizes, b_sizes)  # at most
        recount = np.flatnonzero((by_terms >= FUZZY_GATE) & (uncounted > 0))
        shared[recount] = [
            len(signatures[sentence] & self.signatures[entry])
            for sentence, entry in zip(
                sentences[recount].tolist(), entries[recount].tolist(), strict=True
            )
        ]
        by_terms[recount] = _term_scores(shared[recount], a_sizes[recount], b_sizes[recount])
        scores = by_terms.copy()
        undecided = np.flatnonzero((by_terms >= FUZZY_GATE) & (by_terms < 1.0))
        a_lengths = np.array([_sorted_length(m.text) for m in mentions])[sentences[undecided]]
        b_lengths = np.array(self.lengths)[entries[undecided]]
        reachable = 200 * np.minimum(a_lengths, b_lengths) / (a_lengths + b_lengths)
        undecided = undecided[reachable >= _fuzzy_cutoff(by_terms[undecided])]
        scores[undecided] = [
            _with_fuzzy(
                score,
                _sorted_words(mentions[sentence].text),
                _sorted_words(self.texts[entry]),
            )
            for sentence, entry, score in zip(
                sentences[undecided].tolist(),
                entries[undecided].tolist(),
                by_terms[undecided].tolist(),
                strict=True,
            )
        ]
        found = np.flatnonzero(scores >= SAME_CLAIM)
        groups = np.array(self.groups, dtype=np.int64)
        return _best_per_group(scores[found], sentences[found], groups[entries[found]])

    def _candidates(self, signatures: Sequence[frozenset[str]]) -> tuple[Ints, Ints, Ints, Ints]:
        """Every (sentence, entry) pair sharing a term that is not the event's topic.

        Returns:
            The pairs' sentences and entries, how many of the sentence's other terms
            each entry holds, and how many of its topic terms were not looked up (the
            entry may hold them or not). The lookups are counted in C (`Counter`); most
            pairs share too little for their topic terms to matter.
        """
        common = max(COMMON_TERM_MIN, COMMON_TERM_SHARE * len(self.groups))
        sentences: list[int] = []
        entries: list[int] = []
        shared: list[int] = []
        uncounted: list[int] = []
        for sentence, signature in enumerate(signatures):
            found = list(filter(None, map(self.postings.get, signature)))
            postings = [p for p in found if len(p) <= common]
            if not postings:
                continue
            topic = len(found) - len(postings)
            counts = Counter(chain.from_iterable(postings))
            entries.extend(counts)
            shared.extend(counts.values())
            sentences.extend(repeat(sentence, len(counts)))
            uncounted.extend(repeat(topic, len(counts)))
        return (
            np.array(sentences, dtype=np.int64),
            np.array(entries, dtype=np.int64),
            np.array(shared, dtype=np.int64),
            np.array(uncounted, dtype=np.int64),
        )


def _best_per_group(
    scores: npt.NDArray[np.float64],
    sentences: npt.NDArray[np.int64],
    groups: npt.NDArray[np.int64],
) -> list[tuple[float, int, int]]:
    """`(-score, sentence, group)` with each sentence's best score against each group."""
    order = np.lexsort((-scores, groups, sentences))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (sentences[order][1:] != sentences[order][:-1]) | (
        groups[order][1:] != groups[order][:-1]
    )
    best = order[first]
    return list(
        zip((-scores[best]).tolist(), sentences[best].tolist(), groups[best].tolist(), strict=True)
    )


def _term_scores(
    shared: npt.NDArray[np.int64], a_sizes: npt.NDArray[np.int64], b_sizes: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """`claim_similarity`'s term score for many pairs at once, with the same arithmetic
    (so the same floats): the mean of the overlap and the Dice coefficient."""
    overlap = shared / np.minimum(a_sizes, b_sizes)
    dice = 2 * shared / (a_sizes + b_sizes)
    scores: npt.NDArray[np.float64] = (overlap + dice) / 2
    return scores


def _with_fuzzy(by_terms: float, a_sorted: str, b_sorted: str) -> float:
    """`claim_similarity` from its term score, for a pair at or above `FUZZY_GATE`, the
    sentences given as `_sorted_words`.

    The character comparison only counts when it reaches both `FUZZY_FLOOR` and the
    term score, so RapidFuzz is told so (`_fuzzy_cutoff`: it returns 0 below the cutoff
    and the exact ratio above). It cannot raise a term score of 1, so pairs whose terms
    agree fully are not asked, nor pairs whose lengths alone keep the ratio below the
    cutoff (`matches`).
    """
    fuzzy = fuzz.ratio(a_sorted, b_sorted, score_cutoff=_fuzzy_cutoff(by_terms)) / 100
    return max(by_terms, fuzzy if fuzzy >= FUZZY_FLOOR else 0.0)


@overload
def _fuzzy_cutoff(by_terms: float) -> float: ...
@overload
def _fuzzy_cutoff(by_terms: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...
def _fuzzy_cutoff(by_terms: float | npt.NDArray[np.float64]) -> float | npt.NDArray[np.float64]:
    """The RapidFuzz ratio below which a pair's character comparison cannot change its
    score, less half a point: a ratio between the cutoff and the threshold still changes
    nothing, so rounding in RapidFuzz or in a bound cannot either."""
    return np.maximum(FUZZY_FLOOR, by_terms) * 100 - 0.5


def _sorted_length(text: str) -> int:
    """The length of `_sorted_words(text)`, without sorting: the Indel ratio of two
    strings is at most 200 * shorter / (sum of lengths)."""
    return len(" ".join(text.split()))


@lru_cache(maxsize=1 << 14)
def _sorted_words(text: str) -> str:
    """The words of a sentence sorted, as `fuzz.token_sort_ratio` sorts them before its
    `fuzz.ratio` (split on whitespace as `str.split` does, joined by spaces): sorted once
    per sentence rather than once per pair (cached)."""
    return " ".join(sorted(text.split()))


def _reading_order(claims: list[ClaimGroup]) -> tuple[ClaimGroup, ...]:
    """Order claims along a spine, each other source's extras after their own context.

    The spine is the member whose sentences the other sources confirm most (the wire
    copy, typically): its claims keep its order. Then, member by member, a claim not
    yet placed goes right after the claim before it in that member's text, so a
    detail only one outlet adds stays next to what it elaborates. Sort keys are
    tuples: what goes after `(3,)` gets `(3, 1)`, `(3, 2)` …, which sort before `(4,)`.
    """
    keys: dict[int, tuple[int, ...]] = {}
    inserted_after: Counter[tuple[int, ...]] = Counter()
    for segment in _by_confirmation(claims):
        indices = _claims_of(segment, claims)
        anchor = next((keys[i] for i in indices if i in keys), None)
        if anchor is None:  # nothing of it placed yet: the spine, or a member on its own
            keys.update({i: (len(keys) + n,) for n, i in enumerate(indices)})
            continue
        for index in indices:
            if index not in keys:
                inserted_after[anchor] += 1
                keys[index] = (*anchor, inserted_after[anchor])
            anchor = keys[index]
    return tuple(claims[i] for i in sorted(keys, key=keys.__getitem__))


def _by_confirmation(claims: Sequence[ClaimGroup]) -> list[str]:
    """Member segments, the one whose claims others carry most first."""
    confirmed: Counter[str] = Counter()
    for claim in claims:
        for segment in claim.segments:
            confirmed[segment] += len(claim.segments) - 1
    return sorted(confirmed, key=lambda s: (-confirmed[s], s))


def _claims_of(segment: str, claims: Sequence[ClaimGroup]) -> list[int]:
    """Indices of the claims a segment makes, in the order it makes them."""
    where = {
        i: m.position for i, c in enumerate(claims) for m in c.mentions if m.segment == segment
    }
    return sorted(where, key=lambda i: (where[i], i))


def _fullest_first(segment: Segment) -> tuple[int, str]:
    return (-len(segment.text), segment.id)


def _mentions(segment: Segment) -> list[Mention]:
    sentences = sentences_of(segment.text)
    last = max(len(sentences) - 1, 1)
    return [
        Mention(segment=segment.id, position=i / last, text=text)
        for i, text in enumerate(sentences)
    ]


def _best_first_matches(scored: list[tuple[float, int, int]]) -> dict[int, int]:
    """Match a segment's sentences to existing groups, surest pairs first.

    Each sentence joins at most one group and each group takes at most one sentence of
    the segment, so a loose early match cannot take the place of an exact later one.
    """
    matches: dict[int, int] = {}
    taken: set[int] = set()
    for _, i, group in sorted(scored):
        if i not in matches and group not in taken:
            matches[i] = group
            taken.add(group)
    return matches


@lru_cache(maxsize=1 << 16)
def claim_terms(sentence: str) -> frozenset[str]:
    """The content terms of a sentence, as a set, names unmarked (cached: every stage
    after alignment asks again for the same sentences)."""
    return unmarked_terms(sentence)


def claim_similarity(a: str, a_terms: frozenset[str], b: str, b_terms: frozenset[str]) -> float:
    """How surely two sentences state the same thing, from 0 to 1.

    The larger of two views: content-term overlap (the mean of the overlap relative to
    the shorter sentence, which survives trimming, and the Dice coefficient, which
    does not let a short sentence match everything), and character-level fuzzy
    similarity when it is high (spelling variants, light edits).

    >>> a = "Around 350,000 Syrians have fled the offensive, the UN said."
    >>> b = "Some 350,000 Syrians fled the renewed offensive, the UN said on Thursday."
    >>> claim_similarity(a, claim_terms(a), b, claim_terms(b)) > SAME_CLAIM
    True
    """
    if not a_terms or not b_terms:
        return 0.0
    shared = len(a_terms & b_terms)
    overlap = shared / min(len(a_terms), len(b_terms))
    dice = 2 * shared / (len(a_terms) + len(b_terms))
    by_terms = (overlap + dice) / 2
    if by_terms < FUZZY_GATE:  # too few shared words for the spelling to be a near-copy
        return by_terms
    fuzzy = fuzz.token_sort_ratio(a, b) / 100
    return max(by_terms, fuzzy if fuzzy >= FUZZY_FLOOR else 0.0)
