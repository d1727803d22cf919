from __future__ import annotations

import random as random_module
from array import array
from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]

from digest.cluster import (
    TERM_SEPARATOR,
    EncodedTerms,
    _encoded_tfidf_matrix,
    _heaviest_columns,
    _pair_similarity,
    _shared_weights,
    _sorting_order,
    _storyline_pairs,
    _TermMatrix,
    _tfidf_matrix,
    _weight_floors,
    count_segment,
    encode_terms,
    group_events,
    grown_order,
    link_storylines,
    segment_terms,
    storyline_terms,
)
from digest.model import Event, Segment
from tests.factories import segment

QUAKE_A = (
    "A magnitude 6.1 earthquake struck near the town of Ardakul in northern Iran on Tuesday, "
    "killing at least 12 villagers and destroying hundreds of mud-brick homes, officials said."
)
QUAKE_A2 = (
    "At least 12 people died when a 6.1-magnitude quake hit Ardakul in northern Iran on "
    "Tuesday, flattening hundreds of mud-brick homes, local officials said."
)
QUAKE_B = (
    "A magnitude 5.4 earthquake shook the southern Iranian port of Bushehr on Saturday, "
    "injuring 30 people near the nuclear plant, state television reported."
)
VOTE = (
    "Lawmakers in Turkmenistan voted for a new parliament on Sunday, with 288 candidates "
    "running for 125 seats in the Majlis, election officials said."
)
UPDATE = (
    "Three weeks after the earthquake that killed 12 villagers in Ardakul, in northern Iran, "
    "families are still living in tents as the government's promised reconstruction funds "
    "have yet to arrive, the provincial governor admitted on Monday. Aid groups said 400 "
    "homes need rebuilding."
)
UPDATE2 = (
    "Iran's government on Monday released 40 million dollars for rebuilding Ardakul, three "
    "weeks after a magnitude 6.1 earthquake killed 12 people there; residents still live in "
    "tents."
)
AFTERSHOCK = (
    "A magnitude 5.2 earthquake struck Ardakul in northern Iran on Friday, injuring seven "
    "people and damaging a school weeks after a deadlier quake, officials said."
)
MATCH = (
    "Ajax beat Feyenoord 3-1 in Amsterdam on Sunday night, with two late goals from the "
    "bench sealing the Dutch league title for the home side."
)


def _events(segments: list[Segment]) -> list[list[str]]:
    return sorted(sorted(s.id for s in e.segments) for e in group_events(segments))


def test_rewrites_of_one_event_are_grouped_and_look_alikes_kept_apart() -> None:
    segments = [
        segment("a.txt", QUAKE_A, title="Quake kills 12 in northern Iran"),
        segment("b.txt", QUAKE_A2, title="Earthquake in Ardakul, Iran, kills 12"),
        segment("c.txt", QUAKE_B, title="Quake injures 30", published=date(2020, 3, 1)),
        segment("d.txt", VOTE, title="Turkmenistan votes"),
    ]
    assert _events(segments) == [["a.txt", "b.txt"], ["c.txt"], ["d.txt"]]


def test_a_text_republished_weeks_later_joins_its_event() -> None:
    segments = [
        segment("a.txt", QUAKE_A, published=date(2020, 1, 1)),
        segment("b.txt", QUAKE_A, published=date(2020, 3, 1)),
    ]
    assert _events(segments) == [["a.txt", "b.txt"]]


def test_a_report_of_the_same_happening_weeks_later_joins_its_event() -> None:
    segments = [
        segment("a.txt", QUAKE_A, title="Quake kills 12", published=date(2020, 1, 1)),
        segment("b.txt", QUAKE_A2, title="Quake kills 12 in Ardakul", published=date(2020, 1, 20)),
        segment("c.txt", VOTE, published=date(2020, 1, 10)),
    ]
    assert _events(segments) == [["a.txt", "b.txt"], ["c.txt"]]


def test_an_update_three_weeks_later_is_another_event() -> None:
    segments = [
        segment(
            "a.txt", QUAKE_A, title="Quake kills 12 in northern Iran", published=date(2020, 1, 1)
        ),
        segment(
            "b.txt", QUAKE_A2, title="Earthquake in Ardakul kills 12", published=date(2020, 1, 2)
        ),
        segment(
            "c.txt", UPDATE, title="Ardakul survivors still in tents", published=date(2020, 1, 22)
        ),
        segment(
            "d.txt", UPDATE2, title="Iran funds Ardakul rebuilding", published=date(2020, 1, 22)
        ),
    ]
    assert _events(segments) == [["a.txt", "b.txt"], ["c.txt", "d.txt"]]


def test_event_ids_are_the_date_and_the_slug_of_a_real_headline() -> None:
    events = group_events([segment("a.txt", QUAKE_A, title="Quake kills 12 in northern Iran")])
    assert events[0].id == "2020-01-17-quake-kills-12-in-northern-iran"
    assert events[0].title == "Quake kills 12 in northern Iran"


def test_colliding_ids_get_a_stable_suffix() -> None:
    segments = [
        segment("a.txt", QUAKE_A, title="Earthquake"),
        segment("b.txt", MATCH, title="Earthquake"),
    ]
    assert sorted(e.id for e in group_events(segments)) == [
        "2020-01-17-earthquake",
        "2020-01-17-earthquake-2",
    ]


def test_events_of_one_story_on_different_days_share_a_storyline() -> None:
    segments = [
        segment("a.txt", QUAKE_A, title="Quake kills 12", published=date(2020, 1, 1)),
        segment(
            "b.txt",
            UPDATE,
            title="Ardakul quake survivors still in tents",
            published=date(2020, 1, 20),
        ),
        segment("c.txt", VOTE, published=date(2020, 1, 10)),
    ]
    events, storylines = link_storylines(group_events(segments))
    assert len(storylines) == 1
    linked = {e.id for e in events if e.storyline == storylines[0].id}
    assert linked == set(storylines[0].event_ids)
    assert len(linked) == 2
    assert storylines[0].event_ids[0].startswith("2020-01-01")


def test_storylines_from_encoded_terms_are_those_of_counting_them() -> None:
    segments = [
        segment("a.txt", QUAKE_A, title="Quake kills 12", published=date(2020, 1, 1)),
        segment("b.txt", QUAKE_A2, title="Quake toll rises", published=date(2020, 1, 20)),
        segment("c.txt", VOTE, published=date(2020, 1, 10)),
        segment("d.txt", QUAKE_B, published=date(2020, 1, 12)),
    ]
    events = group_events(segments)
    ids: dict[str, int] = {}
    vocabulary: list[str] = []
    encode_terms({"zebra": 1.0, "aardvark": 2.0}, ids, vocabulary)  # terms no event has
    rows = {e.id: encode_terms(storyline_terms(e), ids, vocabulary) for e in reversed(events)}

    encoded = EncodedTerms(vocabulary, [rows[e.id] for e in events])

    assert link_storylines(events, encoded) == link_storylines(events)
    counted, kept = (
        _tfidf_matrix(storyline_terms(e) for e in events),
        _encoded_tfidf_matrix(encoded),
    )
    assert kept.vocabulary == counted.vocabulary
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(kept.rows, part), getattr(counted.rows, part))


def test_storylines_from_a_known_order_of_terms_sort_no_term(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the order of the vocabulary a state kept, grown by the terms of new events
    (`grown_order`), the columns are taken from it: no term is sorted, and the storylines
    are those of counting every event's terms."""
    import digest.cluster as cluster

    segments = [
        segment("a.txt", QUAKE_A, title="Quake kills 12", published=date(2020, 1, 1)),
        segment("b.txt", QUAKE_A2, title="Quake toll rises", published=date(2020, 1, 20)),
        segment("c.txt", VOTE, published=date(2020, 1, 10)),
    ]
    events = group_events(segments)
    ids: dict[str, int] = {}
    vocabulary: list[str] = []
    rows = {e.id: encode_terms(storyline_terms(e), ids, vocabulary) for e in events[:1]}
    stored = sorted(range(len(vocabulary)), key=vocabulary.__getitem__)  # as the state reads it
    rows |= {e.id: encode_terms(storyline_terms(e), ids, vocabulary) for e in events[1:]}
    order = grown_order(vocabulary, stored)
    monkeypatch.setattr(cluster, "_sorting_order", lambda _: pytest.fail("terms sorted"))

    encoded = EncodedTerms(vocabulary, [rows[e.id] for e in events], order)

    assert len(vocabulary) > len(stored) > 0
    assert link_storylines(events, encoded) == link_storylines(events)


TERMS = st.text(
    st.characters(codec="utf-8", exclude_characters=TERM_SEPARATOR),
    min_size=1,
    max_size=4,
)
"""Terms of any script (accents, astral characters, ligatures), prefixes of one another."""


@given(st.lists(TERMS, unique=True, min_size=1, max_size=40), st.data())
def test_columns_taken_from_a_grown_order_are_those_of_sorting_the_terms(
    terms: list[str], data: st.DataObject
) -> None:
    """The order a state kept of its vocabulary, grown by the terms its new rows add, is
    that of sorting the whole vocabulary; the matrix with the columns taken from it is
    the one with the terms present sorted, to the last bit, whichever terms no row has."""
    kept = data.draw(st.integers(0, len(terms)), label="terms the state kept")
    counts = st.dictionaries(st.sampled_from(terms), st.floats(0.5, 20.0), max_size=8)
    rows = data.draw(st.lists(counts, min_size=1, max_size=6), label="rows")
    vocabulary = terms[:kept]
    stored = sorted(range(kept), key=vocabulary.__getitem__)
    ids = {term: i for i, term in enumerate(vocabulary)}
    encoded = [encode_terms(row, ids, vocabulary) for row in rows]

    order = grown_order(vocabulary, stored)
    taken = _encoded_tfidf_matrix(EncodedTerms(vocabulary, encoded, order))
    sorted_ = _encoded_tfidf_matrix(EncodedTerms(vocabulary, encoded))

    assert order.tolist() == sorted(range(len(vocabulary)), key=vocabulary.__getitem__)
    assert taken.vocabulary == sorted_.vocabulary == _tfidf_matrix(rows).vocabulary
    for part in ("indptr", "indices", "data"):
        got, expected = getattr(taken.rows, part), getattr(sorted_.rows, part)
        assert (got.dtype, got.tobytes()) == (expected.dtype, expected.tobytes())


@pytest.mark.parametrize("limit", [None, 0])
def test_terms_are_put_in_pythons_order_by_numpy_or_python(
    limit: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The storylines' columns are the sorted terms: numpy's fixed-width strings compare by
    code point as Python's do, accents, other scripts, astral characters, prefixes and
    digits alike; beyond `SORTED_TERMS_BYTES` Python sorts them."""
    import digest.cluster as cluster

    if limit is not None:
        monkeypatch.setattr(cluster, "SORTED_TERMS_BYTES", limit)
    terms = ["zebra", "é", "e", "ea", "2020", "10", "Ünal", "ünal", "киев", "北京", "𝔘", "ﬁ", "a"]
    terms += [f"w{n}" for n in range(300, 0, -7)]

    order = _sorting_order(terms)

    assert [terms[i] for i in order] == sorted(terms)
    assert _sorting_order([]) == []


def test_storyline_pairs_are_the_same_with_compiled_cosines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """From `COMPILED_PAIRS` pairs on the cosines are compiled: the same pairs to the
    last bit (a cosine at the threshold decides)."""
    import digest.cluster as cluster

    segments = [
        segment(f"{n}.txt", text, title=title, published=date(2020, 1, 1 + 4 * n))
        for n, (text, title) in enumerate(
            [
                (QUAKE_A, "Quake kills 12"),
                (UPDATE, "Ardakul quake survivors still in tents"),
                (QUAKE_B, None),
                (AFTERSHOCK, "New quake in Ardakul"),
                (UPDATE2, "Iran funds Ardakul rebuilding"),
                (VOTE, None),
            ]
        )
    ]
    events = group_events(segments)
    assert len(events) >= 4  # updates and look-alikes, apart
    rows = _tfidf_matrix(storyline_terms(e) for e in events).rows
    gathered = _storyline_pairs(events, rows)
    monkeypatch.setattr(cluster, "COMPILED_PAIRS", 0)
    compiled = _storyline_pairs(events, rows)
    assert len(gathered) > 0
    assert np.array_equal(compiled, gathered)


@given(
    st.lists(
        st.dictionaries(st.integers(0, 50), st.floats(0.01, 1.0), min_size=1, max_size=30),
        min_size=2,
        max_size=5,
    ),
    st.booleans(),
)
def test_shared_weights_are_the_terms_every_row_has_at_their_least(
    rows: list[dict[int, float]], empty_row: bool
) -> None:
    rows = [{}, *rows] if empty_row else rows
    indptr = np.cumsum([0, *map(len, rows)])
    indices = [column for row in rows for column in sorted(row)]
    data = [row[column] for row in rows for column in sorted(row)]
    vocabulary = [f"t{column:02d}" for column in range(51)]
    matrix = _TermMatrix(vocabulary, csr_matrix((data, indices, indptr), shape=(len(rows), 51)))
    component = list(range(len(rows)))[::-1]

    shared = _shared_weights(matrix, component)

    common = set.intersection(*(set(row) for row in rows))
    expected = {f"t{column:02d}": min(row[column] for row in rows) for column in common}
    assert shared == expected


TEXTS = [QUAKE_A, QUAKE_A2, QUAKE_B, VOTE]


@given(st.lists(st.sampled_from(range(4)), min_size=1, max_size=8), st.randoms())
def test_grouping_ignores_input_order_and_places_every_segment_once(
    picks: list[int], random: random_module.Random
) -> None:
    segments = [segment(f"{i}.txt", TEXTS[p]) for i, p in enumerate(picks)]
    shuffled = list(segments)
    random.shuffle(shuffled)
    assert _events(segments) == _events(shuffled)
    placed = [s.id for e in group_events(segments) for s in e.segments]
    assert sorted(placed) == sorted(s.id for s in segments)
    for p in set(picks):  # identical texts always land in one event
        same = {s.id for s in segments if s.text == TEXTS[p]}
        assert any(same <= set(ids) for ids in _events(segments))


def test_near_duplicates_are_grouped() -> None:
    wire = QUAKE_A + " Rescue teams were still searching the rubble on Wednesday."
    segments = [
        segment("a.txt", QUAKE_A, title="Quake kills 12 in northern Iran"),
        segment("b.txt", wire, title="Quake kills 12 in northern Iran - update"),
        segment("c.txt", QUAKE_A.replace("Tuesday", "Tuesday night"), title="Iran quake"),
        segment("d.txt", MATCH, title="Ajax win the title"),
    ]
    assert _events(segments) == [["a.txt", "b.txt", "c.txt"], ["d.txt"]]


def test_look_alike_events_in_other_places_stay_apart() -> None:
    segments = [
        segment("a.txt", QUAKE_A, title="Quake kills 12 in northern Iran"),
        segment("b.txt", QUAKE_A2, title="Earthquake in Ardakul, Iran, kills 12"),
        segment("c.txt", QUAKE_B, title="Quake shakes Bushehr, injuring 30"),
        segment("d.txt", QUAKE_B.replace("30 people", "dozens"), title="Bushehr quake"),
    ]
    assert _events(segments) == [["a.txt", "b.txt"], ["c.txt", "d.txt"]]


def test_the_same_place_on_another_date_is_another_event() -> None:
    segments = [
        segment("a.txt", QUAKE_A, title="Quake in Ardakul", published=date(2020, 1, 1)),
        segment("b.txt", QUAKE_A2, title="Quake in Ardakul", published=date(2020, 1, 2)),
        segment("c.txt", AFTERSHOCK, title="New quake in Ardakul", published=date(2020, 2, 10)),
        segment(
            "d.txt",
            AFTERSHOCK.replace("Friday", "Monday"),
            title="Ardakul shaken again",
            published=date(2020, 2, 11),
        ),
    ]
    assert _events(segments) == [["a.txt", "b.txt"], ["c.txt", "d.txt"]]


HEADLINES = [
    "Chiquita and Fyffes to merge, creating the largest banana company",
    "Chiquita buys Fyffes in banana merger",
    "Fyffes merger creates banana behemoth",
    "Sbarro files for bankruptcy for the second time",
    "Pizza chain Sbarro files for bankruptcy again",
    "Mall food court favourite Sbarro files for bankruptcy",
]


def test_headline_only_items_of_one_story_are_grouped() -> None:
    segments = [segment(f"{i}.txt", "", title=t) for i, t in enumerate(HEADLINES)]
    assert _events(segments) == [["0.txt", "1.txt", "2.txt"], ["3.txt", "4.txt", "5.txt"]]


def test_shared_neighbours_count_each_other_and_common_neighbours() -> None:
    import numpy as np

    from digest.cluster import _shared_neighbours

    pairs = np.array([[0, 1], [0, 2], [1, 2], [2, 3]])
    shares = _shared_neighbours(4, pairs, np.array([0.9, 0.5, 0.5, 0.3]))
    assert shares[(0, 1)] == 3 / 6  # each other, and 2 in both neighbourhoods
    assert shares[(0, 3)] == 1 / 6  # no direct link, but 2 is a neighbour of both


def test_a_two_article_build_keeps_look_alike_stories_apart() -> None:
    # Each article is the other's only candidate, so they would share every neighbour:
    # the pair is judged by its plain cosine against the stricter SPARSE_COSINE.
    different = [
        segment("a.txt", QUAKE_A, title="Earthquake kills 12 in Iran"),
        segment("b.txt", QUAKE_B, title="Earthquake injures 30 in Iran"),
    ]
    assert _events(different) == [["a.txt"], ["b.txt"]]
    same = [
        segment("a.txt", QUAKE_A, title="Earthquake kills 12 in Iran"),
        segment("c.txt", QUAKE_A2, title="Earthquake in Ardakul, Iran, kills 12"),
    ]
    assert _events(same) == [["a.txt", "c.txt"]]


def test_segments_with_few_candidates_are_marked_sparse() -> None:
    import numpy as np

    from digest.cluster import NEIGHBOURS, _few_candidates

    hub = [[0, j] for j in range(1, NEIGHBOURS + 2)]  # 0 has NEIGHBOURS + 1 candidates
    pairs = np.array([*hub, [1, 2]])
    similarity = np.array([0.5] * len(hub) + [0.05])  # the last pair is below the floor
    few = _few_candidates(NEIGHBOURS + 2, pairs, similarity)
    assert few.tolist() == [False] + [True] * (NEIGHBOURS + 1)


def test_candidate_search_looks_only_at_later_rows_within_the_date_window() -> None:
    import numpy as np

    from digest.cluster import _window_ranges
    from digest.linkage import EVENT_WINDOW_DAYS

    days = np.array([1, 2, 3, 3 + EVENT_WINDOW_DAYS, 4 + EVENT_WINDOW_DAYS, 0, 0])
    assert _window_ranges(days, 0, 2) == [(0, 3), (5, 7)]  # day 2 reaches day 2 + window
    assert _window_ranges(days, 0, 3) == [(0, 4), (5, 7)]
    assert _window_ranges(days, 4, 5) == [(4, 5), (5, 7)]
    assert _window_ranges(days, 4, 6) == [(4, 7)]  # an undated row pairs with any later one
    assert _window_ranges(np.array([0, 0]), 0, 1) == [(0, 2)]


def test_far_candidates_share_rare_terms_and_lie_beyond_the_window() -> None:
    import numpy as np

    from digest.cluster import FAR_SHARED_TERMS, _far_pairs
    from digest.linkage import EVENT_WINDOW_DAYS

    names = FAR_SHARED_TERMS  # rows 0, 2 and 3 hold the same rare names; row 1 one too few
    rows = csr_matrix(np.array([[1] * names, [1] * (names - 1) + [0], [1] * names, [1] * names]))
    days = np.array([1, 2 + EVENT_WINDOW_DAYS, 1 + EVENT_WINDOW_DAYS, 0])  # row 3 undated
    left, right = _far_pairs(rows, days, 0, 4)
    assert list(zip(left.tolist(), right.tolist(), strict=True)) == []  # 0-2: within the week
    days = np.array([1, 3, 2 + EVENT_WINDOW_DAYS, 0])
    left, right = _far_pairs(rows, days, 0, 4)
    assert list(zip(left.tolist(), right.tolist(), strict=True)) == [(0, 2)]
    assert [len(side) for side in _far_pairs(rows, days, 3, 4)] == [0, 0]


def test_terms_counted_elsewhere_group_as_counted_here() -> None:
    """What the ingest workers count (`count_segment`) unpacks to `segment_terms`, in its
    order (the row norms sum in that order), and groups and links the same."""
    segments = [
        segment("a.txt", QUAKE_A, title="Quake kills 12 in northern Iran"),
        segment("b.txt", QUAKE_A2, title="Earthquake in Ardakul, Iran, kills 12"),
        segment("c.txt", "Ardakul.", title=None),
        segment("d.txt", "the of and", title=None),  # no terms at all
        segment("e.txt", VOTE, title="Turkmenistan votes"),
        segment("f.txt", QUAKE_A2, title="Quake toll rises", published=date(2020, 1, 30)),
    ]
    counts = {s.id: count_segment(s) for s in segments}
    for s in segments:
        terms = counts[s.id].terms.split("\x00") if counts[s.id].terms else []
        weights = array("d", counts[s.id].weights)
        assert list(zip(terms, weights, strict=True)) == list(segment_terms(s).items())
    events = group_events(segments, counts=counts)
    assert events == group_events(segments)
    assert group_events(segments, counts={"a.txt": counts["a.txt"]}) == events  # some known
    assert link_storylines(events, counts=counts) == link_storylines(events)
    assert link_storylines(events, counts={"a.txt": counts["a.txt"]}) == link_storylines(events)


TEXT_WORDS = ["Ardakul", "ardakul", "Iran", "the", "Quake", "quake", "12", "Said", "of"]


@given(
    st.lists(st.lists(st.sampled_from(TEXT_WORDS), max_size=6), min_size=1, max_size=4),
    st.sampled_from(["Quake in Iran", "", "the"]),
)
def test_an_events_terms_summed_from_its_members_are_those_of_its_joined_text(
    texts: list[list[str]], title: str
) -> None:
    """Same terms, weights and order as counting the members' texts joined, whatever
    word comes first (a name, a capitalised common word, a stop word, none at all)."""
    from digest.cluster import _summed_storyline_terms

    members = tuple(segment(f"{i}.txt", " ".join(t), title=None) for i, t in enumerate(texts))
    event = Event(id="e", title=title, date=None, segments=members)
    counts = {s.id: count_segment(s) for s in members}
    summed = _summed_storyline_terms(event, counts)
    assert list(summed.items()) == list(storyline_terms(event).items())


def test_threads_give_the_same_similarities_and_events_to_the_last_bit() -> None:
    """The pair similarities and the character matrix, computed in many small parts on a
    pool of threads, are those computed in one part each in this thread."""
    from digest.cluster import (
        SHORT_TERMS,
        _candidate_pairs,
        _char_matrix,
        _count_char_grams,
        _pair_similarity,
        _thread_pool,
    )

    texts = [QUAKE_A, QUAKE_A2, QUAKE_B, VOTE, MATCH]
    segments = [
        segment(f"{i}.txt", texts[i % 5] + f" Update {i}.", title=texts[(i * 3) % 5][:40])
        for i in range(23)
    ]
    words = _tfidf_matrix(segment_terms(s) for s in segments)
    pairs = _candidate_pairs(segments, words.rows, words.sizes() < SHORT_TERMS)
    grams = _char_matrix(_count_char_grams(segments))
    similarity = _pair_similarity(pairs, words.rows, grams)
    assert len(pairs) > 20
    with _thread_pool(3) as pool:
        assert pool is not None
        parts = _char_matrix(_count_char_grams(segments, pool, block=2))
        threaded = _pair_similarity(pairs, words.rows, parts, pool, chunk=3)
    assert (parts != grams).nnz == 0
    assert np.array_equal(parts.data, grams.data)
    assert threaded.tobytes() == similarity.tobytes()
    with _thread_pool(1) as pool:
        assert pool is None  # one thread: everything in this one
    assert group_events(segments, threads=2) == group_events(segments)


def test_an_error_in_the_grouping_drops_the_threads_tasks_not_started() -> None:
    import time
    from concurrent.futures import Future

    from digest.cluster import _thread_pool

    futures: list[Future[None]] = []

    def submit_and_fail() -> None:
        with _thread_pool(2) as pool:
            assert pool is not None
            futures.extend(pool.submit(time.sleep, 0.05) for _ in range(100))
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        submit_and_fail()
    assert sum(f.cancelled() for f in futures) >= 90


@given(
    st.lists(
        st.dictionaries(st.integers(0, 30), st.sampled_from([0.1, 0.2, 0.5]), max_size=12),
        min_size=1,
        max_size=8,
    ),
    st.integers(1, 5),
    st.booleans(),
)
def test_heaviest_columns_are_each_rows_heaviest_ties_to_the_lower_column(
    rows: list[dict[int, float]], count: int, shuffled: bool
) -> None:
    indptr = np.cumsum([0, *map(len, rows)])
    items = [sorted(row.items(), reverse=shuffled) for row in rows]  # columns descending
    indices = [column for row in items for column, _ in row]
    data = [weight for row in items for _, weight in row]
    matrix = csr_matrix((data, indices, indptr), shape=(len(rows), 31))

    marked = _heaviest_columns(matrix, count)

    for i, row in enumerate(rows):
        expected = sorted(row, key=lambda column: (-row[column], column))[:count]
        assert sorted(marked[i].indices.tolist()) == sorted(expected)


@given(
    st.lists(
        st.lists(st.sampled_from([0.1, 0.2, 0.3, 0.5]), max_size=60),
        min_size=1,
        max_size=9,
    ),
    st.integers(1, 4),
    st.integers(1, 4),
)
def test_weight_floors_are_under_each_long_rows_heaviest(
    rows: list[list[float]], count: int, block: int
) -> None:
    """Rows longer than the floor's sample (`FLOOR_SAMPLE * count` entries), in blocks of
    a few rows: no floor is above its row's `count`-th heaviest weight, and the heaviest
    columns (ties to the lower column) are found through it."""
    indptr = np.cumsum([0, *map(len, rows)])
    matrix = csr_matrix(
        ([w for row in rows for w in row], [c for row in rows for c in range(len(row))], indptr),
        shape=(len(rows), 60),
    )

    floors = _weight_floors(matrix, count, block)
    marked = _heaviest_columns(matrix, count)

    for i, row in enumerate(rows):
        heaviest = sorted(range(len(row)), key=lambda column: (-row[column], column))[:count]
        if len(row) > count:
            assert floors[i] <= row[heaviest[-1]]
        else:
            assert floors[i] == -np.inf
        assert sorted(marked[i].indices.tolist()) == sorted(heaviest)


@pytest.mark.parametrize("width", [0, 1, 7, 8, 9, 16, 127, 128, 129, 300, 1500])
def test_compiled_dot_products_are_scipys_to_the_last_bit(width: int) -> None:
    """Rows sharing 0 to 1,500 columns: every branch of numpy's pairwise sum, which the
    compiled loop follows step for step."""
    rng = np.random.default_rng(width)
    rows = 40
    matrix = csr_matrix(
        np.where(rng.random((rows, 2 * width + 5)) < 0.7, rng.random((rows, 2 * width + 5)), 0.0)
    )
    left = np.sort(rng.integers(0, rows, 200))
    pairs = np.stack([left, rng.integers(0, rows, 200)], axis=1)

    compiled = _pair_similarity(pairs, matrix, matrix, compiled=True, chunk=37)
    gathered = _pair_similarity(pairs, matrix, matrix, compiled=False)

    assert compiled.tobytes() == gathered.tobytes()
    assert (compiled > 0).sum() > 100
