"""The core records passed from stage to stage.

Every record is frozen: a stage never fills in an earlier stage's record, it returns a
new type (`Article` → `CleanArticle` → `Segment` → `Event` → `Story`). Collections
are tuples so records stay hashable and their order is part of their value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import overload


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """Where something came from: a file and, where it applies, a 1-based line."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True, slots=True, kw_only=True)
class Article:
    """One input article as read, before any cleaning."""

    id: str
    """Stable id: path relative to the input root, or `path:N` for a multi-record file's record."""
    source: str | None = None
    """The outlet (publisher), when the input says so."""
    url: str | None = None
    published: date | None = None
    title: str | None = None
    author: str | None = None
    language: str | None = None
    text: str
    """The body as read (decoded, otherwise untouched)."""
    origin: Location
    """Where it came from, so any later error or difference can point back to it."""
    notes: tuple[str, ...] = ()
    """What reading had to repair (an encoding fallback, say), for the reader to see."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Removal:
    """One span the cleaner set aside, with the rule that matched it."""

    rule: str
    """Short rule name, e.g. `minify-token`, `entity-debris`, `related-link`, `dateline`."""
    text: str
    """The text removed, exactly as it stood."""
    value: str | None = None
    """What the span meant, when it was metadata (a URL, an ISO date, a byline)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CleanArticle:
    """An article with its scraping debris removed and its metadata resolved."""

    article: Article
    title: str | None
    """The headline: from the input's metadata, else recovered from the body's first lines."""
    subtitle: str | None = None
    """A standfirst line under the headline, when the body has one."""
    source: str | None
    url: str | None
    published: date | None
    """The publication date: the input's, else one recovered from an `Updated:` line or similar."""
    author: str | None = None
    text: str
    """Cleaned body: paragraphs separated by one blank line."""
    removed: tuple[Removal, ...] = ()
    """Every span the cleaner dropped: nothing is lost, only set aside."""
    page_dates: tuple[date, ...] = ()
    """Datelines found on the page that may be the scrape date rather than the publication date."""

    @property
    def id(self) -> str:
        return self.article.id


@dataclass(frozen=True, slots=True, kw_only=True)
class Segment:
    """One story of an article: the whole article, or one section of a roundup."""

    article: CleanArticle
    number: int | None
    """1-based section number in a roundup; None when the segment is the whole article."""
    title: str | None
    text: str

    @property
    def id(self) -> str:
        """`article-id` for a whole article, `article-id#N` for a roundup section."""
        return self.article.id if self.number is None else f"{self.article.id}#{self.number}"

    @property
    def source(self) -> str | None:
        return self.article.source

    @property
    def published(self) -> date | None:
        return self.article.published


SegmentedArticles = dict[str, tuple[CleanArticle, tuple[Segment, ...]]]
"""Articles cleaned and split into segments, by article id (one file's, or a build's)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Segments that report one happening."""

    id: str
    """`YYYY-MM-DD-slug-of-the-title` when first published; with a build state it stays
    the same in later builds whatever the title becomes (digest/incremental.py)."""
    title: str
    date: date | None
    segments: tuple[Segment, ...]
    """Members, in a stable order (by publication date, then id)."""
    storyline: str | None = None
    """Id of the storyline this event belongs to, when events link across days."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Storyline:
    """Events of one developing story across days, in date order."""

    id: str
    title: str
    event_ids: tuple[str, ...]


class DifferenceKind(StrEnum):
    """The kinds of disagreement between sources; the values are the `events.json` spellings."""

    NUMBER = "number"
    DATE = "date"
    QUOTE = "quote"
    ATTRIBUTION = "attribution"
    NAME = "name"
    TITLE = "title"
    METADATA = "metadata"
    INTERNAL = "internal"
    """A source contradicting itself."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Value:
    """One side of a difference: what some sources say."""

    text: str
    """As written, e.g. `on Thursday`."""
    normalized: str | None
    """Comparable form, e.g. `2020-01-16`, `350000`."""
    segments: tuple[str, ...]
    """Segment ids that carry this value."""
    sentence: str | None = None
    """The sentence it came from (one of them)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Difference:
    kind: DifferenceKind
    subject: str
    """What the values are about, in a few words."""
    values: tuple[Value, ...]
    note: str | None = None
    """A reading of the difference, e.g. `likely a typo`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyFigure:
    """A figure several sources give for the same thing, value by value."""

    subject: str
    """What is counted, as the sources write it (`Syrians`)."""
    values: tuple[Value, ...]
    agree: bool
    """Whether all the values can be true at once (qualifiers such as `nearly` considered)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StorySentence:
    """One sentence of the canonical story, with the segments that carry it."""

    text: str
    """A real source sentence, never invented text."""
    segments: tuple[str, ...]
    """Segment ids carrying this statement (in any wording)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UniqueFact:
    """A statement only one source carries."""

    segment: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Story:
    """An event merged into one canonical story, with the differences between its sources."""

    event: Event
    sentences: tuple[StorySentence, ...]
    differences: tuple[Difference, ...] = ()
    unique: tuple[UniqueFact, ...] = ()
    alternative_titles: tuple[str, ...] = ()
    key_figures: tuple[KeyFigure, ...] = ()
    origins: tuple[tuple[str, ...], ...] = ()
    """Segment ids grouped by independent report: copies of one wire story are one origin."""

    @property
    def lead(self) -> str:
        """The first sentence of the story: the one-line lead on index pages."""
        return self.sentences[0].text if self.sentences else ""


@dataclass(frozen=True, slots=True)
class Rejected:
    """An input that could not be read, with the reason."""

    input: str
    line: int | None
    reason: str

    @property
    def where(self) -> str:
        """`path:line`, or the path alone when no line applies."""
        return f"{self.input}:{self.line}" if self.line else self.input


@dataclass(frozen=True, slots=True, kw_only=True)
class Redirect:
    """A page that no longer exists under its old id, and where its reports went.

    Kept by the build state (digest/state.py) so that published links never break: an
    event whose reports joined another event points there; one whose reports were all
    deleted points nowhere (`target` None) and its page says so.
    """

    kind: str
    """`event` or `storyline`."""
    id: str
    """The old id, whose page path must keep working."""
    target: str | None
    """The id of the same kind that holds its reports now, or None."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IngestResult:
    articles: tuple[Article, ...]
    rejected: tuple[Rejected, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadFile:
    """An input file as a build with a state read it: its stamp, and what it yielded.

    The next build reuses what it yielded without opening it while the stamp holds
    (digest/input_cache.py).
    """

    path: str
    """Absolute."""
    name: str
    """As `FoundFile.name`: the prefix of its articles' ids."""
    stamp: tuple[int, ...]
    """Size, mtime and ctime (nanoseconds) and inode, as `os.stat` gave them before reading."""
    yielded: tuple[tuple[str, str] | Rejected, ...]
    """In the order read: each article's id and content hash (`incremental.hash_article`),
    and each rejection."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildCache:
    """What a build with a state keeps for the next one, beside its result."""

    files: tuple[ReadFile, ...] = ()
    """The input files whose stamp can be trusted next time (not modified just now)."""
    story_keys: Mapping[str, str] = field(default_factory=dict)
    """Each event's `incremental.story_key`, by event id: what its story was told from."""
    storyline_terms: Mapping[str, tuple[bytes, bytes]] = field(default_factory=dict)
    """Each event's term counts as storylines are linked (`cluster.storyline_terms`), a row
    of `cluster.EncodedTerms` (its ids and counts) over `vocabulary`."""
    vocabulary: tuple[str, ...] = ()
    """The term of each id of `storyline_terms`."""
    article_hashes: Mapping[str, str] = field(default_factory=dict)
    """Each article's content hash (`incremental.hash_article`), by id."""
    key_terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """The `incremental.key_terms` of the events whose members are not the stored event's,
    by event id (counted while the segments' counts were at hand)."""
    article_counts: Mapping[str, bytes] = field(default_factory=dict)
    """What the grouping counted of each article read by this build, packed
    (`incremental.pack_counts`), by article id: kept in the state with the article, so
    that a later build linking its segments again does not count them again."""


class Stories(Sequence[Story]):
    """A build's stories, newest event first: those told, and those an incremental build
    took unchanged from its state, left as stored (pickled) until one is asked for.

    A build adding 100 articles to 14,000 events asks for a few dozen: the pages made
    again. Everything else about an event is in `events`, and what the index pages list
    of a story is in its `StorySummary`; unpickling all the others was a tenth of
    such a build (digest/incremental.py).
    """

    __slots__ = ("_kept", "_told", "events")

    def __init__(
        self,
        events: Iterable[Event],
        told: Mapping[str, Story],
        kept: Mapping[str, Callable[[], Story]] | None = None,
    ) -> None:
        """`told` and `kept` by event id, each event in one of them: a kept story is
        made (unpickled, its event put back) by calling its function, once."""
        self.events = tuple(events)
        self._told = dict(told)
        self._kept = kept or {}

    @classmethod
    def of(cls, stories: Iterable[Story]) -> Stories:
        """These stories, all told, in this order."""
        told = tuple(stories)
        return cls((s.event for s in told), {s.event.id: s for s in told})

    def story(self, event_id: str) -> Story:
        """The story of this event, unpickled the first time it is asked for if it was
        kept (the site index may ask twice: for its names, and for its summary)."""
        told = self._told.get(event_id)
        if told is None:
            told = self._told[event_id] = self._kept[event_id]()
        return told

    def loader(self, event_id: str) -> Story | Callable[[], Story]:
        """The event's story when told, else what makes it when called (`Entry`)."""
        return self._told.get(event_id) or self._kept[event_id]

    def __len__(self) -> int:
        return len(self.events)

    @overload
    def __getitem__(self, index: int) -> Story: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Story, ...]: ...
    def __getitem__(self, index: int | slice) -> Story | tuple[Story, ...]:
        if isinstance(index, slice):
            return tuple(self.story(e.id) for e in self.events[index])
        return self.story(self.events[index].id)

    def __iter__(self) -> Iterator[Story]:
        return (self.story(e.id) for e in self.events)


@dataclass(frozen=True, slots=True, kw_only=True)
class StorySummary:
    """What the index pages list of a story besides its event (`site_index.summarize`),
    kept in the state with the story so that an unchanged one is not unpickled."""

    lead: str
    origins: int
    """How many independent reports it tells (`Story.origins`); 0 when not worked out."""
    disagreements: tuple[tuple[str | None, int], ...]
    """For each outlet (`site_index.source_key`) with a value set against another outlet's
    in its differences, how many such differences, by outlet."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildResult:
    """Everything the renderer needs."""

    stories: Stories
    """Newest event first."""
    storylines: tuple[Storyline, ...]
    rejected: tuple[Rejected, ...]
    articles: tuple[CleanArticle, ...]
    """Every article that was read, for source pages."""
    redirects: tuple[Redirect, ...] = ()
    """Old event and storyline ids that now redirect (only with a build state)."""
    cache: BuildCache | None = None
    """Only with a build state: what lets the next build, and the rendering, skip the
    unchanged (digest/incremental.py)."""
