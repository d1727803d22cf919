"""The candidate events of new segments (`incremental._candidate_events`): the stored
events sharing their key terms, close in time, best overlap first, as a plain loop over
each segment's terms and their events finds them (same weights to the last bit, same ties)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import digest.incremental as incremental
from digest.cluster import FAR_SHARED_TERMS, SHORT_TERMS
from digest.linkage import EVENT_WINDOW_DAYS
from digest.model import Segment
from digest.state import Snapshot, StoredEvent
from tests.factories import segment

TERMS = [f"t{n}" for n in range(24)]
DAY = date(2020, 1, 1)


def looped_candidates(
    fresh: list[Segment],
    groups: dict[str, list[str]],
    stored: Snapshot,
    by_id: dict[str, Segment],
    counts: dict[str, dict[str, float]],
) -> list[str]:
    """The loop `_candidate_events` replaced (session 7's, one dict entry at a time)."""
    postings: defaultdict[str, list[str]] = defaultdict(list)
    for event_id in groups:
        for term in stored.events[event_id].terms:
            postings[term].append(event_id)
    chosen: set[str] = set()
    for s in fresh:
        weight: defaultdict[str, float] = defaultdict(float)
        shared: Counter[str] = Counter()
        for term in counts[s.id]:
            events = postings.get(term, ())
            if not events or len(events) > incremental.MAX_EVENT_POSTING:
                continue
            rarity = math.log(1 + len(groups) / len(events))
            for event_id in events:
                weight[event_id] += rarity
                shared[event_id] += 1
        enough = 1 if len(counts[s.id]) < SHORT_TERMS else incremental.MIN_SHARED_TERMS
        near = [
            (-weight[e], e)
            for e in weight
            if shared[e] >= enough
            and incremental._fits(incremental._span(by_id[m] for m in groups[e]), s.published)
        ]
        chosen.update(e for _, e in sorted(near)[: incremental.CANDIDATE_EVENTS])
    return sorted(chosen)


day_offsets = st.none() | st.integers(0, 3 * EVENT_WINDOW_DAYS)


@settings(max_examples=150, deadline=None)
@given(
    events=st.lists(
        st.tuples(
            st.sets(st.sampled_from(TERMS), min_size=1, max_size=8),
            st.lists(day_offsets, min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=14,
    ),
    new=st.lists(
        st.tuples(st.lists(st.sampled_from(TERMS), max_size=20, unique=True), day_offsets),
        min_size=1,
        max_size=5,
    ),
    posting_limit=st.sampled_from([1, 3, 500]),
)
def test_candidate_events_are_those_of_the_plain_loop(
    events: list[tuple[set[str], list[int | None]]],
    new: list[tuple[list[str], int | None]],
    posting_limit: int,
) -> None:
    """Few terms, so many events tie on their overlap; undated members and segments; a
    posting limit low enough that common terms find nothing."""

    def made(id: str, offset: int | None) -> Segment:
        published = None if offset is None else DAY + timedelta(days=offset)
        return segment(id, "text", published=published)

    stored_events = {}
    by_id: dict[str, Segment] = {}
    groups: dict[str, list[str]] = {}
    for n, (terms, offsets) in enumerate(events):
        members = [made(f"e{n}/{k}.txt", offset) for k, offset in enumerate(offsets)]
        by_id.update((m.id, m) for m in members)
        groups[f"event-{n:02d}"] = [m.id for m in members]
        stored_events[f"event-{n:02d}"] = StoredEvent(
            created=1,
            members=tuple(m.id for m in members),
            terms=tuple(sorted(terms)),
            story_key="",
            story=None,
        )
    fresh = [made(f"new{n}.txt", offset) for n, (_, offset) in enumerate(new)]
    by_id.update((s.id, s) for s in fresh)
    counts = {s.id: dict.fromkeys(terms, 1.0) for s, (terms, _) in zip(fresh, new, strict=True)}
    stored = Snapshot(fingerprint="", events=stored_events)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(incremental, "MAX_EVENT_POSTING", posting_limit)
        patch.setattr(incremental, "FAR_SHARED_TERMS", len(TERMS) + 1)  # none beyond the week
        found = incremental._candidate_events(fresh, groups, stored, by_id, lambda s: counts[s.id])
        expected = looped_candidates(fresh, groups, stored, by_id, counts)

    assert found == expected


def test_events_beyond_the_week_are_candidates_on_shared_rare_terms() -> None:
    """A stored event three weeks before a new segment is a candidate when they share
    `FAR_SHARED_TERMS` key terms few events hold (a merge beyond the week may take it)."""
    names = [f"name{n}" for n in range(FAR_SHARED_TERMS)]
    old = segment("old.txt", "text", published=DAY)
    groups = {"event-old": ["old.txt"]}
    stored = Snapshot(
        fingerprint="",
        events={
            "event-old": StoredEvent(
                created=1, members=("old.txt",), terms=tuple(names), story_key="", story=None
            )
        },
    )

    def candidates(terms: list[str]) -> list[str]:
        new = segment("new.txt", "text", published=DAY + timedelta(days=3 * EVENT_WINDOW_DAYS))
        by_id = {"old.txt": old, "new.txt": new}
        counts = dict.fromkeys(terms, 1.0)
        return incremental._candidate_events([new], groups, stored, by_id, lambda s: counts)

    assert candidates(names) == ["event-old"]
    assert candidates(names[1:]) == []  # one rare term too few
