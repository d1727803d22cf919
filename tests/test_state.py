"""The build state file (digest/state.py): where it lives, and what happens when it is bad.

Corrupt: a warning naming it, set aside, and the build goes on from scratch. Locked or
written by a newer digest: the build stops with one line. Killed while writing: the
previous state is still there and usable.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from digest.cli import main
from digest.config import BuildConfig, make_config
from digest.input_cache import ingest_fingerprint
from digest.model import CleanArticle, Segment
from digest.pipeline import build
from digest.state import (
    SCHEMA_VERSION,
    LazyCleanArticle,
    LazySegment,
    StateError,
    _pickled,
    _unpickle,
    default_state_path,
    fingerprint,
    load_state,
)
from tests.conftest import ROOT, SEEDS
from tests.test_faults import tree

THRESHOLD = BuildConfig().cluster_threshold


def cli_build(inputs: Path, out: Path, *extra: str) -> tuple[int, str]:
    args = ["build", str(inputs), "--docs", str(out / "docs"), "--no-site", *extra]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


def killed_while_writing_the_state(args: list[str]) -> int:
    """Run `digest args` in a process killed as it writes its state; its return code."""
    command = [sys.executable, "-m", "tests.kill_at", "writing-state", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, check=False).returncode


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished CLI build of the seeds, with its state in the default place."""
    out = tmp_path_factory.mktemp("built")
    assert cli_build(SEEDS, out)[0] == 0
    return out


def copy_build(built: Path, to: Path) -> Path:
    shutil.copytree(built, to, dirs_exist_ok=True)
    return to / ".digest" / "docs.sqlite"


def test_the_state_lives_in_a_digest_folder_beside_the_docs(built: Path) -> None:
    assert default_state_path(built / "docs") == built / ".digest" / "docs.sqlite"
    assert (built / ".digest" / "docs.sqlite").is_file()
    assert not any(p.name.startswith(".") for p in (built / "docs").iterdir())


def test_no_state_builds_without_reading_or_writing_one(tmp_path: Path) -> None:
    assert cli_build(SEEDS, tmp_path, "--no-state")[0] == 0
    assert not (tmp_path / ".digest").exists()


def test_the_state_path_can_be_chosen(tmp_path: Path) -> None:
    assert cli_build(SEEDS, tmp_path, "--state", str(tmp_path / "elsewhere.db"))[0] == 0
    assert (tmp_path / "elsewhere.db").is_file()
    assert not (tmp_path / ".digest").exists()


def test_the_state_holds_a_schema_version(built: Path) -> None:
    with sqlite3.connect(built / ".digest" / "docs.sqlite") as connection:
        assert connection.execute("SELECT version FROM schema_version").fetchall() == [
            (SCHEMA_VERSION,)
        ]


def test_a_corrupt_state_is_set_aside_with_a_warning_and_the_build_goes_on(
    built: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state = copy_build(built, tmp_path)
    state.write_bytes(b"this is not a database" * 100)

    with caplog.at_level(logging.WARNING, logger="digest.state"):
        code, _ = cli_build(SEEDS, tmp_path)

    assert code == 0
    (record,) = caplog.records
    assert str(state) in record.getMessage()
    assert "building from scratch" in record.getMessage()
    assert state.with_name("docs.sqlite.corrupt").read_bytes().startswith(b"this is not")
    assert load_state(state, fingerprint(THRESHOLD)).build == 1  # a new state was written
    assert tree(tmp_path / "docs") == tree(built / "docs")


def test_a_state_from_a_newer_digest_stops_the_build_with_one_line(
    built: Path, tmp_path: Path
) -> None:
    state = copy_build(built, tmp_path)
    with sqlite3.connect(state) as connection:
        connection.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    before = state.read_bytes()

    code, output = cli_build(SEEDS, tmp_path)

    assert code == 1
    assert output == (
        f"Error: the build state {state} was written by a newer digest (state schema "
        f"{SCHEMA_VERSION + 1}, this digest reads {SCHEMA_VERSION}); use that digest, or "
        "build with --no-state or another --state file\n"
    )
    assert state.read_bytes() == before


def test_a_locked_state_stops_the_build_with_one_line(built: Path, tmp_path: Path) -> None:
    state = copy_build(built, tmp_path)
    published = tree(tmp_path / "docs")
    holder = sqlite3.connect(state, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        code, output = cli_build(SEEDS, tmp_path)
    finally:
        holder.close()

    assert code == 1
    assert output == (
        f"Error: the build state {state} is locked by another process; run again when it "
        "has finished, or build with --no-state\n"
    )
    assert tree(tmp_path / "docs") == published


def test_a_build_killed_while_writing_the_state_leaves_the_previous_one(
    built: Path, tmp_path: Path
) -> None:
    state = copy_build(built, tmp_path)
    inputs = tmp_path / "inputs"
    shutil.copytree(SEEDS, inputs)
    (inputs / "003_74ca848829909573.txt").unlink()  # changes events: rows to write
    args = ["build", str(inputs), "--docs", str(tmp_path / "docs"), "--no-site"]

    assert killed_while_writing_the_state(args) == -9
    previous = load_state(state, fingerprint(THRESHOLD))
    assert previous.build == 1
    assert "003_74ca848829909573.txt" in previous.articles
    assert cli_build(inputs, tmp_path)[0] == 0
    assert load_state(state, fingerprint(THRESHOLD)).build == 2
    expected = tmp_path / "expected"
    copy_build(built, expected)
    assert cli_build(inputs, expected)[0] == 0
    assert tree(tmp_path / "docs") == tree(expected / "docs")


def test_a_first_state_is_written_whole_into_its_place_in_wal_mode(tmp_path: Path) -> None:
    assert cli_build(SEEDS, tmp_path)[0] == 0
    state = tmp_path / ".digest" / "docs.sqlite"
    assert sorted(p.name for p in state.parent.iterdir()) == ["docs.sqlite"]
    umask = os.umask(0)
    os.umask(umask)
    assert state.stat().st_mode & 0o777 == 0o666 & ~umask  # as SQLite creates a database
    with sqlite3.connect(state) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_first_build_killed_while_writing_its_state_leaves_none(tmp_path: Path) -> None:
    args = ["build", str(SEEDS), "--docs", str(tmp_path / "docs"), "--no-site"]

    assert killed_while_writing_the_state(args) == -9
    state = tmp_path / ".digest" / "docs.sqlite"
    assert not state.exists()
    assert [p.name for p in state.parent.glob("*.new")]  # the unfinished file, named so
    assert cli_build(SEEDS, tmp_path)[0] == 0
    assert load_state(state, fingerprint(THRESHOLD)).build == 1


def test_load_state_reports_a_newer_schema_as_a_state_error(built: Path, tmp_path: Path) -> None:
    state = copy_build(built, tmp_path)
    with sqlite3.connect(state) as connection:
        connection.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(StateError, match=r"newer digest \(state schema 99"):
        load_state(state, fingerprint(THRESHOLD))


def test_a_state_written_by_other_code_keeps_ids_but_no_cached_data(
    built: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state = copy_build(built, tmp_path)
    with caplog.at_level(logging.INFO, logger="digest.state"):
        stored = load_state(state, "another version")
    (record,) = caplog.records
    assert f"the build state {state} was written by other code" in record.getMessage()
    assert stored.events
    assert all(e.story is None for e in stored.events.values())
    assert all(a.clean is None for a in stored.articles.values())
    build(
        make_config(
            [SEEDS],
            docs_dir=tmp_path / "docs",
            build_site=False,
            state_path=state,
            cluster_threshold=THRESHOLD + 0.01,  # another fingerprint: nothing cached reused
        )
    )
    assert set(load_state(state, fingerprint(THRESHOLD + 0.01)).events) == set(stored.events)


def test_the_grouping_settings_are_part_of_the_fingerprint() -> None:
    assert fingerprint(THRESHOLD) == fingerprint(THRESHOLD, embeddings=False)
    assert fingerprint(THRESHOLD, embeddings=True) != fingerprint(THRESHOLD)
    assert fingerprint(THRESHOLD + 0.01) != fingerprint(THRESHOLD)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([], ROOT / ".digest" / "docs.sqlite"),  # the state `digest build` keeps by default
        (["--state", "s.sqlite"], Path("s.sqlite")),
        (["--no-state"], None),
    ],
)
def test_serve_keeps_the_build_state_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch, options: list[str], expected: Path | None
) -> None:
    served: dict[str, object] = {}
    monkeypatch.setattr(
        "digest.publish.serve_site", lambda inputs, **options: served.update(options)
    )
    result = CliRunner().invoke(main, ["serve", str(SEEDS), *options])
    assert result.exit_code == 0, result.output
    assert served["state_path"] == expected


def test_a_stored_article_stays_pickled_until_asked_for_more_than_its_row(built: Path) -> None:
    """Its id, outlet, date and segments' numbers come from its row; any other field
    unpickles its record, which the lazy ones are then equal to, hash as and pickle as."""
    stored = load_state(built / ".digest" / "docs.sqlite", fingerprint(THRESHOLD))
    article = next(a for a in stored.articles.values() if len(a.segments) > 1)
    clean, segments = article.clean, article.segments
    assert isinstance(clean, LazyCleanArticle)
    assert all(isinstance(s, LazySegment) for s in segments)
    pickled = clean._pickled
    assert [s.id for s in segments] == [f"{clean.id}#{n}" for n in range(1, len(segments) + 1)]
    assert {(s.source, s.published) for s in segments} == {(clean.source, clean.published)}
    unpickled = [pickled.unpickled]

    real_clean, real_segments = _unpickle(_pickled((clean, segments)), tuple)
    unpickled.append(pickled.unpickled)  # pickled as the stored records: every field asked
    assert unpickled == [False, True]
    assert type(real_clean) is CleanArticle
    assert [type(s) for s in real_segments] == [Segment] * len(segments)
    assert (real_clean, tuple(real_segments)) == (clean, segments)
    assert clean == real_clean
    assert real_clean == clean
    assert hash(clean) == hash(real_clean)
    assert clean.article == real_clean.article
    assert [s.text for s in segments] == [s.text for s in real_segments]
    sent = pickle.loads(pickle.dumps(segments[0]))  # noqa: S301 as to a worker, our own
    assert sent == real_segments[0]


def test_stories_and_articles_are_unpickled_equal_to_those_pickled(built: Path) -> None:
    from digest.model import Story
    from digest.state import EventCache, _pickled, _unpickle

    stored = load_state(built / ".digest" / "docs.sqlite", fingerprint(THRESHOLD))
    assert stored.events
    for event in stored.events.values():
        assert isinstance(event.story, bytes)  # left pickled until a build asks for it
        story = _unpickle(event.story, Story)
        assert (story.event.title, story.event.date) == (event.title, event.date)
        assert _unpickle(_pickled(story), Story) == story
    for article in stored.articles.values():
        pair = (article.clean, article.segments)
        assert _unpickle(_pickled(pair), tuple) == pair
    for cache in stored.event_caches.values():
        assert _unpickle(_pickled(cache), EventCache) == cache


def test_the_rows_read_in_bulk_are_those_written(tmp_path: Path) -> None:
    """Files, pages, events and storylines, read by one JSON decoding per column, come
    back as saved, rejections and odd characters included."""
    from digest.model import ReadFile, Rejected
    from digest.state import (
        Snapshot,
        StoredEntries,
        StoredEvent,
        StoredPage,
        StoredStoryline,
        save_state,
    )

    odd = 'a "quoted", [bracketed] \\ id \u00e9\u4e2d'
    new = Snapshot(
        fingerprint="code",
        ingest="reading",
        build=3,
        events={
            f"e{n}": StoredEvent(
                created=n, members=(odd, f"m{n}"), terms=(), story_key="k", story=None
            )
            for n in range(3)
        },
        storylines={"s": StoredStoryline(created=2, event_ids=("e0", "e2"))},
        files={
            f"/in/{n}": ReadFile(
                path=f"/in/{n}",
                name=str(n),
                stamp=(n, 2**62, 3, 4),
                yielded=((odd, "h"), Rejected(odd, 7, "bad, [line]"), Rejected("x", None, "")),
            )
            for n in range(3)
        },
        pages={f"p{n}.md": StoredPage(key=odd, stamp=(n, 2**61)) for n in range(3)},
        entries=StoredEntries(stamp=(5, 2**62), ranges={odd: (0, 2**40), "k": (2**40 + 2, 9)}),
    )
    path = tmp_path / "state.sqlite"
    save_state(path, Snapshot(fingerprint=""), new)
    loaded = load_state(path, "other code", "reading")  # no story to unpickle
    assert (loaded.events, loaded.storylines) == (new.events, new.storylines)
    assert (loaded.files, loaded.pages) == (new.files, new.pages)
    assert loaded.entries == new.entries  # where they are does not depend on the code
    assert load_state(path, "other code", "other reading").files == {}


def test_the_rows_are_decoded_a_chunk_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files, pages and events are fetched and decoded `CHUNK_ROWS` at a time, never all
    at once (their rows and decoded lists would take 100 MB more at 100,000 articles),
    and come back as saved across the chunks' bounds, in key order."""
    from datetime import date

    import digest.state
    from digest.model import ReadFile, Rejected
    from digest.state import Snapshot, StoredEvent, StoredPage, save_state

    decoded: list[int] = []
    json_column = digest.state._json_column

    def spy(values: Any) -> list[Any]:
        texts = list(values)
        decoded.append(len(texts))
        return json_column(texts)

    monkeypatch.setattr(digest.state, "CHUNK_ROWS", 2)
    monkeypatch.setattr(digest.state, "_json_column", spy)
    new = Snapshot(
        fingerprint="code",
        ingest="reading",
        events={
            f"e{n}": StoredEvent(
                created=n,
                members=(f"m{n}", "m"),
                terms=("t", f"t{n}"),
                story_key=f"k{n}",
                story=b"pickled",
                title=f"title {n}",
                date=date(2020, 1, n + 1) if n % 2 else None,
            )
            for n in (4, 0, 3, 1, 2)
        },
        files={
            f"/in/{n}": ReadFile(
                path=f"/in/{n}",
                name=str(n),
                stamp=(n, 2**62, 3, 4),
                yielded=((f"a{n}", "h"), Rejected("x", n, "bad")),
            )
            for n in (2, 4, 0, 1, 3)
        },
        pages={f"p{n}.md": StoredPage(key=f"k{n}", stamp=(n, 2**61)) for n in (3, 1, 4, 0, 2)},
    )
    path = tmp_path / "state.sqlite"
    save_state(path, Snapshot(fingerprint=""), new)
    decoded.clear()
    loaded = load_state(path, "code", "reading")
    assert max(decoded, default=0) == 2
    for table in ("events", "files", "pages"):
        assert getattr(loaded, table) == getattr(new, table)
        assert list(getattr(loaded, table)) == sorted(getattr(new, table))


def test_the_state_loads_as_its_rows_read_one_by_one(built: Path) -> None:
    """What `load_state` reads in bulk (JSON decoded by the chunk, the vocabulary as one
    array) is what reading each row, and decoding each text, gives, in the same order."""
    import json
    from datetime import date

    from digest.model import ReadFile, Rejected
    from digest.state import StoredEvent, StoredPage, StoredStoryline, StoredTerms

    path = built / ".digest" / "docs.sqlite"
    with closing(sqlite3.connect(path)) as connection:
        rows = {
            table: connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()  # noqa: S608 our names
            for table in ("files", "pages", "events", "storylines", "storyline_terms", "vocabulary")
        }
    files = {
        path: ReadFile(
            path=path,
            name=name,
            stamp=tuple(json.loads(stamp)),
            yielded=tuple(
                (item[1], item[2]) if item[0] == "article" else Rejected(*item[1:])
                for item in json.loads(yielded)
            ),
        )
        for path, name, stamp, yielded in rows["files"]
    }
    events = {
        row[0]: StoredEvent(
            created=row[1],
            members=tuple(json.loads(row[2])),
            terms=tuple(json.loads(row[3])),
            story_key=row[4],
            story=row[5],
            title=row[6],
            date=date.fromisoformat(row[7]) if row[7] else None,
        )
        for row in rows["events"]
    }
    expected: dict[str, Mapping[str, object]] = {
        "files": files,
        "pages": {p: StoredPage(key=k, stamp=tuple(json.loads(s))) for p, k, s in rows["pages"]},
        "events": events,
        "storylines": {
            i: StoredStoryline(created=c, event_ids=tuple(json.loads(e)))
            for i, c, e in rows["storylines"]
        },
        "storyline_terms": {
            i: StoredTerms(story_key=k, ids=t, counts=c) for i, k, t, c in rows["storyline_terms"]
        },
    }
    loaded = load_state(path, fingerprint(THRESHOLD), ingest_fingerprint())
    assert all(getattr(loaded, name) for name in expected)
    for name, mapping in expected.items():
        assert getattr(loaded, name) == mapping
        assert list(getattr(loaded, name)) == list(mapping)
    assert loaded.vocabulary == tuple(term for _, term in rows["vocabulary"])


def test_the_entries_moved_are_written_again_and_none_leaves_none(tmp_path: Path) -> None:
    from digest.state import Snapshot, StoredEntries, save_state

    path = tmp_path / "state.sqlite"
    first = Snapshot(fingerprint="code", entries=StoredEntries(stamp=(1, 2), ranges={"a": (0, 3)}))
    save_state(path, Snapshot(fingerprint=""), first)
    same = replace(first, entries=StoredEntries(stamp=(1, 3), ranges={"a": (0, 3)}))
    moved = StoredEntries(stamp=(9, 4), ranges={"b": (0, 4), "a": (6, 3)})
    for new in (same, replace(first, entries=moved), replace(first, entries=None)):
        stored = load_state(path, "code")
        save_state(path, stored, new)
        assert load_state(path, "code").entries == new.entries


def test_the_vocabulary_comes_back_in_id_order_and_one_with_a_gap_is_set_aside(
    tmp_path: Path,
) -> None:
    """The vocabulary's ids are checked by their count and bounds, not one by one: a
    term missing at the start or in the middle, or an id out of place, is found."""
    from digest.state import Snapshot, StoredTerms, save_state

    terms = {"e": StoredTerms(story_key="k", ids=b"\x00\x01", counts=b"\x02")}
    new = Snapshot(fingerprint="code", vocabulary=("b", "a", "c"), storyline_terms=terms)
    damages = (
        "DELETE FROM vocabulary WHERE id = 0",
        "DELETE FROM vocabulary WHERE id = 1",
        "UPDATE vocabulary SET id = -1 WHERE id = 0",
    )
    for n, damage in enumerate((None, *damages)):
        path = tmp_path / f"state-{n}.sqlite"
        save_state(path, Snapshot(fingerprint=""), new)
        if damage is not None:
            with closing(sqlite3.connect(path)) as connection, connection:
                connection.execute(damage)
        loaded = load_state(path, "code")
        if damage is None:
            assert (loaded.vocabulary, loaded.storyline_terms) == (new.vocabulary, terms)
        else:
            assert (loaded.fingerprint, loaded.vocabulary) == ("code", ())  # from scratch
            assert path.with_name(f"{path.name}.corrupt").exists()


def test_the_vocabulary_comes_back_with_its_order_read_along_the_index_of_its_terms(
    tmp_path: Path,
) -> None:
    """Its ids in the order Python sorts their terms (SQLite compares their UTF-8 bytes),
    accents, other scripts, astral characters and prefixes alike, and in the order of the
    grown vocabulary after a build added terms; read along the index, not sorted."""
    from digest.state import Snapshot, save_state

    path = tmp_path / "state.sqlite"
    first = ("zebra", "é", "e", "ea", "Ünal", "ünal", "киев", "北京", "𝔘", "ﬁ", "10", "2020", "a")
    grown = (*first, "éa", "Z", "ж", "b")
    save_state(path, Snapshot(fingerprint=""), Snapshot(fingerprint="code", vocabulary=first))
    save_state(path, load_state(path, "code"), Snapshot(fingerprint="code", vocabulary=grown))

    loaded = load_state(path, "code")

    assert loaded.vocabulary == grown
    assert loaded.vocabulary_order == tuple(sorted(range(len(grown)), key=grown.__getitem__))
    with closing(sqlite3.connect(path)) as connection:
        plan = connection.execute("EXPLAIN QUERY PLAN SELECT id FROM vocabulary ORDER BY term")
        assert "USING COVERING INDEX vocabulary_terms" in plan.fetchone()[-1]


def test_a_state_without_the_index_of_terms_gives_no_order_until_it_is_written(
    tmp_path: Path,
) -> None:
    """A state written before the vocabulary's terms were indexed (same schema) is read
    without their order (not sorted at the load), and gains the index when next written."""
    from digest.state import Snapshot, save_state

    path = tmp_path / "state.sqlite"
    new = Snapshot(fingerprint="code", vocabulary=("b", "c", "a"))
    save_state(path, Snapshot(fingerprint=""), new)
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("DROP INDEX vocabulary_terms")

    loaded = load_state(path, "code")
    save_state(path, loaded, new)

    assert (loaded.vocabulary, loaded.vocabulary_order) == (new.vocabulary, None)
    assert load_state(path, "code").vocabulary_order == (2, 0, 1)


def test_only_the_storylines_that_changed_are_written(tmp_path: Path) -> None:
    """Their rows are not all deleted and written again at each build (1,300 rows, a
    JSON text each, at 100,000 articles, for the one or two that changed)."""
    from digest.state import Snapshot, StoredStoryline, save_state

    path = tmp_path / "state.sqlite"
    kept, changed = StoredStoryline(created=1, event_ids=("a", "b")), ("c",)
    first = {"kept": kept, "changed": StoredStoryline(created=1, event_ids=changed), "gone": kept}
    save_state(path, Snapshot(fingerprint=""), Snapshot(fingerprint="code", storylines=first))
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE written (id TEXT)")
        connection.execute(
            "CREATE TRIGGER spy AFTER INSERT ON storylines "
            "BEGIN INSERT INTO written VALUES (new.id); END"
        )
    second = {
        "kept": StoredStoryline(created=1, event_ids=("a", "b")),  # equal, not the same
        "changed": StoredStoryline(created=1, event_ids=("c", "d")),
        "added": StoredStoryline(created=2, event_ids=("e",)),
    }
    save_state(path, load_state(path, "code"), Snapshot(fingerprint="code", storylines=second))
    with closing(sqlite3.connect(path)) as connection:
        written = connection.execute("SELECT id FROM written ORDER BY id").fetchall()
    assert written == [("added",), ("changed",)]
    assert load_state(path, "code").storylines == second


def test_only_the_rows_that_changed_are_written_in_key_order() -> None:
    import operator

    from digest.state import _changed

    kept = ("kept",)
    stored = {"a": kept, "b": ("equal",), "c": ("old",), "gone": ("x",)}
    new = {"d": ("added",), "c": ("changed",), "b": ("equal",), "a": kept}
    assert _changed(new, stored, operator.eq) == [("c", ("changed",)), ("d", ("added",))]
    assert _changed(new, {}, operator.eq) == sorted(new.items())


def test_each_pickle_names_one_function_and_no_class(built: Path) -> None:
    """Each class a pickle names costs a lookup by module and name when it is loaded:
    the state's pickles name `_builder` alone (a new model class belongs in `_BUILT`)."""
    import pickletools

    connection = sqlite3.connect(built / ".digest" / "docs.sqlite")
    rows = connection.execute(
        "SELECT data FROM article_data UNION ALL SELECT story FROM events "
        "UNION ALL SELECT data FROM event_caches"
    ).fetchall()
    connection.close()
    assert len(rows) > 10
    for (data,) in rows:
        named = [op.name for op, _, _ in pickletools.genops(data) if "GLOBAL" in op.name]
        assert named == ["STACK_GLOBAL"]
        assert b"\x8c\x08_builder" in data
