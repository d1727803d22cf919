"""Markdown articles: front matter, and the body reduced to plain text."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from digest.errors import InputError
from digest.ingest import read_inputs
from digest.ingest.files import InputFile
from digest.ingest.markdown import read_markdown
from digest.model import Article


def _read(text: str, name: str = "article.md") -> Article:
    [article] = read_markdown(InputFile(name=name, data=text.encode("utf-8")))
    assert isinstance(article, Article)
    return article


def test_front_matter_gives_the_metadata(data_dir: Path) -> None:
    [article] = read_inputs([data_dir / "ingest" / "syria-roundup.md"]).articles
    assert article.id == "syria-roundup.md"
    assert article.title == "Syria roundup: ground offensive in Aleppo, UN warns on Idlib"
    assert article.source == "Anadolu Agency"
    assert article.published == date(2020, 1, 17)  # YAML gives a date object
    assert article.url == "https://www.aa.com.tr/en/middle-east/syria-roundup-17-january/1705263"
    assert article.author == "Ahmet Kaplan"
    assert article.language == "en"
    assert article.notes == ()


def test_roundup_body_becomes_paragraphs_with_headings_kept(data_dir: Path) -> None:
    [article] = read_inputs([data_dir / "ingest" / "syria-roundup.md"]).articles
    assert article.text.split("\n\n") == [
        "The Syrian regime and Iran-backed terror groups on Jan. 17 launched a ground offensive"
        " in Aleppo province, which was designated as a de-escalation zone.",
        "## UN calls for immediate cessation of hostilities",
        "United Nations human rights chief Michelle Bachelet called on Jan. 17 for an immediate"
        " cessation of hostilities in Syria's opposition-held Idlib province, saying the latest"
        " ceasefire attempt had yet again failed to protect civilians.",
        '"It is deeply distressing that civilians continue to be killed on a daily basis,"'
        " Bachelet said.",
        "## Over 350,000 displaced since December",
        "According to the UN Office for the Coordination of Humanitarian Affairs:",
        "350,000 people fled Idlib since Dec. 1\n"
        "most of them are women and children\n"
        "many sheltered near the Turkish border",
        "Tents at a camp for displaced people near Atmeh. Photo: AA",
        "Figures were compiled with OCHA data:",
        "Dec. 1 - Jan. 16: 350,000 displaced",
    ]


def test_leading_h1_is_the_title_when_front_matter_has_none(data_dir: Path) -> None:
    [article] = read_inputs([data_dir / "ingest" / "briefing-note.md"]).articles
    assert article.title == "Idlib: what we know on Friday morning"
    assert article.text == (
        "Updated 07:30 GMT\n\n"
        "The UN says around 350,000 people have fled since early December.\n"
        "Russia announced a ceasefire on Sunday; it has largely collapsed.\n\n"
        "Sources: OCHA situation report, Reuters, AFP.\n\n"
        "Compiled by the overnight desk."
    )


def test_leading_h1_stays_in_the_body_when_front_matter_has_a_title() -> None:
    article = _read("---\ntitle: Idlib\n---\n# Idlib, day 40\n\nBody.\n")
    assert article.title == "Idlib"
    assert article.text == "# Idlib, day 40\n\nBody."


def test_setext_h1_is_a_title_too() -> None:
    article = _read("Idlib: 350,000 flee\n===\n\nBody.\n")
    assert article.title == "Idlib: 350,000 flee"
    assert article.text == "Body."


def test_escaped_hash_paragraph_is_not_a_title() -> None:
    article = _read("\\# 1 story of the day\n\nBody.\n")
    assert article.title is None
    assert article.text == "# 1 story of the day\n\nBody."


def test_inline_markup_is_reduced_to_its_text() -> None:
    article = _read(
        "Said *Bachelet*, **again**, in [a statement](https://ohchr.org/x)"
        " with `code`,\nwrapped line<br>and a break.\n"
    )
    assert article.text == (
        "Said Bachelet, again, in a statement with code, wrapped line\nand a break."
    )


def test_broken_front_matter_is_rejected_with_its_line_number(data_dir: Path) -> None:
    result = read_inputs([data_dir / "bad" / "front-matter.md"])
    assert result.articles == ()
    [rejected] = result.rejected
    assert (rejected.input, rejected.line) == ("front-matter.md", 2)
    assert rejected.reason == "invalid YAML front matter: mapping values are not allowed here"


def test_front_matter_that_is_not_a_mapping_is_rejected() -> None:
    with pytest.raises(InputError, match=r"^list\.md:1: front matter is not a mapping$"):
        read_markdown(InputFile(name="list.md", data=b"---\n- a\n- b\n---\nBody.\n"))


def test_front_matter_error_keeps_the_yaml_error_as_its_cause() -> None:
    with pytest.raises(InputError) as caught:
        read_markdown(InputFile(name="x.md", data=b"---\ntitle: [unclosed\n---\nBody.\n"))
    assert caught.value.__cause__ is not None


def test_unterminated_front_matter_is_read_as_markdown() -> None:
    article = _read("---\n\nAround 350,000 Syrians have fled.\n")
    assert article.text == "Around 350,000 Syrians have fled."


def test_front_matter_value_of_the_wrong_kind_is_noted_and_skipped() -> None:
    article = _read("---\ntitle: {nested: map}\ndate: next week\n---\n# Idlib\n\nBody.\n")
    assert article.title == "Idlib"
    assert article.published is None
    assert article.notes == (
        "ignored 'title' field that is not text",
        "ignored unreadable date 'next week'",
    )
