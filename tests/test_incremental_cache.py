"""Incremental builds that cost what changed: unchanged input files not opened, unchanged
pages not rendered, storylines linked from kept term counts, and the output byte for byte
that of a build from the same state without any of these caches.

(digest/input_cache.py, digest/render.py's `render_site`, docs/about/incremental.md.)
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import digest.cluster
import digest.incremental
import digest.ingest
import digest.input_cache
import digest.pipeline
import digest.render
from digest.config import make_config
from digest.ingest import FoundFile, Outcome
from digest.model import BuildCache
from digest.pipeline import build
from digest.render import (
    RenderCache,
    RenderOptions,
    events_json,
    render_pages,
    render_site,
)
from digest.state import SCHEMA_VERSION
from tests.conftest import SEEDS
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


def run(inputs: Path, out: Path, **options: Any) -> None:
    config = make_config(
        [inputs],
        docs_dir=out / "docs",
        build_site=False,
        state_path=out / "state.sqlite",
        **options,
    )
    build(config)


def documents(out: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((out / "docs" / "events.json").read_text("utf-8"))
    return found


def forget_caches(state: Path) -> None:
    """Keep a state's events, ids and stories, and drop everything added for speed."""
    with sqlite3.connect(state) as connection:
        for table in ("files", "pages", "event_caches", "storyline_terms", "vocabulary"):
            connection.execute(f"DELETE FROM {table}")  # noqa: S608 our own table names


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
    cached, fresh = tmp_path / "cached", tmp_path / "fresh"
    run(inputs, cached)
    shutil.copytree(cached, fresh)
    forget_caches(fresh / "state.sqlite")
    shutil.rmtree(fresh / "docs")
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


def test_a_state_of_schema_1_gains_the_new_tables(inputs: Path, tmp_path: Path) -> None:
    run(inputs, tmp_path)
    state = tmp_path / "state.sqlite"
    with sqlite3.connect(state) as connection:
        for table in ("files", "pages", "event_caches", "storyline_terms", "vocabulary"):
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
    cache = replace(
        first.cache,
        entities=first.cache.entities,
        fragments=first.cache.fragments,
    )

    second = render_site(result, OPTIONS, cache)

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
        stories=(changed_story, *result.stories[1:]),
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
    empty = replace(result, stories=(), storylines=())
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
        stories=(
            replace(story, event=replace(story.event, title="A new title")),
            *result.stories[1:],
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


def test_the_stored_segments_linked_again_are_counted_once_on_the_engine_and_summed_after(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stored members of the events a new article is compared with are counted once,
    by the engine's `count_title_and_text` (`pipeline.count_on`), the new ones never (the
    reading counted them); the changed event's storyline terms are summed from those
    counts, not counted again from its text; the docs are those of counting them here."""
    from digest.cluster import count_segment

    run(inputs, tmp_path / "engine")
    shutil.copytree(tmp_path / "engine", tmp_path / "here")
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
    with monkeypatch.context() as patched:
        patched.setattr(digest.pipeline, "count_on", lambda _, s: [count_segment(x) for x in s])
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
