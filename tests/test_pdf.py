"""`digest pdf`: the seeds' briefing as a PDF, read back with pypdf.

Each PDF here is built once per module (WeasyPrint takes a second or two a document).
"""

from __future__ import annotations

import logging
import os
import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from digest import pdf
from digest.cli import main
from digest.config import PROJECT_ROOT, make_config
from digest.errors import DigestError
from digest.model import BuildResult, DifferenceKind, Stories
from digest.pdf import NoEventsError, render_pdf, select_edition, write_atomically, write_pdf
from digest.pipeline import run_pipeline
from tests.factories import story

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
EVENT_A = "350K Syrians Have Fled Russian-Led Assault in Idlib, UN Says"
EVENT_B = "Syrian regime launches ground offensive in Aleppo"
EVENT_C = "The UN has said that more than 235,000 people have fled the Idlib region"


def page_texts(path: Path) -> list[str]:
    """Each page's text, no-break spaces as spaces."""
    return [page.extract_text().replace("\xa0", " ") for page in PdfReader(path).pages]


def outline_titles(path: Path) -> tuple[list[str], list[str]]:
    """The top-level bookmarks (contents, days) and those nested under them (events)."""
    top: list[str] = []
    nested: list[str] = []
    for item in PdfReader(path).outline:
        if isinstance(item, list):
            nested += [str(child.title) for child in item if not isinstance(child, list)]
        else:
            top.append(str(item.title))
    return top, nested


def squeezed(text: str) -> str:
    """The text without whitespace: a URL wrapped over two lines reads whole again."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def seeds_result() -> BuildResult:
    return run_pipeline(make_config([SEEDS], build_site=False))


@pytest.fixture(scope="module")
def briefing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("pdf") / "briefing.pdf"
    write_pdf(make_config([SEEDS], build_site=False), target)
    return target


@pytest.fixture(scope="module")
def pages(briefing: Path) -> list[str]:
    return page_texts(briefing)


# --- The whole briefing -----------------------------------------------------------------


def test_the_cover_gives_the_date_range_and_the_counts(pages: list[str]) -> None:
    cover = pages[0]
    assert "News briefing" in cover
    assert "December 27, 2019 – January 17, 2020" in cover
    assert "3 events" in cover
    assert "5 articles" in cover


def test_the_contents_list_the_events_newest_day_first_with_their_pages(pages: list[str]) -> None:
    contents = pages[1]
    assert contents.startswith("Contents")
    positions = [contents.index(title) for title in (EVENT_A, EVENT_B, EVENT_C)]
    assert positions == sorted(positions)  # A has three independent reports, B one
    for title in (EVENT_A, EVENT_B, EVENT_C):
        match = re.search(re.escape(title) + r".*?\.\s*(\d+)$", contents, re.MULTILINE)
        assert match, title
        assert title in pages[int(match[1]) - 1]


def test_the_bookmarks_are_the_days_and_their_events(briefing: Path) -> None:
    days, events = outline_titles(briefing)
    assert days == ["Contents", "Friday, January 17, 2020", "Friday, December 27, 2019"]
    assert events == [EVENT_A, EVENT_B, EVENT_C]


def test_every_page_after_the_cover_has_its_number_and_the_running_header(
    pages: list[str],
) -> None:
    assert "Page 1 of" not in pages[0]
    for number, text in enumerate(pages[1:], start=2):
        assert f"Page {number} of {len(pages)}" in text
        assert "News briefing" in text


def test_each_event_has_its_story_with_source_markers(pages: list[str]) -> None:
    body = "\n".join(pages[2:])
    for title in (EVENT_A, EVENT_B, EVENT_C):
        assert title in body
    assert body.count("The story") == 0  # headings are set in capitals
    assert body.count("THE STORY") == 3
    assert re.search(r"failed to protect\s+civilians\. \[\d\](\[\d\])+", body)


def test_the_350_0000_typo_is_shown_where_sources_differ(
    pages: list[str], seeds_result: BuildResult
) -> None:
    body = "\n".join(pages[2:])
    assert "WHERE SOURCES DIFFER" in body
    (typo,) = [
        d
        for s in seeds_result.stories
        for d in s.differences
        if d.kind == DifferenceKind.NUMBER and any("350,0000" in v.text for v in d.values)
    ]
    box = body[body.index(f"Number: {typo.subject}") :]
    for value in typo.values:
        assert f"“{value.text}” ({value.normalized})" in box
    assert "350,0000" in box
    assert "350,000" in box


def test_the_sources_are_listed_with_their_urls_in_full(
    pages: list[str], seeds_result: BuildResult
) -> None:
    body = squeezed("\n".join(pages[2:]))
    urls = {s.article.url for story in seeds_result.stories for s in story.event.segments}
    assert {url for url in urls if url}  # the seeds carry at least one address
    for url in urls:
        if url:
            assert squeezed(url) in body


def test_the_pdf_is_dated_by_its_newest_event_not_the_clock(briefing: Path) -> None:
    metadata = PdfReader(briefing).metadata
    assert metadata is not None
    assert metadata.creation_date_raw == "D:20200117"
    assert metadata.modification_date_raw == "D:20200117"
    assert metadata.title == "News briefing"


# --- Laid out in parts -----------------------------------------------------------------


@pytest.fixture(scope="module")
def one_event_parts(seeds_result: BuildResult) -> tuple[bytes, bytes]:
    """The seeds' briefing laid out one event per part, in this process and on two workers."""
    edition = select_edition(seeds_result)
    templates = PROJECT_ROOT / "templates"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf, "PART_EVENTS", 1)
        assert len(pdf.split_parts(edition)) == 3  # January 17 cut in two, December 27
        return tuple(  # type: ignore[return-value]
            pdf.render_edition(edition, templates_dir=templates, locale="en", workers=n).content
            for n in (1, 2)
        )


def test_the_parts_give_the_same_bytes_whatever_the_workers(
    one_event_parts: tuple[bytes, bytes],
) -> None:
    alone, two = one_event_parts
    assert alone == two


def test_parts_keep_the_numbers_bookmarks_and_links(
    one_event_parts: tuple[bytes, bytes], tmp_path: Path
) -> None:
    path = tmp_path / "parts.pdf"
    path.write_bytes(one_event_parts[0])
    pages = page_texts(path)
    for number, text in enumerate(pages[1:], start=2):
        assert f"Page {number} of {len(pages)}" in text
    days, events = outline_titles(path)  # January 17 continued is not bookmarked again
    assert days == ["Contents", "Friday, January 17, 2020", "Friday, December 27, 2019"]
    assert events == [EVENT_A, EVENT_B, EVENT_C]
    reader = PdfReader(path)
    targets = {
        name: reader.get_destination_page_number(dest)
        for name, dest in reader.named_destinations.items()
    }
    links = [annotation.get_object() for annotation in reader.pages[1].get("/Annots", [])]
    linked = [str(link["/Dest"]) for link in links]  # a link per box of an entry's text
    assert sorted(set(linked), key=linked.index) == ["event-1", "event-2", "event-3"]
    for number, title in enumerate((EVENT_A, EVENT_B, EVENT_C), start=1):
        match = re.search(re.escape(title) + r".*?\.\s*(\d+)$", pages[1], re.MULTILINE)
        assert match, title
        assert targets[f"event-{number}"] == int(match[1]) - 1
        assert title in pages[int(match[1]) - 1]
        assert pages[int(match[1]) - 1].count("Friday, January 17, 2020") >= (number < 3)


# --- One day, another language ----------------------------------------------------------


def test_a_day_edition_holds_only_that_days_events_in_the_locale(tmp_path: Path) -> None:
    target = tmp_path / "day.pdf"
    config = make_config([SEEDS], build_site=False, locale="fr")
    summary = write_pdf(config, target, day=date(2019, 12, 27))
    assert summary.events == 1
    text = "\n".join(page_texts(target))
    assert outline_titles(target) == (["Sommaire", "Vendredi 27 décembre 2019"], [EVENT_C])
    assert EVENT_B not in text
    assert "350,0000" not in text  # event A's typo; its title is still there, naming the storyline
    assert "Vendredi 27 décembre 2019" in text
    assert "27 décembre 2019 · 1 source" in text
    assert "Page 4 sur 4" in text  # the interface is French too


def test_select_edition_ranks_by_day_then_independent_reports_then_sources() -> None:
    day, earlier = date(2020, 1, 17), date(2020, 1, 16)
    result = BuildResult(
        stories=Stories.of(
            (
                story("wire-copies", day, ["A", "B", "C"], origins=1),
                story("two-reports", day, ["A", "B"]),
                story("one-report", day, ["A"]),
                story("also-one", day, ["B"]),
                story("earlier", earlier, ["A", "B", "C", "D"]),
                story("undated", None, ["A"]),
            )
        ),
        storylines=(),
        rejected=(),
        articles=(),
    )
    edition = select_edition(result)
    assert [e.story.event.id for e in edition.events] == [
        "two-reports",
        "wire-copies",
        "also-one",
        "one-report",
        "earlier",
        "undated",
    ]
    assert [d.date for d in edition.days] == [day, earlier, None]
    assert (edition.first_day, edition.last_day) == (earlier, day)
    assert [e.number for e in edition.events] == [1, 2, 3, 4, 5, 6]
    assert [e.story.event.id for e in select_edition(result, earlier).events] == ["earlier"]


def test_nothing_to_print_is_an_error_not_an_empty_pdf() -> None:
    empty = BuildResult(stories=Stories.of(()), storylines=(), rejected=(), articles=())
    with pytest.raises(NoEventsError, match="no events to print"):
        select_edition(empty)


# --- Article text is data ---------------------------------------------------------------

HOSTILE = """\
<script>alert("x")</script> Idlib {{ 7*7 }}
Source: <b>Evil</b> News
Date: 2020-01-17
URL: javascript:alert(1)

Fighting in <img src="file:///etc/passwd"> Idlib displaced 1,000 people on Friday, the UN said.
<link rel="stylesheet" href="http://example.org/steal.css"> The agency called for a truce.
"""


def test_a_hostile_article_stays_text_and_nothing_is_fetched(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    target = tmp_path / "hostile.pdf"
    with caplog.at_level(logging.WARNING):
        write_pdf(make_config([tmp_path / "in"], build_site=False), target)
    text = "\n".join(page_texts(target))
    assert '<script>alert("x")</script> Idlib {{ 7*7 }}' in text
    assert '<img src="file:///etc/passwd">' in text
    assert "<b>Evil</b> News" in text
    assert "javascript:alert(1) (not a web link)" in text
    assert "root:" not in text
    assert not [r for r in caplog.records if r.name.startswith(("digest.pdf", "weasyprint"))]


def test_the_pdf_engine_fetches_nothing_even_when_asked(caplog: pytest.LogCaptureFixture) -> None:
    html = (
        '<link rel="stylesheet" href="http://example.org/a.css">'
        '<p>x<img src="file:///etc/passwd"><img src="https://example.org/b.png"></p>'
    )
    with caplog.at_level(logging.WARNING, logger="digest.pdf"):
        rendered = render_pdf(html, "p { background: url(http://example.org/c.png) }")
    assert rendered.pages == 1
    refused = sorted(r.getMessage() for r in caplog.records if r.name == "digest.pdf")
    assert len(refused) == 4
    assert all(message.startswith("refused to fetch ") for message in refused)


# --- Writing the file -------------------------------------------------------------------


def test_a_failed_write_keeps_the_previous_pdf_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "briefing.pdf"
    write_atomically(target, b"old")
    assert target.read_bytes() == b"old"

    def full_disk(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(DigestError, match=r"cannot write .*briefing\.pdf: No space left on device"):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["briefing.pdf"]


# --- The command line -------------------------------------------------------------------


def test_the_command_writes_the_same_bytes_as_before(briefing: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "briefing.pdf"
    result = CliRunner().invoke(main, ["pdf", str(SEEDS), "-o", str(target)])
    assert result.exit_code == 0, result.output
    pages = len(PdfReader(target).pages)
    assert result.output == f"3 events on {pages} pages → {target}\n"
    assert target.read_bytes() == briefing.read_bytes()


def test_a_day_without_events_is_one_line_of_error_and_no_file(tmp_path: Path) -> None:
    target = tmp_path / "day.pdf"
    result = CliRunner().invoke(main, ["pdf", str(SEEDS), "-o", str(target), "--day", "2020-01-18"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: no events dated 2020-01-18: the events run from 2019-12-27 to 2020-01-17\n"
    )
    assert not list(tmp_path.iterdir())
