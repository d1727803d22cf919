"""Average linkage (digest/linkage.py), the merge rule of both groupings."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from digest.linkage import EVENT_WINDOW_DAYS, FAR_THRESHOLD, average_linkage

TIGHT = {(0, 1): 0.8, (0, 2): 0.8, (1, 2): 0.8, (3, 4): 0.8, (3, 5): 0.8, (4, 5): 0.8}
UNDATED: list[int | None] = [None] * 6


def test_one_strong_pair_does_not_chain_two_groups() -> None:
    # 0-1-2 and 3-4-5 are tight; 2-3 is one strong link across: the mean over the
    # nine cross pairs stays low, so the groups stay apart.
    assert average_linkage({**TIGHT, (2, 3): 0.7}, 0.2, UNDATED) == [[0, 1, 2], [3, 4, 5]]


def test_groups_merge_when_their_mean_link_reaches_the_threshold() -> None:
    across = {(i, j): 0.2 for i in (0, 1, 2) for j in (3, 4, 5)}
    assert average_linkage({**TIGHT, **across}, 0.2, UNDATED) == [[0, 1, 2, 3, 4, 5]]


def test_groups_spanning_more_than_the_window_merge_only_at_the_far_threshold() -> None:
    days: list[int | None] = [1, 1, None, 2 + EVENT_WINDOW_DAYS]
    below = FAR_THRESHOLD - 0.01
    links = {(0, 1): 0.9, (0, 2): 0.8, (1, 2): 0.8, (0, 3): below, (1, 3): below, (2, 3): below}
    assert average_linkage(links, 0.2, days) == [[0, 1, 2], [3]]
    assert average_linkage(links, 0.2, [1, 1, None, 1 + EVENT_WINDOW_DAYS]) == [[0, 1, 2, 3]]
    at = {**links, (0, 3): FAR_THRESHOLD, (1, 3): FAR_THRESHOLD, (2, 3): FAR_THRESHOLD}
    assert average_linkage(at, 0.2, days) == [[0, 1, 2, 3]]


def test_locked_groups_take_new_items_but_never_merge_with_each_other() -> None:
    links = {(0, 1): 0.9, (1, 2): 0.9, (0, 2): 0.9}
    start = [[0], [1], [2]]
    assert average_linkage(links, 0.2, [None] * 3, start=start, locked=2) == [[0, 2], [1]]
    assert average_linkage(links, 0.2, [None] * 3, start=start) == [[0, 1, 2]]


def test_groups_come_back_in_the_order_of_their_first_starting_group() -> None:
    start = [[4], [2, 3], [0], [1]]
    links = {(1, 4): 0.9, (0, 2): 0.9, (0, 3): 0.9}
    assert average_linkage(links, 0.2, [None] * 5, start=start) == [[1, 4], [0, 2, 3]]


def test_groups_whose_headline_embeddings_disagree_stay_apart() -> None:
    directions = np.array([[1.0, 0.0], [1.0, 0.1], [0.0, 1.0], [0.1, 1.0]])
    links = {(0, 1): 0.9, (2, 3): 0.9, (1, 2): 0.9, (0, 3): 0.9, (0, 2): 0.9, (1, 3): 0.9}
    assert average_linkage(links, 0.2, [None] * 4, directions=directions) == [[0, 1], [2, 3]]
    assert average_linkage(links, 0.2, [None] * 4) == [[0, 1, 2, 3]]


@given(
    st.dictionaries(
        st.tuples(st.integers(0, 7), st.integers(0, 7)).filter(lambda p: p[0] < p[1]),
        st.floats(0.0, 1.0),
    ),
    st.permutations(range(8)),
)
def test_every_item_ends_in_one_group_whatever_the_order_of_the_links(
    links: dict[tuple[int, int], float], order: list[int]
) -> None:
    days: list[int | None] = [i % 3 for i in range(8)]
    start = [[0, 1], [2], [3, 4], [5], [6], [7]]
    groups = average_linkage(links, 0.3, days, start=start, locked=2)
    shuffled = dict(sorted(links.items(), key=lambda kv: order[kv[0][0]]))
    assert sorted(i for g in groups for i in g) == list(range(8))
    assert average_linkage(shuffled, 0.3, days, start=start, locked=2) == groups
    assert not any({0, 1} <= set(g) and 2 in g for g in groups)


@given(
    st.dictionaries(
        st.tuples(st.integers(0, 7), st.integers(0, 7)).filter(lambda p: p[0] < p[1]),
        st.floats(0.0, 1.0),
    ),
)
def test_links_between_members_of_locked_groups_are_never_read(
    links: dict[tuple[int, int], float],
) -> None:
    """Of an incremental grouping's links (locked groups: stored events), only those with a
    new item can change the groups; but those depend on the others' (shared nearest
    neighbours), so `cluster.segment_links` computes them all (incremental-log.md)."""
    days: list[int | None] = [i % 3 for i in range(8)]
    start = [[0, 1], [2], [3, 4], [5], [6], [7]]
    stored = {0, 1, 2, 3, 4}
    with_new = {pair: v for pair, v in links.items() if not set(pair) <= stored}
    groups = average_linkage(links, 0.3, days, start=start, locked=3)
    assert average_linkage(with_new, 0.3, days, start=start, locked=3) == groups


def test_a_new_item_joins_a_stored_event_through_another_new_one() -> None:
    """5 and 6 (new, linked most) join the stored event [0, 1] together, 6 through 5: without
    the new-to-stored link 1-5 their mean link to it falls below the threshold."""
    links = {(0, 1): 0.9, (2, 3): 0.9, (0, 5): 0.5, (1, 5): 0.5, (5, 6): 0.9, (0, 6): 0.2}
    start = [[0, 1], [2, 3], [5], [6]]
    days: list[int | None] = [None] * 7
    assert average_linkage(links, 0.2, days, start=start, locked=2) == [[0, 1, 5, 6], [2, 3]]
    without = {pair: v for pair, v in links.items() if pair != (1, 5)}
    assert average_linkage(without, 0.2, days, start=start, locked=2) == [[0, 1], [2, 3], [5, 6]]
