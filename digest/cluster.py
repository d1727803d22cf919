"""Stage 4: group segments into events, and events into storylines.

How it decides (the full account, with measured figures, is in docs/about/grouping.md):

1. Each segment becomes two unit vectors: TF-IDF of its content words (title counted
   twice, names weighted up) and TF-IDF of the character 4-grams of its title and lead
   (spelling variants: `MtGox` and `Mt. Gox`). A pair's similarity is the mean of the
   two cosines.
2. Candidate pairs share one of their heaviest words (an inverted index, not all pairs)
   and lie within `EVENT_WINDOW_DAYS` (a week) of each other when both are dated; pairs
   further apart are candidates when they share `FAR_SHARED_TERMS` rare heavy words.
3. Each segment's `NEIGHBOURS` most similar candidates are its nearest neighbours. Two
   articles are linked by the share of nearest neighbours they have in common (shared
   nearest neighbours): two earthquakes in one country share vocabulary but not
   neighbours. A headline-only item has too few words for neighbours to mean much; its
   pairs are linked by their cosine, scaled by `SHORT_PAIR_WEIGHT`. With sentence
   embeddings (`embed`, the optional `digest[embeddings]`), a headline pair's link is
   the geometric mean of that and of how far its embedding cosine agrees (a ramp from
   `EMBEDDING_FLOOR` over `EMBEDDING_SPAN`): both signals must agree.
4. Average linkage: the two groups with the highest mean link over all their member
   pairs (missing pairs count as 0) merge, while that mean reaches the threshold; when
   the merged group's dates would span more than `EVENT_WINDOW_DAYS`, only at the higher
   `linkage.FAR_THRESHOLD` (a later report of the same happening). With embeddings, two
   groups of headlines merge only if their mean embeddings also agree
   (`linkage.GROUP_AGREEMENT`): pairs of look-alike headlines can link, their stories
   cannot. The loop is `linkage.average_linkage`, shared with incremental builds.
5. Events whose whole texts are similar at a lower threshold, within
   `STORYLINE_WINDOW_DAYS`, form a storyline.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from typing import NamedTuple, TypeVar

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix, triu  # type: ignore[import-untyped]

from digest.linkage import EVENT_WINDOW_DAYS, average_linkage
from digest.model import Event, Segment, Storyline
from digest.similarity import (
    NAME_MARK,
    cosine,
    counted_terms,
    first_word_unmarked,
    marked_counts,
    terms,
    unmarked,
)
from digest.text import fold, slugify

TITLE_WEIGHT = 2.0  # a headline states the event; its words count twice
NAME_WEIGHT = 1.5  # people, places and organisations tell look-alike events apart
CANDIDATE_TERMS = 30  # heaviest terms of a segment that find its candidate pairs
RARE_POSTING = 50  # a heavy term of at most this many segments is a candidate on its own
FAR_SHARED_TERMS = 3  # rare heavy terms a pair more than a week apart shares to be a candidate
INDEX_TERMS = 12  # heaviest terms of an event that find candidate storyline links
MAX_POSTING = 2000  # a heavy term shared by more segments than this finds no candidates
CENTROID_TERMS = 300  # an event's centroid keeps its heaviest terms only (speed, noise)
NEIGHBOURS = 5  # nearest neighbours per segment: fewer than the reports of a small event
NEIGHBOUR_FLOOR = 0.1  # below this a candidate is no neighbour (unrelated articles: < 0.09)
LEAD_CHARS = 1000  # character n-grams are taken from the title and this much of the text
CHAR_GRAM = 4
SHORT_TERMS = 15  # fewer content terms than this: a headline-only item (at most 14 words)
LONG_PAIR_WEIGHT = 1.0  # an article pair links at most by its cosine
MIN_CANDIDATES = NEIGHBOURS + 1  # fewer candidates: neighbours are not chosen, just all there
SPARSE_COSINE = 0.25  # then a pair needs this plain cosine (69% → 80% same-event on ECB+ pairs)
SHORT_PAIR_WEIGHT = 4.0  # two headlines link at cosine 0.05 (tuned on uci-headlines)
DEFAULT_THRESHOLD = 0.17  # mean link to merge: one shared neighbour in 1 + NEIGHBOURS (1/6)
SPARSE_PAIR_WEIGHT = DEFAULT_THRESHOLD / SPARSE_COSINE  # such a pair links at the threshold
EMBEDDING_FLOOR = 0.2  # with --embeddings: two headlines' cosine that adds nothing (unrelated)
EMBEDDING_SPAN = 0.3  # … and that above the floor which agrees fully (0.5: one story)
STORYLINE_WINDOW_DAYS = 45  # a developing story: the December and January displacements
STORYLINE_THRESHOLD = 0.25  # lower than the event threshold: same story, other happening
SORTED_TERMS_BYTES = 64 * 2**20  # the most a numpy array of the storylines' terms to sort takes

Vector = dict[str, float]
Pairs = dict[tuple[int, int], float]
T = TypeVar("T")
R = TypeVar("R")
TERM_SEPARATOR = "\x00"  # never in a term: terms are folded words


class SegmentCounts(NamedTuple):
    """What the grouping counts of a segment (`count_segment`), packed to travel between
    processes and to be held by the hundred thousand (as dicts they took over a
    gigabyte): terms in their dict's order joined by `TERM_SEPARATOR`, numbers as bytes."""

    terms: str
    """`segment_terms`' terms…"""
    weights: bytes
    """… and their weights (float64)."""
    text_terms: str
    """The text's `similarity.marked_counts`' terms (an event's are its members' summed)…"""
    text_counts: bytes
    """… their counts (int64)…"""
    first_word: str | None
    """… and the text's first word."""


TermRow = dict[str, float] | tuple[list[str], "array[float]"]
"""A segment's `segment_terms`, as a dict or as its terms and weights in their order
(`segment_row`): either makes the same row of a term matrix."""

Embedder = Callable[[Sequence[Segment]], NDArray[np.float32]]
"""Unit-length sentence embeddings of segments, one row each (`digest.embeddings`)."""


def group_events(
    segments: Sequence[Segment],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    embed: Embedder | None = None,
    counts: Mapping[str, SegmentCounts] | None = None,
    threads: int = 1,
) -> tuple[Event, ...]:
    """Group segments that report the same happening into events.

    Args:
        segments: every segment of the build, in any order.
        threshold: mean link between two groups needed to merge them (see the module doc).
        embed: sentence embeddings, used for pairs of headline-only items; None: lexical only.
        counts: segments' `count_segment` by id, where the caller has them already
            (counted where the segments were made); the others are counted here.
        threads: threads for the array work of the links (`_thread_pool`); the events
            are the same to the last bit whatever their number.

    Returns:
        Events newest first; each segment is in exactly one event.
    """
    ordered = sorted(segments, key=visit_key)
    with _thread_pool(threads) as pool:
        grams = _count_char_grams(ordered, pool)  # on the pool while the words are weighed
        words = _tfidf_matrix(segment_row(s, counts or {}) for s in ordered)
        headlines = None if embed is None else _headline_embeddings(ordered, words, embed)
        links = _links(ordered, words, grams, headlines, pool)
    days = [s.published.toordinal() if s.published else None for s in ordered]
    groups = average_linkage(links, threshold, days, directions=headlines)
    sibling_dates = _sibling_dates(ordered, groups)
    events = [
        _make_event([ordered[i] for i in members], _centroid(members, words), sibling_dates)
        for members in groups
    ]
    return newest_first(_unique_ids(events))


def _centroid(members: list[int], words: _TermMatrix) -> Vector:
    """The sum of the members' vectors, keeping its `CENTROID_TERMS` heaviest terms.

    Trimmed as it grows (whenever it holds twice as many), in member order; made one
    event at a time so that only one centroid is held at once.
    """
    centroid: Vector = {}
    for i in members:
        for term, weight in words.vector(i).items():
            centroid[term] = centroid.get(term, 0.0) + weight
        if len(centroid) > 2 * CENTROID_TERMS:
            heaviest = sorted(centroid.items(), key=lambda kv: (-kv[1], kv[0]))
            centroid = dict(heaviest[:CENTROID_TERMS])
    return centroid


@dataclass(frozen=True, slots=True)
class _TermMatrix:
    """TF-IDF rows of unit length; columns follow the sorted vocabulary."""

    vocabulary: list[str]
    rows: csr_matrix

    def vector(self, i: int) -> Vector:
        start, end = self.rows.indptr[i], self.rows.indptr[i + 1]
        names = [self.vocabulary[k] for k in self.rows.indices[start:end].tolist()]
        return dict(zip(names, self.rows.data[start:end].tolist(), strict=True))

    def sizes(self) -> NDArray[np.int64]:
        """How many terms each row has."""
        sizes: NDArray[np.int64] = np.diff(self.rows.indptr)
        return sizes


@contextmanager
def _thread_pool(threads: int) -> Iterator[ThreadPoolExecutor | None]:
    """A pool of `threads` threads for the grouping's array work; None for one thread (all
    runs in the caller's). numpy's sorts and scipy's sparse kernels release the GIL, so
    the threads share the cores; results are put back in the order of their parts, so
    they are the same whatever the number of threads. Left early (an error), the tasks
    not started are dropped, not run."""
    if threads <= 1:
        yield None
        return
    pool = ThreadPoolExecutor(threads, thread_name_prefix="digest-cluster")
    try:
        yield pool
    finally:
        pool.shutdown(cancel_futures=True)


def _submit(pool: ThreadPoolExecutor | None, fn: Callable[[T], R], item: T) -> Future[R]:
    """`fn(item)` on the pool, or done here and now without one."""
    if pool is not None:
        return pool.submit(fn, item)
    done: Future[R] = Future()
    done.set_result(fn(item))
    return done


def _map(pool: ThreadPoolExecutor | None, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`[fn(item) for item in items]`, on the pool if there is one (in the items' order)."""
    return list(map(fn, items) if pool is None else pool.map(fn, items))


def _links(
    segments: Sequence[Segment],
    words: _TermMatrix,
    grams: list[Future[_GramCounts]],
    headlines: NDArray[np.float32] | None = None,
    pool: ThreadPoolExecutor | None = None,
) -> Pairs:
    """How strongly each linked pair `(i, j)`, `i < j`, belongs together; absent: 0.

    `grams`: the segments' character grams (`_count_char_grams`), counting or counted
    (emptied: `_char_matrix`);
    `headlines`: the segments' embeddings (`_headline_embeddings`), None: lexical only;
    `pool`: threads for the pair similarities.
    """
    short = words.sizes() < SHORT_TERMS
    pairs = _candidate_pairs(segments, words.rows, short, pool)
    similarity = _pair_similarity(pairs, words.rows, _char_matrix(grams, pool), pool)
    shares = _lookup(_shared_neighbours(len(segments), pairs, similarity), pairs)
    both_short = short[pairs[:, 0]] & short[pairs[:, 1]]
    sparse = _few_candidates(len(segments), pairs, similarity)
    short_links = np.minimum(1.0, similarity * SHORT_PAIR_WEIGHT)
    if headlines is not None and both_short.any():
        short_links = np.sqrt(short_links * _embedding_agreement(pairs, headlines))
    links = np.where(
        both_short,
        short_links,
        np.where(
            sparse[pairs[:, 0]] | sparse[pairs[:, 1]],
            similarity * SPARSE_PAIR_WEIGHT,
            np.minimum(shares, similarity * LONG_PAIR_WEIGHT),
        ),
    )
    linked = links > 0  # a missing link counts as 0 in the linkage anyway
    return dict(zip(map(tuple, pairs[linked].tolist()), links[linked].tolist(), strict=True))


def _headline_embeddings(
    segments: Sequence[Segment], words: _TermMatrix, embed: Embedder
) -> NDArray[np.float32]:
    """One embedding row per segment: the headline-only items' own, zeros for the others.

    Only headline-only items are embedded: on articles (ecbplus-dev) the embeddings
    did not tell look-alike events apart any better than the words.
    """
    short = words.sizes() < SHORT_TERMS
    if not short.any():
        return np.zeros((len(segments), 0), dtype=np.float32)
    embedded = embed([s for s, is_short in zip(segments, short, strict=True) if is_short])
    rows = np.zeros((len(segments), embedded.shape[1]), dtype=np.float32)
    rows[short] = embedded
    return rows


def _embedding_agreement(
    pairs: NDArray[np.int64], headlines: NDArray[np.float32]
) -> NDArray[np.float64]:
    """How far each pair's embedding cosine agrees, 0 to 1: a ramp over `EMBEDDING_SPAN`.

    Pairs with a side not embedded (zeros) get 0; the caller only reads the pairs of two
    headline-only items.
    """
    cosines = np.einsum("ij,ij->i", headlines[pairs[:, 0]], headlines[pairs[:, 1]])
    agreement: NDArray[np.float64] = np.clip((cosines - EMBEDDING_FLOOR) / EMBEDDING_SPAN, 0.0, 1.0)
    return agreement


def _candidate_pairs(
    segments: Sequence[Segment],
    words: csr_matrix,
    short: NDArray[np.bool_],
    pool: ThreadPoolExecutor | None = None,
    block: int = 2048,
) -> NDArray[np.int64]:
    """Pairs `(i, j)`, `i < j`, sharing heavy terms and within the date window, sorted.

    The inverted index is a sparse product: `heavy @ heavy.T` counts, for every pair of
    segments, the heavy terms they share. It is taken a block of rows at a time, against
    only the later segments within the date window of the block (`segments` are in
    visit order: dated ones by date, undated ones last), so memory stays bounded and a
    corpus spread over months costs what its busiest days cost. Two headlines need one
    shared term; any other pair two, or one rare one (`RARE_POSTING`): at 10k articles,
    pairs sharing a single common term were 64% of the candidates and held 0.5% of the
    links. The blocks are independent: on the `pool`'s threads, put back in their order.
    """
    heavy = _heaviest_columns(words, CANDIDATE_TERMS)
    postings = np.bincount(heavy.indices, minlength=heavy.shape[1])
    weight = np.where(postings <= RARE_POSTING, math.sqrt(2), 1.0)  # a rare term counts twice
    weight[(postings < 2) | (postings > MAX_POSTING)] = 0.0
    rare = _rare_columns(heavy, postings)
    heavy.data = weight[heavy.indices]
    heavy.eliminate_zeros()
    ordinals = np.array([s.published.toordinal() if s.published else 0 for s in segments])

    def block_pairs(start: int) -> NDArray[np.int64]:
        stop = min(start + block, len(segments))
        lefts, rights, counts = [], [], []
        for low, high in _window_ranges(ordinals, start, stop):
            shared = (heavy[start:stop] @ heavy[low:high].T).tocoo()
            lefts.append(shared.row.astype(np.int64) + start)
            rights.append(shared.col.astype(np.int64) + low)
            counts.append(shared.data)
        left, right = np.concatenate(lefts), np.concatenate(rights)
        later = right > left
        enough = (np.concatenate(counts) >= 1.5) | (short[left] & short[right])
        near = (ordinals[left] == 0) | (ordinals[right] == 0)
        near |= np.abs(ordinals[left] - ordinals[right]) <= EVENT_WINDOW_DAYS
        kept = later & enough & near
        far_left, far_right = _far_pairs(rare, ordinals, start, stop)
        left = np.concatenate([left[kept], far_left])
        right = np.concatenate([right[kept], far_right])
        order = np.lexsort((right, left))
        return np.stack([left[order], right[order]], axis=1)

    parts = _map(pool, block_pairs, range(0, len(segments), block))
    return np.concatenate([np.zeros((0, 2), dtype=np.int64), *parts])


def _rare_columns(heavy: csr_matrix, postings: NDArray[np.int64]) -> csr_matrix:
    """`heavy` holding only its rare terms (`RARE_POSTING`), each as 1: names, figures."""
    rare: csr_matrix = heavy.copy()
    rare.data = ((postings >= 2) & (postings <= RARE_POSTING))[heavy.indices].astype(np.float64)
    rare.eliminate_zeros()
    return rare


def _far_pairs(
    rare: csr_matrix, ordinals: NDArray[np.int64], start: int, stop: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Pairs `(i, j)` of rows `start:stop` and later dated rows more than
    `EVENT_WINDOW_DAYS` apart that share `FAR_SHARED_TERMS` rare heavy terms.

    Such pairs matter only to a merge beyond the week (`linkage.FAR_THRESHOLD`: a
    republication, or a later report of the same happening), and those share names. Rare
    terms have short postings, so this index costs little at any span of dates.
    """
    undated = int(np.searchsorted(ordinals == 0, True))  # dated rows come first
    if start >= undated:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    shared = (rare[start : min(stop, undated)] @ rare[start:undated].T).tocoo()
    left = shared.row.astype(np.int64) + start
    right = shared.col.astype(np.int64) + start
    far = (shared.data >= FAR_SHARED_TERMS) & (ordinals[right] - ordinals[left] > EVENT_WINDOW_DAYS)
    return left[far], right[far]


def _window_ranges(ordinals: NDArray[np.int64], start: int, stop: int) -> list[tuple[int, int]]:
    """Row ranges that may pair with rows `start:stop`: later ones in the date window.

    `ordinals` ascend over the dated rows (0 for undated, which come last); an undated
    row may pair with any later row, a dated one with later rows within
    `EVENT_WINDOW_DAYS` and with the undated ones.
    """
    count = len(ordinals)
    undated = int(np.searchsorted(ordinals == 0, True))  # first undated row
    if stop > undated:
        return [(start, count)]
    reach = int(
        np.searchsorted(ordinals[:undated], ordinals[stop - 1] + EVENT_WINDOW_DAYS, "right")
    )
    ranges = [(start, reach)]
    if undated < count:
        ranges.append((undated, count))
    return ranges


def _heaviest_columns(rows: csr_matrix, count: int) -> csr_matrix:
    """A 0/1 matrix marking each row's `count` heaviest columns (ties: the lower column).

    Only the entries at or above each row's floor (`_weight_floors`) are sorted: at
    100,000 articles the storylines' rows hold 2.6 million entries, of which about
    400,000 pass. The sort is stable and each row's columns ascend (sorted here if they
    do not), so ties keep the lower column first without a third sort key (at 100,000
    articles that key cost half the sort).
    """
    if not rows.has_sorted_indices:
        rows = rows.sorted_indices()
    row_of = np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr))
    entries = np.flatnonzero(rows.data >= _weight_floors(rows, count)[row_of])
    rows_of, weights = row_of[entries], rows.data[entries]
    order = np.lexsort((-weights, rows_of))
    first = np.searchsorted(rows_of, np.arange(rows.shape[0]))
    rank = np.arange(len(order)) - first[rows_of[order]]
    kept = entries[order[rank < count]]
    return csr_matrix(
        (np.ones(len(kept), dtype=np.float32), (row_of[kept], rows.indices[kept])),
        shape=rows.shape,
    )


FLOOR_SAMPLE = 8  # a row's floor is taken from its first FLOOR_SAMPLE * count entries


def _weight_floors(rows: csr_matrix, count: int, block: int = 4096) -> NDArray[np.float64]:
    """A floor under each row's `count`-th heaviest weight: the `count`-th heaviest of
    its first `FLOOR_SAMPLE * count` entries (those are some of its entries, so no more
    of them are heavier); -inf for a row of at most `count` entries (all are kept).

    No entry below its row's floor is among the row's `count` heaviest. Taken a block
    of rows at a time, in a dense array as wide as the sample.
    """
    sizes = np.diff(rows.indptr)
    floors = np.full(rows.shape[0], -np.inf)
    width = int(min(FLOOR_SAMPLE * count, sizes.max(initial=0)))
    if width <= count:  # no row longer than `count`
        return floors
    for start in range(0, rows.shape[0], block):
        long = np.flatnonzero(sizes[start : start + block] > count) + start
        taken = np.minimum(sizes[long], width)
        row = np.repeat(np.arange(len(long)), taken)
        column = np.arange(len(row)) - np.repeat(np.cumsum(taken) - taken, taken)
        head = np.full((len(long), width), -np.inf)
        head[row, column] = rows.data[rows.indptr[long][row] + column]
        floors[long] = -np.partition(-head, count - 1, axis=1)[:, count - 1]
    return floors


def count_segment(segment: Segment) -> SegmentCounts:
    """What the grouping counts of a segment, packed (`SegmentCounts`)."""
    return count_title_and_text((segment.title, segment.text))


def count_title_and_text(title_and_text: tuple[str | None, str]) -> SegmentCounts:
    """`count_segment` of a segment's title and text, all it reads of the segment: what
    the engine's workers are sent (a segment pickles with its article, 100 times slower)."""
    title, body = title_and_text
    text, first = marked_counts(body)
    text_terms, text_counts = TERM_SEPARATOR.join(text), array("q", text.values()).tobytes()
    terms = _weigh_terms(title, first_word_unmarked(text, first))  # changes `text`
    return pack_terms(terms)._replace(
        text_terms=text_terms, text_counts=text_counts, first_word=first
    )


def pack_terms(terms: Mapping[str, float]) -> SegmentCounts:
    """A segment's `segment_terms` packed as the terms and weights of a `SegmentCounts`
    (no text counts), as `segment_terms` unpacks them."""
    return SegmentCounts(
        terms=TERM_SEPARATOR.join(terms),
        weights=array("d", terms.values()).tobytes(),
        text_terms="",
        text_counts=b"",
        first_word=None,
    )


def segment_row(segment: Segment, known: Mapping[str, SegmentCounts]) -> TermRow:
    """A segment's `segment_terms`: from its `known` counts (terms and weights in their
    order, not made a dict: 0.1 s for the 4,000 stored members an incremental build
    links again), or counted here."""
    counted = known.get(segment.id)
    if counted is None:
        return _weighted_counts(segment)
    weights = array("d")
    weights.frombytes(counted.weights)
    return _split_terms(counted.terms), weights


def _split_terms(joined: str) -> list[str]:
    return joined.split(TERM_SEPARATOR) if joined else []


class _Columns(dict[str, int]):
    """Column numbers of terms, a new term taking the next number on first lookup."""

    def __missing__(self, term: str) -> int:
        self[term] = number = len(self)
        return number


def _tfidf_matrix(counts: Iterable[Mapping[str, float] | TermRow]) -> _TermMatrix:
    """Weigh each row's terms by sublinear TF times smoothed IDF, rows of unit length.

    A row is a dict of term counts or its terms and counts (`segment_row`). The rows
    are read one at a time into flat arrays (100,000 dicts of term counts held at once
    took over a gigabyte).
    """
    column = _Columns()
    indices, frequency, sizes = array("q"), array("d"), array("q")
    for row in counts:
        row_terms, row_counts = (row.keys(), row.values()) if isinstance(row, Mapping) else row
        sizes.append(len(row_terms))
        indices.extend(map(column.__getitem__, row_terms))
        frequency.extend(row_counts)
    vocabulary = sorted(column)
    rank = np.empty(len(column), dtype=np.int64)
    rank[np.fromiter((column[t] for t in vocabulary), dtype=np.int64, count=len(column))] = (
        np.arange(len(column))
    )
    indptr = np.concatenate([[0], np.cumsum(np.frombuffer(sizes, dtype=np.int64))])
    columns = rank[np.frombuffer(indices, dtype=np.int64)]
    weights = np.frombuffer(frequency, dtype=float)
    return _TermMatrix(vocabulary, _weigh(indptr.astype(np.int64), columns, weights, len(column)))


def _encoded_tfidf_matrix(terms: EncodedTerms) -> _TermMatrix:
    """`_tfidf_matrix` of the rows' term counts, made from their arrays: the same columns
    (the sorted vocabulary of the terms present) and each row's weights worked out in its
    own order, so the same matrix to the last bit."""
    sizes = np.array([len(ids) // TERM_ID.itemsize for ids, _ in terms.rows], dtype=np.int64)
    ids = np.frombuffer(b"".join(ids for ids, _ in terms.rows), dtype=TERM_ID)
    counts = np.frombuffer(b"".join(counts for _, counts in terms.rows), dtype=TERM_COUNT)
    # the ids present, counted (np.unique sorts the 3 million of 100,000 articles: 1.2 s)
    present = np.bincount(ids, minlength=len(terms.vocabulary)) > 0
    in_order = _present_in_order(terms, present)
    column = np.zeros(len(terms.vocabulary), dtype=np.int64)
    column[in_order] = np.arange(len(in_order))
    indptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    vocabulary = [terms.vocabulary[i] for i in in_order.tolist()]
    return _TermMatrix(
        vocabulary, _weigh(indptr, column[ids], counts.astype(float), len(vocabulary))
    )


def _present_in_order(terms: EncodedTerms, present: NDArray[np.bool_]) -> NDArray[np.intp]:
    """The ids `present` in the order of their terms: taken from `terms.order` when it is
    known, else sorted (at 100,000 articles the matrix takes 0.17 s with the order, 0.29 s
    with the terms sorted; in a +100 build, beside the stories told, 0.22-0.34 s and
    0.49-0.58 s)."""
    if terms.order is not None:
        return terms.order[present[terms.order]]
    ids = np.flatnonzero(present)
    return ids[_sorting_order([terms.vocabulary[i] for i in ids.tolist()])]


def _sorting_order(terms: list[str]) -> list[int]:
    """The positions of `terms` (distinct, none holding `TERM_SEPARATOR`) in sorted order.

    Sorted by numpy as an array of fixed-width strings, which compare by code point as
    Python's do (only trailing NULs, which no term has, are not told apart): at 100,000
    articles, 354,000 terms of at most 27 characters, 38 MB, in 0.08 s instead of
    Python's 0.16-0.23 s. Terms that would take more than `SORTED_TERMS_BYTES` at the
    width of the longest (a pasted blob of a word) are sorted by Python.
    """
    width = max(map(len, terms), default=0)
    if width * 4 * len(terms) > SORTED_TERMS_BYTES:
        return sorted(range(len(terms)), key=terms.__getitem__)
    order: list[int] = np.argsort(np.array(terms, dtype=f"<U{max(width, 1)}")).tolist()
    return order


def _weigh(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int64] | NDArray[np.int32],
    frequency: NDArray[np.float64] | NDArray[np.int32],
    width: int,
    pool: ThreadPoolExecutor | None = None,
    block: int = 4096,
) -> csr_matrix:
    """TF-IDF (`(1 + ln tf) * (ln((1 + N) / (1 + df)) + 1)`) rows scaled to unit length.

    Computed in place, a block of rows at a time (on the `pool`'s threads, each its own
    rows), so that no temporary is as large as the matrix (at 100k articles the
    character matrix has 40 million entries).
    """
    total = len(indptr) - 1
    idf = np.log((1 + total) / (1 + np.bincount(indices, minlength=width))) + 1.0
    weights = np.asarray(frequency, dtype=float).copy()

    def weigh_block(start: int) -> None:
        stop = min(start + block, total)
        low, high = indptr[start], indptr[stop]
        part = weights[low:high]
        np.log(part, out=part)
        part += 1.0
        part *= idf[indices[low:high]]
        row_of = np.repeat(np.arange(stop - start), np.diff(indptr[start : stop + 1]))
        length = np.sqrt(np.bincount(row_of, weights=np.square(part), minlength=stop - start))
        part /= np.where(length > 0, length, 1.0)[row_of]

    _map(pool, weigh_block, range(0, total, block))
    matrix = csr_matrix((weights, indices.astype(np.int32), indptr), shape=(total, width))
    matrix.sort_indices()
    return matrix


class _GramCounts(NamedTuple):
    """A block of segments' character grams (`_count_grams`)."""

    keys: NDArray[np.uint64]
    """Each segment's distinct gram keys, sorted, one segment after the other…"""
    counts: NDArray[np.int32]
    """… how often each occurs…"""
    sizes: NDArray[np.int64]
    """… how many each segment has…"""
    vocabulary: NDArray[np.uint64]
    """… and the block's distinct keys, sorted."""


def _count_char_grams(
    segments: Sequence[Segment], pool: ThreadPoolExecutor | None = None, block: int = 512
) -> list[Future[_GramCounts]]:
    """The segments' character grams (`_char_matrix`), a block of segments a task."""
    starts = range(0, len(segments), block)
    return [_submit(pool, _count_block_grams, segments[i : i + block]) for i in starts]


def _count_block_grams(segments: Sequence[Segment]) -> _GramCounts:
    leads = [" ".join(fold(f"{s.title or ''} {s.text[:LEAD_CHARS]}").split()) for s in segments]
    keys, counts, sizes = _count_grams(leads)
    return _GramCounts(keys, counts, sizes, np.unique(keys))


def _char_matrix(
    grams: list[Future[_GramCounts]], pool: ThreadPoolExecutor | None = None
) -> csr_matrix:
    """TF-IDF of the character 4-grams of each segment's title and lead, unit length.

    Grams are taken inside words padded with a space, so `Gox` in `MtGox` and in
    `Mt. Gox` meet; sublinear counts, smoothed IDF from the segments themselves. Each
    gram is packed into one 64-bit key (16 bits a character; the rare characters past
    U+FFFF count as one), and grams are counted with numpy, a block of segments at a time
    (`_count_char_grams`: `grams` is emptied, each block's keys let go once numbered),
    and weighed on the `pool`'s threads.
    """
    blocks = [grams.pop(0).result() for _ in range(len(grams))]
    keys, counts, sizes = (
        [b.keys for b in blocks],
        [b.counts for b in blocks],
        [b.sizes for b in blocks],
    )
    vocabulary = np.unique(
        np.concatenate([np.zeros(0, dtype=np.uint64), *(b.vocabulary for b in blocks)])
    )
    del blocks  # the blocks' vocabularies
    columns = [np.searchsorted(vocabulary, keys.pop(0)).astype(np.int32) for _ in range(len(keys))]
    indptr = np.cumsum(np.concatenate([[0], *sizes])).astype(np.int64)
    frequency = np.concatenate([np.zeros(0, dtype=np.int32), *counts])
    del counts
    all_columns = np.concatenate([np.zeros(0, dtype=np.int32), *columns])
    del columns
    return _weigh(indptr, all_columns, frequency, len(vocabulary), pool)


def _count_grams(
    leads: Sequence[str],
) -> tuple[NDArray[np.uint64], NDArray[np.int32], NDArray[np.int64]]:
    """Each text's distinct character 4-gram keys (sorted) and counts, and how many it has."""
    text = "".join(f" {lead} " for lead in leads)
    codes = np.minimum(np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32), 0xFFFF)
    codes = codes.astype(np.uint64)
    owner = np.repeat(np.arange(len(leads)), [len(lead) + 2 for lead in leads])
    space = codes == ord(" ")
    inside = ~(space[1:-2] | space[2:-1])  # a gram never spans two words (or two texts)
    keys = (codes[:-3] << 48 | codes[1:-2] << 32 | codes[2:-1] << 16 | codes[3:])[inside]
    owners = owner[:-3][inside]
    order = np.lexsort((keys, owners))
    keys, owners = keys[order], owners[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = (keys[1:] != keys[:-1]) | (owners[1:] != owners[:-1])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(keys))).astype(np.int32)
    return keys[starts], counts, np.bincount(owners[starts], minlength=len(leads))


def _pair_similarity(
    pairs: NDArray[np.int64],
    words: csr_matrix,
    grams: csr_matrix,
    pool: ThreadPoolExecutor | None = None,
    compiled: bool | None = None,
    chunk: int | None = None,
) -> NDArray[np.float64]:
    """Mean of the word and the character cosine of each pair, computed in chunks (on the
    pool's threads, each pair's cosines the same in any chunk).

    `compiled`: the dot products made by `digest.pair_dots` (a compiled loop, about 2.5
    times faster; by default from `COMPILED_PAIRS` pairs on) or by scipy; the same to
    the last bit either way.
    """
    if compiled is None:
        compiled = len(pairs) >= COMPILED_PAIRS
    dots, size = (_compiled_dots, COMPILED_CHUNK) if compiled else (_gathered_dots, GATHERED_CHUNK)
    size = chunk or size

    def similarity(start: int) -> NDArray[np.float64]:
        left, right = pairs[start : start + size, 0], pairs[start : start + size, 1]
        mean: NDArray[np.float64] = (dots(words, left, right) + dots(grams, left, right)) / 2
        return mean

    return np.concatenate([np.zeros(0), *_map(pool, similarity, range(0, len(pairs), size))])


COMPILED_PAIRS = 100_000
"""From this many candidate pairs on, their dot products are compiled: loading the
compiled loop (importing numba) takes about 0.7 s, what scipy takes for 100,000 pairs."""
COMPILED_CHUNK = 1 << 16
"""Pairs per task of the compiled loop: each task spreads rows into a dense vector as
wide as the vocabulary (about 2 million character grams at 100,000 articles)."""
GATHERED_CHUNK = 1024
"""Pairs per task with scipy. Small chunks keep the gathered rows small (at 10k articles
a chunk of 20,000 pairs held 300 MB of character rows), and on a thread other than the
main one they keep the allocator from returning them to the system after each chunk and
faulting them in again (chunks of 2,048 pairs: 420,000 page faults and 1.5 s of system
time more)."""


def _gathered_dots(
    rows: csr_matrix, left: NDArray[np.int64], right: NDArray[np.int64]
) -> NDArray[np.float64]:
    """`rows[left[k]] · rows[right[k]]` by scipy: both rows of each pair gathered, then
    multiplied elementwise and summed."""
    dots: NDArray[np.float64] = np.asarray(rows[left].multiply(rows[right]).sum(axis=1)).ravel()
    return dots


def _compiled_dots(
    rows: csr_matrix, left: NDArray[np.int64], right: NDArray[np.int64]
) -> NDArray[np.float64]:
    """`_gathered_dots` by the compiled loop, imported only when a grouping is large
    enough to pay for loading it."""
    from digest.pair_dots import row_pair_dots

    return row_pair_dots(rows, left, right)


def _shared_neighbours(
    count: int, pairs: NDArray[np.int64], similarity: NDArray[np.float64]
) -> csr_matrix:
    """Share of nearest neighbours two segments have in common (each counts as its own).

    Each segment's neighbourhood is itself and its `NEIGHBOURS` most similar candidates
    (ties to the earlier segment). A pair's share is the size of the overlap of their
    neighbourhoods over `1 + NEIGHBOURS`: one segment among the other's neighbours
    already shares 1 of 6; two that name each other share 2. Returned as the upper
    triangle of a sparse matrix: `shares[i, j]` for `i < j`.
    """
    keep = similarity >= NEIGHBOUR_FLOOR
    source = np.concatenate([pairs[keep, 0], pairs[keep, 1]])
    target = np.concatenate([pairs[keep, 1], pairs[keep, 0]])
    value = np.concatenate([similarity[keep], similarity[keep]])
    order = np.lexsort((target, -value, source))
    source, target = source[order], target[order]
    first = np.searchsorted(source, np.arange(count))
    near = np.arange(len(source)) - first[source] < NEIGHBOURS
    holders = np.concatenate([np.arange(count), source[near]])
    members = np.concatenate([np.arange(count), target[near]])
    held = csr_matrix((np.ones(len(holders)), (holders, members)), shape=(count, count))
    shared: csr_matrix = triu(held @ held.T, k=1).tocsr()
    shared.data /= 1 + NEIGHBOURS
    return shared


def _few_candidates(
    count: int, pairs: NDArray[np.int64], similarity: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Which segments have too few candidates for their nearest neighbours to mean much.

    A neighbourhood says something when its `NEIGHBOURS` were chosen among many: with
    fewer than `MIN_CANDIDATES` candidates above `NEIGHBOUR_FLOOR` (a build of a handful
    of articles, or a story nothing else resembles) every candidate is a neighbour, and
    any two segments would share most of theirs.
    """
    above = pairs[similarity >= NEIGHBOUR_FLOOR]
    candidates = np.bincount(above.ravel(), minlength=count)
    few: NDArray[np.bool_] = candidates < MIN_CANDIDATES
    return few


def _lookup(matrix: csr_matrix, pairs: NDArray[np.int64]) -> NDArray[np.float64]:
    """The values of a sparse matrix at `pairs` (0 where it holds none)."""
    if not len(pairs):
        return np.zeros(0)
    return np.asarray(matrix[pairs[:, 0], pairs[:, 1]]).ravel()


def _sibling_dates(segments: Sequence[Segment], groups: list[list[int]]) -> dict[str, date]:
    """Date the sections of an undated roundup by the events their dated siblings joined.

    Sections of one page are published together: when an undated roundup's other
    sections sit in dated events, the earliest of those dates stands for the page.
    """
    group_of = {i: g for g, members in enumerate(groups) for i in members}
    first = [min((d for i in m if (d := segments[i].published)), default=None) for m in groups]
    sections: defaultdict[str, list[int]] = defaultdict(list)
    for i, segment in enumerate(segments):
        if segment.published is None:
            sections[segment.article.id].append(i)
    inferred: dict[str, date] = {}
    for members in sections.values():
        dates = [d for i in members if (d := first[group_of[i]]) is not None]
        if dates:
            inferred.update({segments[i].id: min(dates) for i in members})
    return inferred


def visit_key(segment: Segment) -> tuple[date, str]:
    """The order segments are numbered in: by date (undated last), then id."""
    return (segment.published or date.max, segment.id)


def _weighted_counts(segment: Segment) -> dict[str, float]:
    """Term counts of title and text, the title counted twice and names weighed up."""
    return _weigh_terms(segment.title, counted_terms(segment.text))


def _weigh_terms(title: str | None, text: Counter[str]) -> dict[str, float]:
    """`_weighted_counts` of a title and of a text's `counted_terms`."""
    counts: dict[str, float] = {}
    for counted, weight in ((counted_terms(title or ""), TITLE_WEIGHT), (text, 1.0)):
        for term, n in counted.items():
            boost = NAME_WEIGHT if term.startswith(NAME_MARK) else 1.0
            key = unmarked(term)
            counts[key] = counts.get(key, 0.0) + n * weight * boost
    return {t: max(w, 1.0) for t, w in counts.items()}


def _make_event(members: list[Segment], centroid: Vector, sibling_dates: dict[str, date]) -> Event:
    ordered = tuple(sorted(members, key=visit_key))
    dates = [d for s in ordered if (d := s.published or sibling_dates.get(s.id)) is not None]
    first = min(dates) if dates else None
    title = choose_title(ordered, centroid)
    prefix = first.isoformat() if first else "undated"
    return Event(id=f"{prefix}-{slugify(title)}", title=title, date=first, segments=ordered)


def choose_title(segments: Sequence[Segment], centroid: Vector) -> str:
    """Pick the most representative real headline: the one closest to the event's centroid."""
    titles = sorted({s.title for s in segments if s.title})
    if not titles:
        return _first_sentence(segments[0].text)
    return max(titles, key=lambda t: (cosine(_title_vector(t), centroid), -len(t), t))


def _title_vector(title: str) -> Vector:
    return {unmarked(term): 1.0 for term in terms(title)}


def _first_sentence(text: str) -> str:
    sentence = text.strip().split(". ", 1)[0]
    return " ".join(sentence.split()[:14]) or "Untitled"


def _unique_ids(events: list[Event]) -> list[Event]:
    """Suffix `-2`, `-3` … to ids that collide, in a stable order."""
    seen: Counter[str] = Counter()
    result = []
    for event in sorted(events, key=lambda e: (e.id, e.segments[0].id)):
        seen[event.id] += 1
        if seen[event.id] > 1:
            event = replace(event, id=f"{event.id}-{seen[event.id]}")
        result.append(event)
    return result


def newest_first(events: Iterable[Event]) -> tuple[Event, ...]:
    return tuple(sorted(events, key=lambda e: (-(e.date or date.min).toordinal(), e.id)))


TERM_ID = np.dtype("<i4")
TERM_COUNT = np.dtype("<f8")


@dataclass(frozen=True, slots=True)
class EncodedTerms:
    """Each event's `storyline_terms` as ids into `vocabulary` (`TERM_ID` bytes) and their
    counts (`TERM_COUNT` bytes), in the order they were counted.

    What an incremental build keeps of each event (`encode_terms`): read back as a few
    arrays, not as a dict of terms an event, they make the same matrix as the dicts.
    """

    vocabulary: Sequence[str]
    """The term of each id; may hold terms no row has."""
    rows: Sequence[tuple[bytes, bytes]]
    """One for each event, in the events' order."""
    order: NDArray[np.intp] | None = None
    """The ids of the whole `vocabulary` in the order of their terms (`grown_order`), when
    known: the columns are then taken in that order, not sorted (`_present_in_order`)."""


def encode_terms(
    counts: Mapping[str, float], ids: dict[str, int], vocabulary: list[str]
) -> tuple[bytes, bytes]:
    """`counts` as a row of `EncodedTerms`; a term not in `ids` is added to both `ids` and
    `vocabulary` (the term of each id)."""
    known = len(vocabulary)
    row = [ids.setdefault(term, len(ids)) for term in counts]
    vocabulary.extend(term for term, i in zip(counts, row, strict=True) if i >= known)
    return (
        np.array(row, dtype=TERM_ID).tobytes(),
        np.array(list(counts.values()), dtype=TERM_COUNT).tobytes(),
    )


def grown_order(vocabulary: Sequence[str], order: Sequence[int]) -> NDArray[np.intp]:
    """The ids of `vocabulary` in the order of their terms, from the `order` of its first
    terms (those a state kept) and the terms added since (`encode_terms`), sorted and each
    put in place by a binary search: 5 ms in a +100 build at 100,000 articles (354,000
    terms, most of it the stored order made an array), 1 ms of it for 300 new terms,
    0.07 s for 30,000; 0.3 s, four times a sort of them all, when half are new."""
    known = np.asarray(order, dtype=np.intp)
    added = sorted(range(len(known), len(vocabulary)), key=vocabulary.__getitem__)
    places = [bisect_left(known, vocabulary[i], key=vocabulary.__getitem__) for i in added]
    grown: NDArray[np.intp] = np.insert(known, places, added)
    return grown


def link_storylines(
    events: Sequence[Event],
    terms: EncodedTerms | None = None,
    counts: Mapping[str, SegmentCounts] | None = None,
) -> tuple[tuple[Event, ...], tuple[Storyline, ...]]:
    """Link events of one developing story across days.

    Args:
        events: the events to link.
        terms: each event's `storyline_terms`, when the caller has them already (an
            incremental build keeps those of unchanged events); counted otherwise.
        counts: segments' `count_segment` by id, where the caller has them already: an
            event's terms are then summed from its members' (not counted again).

    Returns:
        The events with `storyline` set where they belong to one, and the storylines
        (two or more events each), their events in date order.
    """
    if terms is None:
        matrix = _tfidf_matrix(storyline_terms(e, counts) for e in events)
    else:
        matrix = _encoded_tfidf_matrix(terms)
    parent = list(range(len(events)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in _storyline_pairs(events, matrix.rows).tolist():
        parent[find(i)] = find(j)
    components: defaultdict[int, list[int]] = defaultdict(list)
    for i in range(len(events)):
        components[find(i)].append(i)
    linked = [c for c in components.values() if len(c) > 1]
    return _apply_storylines(events, matrix, linked)


def _storyline_pairs(events: Sequence[Event], rows: csr_matrix) -> NDArray[np.int64]:
    """Pairs of events similar enough to share a storyline, found through shared heavy terms.

    Two events on different days at most `STORYLINE_WINDOW_DAYS` apart that share one of
    their `INDEX_TERMS` heaviest terms are compared; they share a storyline when their
    cosine reaches `STORYLINE_THRESHOLD`. The cosines are compiled from `COMPILED_PAIRS`
    pairs on, as the grouping's (scipy gathered each pair's rows: at 100,000 articles
    127,000 pairs of rows of 176 terms, 540 MB copied: 2.4 s of the 4.7 s of linking
    storylines under the profiler).
    """
    heavy = _heaviest_columns(rows, INDEX_TERMS)
    shared = triu(heavy @ heavy.T, k=1).tocoo()
    left, right = shared.row.astype(np.int64), shared.col.astype(np.int64)
    days = np.array([e.date.toordinal() if e.date else 0 for e in events], dtype=np.int64)
    gap = np.abs(days[left] - days[right])
    dated = (days[left] > 0) & (days[right] > 0)
    pairs = np.stack([left, right], axis=1)[dated & (gap > 0) & (gap <= STORYLINE_WINDOW_DAYS)]
    dots = _compiled_dots if len(pairs) >= COMPILED_PAIRS else _gathered_dots
    cosines = dots(rows, pairs[:, 0], pairs[:, 1])
    similar: NDArray[np.int64] = pairs[cosines >= STORYLINE_THRESHOLD]
    return similar


def storyline_terms(
    event: Event, known: Mapping[str, SegmentCounts] | None = None
) -> dict[str, float]:
    """An event's weighted term counts (title and members' text) as storylines compare them.

    `known`: segments' `count_segment` by id; with all the members', summed from them.
    """
    if known is not None and all(s.id in known for s in event.segments):
        return _summed_storyline_terms(event, known)
    return _weighted_counts(_as_segment(event))


def _summed_storyline_terms(event: Event, counts: Mapping[str, SegmentCounts]) -> dict[str, float]:
    """`storyline_terms`, from the members' counts: the words of the joined text are the
    members' words one after the other, so its marked counts are theirs summed in order
    (`similarity.marked_counts`), and its first word the first member's with words."""
    text: Counter[str] = Counter()
    first = None
    for segment in event.segments:
        member = counts[segment.id]
        numbers = array("q")
        numbers.frombytes(member.text_counts)
        text.update(dict(zip(_split_terms(member.text_terms), numbers, strict=True)))
        first = first or member.first_word
    return _weigh_terms(event.title, first_word_unmarked(text, first))


def _as_segment(event: Event) -> Segment:
    """An event's members read as one text, to compare events with the segment machinery."""
    first = event.segments[0]
    text = "\n\n".join(s.text for s in event.segments)
    return Segment(article=first.article, number=first.number, title=event.title, text=text)


def _apply_storylines(
    events: Sequence[Event], matrix: _TermMatrix, components: list[list[int]]
) -> tuple[tuple[Event, ...], tuple[Storyline, ...]]:
    by_event: dict[str, str] = {}
    storylines = []
    taken: Counter[str] = Counter()
    for component in sorted(components, key=lambda c: min(events[i].id for i in c)):
        members = sorted((events[i] for i in component), key=lambda e: (e.date or date.min, e.id))
        storyline_id = _storyline_id(_shared_weights(matrix, component), members[0])
        taken[storyline_id] += 1
        if taken[storyline_id] > 1:
            storyline_id = f"{storyline_id}-{taken[storyline_id]}"
        storylines.append(
            Storyline(
                id=storyline_id,
                title=members[-1].title,
                event_ids=tuple(e.id for e in members),
            )
        )
        by_event.update(dict.fromkeys((e.id for e in members), storyline_id))
    linked = tuple(replace(e, storyline=by_event.get(e.id)) for e in events)
    return linked, tuple(sorted(storylines, key=lambda s: s.id))


def _storyline_id(shared: Vector, earliest: Event) -> str:
    """Name a storyline by the heaviest terms its events share (`_shared_weights`), e.g.
    `idlib-displacement`."""
    weight = {t: w for t, w in shared.items() if not t[:1].isdigit()}
    top = [t for t, _ in sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
    return slugify("-".join(top)) if top else f"storyline-{earliest.id}"


def _shared_weights(matrix: _TermMatrix, component: list[int]) -> Vector:
    """The terms every row of `component` has, each with its least weight among them.

    From the rows' arrays (a dict of terms for each of the 13,000 events in storylines
    at 100,000 articles took 0.5 s): a row holds a column once, so a column held
    `len(component)` times is in every row.
    """
    rows = matrix.rows
    spans = [(rows.indptr[i], rows.indptr[i + 1]) for i in component]
    columns = np.concatenate([rows.indices[a:b] for a, b in spans])
    if not len(columns):
        return {}
    order = np.argsort(columns, kind="stable")
    columns, weights = columns[order], np.concatenate([rows.data[a:b] for a, b in spans])[order]
    starts = np.flatnonzero(np.diff(columns, prepend=-1))
    held = np.diff(starts, append=len(columns)) == len(component)
    least = np.minimum.reduceat(weights, starts)[held]
    names = [matrix.vocabulary[c] for c in columns[starts][held].tolist()]
    return dict(zip(names, least.tolist(), strict=True))


# --- Entry points for incremental grouping (digest/incremental.py) ------------------------


def segment_terms(
    segment: Segment, known: Mapping[str, SegmentCounts] | None = None
) -> dict[str, float]:
    """A segment's weighted term counts, as the grouping counts them (title twice, names
    up): from its `known` counts (`count_segment`, by segment id) when there, else counted."""
    row = segment_row(segment, known or {})
    if isinstance(row, dict):
        return row
    terms_, weights = row
    return dict(zip(terms_, weights, strict=True))


def segment_links(
    segments: Sequence[Segment],
    count: Callable[[Sequence[Segment]], Mapping[str, TermRow]],
    embed: Embedder | None = None,
    threads: int = 1,
) -> tuple[dict[tuple[str, str], float], NDArray[np.float32] | None]:
    """The links `group_events` computes among `segments` alone, keyed by segment ids.

    `count(segments)` gives each segment's `segment_terms` by id (a `TermRow`); it is
    called while their character grams are counted on a pool of `threads` threads (it
    may wait for the build's engine to count them). Each pair is keyed once, `(earlier,
    later)` in visit order (date, then id). With `embed`, also the segments' headline
    embeddings, one row each in the given order (zeros for articles), as `group_events`
    uses them.
    """
    ordered = sorted(segments, key=visit_key)
    with _thread_pool(threads) as pool:
        grams = _count_char_grams(ordered, pool)  # on the pool while the terms are counted
        counts = count(ordered)
        words = _tfidf_matrix(counts[s.id] for s in ordered)
        headlines = None if embed is None else _headline_embeddings(ordered, words, embed)
        pairs = _links(ordered, words, grams, headlines, pool)
    links = {(ordered[i].id, ordered[j].id): v for (i, j), v in pairs.items()}
    if headlines is None:
        return links, None
    row = {s.id: i for i, s in enumerate(ordered)}
    return links, headlines[[row[s.id] for s in segments]]


def make_events(groups: Sequence[Sequence[Segment]], counts: Mapping[str, TermRow]) -> list[Event]:
    """Events of the given groups, titled and dated as `group_events` does.

    Term weights come from the grouped segments; `counts` holds their `segment_terms`
    by id (a `TermRow`). The ids are not made unique (the caller decides them).
    """
    ordered = sorted((s for group in groups for s in group), key=visit_key)
    index = {s.id: i for i, s in enumerate(ordered)}
    members = [sorted(index[s.id] for s in group) for group in groups]
    words = _tfidf_matrix(counts[s.id] for s in ordered)
    sibling_dates = _sibling_dates(ordered, members)
    return [
        _make_event([ordered[i] for i in group], _centroid(group, words), sibling_dates)
        for group in members
    ]
