"""Stage 4: group segments into events, and events into storylines.

How it decides (the full account is in docs/about/grouping.md):

1. Each segment becomes a TF-IDF vector of its content terms (title counted twice,
   names weighted up, IDF from the segments being grouped).
2. Segments are visited in a fixed order (publication date, then id), so the result
   does not depend on file order. Each joins the event whose centroid it is most
   similar to, if that similarity reaches the threshold and the event's dates lie
   within `EVENT_WINDOW_DAYS`; otherwise it starts a new event. Candidate events
   come from an inverted index on each segment's heaviest terms, not from comparing
   every pair.
3. Events whose centroids are similar at a lower threshold, within
   `STORYLINE_WINDOW_DAYS`, form a storyline.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from digest.model import Event, Segment, Storyline
from digest.similarity import NAME_MARK, cosine, norm, terms, unmarked
from digest.text import slugify

TITLE_WEIGHT = 2.0  # a headline states the event; its words count twice
NAME_WEIGHT = 1.5  # people, places and organisations tell look-alike events apart
INDEX_TERMS = 12  # heaviest terms of a segment used to find candidate events
CENTROID_TERMS = 300  # an event's centroid keeps its heaviest terms only (speed, noise)
EVENT_WINDOW_DAYS = 4  # wire copy and rewrites of one event appear within days
STORYLINE_WINDOW_DAYS = 45  # a developing story: the December and January displacements
STORYLINE_THRESHOLD = 0.25  # lower than the event threshold: same story, other happening

Vector = dict[str, float]


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

    def is_within(self, published: date | None, days: int) -> bool:
        if published is None or self.first is None or self.last is None:
            return True
        return (self.first - published).days <= days and (published - self.last).days <= days


def group_events(segments: Sequence[Segment], *, threshold: float = 0.5) -> tuple[Event, ...]:
    """Group segments that report the same happening into events.

    Args:
        segments: every segment of the build, in any order.
        threshold: cosine similarity to an event's centroid needed to join it.

    Returns:
        Events newest first; each segment is in exactly one event.
    """
    order = sorted(range(len(segments)), key=lambda i: _visit_key(segments[i]))
    vectors = _tfidf_vectors(segments)
    groups = _assign(order, segments, vectors, threshold)
    sibling_dates = _sibling_dates(segments, groups)
    events = [
        _make_event([segments[i] for i in g.members], g.centroid, sibling_dates) for g in groups
    ]
    return _newest_first(_unique_ids(events))


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


def _assign(
    order: list[int], segments: Sequence[Segment], vectors: list[Vector], threshold: float
) -> list[_Group]:
    groups: list[_Group] = []
    index: defaultdict[str, set[int]] = defaultdict(set)
    for i in order:
        published = segments[i].published
        best, best_score = None, threshold
        for g in sorted(_candidates(vectors[i], index)):
            if not groups[g].is_within(published, EVENT_WINDOW_DAYS):
                continue
            score = cosine(vectors[i], groups[g].centroid)
            if score >= best_score:
                best, best_score = g, score
        if best is None:
            best = len(groups)
            groups.append(_Group())
        groups[best].add(i, vectors[i], published)
        for term in _heaviest(vectors[i], INDEX_TERMS):
            index[term].add(best)
    return groups


def _candidates(vector: Vector, index: dict[str, set[int]]) -> set[int]:
    found: set[int] = set()
    for term in _heaviest(vector, INDEX_TERMS):
        found |= index.get(term, set())
    return found


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
