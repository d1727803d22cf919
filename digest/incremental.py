"""Incremental builds: reuse what the last build decided, keep ids stable, group only what is new.

Pure: the stored state comes in as a frozen `Snapshot` (digest/state.py reads and writes
it) and the next one goes out. How it decides, and how its results can differ from a
build from scratch, is in docs/about/incremental.md:

1. An article whose content hash is unchanged keeps its cleaned text and segments, and
   its segments stay in their stored event. New and changed articles are cleaned and
   segmented again; a changed or deleted article leaves its event.
2. The new segments are grouped against the stored events that share heavy terms with
   them (within the date window) and among themselves, with the grouping's own links
   (`cluster.segment_links`) and average linkage at the grouping's threshold; two stored
   events never merge. A segment that matches nothing starts a new event.
3. Every event keeps the id of the stored event it shares most members with
   (digest/stable_ids.py); a stored event left with no event gets a `Redirect`.
   Storylines the same way, by their events.
4. An event whose members (and their content) and title are unchanged reuses its stored
   story: align, compare and merge run only for the others.
5. Storylines are linked over all events from each event's term counts, kept in the state
   with its story key as arrays of term ids and counts (`_storyline_terms`): the same
   storylines as counting again.

The input files themselves are skipped by digest/input_cache.py, and the pages of what
did not change by `render.render_site`; `next_snapshot` keeps what both need.
"""

from __future__ import annotations

import hashlib
import json
import math
import pickle
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache, partial
from itertools import chain, islice, repeat
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from digest.clean import clean
from digest.cluster import (
    FAR_SHARED_TERMS,
    RARE_POSTING,
    SHORT_TERMS,
    Embedder,
    EncodedTerms,
    SegmentCounts,
    TermRow,
    count_segment,
    encode_terms,
    group_events,
    grown_order,
    link_storylines,
    make_events,
    newest_first,
    pack_terms,
    segment_links,
    segment_row,
    segment_terms,
    storyline_terms,
    visit_key,
)
from digest.linkage import EVENT_WINDOW_DAYS, average_linkage
from digest.model import (
    Article,
    BuildCache,
    BuildResult,
    CleanArticle,
    Event,
    IngestResult,
    ReadFile,
    Rejected,
    Segment,
    SegmentedArticles,
    Stories,
    Story,
)
from digest.segment import split_segments
from digest.stable_ids import keep_event_ids, keep_storyline_ids, sorted_redirects
from digest.state import (
    DamagedStateError,
    EventCache,
    Snapshot,
    StoredArticle,
    StoredEntries,
    StoredEvent,
    StoredPage,
    StoredStoryline,
    StoredTerms,
    collector_paused,
    fetch_articles,
    kept_counts,
    stored_story,
)

if TYPE_CHECKING:
    from digest.render import RenderCache

KEY_TERMS = 40  # heaviest terms of an event kept to find it again (CANDIDATE_TERMS is 30)
KEY_MEMBERS = 5  # members whose title and lead give an event's key terms
KEY_LEAD_CHARS = 1000  # as the grouping's character n-grams (cluster.LEAD_CHARS)
CANDIDATE_EVENTS = 5  # stored events a new segment is compared with, best overlap first
FAR_CANDIDATE_EVENTS = 1  # … and beyond the week: the one an earlier report of it would be
MIN_SHARED_TERMS = 2  # as the grouping's candidate pairs: one shared term is chance,
# except for a headline-only item (fewer than cluster.SHORT_TERMS terms), as there
MAX_EVENT_POSTING = 500  # a key term of more stored events than this finds no candidates
FAR_EVENT_POSTING = RARE_POSTING // KEY_MEMBERS  # a rare key term (cluster.RARE_POSTING
# segments, an event's key terms coming from up to KEY_MEMBERS of them): with
# FAR_SHARED_TERMS of them, a stored event beyond the week is a candidate

Members = dict[str, tuple[str, ...]]
"""Members (segment ids, or event ids for storylines) by id."""


def _count_here(segments: Sequence[Segment]) -> list[SegmentCounts]:
    return [count_segment(s) for s in segments]


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    """What the build asks of the incremental update."""

    threshold: float
    fingerprint: str
    """Of this build's code and settings (`state.fingerprint`)."""
    rebuild: bool = False
    """Group every article from scratch (ids and cached stories are still kept)."""
    embed: Embedder | None = None
    """Sentence embeddings for headline-only items (`cluster.group_events`, and the links
    of new segments to stored events)."""
    threads: int = 1
    """Threads for the array work of a grouping (`cluster.group_events`, `segment_links`)."""
    count: Callable[[Sequence[Segment]], Sequence[SegmentCounts]] = _count_here
    """The segments' `cluster.count_segment`, in their order: those of the stored segments
    the new ones are linked with, counted again (on the build's engine, by the pipeline;
    by default here)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Prepared:
    """What the engine's workers made of the files a build read, as they read them."""

    articles: SegmentedArticles = field(default_factory=dict)
    """Each article cleaned and segmented, by id (an id held by two files: the first's)."""
    counts: Mapping[str, SegmentCounts] = field(default_factory=dict)
    """Their segments' `cluster.count_segment`, by segment id."""
    leads: Mapping[str, SegmentCounts] = field(default_factory=dict)
    """The `lead_counts` of those longer than their lead, by segment id."""
    packed: Mapping[str, bytes] = field(default_factory=dict)
    """Both of each article, packed for the state (`pack_counts`), by article id."""


def hash_article(article: Article) -> str:
    """A hash of everything read for an article: equal hashes, equal articles."""
    return hashlib.sha256(repr(article).encode("utf-8")).hexdigest()


def update_digest(
    ingested: IngestResult,
    stored: Snapshot,
    options: Options,
    tell_stories: Callable[[Sequence[Event]], tuple[Story, ...]],
    hashes: Mapping[str, str] | None = None,
    prepared: Prepared | None = None,
) -> BuildResult:
    """Build the result of `ingested` from the stored state, redoing only what changed.

    With an empty state (a first build) the result is the same as a build without one.
    `hashes` are the articles' `hash_article`, and `prepared` what was made of them as
    they were read, when the caller has them already.
    """
    prepared = prepared or Prepared()
    reusable = stored.fingerprint == options.fingerprint
    hashes = hashes or {a.id: hash_article(a) for a in ingested.articles}
    kept = _kept_articles(ingested.articles, hashes, stored if reusable else None)
    cleaned, segments, known = _clean_and_segment(
        ingested.articles, kept, prepared.articles, prepared.counts
    )
    leads = dict(prepared.leads)
    reused: dict[str, str] = {}  # the stored story keys of the stored events as they were
    if reusable and not options.rebuild and stored.events:
        with collector_paused():  # as the storylines below
            events, counted, reused = _regroup(segments, set(kept), stored, options, known)
        known.update(counted.counts)  # the changed events' storyline terms are summed from them
        leads.update(counted.leads)
    else:
        events = list(
            group_events(
                segments,
                threshold=options.threshold,
                embed=options.embed,
                counts=known,
                threads=options.threads,
            )
        )
    # The collector paused: this makes hundreds of thousands of objects and no cycles, and
    # the collections they set off walked the build's other objects (at 100,000 articles
    # 558 collections, 0.7 CPU s of the regrouping's and storylines' 7; the stories'
    # 14,000 copies with their event set, 0.03 s themselves, 0.1-0.4 s more).
    with collector_paused():
        named, event_redirects = keep_event_ids(events, stored)
        ordered = newest_first(named)
        # A stored event as it was keeps its id (it holds all its stored members) and its
        # key: the same title, date, members and content (0.2 s for 14,000 at 100,000).
        keys = {event.id: reused.get(event.id) or story_key(event, hashes) for event in ordered}
        cached = {e.story_key: e.story for e in stored.events.values() if e.story and reusable}
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stories") as teller:
            # The stories are told on the engine while this thread links the storylines:
            # a story is not made of its storyline (its event is given it after).
            telling = teller.submit(tell_stories, [e for e in ordered if keys[e.id] not in cached])
            vocabulary = list(stored.vocabulary if reusable else ())
            kept_terms = stored.storyline_terms if reusable else {}
            terms = _storyline_terms(ordered, keys, kept_terms, vocabulary, known)
            stored_order = stored.vocabulary_order if reusable else None
            order = None if stored_order is None else grown_order(vocabulary, stored_order)
            encoded = EncodedTerms(vocabulary, [terms[e.id] for e in ordered], order)
            linked, found = link_storylines(ordered, encoded)
            final, storylines, storyline_redirects = keep_storyline_ids(linked, found, stored)
            stories = _stories(final, keys, cached, telling.result())
    return BuildResult(
        stories=stories,
        storylines=storylines,
        rejected=ingested.rejected,
        articles=cleaned,
        redirects=sorted_redirects([*event_redirects, *storyline_redirects]),
        cache=BuildCache(
            story_keys=keys,
            storyline_terms=terms,
            vocabulary=tuple(vocabulary),
            article_hashes=hashes,
            key_terms=_new_key_terms(
                [e for e in final if e.id not in reused],
                stored if reusable else None,
                known,
                leads,
            ),
            article_counts=_taken_counts(cleaned, prepared),
        ),
    )


def _taken_counts(cleaned: Sequence[CleanArticle], prepared: Prepared) -> dict[str, bytes]:
    """The packed counts of the articles whose prepared cleaning was taken (by id): the
    counts of another article of the same id (read from a file that lost to another) are
    not its."""
    return {
        article.id: prepared.packed[article.id]
        for article in cleaned
        if article.id in prepared.packed and prepared.articles[article.id][0] is article
    }


def _storyline_terms(
    events: Sequence[Event],
    keys: Mapping[str, str],
    stored: Mapping[str, StoredTerms],
    vocabulary: list[str],
    known: Mapping[str, SegmentCounts],
) -> dict[str, tuple[bytes, bytes]]:
    """Each event's `storyline_terms` encoded over `vocabulary` (`cluster.encode_terms`):
    kept for an unchanged story, counted for the others (their new terms added to it).

    Keyed by the story (`story_key`: its title and its members' content, all the counts
    are made of), so the storylines are those of counting every event again.
    """
    kept = {terms.story_key: (terms.ids, terms.counts) for terms in stored.values()}
    ids = dict(zip(vocabulary, range(len(vocabulary)), strict=True))  # a comprehension's half
    return {
        e.id: kept.get(keys[e.id]) or encode_terms(storyline_terms(e, known), ids, vocabulary)
        for e in events
    }


def next_snapshot(
    result: BuildResult,
    stored: Snapshot,
    fingerprint: str,
    *,
    ingest: str = "",
    pages: Mapping[str, StoredPage] | None = None,
    rendered: RenderCache | None = None,
    entries: StoredEntries | None = None,
) -> Snapshot:
    """The state to save after a build: its articles, events, storylines and redirects,
    and what lets the next build skip the unchanged: the input files read (`ingest`:
    the reading code's fingerprint), the generated `pages`, what `rendered` kept of
    each event, and where the `entries` of `events.json` lie in the file published."""
    build = stored.build + 1
    reusable = stored.fingerprint == fingerprint
    cache = result.cache or BuildCache()
    hashes = cache.article_hashes or {a.id: hash_article(a.article) for a in result.articles}
    return Snapshot(
        fingerprint=fingerprint,
        build=build,
        articles=_stored_articles(result, stored, hashes),
        events={
            event.id: _stored_event(
                event,
                result.stories,
                stored,
                build,
                cache.story_keys.get(event.id) or story_key(event, hashes),
                reusable=reusable,
                terms=cache.key_terms.get(event.id),
            )
            for event in result.stories.events
        },
        storylines={
            s.id: StoredStoryline(
                created=stored.storylines[s.id].created if s.id in stored.storylines else build,
                event_ids=s.event_ids,
            )
            for s in result.storylines
        },
        redirects=result.redirects,
        files={f.path: f for f in _stored_files(cache.files, hashes)},
        ingest=ingest,
        pages=pages or {},
        event_caches=_event_caches(result.stories.events, cache, rendered) if rendered else {},
        entries=entries,
        storyline_terms={
            event_id: _stored_terms(stored, event_id, cache.story_keys[event_id], ids, counts)
            for event_id, (ids, counts) in cache.storyline_terms.items()
            if event_id in cache.story_keys
        },
        vocabulary=cache.vocabulary,
    )


def _stored_articles(
    result: BuildResult, stored: Snapshot, hashes: Mapping[str, str]
) -> dict[str, StoredArticle]:
    """Each article's record: the stored one itself for an article the build took from the
    state (its cleaning, hash and segments are those stored: `_kept_articles`), so that
    neither a record nor a row is made again for the 100,000 unchanged; a new one, with its
    segments gathered from the events and the counts made with its reading, for the others."""
    ids = [a.id for a in result.articles]  # a property: asked once (100,000 times)
    kept: dict[str, StoredArticle] = {}
    for article_id, article in zip(ids, result.articles, strict=True):
        previous = stored.articles.get(article_id)
        if previous is not None and previous.clean is article:
            kept[article_id] = previous
    segments: defaultdict[str, list[Segment]] = defaultdict(list)
    for event in result.stories.events:
        for segment in event.segments:
            if (article_id := segment.article.id) not in kept:
                segments[article_id].append(segment)
    counts = result.cache.article_counts if result.cache else {}
    return {
        article_id: kept.get(article_id)
        or StoredArticle(
            hash=hashes[article_id],
            clean=article,
            segments=tuple(sorted(segments[article_id], key=lambda s: s.number or 0)),
            counts=counts.get(article_id),
        )
        for article_id, article in zip(ids, result.articles, strict=True)
    }


def _stored_terms(
    stored: Snapshot, event_id: str, key: str, ids: bytes, counts: bytes
) -> StoredTerms:
    """An event's storyline terms: the stored record itself when they are its arrays, kept
    for the same story (`_storyline_terms`), so that `state.save_state` skips its row at
    once (the same object) and no record is made again for the 14,000 unchanged."""
    previous = stored.storyline_terms.get(event_id)
    if previous is not None and previous.ids is ids and previous.story_key == key:
        return previous
    return StoredTerms(story_key=key, ids=ids, counts=counts)


def _stored_files(files: Iterable[ReadFile], hashes: Mapping[str, str]) -> list[ReadFile]:
    """The files whose every article is the one kept under its id (not a duplicate).

    A loop, not `all` of a generator for each file: 0.011 s for 100,000 files, against
    0.023 s.
    """
    kept = []
    for file in files:
        for item in file.yielded:
            if not isinstance(item, Rejected) and hashes.get(item[0]) != item[1]:
                break
        else:
            kept.append(file)
    return kept


def _event_caches(
    events: Iterable[Event], cache: BuildCache, rendered: RenderCache
) -> dict[str, EventCache]:
    caches = {}
    for event in events:
        event_id = event.id
        key = cache.story_keys.get(event_id)
        json_key = rendered.json_keys.get(event_id)
        if key is None or json_key is None:
            continue
        caches[event_id] = EventCache(
            story_key=key,
            entities=rendered.entities[key],
            json_key=json_key,
            lines=rendered.lines.get(json_key, {}),
            summary=rendered.summaries.get(key),
        )
    return caches


# --- Articles ---------------------------------------------------------------------------


def _kept_articles(
    articles: Sequence[Article], hashes: Mapping[str, str], stored: Snapshot | None
) -> dict[str, StoredArticle]:
    """The stored articles whose content is unchanged (their cleaning and segments hold)."""
    if stored is None:
        return {}
    kept = {}
    for article in articles:
        previous = stored.articles.get(article.id)
        if previous and previous.clean and previous.hash == hashes[article.id]:
            kept[article.id] = previous
    return kept


def _clean_and_segment(
    articles: Sequence[Article],
    kept: Mapping[str, StoredArticle],
    prepared: SegmentedArticles,
    counts: Mapping[str, SegmentCounts],
) -> tuple[tuple[CleanArticle, ...], list[Segment], dict[str, SegmentCounts]]:
    """Each article cleaned and segmented: as stored when kept, as `prepared` when that
    was made of the same article (an id held by two files is the first file's), else here;
    and the `counts` of the prepared segments taken (`cluster.count_segment`, by id)."""
    cleaned: list[CleanArticle] = []
    segments: list[Segment] = []
    known: dict[str, SegmentCounts] = {}
    for article in articles:
        previous = kept.get(article.id)
        made = prepared.get(article.id)
        if previous and previous.clean:
            cleaned.append(previous.clean)
            segments.extend(previous.segments)
        elif made and made[0].article == article:
            cleaned.append(made[0])
            segments.extend(made[1])
            known.update((s.id, counts[s.id]) for s in made[1] if s.id in counts)
        else:
            fresh = clean(article)
            cleaned.append(fresh)
            segments.extend(split_segments(fresh))
    return tuple(cleaned), segments, known


# --- Grouping ---------------------------------------------------------------------------


def _regroup(
    segments: Sequence[Segment],
    kept: set[str],
    stored: Snapshot,
    options: Options,
    known: Mapping[str, SegmentCounts],
) -> tuple[list[Event], Counted, dict[str, str]]:
    """Events: the stored ones with their unchanged members, joined by the new segments;
    the counts of the stored segments linked again (`Counted`); and
    the story keys of the stored events taken as they were (their members unchanged, and
    with them their content: `kept` articles only), by id."""
    ids = [s.id for s in segments]  # a property, asked once of each of 100,000 segments
    by_id = dict(zip(ids, segments, strict=True))
    groups = {
        event_id: [m for m in event.members if m in by_id and by_id[m].article.id in kept]
        for event_id, event in sorted(stored.events.items())
    }
    groups = {event_id: members for event_id, members in groups.items() if members}
    placed = {m for members in groups.values() for m in members}
    fresh = sorted(
        (s for i, s in zip(ids, segments, strict=True) if i not in placed), key=visit_key
    )
    counts = _TermCounts(known, options.count)
    candidates = _candidate_events(fresh, groups, stored, by_id, counts)
    context = [*fresh, *(by_id[m] for event_id in candidates for m in groups[event_id])]
    fetch_articles(context)  # their texts, which the grouping's threads ask for: at once
    starts = [groups[event_id] for event_id in candidates] + [[s.id] for s in fresh]
    joined = _link_groups(context, starts, len(candidates), counts, options)
    final = groups | dict(zip(candidates, joined[: len(candidates)], strict=True))
    same = {e for e, members in final.items() if set(members) == set(stored.events[e].members)}
    changed = [[by_id[m] for m in final[e]] for e in sorted(final) if e not in same]
    new = [[by_id[m] for m in members] for members in joined[len(candidates) :]]
    unchanged = [_stored_story_event(e, stored.events[e], by_id) for e in sorted(same)]
    regrouped = [*changed, *new]
    made = make_events(regrouped, counts.of([s for group in regrouped for s in group]))
    counted = Counted(counts=counts.counted, leads=counts.leads)
    return [*unchanged, *made], counted, {e: stored.events[e].story_key for e in same}


def _link_groups(
    context: Sequence[Segment],
    starts: list[list[str]],
    locked: int,
    counts: _TermCounts,
    options: Options,
) -> list[list[str]]:
    """`linkage.average_linkage` of the segments of `context` from the `starts` groups (by
    segment id), the first `locked` of them stored events; members sorted by id.

    Items are numbered in id order, so the links between two groups are summed in the
    same order whatever order the segments came in.
    """
    ordered = sorted(context, key=lambda s: s.id)
    number = {s.id: i for i, s in enumerate(ordered)}
    links, headlines = segment_links(ordered, counts.of, options.embed, options.threads)
    joined = average_linkage(
        {(number[a], number[b]): v for (a, b), v in links.items()},
        options.threshold,
        [s.published.toordinal() if s.published else None for s in ordered],
        start=[[number[m] for m in group] for group in starts],
        locked=locked,
        directions=headlines,
    )
    return [[ordered[i].id for i in group] for group in joined]


@dataclass(frozen=True, slots=True, kw_only=True)
class Counted:
    """What the grouping counted of the stored segments it linked again, or took from the
    state (`state.kept_counts`), by segment id."""

    counts: dict[str, SegmentCounts]
    """Their `cluster.count_segment`."""
    leads: dict[str, SegmentCounts]
    """The `lead_counts` of those longer than their lead, where the state kept them."""


class _TermCounts:
    """Each segment's `segment_terms`, computed once however often it is asked for: unpacked
    from the `known` counts made where the segment was read, or from those the state kept
    of a stored segment (`state.kept_counts`), or from those `count` makes of the others,
    all those asked for at once (`of`, as rows of a term matrix: the thousands of stored
    members linked again are not made dicts)."""

    def __init__(
        self,
        known: Mapping[str, SegmentCounts],
        count: Callable[[Sequence[Segment]], Sequence[SegmentCounts]],
    ) -> None:
        self._known = known
        self._count = count
        self.counted: dict[str, SegmentCounts] = {}
        """The counts taken from the state or made by `count`, by segment id."""
        self.leads: dict[str, SegmentCounts] = {}
        """The `lead_counts` taken from the state with them."""
        self._counts: dict[str, dict[str, float]] = {}
        self._rows: dict[str, TermRow] = {}

    def __call__(self, segment: Segment) -> dict[str, float]:
        if segment.id not in self._counts:
            self._counts[segment.id] = segment_terms(segment, self._counted(segment))
        return self._counts[segment.id]

    def of(self, segments: Sequence[Segment]) -> dict[str, TermRow]:
        missing = [
            s
            for s in segments
            if not (s.id in self._counts or s.id in self._known or s.id in self.counted)
        ]
        if missing:
            self._take_kept(missing)
            uncounted = [s for s in missing if s.id not in self.counted]
            if uncounted:
                made = self._count(uncounted)
                self.counted.update(zip((s.id for s in uncounted), made, strict=True))
        return {s.id: self._row(s) for s in segments}

    def _take_kept(self, segments: Sequence[Segment]) -> None:
        """Take the counts the state kept of the stored `segments` (each article's once):
        at 100,000 articles, counting the 4,000 stored members a +100 build links again
        took about a second of its wall time, on the engine."""
        wanted = {s.id for s in segments}
        for article_id, data in kept_counts(segments).items():
            counts, leads = unpack_counts(data, article_id)
            self.counted.update((i, c) for i, c in counts.items() if i in wanted)
            self.leads.update((i, c) for i, c in leads.items() if i in wanted)

    def _row(self, segment: Segment) -> TermRow:
        if segment.id in self._counts:
            return self._counts[segment.id]
        if segment.id not in self._rows:
            self._rows[segment.id] = segment_row(segment, self._counted(segment))
        return self._rows[segment.id]

    def _counted(self, segment: Segment) -> Mapping[str, SegmentCounts]:
        return self._known if segment.id in self._known else self.counted


def pack_counts(
    segments: Sequence[Segment], counts: Sequence[SegmentCounts], leads: Mapping[str, SegmentCounts]
) -> bytes:
    """An article's segments' `cluster.count_segment` (in their order) and `lead_counts`
    (by segment id), as the state keeps them for the next builds (`StoredArticle.counts`):
    plain tuples, pickled and compressed (about 1 KB an article, 4 KB uncompressed; 34 us
    to pack, on the workers that read the article, 16 us to unpack)."""
    rows = (
        tuple((s.id, *c) for s, c in zip(segments, counts, strict=True)),
        tuple((i, *c) for i, c in leads.items()),
    )
    return zlib.compress(pickle.dumps(rows, protocol=pickle.DEFAULT_PROTOCOL), 1)


def unpack_counts(
    data: bytes, article_id: str
) -> tuple[dict[str, SegmentCounts], dict[str, SegmentCounts]]:
    """The counts and leads `pack_counts` packed, by segment id.

    Raises:
        DamagedStateError: `data` is not what `pack_counts` makes.
    """
    try:
        counts, leads = pickle.loads(zlib.decompress(data))  # noqa: S301 (the state's own)
        return (
            {row[0]: SegmentCounts(*row[1:]) for row in counts},
            {row[0]: SegmentCounts(*row[1:]) for row in leads},
        )
    except (zlib.error, pickle.UnpicklingError, EOFError, TypeError, ValueError) as error:
        message = f"the counts of article {article_id} cannot be read back: {error}"
        raise DamagedStateError(message) from error


def _stored_story_event(event_id: str, event: StoredEvent, by_id: Mapping[str, Segment]) -> Event:
    """A stored event as it was, its members' segments put back (they are stored with the
    articles, not twice)."""
    if event.story is None:  # _regroup runs only on a state written by this code
        raise ValueError("a stored event without its story")
    segments = tuple(by_id[m] for m in event.members)
    return Event(id=event_id, title=event.title, date=event.date, segments=segments)


def _candidate_events(
    fresh: Sequence[Segment],
    groups: Mapping[str, list[str]],
    stored: Snapshot,
    by_id: Mapping[str, Segment],
    counts: Callable[[Segment], dict[str, float]],
) -> list[str]:
    """Stored events that may take some new segment: shared key terms, close in time.

    Each segment's overlap with every event at once, in arrays over the events (numbered
    in id order): its terms' rarities summed by `np.bincount`, which adds them one after
    the other in the segment's term order, as a loop over its terms would (the same
    weights to the last bit, so the same ties, broken by id). The date span of an event
    is worked out only when it is next in line to be chosen.
    """
    events = list(groups)
    postings = _Postings([stored.events[e].terms for e in events], fresh, counts)

    @cache
    def span(number: int) -> tuple[int, int] | None:
        return _span(by_id[m] for m in groups[events[number]])

    chosen: set[str] = set()
    for segment in fresh:
        found = [t for t in counts(segment) if t in postings.rarity]
        if not found:
            continue
        numbers = np.concatenate([postings.events(t) for t in found])
        rarities = [postings.rarity[t] for t in found]
        weight = np.bincount(numbers, np.repeat(rarities, [postings.size(t) for t in found]))
        enough = 1 if len(counts(segment)) < SHORT_TERMS else MIN_SHARED_TERMS
        near = np.flatnonzero(np.bincount(numbers) >= enough)
        ranked = near[np.lexsort((near, -weight[near]))].tolist()
        fitting = (e for e in ranked if _fits(span(e), segment.published))
        chosen.update(events[e] for e in islice(fitting, CANDIDATE_EVENTS))
        far = _far_events(postings, found, ranked)
        beyond = (e for e in far if not _fits(span(e), segment.published))
        chosen.update(events[e] for e in islice(beyond, FAR_CANDIDATE_EVENTS))
    return sorted(chosen)


def _far_events(postings: _Postings, found: Sequence[str], ranked: Sequence[int]) -> list[int]:
    """Of the `ranked` events, those sharing `FAR_SHARED_TERMS` rare key terms with the
    segment: beyond the date window, a merge may still take it there
    (`linkage.FAR_THRESHOLD`), as in a build from scratch (`cluster._far_pairs`)."""
    rare = [postings.events(t) for t in found if postings.size(t) <= FAR_EVENT_POSTING]
    if len(rare) < FAR_SHARED_TERMS:
        return []
    shared = np.bincount(np.concatenate(rare))
    return [e for e in ranked if e < len(shared) and shared[e] >= FAR_SHARED_TERMS]


class _Postings:
    """The stored events (by number) of each term the `fresh` segments have, from the
    events' key `terms`; a term of more than `MAX_EVENT_POSTING` events has none."""

    def __init__(
        self,
        terms: Sequence[tuple[str, ...]],
        fresh: Sequence[Segment],
        counts: Callable[[Segment], dict[str, float]],
    ) -> None:
        wanted = {t: i for i, t in enumerate(dict.fromkeys(t for s in fresh for t in counts(s)))}
        flat = list(chain.from_iterable(terms))
        column = np.fromiter(map(wanted.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
        owner = np.repeat(np.arange(len(terms)), [len(t) for t in terms])[column >= 0]
        column = column[column >= 0]
        order = np.argsort(column, kind="stable")  # each term's events in number order
        self._owners = owner[order]
        self._bounds = np.searchsorted(column[order], np.arange(len(wanted) + 1)).tolist()
        self._column = wanted
        self.rarity = {
            t: math.log(1 + len(terms) / size)
            for t in wanted
            if 0 < (size := self.size(t)) <= MAX_EVENT_POSTING
        }
        """Of each term that finds candidates."""

    def size(self, term: str) -> int:
        i = self._column[term]
        return int(self._bounds[i + 1] - self._bounds[i])

    def events(self, term: str) -> NDArray[np.int64]:
        i = self._column[term]
        events: NDArray[np.int64] = self._owners[self._bounds[i] : self._bounds[i + 1]]
        return events


def _span(segments: Iterable[Segment]) -> tuple[int, int] | None:
    days = [s.published.toordinal() for s in segments if s.published]
    return (min(days), max(days)) if days else None


def _fits(span: tuple[int, int] | None, published: date | None) -> bool:
    if span is None or published is None:
        return True
    day = published.toordinal()
    return max(span[1], day) - min(span[0], day) <= EVENT_WINDOW_DAYS


# --- Stories ----------------------------------------------------------------------------


def story_key(event: Event, hashes: Mapping[str, str]) -> str:
    """What an event's story depends on: its title, date, members and their content."""
    members = [[s.id, hashes[s.article.id]] for s in event.segments]
    key = [event.title, event.date.isoformat() if event.date else None, members]
    return hashlib.sha256(json.dumps(key).encode("utf-8")).hexdigest()


def _stories(
    events: Sequence[Event],
    keys: Mapping[str, str],
    cached: Mapping[str, Story | bytes],
    told: Iterable[Story],
) -> Stories:
    """The cached story of each unchanged event, left pickled as stored until asked for
    (`Stories`), and the `told` stories of the others, each given its event of `events`
    (with its storyline: they were told before the storylines were linked)."""
    by_id = {event.id: event for event in events}
    stories = {story.event.id: replace(story, event=by_id[story.event.id]) for story in told}
    kept: dict[str, Callable[[], Story]] = {}
    for event in events:
        story = cached.get(keys[event.id])
        if isinstance(story, Story):
            stories[event.id] = replace(story, event=event)
        elif story is not None:
            kept[event.id] = partial(stored_story, story, event)
    return Stories(events, stories, kept)


def _stored_event(
    event: Event,
    stories: Stories,
    stored: Snapshot,
    build: int,
    key: str,
    *,
    reusable: bool,
    terms: tuple[str, ...] | None = None,
) -> StoredEvent:
    """`terms`: its `key_terms`, if counted already. The stored event itself when it has
    the same members and story (the row `state.save_state` would keep as it is): its
    story is then not asked of `stories` (nor unpickled)."""
    previous = stored.events.get(event.id)
    if (
        reusable
        and previous is not None
        and previous.story is not None
        and previous.story_key == key  # the same members too: the key is made of them
    ):
        return previous
    members = tuple(s.id for s in event.segments)
    if reusable and previous is not None and previous.members == members:
        kept = previous.terms  # the same members: their key terms (`_stored_key_terms`)
    else:
        kept = terms if terms is not None else key_terms(event.segments)
    return StoredEvent(
        created=previous.created if previous else build,
        members=members,
        terms=kept,
        story_key=key,
        story=replace(stories.story(event.id), event=replace(event, storyline=None, segments=())),
        title=event.title,
        date=event.date,
    )


def _new_key_terms(
    events: Iterable[Event],
    stored: Snapshot | None,
    known: Mapping[str, SegmentCounts],
    leads: Mapping[str, SegmentCounts],
) -> dict[str, tuple[str, ...]]:
    """The `key_terms` of the events whose members are not those of the stored event of
    their id (what `next_snapshot` keeps for the others), from the counts made with the
    reading: the `leads` of the segments whose `known` counts were taken (the same
    article's)."""
    taken = {i: counts for i, counts in leads.items() if i in known}
    return {
        event.id: key_terms(event.segments, known, taken)
        for event in events
        if stored is None or _stored_key_terms(event, stored) is None
    }


def _stored_key_terms(event: Event, stored: Snapshot) -> tuple[str, ...] | None:
    """The key terms of the stored event of `event`'s id when it has the same members (its
    `key_terms` would be counted the same again); None when it has other members or none."""
    previous = stored.events.get(event.id)
    if previous is None or previous.members != tuple(s.id for s in event.segments):
        return None
    return previous.terms


def key_terms(
    segments: Sequence[Segment],
    known: Mapping[str, SegmentCounts] | None = None,
    leads: Mapping[str, SegmentCounts] | None = None,
) -> tuple[str, ...]:
    """An event's `KEY_TERMS` heaviest terms (summed weighted counts), to find it again.

    Counted in the title and lead of its first `KEY_MEMBERS` members only: what an event
    is about is said there, and counting every word of every member was most of the
    state's cost on a first build (17 s of 19 at 10,000 articles). Unpacked instead of
    counted where the reading counted them already, by segment id: a member whose whole
    text is its lead from its `known` counts (`cluster.count_segment`), a longer one from
    its `leads` (`lead_counts`); the same terms and weights.
    """
    total: Counter[str] = Counter()
    for segment in segments[:KEY_MEMBERS]:
        if len(segment.text) <= KEY_LEAD_CHARS:
            total.update(segment_terms(segment, known))
        else:
            total.update(segment_terms(_lead(segment), leads))
    heaviest = sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[:KEY_TERMS]
    return tuple(sorted(term for term, _ in heaviest))


def lead_counts(segment: Segment) -> SegmentCounts | None:
    """What `key_terms` counts of a segment longer than its lead: the `segment_terms` of
    its title and lead, packed (the terms and weights of a `SegmentCounts`, no text
    counts); None for a shorter one, whose `count_segment` holds them. Made where the
    segment is read, on the engine's workers, by a build with a state."""
    if len(segment.text) <= KEY_LEAD_CHARS:
        return None
    return pack_terms(segment_terms(_lead(segment)))


def _lead(segment: Segment) -> Segment:
    """The segment cut to its lead: made anew, not `replace`d (a stored segment is a
    `state.LazySegment`, whose text has no slot to set)."""
    return Segment(
        article=segment.article,
        number=segment.number,
        title=segment.title,
        text=segment.text[:KEY_LEAD_CHARS],
    )
