"""Plain-text articles: the metadata block, the ` date` line, and text kept whole."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from digest.errors import InputError
from digest.ingest import read_inputs
from digest.ingest.files import InputFile
from digest.ingest.txt import read_txt
from digest.model import Article


def _read(text: str, name: str = "article.txt") -> Article:
    [article] = read_txt(InputFile(name=name, data=text.encode("utf-8")))
    assert isinstance(article, Article)
    return article


def test_title_line_followed_by_headers_gives_title_source_date_and_url() -> None:
    article = _read(
        "Fed official says weak data caused by weather\n"
        "Source: Los Angeles Times\n"
        "Date: 2014-03-10\n"
        "URL: http://www.latimes.com/business/la-fi-mo-plosser-20140310\n"
        "\n"
        "Philadelphia Fed President Charles Plosser said on Monday…\n"
    )
    assert article.title == "Fed official says weak data caused by weather"
    assert article.source == "Los Angeles Times"
    assert article.published == date(2014, 3, 10)
    assert article.url == "http://www.latimes.com/business/la-fi-mo-plosser-20140310"
    assert article.text == "Philadelphia Fed President Charles Plosser said on Monday…"


def test_header_keys_are_case_insensitive_and_take_their_aliases(data_dir: Path) -> None:
    [article] = read_inputs([data_dir / "ingest" / "digest-ceasefire.txt"]).articles
    assert article.title == "Ceasefire in Idlib collapses"
    assert article.source == "Wire Service Digest"  # Publisher:
    assert article.published == date(2020, 1, 17)  # Published: Fri, 17 Jan 2020 09:00:00 GMT
    assert article.language == "en"
    assert article.url == "https://wire.example/digest/idlib-ceasefire"  # Link:
    assert article.text == (
        "A ceasefire announced by Russia on Sunday has largely collapsed, monitors said."
    )


def test_byline_and_updated_lines_in_the_body_stay_in_the_text(data_dir: Path) -> None:
    [article] = read_inputs([data_dir / "ingest" / "tass-wire.txt"]).articles
    assert article.author == "TASS correspondent in Geneva"  # the explicit Author: header
    assert article.text.endswith("\n\nBy TASS staff\nUpdated: January 17, 2020")


def test_date_line_gives_the_date_and_the_rest_of_the_line_stays_in_the_text() -> None:
    article = _read(
        " date 2020-01-17 %MINIFYHTML4eb2% %MINIFYHTML4eb3%\n\nThe head of human rights…\n"
    )
    assert article.published == date(2020, 1, 17)
    assert article.title is None
    assert article.text == "%MINIFYHTML4eb2% %MINIFYHTML4eb3%\n\nThe head of human rights…"


def test_date_line_without_leading_space_is_read_too() -> None:
    article = _read("date 2019-12-27\n\nThe UN has said that more than 235,000 people have fled.\n")
    assert article.published == date(2019, 12, 27)
    assert article.text == "The UN has said that more than 235,000 people have fled."


def test_lone_first_line_is_not_taken_as_a_title() -> None:
    text = "Syrian regime launches ground offensive in Aleppo\n\nThe Syrian regime and Iran-backed…"
    article = _read(text)
    assert article.title is None
    assert article.text == text


def test_unknown_key_ends_the_metadata_block() -> None:
    article = _read("Source: Reuters\nOriginal url: https://example.org/a\n\nBody.\n")
    assert article.source == "Reuters"
    assert article.url is None  # `Original url:` is the cleaner's to read
    assert article.text == "Original url: https://example.org/a\n\nBody."


def test_repeated_header_key_ends_the_metadata_block() -> None:
    article = _read("Source: Reuters\nSource: AP\n\nBody.\n")
    assert article.source == "Reuters"
    assert article.text == "Source: AP\n\nBody."


def test_explicit_title_header_wins_and_the_first_line_stays_in_the_text() -> None:
    article = _read("BREAKING\nTitle: Idlib ceasefire collapses\nSource: AP\n\nBody.\n")
    assert article.title == "Idlib ceasefire collapses"
    assert article.text == "BREAKING\n\nBody."


def test_headline_only_file_is_an_article_with_empty_text() -> None:
    article = _read("Nasa chief warns of budget cuts\nSource: Reuters\nDate: 2014-03-11\n")
    assert article.title == "Nasa chief warns of budget cuts"
    assert article.text == ""


def test_unparsable_date_is_noted_not_rejected() -> None:
    article = _read("Title: Idlib\nDate: 17 janvier 2020\n\nBody.\n")
    assert article.published is None
    assert article.notes == ("ignored unreadable date '17 janvier 2020'",)


def test_date_without_a_day_is_noted_not_guessed() -> None:
    article = _read("Title: Idlib\nDate: January 2020\n\nBody.\n")
    assert article.published is None
    assert article.notes == ("ignored unreadable date 'January 2020'",)


def test_headers_alone_without_title_or_text_are_rejected() -> None:
    with pytest.raises(InputError, match=r"^notes\.txt: no article text$"):
        read_txt(InputFile(name="notes.txt", data=b"Source: Reuters\nDate: 2020-01-17\n"))


def test_windows_newlines_are_normalised() -> None:
    article = _read("Title: Idlib\r\nSource: AP\r\n\r\nFirst.\r\n\r\nSecond.\r\n")
    assert article.text == "First.\n\nSecond."


@pytest.mark.parametrize(
    ("name", "published"),
    [
        ("000_60d6ce56c795b58e.txt", date(2020, 1, 17)),
        ("001_9f74695476fa3c8e.txt", None),
        ("002_c623d46ca901d4fa.txt", None),
        ("003_74ca848829909573.txt", date(2019, 12, 27)),
        ("004_c3037d0ae7c95c41.txt", None),
    ],
)
def test_seed_reads_with_only_its_explicit_metadata(
    seeds_dir: Path, name: str, published: date | None
) -> None:
    raw = (seeds_dir / name).read_text(encoding="utf-8")
    [article] = read_txt(InputFile(name=name, data=raw.encode("utf-8")))
    assert isinstance(article, Article)
    assert article.id == name
    assert article.published == published
    assert (article.title, article.source, article.url) == (None, None, None)
    if published is None:  # no metadata: the text is the whole file
        assert article.text == raw.strip("\n")
    else:  # the ` date` line's date went to `published`, the rest of the line stayed
        assert article.text.startswith("%MINIFYHTML")
        assert article.text in raw
