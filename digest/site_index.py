"""The build indexed for the site's pages: what links where, in which order, with what counts.

Pure and computed once per build (`index_site`), so no page template has to search the
build: the briefing's ranking, the archive's days and months, each outlet's statistics,
the storylines' timelines and the tags.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from digest.engine import Engine
from digest.entities import Entity, EntityKind, expand_acronyms, find_entities, merge_spellings
from digest.model import BuildResult, Event, Story, Storyline, StorySummary
from digest.slugs import page_slug, source_slug, unique_slugs

UNKNOWN_SOURCE = "Unknown source"
UNDATED = "undated"
"""The archive page of the events without a date: `archive/undated.md`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """An outlet as the site shows it: a display name and a safe page slug."""

    name: str
    slug: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Tag:
    """A person, place or organisation with a page listing the events that name it."""

    name: str
    kind: EntityKind
    slug: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """An event as the index pages list it."""

    event: Event
    summary: StorySummary
    told: Story | Callable[[], Story] = field(repr=False, compare=False)
    """Its story, or what makes it (an unchanged story kept pickled: `Stories.loader`),
    asked for by its own page only (`story`)."""
    source_count: int
    """Distinct articles among the members: two sections of one roundup count once."""
    report_count: int
    """Independent reports among them: copies of one wire story count once."""
    storyline: Storyline | None
    tags: tuple[Tag, ...]
    """The people, places and organisations its story names, by kind then name."""
    id: str = field(init=False)
    date: date | None = field(init=False)
    outlets: tuple[str | None, ...] = field(init=False)
    """The outlets carrying it (as `source_key` names them), in member order, each once."""

    def __post_init__(self) -> None:
        # Its event's, worked out once: the pages and their keys ask them of every entry
        # again and again (half a million times at 100,000 articles).
        object.__setattr__(self, "id", self.event.id)
        object.__setattr__(self, "date", self.event.date)
        outlets = dict.fromkeys(source_key(s.source) for s in self.event.segments)
        object.__setattr__(self, "outlets", tuple(outlets))

    @property
    def story(self) -> Story:
        """Its story, made once when it was kept pickled."""
        if callable(self.told):
            object.__setattr__(self, "told", self.told())  # a cache: the same story
        return self.told  # type: ignore[return-value]  # made above when it was not

    @property
    def lead(self) -> str:
        return self.summary.lead


@dataclass(frozen=True, slots=True, kw_only=True)
class Day:
    """One day of the archive (or the undated events), its events ranked."""

    date: date | None
    entries: tuple[Entry, ...]
    """Most independent reports first (`rank`)."""

    @property
    def name(self) -> str:
        """The page's file name without `.md`: `2020-01-17`, or `undated`."""
        return self.date.isoformat() if self.date else UNDATED


@dataclass(frozen=True, slots=True, kw_only=True)
class Month:
    """One month of the archive, its days newest first."""

    first: date
    """The month's first day."""
    days: tuple[Day, ...]

    @property
    def name(self) -> str:
        """The page's file name without `.md`: `2020-01`."""
        return self.first.strftime("%Y-%m")

    @property
    def event_count(self) -> int:
        return sum(len(day.entries) for day in self.days)


@dataclass(frozen=True, slots=True, kw_only=True)
class Period:
    """The events of one outlet or tag in one month, or those without a date."""

    first: date | None
    """The month's first day; None for the undated events."""
    entries: tuple[Entry, ...]
    """Newest first."""

    @property
    def name(self) -> str:
        """The page's file name without `.md`: `2020-01`, or `undated`."""
        return self.first.strftime("%Y-%m") if self.first else UNDATED


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceStats:
    """What an outlet contributed, for its page and the sources table."""

    articles: int
    """Articles read from it."""
    events: int
    """Events it carried."""
    only_source: int
    """Events no other outlet carried."""
    disagreed_events: int
    """Events in which it disagreed with another outlet on at least one point."""
    disagreements: int
    """Differences in which one of its values differs from another outlet's."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One event of a storyline's timeline, with the time since the event before it."""

    entry: Entry
    gap: timedelta | None
    """None for the first event and wherever a date is missing."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeline:
    """A storyline's events oldest first (undated last)."""

    storyline: Storyline
    steps: tuple[Step, ...]

    @property
    def first(self) -> date | None:
        return min((s.entry.date for s in self.steps if s.entry.date), default=None)

    @property
    def last(self) -> date | None:
        return max((s.entry.date for s in self.steps if s.entry.date), default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteIndex:
    entries: tuple[Entry, ...]
    """Newest first, undated last, ties by id (the `events.json` order)."""
    by_id: Mapping[str, Entry]
    days: tuple[Day, ...]
    """Days with events, newest first; the undated events are apart (`undated`)."""
    undated: Day | None
    months: tuple[Month, ...]
    """Newest first."""
    sources: Mapping[str | None, Source]
    """Keyed by the outlet name as `source_key` normalises it; None for an unknown outlet."""
    carried: Mapping[str | None, tuple[Entry, ...]]
    """The events each outlet carried, newest first."""
    stats: Mapping[str | None, SourceStats]
    timelines: tuple[Timeline, ...]
    """Storylines, the latest developing first."""
    tags: tuple[Tag, ...]
    """By kind, then most events first, then name."""
    tagged: Mapping[str, tuple[Entry, ...]]
    """The events naming each tag (by slug), newest first."""
    found: Mapping[str, tuple[Entity, ...]]
    """The names each event's story holds (`find_entities`), by event id."""


STORIES_PER_TASK = 64
"""Stories whose names are found per task of the engine (about a millisecond each)."""


def index_site(
    result: BuildResult,
    entities: Mapping[str, tuple[Entity, ...]] | None = None,
    summaries: Mapping[str, StorySummary] | None = None,
    engine: Engine | None = None,
) -> SiteIndex:
    """Index the build once, so that no page has to search it.

    `entities` are the names found in some stories already, and `summaries` what is
    listed of them (`summarize`), by event id (an incremental build keeps those of
    unchanged stories, whose stories are then not unpickled); the others' names are
    found on `engine` (`digest.engine`), or here when None.
    """
    storylines = {storyline.id: storyline for storyline in result.storylines}
    events = _newest_first(result.stories.events)
    known = entities or {}
    listed = summaries or {}
    unnamed = [event.id for event in events if event.id not in known]
    texts = [tuple(s.text for s in result.stories.story(i).sentences) for i in unnamed]
    named = (
        engine.map(find_entities, texts, chunksize=STORIES_PER_TASK)
        if engine is not None
        else [find_entities(sentences) for sentences in texts]
    )
    fresh = dict(zip(unnamed, named, strict=True))
    found = {e.id: known[e.id] if e.id in known else fresh[e.id] for e in events}
    tags = _tags(found.values())
    entries = tuple(
        _entry(
            event,
            listed.get(event.id) or summarize(result.stories.story(event.id)),
            result.stories.loader(event.id),
            storylines,
            [tags[e.name] for e in found[event.id]],
        )
        for event in events
    )
    carried = _carried(entries)
    articles = Counter(source_key(article.source) for article in result.articles)
    tagged: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        for tag in entry.tags:
            tagged[tag.slug].append(entry)
    days = _days(entries)
    by_id = {entry.id: entry for entry in entries}
    return SiteIndex(
        entries=entries,
        by_id=by_id,
        days=tuple(day for day in days if day.date),
        undated=next((day for day in days if day.date is None), None),
        months=_months(day for day in days if day.date),
        sources=_sources([*articles, *carried]),
        carried=carried,
        stats=_stats(articles, carried),
        timelines=_timelines(result.storylines, by_id),
        tags=tuple(sorted(set(tags.values()), key=lambda t: _tag_order(t, tagged))),
        tagged={slug: tuple(value) for slug, value in tagged.items()},
        found=found,
    )


def rank(entries: Iterable[Entry]) -> tuple[Entry, ...]:
    """Most independent reports first, then most sources, then by id: the briefing's order."""
    return tuple(sorted(entries, key=lambda e: (-e.report_count, -e.source_count, e.id)))


@functools.lru_cache(maxsize=4096)
def source_key(name: str | None) -> str | None:
    """Normalise an outlet name for grouping: `"Reuters "` and `"Reuters"` are one outlet.

    Cached: asked for each member of each event (a quarter of a million times at 100,000
    articles), of a few hundred outlets' names."""
    collapsed = " ".join(name.split()) if name else ""
    return collapsed or None


def _newest_first(events: Iterable[Event]) -> list[Event]:
    """Newest event first, undated events last, ties by id: the same order on every build."""
    return sorted(events, key=lambda e: (e.date is None, -(e.date or date.min).toordinal(), e.id))


def _entry(
    event: Event,
    summary: StorySummary,
    told: Story | Callable[[], Story],
    storylines: Mapping[str, Storyline],
    tags: Sequence[Tag],
) -> Entry:
    source_count = len({segment.article.id for segment in event.segments})
    return Entry(
        event=event,
        summary=summary,
        told=told,
        source_count=source_count,
        report_count=summary.origins or source_count,
        storyline=storylines[event.storyline] if event.storyline else None,
        tags=tuple(sorted(set(tags), key=lambda t: (_KIND_ORDER[t.kind], t.name))),
    )


def summarize(story: Story) -> StorySummary:
    """What the index pages list of a story besides its event."""
    counted = _disagreements(story) if story.differences else Counter()
    return StorySummary(
        lead=story.lead,
        origins=len(story.origins),
        disagreements=tuple(sorted(counted.items(), key=lambda kv: kv[0] or "")),
    )


# --- Archive ----------------------------------------------------------------------------


def _days(entries: Sequence[Entry]) -> list[Day]:
    """Group entries (newest first, undated last) by their event's day, each day ranked."""
    return [
        Day(date=day, entries=rank(group))
        for day, group in itertools.groupby(entries, key=lambda e: e.date)
    ]


def _months(days: Iterable[Day]) -> tuple[Month, ...]:
    return tuple(
        Month(first=first, days=tuple(group))
        for first, group in itertools.groupby(
            days, key=lambda d: d.date.replace(day=1) if d.date else date.min
        )
    )


def by_month(entries: Iterable[Entry]) -> tuple[Period, ...]:
    """Entries (newest first, undated last, as `SiteIndex.carried` and `tagged` hold them)
    grouped by the month of their event, newest month first, the undated last."""
    return tuple(
        Period(first=first, entries=tuple(group))
        for first, group in itertools.groupby(
            entries, key=lambda e: e.date.replace(day=1) if e.date else None
        )
    )


def by_day(entries: Iterable[Entry]) -> tuple[Day, ...]:
    """Dated entries (newest first, as a `Period` holds them) grouped by their event's day,
    newest day first, each day's entries in the order given (not ranked)."""
    return tuple(
        Day(date=day, entries=tuple(group))
        for day, group in itertools.groupby(entries, key=lambda e: e.date)
    )


# --- Sources ----------------------------------------------------------------------------


def _outlets(story: Story) -> dict[str, str | None]:
    """Each member segment's outlet key."""
    return {segment.id: source_key(segment.source) for segment in story.event.segments}


def _carried(entries: Iterable[Entry]) -> dict[str | None, tuple[Entry, ...]]:
    carried: dict[str | None, list[Entry]] = defaultdict(list)
    for entry in entries:
        for key in entry.outlets:
            carried[key].append(entry)
    return {key: tuple(value) for key, value in carried.items()}


def _sources(keys: Iterable[str | None]) -> dict[str | None, Source]:
    """Give each outlet a unique slug; on a clash the later name (sorted) gets a hash suffix."""
    slugs = unique_slugs(keys, source_slug, order=lambda key: key or "")
    return {key: Source(name=key or UNKNOWN_SOURCE, slug=slug) for key, slug in slugs.items()}


def _stats(
    articles: Mapping[str | None, int], carried: Mapping[str | None, tuple[Entry, ...]]
) -> dict[str | None, SourceStats]:
    """Each outlet's statistics, counted in one pass over the events: an event is in the
    list of each of its outlets (`Entry.outlets`, each once) and counts once for each
    (14,379 events at 100,000 articles, not their 85,000 places in those lists)."""
    only_source: Counter[str | None] = Counter()
    disagreed_events: Counter[str | None] = Counter()
    disagreements: Counter[str | None] = Counter()
    for entry in {id(e): e for entries in carried.values() for e in entries}.values():
        if len(entry.outlets) == 1:
            only_source[entry.outlets[0]] += 1
        for key, count in entry.summary.disagreements:  # every count is one or more
            disagreed_events[key] += 1
            disagreements[key] += count
    return {
        key: SourceStats(
            articles=articles.get(key, 0),
            events=len(carried.get(key, ())),
            only_source=only_source[key],
            disagreed_events=disagreed_events[key],
            disagreements=disagreements[key],
        )
        for key in sorted({*articles, *carried}, key=lambda k: k or "")  # not a set's order
    }


def _disagreements(story: Story) -> Counter[str | None]:
    """How many of the story's differences set one of an outlet's values against another
    outlet's (`_disagreeing`), by outlet: worked out once a story for all its outlets."""
    outlets = _outlets(story)
    counted: Counter[str | None] = Counter()
    for difference in story.differences:
        sides = [{outlets[segment] for segment in value.segments} for value in difference.values]
        counted.update(_disagreeing(sides))
    return counted


def _disagreeing(sides: list[set[str | None]]) -> set[str | None]:
    """The outlets a difference sets against another (`sides`: the outlets of each of its
    values); a source contradicting itself does not count.

    A difference of two or more values, each from some outlet, sets every outlet it
    involves against another as soon as it involves two: an outlet's value against one
    from another outlet, or, when every other value is its own, its own against the
    other outlet's beside it (tested equal to `_disagrees` for each). Only a difference
    with a value from no segment is weighed outlet by outlet."""
    involved = set().union(*sides)
    if len(involved) < 2:  # one outlet against itself: no outlet disagreed
        return set()
    if len(sides) > 1 and all(sides):
        return involved
    return {key for key in involved if _disagrees(sides, key)}


def _disagrees(sides: list[set[str | None]], key: str | None) -> bool:
    """Whether the outlet is on one side of a difference and another outlet on another
    (a side holds another outlet when it holds more than one, or one that is not it)."""
    return any(
        key in side and any(len(other) > (key in other) for other in sides[:i] + sides[i + 1 :])
        for i, side in enumerate(sides)
    )


# --- Storylines -------------------------------------------------------------------------


def _timelines(storylines: Iterable[Storyline], by_id: Mapping[str, Entry]) -> tuple[Timeline, ...]:
    timelines = [
        Timeline(storyline=s, steps=_steps(by_id[i] for i in s.event_ids)) for s in storylines
    ]
    return tuple(
        sorted(
            timelines,
            key=lambda t: (t.last is None, -(t.last or date.min).toordinal(), t.storyline.id),
        )
    )


def _steps(entries: Iterable[Entry]) -> tuple[Step, ...]:
    """Oldest first, undated last; each with the time since the event before it."""
    ordered = sorted(entries, key=lambda e: (e.date is None, e.date or date.min, e.id))
    previous: list[Entry | None] = [None, *ordered[:-1]]
    return tuple(
        Step(
            entry=entry,
            gap=entry.date - before.date if before and before.date and entry.date else None,
        )
        for entry, before in zip(ordered, previous, strict=True)
    )


# --- Tags -------------------------------------------------------------------------------

_KIND_ORDER = {kind: n for n, kind in enumerate(EntityKind)}


def _tags(found: Iterable[tuple[Entity, ...]]) -> dict[str, Tag]:
    """One tag per name, an acronym under the name it abbreviates, spelling variants under
    the most used spelling; a name read as two kinds takes the kind most events gave it.
    Keyed by every name found."""
    found = list(found)
    expansion = expand_acronyms(found)
    spelling = merge_spellings(
        Counter(
            expansion.get(entity.name, entity.name) for entities in found for entity in entities
        )
    )
    spelling.update({acronym: spelling[name] for acronym, name in expansion.items()})
    kinds: dict[str, Counter[EntityKind]] = defaultdict(Counter)
    for entities in found:
        for entity in entities:
            kinds[spelling[entity.name]][entity.kind] += 1
    slugs = unique_slugs(kinds, lambda name: page_slug(name, kind="tag"), order=str)
    tags = {
        name: Tag(
            name=name,
            kind=min(counts, key=lambda k: (-counts[k], _KIND_ORDER[k])),
            slug=slugs[name],
        )
        for name, counts in kinds.items()
    }
    return {name: tags[canonical] for name, canonical in spelling.items()}


def by_kind(tags: Iterable[Tag]) -> list[tuple[EntityKind, list[Tag]]]:
    """Tags grouped by kind (people, places, organisations), keeping their order; no empty group."""
    groups: dict[EntityKind, list[Tag]] = {kind: [] for kind in EntityKind}
    for tag in tags:
        groups[tag.kind].append(tag)
    return [(kind, group) for kind, group in groups.items() if group]


def _tag_order(tag: Tag, tagged: Mapping[str, list[Entry]]) -> tuple[int, int, str]:
    return (_KIND_ORDER[tag.kind], -len(tagged[tag.slug]), tag.name)
