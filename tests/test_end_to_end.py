"""The seeds, end to end: the acceptance list of DESIGN.md, a strict MkDocs build, and
byte-identical output whatever the input order."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from digest.cli import main
from digest.config import make_config
from digest.pipeline import build
from digest.publish import build_site

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
A_MEMBERS = {
    ("000_60d6ce56c795b58e.txt", None),
    ("001_9f74695476fa3c8e.txt", None),
    ("002_c623d46ca901d4fa.txt", 2),
    ("002_c623d46ca901d4fa.txt", 3),
    ("004_c3037d0ae7c95c41.txt", None),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    docs = tmp_path_factory.mktemp("seeds") / "docs"
    build(make_config([SEEDS], docs_dir=docs, build_site=False))
    return docs


@pytest.fixture(scope="module")
def events(built: Path) -> list[dict[str, Any]]:
    document = json.loads((built / "events.json").read_text(encoding="utf-8"))
    assert document["schema"] == 1
    assert document["rejected"] == []
    return list(document["events"])


def _members(event: dict[str, Any]) -> set[tuple[str, int | None]]:
    return {(m["article"], m["segment"]) for m in event["members"]}


def _event_with(events: list[dict[str, Any]], article: str, segment: int | None) -> dict[str, Any]:
    (event,) = [e for e in events if (article, segment) in _members(e)]
    return event


def _values(difference: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (v["normalized"] or v["text"], ",".join(a[:3] for a in v["articles"]))
        for v in difference["values"]
    }


def test_the_seeds_make_the_three_events_of_the_design(events: list[dict[str, Any]]) -> None:
    assert len(events) == 3
    a = _event_with(events, "001_9f74695476fa3c8e.txt", None)
    assert _members(a) == A_MEMBERS
    assert a["date"] == "2020-01-17"
    b = _event_with(events, "002_c623d46ca901d4fa.txt", 1)
    assert _members(b) == {("002_c623d46ca901d4fa.txt", 1)}
    assert "Aleppo" in b["title"]
    c = _event_with(events, "003_74ca848829909573.txt", None)
    assert _members(c) == {("003_74ca848829909573.txt", None)}
    assert c["date"] == "2019-12-27"


def test_the_december_and_january_displacements_share_a_storyline(
    events: list[dict[str, Any]],
) -> None:
    a = _event_with(events, "001_9f74695476fa3c8e.txt", None)
    c = _event_with(events, "003_74ca848829909573.txt", None)
    assert a["storyline"] is not None
    assert a["storyline"] == c["storyline"]


def test_event_a_shows_the_differences_a_reader_must_see(events: list[dict[str, Any]]) -> None:
    differences = _event_with(events, "001_9f74695476fa3c8e.txt", None)["differences"]
    found = {(d["kind"], frozenset(_values(d))) for d in differences}
    assert ("number", frozenset({("3,500,000", "002"), ("350,000", "001")})) in found
    assert ("date", frozenset({("2020-01-16", "000,001,004"), ("2020-01-17", "002")})) in found
    assert ("date", frozenset({("2020-01-15", "000,001"), ("2020-01-14", "002")})) in found
    assert ("internal", frozenset({("40", "004"), ("39", "004")})) in found
    assert ("metadata", frozenset({("2020-01-17", "004"), ("2020-10-22", "004")})) in found
    assert ("name", frozenset({("chairman", "001,002"), ("president", "000")})) in found
    assert ("name", frozenset({("Maarat", "000,001,002"), ("Maaret", "004")})) in found
    assert ("attribution", frozenset({("said", "001"), ("told Reuters", "000,002,004")})) in found
    quotes = [d for d in differences if d["kind"] == "quote"]
    assert {frozenset(a[:3] for v in d["values"] for a in v["articles"]) for d in quotes} == {
        frozenset({"000", "002"}),  # Bachelet, translated in 000
        frozenset({"000", "001", "002", "004"}),  # Swanson, translated in 000
    }
    typo = next(d for d in differences if d["kind"] == "number")
    assert typo["note"] == "likely a typo: 350,0000"


def test_event_a_calls_no_agreement_a_conflict(events: list[dict[str, Any]]) -> None:
    differences = _event_with(events, "001_9f74695476fa3c8e.txt", None)["differences"]
    normalized = {v["normalized"] for d in differences for v in d["values"]}
    assert "2020-01-12" not in normalized  # "on Sunday" is "Jan. 12"
    assert "3,000,000" not in normalized  # "nearly 3 million" is "almost three million"
    assert "400,000" not in normalized  # "close to" and "nearly" 400,000
    assert len(differences) == 10


def test_facts_only_one_source_has_are_listed(events: list[dict[str, Any]]) -> None:
    unique = _event_with(events, "001_9f74695476fa3c8e.txt", None)["unique"]
    texts = {(u["article"][:3], u["text"]) for u in unique}
    assert any(a == "002" and "1,506 civilians" in t for a, t in texts)
    assert any(a == "004" and "22 anti-government fighters" in t for a, t in texts)
    assert any(a == "004" and "Seventeen government troops" in t for a, t in texts)
    assert ("000", "which was to be implemented almost a week ago") in texts
    assert not any("told Reuters" in t for _, t in texts)


def test_every_story_sentence_cites_a_member(events: list[dict[str, Any]]) -> None:
    for event in events:
        members = {m["article"] for m in event["members"]}
        for sentence in event["sentences"]:
            assert sentence["articles"]
            assert set(sentence["articles"]) <= members


def test_the_generated_docs_build_with_mkdocs_strict(built: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_site(built, site, strict=True)
    assert (site / "index.html").is_file()
    assert (site / "events.json").is_file()
    assert len(list((site / "events").glob("*.html"))) == 3
    for page in ["archive/index", "archive/2020-01", "archive/2020-01-17", "archive/2019-12-27"]:
        assert (site / f"{page}.html").is_file(), page
    assert (site / "storylines" / "index.html").is_file()
    assert (site / "tags" / "idlib.html").is_file()
    assert (site / "feed.xml").read_bytes() == (built / "feed.xml").read_bytes()
    assert (site / "atom.xml").is_file()
    head = (site / "tags" / "idlib.html").read_text(encoding="utf-8")
    assert '<link rel="alternate" type="application/rss+xml"' in head
    assert 'href="../feed.xml"' in head


def test_the_same_input_in_any_order_gives_the_same_bytes(built: Path, tmp_path: Path) -> None:
    reversed_files = sorted(SEEDS.glob("*.txt"), reverse=True)
    build(make_config(reversed_files, docs_dir=tmp_path / "docs", build_site=False))
    expected = {p.relative_to(built): p.read_bytes() for p in built.rglob("*.md")}
    actual = {
        p.relative_to(tmp_path / "docs"): p.read_bytes() for p in (tmp_path / "docs").rglob("*.md")
    }
    assert actual == expected
    for name in ("events.json", "feed.xml", "atom.xml"):
        assert (tmp_path / "docs" / name).read_bytes() == (built / name).read_bytes(), name


def test_the_command_line_reports_what_it_built(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    result = CliRunner().invoke(main, ["build", str(SEEDS), "--docs", str(docs), "--no-site"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "5 articles from 1 source → 3 events, 1 storyline, 0 rejected\n"
        f"Markdown and events.json in {docs}/\n"
    )


def test_a_bad_input_is_rejected_and_the_build_goes_on(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.txt").write_text((SEEDS / "003_74ca848829909573.txt").read_text())
    (inbox / "empty.txt").write_text("")
    docs = tmp_path / "docs"
    result = CliRunner().invoke(main, ["build", str(inbox), "--docs", str(docs), "--no-site"])
    assert result.exit_code == 0
    document = json.loads((docs / "events.json").read_text())
    assert document["rejected"] == [{"input": "empty.txt", "line": None, "reason": "empty file"}]
    assert [m["article"] for e in document["events"] for m in e["members"]] == ["good.txt"]
    strict = CliRunner().invoke(
        main, ["build", str(inbox), "--docs", str(docs), "--no-site", "--strict"]
    )
    assert strict.exit_code == 1


@pytest.mark.parametrize(
    "page",
    [
        "index.md",
        "events/2020-01-17-350k-syrians-have-fled-russian-led-assault-in-idlib-un-says.md",
        "events/2020-01-17-syrian-regime-launches-ground-offensive-in-aleppo.md",
        "storylines/idlib-people-un.md",
        "sources/index.md",
        "tags/index.md",
        "archive/index.md",
    ],
)
def test_seed_pages_match_their_golden_files(
    built: Path, page: str, golden: Callable[[str, str], None]
) -> None:
    golden(f"seeds/{page}", (built / page).read_text(encoding="utf-8"))


def test_check_lists_every_problem_without_building(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(data_dir / "bad")])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "broken.jsonl:7: rejected: invalid JSON: Expecting ',' delimiter (column 71)" in lines
    assert "empty.txt: rejected: empty file" in lines
    assert "latin1.txt: repaired: decoded as cp1252" in lines
    assert lines[-1] == "9 articles readable, 8 rejected"
    clean = CliRunner().invoke(main, ["check", str(SEEDS)])
    assert (clean.exit_code, clean.output) == (0, "5 articles readable, 0 rejected\n")
