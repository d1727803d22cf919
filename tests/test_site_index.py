"""The site index: the briefing's ranking, the archive's days and months, the outlets'
statistics, the storylines' timelines and the tags."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from digest.entities import EntityKind
from digest.model import BuildResult, Difference, DifferenceKind, Stories, Story, Storyline, Value
from digest.site_index import (
    SiteIndex,
    _disagreeing,
    _disagrees,
    by_kind,
    index_site,
    rank,
    summarize,
)
from tests.factories import story

DAY = date(2020, 1, 17)


def index(*stories: Story, storylines: Sequence[Storyline] = ()) -> SiteIndex:
    articles = tuple(s.article for st in stories for s in st.event.segments)
    return index_site(
        BuildResult(
            stories=Stories.of(stories),
            storylines=tuple(storylines),
            rejected=(),
            articles=articles,
        )
    )


# --- Ranking ----------------------------------------------------------------------------


def test_a_day_ranks_independent_reports_before_republished_copies() -> None:
    site = index(
        story("wire", DAY, ["A", "B", "C", "D", "E"], origins=1),  # 5 copies of one wire story
        story("three", DAY, ["A", "B", "C"]),  # 3 reports of their own
        story("two-b", DAY, ["A", "B"]),
        story("two-a", DAY, ["C", "D"]),
        story("two-copies", DAY, ["A", "B", "C"], origins=2),  # 2 reports, 3 sources
    )
    assert [e.id for e in site.days[0].entries] == ["three", "two-copies", "two-a", "two-b", "wire"]


def test_rank_breaks_ties_by_sources_then_id() -> None:
    site = index(story("b", DAY, ["X"]), story("a", DAY, ["Y"]), story("c", DAY, ["Z", "Z2"]))
    assert [e.id for e in rank(site.entries)] == ["c", "a", "b"]


# --- Archive ----------------------------------------------------------------------------


def test_days_and_months_are_newest_first_and_undated_events_apart() -> None:
    site = index(
        story("jan-17", DAY, ["A"]),
        story("jan-17-b", DAY, ["A", "B"]),
        story("jan-2", date(2020, 1, 2), ["A"]),
        story("dec-27", date(2019, 12, 27), ["A"]),
        story("undated", None, ["A"]),
    )
    assert [(d.name, [e.id for e in d.entries]) for d in site.days] == [
        ("2020-01-17", ["jan-17-b", "jan-17"]),
        ("2020-01-02", ["jan-2"]),
        ("2019-12-27", ["dec-27"]),
    ]
    assert [(m.name, [d.name for d in m.days], m.event_count) for m in site.months] == [
        ("2020-01", ["2020-01-17", "2020-01-02"], 3),
        ("2019-12", ["2019-12-27"], 1),
    ]
    assert site.undated is not None
    assert (site.undated.name, [e.id for e in site.undated.entries]) == ("undated", ["undated"])
    assert [e.id for e in site.entries][-1] == "undated"


def test_a_build_without_undated_events_has_no_undated_day() -> None:
    assert index(story("a", DAY, ["A"])).undated is None


# --- Sources ----------------------------------------------------------------------------


def number(subject: str, *sides: tuple[str, Sequence[str]]) -> Difference:
    """A number difference; each side is a value and the segment ids that carry it."""
    return Difference(
        kind=DifferenceKind.NUMBER,
        subject=subject,
        values=tuple(Value(text=v, normalized=v, segments=tuple(s)) for v, s in sides),
    )


def test_source_statistics_count_reads_events_sole_reports_and_disagreements() -> None:
    shared = story(
        "shared",
        DAY,
        ["Reuters", "AFP", "Reuters"],
        differences=[
            number("dead", ("40", ["shared/1.txt", "shared/3.txt"]), ("39", ["shared/2.txt"])),
            number(
                "injured", ("12", ["shared/1.txt"]), ("21", ["shared/3.txt"])
            ),  # Reuters v Reuters
            number("fled", ("3", ["shared/2.txt"]), ("4", ["shared/1.txt"])),
        ],
    )
    alone = story("alone", DAY, ["AFP"])
    self_contradiction = story(
        "self",
        date(2020, 1, 16),
        ["Reuters", "AP"],
        differences=[number("wounded", ("5", ["self/1.txt"]), ("6", ["self/1.txt"]))],
    )
    site = index(shared, alone, self_contradiction)
    stats = {key: (s.articles, s.events, s.only_source, s.disagreed_events, s.disagreements)
             for key, s in site.stats.items()}  # fmt: skip
    assert stats == {
        "Reuters": (3, 2, 0, 1, 2),
        "AFP": (2, 2, 1, 1, 2),
        "AP": (1, 1, 0, 0, 0),
    }
    assert [e.id for e in site.carried["AFP"]] == ["alone", "shared"]


def test_an_index_of_kept_stories_from_their_summaries_and_names_asks_for_no_story() -> None:
    """An incremental build's unchanged stories stay pickled: given what the last build
    worked out of them (`summarize`, and the names found), the index is the same as
    one made of the stories, and no story is made; an entry's page still gets its story."""
    stories = (
        story(
            "shared",
            DAY,
            ["Reuters", "AFP", "Reuters"],
            origins=2,
            text="Forty died in Idlib, Reuters said.",
            differences=[number("dead", ("40", ["shared/1.txt"]), ("39", ["shared/2.txt"]))],
        ),
        story("alone", DAY, ["AFP"], storyline="line"),
        story("earlier", date(2020, 1, 10), ["AP"], storyline="line"),
    )
    storylines = (Storyline(id="line", title="Line", event_ids=("earlier", "alone")),)
    told = index(*stories, storylines=storylines)
    asked: list[str] = []

    def kept(s: Story) -> Callable[[], Story]:
        return lambda: asked.append(s.event.id) or s  # type: ignore[func-returns-value]

    result = BuildResult(
        stories=Stories((s.event for s in stories), {}, {s.event.id: kept(s) for s in stories}),
        storylines=storylines,
        rejected=(),
        articles=tuple(s.article for st in stories for s in st.event.segments),
    )
    site = index_site(
        result,
        entities=dict(told.found),
        summaries={s.event.id: summarize(s) for s in stories},
    )

    assert asked == []
    assert site == told
    assert site.by_id["shared"].summary.disagreements == (("AFP", 1), ("Reuters", 1))
    assert site.by_id["shared"].story == stories[0]
    assert asked == ["shared"]


def test_a_kept_story_the_index_needs_whole_is_unpickled_once() -> None:
    """Without its names and summary kept, the index asks a kept story for both: it is
    made once (`Stories.story` keeps it), and its entry's page gets the same story."""
    kept = story("kept", DAY, ["AFP", "AP"], text="Forty died in Idlib.")
    asked: list[str] = []

    def unpickle() -> Story:
        asked.append(kept.event.id)
        return kept

    stories = Stories((kept.event,), {}, {kept.event.id: unpickle})
    result = BuildResult(
        stories=stories,
        storylines=(),
        rejected=(),
        articles=tuple(s.article for s in kept.event.segments),
    )
    site = index_site(result)

    assert site == index(kept)
    assert site.by_id["kept"].story is stories.story("kept")
    assert asked == ["kept"]


def test_source_statistics_are_in_the_order_of_the_outlets_names() -> None:
    # not a set's: the key of the sources index (which hashes them) is the same each build
    outlets = ["Reuters", "AFP", "AP", "BBC", "CNN", "DPA", "NHK", "Xinhua", "ANSA"]
    site = index(*(story(f"e{n}", DAY, [outlet]) for n, outlet in enumerate(outlets)))
    assert list(site.stats) == sorted(outlets)


def test_outlet_names_that_differ_only_in_spacing_are_one_outlet() -> None:
    site = index(story("a", DAY, ["Reuters", " Reuters  "]))
    assert list(site.sources) == ["Reuters"]
    assert site.stats["Reuters"].only_source == 1


# --- Storylines -------------------------------------------------------------------------


def test_a_timeline_reads_oldest_first_with_the_gaps_between_event_dates() -> None:
    stories = [
        story("c", date(2020, 1, 17), ["A"], storyline="s"),
        story("a", date(2019, 12, 27), ["A"], storyline="s"),
        story("b", date(2019, 12, 27), ["A"], storyline="s"),
        story("x", None, ["A"], storyline="s"),
    ]
    site = index(
        *stories, storylines=[Storyline(id="s", title="S", event_ids=("x", "c", "a", "b"))]
    )
    (timeline,) = site.timelines
    assert [(s.entry.id, s.gap) for s in timeline.steps] == [
        ("a", None),
        ("b", timedelta(0)),
        ("c", timedelta(days=21)),
        ("x", None),
    ]
    assert (timeline.first, timeline.last) == (date(2019, 12, 27), date(2020, 1, 17))


def test_storylines_are_listed_latest_first() -> None:
    stories = [
        story("old", date(2019, 1, 1), ["A"], storyline="old"),
        story("new", date(2020, 1, 1), ["A"], storyline="new"),
    ]
    storylines = [
        Storyline(id="old", title="Old", event_ids=("old",)),
        Storyline(id="new", title="New", event_ids=("new",)),
    ]
    assert [t.storyline.id for t in index(*stories, storylines=storylines).timelines] == [
        "new",
        "old",
    ]


# --- Tags -------------------------------------------------------------------------------


def test_tags_collect_the_events_that_name_them_newest_first() -> None:
    site = index(
        story("a", date(2020, 1, 1), ["A"], text="Fighting spread in Syria, the UN said."),
        story("b", date(2020, 1, 2), ["A"], text="Talks on Syria opened in Geneva."),
    )
    names = {tag.name: tag for tag in site.tags}
    assert [(t.kind.value, t.name) for t in site.tags] == [
        ("place", "Syria"),
        ("place", "Geneva"),
        ("organisation", "UN"),
    ]
    assert [e.id for e in site.tagged[names["Syria"].slug]] == ["b", "a"]
    assert [t.name for t in site.by_id["b"].tags] == ["Geneva", "Syria"]
    assert [(kind, [t.name for t in group]) for kind, group in by_kind(site.tags)] == [
        (EntityKind.PLACE, ["Syria", "Geneva"]),
        (EntityKind.ORGANISATION, ["UN"]),
    ]


def test_a_name_read_two_ways_takes_the_kind_most_events_gave_it() -> None:
    site = index(
        story("a", DAY, ["A"], text="Aid reached people in Ras Tanura on Monday."),
        story("b", DAY, ["A"], text="Aid reached people in Ras Tanura again."),
        story("c", DAY, ["A"], text="Minister Ras Tanura said aid would come."),
    )
    (tag,) = site.tags
    assert (tag.name, tag.kind) == ("Ras Tanura", EntityKind.PLACE)
    assert len(site.tagged[tag.slug]) == 3


def test_an_acronym_shares_the_tag_of_the_name_a_story_spells_out() -> None:
    site = index(
        story("a", DAY, ["A"], text="The United Nations (UN) said aid was stuck."),
        story("b", DAY, ["A"], text="The UN asked for a ceasefire."),
        story("c", DAY, ["A"], text="The United Nations met in Geneva."),
    )
    organisations = [t for t in site.tags if t.kind is EntityKind.ORGANISATION]
    assert [t.name for t in organisations] == ["United Nations"]
    assert [e.id for e in site.tagged[organisations[0].slug]] == ["a", "b", "c"]


def test_an_acronym_may_leave_out_the_parent_body_of_the_name() -> None:
    site = index(
        story(
            "a",
            DAY,
            ["A"],
            text="The U.N. Office for the Coordination of Humanitarian Affairs (OCHA) said so.",
        ),
        story("b", DAY, ["A"], text="OCHA said aid was stuck."),
    )
    assert [t.name for t in site.tags if t.kind is EntityKind.ORGANISATION] == [
        "U.N. Office for the Coordination of Humanitarian Affairs"
    ]


def test_an_acronym_no_story_spells_out_keeps_a_tag_of_its_own() -> None:
    site = index(
        story("a", DAY, ["A"], text="The UN asked for a ceasefire."),
        story("b", DAY, ["A"], text="The United Nations met in Geneva."),
    )
    assert {"UN", "United Nations"} <= {t.name for t in site.tags}


def test_names_with_one_slug_get_distinct_tag_pages() -> None:
    site = index(story("a", DAY, ["A"], text="Envoys met in Geneva and in GENEVA."))
    assert sorted(t.slug for t in site.tags)[0] == "geneva"
    assert len({t.slug for t in site.tags}) == len(site.tags) == 2


@given(
    st.lists(st.sets(st.sampled_from(["A", "B", "C", None]), max_size=3), min_size=1, max_size=4)
)
def test_a_difference_sets_against_another_the_outlets_weighed_one_by_one(
    sides: list[set[str | None]],
) -> None:
    """`_disagreeing`'s shortcut (every outlet involved, when each of two or more values
    has one) gives the outlets `_disagrees` finds one by one."""
    involved = set().union(*sides)
    one_by_one = {key for key in involved if len(involved) > 1 and _disagrees(sides, key)}
    assert _disagreeing(sides) == one_by_one
