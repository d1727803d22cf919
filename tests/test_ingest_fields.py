"""Metadata read the same way from every format: keys, aliases, dates, notes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from dateutil import parser as dateparser
from hypothesis import given
from hypothesis import strategies as st

from digest.ingest.fields import _DATE_DEFAULTS, parse_date, read_metadata


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-01-17", date(2020, 1, 17)),
        ("17 January 2020", date(2020, 1, 17)),
        ("Jan 17, 2020", date(2020, 1, 17)),
        ("2020-01-17T23:30:00-05:00", date(2020, 1, 17)),  # the day where it was written
        ("Fri, 17 Jan 2020 01:42:00 +0200", date(2020, 1, 17)),
        ("Fri, 17 Jan 2020 09:00:00 EST", date(2020, 1, 17)),
    ],
)
def test_stated_dates_are_read_as_the_day_they_name(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["January 2020", "17 January", "Thursday", "10:30", "soon"])
def test_dates_missing_a_part_are_not_completed_from_today(text: str) -> None:
    assert parse_date(text) is None


@given(st.text(max_size=40))
def test_any_text_parses_to_a_date_or_none(text: str) -> None:
    assert parse_date(text) is None or isinstance(parse_date(text), date)


def test_first_key_in_precedence_order_wins() -> None:
    metadata = read_metadata({"headline": "Second", "Title": "First", "Publisher": "AP"})
    assert (metadata.title, metadata.source) == ("First", "AP")


def test_keys_match_without_case_or_separators() -> None:
    metadata = read_metadata({"publishedAt": "2020-01-17", "LANG": "en"})
    assert (metadata.published, metadata.language) == (date(2020, 1, 17), "en")


def test_datetime_values_give_their_date() -> None:
    published = datetime(2020, 1, 17, 23, 30, tzinfo=UTC)
    assert read_metadata({"date": published}).published == date(2020, 1, 17)


def test_whitespace_in_values_is_collapsed_and_blank_values_are_absent() -> None:
    metadata = read_metadata({"title": "  Idlib:\n 350,000  flee ", "source": "   ", "url": None})
    assert (metadata.title, metadata.source, metadata.url, metadata.notes) == (
        "Idlib: 350,000 flee",
        None,
        None,
        (),
    )


def test_author_list_is_joined_and_named_objects_give_their_name() -> None:
    metadata = read_metadata({"author": ["Rania Haddad", "Ali Kaya"], "source": {"name": "AFP"}})
    assert (metadata.author, metadata.source) == ("Rania Haddad, Ali Kaya", "AFP")


def test_values_of_the_wrong_kind_are_skipped_with_notes() -> None:
    metadata = read_metadata({"title": ["a", 1], "date": 1579219200, "url": True})
    assert (metadata.title, metadata.published, metadata.url) == (None, None, None)
    assert metadata.notes == (
        "ignored 'title' field that is not text",
        "ignored 'url' field that is not text",
        "ignored 'date' field that is not a date",
    )


def _parse_date_with_dateutil(text: str) -> date | None:
    """`parse_date` without its shortcut for `YYYY-MM-DD`."""
    try:
        first, second = (
            dateparser.parse(text, default=default, ignoretz=True) for default in _DATE_DEFAULTS
        )
    except (ValueError, OverflowError):
        return None
    return first.date() if first.date() == second.date() else None


@given(
    st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99), st.sampled_from(["", " ", "T"])
)
def test_an_iso_day_reads_as_dateutil_reads_it(year: int, month: int, day: int, end: str) -> None:
    text = f"{year:04d}-{month:02d}-{day:02d}{end}"
    assert parse_date(text) == _parse_date_with_dateutil(text)
