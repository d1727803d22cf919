"""Stage 4: group segments into events, and events into storylines.

How it decides (the full account, with measured figures, is in docs/about/grouping.md):

1. Each segment becomes two unit vectors: TF-IDF of its content words (title counted
   twice, names weighted up) and TF-IDF of the character 4-grams of its title and lead
   (spelling variants: `MtGox` and `Mt. Gox`). A pair's similarity is the mean of the
   two cosines.
2. Candidate pairs share one of their heaviest words (an inverted index, not all pairs)
   and lie within `EVENT_WINDOW_DAYS` of each other when both are dated.
3. Each segment's `NEIGHBOURS` most similar candidates are its nearest neighbours. Two
   articles are linked by the share of nearest neighbours they have in common (shared
   nearest neighbours): two earthquakes in one country share vocabulary but not
   neighbours. A headline-only item has too few words for neighbours to mean much; its
   pairs are linked by their cosine, scaled by `SHORT_PAIR_WEIGHT`.
4. Average linkage: the two groups with the highest mean link over all their member
   pairs (missing pairs count as 0) merge, while that mean reaches the threshold.
5. Events whose whole texts are similar at a lower threshold, within
   `STORYLINE_WINDOW_DAYS`, form a storyline.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]

from digest.model import Event, Segment, Storyline
from digest.similarity import NAME_MARK, cosine, norm, terms, unmarked
from digest.text import fold, slugify

TITLE_WEIGHT = 2.0  # a headline states the event; its words count twice
NAME_WEIGHT = 1.5  # people, places and organisations tell look-alike events apart
CANDIDATE_TERMS = 30  # heaviest terms of a segment that find its candidate pairs
INDEX_TERMS = 12  # heaviest terms of an event that find candidate storyline links
MAX_POSTING = 2000  # a heavy term shared by more segments than this finds no candidates
CENTROID_TERMS = 300  # an event's centroid keeps its heaviest terms only (speed, noise)
EVENT_WINDOW_DAYS = 4  # wire copy and rewrites of one event appear within days
NEIGHBOURS = 5  # nearest neighbours per segment: fewer than the reports of a small event
NEIGHBOUR_FLOOR = 0.1  # below this a candidate is no neighbour (unrelated articles: < 0.09)
LEAD_CHARS = 1000  # character n-grams are taken from the title and this much of the text
CHAR_GRAM = 4
SHORT_TERMS = 15  # fewer content terms than this: a headline-only item (at most 14 words)
LONG_PAIR_WEIGHT = 1.0  # an article pair links at most by its cosine (small builds)
SHORT_PAIR_WEIGHT = 4.0  # two headlines link at cosine 0.05 (tuned on uci-headlines)
DEFAULT_THRESHOLD = 0.17  # mean link to merge: one shared neighbour in 1 + NEIGHBOURS (1/6)
STORYLINE_WINDOW_DAYS = 45  # a developing story: the December and January displacements
STORYLINE_THRESHOLD = 0.25  # lower than the event threshold: same story, other happening

Vector = dict[str, float]
Pairs = dict[tuple[int, int], float]


@dataclass(slots=True)
class _Group:
    """An event being formed: its members, centroid and date span."""

    members: list[int] = field(default_factory=list)
    centroid: Vector = field(default_factory=dict)
    first: date | None = None
    last: date | None = None

    def add(self, index: int, vector: Vector, published: date | None) -> None:
        self.members.append(index)
        for term, weight in vector.items():
            self.centroid[term] = self.centroid.get(term, 0.0) + weight
        if len(self.centroid) > 2 * CENTROID_TERMS:
            heaviest = sorted(self.centroid.items(), key=lambda kv: (-kv[1], kv[0]))
            self.centroid = dict(heaviest[:CENTROID_TERMS])
        if published is not None:
            self.first = min(self.first or published, published)
            self.last = max(self.last or published, published)


def group_events(
    segments: Sequence[Segment], *, threshold: float = DEFAULT_THRESHOLD
) -> tuple[Event, ...]:
    """Group segments that report the same happening into events.

    Args:
        segments: every segment of the build, in any order.
        threshold: mean link between two groups needed to merge them (see the module doc).

    Returns:
        Events newest first; each segment is in exactly one event.
    """
    ordered = sorted(segments, key=_visit_key)
    vectors = _tfidf_vectors(ordered)
    links = _links(ordered, vectors)
    groups = []
    days = [s.published.toordinal() if s.published else None for s in ordered]
    for members in _average_linkage(links, threshold, days):
        group = _Group()
        for i in members:
            group.add(i, vectors[i], ordered[i].published)
        groups.append(group)
    sibling_dates = _sibling_dates(ordered, groups)
    events = [
        _make_event([ordered[i] for i in g.members], g.centroid, sibling_dates) for g in groups
    ]
    return _newest_first(_unique_ids(events))


def _links(segments: Sequence[Segment], vectors: list[Vector]) -> Pairs:
    """How strongly each linked pair `(i, j)`, `i < j`, belongs together; absent: 0."""
    pairs = _candidate_pairs(segments, vectors)
    similarity = _pair_similarity(pairs, _word_matrix(vectors), _char_matrix(segments))
    short = [len(v) < SHORT_TERMS for v in vectors]
    shares = _shared_neighbours(len(segments), pairs, similarity)
    links: Pairs = {}
    for (i, j), value in zip(pairs.tolist(), similarity.tolist(), strict=True):
        if short[i] and short[j]:
            links[(i, j)] = min(1.0, value * SHORT_PAIR_WEIGHT)
        else:
            links[(i, j)] = min(shares.get((i, j), 0.0), value * LONG_PAIR_WEIGHT)
    return links


def _candidate_pairs(segments: Sequence[Segment], vectors: list[Vector]) -> NDArray[np.int64]:
    """Pairs `(i, j)`, `i < j`, sharing a heavy term and within the date window, sorted."""
    postings: defaultdict[str, list[int]] = defaultdict(list)
    for i, vector in enumerate(vectors):
        for term in _heaviest(vector, CANDIDATE_TERMS):
            postings[term].append(i)
    count = len(segments)
    codes = [np.zeros(0, dtype=np.int64)]
    for members in postings.values():
        if 1 < len(members) <= MAX_POSTING:
            ids = np.array(members, dtype=np.int64)
            first, second = np.triu_indices(len(ids), 1)
            codes.append(ids[first] * count + ids[second])
    unique = np.unique(np.concatenate(codes))
    pairs = np.stack([unique // count, unique % count], axis=1) if count else unique.reshape(0, 2)
    ordinals = np.array([s.published.toordinal() if s.published else 0 for s in segments])
    if count:
        left, right = ordinals[pairs[:, 0]], ordinals[pairs[:, 1]]
        undated = (left == 0) | (right == 0)
        pairs = pairs[undated | (np.abs(left - right) <= EVENT_WINDOW_DAYS)]
    return pairs


def _within_window(a: date | None, b: date | None) -> bool:
    return a is None or b is None or abs((a - b).days) <= EVENT_WINDOW_DAYS


def _word_matrix(vectors: list[Vector]) -> csr_matrix:
    """The word vectors (already unit length) as a sparse matrix, columns in term order."""
    vocabulary = {t: k for k, t in enumerate(sorted({t for v in vectors for t in v}))}
    return _sparse([{vocabulary[t]: w for t, w in v.items()} for v in vectors], len(vocabulary))


def _char_matrix(segments: Sequence[Segment]) -> csr_matrix:
    """TF-IDF of the character 4-grams of each segment's title and lead, unit length.

    Grams are taken inside words padded with a space, so `Gox` in `MtGox` and in
    `Mt. Gox` meet; sublinear counts, smoothed IDF from the segments themselves.
    """
    counts = [_char_grams(f"{s.title or ''} {s.text[:LEAD_CHARS]}") for s in segments]
    frequency: Counter[str] = Counter()
    for c in counts:
        frequency.update(c.keys())
    vocabulary = {g: k for k, g in enumerate(sorted(frequency))}
    total = len(segments)
    rows = []
    for c in counts:
        row = {
            vocabulary[g]: (1.0 + math.log(n)) * (math.log((1 + total) / (1 + frequency[g])) + 1)
            for g, n in c.items()
        }
        length = math.sqrt(sum(w * w for w in row.values())) or 1.0
        rows.append({k: w / length for k, w in row.items()})
    return _sparse(rows, len(vocabulary))


def _char_grams(text: str) -> Counter[str]:
    grams: Counter[str] = Counter()
    for word in fold(text).split():
        padded = f" {word} "
        grams.update(padded[k : k + CHAR_GRAM] for k in range(len(padded) - CHAR_GRAM + 1))
    return grams


def _sparse(rows: list[dict[int, float]], width: int) -> csr_matrix:
    indptr = np.cumsum([0] + [len(r) for r in rows])
    indices = np.fromiter((k for r in rows for k in r), dtype=np.int64, count=int(indptr[-1]))
    data = np.fromiter((w for r in rows for w in r.values()), dtype=float, count=int(indptr[-1]))
    return csr_matrix((data, indices, indptr), shape=(len(rows), width))


def _pair_similarity(
    pairs: NDArray[np.int64], words: csr_matrix, grams: csr_matrix, chunk: int = 20000
) -> NDArray[np.float64]:
    """Mean of the word and the character cosine of each pair, computed in chunks."""
    parts = [np.zeros(0)]
    for start in range(0, len(pairs), chunk):
        left, right = pairs[start : start + chunk, 0], pairs[start : start + chunk, 1]
        word = np.asarray(words[left].multiply(words[right]).sum(axis=1)).ravel()
        char = np.asarray(grams[left].multiply(grams[right]).sum(axis=1)).ravel()
        parts.append((word + char) / 2)
    return np.concatenate(parts)


def _shared_neighbours(
    count: int, pairs: NDArray[np.int64], similarity: NDArray[np.float64]
) -> Pairs:
    """Share of nearest neighbours two segments have in common (each counts as its own).

    Each segment's neighbourhood is itself and its `NEIGHBOURS` most similar candidates
    (ties to the earlier segment). A pair's share is the size of the overlap of their
    neighbourhoods over `1 + NEIGHBOURS`: one segment among the other's neighbours
    already shares 1 of 6; two that name each other share 2.
    """
    keep = similarity >= NEIGHBOUR_FLOOR
    source = np.concatenate([pairs[keep, 0], pairs[keep, 1]])
    target = np.concatenate([pairs[keep, 1], pairs[keep, 0]])
    value = np.concatenate([similarity[keep], similarity[keep]])
    order = np.lexsort((target, -value, source))
    neighbourhoods: list[list[int]] = [[i] for i in range(count)]
    for k in order.tolist():
        row = neighbourhoods[source[k]]
        if len(row) <= NEIGHBOURS:
            row.append(int(target[k]))
    holders: list[list[int]] = [[] for _ in range(count)]
    for i, row in enumerate(neighbourhoods):
        for member in row:
            holders[member].append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for group in holders:
        group.sort()
        shared.update((a, b) for x, a in enumerate(group) for b in group[x + 1 :])
    return {pair: n / (1 + NEIGHBOURS) for pair, n in sorted(shared.items())}


def _average_linkage(links: Pairs, threshold: float, days: list[int | None]) -> list[list[int]]:
    """Merge the two groups with the highest mean link while it reaches `threshold`.

    The mean runs over every cross pair of members, a missing link counting as 0, so
    one strong pair cannot chain two events together. Groups whose dated members would
    span more than `EVENT_WINDOW_DAYS` do not merge (`days`: each item's ordinal day,
    None when undated). Ties go to the lower group ids, which follow the visit order:
    the result does not depend on input order.
    """
    count = len(days)
    members: dict[int, list[int]] = {i: [i] for i in range(count)}
    span: dict[int, tuple[int, int] | None] = {i: (d, d) if d else None for i, d in enumerate(days)}
    total: dict[int, dict[int, float]] = {i: {} for i in range(count)}
    for (i, j), value in links.items():
        total[i][j] = value
        total[j][i] = value
    heap = [(-v, i, j) for (i, j), v in links.items() if v >= threshold]
    heapq.heapify(heap)
    next_id = count
    while heap:
        _, a, b = heapq.heappop(heap)
        if a not in members or b not in members:
            continue
        joined = _joined_span(span[a], span[b])
        if joined and joined[1] - joined[0] > EVENT_WINDOW_DAYS:
            continue
        merged = members.pop(a) + members.pop(b)
        neighbours = total.pop(a)
        for other, value in total.pop(b).items():
            neighbours[other] = neighbours.get(other, 0.0) + value
        neighbours.pop(a, None)
        neighbours.pop(b, None)
        members[next_id], span[next_id], total[next_id] = merged, joined, neighbours
        for other, value in sorted(neighbours.items()):
            total[other].pop(a, None)
            total[other].pop(b, None)
            total[other][next_id] = value
            if value / (len(merged) * len(members[other])) >= threshold:
                heapq.heappush(heap, (-value / (len(merged) * len(members[other])), other, next_id))
        next_id += 1
    return [sorted(m) for _, m in sorted(members.items())]


def _joined_span(a: tuple[int, int] | None, b: tuple[int, int] | None) -> tuple[int, int] | None:
    if a is None or b is None:
        return a or b
    return (min(a[0], b[0]), max(a[1], b[1]))


def _sibling_dates(segments: Sequence[Segment], groups: list[_Group]) -> dict[str, date]:
    """Date the sections of an undated roundup by the events their dated siblings joined.

    Sections of one page are published together: when an undated roundup's other
    sections sit in dated events, the earliest of those dates stands for the page.
    """
    group_of = {i: g for g, group in enumerate(groups) for i in group.members}
    sections: defaultdict[str, list[int]] = defaultdict(list)
    for i, segment in enumerate(segments):
        if segment.published is None:
            sections[segment.article.id].append(i)
    inferred: dict[str, date] = {}
    for members in sections.values():
        dates = [d for i in members if (d := groups[group_of[i]].first) is not None]
        if dates:
            inferred.update({segments[i].id: min(dates) for i in members})
    return inferred


def _visit_key(segment: Segment) -> tuple[date, str]:
    return (segment.published or date.max, segment.id)


def _heaviest(vector: Vector, count: int) -> list[str]:
    return [t for t, _ in sorted(vector.items(), key=lambda kv: (-kv[1], kv[0]))[:count]]


def _tfidf_vectors(segments: Sequence[Segment]) -> list[Vector]:
    """Weigh each segment's terms by TF-IDF, then scale to unit length."""
    counts = [_weighted_counts(s) for s in segments]
    document_frequency: Counter[str] = Counter()
    for c in counts:
        document_frequency.update(c.keys())
    total = len(segments)
    vectors = []
    for c in counts:
        vector = {
            term: (1.0 + math.log(weight))
            * (math.log((1 + total) / (1 + document_frequency[term])) + 1.0)
            for term, weight in c.items()
        }
        length = norm(vector) or 1.0
        vectors.append({t: w / length for t, w in vector.items()})
    return vectors


def _weighted_counts(segment: Segment) -> dict[str, float]:
    """Term counts of title and text, the title counted twice and names weighed up."""
    counts: dict[str, float] = {}
    for text, weight in ((segment.title or "", TITLE_WEIGHT), (segment.text, 1.0)):
        for term in terms(text):
            boost = NAME_WEIGHT if term.startswith(NAME_MARK) else 1.0
            key = unmarked(term)
            counts[key] = counts.get(key, 0.0) + weight * boost
    return {t: max(w, 1.0) for t, w in counts.items()}


def _make_event(members: list[Segment], centroid: Vector, sibling_dates: dict[str, date]) -> Event:
    ordered = tuple(sorted(members, key=_visit_key))
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


def _newest_first(events: list[Event]) -> tuple[Event, ...]:
    return tuple(sorted(events, key=lambda e: (-(e.date or date.min).toordinal(), e.id)))


def link_storylines(events: Sequence[Event]) -> tuple[tuple[Event, ...], tuple[Storyline, ...]]:
    """Link events of one developing story across days.

    Returns:
        The events with `storyline` set where they belong to one, and the storylines
        (two or more events each), their events in date order.
    """
    vectors = _tfidf_vectors([_as_segment(e) for e in events])
    parent = list(range(len(events)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in _storyline_pairs(events, vectors):
        parent[find(i)] = find(j)
    components: defaultdict[int, list[int]] = defaultdict(list)
    for i in range(len(events)):
        components[find(i)].append(i)
    return _apply_storylines(events, vectors, [c for c in components.values() if len(c) > 1])


def _storyline_pairs(events: Sequence[Event], vectors: list[Vector]) -> list[tuple[int, int]]:
    """Pairs of events similar enough to share a storyline, found through shared heavy terms."""
    index: defaultdict[str, list[int]] = defaultdict(list)
    for i, vector in enumerate(vectors):
        for term in _heaviest(vector, INDEX_TERMS):
            index[term].append(i)
    pairs: list[tuple[int, int]] = []
    for i, vector in enumerate(vectors):
        candidates = {j for t in _heaviest(vector, INDEX_TERMS) for j in index[t] if j > i}
        pairs.extend(
            (i, j)
            for j in sorted(candidates)
            if _may_share_storyline(events[i], events[j])
            and cosine(vector, vectors[j]) >= STORYLINE_THRESHOLD
        )
    return pairs


def _may_share_storyline(a: Event, b: Event) -> bool:
    if a.date is None or b.date is None:
        return False
    return a.date != b.date and abs((a.date - b.date).days) <= STORYLINE_WINDOW_DAYS


def _as_segment(event: Event) -> Segment:
    """An event's members read as one text, to compare events with the segment machinery."""
    first = event.segments[0]
    text = "\n\n".join(s.text for s in event.segments)
    return Segment(article=first.article, number=first.number, title=event.title, text=text)


def _apply_storylines(
    events: Sequence[Event], vectors: list[Vector], components: list[list[int]]
) -> tuple[tuple[Event, ...], tuple[Storyline, ...]]:
    by_event: dict[str, str] = {}
    storylines = []
    taken: Counter[str] = Counter()
    for component in sorted(components, key=lambda c: min(events[i].id for i in c)):
        members = sorted((events[i] for i in component), key=lambda e: (e.date or date.min, e.id))
        storyline_id = _storyline_id([vectors[i] for i in component], members[0])
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


def _storyline_id(vectors: list[Vector], earliest: Event) -> str:
    """Name a storyline by the heaviest terms its events share, e.g. `idlib-displacement`."""
    shared = set.intersection(*(set(v) for v in vectors))
    weight = {t: min(v[t] for v in vectors) for t in shared if not t[:1].isdigit()}
    top = [t for t, _ in sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]
    return slugify("-".join(top)) if top else f"storyline-{earliest.id}"
