"""Incremental builds: stable ids, redirects, only new articles grouped, unchanged pages kept.

Each test builds the seeds with a state file, changes the inputs, and builds again
(digest/incremental.py, docs/about/incremental.md).
"""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.config import make_config
from digest.pipeline import build
from digest.stable_ids import keep_ids
from digest.text import slugify
from tests.conftest import SEEDS

EVENT_A = "000_60d6ce56c795b58e.txt"  # seed of event A (the 350,000 displaced)
EVENT_C = "003_74ca848829909573.txt"  # the only report of event C (235,000, December)

NEW_HEADLINE = """350,000 Syrians have fled Idlib, UN says
Source: Example Wire
Date: 2020-01-17

The United Nations said on Thursday that around 350,000 people, most of them women and
children, had fled Idlib province since early December as Russian-backed Syrian
government forces pressed an offensive. UN human rights chief Michelle Bachelet called
for an immediate cessation of hostilities.
"""

UNRELATED = """Harbour city opens its new tram line after six years of works
Source: Coastal Daily
Date: 2020-01-10

The first passengers boarded the harbour city's new tram line on Friday morning, six
years after the works began. The line runs eleven kilometres from the ferry terminal to
the university campus, with nineteen stops, and the mayor said trams would run every
seven minutes at rush hour. Fares stay the same as on the buses.
"""


def run(inputs: Path, out: Path, *, state: bool = True, **options: Any) -> dict[str, Any]:
    """Build `inputs` into `out/docs` (with the state `out/state.sqlite`); its events.json."""
    config = make_config(
        [inputs],
        docs_dir=out / "docs",
        site_dir=out / "site",
        build_site=options.pop("build_site", False),
        state_path=out / "state.sqlite" if state else None,
        **options,
    )
    build(config)
    document: dict[str, Any] = json.loads((out / "docs" / "events.json").read_text("utf-8"))
    return document


def event_of(document: dict[str, Any], article: str) -> dict[str, Any]:
    (event,) = [e for e in document["events"] if article in {m["article"] for m in e["members"]}]
    found: dict[str, Any] = event
    return found


def files(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `folder` with its bytes and mtime."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "inputs"
    shutil.copytree(SEEDS, folder)
    return folder


def test_a_first_build_with_a_state_writes_what_a_build_without_one_writes(
    inputs: Path, tmp_path: Path
) -> None:
    run(inputs, tmp_path / "with", state=True)
    run(inputs, tmp_path / "without", state=False)

    assert (tmp_path / "with" / "state.sqlite").is_file()
    assert not (tmp_path / "without" / "state.sqlite").exists()
    with_state = {k: v[0] for k, v in files(tmp_path / "with" / "docs").items()}
    assert with_state == {k: v[0] for k, v in files(tmp_path / "without" / "docs").items()}


def test_a_first_build_with_a_state_groups_on_as_many_threads_as_workers(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from digest.cluster import group_events

    asked: list[int] = []

    def recording(*args: Any, **kwargs: Any) -> Any:
        asked.append(kwargs["threads"])
        return group_events(*args, **kwargs)

    monkeypatch.setattr("digest.incremental.group_events", recording)
    run(inputs, tmp_path / "out", workers=2)

    assert asked == [2]


def test_a_build_of_the_same_inputs_from_its_state_changes_no_file(
    inputs: Path, tmp_path: Path
) -> None:
    run(inputs, tmp_path)
    before = files(tmp_path / "docs")

    run(inputs, tmp_path)

    assert files(tmp_path / "docs") == before


def test_an_event_keeps_its_id_when_a_new_article_changes_its_title(
    inputs: Path, tmp_path: Path
) -> None:
    first = event_of(run(inputs, tmp_path), EVENT_A)
    (inputs / "zz-wire.txt").write_text(NEW_HEADLINE, encoding="utf-8")

    second = event_of(run(inputs, tmp_path), EVENT_A)

    assert "zz-wire.txt" in {m["article"] for m in second["members"]}
    assert second["title"] == NEW_HEADLINE.splitlines()[0]  # the event's title now
    assert not second["id"].endswith(slugify(second["title"]))  # ids follow titles no more
    assert second["id"] == first["id"]
    assert second["page"] == first["page"]


def test_a_copy_of_an_article_joins_its_event(inputs: Path, tmp_path: Path) -> None:
    first = run(inputs, tmp_path)
    shutil.copy(inputs / EVENT_A, inputs / "copy-of-000.txt")

    second = run(inputs, tmp_path)

    event = event_of(second, "copy-of-000.txt")
    assert event["id"] == event_of(first, EVENT_A)["id"]
    assert len(second["events"]) == len(first["events"])


def test_a_copy_of_an_article_weeks_later_joins_its_event(inputs: Path, tmp_path: Path) -> None:
    first = run(inputs, tmp_path)
    text = (inputs / EVENT_A).read_text(encoding="utf-8")
    assert " date 2020-01-17 " in text
    later = text.replace(" date 2020-01-17 ", " date 2020-03-17 ", 1)
    (inputs / "republished-000.txt").write_text(later, encoding="utf-8")

    second = run(inputs, tmp_path)

    assert event_of(second, "republished-000.txt")["id"] == event_of(first, EVENT_A)["id"]
    assert len(second["events"]) == len(first["events"])


def test_an_unrelated_article_makes_a_new_event_and_leaves_other_event_pages_alone(
    inputs: Path, tmp_path: Path
) -> None:
    first = run(inputs, tmp_path)
    pages = {k: v for k, v in files(tmp_path / "docs").items() if k.startswith("events/")}
    (inputs / "tram.txt").write_text(UNRELATED, encoding="utf-8")

    second = run(inputs, tmp_path)

    new = event_of(second, "tram.txt")
    assert [m["article"] for m in new["members"]] == ["tram.txt"]
    assert new["id"] not in {e["id"] for e in first["events"]}
    after = files(tmp_path / "docs")
    assert {k: after[k] for k in pages} == pages  # same bytes and mtime
    assert f"events/{new['id']}.md" in after


def test_a_deleted_article_leaves_its_event(inputs: Path, tmp_path: Path) -> None:
    first = event_of(run(inputs, tmp_path), EVENT_A)
    (inputs / EVENT_A).unlink()

    second = run(inputs, tmp_path)

    event = next(e for e in second["events"] if e["id"] == first["id"])
    members = {m["article"] for m in event["members"]}
    assert EVENT_A not in members
    assert members == {m["article"] for m in first["members"]} - {EVENT_A}


def test_a_changed_article_is_grouped_again(inputs: Path, tmp_path: Path) -> None:
    first = event_of(run(inputs, tmp_path), EVENT_A)
    (inputs / EVENT_A).write_text(UNRELATED, encoding="utf-8")

    second = run(inputs, tmp_path)

    assert event_of(second, EVENT_A)["id"] != first["id"]
    assert event_of(second, "001_9f74695476fa3c8e.txt")["id"] == first["id"]


def test_an_emptied_event_leaves_a_page_at_its_old_address(inputs: Path, tmp_path: Path) -> None:
    first = run(inputs, tmp_path)
    old = event_of(first, EVENT_C)
    (inputs / EVENT_C).unlink()

    second = run(inputs, tmp_path, build_site=True)

    assert old["id"] not in {e["id"] for e in second["events"]}
    assert {
        "kind": "event",
        "id": old["id"],
        "page": old["page"],
        "target": None,
        "target_page": None,
    } in second["redirects"]
    page = (tmp_path / "docs" / old["page"]).read_text("utf-8")
    assert 'redirect: "index.html"' in page
    assert "](../index.md)" in page
    html = (tmp_path / "site" / old["page"].replace(".md", ".html")).read_text("utf-8")
    assert '<meta http-equiv="refresh" content="0; url=../index.html">' in html
    # its storyline (C and A) is gone too: its page points at the storylines index
    (storyline,) = first["storylines"]
    assert {r["id"]: r["target"] for r in second["redirects"] if r["kind"] == "storyline"} == {
        storyline["id"]: None
    }
    assert (tmp_path / "docs" / storyline["page"]).is_file()


def test_a_redirect_outlives_later_builds(inputs: Path, tmp_path: Path) -> None:
    old = event_of(run(inputs, tmp_path), EVENT_C)
    (inputs / EVENT_C).unlink()
    run(inputs, tmp_path)
    (inputs / "tram.txt").write_text(UNRELATED, encoding="utf-8")

    third = run(inputs, tmp_path)

    assert old["id"] in {r["id"] for r in third["redirects"]}
    assert (tmp_path / "docs" / old["page"]).is_file()


def test_rebuild_regroups_everything_and_keeps_the_ids(inputs: Path, tmp_path: Path) -> None:
    first = run(inputs, tmp_path)
    (inputs / "zz-wire.txt").write_text(NEW_HEADLINE, encoding="utf-8")

    rebuilt = run(inputs, tmp_path, rebuild=True)

    assert {e["id"] for e in rebuilt["events"]} == {e["id"] for e in first["events"]}
    assert event_of(rebuilt, "zz-wire.txt")["id"] == event_of(first, EVENT_A)["id"]


def test_the_order_of_the_inputs_does_not_change_the_events(inputs: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "zz-wire.txt").write_text(NEW_HEADLINE, encoding="utf-8")
    (extra / "tram.txt").write_text(UNRELATED, encoding="utf-8")
    run(inputs, tmp_path / "a")
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    forward = [inputs, extra / "tram.txt", extra / "zz-wire.txt"]

    results = []
    for out, order in ((tmp_path / "a", forward), (tmp_path / "b", forward[::-1])):
        config = make_config(
            order, docs_dir=out / "docs", build_site=False, state_path=out / "state.sqlite"
        )
        build(config)
        results.append((out / "docs" / "events.json").read_bytes())

    assert results[0] == results[1]


# --- Ids, without building --------------------------------------------------------------


def test_an_event_takes_the_id_of_the_stored_event_it_shares_most_members_with() -> None:
    ids, moved = keep_ids(
        ["new-title"],
        [["s1", "s2", "s3"]],
        {"old-a": ("s1",), "old-b": ("s2", "s3")},
        {"old-a": 1, "old-b": 2},
    )
    assert ids == ["old-b"]
    assert moved == {"old-a": "old-b"}  # absorbed: its page points at the event holding it


def test_ties_go_to_the_oldest_stored_event_then_the_lower_id() -> None:
    stored = {"b-event": ("s1",), "a-event": ("s2",), "c-event": ("s3",)}
    ids, moved = keep_ids(
        ["x"], [["s1", "s2", "s3"]], stored, {"b-event": 1, "a-event": 2, "c-event": 1}
    )
    assert ids == ["b-event"]
    assert moved == {"a-event": "b-event", "c-event": "b-event"}


def _partition(members: list[int], cuts: list[int]) -> list[list[str]]:
    """`members` cut into consecutive groups at the `cuts` (positions), as ids."""
    edges = sorted({c % (len(members) + 1) for c in cuts} | {0, len(members)})
    return [[f"m{m}" for m in members[a:b]] for a, b in itertools.pairwise(edges) if b > a]


@given(
    st.permutations(list(range(12))),
    st.lists(st.integers(0, 12), max_size=6),
    st.permutations(list(range(12))),
    st.lists(st.integers(0, 12), max_size=6),
    st.lists(st.integers(1, 3), min_size=12, max_size=12),
)
def test_an_item_kept_as_it_was_takes_its_id_as_weighing_every_item_would_give(
    stored_order: list[int],
    stored_cuts: list[int],
    new_order: list[int],
    new_cuts: list[int],
    created: list[int],
) -> None:
    """An item whose natural id is a stored item's, with that item's members, takes it at
    once (`keep_ids`' short cut): the ids and redirects are those of weighing it with the
    others, as an item of another natural id."""
    stored = {f"s{n}": tuple(g) for n, g in enumerate(_partition(stored_order, stored_cuts))}
    items = _partition(new_order[: 8 + len(new_cuts)], new_cuts)
    same = {frozenset(g): stored_id for stored_id, g in stored.items()}
    natural = [same.get(frozenset(g), f"n{n}") for n, g in enumerate(items)]
    ages = {stored_id: created[n] for n, stored_id in enumerate(stored)}

    weighed = keep_ids([f"n{n}" for n in range(len(items))], items, stored, ages)

    assert keep_ids(natural, items, stored, ages) == weighed


def test_an_event_named_as_a_stored_one_takes_its_id_only_by_sharing_most_with_it() -> None:
    """The short cut is for an event with all of the stored event's members and no
    other: one with some of them is weighed as any other."""
    ids, moved = keep_ids(["a", "y"], [["s1"], ["s2", "s3"]], {"a": ("s1", "s2", "s3")}, {"a": 1})
    assert ids == ["a-2", "a"]
    assert moved == {}


def test_a_new_event_never_takes_a_stored_or_redirected_id() -> None:
    ids, moved = keep_ids(
        ["day-title", "day-title-2"],
        [["n1"], ["n2"]],
        {"day-title": ("gone",)},
        {"day-title": 1},
        taken=["day-title-2"],
    )
    assert ids == ["day-title-3", "day-title-2-2"]
    assert moved == {"day-title": None}  # its members are all gone
