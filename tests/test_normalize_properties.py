from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from digest.normalize import (
    WEEKDAYS,
    find_dates,
    find_numbers,
    format_number,
    numbers_agree,
    parse_number,
    resolve_weekday,
)

days = st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31))


@given(st.integers(min_value=0, max_value=10**12))
def test_formatting_then_parsing_gives_the_number_back(n: int) -> None:
    assert parse_number(format_number(Decimal(n))) == n


@given(st.integers(min_value=1000, max_value=999_999))
def test_separators_do_not_change_a_number(n: int) -> None:
    high, low = divmod(n, 1000)
    assert parse_number(f"{high},{low:03d}") == parse_number(f"{high} {low:03d}") == n
    assert parse_number(str(n)) == n


@given(days, st.sampled_from(WEEKDAYS))
def test_a_weekday_resolves_to_that_day_within_the_week_before_publication(
    published: date, weekday: str
) -> None:
    resolved = resolve_weekday(published, weekday)
    assert WEEKDAYS[resolved.weekday()] == weekday
    assert published - timedelta(days=6) <= resolved <= published


def test_weekday_resolves_to_the_previous_thursday() -> None:
    assert resolve_weekday(date(2020, 1, 17), "Thursday") == date(2020, 1, 16)


def test_a_sunday_in_a_friday_article_is_the_twelfth() -> None:
    (sunday,) = find_dates("formally took effect on Sunday", date(2020, 1, 17))
    (jan12,) = find_dates("formally took effect on Jan. 12", date(2020, 1, 17))
    assert sunday.value == jan12.value == date(2020, 1, 12)


def test_a_day_without_a_year_takes_the_year_before_publication_when_needed() -> None:
    (december,) = find_dates("between December 12 and", date(2020, 1, 3))
    assert december.value == date(2019, 12, 12)


def test_approximations_of_the_same_figure_agree() -> None:
    (a,) = find_numbers("nearly 3 million people")
    (b,) = find_numbers("almost three million people")
    assert a.value == b.value == 3_000_000
    assert numbers_agree(a, b)


def test_a_lower_bound_contradicts_a_smaller_exact_figure() -> None:
    (bound,) = find_numbers("at least 40 people")
    (exact,) = find_numbers("killed 39 people")
    assert not numbers_agree(bound, exact)


def test_a_mangled_figure_is_read_as_written() -> None:
    (mangled,) = find_numbers("350,0000 Syrians have fled")
    assert mangled.value == 3_500_000
    assert mangled.unit == "Syrians"


@given(st.integers(min_value=1, max_value=10**9), st.sampled_from(["nearly", "around", "some"]))
def test_an_approximation_agrees_with_itself(n: int, qualifier: str) -> None:
    (a,) = find_numbers(f"{qualifier} {format_number(Decimal(n))} people")
    (b,) = find_numbers(f"{format_number(Decimal(n))} people")
    assert numbers_agree(a, b)


def test_numeric_dates_are_day_first_unless_the_source_writes_us_dates() -> None:
    (european,) = find_dates("on 12/01/2020", date(2020, 1, 17))
    (american,) = find_dates("on 12/01/2020", date(2020, 1, 17), month_first=True)
    (unambiguous,) = find_dates("on 01/13/2020", date(2020, 1, 17))
    assert european.value == date(2020, 1, 12)
    assert american.value == date(2020, 12, 1)
    assert unambiguous.value == date(2020, 1, 13)


@given(days, st.sampled_from(WEEKDAYS))
def test_last_weekday_is_never_the_publication_day(published: date, weekday: str) -> None:
    (mention,) = find_dates(f"last {weekday.capitalize()}", published)
    assert mention.value is not None
    assert published - timedelta(days=7) <= mention.value < published
    assert WEEKDAYS[mention.value.weekday()] == weekday
