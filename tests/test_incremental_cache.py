"""Incremental builds that cost what changed: unchanged input files not opened, unchanged
pages not rendered, storylines linked from kept term counts, and the output byte for byte
that of a build from the same state without any of these caches.

(digest/input_cache.py, digest/render.py's `render_site`, docs/about/incremental.md.)
"""

from __future__ import annotations

import errno
import gc
import hashlib
import json
import os
import shutil
import sqlite3
import threading
from collections.abc import Sequence
from contextlib import closing
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import digest.cluster
import digest.incremental
import digest.ingest
import digest.input_cache
import digest.pipeline
import digest.render
import digest.state
from digest.atomic import OutputError
from digest.config import BuildConfig, make_config
from digest.ingest import FoundFile, Outcome
from digest.model import BuildCache, BuildResult, Segment, Stories, Storyline
from digest.pipeline import build, write_digest
from digest.render import (
    RenderCache,
    RenderedSite,
    RenderOptions,
    events_json,
    file_stamp,
    render_pages,
    render_site,
)
from digest.state import SCHEMA_VERSION, load_state
from tests.conftest import SEEDS
from tests.factories import story
from tests.test_incremental import EVENT_A, EVENT_C, NEW_HEADLINE, UNRELATED, files
from tests.test_render import TEMPLATES, sample_result


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """The seeds, their files stamped a minute ago: old enough to be trusted next time."""
    folder = tmp_path / "inputs"
    shutil.copytree(SEEDS, folder)
    for path in folder.iterdir():
        age(path)
    return folder


def age(path: Path) -> None:
    """Set a file's modification time a minute back (its change time stays now)."""
    stamp = path.stat().st_mtime_ns - 60 * 10**9
    os.utime(path, ns=(stamp, stamp))


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the input files read, build after build; every stamp trusted at once."""
    names: list[str] = []
    read = digest.ingest.read_input_file

    def spy(found: FoundFile) -> list[Outcome]:
        names.append(found.name)
        return read(found)

    monkeypatch.setattr(digest.input_cache, "read_input_file", spy)
    monkeypatch.setattr(digest.pipeline, "read_input_file", spy)  # its engine's reader
    monkeypatch.setattr(digest.input_cache, "RACY_SECONDS", -1.0)
    return names


def config_for(inputs: Path, out: Path, **options: Any) -> BuildConfig:
    """A build of `inputs` into `out/docs` with the state `out/state.sqlite`, no site."""
    return make_config(
        [inputs],
        docs_dir=out / "docs",
        build_site=False,
        state_path=out / "state.sqlite",
        **options,
    )


def run(inputs: Path, out: Path, **options: Any) -> None:
    build(config_for(inputs, out, **options))


def documents(out: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((out / "docs" / "events.json").read_text("utf-8"))
    return found


CACHE_TABLES = ("files", "pages", "event_caches", "storyline_terms", "vocabulary", "json_entries")
"""What a state holds for speed only, besides its events, ids and stories."""


def forget_caches(state: Path) -> None:
    """Keep a state's events, ids and stories, and drop everything added for speed."""
    with sqlite3.connect(state) as connection:
        for table in CACHE_TABLES:
            connection.execute(f"DELETE FROM {table}")  # noqa: S608 our own table names


def built_twice(inputs: Path, tmp_path: Path) -> tuple[Path, Path]:
    """`inputs` built with a state into `tmp_path/cached`, and a copy of that state without
    its caches and without the docs in `tmp_path/fresh`."""
    cached, fresh = tmp_path / "cached", tmp_path / "fresh"
    run(inputs, cached)
    shutil.copytree(cached, fresh)
    forget_caches(fresh / "state.sqlite")
    shutil.rmtree(fresh / "docs")
    return cached, fresh


# --- Garbage collection -----------------------------------------------------------------


def test_a_build_with_a_state_renders_with_the_result_frozen(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stored state and the pipeline's result are left out of the collector's walks
    while the pages render (`gc.freeze`), and given back to it after the build."""
    run(inputs, tmp_path)
    (inputs / "tram.txt").write_text(UNRELATED, encoding="utf-8")
    render_site = digest.render.render_site
    walked: list[bool] = []

    def render_and_look(result: BuildResult, *args: Any, **kwargs: Any) -> Any:
        tracked = {id(o) for o in gc.get_objects()}
        walked.extend(id(event) in tracked for event in result.stories.events)
        return render_site(result, *args, **kwargs)

    monkeypatch.setattr(digest.render, "render_site", render_and_look)
    run(inputs, tmp_path)

    assert walked
    assert not any(walked)
    assert gc.get_freeze_count() == 0


# --- Inputs -----------------------------------------------------------------------------


def test_unchanged_input_files_are_not_opened(
    inputs: Path, tmp_path: Path, opened: list[str]
) -> None:
    run(inputs, tmp_path)
    assert len(opened) == len(list(inputs.iterdir()))
    opened.clear()
    (inputs / "tram.txt").write_text(UNRELATED, encoding="utf-8")
    (inputs / EVENT_C).write_text(UNRELATED.replace("tram", "ferry"), encoding="utf-8")

    run(inputs, tmp_path)

    assert sorted(opened) == [EVENT_C, "tram.txt"]
    assert "tram.txt" in {m["article"] for e in documents(tmp_path)["events"] for m in e["members"]}


def test_a_file_rewritten_with_its_size_and_mtime_is_read_again(
    inputs: Path, tmp_path: Path, opened: list[str]
) -> None:
    run(inputs, tmp_path)
    opened.clear()
    path = inputs / EVENT_C
    before = path.stat()
    text = path.read_text("utf-8")
    path.write_text(text.replace("December", "Decembre"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # the change time moves on
    assert path.stat().st_size == before.st_size

    run(inputs, tmp_path)

    assert opened == [EVENT_C]


def test_a_file_modified_just_before_a_build_is_read_again_by_the_next(
    inputs: Path, tmp_path: Path, opened: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(digest.input_cache, "RACY_SECONDS", 3600.0)  # everything is recent
    run(inputs, tmp_path)
    opened.clear()

    run(inputs, tmp_path)

    assert len(opened) == len(list(inputs.iterdir()))  # nothing was trusted


def test_a_deleted_file_loses_its_articles_and_a_rejected_file_stays_rejected(
    inputs: Path, tmp_path: Path, opened: list[str]
) -> None:
    (inputs / "broken.jsonl").write_text('{"title": "x", "text": 1}\n', encoding="utf-8")
    age(inputs / "broken.jsonl")
    run(inputs, tmp_path)
    first = documents(tmp_path)
    opened.clear()
    (inputs / EVENT_A).unlink()

    run(inputs, tmp_path)

    second = documents(tmp_path)
    assert opened == []
    assert second["rejected"] == first["rejected"] != []
    members = {m["article"] for e in second["events"] for m in e["members"]}
    assert EVENT_A not in members


# --- The output: as without the caches -----------------------------------------------------


def add_two_articles(inputs: Path) -> None:
    (inputs / "zz-wire.txt").write_text(NEW_HEADLINE, encoding="utf-8")
    (inputs / "tram.txt").write_text(UNRELATED, encoding="utf-8")


def change_and_delete(inputs: Path) -> None:
    (inputs / EVENT_C).unlink()
    (inputs / EVENT_A).write_text(UNRELATED, encoding="utf-8")


@pytest.mark.parametrize("change", [add_two_articles, change_and_delete])
def test_an_incremental_build_writes_the_bytes_of_a_build_without_caches(
    inputs: Path, tmp_path: Path, change: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Build, change the inputs, build again from the state with its caches (`cached`),
    and from a copy of the same state without them and without the docs (`fresh`)."""
    rendered: list[str] = []
    render_event = digest.render._render_event

    def spy(env: Any, entry: Any, site: Any) -> str:
        rendered.append(entry.id)
        return render_event(env, entry, site)

    monkeypatch.setattr(digest.render, "_render_event", spy)
    cached, fresh = built_twice(inputs, tmp_path)
    change(inputs)

    rendered.clear()
    run(inputs, cached)
    rendered_with_caches = len(rendered)
    rendered.clear()
    run(inputs, fresh)

    with_caches = {k: v[0] for k, v in files(cached / "docs").items()}
    assert with_caches == {k: v[0] for k, v in files(fresh / "docs").items()}
    events = len(documents(cached)["events"])
    assert len(rendered) == events  # without caches, every event page is rendered
    assert rendered_with_caches < events  # with them, only the changed events' pages


def test_a_generated_page_edited_by_hand_is_made_again(inputs: Path, tmp_path: Path) -> None:
    run(inputs, tmp_path)
    page = tmp_path / "docs" / documents(tmp_path)["events"][0]["page"]
    generated = page.read_bytes()
    page.write_bytes(b"# edited\n")

    run(inputs, tmp_path)

    assert page.read_bytes() == generated


def test_the_next_state_stats_only_the_pages_written_and_records_every_page_as_it_is(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page left as it was keeps its recorded stamp (not stat-ed again after the
    swap); the pages rendered are stat-ed; either way the state holds the file's stamp."""
    run(inputs, tmp_path)
    docs = tmp_path / "docs"
    page = docs / documents(tmp_path)["events"][0]["page"]
    page.write_bytes(b"# edited\n")
    asked: list[list[str]] = []
    stamps = digest.render.page_stamps

    def spy(docs_dir: Path, paths: Any) -> dict[str, tuple[int, ...]]:
        asked.append(list(paths))
        return stamps(docs_dir, asked[-1])

    monkeypatch.setattr(digest.render, "page_stamps", spy)
    run(inputs, tmp_path)

    with closing(sqlite3.connect(tmp_path / "state.sqlite")) as connection:
        rows = connection.execute("SELECT path, stamp FROM pages").fetchall()
    recorded = {path: json.loads(stamp) for path, stamp in rows}
    on_disk = {
        path: [(docs / path).stat().st_size, (docs / path).stat().st_mtime_ns] for path in recorded
    }
    assert recorded == on_disk
    stat_ed = asked[-1]  # by the next state (the first call: the pages kept, before rendering)
    assert page.relative_to(docs).as_posix() in stat_ed
    assert len(stat_ed) < len(recorded)


def test_an_incremental_build_unpickles_no_story_it_does_not_tell_again(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An article of a new event added: the unchanged events' stories stay pickled (their
    pages are kept, and the index pages list them from their stored summaries), and the
    pages are those of a build without caches (`test_an_incremental_build_writes_...`)."""
    unpickled: list[str] = []
    stored_story = digest.state.stored_story

    def spy(data: bytes, event: Any) -> Any:
        unpickled.append(event.id)
        return stored_story(data, event)

    monkeypatch.setattr(digest.incremental, "stored_story", spy)
    run(inputs, tmp_path)
    (inputs / "tram.txt").write_text(UNRELATED, encoding="utf-8")
    run(inputs, tmp_path)
    assert unpickled == []

    (tmp_path / "docs" / "events" / f"{documents(tmp_path)['events'][-1]['id']}.md").unlink()
    run(inputs, tmp_path)
    assert unpickled == [documents(tmp_path)["events"][-1]["id"]]  # its page made again


def test_an_incremental_build_unpickles_only_the_articles_it_links_again(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unrelated article added: every stored article stays pickled (a `LazySegment`
    and its article give their ids, outlets and dates from the state's row). A report of
    event A added: those of the events it is linked with are unpickled, and their counts
    taken from the state (none counted again), and no other. The pages are those of a
    build without caches."""
    unpickled: list[str] = []
    unpickled_article = digest.state._unpickled_article

    def spy(data: bytes) -> Any:
        value = unpickled_article(data)
        unpickled.append(value[0].id)
        return value

    linked: list[str] = []
    kept_counts = digest.state.kept_counts

    def taken(segments: Sequence[Any]) -> Any:
        linked.extend(s.article.id for s in segments)
        return kept_counts(segments)

    counted: list[str] = []
    count_on = digest.pipeline.count_on

    def counted_on(engine: Any, segments: Sequence[Any]) -> Any:
        counted.extend(s.article.id for s in segments)
        return count_on(engine, segments)

    monkeypatch.setattr(digest.state, "_unpickled_article", spy)
    monkeypatch.setattr(digest.incremental, "kept_counts", taken)
    monkeypatch.setattr(digest.pipeline, "count_on", counted_on)
    cached, fresh = built_twice(inputs, tmp_path)
    (inputs / "tram.txt").write_text(UNRELATED, encoding="utf-8")
    run(inputs, cached)
    assert (unpickled, linked, counted) == ([], [], [])

    (inputs / "zz-wire.txt").write_text(NEW_HEADLINE, encoding="utf-8")
    run(inputs, cached)
    assert EVENT_A in linked
    assert sorted(set(unpickled)) == sorted(set(linked))
    assert counted == []

    run(inputs, fresh)
    assert files(cached / "docs").keys() == files(fresh / "docs").keys()
    for name, (data, _) in files(fresh / "docs").items():
        assert files(cached / "docs")[name][0] == data, name


@pytest.mark.parametrize("column", ["data", "counts"])
def test_a_damaged_pickle_a_build_asks_for_stops_it_naming_the_state(
    inputs: Path, tmp_path: Path, column: str
) -> None:
    """The articles are read back when a build needs their text or counts (here event A's,
    linked with a new report of it): a damaged one stops the build with the state file
    named, as a clear error (a `StateError`, which the command line prints), and the
    published docs are left as they were."""
    run(inputs, tmp_path)
    state = tmp_path / "state.sqlite"
    with sqlite3.connect(state) as connection:
        damage = f"UPDATE article_data SET {column} = x'00' WHERE id = ?"  # noqa: S608 ours
        connection.execute(damage, (EVENT_A,))
    before = files(tmp_path / "docs")
    (inputs / "zz-wire.txt").write_text(NEW_HEADLINE, encoding="utf-8")

    with pytest.raises(digest.state.StateError, match=f"build state {state} is damaged"):
        run(inputs, tmp_path)
    assert files(tmp_path / "docs") == before


def as_older_schema(state: Path, version: int, *statements: str) -> None:
    """Make a built state one an older digest wrote: `statements` undo what came after
    schema `version`, and its fingerprint is another code's (the schema is part of it)."""
    with sqlite3.connect(state) as connection:
        for statement in statements:
            connection.execute(statement)
        connection.execute("UPDATE schema_version SET version = ?", (version,))
        connection.execute(
            "UPDATE meta SET value = ? WHERE key = 'fingerprint'", (f"schema {version}",)
        )


def test_a_state_of_schema_2_gains_the_events_titles_and_dates(
    inputs: Path, tmp_path: Path
) -> None:
    """Its stories were written by other code (the fingerprint holds the schema): its
    events keep their ids, and the next build fills in the new columns."""
    run(inputs, tmp_path)
    state = tmp_path / "state.sqlite"
    as_older_schema(
        state, 2, "ALTER TABLE events DROP COLUMN title", "ALTER TABLE events DROP COLUMN date"
    )
    before = documents(tmp_path)

    run(inputs, tmp_path)

    assert documents(tmp_path) == before
    with sqlite3.connect(state) as connection:
        rows = connection.execute("SELECT id, title, date FROM events ORDER BY id").fetchall()
    published = sorted((e["id"], e["title"], e["date"]) for e in before["events"])
    assert rows == published


def test_a_state_of_schema_4_gains_the_articles_counts(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It has no counts column: the next build (other code's state: its files read and
    every article grouped again) adds it and fills it; a build after that links the
    stored members from those counts, none counted again."""
    run(inputs, tmp_path)
    state = tmp_path / "state.sqlite"
    as_older_schema(state, 4, "ALTER TABLE article_data DROP COLUMN counts")
    before = documents(tmp_path)

    run(inputs, tmp_path)

    assert documents(tmp_path) == before
    with closing(sqlite3.connect(state)) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(article_data)")]
        rows = connection.execute("SELECT count(*), count(counts) FROM article_data").fetchone()
    assert columns == ["id", "data", "counts"]
    assert rows[0] == rows[1] > 0
    monkeypatch.setattr(digest.pipeline, "count_on", lambda *_: pytest.fail("counted again"))
    (inputs / "zz-wire.txt").write_text(NEW_HEADLINE, encoding="utf-8")
    run(inputs, tmp_path)


def test_a_state_without_the_index_of_terms_gains_it_and_the_build_after_sorts_none(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A state of this schema written before the vocabulary's terms were indexed: the next
    build sorts the terms present (as a first build does) and its save indexes them; the
    build after takes their order from the state, grown by its new terms."""
    run(inputs, tmp_path)
    with closing(sqlite3.connect(tmp_path / "state.sqlite")) as connection:
        connection.execute("DROP INDEX vocabulary_terms")
    sorted_terms: list[int] = []
    sorting_order = digest.cluster._sorting_order

    def spy(terms: list[str]) -> list[int]:
        sorted_terms.append(len(terms))
        return sorting_order(terms)

    monkeypatch.setattr(digest.cluster, "_sorting_order", spy)
    (inputs / "zz-wire.txt").write_text(NEW_HEADLINE, encoding="utf-8")
    run(inputs, tmp_path)
    assert len(sorted_terms) == 1
    (inputs / "zz-tram.txt").write_text(UNRELATED, encoding="utf-8")
    run(inputs, tmp_path)
    assert len(sorted_terms) == 1


def test_a_state_of_schema_3_has_its_articles_table_made_again(
    inputs: Path, tmp_path: Path
) -> None:
    """Its articles were written by other code: the next build writes them all again, in
    a table without their pickles (those go in `article_data`); the build after takes
    them from there."""
    run(inputs, tmp_path)
    state = tmp_path / "state.sqlite"
    as_older_schema(
        state,
        3,
        "CREATE TABLE old AS SELECT id, hash, data FROM articles JOIN article_data USING (id)",
        "DROP TABLE articles",
        "DROP TABLE article_data",
        "ALTER TABLE old RENAME TO articles",
    )
    before = documents(tmp_path)

    run(inputs, tmp_path)

    assert documents(tmp_path) == before
    with closing(sqlite3.connect(state)) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(articles)")]
        (pickles,) = connection.execute("SELECT count(*) FROM article_data").fetchone()
    assert columns == ["id", "hash", "source", "published", "segments"]
    assert pickles == len(load_state(state, "").articles)
    stored = load_state(state, digest.state.fingerprint(BuildConfig().cluster_threshold))
    assert {type(a.clean) for a in stored.articles.values()} == {digest.state.LazyCleanArticle}
    (inputs / "tram.txt").write_text(UNRELATED, encoding="utf-8")
    run(inputs, tmp_path)
    assert len(documents(tmp_path)["events"]) == len(before["events"]) + 1


def test_a_state_of_schema_1_gains_the_new_tables(inputs: Path, tmp_path: Path) -> None:
    run(inputs, tmp_path)
    state = tmp_path / "state.sqlite"
    with sqlite3.connect(state) as connection:
        for table in CACHE_TABLES:
            connection.execute(f"DROP TABLE {table}")
        connection.execute("UPDATE schema_version SET version = 1")
    before = documents(tmp_path)

    run(inputs, tmp_path)

    assert documents(tmp_path) == before
    with sqlite3.connect(state) as connection:
        assert connection.execute("SELECT version FROM schema_version").fetchall() == [
            (SCHEMA_VERSION,)
        ]
        assert connection.execute("SELECT count(*) FROM pages").fetchone()[0] > 0


def reindented(events_json: Path) -> None:
    """The same document written by other code: other bytes, every entry elsewhere."""
    document = json.loads(events_json.read_text("utf-8"))
    events_json.write_text(json.dumps(document, indent=4), encoding="utf-8")


def edited_in_place(events_json: Path) -> None:
    """One byte of an entry changed, the file's size kept (its mtime moves on)."""
    data = bytearray(events_json.read_bytes())
    at = data.index(b'"title": "') + len(b'"title": "')
    data[at] = ord("#")
    events_json.write_bytes(bytes(data))


def relaid_with_its_stamp(events_json: Path) -> None:
    """Other bytes of the same size and modification time (edited within the time
    stamp's granularity): the entries are elsewhere."""
    before = events_json.stat()
    text = json.dumps(json.loads(events_json.read_text("utf-8")), ensure_ascii=False, indent=1)
    data = text.encode("utf-8")
    events_json.write_bytes(data + b" " * (before.st_size - len(data)))
    os.utime(events_json, ns=(before.st_atime_ns, before.st_mtime_ns))


@pytest.mark.parametrize(
    "touch",
    [None, edited_in_place, reindented, Path.unlink, relaid_with_its_stamp],
    ids=["as-published", "edited", "other-code", "missing", "same-stamp"],
)
def test_events_json_copied_from_the_last_one_is_the_one_made_from_scratch(
    inputs: Path, tmp_path: Path, touch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unchanged entries are copied from the published `events.json` while it is the
    file the last build wrote; edited, missing or of other code, they are made again: the
    same bytes as a build without caches either way."""
    made: list[str] = []
    fragment = digest.render._event_fragment

    def spy(entry: Any) -> str:
        made.append(entry.id)
        return fragment(entry)

    monkeypatch.setattr(digest.render, "_event_fragment", spy)
    cached, fresh = built_twice(inputs, tmp_path)
    if touch is not None:
        touch(cached / "docs" / "events.json")
    add_two_articles(inputs)

    made.clear()
    run(inputs, cached)
    made_with_caches = len(made)
    run(inputs, fresh)

    expected = (fresh / "docs" / "events.json").read_bytes()
    assert (cached / "docs" / "events.json").read_bytes() == expected
    events = len(documents(cached)["events"])
    if touch is None:
        assert made_with_caches < events
    else:
        assert made_with_caches >= events - 2  # the two new ones' pages are made with them


def test_events_json_failing_to_copy_on_the_writers_thread_fails_the_build_as_before(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`events.json`'s entries are copied on the docs writer's thread while the other
    pages are rendered: a disk filling up there is the build's `OutputError`, its message
    that of any page failing to be written, and the published docs stay as they were."""
    run(inputs, tmp_path)
    published = {p: p.read_bytes() for p in (tmp_path / "docs").rglob("*") if p.is_file()}
    add_two_articles(inputs)
    threads: list[str] = []

    def disk_full(*args: int) -> None:
        threads.append(threading.current_thread().name)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(digest.render, "_copy_range", disk_full)
    with pytest.raises(OutputError) as raised:
        run(inputs, tmp_path)

    docs = tmp_path / "docs"
    assert str(raised.value) == (
        f"cannot write {docs}: {os.strerror(errno.ENOSPC)}; the published {docs} is untouched"
    )
    assert threads
    assert threading.main_thread().name not in threads
    assert {p: p.read_bytes() for p in docs.rglob("*") if p.is_file()} == published


def test_events_json_is_copied_from_itself_in_place_by_write_digest(
    inputs: Path, tmp_path: Path
) -> None:
    """`write_digest` (the MkDocs plugin's way) writes into the published docs: the new
    file is put together from the old one beside it, then renamed over it."""
    config = config_for(inputs, tmp_path)
    write_digest(config)
    first = file_stamp(tmp_path / "docs" / "events.json")
    write_digest(config)
    assert file_stamp(tmp_path / "docs" / "events.json") == first  # copied from itself: kept
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    shutil.copy(tmp_path / "state.sqlite", fresh / "state.sqlite")
    forget_caches(fresh / "state.sqlite")
    add_two_articles(inputs)

    write_digest(config)

    run(inputs, fresh)
    assert (tmp_path / "docs" / "events.json").read_bytes() == (
        fresh / "docs" / "events.json"
    ).read_bytes()
    stored = load_state(tmp_path / "state.sqlite", "any")
    assert stored.entries is not None
    assert stored.entries.stamp == file_stamp(tmp_path / "docs" / "events.json")
    with (tmp_path / "docs" / "events.json").open("rb") as file:
        for start, length in stored.entries.ranges.values():
            file.seek(start)
            entry = file.read(length)
            assert entry.startswith(b'    {\n      "id": ')
            assert entry.endswith(b"\n    }")


# --- Rendering, without building ----------------------------------------------------------


def keyed_result() -> Any:
    """The render tests' sample, with story keys as a build with a state gives them."""
    result = sample_result()
    keys = {story.event.id: f"story of {story.event.id}" for story in result.stories}
    return replace(result, cache=BuildCache(story_keys=keys))


OPTIONS = RenderOptions(templates_dir=TEMPLATES, locale="en")


def test_rendering_with_its_own_cache_keeps_every_page_but_the_json_and_redirects() -> None:
    result = keyed_result()
    first = render_site(result, OPTIONS)

    second = render_site(result, OPTIONS, first.cache)

    everything = render_pages(result, templates_dir=TEMPLATES, locale="en")
    assert first.pages == everything
    assert second.kept == set(first.cache.pages) == set(everything) - {"events.json"}
    assert second.pages == {"events.json": everything["events.json"]}


def test_a_changed_story_renders_its_page_and_the_pages_listing_it_again() -> None:
    result = keyed_result()
    first = render_site(result, OPTIONS)
    story = result.stories[0]
    changed_story = replace(story, event=replace(story.event, title="A new title for A"))
    assert result.cache is not None
    changed = replace(
        result,
        stories=Stories.of((changed_story, *result.stories[1:])),
        cache=replace(
            result.cache,
            story_keys={**result.cache.story_keys, story.event.id: "another story"},
        ),
    )

    second = render_site(changed, OPTIONS, first.cache)

    everything = render_pages(changed, templates_dir=TEMPLATES, locale="en")
    assert {path: everything[path] for path in second.pages} == second.pages
    assert f"events/{story.event.id}.md" in second.pages
    assert "index.md" in second.pages
    assert f"events/{result.stories[1].event.id}.md" in second.kept


def test_events_json_put_together_from_entries_is_the_document_dumped_at_once() -> None:
    result = sample_result()
    document = json.loads(events_json(result))

    assert events_json(result) == json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    empty = replace(result, stories=Stories.of(()), storylines=())
    assert events_json(empty) == (
        json.dumps(json.loads(events_json(empty)), ensure_ascii=False, indent=2) + "\n"
    )


def test_a_render_cache_without_story_keys_renders_everything() -> None:
    result = sample_result()  # no BuildResult.cache: a build without a state
    rendered = render_site(result, OPTIONS, RenderCache(pages={"index.md": "whatever"}))
    assert rendered.kept == frozenset()
    assert rendered.pages == render_pages(result, templates_dir=TEMPLATES, locale="en")


def test_a_build_with_a_state_cleans_the_files_it_reads_on_the_engine(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading, cleaning and segmenting run together on the engine (`pipeline._read_file`),
    as without a state: nothing is cleaned again in this process."""
    read_on_engine: list[str] = []
    read_file = digest.pipeline._read_file

    def spy(found: FoundFile) -> Any:
        read_on_engine.append(found.name)
        return read_file(found)

    def refuse(article: object) -> None:
        raise AssertionError("cleaned again in the build's process")

    monkeypatch.setattr(digest.pipeline, "_read_file", spy)
    monkeypatch.setattr(digest.incremental, "clean", refuse)
    run(inputs, tmp_path)
    assert sorted(read_on_engine) == sorted(p.name for p in inputs.iterdir())
    assert documents(tmp_path)["events"]


def test_key_terms_from_the_reading_and_lead_counts_are_those_of_the_leads_counted() -> None:
    from collections import Counter

    from digest.clean import clean
    from digest.cluster import count_segment, segment_terms
    from digest.incremental import KEY_LEAD_CHARS, KEY_MEMBERS, KEY_TERMS, key_terms, lead_counts
    from digest.ingest import read_inputs
    from digest.segment import split_segments

    segments = [s for a in read_inputs([SEEDS]).articles for s in split_segments(clean(a))]
    assert 0 < sum(len(s.text) <= KEY_LEAD_CHARS for s in segments) < len(segments)
    counts = {s.id: count_segment(s) for s in segments}
    leads = {s.id: lead for s in segments if (lead := lead_counts(s)) is not None}
    for start in range(len(segments)):
        members = segments[start : start + KEY_MEMBERS]
        counted: Counter[str] = Counter()
        for member in members:
            counted.update(segment_terms(replace(member, text=member.text[:KEY_LEAD_CHARS])))
        heaviest = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:KEY_TERMS]
        expected = tuple(sorted(term for term, _ in heaviest))
        assert key_terms(members, counts, leads) == key_terms(members) == expected


def test_a_first_build_keeps_the_key_terms_of_the_events_members(
    inputs: Path, tmp_path: Path
) -> None:
    from digest.incremental import key_terms
    from digest.state import fingerprint, load_state

    config = make_config(
        [inputs], docs_dir=tmp_path / "docs", build_site=False, state_path=tmp_path / "s.sqlite"
    )
    build(config)
    stored = load_state(config.state_path or Path(), fingerprint(config.cluster_threshold))
    segments = {s.id: s for a in stored.articles.values() for s in a.segments}
    assert stored.events
    for event in stored.events.values():
        assert event.terms == key_terms([segments[m] for m in event.members])


def test_the_lines_listing_unchanged_events_are_kept_and_a_changed_events_made_again() -> None:
    result = keyed_result()
    first = render_site(result, OPTIONS)
    story = result.stories[0]
    assert result.cache is not None
    changed = replace(
        result,
        stories=Stories.of(
            (
                replace(story, event=replace(story.event, title="A new title")),
                *result.stories[1:],
            )
        ),
        cache=replace(
            result.cache, story_keys={**result.cache.story_keys, story.event.id: "another story"}
        ),
    )
    assert first.cache.lines
    assert all(first.cache.lines.values())
    marked = {
        key: {way: f"(kept {way})" for way in lines} for key, lines in first.cache.lines.items()
    }

    second = render_site(changed, OPTIONS, replace(first.cache, lines=marked))

    listing = [page for path, page in second.pages.items() if path.endswith(".md")]
    assert any("(kept " in page for page in listing)  # the unchanged events' lines
    assert any("A new title" in page and "(kept " in page for page in listing)
    made = second.cache.lines[second.cache.json_keys[story.event.id]]
    assert made
    assert not any("(kept " in line for line in made.values())


def test_the_next_state_keeps_the_records_of_what_did_not_change(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An article taken from the state, and an event with the same members and story (and
    its storyline terms), keep their stored records themselves (nothing made again for the
    unchanged); the new ones get records of their own, with their segments."""
    run(inputs, tmp_path)
    made: list[tuple[Any, Any]] = []
    save = digest.state.save_state

    def spy(path: Path, stored: Any, new: Any) -> None:
        made.append((stored, new))
        save(path, stored, new)

    monkeypatch.setattr(digest.pipeline, "save_state", spy)
    add_two_articles(inputs)
    run(inputs, tmp_path)

    ((stored, new),) = made
    added = set(new.articles) - set(stored.articles)
    assert len(added) == 2
    for article_id, record in new.articles.items():
        assert (record is stored.articles.get(article_id)) == (article_id not in added)
        assert record.segments
        assert all(s.article is record.clean for s in record.segments)
    kept = [e for e in new.events if e in stored.events and new.events[e] is stored.events[e]]
    changed = set(new.events) - set(kept)
    assert kept
    assert changed
    for event_id in changed:
        members = new.events[event_id].members
        assert any(m.split("#")[0] in added for m in members) or event_id not in stored.events
    for event_id, terms in new.storyline_terms.items():
        assert (terms is stored.storyline_terms.get(event_id)) == (event_id in kept)


# --- Page keys worked out only for the pages of what changed -------------------------------

PLACES = {
    "paris": "Leaders met in Paris.",
    "berlin": "Ministers met in Berlin.",
    "both": "Leaders met in Paris. Ministers met in Berlin.",
    "madrid": "Talks were held in Madrid.",
}
WORLD = [
    # id, day, outlets, place, storyline
    *((f"e{n:02}", date(2020, 1, 1 + n % 9), ["Agency"], "paris", None) for n in range(12)),
    *(
        (f"f{n:02}", date(2020, 2, 1 + n % 4), ["Agency", "Wire"], "both", "s1" if n < 2 else None)
        for n in range(6)
    ),
    *((f"g{n:02}", date(2020, 3, 2 + n), ["Wire"], "berlin", None) for n in range(4)),
    ("h00", None, ["Wire"], "madrid", None),
    ("h01", date(2019, 12, 30), ["Gazette"], "madrid", "s2"),
]


def world(events: Sequence[tuple[Any, ...]]) -> BuildResult:
    """Events of a few outlets, tags, days and storylines, each story keyed by its content
    (as a build with a state keys it)."""
    stories = tuple(
        story(i, day, outlets, text=PLACES[place], storyline=storyline)
        for i, day, outlets, place, storyline in events
    )
    storylines = tuple(
        Storyline(id=s, title=f"Storyline {s}", event_ids=tuple(e[0] for e in events if e[4] == s))
        for s in sorted({e[4] for e in events if e[4]})
    )
    keys = {s.event.id: hashlib.sha256(repr(s).encode()).hexdigest() for s in stories}
    articles = tuple(s.article for st in stories for s in st.event.segments)
    return BuildResult(
        stories=Stories.of(stories),
        storylines=storylines,
        rejected=(),
        articles=articles,
        cache=BuildCache(story_keys=keys),
    )


def edited(**changes: tuple[Any, ...] | None) -> list[tuple[Any, ...]]:
    """The world with these events changed (None: gone), new ones last."""
    kept = [changes.get(e[0], e) for e in WORLD]
    new = [e for i, e in changes.items() if i not in {w[0] for w in WORLD} and e]
    return [e for e in kept if e] + new


CHANGES = {
    "added on a new day": edited(n00=("n00", date(2020, 1, 20), ["Agency"], "paris", None)),
    "removed, its day gone": edited(g01=None),
    "moved to another tag": edited(e03=("e03", date(2020, 1, 4), ["Agency"], "berlin", None)),
    "moved to another outlet": edited(g02=("g02", date(2020, 3, 4), ["Agency"], "berlin", None)),
    "moved to another day": edited(e05=("e05", date(2020, 2, 3), ["Agency"], "paris", None)),
    "moved to another month's end": edited(
        h01=("h01", date(2020, 3, 31), ["Gazette"], "madrid", "s2")
    ),
    "moved to another storyline": edited(e01=("e01", date(2020, 1, 2), ["Agency"], "paris", "s1")),
    "undated": edited(g03=("g03", None, ["Wire"], "berlin", None)),
    "a tag gone": edited(h00=None, h01=None),
}


def published(rendered: RenderedSite, folder: Path) -> RenderCache:
    """What a build with a state gives `render_site` after `rendered`: its cache, with the
    `events.json` it made in a file (where the changed events' entries are read back)."""
    path = folder / "events.json"
    path.write_text(rendered.pages["events.json"], encoding="utf-8")
    return replace(rendered.cache, entries_file=path)


@pytest.mark.parametrize("change", CHANGES)
def test_pages_kept_unseen_are_those_a_full_render_keys_the_same(
    change: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With the last build's keys, the pages of the tags, months and days no changed event
    falls near are kept without their keys worked out; every key, kept page and rendered
    page is that of rendering everything."""
    monkeypatch.setattr(digest.render, "LISTED_EVENTS", 3)
    monkeypatch.setattr(digest.render, "MONTH_LISTED_EVENTS", 3)
    keyed: list[str] = []
    of = digest.render._PageKeys.of

    def spy(self: Any, template: str, parts: object) -> str:
        keyed.append(template)
        return of(self, template, parts)

    monkeypatch.setattr(digest.render._PageKeys, "of", spy)
    before, after = world(WORLD), world(CHANGES[change])
    first = render_site(before, OPTIONS)
    keyed.clear()
    everything = render_site(after, OPTIONS)
    keyed_for_everything = len(keyed)
    keyed.clear()

    second = render_site(after, OPTIONS, published(first, tmp_path))

    assert second.cache.pages == everything.cache.pages
    assert set(second.pages) | second.kept == set(everything.pages)
    assert {path: everything.pages[path] for path in second.pages} == second.pages
    assert {path: first.pages[path] for path in second.kept} == {
        path: everything.pages[path] for path in second.kept
    }
    assert len(keyed) < keyed_for_everything


def test_a_page_not_as_the_last_build_left_it_is_rendered_though_nothing_changed_near_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(digest.render, "LISTED_EVENTS", 3)
    monkeypatch.setattr(digest.render, "MONTH_LISTED_EVENTS", 3)
    first = render_site(world(WORLD), OPTIONS)
    edited_by_hand = ["tags/paris/2020-01-02.md", "sources/wire/2020-02.md", "tags/madrid.md"]
    intact = {k: v for k, v in first.cache.pages.items() if k not in edited_by_hand}
    after = world(CHANGES["added on a new day"])

    second = render_site(after, OPTIONS, replace(published(first, tmp_path), pages=intact))

    assert set(edited_by_hand) <= set(second.pages)
    assert second.pages == {p: render_site(after, OPTIONS).pages[p] for p in second.pages}


def test_a_new_render_fingerprint_renders_every_page() -> None:
    result = world(WORLD)
    first = render_site(result, OPTIONS)
    other = replace(OPTIONS, site_url="https://example.org/")

    second = render_site(result, other, first.cache)

    assert second.kept == frozenset()
    assert second.pages == render_site(result, other).pages


def test_stored_articles_fetched_at_once_are_those_fetched_one_at_a_time(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`fetch_articles` and `kept_counts` query the file a few articles at a time (here
    two): each lazy segment then holds what it would have fetched alone, and an article
    the file no longer holds (another content hash) is left to say so when asked."""
    run(inputs, tmp_path)
    state = tmp_path / "state.sqlite"
    current = digest.state.fingerprint(BuildConfig().cluster_threshold)
    alone = {s.id: s for a in load_state(state, current).articles.values() for s in a.segments}
    segments = [s for a in load_state(state, current).articles.values() for s in a.segments]
    late = load_state(state, current).articles[EVENT_A].segments
    assert len({s.article.id for s in segments}) > 2
    monkeypatch.setattr(digest.state, "FETCHED_AT_ONCE", 2)

    counts = digest.state.kept_counts(segments)
    digest.state.fetch_articles(segments)

    assert all(unpickled(s) for s in segments)
    assert [(s.title, s.text) for s in segments] == [
        (alone[s.id].title, alone[s.id].text) for s in segments
    ]
    assert counts.keys() == {s.article.id for s in segments}
    assert all(
        counts[s.article.id] == digest.state.kept_counts([alone[s.id]])[s.article.id]
        for s in segments
    )
    with sqlite3.connect(state) as connection:
        connection.execute("UPDATE articles SET hash = 'other' WHERE id = ?", (EVENT_A,))
    digest.state.fetch_articles(late)
    assert not any(unpickled(s) for s in late)
    with pytest.raises(digest.state.DamagedStateError, match=EVENT_A):
        _ = late[0].text


def unpickled(segment: Segment) -> bool:
    return isinstance(segment, digest.state.LazySegment) and segment._pickled.unpickled


def test_the_counts_kept_with_each_article_are_those_of_counting_it_again(
    inputs: Path, tmp_path: Path
) -> None:
    """Each article's row holds its segments' `count_segment` and `lead_counts`, as the
    workers made them when they read it: the same as counting its stored segments again."""
    from digest.cluster import count_segment
    from digest.incremental import lead_counts, unpack_counts

    run(inputs, tmp_path)
    with sqlite3.connect(tmp_path / "state.sqlite") as connection:
        rows = connection.execute("SELECT id, data, counts FROM article_data").fetchall()
    assert rows
    for article_id, data, packed in rows:
        _, segments = digest.state._unpickled_article(data)
        counts, leads = unpack_counts(packed, article_id)
        assert counts == {s.id: count_segment(s) for s in segments}
        assert leads == {s.id: lead for s in segments if (lead := lead_counts(s)) is not None}


def test_the_stored_segments_linked_again_without_kept_counts_are_counted_once_on_the_engine(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the state keeps no counts of them (a state of schema 4), the stored members of
    the events a new article is compared with are counted once, by the engine's
    `count_title_and_text` (`pipeline.count_on`), the new ones never (the reading counted
    them); the changed event's storyline terms are summed from those counts, not counted
    again from its text; the docs are those of taking the kept counts."""
    run(inputs, tmp_path / "engine")
    shutil.copytree(tmp_path / "engine", tmp_path / "here")
    with sqlite3.connect(tmp_path / "engine" / "state.sqlite") as connection:
        connection.execute("UPDATE article_data SET counts = NULL")
    (inputs / "new.txt").write_text(NEW_HEADLINE, encoding="utf-8")
    counted: list[tuple[str | None, str]] = []
    count = digest.cluster.count_title_and_text

    def spy(title_and_text: tuple[str | None, str]) -> Any:
        counted.append(title_and_text)
        return count(title_and_text)

    def refuse(event: object) -> None:
        raise AssertionError("an event's text counted again for its storyline terms")

    with monkeypatch.context() as patched:
        patched.setattr(digest.pipeline, "count_title_and_text", spy)
        patched.setattr(digest.cluster, "_as_segment", refuse)
        run(inputs, tmp_path / "engine")

    def never(*_: object) -> None:
        raise AssertionError("a stored segment counted again, its counts kept")

    with monkeypatch.context() as patched:
        patched.setattr(digest.pipeline, "count_on", never)
        run(inputs, tmp_path / "here")

    events = documents(tmp_path / "engine")["events"]
    (joined,) = [e for e in events if "new.txt" in {m["article"] for m in e["members"]}]
    assert len(joined["members"]) > 1  # a stored event took it: its storyline terms changed
    assert counted
    assert len(set(counted)) == len(counted)
    assert not any("350,000 people, most of them" in text for _, text in counted)
    engine_docs = {k: v for k, (v, _) in files(tmp_path / "engine" / "docs").items()}
    assert engine_docs == {k: v for k, (v, _) in files(tmp_path / "here" / "docs").items()}


def test_counting_on_the_engines_workers_gives_each_segments_count_in_order() -> None:
    """`count_on` sends titles and texts to the workers (more than one task of them):
    each segment's `count_segment`, in the segments' order."""
    from digest.cluster import count_segment
    from digest.engine import LocalEngine
    from digest.pipeline import SEGMENTS_PER_TASK, count_on
    from tests.factories import segment

    segments = [
        segment(f"a{n}", f"Report {n} of the Idlib offensive. {'More words. ' * (n % 7)}")
        for n in range(SEGMENTS_PER_TASK + 40)
    ]
    segments[3] = segment("titled", "The United Nations said so.", title="UN: 350,000 fled")
    engine = LocalEngine(2)
    try:
        assert count_on(engine, segments) == [count_segment(s) for s in segments]
    finally:
        engine.close()


def test_the_stored_events_taken_as_they_were_keep_their_story_keys_as_hashed_again(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An incremental build takes the stored story key of each stored event it keeps as it
    was, instead of hashing its members again: every key is the one `story_key` makes, the
    unchanged events' are the stored ones, and the event the new article joined has a new one."""
    from digest.incremental import story_key

    run(inputs, tmp_path)
    stored = load_state(tmp_path / "state.sqlite", "")
    (inputs / "new.txt").write_text(NEW_HEADLINE, encoding="utf-8")
    results: list[BuildResult] = []
    update = digest.incremental.update_digest

    def spy(*args: Any, **kwargs: Any) -> BuildResult:
        results.append(update(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(digest.incremental, "update_digest", spy)
    run(inputs, tmp_path)

    (result,) = results
    assert result.cache is not None
    hashes = result.cache.article_hashes
    keys = result.cache.story_keys
    assert keys == {s.event.id: story_key(s.event, hashes) for s in result.stories}
    kept = {i for i, e in stored.events.items() if keys.get(i) == e.story_key}
    assert len(kept) == len(result.stories) - 1  # all but the event "new.txt" joined
    (joined,) = [s.event for s in result.stories if s.event.id not in kept]
    assert "new.txt" in {s.article.id for s in joined.segments}
