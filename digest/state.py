"""The build state: what the last build decided, kept in an embedded SQLite database.

The only module that reads or writes the state file. `load_state` returns a frozen
`Snapshot` of the last build (articles with their content hashes, events with their
members, storylines, redirects, and the cached stories); `save_state` writes the next
one in a single transaction. Everything in between (digest/incremental.py) is pure.

Where it lives: by default `.digest/<docs dir name>.sqlite` beside the docs dir, not
inside it. `digest build` stages the docs dir as a hard-linked copy and swaps it in
whole (digest/atomic.py): a database inside would be hard-linked into the staging copy,
and SQLite writes its file in place, so the published copy would change before the swap;
its `-wal` and `-shm` companions would not follow the swap at all. Beside the docs it is
also out of MkDocs' reach (MkDocs publishes only `docs_dir`).

The stories and articles are stored pickled: the state is a cache written by digest
itself beside the docs, trusted as the docs are; a state written by another version of
digest's code (`fingerprint`) is never unpickled.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import io
import json
import logging
import operator
import os
import pickle
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from types import FunctionType
from typing import Any, TypeVar

from digest.entities import Entity, EntityKind
from digest.errors import DigestError
from digest.model import (
    Article,
    CleanArticle,
    Difference,
    DifferenceKind,
    Event,
    KeyFigure,
    Location,
    ReadFile,
    Redirect,
    Rejected,
    Removal,
    Segment,
    Story,
    StorySentence,
    StorySummary,
    UniqueFact,
    Value,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

SCHEMA_VERSION = 5  # the `schema_version` table; bump on any incompatible change
# 2: the files, pages and event_caches tables (a state of schema 1 gains them), then the
# vocabulary and storyline_terms tables (a state without them has none kept), then the
# json_entries table (a state without it has no entries to copy: events.json is rendered)
# 3: the events' title and date columns (a state of schema 2 gains them, empty: it was
# written by other code, whose stories are not reused)
# 4: the articles' source, published and segments columns, their pickles in the
# article_data table (the articles table of a state of schema 3 is made again: its
# articles were written by other code)
# 5: the article_data table's counts column (a state of schema 4 gains it, filled as its
# articles are written again: other code wrote them; an article without counts is
# counted again when a build links it), then the index of the vocabulary's terms (a
# state without it gains it when next written, and is read without it until then:
# `Snapshot.vocabulary_order`; other code of schema 5 keeps it, as SQLite keeps any index;
# made by `_write_terms`)
BUSY_TIMEOUT_SECONDS = 2.0  # wait this long for another process's lock, then say so
_PACKAGE = Path(__file__).resolve().parent
OUTPUT_MODULES = frozenset(
    "__init__.py __main__.py atomic.py cli.py config.py errors.py evaluate.py feeds.py "
    "i18n.py markdown_text.py mkdocs_plugin.py pdf.py pipeline.py publish.py render.py "
    "slugs.py".split()
)
"""Modules of digest/ whose code the cached data does not depend on (nor `ingest/`);
not `site_index.py`, which summarises the stories the state keeps (`EventCache.summary`)."""

_ARTICLES_TABLE = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, hash TEXT NOT NULL, source TEXT, published TEXT,
    segments TEXT NOT NULL)"""
_SCHEMA = f"""{_ARTICLES_TABLE};
CREATE TABLE IF NOT EXISTS article_data (id TEXT PRIMARY KEY, data BLOB NOT NULL, counts BLOB);
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY, created INTEGER NOT NULL, members TEXT NOT NULL,
    terms TEXT NOT NULL, story_key TEXT NOT NULL, story BLOB NOT NULL,
    title TEXT NOT NULL DEFAULT '', date TEXT);
CREATE TABLE IF NOT EXISTS storylines (
    id TEXT PRIMARY KEY, created INTEGER NOT NULL, events TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS redirects (
    kind TEXT NOT NULL, id TEXT NOT NULL, target TEXT, PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, name TEXT NOT NULL, stamp TEXT NOT NULL, yielded TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pages (path TEXT PRIMARY KEY, key TEXT NOT NULL, stamp TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS event_caches (
    id TEXT PRIMARY KEY, story_key TEXT NOT NULL, json_key TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS json_entries (
    key TEXT PRIMARY KEY, start INTEGER NOT NULL, length INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS vocabulary (id INTEGER PRIMARY KEY, term TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS storyline_terms (
    id TEXT PRIMARY KEY, story_key TEXT NOT NULL, terms BLOB NOT NULL, counts BLOB NOT NULL);
"""


class StateError(DigestError):
    """The state file cannot be used: locked, or written by a newer digest."""


class DamagedStateError(StateError):
    """A record left pickled in the state (a story, an article's cleaning) cannot be read
    back when the build asks for it: the state is damaged (the pipeline names its file)."""


_UNREADABLE = (sqlite3.DatabaseError, pickle.UnpicklingError, ValueError, KeyError, EOFError)
"""What reading back a damaged record raises (as `load_state` sets a damaged file aside)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredArticle:
    """An article as the last build read it: its content hash, cleaned text and segments."""

    hash: str
    clean: CleanArticle | None
    """None when the state was written by other code (nothing pickled is trusted then)."""
    segments: tuple[Segment, ...] = ()
    counts: bytes | None = None
    """What the grouping counted of its segments, packed (`incremental.pack_counts`), to be
    written with it; None when there is none to write (a stored article's stay in the
    file, and are fetched when a build asks for them: `kept_counts`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredEvent:
    """An event as the last build published it."""

    created: int
    """The build that first published it: older ids win ties."""
    members: tuple[str, ...]
    """Segment ids."""
    terms: tuple[str, ...]
    """Its heaviest terms, to find it as a candidate for new articles."""
    story_key: str
    story: Story | bytes | None
    """The merged story, reused while `story_key` matches (None: other code wrote it):
    pickled as the state holds it once loaded (`stored_story` unpickles it), so that a
    build unpickles only the stories it asks for. Its event has no segments: they are
    the `members'` (kept with the articles)."""
    title: str = ""
    date: date | None = None
    """The event's title and date, as its story has them."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EventCache:
    """What is worked out of an event's story for the storylines and the pages, kept while
    the story is the same (`story_key`) and the code is."""

    story_key: str
    entities: tuple[Entity, ...]
    """The names its story holds (`entities.find_entities`)."""
    json_key: str
    """What its entry of `events.json` was made from (a page key of `render.render_site`);
    the entry itself is in the published file (`StoredEntries`), not here."""
    lines: Mapping[str, str] = field(default_factory=dict)
    """Its lines in the pages' lists of events, by the way each is written (from the
    same entry: `render.RenderCache.lines`)."""
    summary: StorySummary | None = None
    """What the index pages list of its story (`render.RenderCache.summaries`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredTerms:
    """An event's term counts as storylines are linked (`cluster.storyline_terms`), kept
    while its story is the same (`story_key`) and the code is: a row of
    `cluster.EncodedTerms`, its ids into the state's `Snapshot.vocabulary`."""

    story_key: str
    ids: bytes
    counts: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredEntries:
    """Where each event's entry lies in the `events.json` the last build published: the
    next build copies the unchanged ones from that file (`render.RenderCache.entries`)
    while it still has the stamp recorded, instead of keeping 250 MB of them in the
    state at 100,000 articles."""

    stamp: tuple[int, ...]
    """The file's (size, mtime in nanoseconds) after it was written."""
    ranges: Mapping[str, tuple[int, int]]
    """Each entry's byte offset and length in the file, by its key (`EventCache.json_key`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredPage:
    """A generated docs file as the last build left it: what it was made from, and the
    stamp of the file (size, mtime) that holds it."""

    key: str
    stamp: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredStoryline:
    created: int
    event_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """Everything a build needs of the last one; empty for a first build."""

    fingerprint: str
    """Of the code and settings that wrote it; the cached stories are valid only for it."""
    build: int = 0
    """How many builds wrote this state."""
    articles: Mapping[str, StoredArticle] = field(default_factory=dict)
    events: Mapping[str, StoredEvent] = field(default_factory=dict)
    storylines: Mapping[str, StoredStoryline] = field(default_factory=dict)
    redirects: tuple[Redirect, ...] = ()
    files: Mapping[str, ReadFile] = field(default_factory=dict)
    """The input files read, by absolute path (digest/input_cache.py); empty when the
    reading code (`ingest`) has changed."""
    ingest: str = ""
    """The `input_cache.ingest_fingerprint` of the code that read `files`."""
    pages: Mapping[str, StoredPage] = field(default_factory=dict)
    """The generated docs files, by path in the docs dir."""
    event_caches: Mapping[str, EventCache] = field(default_factory=dict)
    """By event id; empty when another code wrote the state (as the stories)."""
    entries: StoredEntries | None = None
    """The entries of the published `events.json`; None when none were recorded."""
    storyline_terms: Mapping[str, StoredTerms] = field(default_factory=dict)
    """By event id; empty when another code wrote the state."""
    vocabulary: tuple[str, ...] = ()
    """The term of each id of `storyline_terms`; only ever grows while the code is the same."""
    vocabulary_order: tuple[int, ...] | None = None
    """The ids of `vocabulary` in the order of their terms (`_vocabulary_order`); None when
    not known (a state written before its terms were indexed)."""


def default_state_path(docs_dir: Path) -> Path:
    """`.digest/<docs name>.sqlite` beside the docs dir (see the module doc for why)."""
    return docs_dir.parent / ".digest" / f"{docs_dir.name}.sqlite"


def fingerprint(cluster_threshold: float, embeddings: bool = False) -> str:
    """A hash of the code that made what the state caches, and of the grouping's settings
    (its threshold, and whether headlines are compared by embeddings): a build with other
    settings groups every article again.

    The cached cleaning, segments, events and stories come from the stage modules; the
    modules that only read inputs (their articles are hashed), shape the output or run
    the command line (`OUTPUT_MODULES`) can change without making the cache stale.
    """
    settings = f"{SCHEMA_VERSION}:{cluster_threshold!r}:{embeddings}"
    digest = hashlib.sha256(settings.encode())
    for path in sorted(_PACKAGE.glob("*.py")):
        if path.name in OUTPUT_MODULES:
            continue
        digest.update(path.relative_to(_PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_state(path: Path, current: str, ingest: str = "") -> Snapshot:
    """Read the state file at `path`; an empty snapshot when there is none.

    A corrupt file is moved aside (`<name>.corrupt`) with a warning naming it, and the
    build starts from scratch: its ids are lost, but nothing else is.

    Args:
        path: the state file.
        current: this build's `fingerprint`; cached data of another is not loaded.
        ingest: this build's `input_cache.ingest_fingerprint`; files read by other
            reading code are not loaded.

    Raises:
        StateError: the file is locked by another process, or from a newer digest.
    """
    if not path.is_file():
        return Snapshot(fingerprint=current)
    try:
        with _connect(path) as connection, collector_paused():
            snapshot = _read(connection, path, current, ingest)
            connection.execute("BEGIN IMMEDIATE")  # fail now, not after publishing, if
            connection.execute("ROLLBACK")  # another process holds the write lock
            return snapshot
    except sqlite3.OperationalError as error:
        if _is_locked(error):
            raise _locked(path) from error
        return _set_aside(path, error, current)
    except (sqlite3.DatabaseError, pickle.UnpicklingError, ValueError, KeyError) as error:
        return _set_aside(path, error, current)


def save_state(path: Path, stored: Snapshot, new: Snapshot) -> None:
    """Write `new` over `stored` in one transaction, touching only the rows that changed;
    when there is no state file yet, write `new` whole into a new one (`_write_new_file`).

    A process killed while writing leaves the previous state (SQLite's write-ahead log
    commits all or nothing), or none if there was none.

    Raises:
        StateError: the file is locked by another process or cannot be written.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with collector_paused():
            if path.exists():
                _write_in_place(path, stored, new)
            else:
                _write_new_file(path, new)
    except sqlite3.OperationalError as error:
        if _is_locked(error):
            raise _locked(path) from error
        raise StateError(f"cannot write the build state {path}: {error}") from error
    except OSError as error:
        raise StateError(f"cannot write the build state {path}: {error.strerror}") from error


def _write_in_place(path: Path, stored: Snapshot, new: Snapshot) -> None:
    with _connect(path) as connection:
        _create_schema(connection)
        connection.execute("BEGIN IMMEDIATE")
        _write(connection, stored, new)
        connection.execute("COMMIT")


def _write_new_file(path: Path, new: Snapshot) -> None:
    """Write `new` into a file of its own beside `path`, then rename it to `path`.

    A first state is written whole (934 MB at 100,000 articles): through the write-ahead
    log it was written twice, into the log and then into the database. Here it is written
    once, with no journal and no syncing until the end: a process killed before the
    rename leaves no state at `path` (only a `.<name>.*.new` file, which can be deleted),
    and the rename is atomic, so the state at `path` is always a whole one.
    """
    written = path.with_name(f".{path.name}.{secrets.token_hex(8)}.new")
    os.close(os.open(written, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # as SQLite makes it
    try:
        with closing(sqlite3.connect(written, isolation_level=None)) as connection:
            connection.execute("PRAGMA journal_mode=OFF")
            connection.execute("PRAGMA synchronous=OFF")
            _create_schema(connection)
            connection.execute("BEGIN")
            _write(connection, Snapshot(fingerprint=""), new)
            connection.execute("COMMIT")
            connection.execute("PRAGMA journal_mode=WAL")  # as `_connect` opens it
        _sync(written)
        for suffix in ("-wal", "-shm"):  # left by no database now: not to be replayed into it
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        written.replace(path)
        _sync(path.parent)
    except BaseException:
        written.unlink(missing_ok=True)
        raise


def _sync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the state is unpickled, made or written.

    Unpickling allocates hundreds of thousands of objects, none of them garbage, and each
    few hundred allocations set off a collection that walks the young ones again (a third
    of the load's time at 10,000 articles, more as the archive grows). Making the next
    state and writing it make an object and a row of every article and event, and a full
    collection set off then walks the whole build's millions of objects (2 s at 100,000
    articles).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    with closing(connection):
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash never corrupts
        yield connection


def _create_schema(connection: sqlite3.Connection) -> None:
    """Create the tables (a state of an older schema gains the new ones, and the columns
    added since; `_write` says which schema it is then)."""
    connection.executescript(_SCHEMA)
    columns = _columns(connection, "events")
    for column, declared in ADDED_EVENT_COLUMNS:
        if column not in columns:
            connection.execute(f"ALTER TABLE events ADD COLUMN {column} {declared}")
    if "counts" not in _columns(connection, "article_data"):
        connection.execute("ALTER TABLE article_data ADD COLUMN counts BLOB")


def _columns(connection: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}


ADDED_EVENT_COLUMNS = (("title", "TEXT NOT NULL DEFAULT ''"), ("date", "TEXT"))
"""The columns of the events table since schema 3, as `_SCHEMA` declares them."""


def _renew_articles_table(connection: sqlite3.Connection) -> None:
    """Make the articles table of a state of schema 3 or older again, without its
    pickles (`article_data` holds them), in the write's transaction: its rows are all
    written again (other code wrote them)."""
    if "segments" not in _columns(connection, "articles"):
        connection.execute("DROP TABLE articles")
        connection.execute(_ARTICLES_TABLE)


def _read(connection: sqlite3.Connection, path: Path, current: str, ingest: str) -> Snapshot:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    if "schema_version" not in tables:
        raise sqlite3.DatabaseError("no schema_version table")
    (version,) = connection.execute("SELECT version FROM schema_version").fetchone()
    if version > SCHEMA_VERSION:
        raise StateError(
            f"the build state {path} was written by a newer digest (state schema {version}, "
            f"this digest reads {SCHEMA_VERSION}); use that digest, or build with "
            "--no-state or another --state file"
        )
    meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
    same_code = meta.get("fingerprint") == current
    if not same_code:
        log.info(
            "the build state %s was written by other code or settings of digest: its ids "
            "are kept, nothing it caches is reused, and every article is grouped again",
            path,
        )
    return Snapshot(
        fingerprint=meta.get("fingerprint", ""),
        build=int(meta.get("build", "0")),
        articles=_read_articles(connection, path, same_code=same_code),
        events=_read_events(connection, same_code=same_code),
        storylines=_read_storylines(connection),
        redirects=tuple(
            Redirect(kind=kind, id=old, target=target)
            for kind, old, target in connection.execute(
                "SELECT kind, id, target FROM redirects ORDER BY kind, id"
            )
        ),
        **_read_caches(
            connection, tables, same_code=same_code, same_ingest=meta.get("ingest") == ingest
        ),
    )


def _read_caches(
    connection: sqlite3.Connection, tables: set[str], *, same_code: bool, same_ingest: bool
) -> dict[str, Any]:
    """The files, pages and event caches (a state of schema 1 has none)."""
    if "files" not in tables:
        return {}
    return {
        "ingest": _meta(connection, "ingest") if same_ingest else "",
        "files": _read_files(connection) if same_ingest else {},
        "pages": _read_pages(connection),
        "event_caches": {
            event_id: _unpickle(data, EventCache)
            for event_id, data in (
                connection.execute("SELECT id, data FROM event_caches ORDER BY id")
                if same_code
                else ()
            )
        },
        **(_read_terms(connection, tables) if same_code and "vocabulary" in tables else {}),
        "entries": _read_entries(connection) if "json_entries" in tables else None,
    }


def _read_entries(connection: sqlite3.Connection) -> StoredEntries | None:
    """The entries of the published `events.json` (read whatever code wrote them: an
    entry's key says what made it, and the file's stamp is checked before it is used)."""
    stamp = _meta(connection, "json_stamp")
    if not stamp:
        return None
    return StoredEntries(
        stamp=tuple(json.loads(stamp)),
        ranges={
            key: (start, length)
            for key, start, length in connection.execute("SELECT * FROM json_entries")
        },
    )


def _read_terms(connection: sqlite3.Connection, names: set[str]) -> dict[str, Any]:
    """The storylines' term counts of each event, and their vocabulary (in id order:
    fetched a row at a time, 0.07 s at 100,000 articles; one `json_group_array` of an
    ordered subquery took 0.04 s, but SQLite promises to keep that order only from 3.44,
    and a vocabulary out of order would link other storylines without a word), and its
    order when the state has the index of its terms (`names`: of its tables and indexes)."""
    count, first, last = connection.execute(
        "SELECT count(*), min(id), max(id) FROM vocabulary"
    ).fetchone()
    if count and (first, last) != (0, count - 1):  # its ids are unique: 0 to count - 1
        raise ValueError("the storylines' vocabulary has gaps")
    return {
        "vocabulary": tuple(
            term for (term,) in connection.execute("SELECT term FROM vocabulary ORDER BY id")
        ),
        "vocabulary_order": (
            _vocabulary_order(connection) if "vocabulary_terms" in names else None
        ),
        "storyline_terms": {
            event_id: _new_stored_terms(key, ids, counts)
            for event_id, key, ids, counts in connection.execute(
                "SELECT id, story_key, terms, counts FROM storyline_terms ORDER BY id"
            )
        },
    }


def _vocabulary_order(connection: sqlite3.Connection) -> tuple[int, ...]:
    """The vocabulary's ids in the order of their terms, read along its index, so that a
    build does not sort the terms (`cluster.grown_order` puts its new ones in): 0.08 s at
    100,000 articles (354,000 terms), where the sort took 0.17-0.27 s of a +100 build (the
    storylines' matrix 0.27 s less without it). SQLite compares text by its bytes (the
    BINARY collation), UTF-8 in a state (SQLite's default; nothing else makes one), whose
    order is that of the code points, as Python compares strings."""
    return tuple([i for (i,) in connection.execute("SELECT id FROM vocabulary ORDER BY term")])


def _meta(connection: sqlite3.Connection, key: str) -> str:
    row = connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row else ""


def _read_events(connection: sqlite3.Connection, *, same_code: bool) -> dict[str, StoredEvent]:
    """The events, their stories left pickled (`stored_story`); with the title and date
    only from this code (a state of schema 2 has no such columns)."""
    story = "story, title, date" if same_code else "NULL, '', NULL"
    cursor = connection.execute(
        f"SELECT id, created, members, terms, story_key, {story} FROM events ORDER BY id"  # noqa: S608 one of two constant texts
    )
    events = {}
    for rows, members, terms in _decoded_chunks(cursor, 2, 3):
        for row, row_members, row_terms in zip(rows, members, terms, strict=True):
            events[row[0]] = _new_stored_event(
                row[1],
                tuple(row_members),
                tuple(row_terms),
                row[4],
                row[5],
                row[6],
                date.fromisoformat(row[7]) if row[7] else None,
            )
    return events


def stored_story(data: bytes, event: Event) -> Story:
    """A story as `StoredEvent.story` holds it, unpickled, with its event put back (a
    pickled story's event has no segments).

    Raises:
        DamagedStateError: the data is not a pickled story.
    """
    try:
        story = _unpickle(data, Story)
    except _UNREADABLE as error:
        raise DamagedStateError(f"the story of {event.id} cannot be read back: {error}") from error
    return dataclasses.replace(story, event=event)


def _read_storylines(connection: sqlite3.Connection) -> dict[str, StoredStoryline]:
    rows = connection.execute("SELECT id, created, events FROM storylines ORDER BY id").fetchall()
    return {
        storyline_id: StoredStoryline(created=created, event_ids=tuple(events))
        for (storyline_id, created, _), events in zip(
            rows, _json_column(r[2] for r in rows), strict=True
        )
    }


def _read_files(connection: sqlite3.Connection) -> dict[str, ReadFile]:
    """The files' records, each made by `_new_read_file`: a frozen dataclass's `__init__`
    sets each field through `object.__setattr__` (0.07 s for 100,000 records, against
    0.04 s)."""
    files = {}
    cursor = connection.execute("SELECT path, name, stamp, yielded FROM files ORDER BY path")
    for rows, stamps, yielded in _decoded_chunks(cursor, 2, 3):
        for (path, name, _, _), stamp, items in zip(rows, stamps, yielded, strict=True):
            files[path] = _new_read_file(
                path,
                name,
                tuple(stamp),
                tuple([(i[1], i[2]) if i[0] == "article" else _rejected(i) for i in items]),
            )
    return files


def _rejected(item: list[Any]) -> Rejected:
    return Rejected(input=item[1], line=item[2], reason=item[3])


def _read_pages(connection: sqlite3.Connection) -> dict[str, StoredPage]:
    pages = {}
    cursor = connection.execute("SELECT path, key, stamp FROM pages ORDER BY path")
    for rows, stamps in _decoded_chunks(cursor, 2):
        for (path, key, _), stamp in zip(rows, stamps, strict=True):
            pages[path] = _new_stored_page(key, tuple(stamp))
    return pages


CHUNK_ROWS = 2000
"""Rows decoded at a time by `_decoded_chunks`."""


def _decoded_chunks(cursor: sqlite3.Cursor, *columns: int) -> Iterator[tuple[list[Any], ...]]:
    """The cursor's rows, `CHUNK_ROWS` at a time, each chunk with the JSON texts of its
    `columns` decoded, a list for each column (`_json_column`).

    Fetched and decoded a chunk at a time, not all at once: a chunk's rows and decoded
    lists are dropped once made into records, and the next chunk's take their memory.
    All at once, the 100,000 files' took 66 MB more at their peak (the events' 15 MB,
    the pages' 9 MB), memory the load then faulted in (2 us for each 4 KB page on the
    2-core host) and gave back; in chunks the load makes 8,000 page faults fewer.
    """
    while rows := cursor.fetchmany(CHUNK_ROWS):
        yield rows, *(_json_column(row[column] for row in rows) for column in columns)


def _json_column(values: Iterable[str]) -> list[Any]:
    """Each of `values` (JSON texts) decoded, in one `json.loads` of them all: a call for
    each of 200,000 small texts costs more than decoding them."""
    return list(json.loads(f"[{','.join(values)}]"))


def _file_row(file: ReadFile) -> tuple[str, str, str, str]:
    items = [
        ["rejected", i.input, i.line, i.reason] if isinstance(i, Rejected) else ["article", *i]
        for i in file.yielded
    ]
    return (file.path, file.name, json.dumps(file.stamp), json.dumps(items, ensure_ascii=False))


def _read_articles(
    connection: sqlite3.Connection, path: Path, *, same_code: bool
) -> dict[str, StoredArticle]:
    """The articles: only their hashes from other code; from this code, each as a
    `LazyCleanArticle` and its `LazySegment`s, their pickles left in the file
    (`PickledArticle`)."""
    if not same_code:
        return {
            article_id: StoredArticle(hash=digest, clean=None)
            for article_id, digest in connection.execute(
                "SELECT id, hash FROM articles ORDER BY id"
            )
        }
    cursor = connection.execute(
        "SELECT id, hash, source, published, segments FROM articles ORDER BY id"
    )
    stored = ArticleRows(path)
    dates: dict[str | None, date | None] = {None: None}  # a few thousand days: each parsed once
    articles = {}
    for rows, segments in _decoded_chunks(cursor, 4):
        dates.update((day, date.fromisoformat(day)) for day in {r[3] for r in rows} - dates.keys())
        for row, numbers in zip(rows, segments, strict=True):
            articles[row[0]] = _lazy_article(row, dates[row[3]], numbers, stored)
    return articles


def _lazy_article(
    row: tuple[Any, ...], published: date | None, numbers: list[int | None], stored: ArticleRows
) -> StoredArticle:
    """An article's row (id, hash, source) and date, and its segments' numbers, as a
    `StoredArticle` of lazy records. At 100,000 articles a +100 build's load took 1.1-1.2
    user CPU s and 210,000 page faults with every article unpickled (fetching their
    292 MB of pickles 0.27 s, unpickling them 0.65 s), 0.76-0.78 s and 121,000 faults
    with these made instead (about 0.3 s of it); the build's resident memory 1.25 GB
    -> 0.9 GB."""
    article_id, digest, source = row[:3]
    pickled = PickledArticle(stored, article_id, digest)
    clean = _new_lazy_clean(_new_lazy_article(article_id, pickled), source, published, pickled)
    segments = tuple(
        [_new_lazy_segment(clean, number, pickled, index) for index, number in enumerate(numbers)]
    )
    return _new_stored_article(digest, clean, segments, None)


class ArticleRows:
    """The articles' pickles in the state file, fetched one at a time as lazy records ask
    for them (`PickledArticle`), on a connection of their own opened at the first.

    They are a table of their own (`article_data`), so that reading the 100,000 rows'
    ids, hashes and dates reads a few thousand pages, not the pages of their pickles (a
    row or two to a page, 400 MB). The load's CPU time was the same either way when
    measured (0.74-0.79 user s, SQLite's reads served from the page cache).
    """

    __slots__ = ("_connection", "_lock", "_path")

    def __init__(self, path: Path) -> None:
        self._path = path
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def data(self, article_id: str, digest: str) -> bytes:
        """The pickle of the article of this id and content hash.

        Raises:
            ValueError: the file no longer holds it (written since, by other code).
        """
        found = self.fetch("data", [(article_id, digest)])
        if article_id not in found:
            raise ValueError(f"the build state {self._path} no longer holds {article_id}")
        data: bytes = found[article_id]
        return data

    def fetch(self, column: str, keys: Sequence[tuple[str, str]]) -> dict[str, Any]:
        """The `data` or `counts` of the articles of these ids and content hashes that the
        file holds, by id: a query for each `FETCHED_AT_ONCE` of them."""
        found: dict[str, Any] = {}
        with self._lock:
            connection = self._connected()
            for start in range(0, len(keys), FETCHED_AT_ONCE):
                chunk = dict(keys[start : start + FETCHED_AT_ONCE])
                rows = connection.execute(
                    f"SELECT id, hash, {column} FROM articles JOIN article_data USING (id) "  # noqa: S608 ours
                    f"WHERE id IN ({', '.join('?' * len(chunk))})",
                    list(chunk),
                )
                found.update((i, value) for i, digest, value in rows if chunk[i] == digest)
        return found

    def _connected(self) -> sqlite3.Connection:
        if self._connection is None:
            self._connection = sqlite3.connect(
                self._path,
                timeout=BUSY_TIMEOUT_SECONDS,
                isolation_level=None,
                check_same_thread=False,
            )
        return self._connection


FETCHED_AT_ONCE = 500
"""Articles fetched by one query (`ArticleRows.fetch`), well under SQLite's limit on a
statement's parameters."""


def _unpickled_article(data: bytes) -> tuple[CleanArticle, tuple[Segment, ...]]:
    """An article's row data: its cleaning and segments.

    Raises:
        ValueError: the data is not a pickled article.
    """
    clean, segments = _unpickle(data, tuple)
    if not isinstance(clean, CleanArticle):
        raise ValueError(f"expected a CleanArticle, found a {type(clean).__name__}")
    return clean, tuple(segments)


class PickledArticle:
    """An article's cleaning and segments as the state stores them (pickled, in the file:
    its id and content hash find them), fetched and unpickled the first time one of the
    lazy records made of them (`LazyArticle`, `LazyCleanArticle`, `LazySegment`) is
    asked for a field that its row does not hold.

    The same content hash under the same code (the state's fingerprint): the same
    cleaning and segments, whenever they are fetched.
    """

    __slots__ = ("_hash", "_id", "_rows", "_value")

    def __init__(self, rows: ArticleRows, article_id: str, digest: str) -> None:
        self._rows = rows
        self._id = article_id
        self._hash = digest
        self._value: tuple[CleanArticle, tuple[Segment, ...]] | None = None

    def value(self) -> tuple[CleanArticle, tuple[Segment, ...]]:
        """The cleaning and segments, fetched and unpickled once.

        Raises:
            DamagedStateError: the data is not a pickled article, or no longer in the file.
        """
        if self._value is not None:
            return self._value
        name = f"the article {self._id}"
        return self.take(_damage_named(name, partial(self._rows.data, self._id, self._hash)))

    def take(self, data: bytes) -> tuple[CleanArticle, tuple[Segment, ...]]:
        """Unpickle the article's `data`, fetched for it (`fetch_articles`), and keep it.

        Raises:
            DamagedStateError: the data is not a pickled article.
        """
        self._value = _damage_named(f"the article {self._id}", partial(_unpickled_article, data))
        return self._value

    @property
    def unpickled(self) -> bool:
        return self._value is not None


def _damage_named(what: str, read: Callable[[], T]) -> T:
    """`read()`, its failure to read back `what` it reads a `DamagedStateError`."""
    try:
        return read()
    except _UNREADABLE as error:
        raise DamagedStateError(f"{what} cannot be read back: {error}") from error


def fetch_articles(segments: Iterable[Segment]) -> None:
    """Fetch and unpickle at once the stored articles of the `segments` that are lazy
    records not unpickled yet, instead of one query each as their fields are asked for.

    A +100 build at 100,000 articles asks for the texts of 4,000 stored members from
    the grouping's threads: one at a time under `ArticleRows`' lock, a query took about
    80 us there, against 10-20 us alone.

    Raises:
        DamagedStateError: the file cannot be read, or holds something else than an article.
    """
    for rows, pending in _stored_articles_of(segments, unpickled=False).items():
        keys = [(article_id, p._hash) for article_id, p in pending.items()]
        fetched = _damage_named("the stored articles", partial(rows.fetch, "data", keys))
        for article_id, pickled in pending.items():
            if article_id in fetched:  # else it says so when asked (`PickledArticle.value`)
                pickled.take(fetched[article_id])


def kept_counts(segments: Iterable[Segment]) -> dict[str, bytes]:
    """The packed counts the state keeps of the articles of the stored `segments`
    (`StoredArticle.counts`, of all their segments), by article id, fetched at once: none
    of a segment not loaded from the state, nor of an article the state has none of.

    Raises:
        DamagedStateError: the file cannot be read.
    """
    found: dict[str, bytes] = {}
    for rows, articles in _stored_articles_of(segments).items():
        keys = [(article_id, p._hash) for article_id, p in articles.items()]
        fetched = _damage_named("the articles' counts", partial(rows.fetch, "counts", keys))
        found.update((i, counts) for i, counts in fetched.items() if counts is not None)
    return found


def _stored_articles_of(
    segments: Iterable[Segment], *, unpickled: bool = True
) -> dict[ArticleRows, dict[str, PickledArticle]]:
    """The stored articles of the lazy records among `segments` (without those unpickled
    already, unless `unpickled`), by article id, by the file rows they come from."""
    found: dict[ArticleRows, dict[str, PickledArticle]] = {}
    for segment in segments:
        if isinstance(segment, LazySegment) and (unpickled or not segment._pickled.unpickled):
            pickled = segment._pickled
            found.setdefault(pickled._rows, {})[pickled._id] = pickled
    return found


def _itself(value: T) -> T:
    """What a lazy record is pickled as: the record it stands for (its `__reduce__`)."""
    return value


class _Lazy:
    """What the lazy records share: each is equal to, hashes as and is pickled as the
    stored record it stands for (unpickled then)."""

    __slots__ = ()

    def _stored(self) -> object:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return self._stored() == (other._stored() if isinstance(other, _Lazy) else other)

    def __hash__(self) -> int:
        return hash(self._stored())

    def __reduce__(self) -> tuple[Any, ...]:
        return _itself, (self._stored(),)


class LazyArticle(_Lazy, Article):
    """An unchanged article as the state stores it: its id at hand, every other field
    the stored one's, unpickled when first asked for (`PickledArticle`).

    A +100 build asks only the ids of the 100,000 articles it takes unchanged (to collect
    them, and to check that each is in an event); the changed events' members are asked
    for their texts. Pickled (sent to a worker, say) as the stored article itself; not
    to be `dataclasses.replace`d (its lazy fields have no slot to set). Equal to the
    stored article (`_Lazy`).
    """

    __slots__ = ("_pickled",)
    _pickled: PickledArticle

    def _stored(self) -> Article:
        return self._pickled.value()[0].article

    @property
    def source(self) -> str | None:
        return self._stored().source

    @property
    def url(self) -> str | None:
        return self._stored().url

    @property
    def published(self) -> date | None:
        return self._stored().published

    @property
    def title(self) -> str | None:
        return self._stored().title

    @property
    def author(self) -> str | None:
        return self._stored().author

    @property
    def language(self) -> str | None:
        return self._stored().language

    @property
    def text(self) -> str:
        return self._stored().text

    @property
    def origin(self) -> Location:
        return self._stored().origin

    @property
    def notes(self) -> tuple[str, ...]:
        return self._stored().notes


class LazyCleanArticle(_Lazy, CleanArticle):
    """An unchanged article's cleaning as the state stores it: its article (a
    `LazyArticle`), outlet and date at hand (the site's counts and lists of events ask
    for them of every article), every other field unpickled when first asked for
    (`PickledArticle`). Pickled as the stored cleaning; not to be `dataclasses.replace`d."""

    __slots__ = ("_pickled",)
    _pickled: PickledArticle

    def _stored(self) -> CleanArticle:
        return self._pickled.value()[0]

    @property
    def title(self) -> str | None:
        return self._stored().title

    @property
    def subtitle(self) -> str | None:
        return self._stored().subtitle

    @property
    def url(self) -> str | None:
        return self._stored().url

    @property
    def author(self) -> str | None:
        return self._stored().author

    @property
    def text(self) -> str:
        return self._stored().text

    @property
    def removed(self) -> tuple[Removal, ...]:
        return self._stored().removed

    @property
    def page_dates(self) -> tuple[date, ...]:
        return self._stored().page_dates


class LazySegment(_Lazy, Segment):
    """A segment of an unchanged article as the state stores it: its article (a
    `LazyCleanArticle`, which gives its id, outlet and date) and number at hand, its
    title and text unpickled when first asked for (`PickledArticle`): an unchanged event
    needs only its members' ids, outlets and dates. Pickled as the stored segment; not
    to be `dataclasses.replace`d."""

    __slots__ = ("_index", "_pickled")
    _pickled: PickledArticle
    _index: int

    def _stored(self) -> Segment:
        return self._pickled.value()[1][self._index]

    @property
    def title(self) -> str | None:
        return self._stored().title

    @property
    def text(self) -> str:
        return self._stored().text


def _pickled(value: object) -> bytes:
    """`pickle.dumps`, each object of a `_BUILT` class as `_builder` builds it, any other
    frozen dataclass with slots as `_rebuilt` rebuilds it."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.DEFAULT_PROTOCOL).dump(value)
    return buffer.getvalue()


class _Pickler(pickle.Pickler):
    """Pickles the model's objects as a call of their class's builder with their field
    values, each builder named by its number in `_BUILT`.

    Unpickling a frozen dataclass with slots the default way calls its `__setstate__`,
    which looks up the class's fields again for every object; and each class a pickle
    names is looked up by module and name (about a microsecond each, six in an article's
    pickle). Here a pickle names one function, `_builder`, called once for each class it
    holds; the builder it returns sets the slots of an object in straight-line code.
    """

    def reducer_override(self, obj: object) -> Any:
        kind = type(obj)
        code = _CODES.get(kind)
        if code is not None:  # an object of a `_BUILT` class
            setters = _setters_of(kind)
            if not setters:  # a date, an enum member: built by their class (its builder)
                return _builder(code), obj.__reduce_ex__(pickle.DEFAULT_PROTOCOL)[1]
            return _builder(code), tuple(getter(obj) for getter, _ in setters)
        if isinstance(obj, _Lazy):  # a record kept unchanged, written whole again: as stored
            return self.reducer_override(obj._stored())
        if kind is FunctionType or isinstance(obj, type):
            code = _BUILDER_CODES.get(obj)
            if code is not None:  # a builder (or a class that is its own)
                return _builder, (code,)
        setters = _setters_of(kind)
        if not setters:
            return NotImplemented
        return _rebuilt, (kind, tuple(getter(obj) for getter, _ in setters))


_BUILT: tuple[type, ...] = (
    date,
    DifferenceKind,
    EntityKind,
    Location,
    Article,
    Removal,
    CleanArticle,
    Segment,
    Event,
    Value,
    Difference,
    KeyFigure,
    StorySentence,
    UniqueFact,
    Story,
    Entity,
    EventCache,
    StorySummary,
)
"""The classes of the objects the state pickles, by number (part of the state's format:
the fingerprint holds this module's code)."""
_CODES = {kind: code for code, kind in enumerate(_BUILT)}
_BUILDERS: dict[int, Callable[..., object]] = {}
_BUILDER_CODES: dict[object, int] = {}
"""The number of each builder made (hashable: a function or a class)."""


def _builder(code: int) -> Callable[..., object]:
    """What builds the objects of the `_BUILT` class numbered `code` from their field
    values (called by `pickle.loads` once for each class a pickle holds)."""
    builder = _BUILDERS.get(code)
    if builder is None:
        kind = _BUILT[code]
        builder = _make_builder(kind, _setters_of(kind))
        _BUILDERS[code], _BUILDER_CODES[builder] = builder, code
    return builder


def _make_builder(kind: type[T], setters: _Setters) -> Callable[..., T]:
    """A function of the field values of `kind` (a frozen dataclass with slots) that
    makes the object: no loop, no lookup (dataclasses makes its `__init__` the same way);
    `kind` itself for a class that is none (a date, an enum)."""
    if not setters:
        return kind
    names = [f"value{n}" for n in range(len(setters))]
    lines = [
        f"def build({', '.join(names)}):",
        "    made = new(kind)",
        *(f"    set{n}(made, {name})" for n, name in enumerate(names)),
        "    return made",
    ]
    scope: dict[str, Any] = {"new": object.__new__, "kind": kind}
    scope.update((f"set{n}", set_slot) for n, (_, set_slot) in enumerate(setters))
    exec("\n".join(lines), scope)  # noqa: S102 our own code, from the field count alone
    build: Callable[..., T] = scope["build"]
    build.__qualname__ = f"build_{kind.__name__}"
    return build


_Setters = tuple[tuple[Callable[[object], object], Callable[[object, object], None]], ...]
_SETTERS: dict[type, _Setters] = {}


def _setters_of(kind: type) -> _Setters:
    setters = _SETTERS.get(kind)
    return _setters(kind) if setters is None else setters


def _setters(kind: type) -> _Setters:
    """Each field's getter and setter (its slot's descriptor) for a frozen dataclass with
    slots; empty for any other type."""
    params = getattr(kind, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in vars(kind):
        _SETTERS[kind] = ()
        return ()
    slots = [_slot(kind, f.name) for f in dataclasses.fields(kind)]
    _SETTERS[kind] = setters = tuple((slot.__get__, slot.__set__) for slot in slots)
    return setters


def _slot(kind: type, name: str) -> Any:
    return next(vars(k)[name] for k in kind.__mro__ if name in vars(k))


def _rebuilt(kind: type, values: tuple[object, ...]) -> object:
    """A frozen dataclass with slots outside `_BUILT`, pickled by `_Pickler` (called by
    `pickle.loads`)."""
    obj: object = object.__new__(kind)
    for (_, set_slot), value in zip(_setters_of(kind), values, strict=True):
        set_slot(obj, value)
    return obj


_new_read_file = _make_builder(ReadFile, _setters(ReadFile))
"""Makes a `ReadFile` of its field values, in their order."""
_new_stored_event = _make_builder(StoredEvent, _setters(StoredEvent))
_new_stored_page = _make_builder(StoredPage, _setters(StoredPage))
_new_stored_terms = _make_builder(StoredTerms, _setters(StoredTerms))


def _lazy_builder(kind: type[T], names: Iterable[str]) -> Callable[..., T]:
    """Makes a lazy record (`LazySegment`, say) of the values of these slots, in their
    order: of its class's own, and of the record it stands for."""
    setters = tuple((_slot(kind, name).__get__, _slot(kind, name).__set__) for name in names)
    return _make_builder(kind, setters)


_new_stored_article = _make_builder(StoredArticle, _setters(StoredArticle))
"""Makes a `StoredArticle` of its field values, in their order (hash, clean, segments)."""
_new_lazy_article = _lazy_builder(LazyArticle, ("id", "_pickled"))
_new_lazy_clean = _lazy_builder(LazyCleanArticle, ("article", "source", "published", "_pickled"))
_new_lazy_segment = _lazy_builder(LazySegment, ("article", "number", "_pickled", "_index"))


def _unpickle(data: bytes, kind: type[T]) -> T:
    value = pickle.loads(data)  # noqa: S301 written by digest itself (see the module doc)
    if not isinstance(value, kind):
        raise ValueError(f"expected a {kind.__name__}, found a {type(value).__name__}")
    return value


def _write(connection: sqlite3.Connection, stored: Snapshot, new: Snapshot) -> None:
    same_code = stored.fingerprint == new.fingerprint
    connection.execute("DELETE FROM schema_version")
    connection.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
    connection.executemany(
        "INSERT OR REPLACE INTO meta VALUES (?, ?)",
        [("fingerprint", new.fingerprint), ("build", str(new.build))],
    )
    _renew_articles_table(connection)
    _delete_missing(connection, "articles", stored.articles, new.articles)
    _delete_missing(connection, "article_data", stored.articles, new.articles)
    rows = [
        _article_row(article_id, article)
        for article_id, article in _changed(
            new.articles,
            stored.articles if same_code else {},
            lambda old, new: old.hash == new.hash,
        )
    ]
    connection.executemany(
        "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?)", [row[:5] for row in rows]
    )
    connection.executemany(
        "INSERT OR REPLACE INTO article_data VALUES (?, ?, ?)",
        [(row[0], row[5], row[6]) for row in rows],
    )
    _delete_missing(connection, "events", stored.events, new.events)
    connection.executemany(
        "INSERT OR REPLACE INTO events (id, created, members, terms, story_key, story, title, "
        "date) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                event_id,
                event.created,
                json.dumps(event.members),
                json.dumps(event.terms),
                event.story_key,
                event.story if isinstance(event.story, bytes) else _pickled(event.story),
                event.title,
                event.date.isoformat() if event.date else None,
            )
            for event_id, event in _changed(
                new.events,
                stored.events if same_code else {},
                lambda old, new: _event_key(old) == _event_key(new),
            )
        ],
    )
    _delete_missing(connection, "storylines", stored.storylines, new.storylines)
    connection.executemany(
        "INSERT OR REPLACE INTO storylines VALUES (?, ?, ?)",
        [
            (storyline_id, storyline.created, json.dumps(storyline.event_ids))
            for storyline_id, storyline in _changed(new.storylines, stored.storylines, operator.eq)
        ],
    )
    connection.execute("DELETE FROM redirects")
    connection.executemany(
        "INSERT INTO redirects VALUES (?, ?, ?)",
        [(r.kind, r.id, r.target) for r in new.redirects],
    )
    _write_caches(connection, stored, new)


def _write_caches(connection: sqlite3.Connection, stored: Snapshot, new: Snapshot) -> None:
    """The files, pages and event caches: only the rows that changed."""
    same_code = stored.fingerprint == new.fingerprint
    stored_files = stored.files if stored.ingest == new.ingest else {}
    connection.execute("INSERT OR REPLACE INTO meta VALUES ('ingest', ?)", (new.ingest,))
    if stored.ingest != new.ingest:
        connection.execute("DELETE FROM files")
    _delete_missing(connection, "files", stored_files, new.files, column="path")
    connection.executemany(
        "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)",
        [_file_row(f) for _, f in _changed(new.files, stored_files, operator.eq)],
    )
    _delete_missing(connection, "pages", stored.pages, new.pages, column="path")
    connection.executemany(
        "INSERT OR REPLACE INTO pages VALUES (?, ?, ?)",
        [
            (path, page.key, json.dumps(page.stamp))
            for path, page in _changed(new.pages, stored.pages, operator.eq)
        ],
    )
    _write_terms(connection, stored, new)
    _write_entries(connection, stored.entries, new.entries)
    stored_caches = stored.event_caches if same_code else {}
    if not same_code:
        connection.execute("DELETE FROM event_caches")
    _delete_missing(connection, "event_caches", stored_caches, new.event_caches)
    connection.executemany(
        "INSERT OR REPLACE INTO event_caches VALUES (?, ?, ?, ?)",
        [
            (event_id, cache.story_key, cache.json_key, _pickled(cache))
            for event_id, cache in _changed(
                new.event_caches, stored_caches, lambda old, new: _cache_key(old) == _cache_key(new)
            )
        ],
    )


def _write_entries(
    connection: sqlite3.Connection, stored: StoredEntries | None, new: StoredEntries | None
) -> None:
    """The entries' ranges and the file's stamp; the ranges only when they moved (they do
    whenever an entry before them changed: they are rewritten whole)."""
    connection.execute(
        "INSERT OR REPLACE INTO meta VALUES ('json_stamp', ?)",
        (json.dumps(new.stamp) if new else "",),
    )
    if stored is not None and new is not None and stored.ranges == new.ranges:
        return
    connection.execute("DELETE FROM json_entries")
    connection.executemany(
        "INSERT INTO json_entries VALUES (?, ?, ?)",
        sorted(
            (key, start, length) for key, (start, length) in (new.ranges if new else {}).items()
        ),
    )


def _write_terms(connection: sqlite3.Connection, stored: Snapshot, new: Snapshot) -> None:
    """The storylines' term counts that changed, and the terms added to the vocabulary; all
    of them again when the vocabulary is not the stored one grown (other code).

    The terms are indexed (`_vocabulary_order`) here, not with the tables: in the
    transaction that writes them, and in one pass after all of them are written, when
    they are (a first build's save at 100,000 articles takes 0.12 s more so, and took
    0.45 s more with each term indexed as it was written).
    """
    known = len(stored.vocabulary)
    grown = stored.fingerprint == new.fingerprint and new.vocabulary[:known] == stored.vocabulary
    stored_terms = stored.storyline_terms if grown else {}
    if not grown:
        known = 0
        connection.execute("DROP INDEX IF EXISTS vocabulary_terms")
        connection.execute("DELETE FROM vocabulary")
        connection.execute("DELETE FROM storyline_terms")
    connection.executemany(
        "INSERT INTO vocabulary VALUES (?, ?)", enumerate(new.vocabulary[known:], start=known)
    )
    connection.execute("CREATE INDEX IF NOT EXISTS vocabulary_terms ON vocabulary (term)")
    _delete_missing(connection, "storyline_terms", stored_terms, new.storyline_terms)
    connection.executemany(
        "INSERT OR REPLACE INTO storyline_terms VALUES (?, ?, ?, ?)",
        [
            (event_id, terms.story_key, terms.ids, terms.counts)
            for event_id, terms in _changed(new.storyline_terms, stored_terms, operator.eq)
        ],
    )


def _changed(
    new: Mapping[str, T], stored: Mapping[str, T], same: Callable[[T, T], bool]
) -> list[tuple[str, T]]:
    """The rows of `new` to write, in key order: those not `same` as the `stored` row of
    their key, or without one (a row kept as it was, the same object, is skipped at once)."""
    return sorted(
        (key, row)
        for key, row in new.items()
        if (old := stored.get(key)) is not row and (old is None or not same(old, row))
    )


def _article_row(article_id: str, article: StoredArticle) -> tuple[object, ...]:
    """An article's row (id, hash, and what a `LazyCleanArticle` and its `LazySegment`s
    hold at hand: outlet, date, the segments' numbers), then its cleaning and segments
    pickled and its packed counts (its row of `article_data`)."""
    clean = article.clean
    return (
        article_id,
        article.hash,
        clean.source if clean else None,
        clean.published.isoformat() if clean and clean.published else None,
        json.dumps([s.number for s in article.segments]),
        _pickled((clean, article.segments)),
        article.counts,
    )


def _cache_key(cache: EventCache) -> tuple[str, str, tuple[str, ...]]:
    return (cache.story_key, cache.json_key, tuple(sorted(cache.lines)))


def _event_key(event: StoredEvent) -> tuple[object, ...]:
    """What decides whether an event's row must be written again."""
    return (event.created, event.members, event.terms, event.story_key)


def _delete_missing(
    connection: sqlite3.Connection,
    table: str,
    stored: Mapping[str, object],
    new: Mapping[str, object],
    column: str = "id",
) -> None:
    gone = sorted(stored.keys() - new.keys())  # not `set(stored)`: a set of each made first
    connection.executemany(f"DELETE FROM {table} WHERE {column} = ?", [(i,) for i in gone])  # noqa: S608 names of ours


def _is_locked(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)


def _locked(path: Path) -> StateError:
    return StateError(
        f"the build state {path} is locked by another process; "
        "run again when it has finished, or build with --no-state"
    )


def _set_aside(path: Path, error: Exception, current: str) -> Snapshot:
    aside = path.with_name(f"{path.name}.corrupt")
    log.warning(
        "the build state %s is unreadable (%s); moved to %s, building from scratch "
        "(event ids may change once)",
        path,
        error,
        aside,
    )
    for suffix in ("", "-wal", "-shm"):
        companion = Path(f"{path}{suffix}")
        if companion.exists():
            companion.replace(Path(f"{aside}{suffix}"))
    return Snapshot(fingerprint=current)
