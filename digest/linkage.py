"""Average linkage: the merge rule of the grouping, from scratch and incremental alike.

`cluster.group_events` starts it from one group per segment; `incremental` starts it from
the stored events that may take new segments (which must not merge with each other) and
one group per new segment. One loop, so that both decide alike.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

EVENT_WINDOW_DAYS = 7  # reports of one event come within a week; three weeks on is an update
FAR_THRESHOLD = 0.25  # … unless they read as reports of one happening: beyond the week, two
# groups merge at this mean link (ECB+ labels a murder and its verdict a year on one event;
# a real update brings new facts and stays below it)
GROUP_AGREEMENT = 0.4  # with embeddings: two groups' mean embeddings closer than this are two
# stories; on uci-headlines the Sbarro and Mt. Gox bankruptcies met at 0.36, merges of one
# story at 0.43 or more

Span = tuple[int, int] | None
"""The first and last ordinal day of a group's dated members; None: none is dated."""


def average_linkage(
    links: Mapping[tuple[int, int], float],
    threshold: float,
    days: Sequence[int | None],
    *,
    start: Sequence[Sequence[int]] | None = None,
    locked: int = 0,
    directions: NDArray[np.floating] | None = None,
) -> list[list[int]]:
    """Merge the two groups with the highest mean link while it reaches `threshold`.

    Items are `0 … len(days) - 1`; `links` holds each linked pair once (a missing link
    counts as 0), `days` each item's ordinal day (None: undated). The mean runs over
    every cross pair of members, so one strong pair cannot chain two events together.
    Two groups whose dated members would span more than `EVENT_WINDOW_DAYS` merge only
    at a mean link of `FAR_THRESHOLD` (a republication weeks later, or a later report of
    the same happening; not an update with new facts). Given `directions` (one
    embedding row per item, zeros where none), two groups whose summed rows disagree
    (`stories_agree`) do not merge.

    `start` gives the starting groups (default: each item alone); the first `locked` of
    them never merge with each other (stored events). Ties go to the lower group ids,
    which follow `start`: the result depends on the items' numbering only.

    Returns:
        The groups, members sorted, in the order of the first starting group each holds.
    """
    groups = [list(g) for g in start] if start is not None else [[i] for i in range(len(days))]
    members = dict(enumerate(groups))
    spans = {g: _span(m, days) for g, m in members.items()}
    fixed = {g: g < locked for g in members}
    slot = {g: g for g in members}  # the first starting group a group holds
    direction = {} if directions is None else _summed(groups, directions)
    total = _group_links(links, groups)
    heap = [  # distinct entries: the pops do not depend on the order they are pushed in
        (-mean, a, b)
        for a, row in total.items()
        for b, value in row.items()
        if a < b and (mean := value / (len(members[a]) * len(members[b]))) >= threshold
    ]
    heapq.heapify(heap)
    next_id = len(groups)
    while heap:
        negative, a, b = heapq.heappop(heap)
        if a not in members or b not in members or (fixed[a] and fixed[b]):
            continue
        joined = joined_span(spans[a], spans[b])
        if joined and joined[1] - joined[0] > EVENT_WINDOW_DAYS and -negative < FAR_THRESHOLD:
            continue
        if direction and not stories_agree(direction[a], direction[b]):
            continue
        merged = members.pop(a) + members.pop(b)
        if direction:
            direction[next_id] = direction.pop(a) + direction.pop(b)
        neighbours = total.pop(a)
        for other, value in total.pop(b).items():
            neighbours[other] = neighbours.get(other, 0.0) + value
        neighbours.pop(a, None)
        neighbours.pop(b, None)
        members[next_id], spans[next_id], total[next_id] = merged, joined, neighbours
        fixed[next_id] = fixed.pop(a) | fixed.pop(b)
        slot[next_id] = min(slot.pop(a), slot.pop(b))
        for other, value in neighbours.items():
            total[other].pop(a, None)
            total[other].pop(b, None)
            total[other][next_id] = value
            mean = value / (len(merged) * len(members[other]))
            if mean >= threshold:
                heapq.heappush(heap, (-mean, other, next_id))
        next_id += 1
    return [sorted(members[g]) for g in sorted(members, key=slot.__getitem__)]


def _group_links(
    links: Mapping[tuple[int, int], float], groups: Sequence[Sequence[int]]
) -> dict[int, dict[int, float]]:
    """The summed links between groups, both ways.

    Summed in sorted pair order, so that the floating-point sums do not depend on the
    order `links` came in; with one item per group there is nothing to sum.
    """
    owner = {item: g for g, members in enumerate(groups) for item in members}
    total: dict[int, dict[int, float]] = {g: {} for g in range(len(groups))}
    alone = len(owner) == len(groups)
    for (i, j), value in links.items() if alone else sorted(links.items()):
        a, b = owner[i], owner[j]
        if a != b:
            total[a][b] = total[a].get(b, 0.0) + value
            total[b][a] = total[b].get(a, 0.0) + value
    return total


def _summed(
    groups: Sequence[Sequence[int]], directions: NDArray[np.floating]
) -> dict[int, NDArray[np.float64]]:
    rows = directions.astype(np.float64)
    return {g: rows[list(members)].sum(axis=0) for g, members in enumerate(groups)}


def stories_agree(a: NDArray[np.float64], b: NDArray[np.float64]) -> bool:
    """Whether two groups' summed headline embeddings point the same way (`GROUP_AGREEMENT`).

    Headline pairs link on a few shared words ("Sbarro files for bankruptcy", "Mt. Gox
    files for bankruptcy"), and the pair-level agreement lets some of them through; the
    groups' mean embeddings, averaged over many rewrites, tell the two stories apart. A
    group without embedded members (articles) has no say.
    """
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    return norms == 0.0 or float(a @ b) >= GROUP_AGREEMENT * norms


def joined_span(a: Span, b: Span) -> Span:
    """The days two groups cover together."""
    if a is None or b is None:
        return a or b
    return (min(a[0], b[0]), max(a[1], b[1]))


def _span(members: Sequence[int], days: Sequence[int | None]) -> Span:
    dated = [d for m in members if (d := days[m]) is not None]
    return (min(dated), max(dated)) if dated else None
