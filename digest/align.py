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
from itertools import chain

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

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
Floats = npt.NDArray[np.float64]


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
    mentions = [_mentions(s) for s in sorted(event.segments, key=_fullest_first)]
    signatures = [[claim_terms(m.text) for m in ms] for ms in mentions]
    groups: list[list[Mention]] = []
    group_of: list[int] = []  # each sentence aligned so far, in order: its group
    for segment, pairs in zip(mentions, _matching_pairs(mentions, signatures), strict=True):
        matches = _best_first_matches(_best_per_group(pairs, group_of))
        for number, mention in enumerate(segment):
            group = matches.get(number, len(groups))
            if group == len(groups):
                groups.append([])
            groups[group].append(mention)
            group_of.append(group)
    return _reading_order([ClaimGroup(mentions=tuple(g)) for g in groups])


Pair = tuple[int, int, float]
"""A sentence of a segment (its number there), a sentence of an earlier segment (its
number in the event) and their `claim_similarity`."""


def _matching_pairs(
    mentions: Sequence[Sequence[Mention]], signatures: Sequence[Sequence[frozenset[str]]]
) -> list[list[Pair]]:
    """For each segment, its sentences' pairs with earlier segments' sentences that reach
    `SAME_CLAIM`.

    Scoring a new sentence against every sentence of a large event is quadratic (77
    million comparisons at 10k articles, `scripts/bench.py`); a sentence that shares
    no term with another cannot make one claim with it, so only those that share one
    are scored. Terms found in more than `COMMON_TERM_SHARE` of the earlier sentences
    (the event's own topic words) do not open candidates alone.

    Which pairs are candidates and how they score does not depend on the groups, so
    the whole event is scored at once: the candidates' shared terms are counted from
    the postings with numpy (`_candidates`), their term scores too, and the
    character comparison run only where it can still decide (`claim_similarity` gives
    the same scores one pair at a time).
    """
    texts = [m.text for ms in mentions for m in ms]
    flat_signatures = [s for ss in signatures for s in ss]
    firsts = np.cumsum([0, *map(len, mentions)])
    segment, sentence, entry, shared, uncounted = _candidates(signatures)
    sizes = np.array([len(s) for s in flat_signatures], dtype=np.int64)
    a_sizes, b_sizes = sizes[firsts[segment] + sentence], sizes[entry]
    by_terms = _term_scores(shared + uncounted, a_sizes, b_sizes)  # at most
    recount = np.flatnonzero((by_terms >= FUZZY_GATE) & (uncounted > 0))
    shared[recount] = [
        len(flat_signatures[a] & flat_signatures[b])
        for a, b in zip(
            (firsts[segment[recount]] + sentence[recount]).tolist(),
            entry[recount].tolist(),
            strict=True,
        )
    ]
    by_terms[recount] = _term_scores(shared[recount], a_sizes[recount], b_sizes[recount])
    scores = by_terms.copy()
    undecided = _undecided(by_terms, firsts[segment] + sentence, entry, texts)
    scores[undecided] = _with_fuzzy(
        by_terms[undecided],
        [_sorted_words(texts[a]) for a in (firsts[segment] + sentence)[undecided].tolist()],
        [_sorted_words(texts[b]) for b in entry[undecided].tolist()],
    )
    found = np.flatnonzero(scores >= SAME_CLAIM)
    bounds = np.searchsorted(segment[found], np.arange(len(mentions) + 1)).tolist()
    found_pairs = list(
        zip(sentence[found].tolist(), entry[found].tolist(), scores[found].tolist(), strict=True)
    )
    return [found_pairs[bounds[i] : bounds[i + 1]] for i in range(len(mentions))]


def _candidates(
    signatures: Sequence[Sequence[frozenset[str]]],
) -> tuple[Ints, Ints, Ints, Ints, Ints]:
    """Every pair of a sentence and an earlier segment's sentence that share a term that
    is not the event's topic at that point.

    Worked out with numpy over the event's (sentence, term) incidences, in the pairs'
    order (sentence, then earlier sentence): a Python loop counting each sentence's
    candidates from growing postings was most of the alignment's time. A term's
    postings at a segment are its incidences in earlier segments: in the incidences
    sorted by term then sentence, a run that starts where the term's does.

    Returns:
        The pairs' segments, sentences (numbered in their segment) and earlier sentences
        (numbered in the event), how many of the sentence's other terms the earlier one
        holds, and how many of its topic terms were not looked up (the earlier sentence
        may hold them or not): most pairs share too little for those to matter.
    """
    term, entry = _incidences(signatures)
    lengths = np.array([len(s) for s in signatures], dtype=np.int64)
    count = int(lengths.sum())  # the event's sentences
    firsts = np.cumsum(lengths) - lengths  # each segment's first sentence
    segment_of = np.repeat(np.arange(len(signatures), dtype=np.int64), lengths)
    by_term = np.argsort(term, kind="stable")
    postings = term[by_term] * count + entry[by_term]
    posting_start = np.searchsorted(postings, term * count)
    segment = segment_of[entry]
    earlier = np.searchsorted(postings, term * count + firsts[segment]) - posting_start
    common = np.maximum(COMMON_TERM_MIN, COMMON_TERM_SHARE * firsts)[segment]
    rare = (earlier > 0) & (earlier <= common)
    uncounted = np.bincount(entry[earlier > common], minlength=count)
    sentences, partners = _expand_postings(
        entry[rare], posting_start[rare], earlier[rare], entry[by_term]
    )
    pairs, shared = np.unique(sentences * count + partners, return_counts=True)
    a, b = np.divmod(pairs, max(count, 1))
    segments = segment_of[a]
    return segments, a - firsts[segments], b, shared.astype(np.int64), uncounted[a]


def _incidences(signatures: Sequence[Sequence[frozenset[str]]]) -> tuple[Ints, Ints]:
    """Each (sentence, term) of the event: the term's number (in order of first use) and
    the sentence's number in the event, in order of the sentences."""
    flat = [s for ss in signatures for s in ss]
    terms = list(chain.from_iterable(flat))
    numbers = {t: n for n, t in enumerate(dict.fromkeys(terms))}
    term = np.fromiter(map(numbers.__getitem__, terms), dtype=np.int64, count=len(terms))
    sizes = np.array([len(s) for s in flat], dtype=np.int64)
    return term, np.repeat(np.arange(len(flat), dtype=np.int64), sizes)


def _expand_postings(
    sentences: Ints, starts: Ints, counts: Ints, posted: Ints
) -> tuple[Ints, Ints]:
    """Each sentence beside each sentence of its term's postings (`counts` of them from
    `starts` in `posted`): what counting the postings' members would go through."""
    offsets = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(
        np.cumsum(counts) - counts, counts
    )
    return np.repeat(sentences, counts), posted[np.repeat(starts, counts) + offsets]


def _undecided(by_terms: Floats, a: Ints, b: Ints, texts: Sequence[str]) -> Ints:
    """The pairs whose character comparison may raise their score: a term score at or
    above `FUZZY_GATE` but below 1, and lengths that let the ratio reach the cutoff."""
    undecided = np.flatnonzero((by_terms >= FUZZY_GATE) & (by_terms < 1.0))
    lengths = np.array([_sorted_length(t) for t in texts], dtype=np.int64)
    a_lengths, b_lengths = lengths[a[undecided]], lengths[b[undecided]]
    reachable = 200 * np.minimum(a_lengths, b_lengths) / (a_lengths + b_lengths)
    kept: Ints = undecided[reachable >= _fuzzy_cutoff(by_terms[undecided])]
    return kept


def _best_per_group(pairs: Sequence[Pair], group_of: Sequence[int]) -> list[tuple[float, int, int]]:
    """`(-score, sentence, group)` with each sentence's best score against each group."""
    best: dict[tuple[int, int], float] = {}
    for sentence, entry, score in pairs:
        key = (sentence, group_of[entry])
        if score > best.get(key, 0.0):
            best[key] = score
    return [(-score, sentence, group) for (sentence, group), score in best.items()]


def _term_scores(
    shared: npt.NDArray[np.int64], a_sizes: npt.NDArray[np.int64], b_sizes: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """`claim_similarity`'s term score for many pairs at once, with the same arithmetic
    (so the same floats): the mean of the overlap and the Dice coefficient."""
    overlap = shared / np.minimum(a_sizes, b_sizes)
    dice = 2 * shared / (a_sizes + b_sizes)
    scores: npt.NDArray[np.float64] = (overlap + dice) / 2
    return scores


def _with_fuzzy(by_terms: Floats, a_sorted: Sequence[str], b_sorted: Sequence[str]) -> Floats:
    """`claim_similarity` from their term scores, for pairs at or above `FUZZY_GATE`,
    the sentences given as `_sorted_words`.

    The character comparison only counts when it reaches `FUZZY_FLOOR`, so RapidFuzz is
    told so (it returns 0 below the cutoff and the exact ratio above), all pairs in one
    call (`cpdist`, a loop in C). A pair's ratio between that cutoff and its term score
    changes nothing: the term score stays the larger. It cannot raise a term score of 1,
    so pairs whose terms agree fully are not asked, nor pairs whose lengths alone keep
    the ratio below their cutoff (`_undecided`, `_fuzzy_cutoff`).
    """
    if not len(by_terms):
        return by_terms
    ratios = process.cpdist(
        a_sorted,
        b_sorted,
        scorer=fuzz.ratio,
        score_cutoff=FUZZY_FLOOR * 100 - 0.5,
        dtype=np.float64,
    )
    fuzzy = ratios / 100
    scores: Floats = np.maximum(by_terms, np.where(fuzzy >= FUZZY_FLOOR, fuzzy, 0.0))
    return scores


def _fuzzy_cutoff(by_terms: Floats) -> Floats:
    """The RapidFuzz ratio below which a pair's character comparison cannot change its
    score, less half a point: a ratio between the cutoff and the threshold still changes
    nothing, so rounding in RapidFuzz or in a bound cannot either."""
    cutoff: Floats = np.maximum(FUZZY_FLOOR, by_terms) * 100 - 0.5
    return cutoff


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
    claims_of = _claims_by_segment(claims)
    for segment in _by_confirmation(claims):
        indices = claims_of[segment]
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
        segments = claim.segments
        confirmed.update(dict.fromkeys(segments, len(segments) - 1))
    return sorted(confirmed, key=lambda s: (-confirmed[s], s))


def _claims_by_segment(claims: Sequence[ClaimGroup]) -> dict[str, list[int]]:
    """Indices of the claims each segment makes, in the order it makes them (found in
    one pass over the claims, not one per segment)."""
    where: defaultdict[str, dict[int, float]] = defaultdict(dict)
    for i, claim in enumerate(claims):
        for mention in claim.mentions:
            where[mention.segment][i] = mention.position
    return {segment: _in_text_order(places) for segment, places in where.items()}


def _in_text_order(places: dict[int, float]) -> list[int]:
    """Claim indices by their place in a segment, then by index."""
    return sorted(places, key=lambda i: (places[i], i))


def _fullest_first(segment: Segment) -> tuple[int, str]:
    return (-len(segment.text), segment.id)


def _mentions(segment: Segment) -> list[Mention]:
    sentences = sentences_of(segment.text)
    last = max(len(sentences) - 1, 1)
    segment_id = segment.id
    return [
        Mention(segment=segment_id, position=i / last, text=text)
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
