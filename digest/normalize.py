"""Pure normalisers shared by compare and merge: numbers and dates as newspapers write them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from digest.similarity import STOP_WORDS

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
SMALL_NUMBERS = {
    word: value
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
     "ninety": 90, "hundred": 100, "dozen": 12}  # fmt: skip
SCALES = {
    "thousand": Decimal(1_000),
    "k": Decimal(1_000),
    "million": Decimal(1_000_000),
    "m": Decimal(1_000_000),
    "mn": Decimal(1_000_000),
    "billion": Decimal(1_000_000_000),
    "bn": Decimal(1_000_000_000),
    "b": Decimal(1_000_000_000),
}
QUALIFIERS = (
    "at least", "more than", "over", "nearly", "almost", "close to", "around", "about",
    "some", "roughly", "approximately", "up to", "fewer than", "less than", "under",
)  # fmt: skip
APPROXIMATE = frozenset({"nearly", "almost", "close to", "around", "about", "some", "roughly",
                         "approximately"})  # fmt: skip
CURRENCIES = frozenset("$€£¥")  # "$1 million, but …": the currency names what is counted
APPROXIMATE_TOLERANCE = Decimal("0.1")  # "nearly 400,000" covers 360,000-440,000

_DIGITS = r"\d+(?:[,\u00a0\u202f ]\d{3,4})*(?:\.\d+)?"
_WORD_NUMBER = "|".join(sorted(SMALL_NUMBERS, key=len, reverse=True))
_SCALE = r"(?:\s*(?:thousand|million|billion|mn|bn)\b|(?<=\d)[kKmMbB]\b)"
_QUALIFIER = "|".join(q.replace(" ", r"\s+") for q in QUALIFIERS)
_WORD_START = r"\b(?=\w)"
"""Where every match of the patterns below starts (each alternative begins with `\b`, or
with a digit not after a word character): said first, it spares the engine trying every
alternative inside words, a third of the time of `find_numbers` and `find_dates`."""
NUMBER_PATTERN = re.compile(
    rf"{_WORD_START}(?:\b(?P<qualifier>{_QUALIFIER})\s+)?"
    rf"(?P<number>(?:(?<![\w.,]){_DIGITS}|\b(?:{_WORD_NUMBER})(?:-(?:{_WORD_NUMBER}))?\b)"
    rf"{_SCALE}?)"
    rf"(?:(?:\s+|-)(?P<unit>[A-Za-z][\w-]*))?",
    re.IGNORECASE,
)
_SCALE_ENDINGS = tuple(
    (word, re.compile(rf"(?:\s|(?<=\d)){word}$", re.IGNORECASE), factor)
    for word, factor in SCALES.items()
)
_SEPARATORS = re.compile(r"[,\u00a0\u202f ]")
_YEAR = re.compile(r"(19|20)\d\d")
_DIGIT = re.compile(r"\d")
_WORD_RUN = re.compile(r"\w+")
_MALFORMED_GROUPING = re.compile(r"\d,\d{4}|\d,\d{1,2}(?!\d)")
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
DATE_PATTERN = re.compile(
    rf"{_WORD_START}(?:\b(?P<last>last\s+)?(?P<weekday>{'|'.join(WEEKDAYS)})\b"
    r"|\b(?P<iso>\d{4}-\d{2}-\d{2})\b"
    r"|\b(?P<first>\d{1,2})[/.](?P<second>\d{1,2})[/.](?P<year3>\d{4})\b"
    rf"|\b(?P<month>{_MONTH_NAMES})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{{4}}))?"
    rf"|\b(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month2>{_MONTH_NAMES})\b\.?(?:\s+(?P<year2>\d{{4}}))?"
    rf"|\b(?P<relative>yesterday|today)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class NumberMention:
    """A figure in a sentence: `at least 21 civilians`."""

    text: str
    figure: str
    """The number alone, as written (`350,0000`)."""
    value: Decimal
    qualifier: str | None
    unit: str | None
    """The word after the figure, as written (`civilians`), naming what is counted."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DateMention:
    """A day named in a sentence, resolved to a date when it can be."""

    text: str
    value: date | None
    start: int


def parse_number(text: str) -> Decimal | None:
    """Read a number as a newspaper writes it; a qualifier in front is ignored.

    >>> parse_number("350,000")
    Decimal('350000')
    >>> parse_number("nearly 3 million")
    Decimal('3000000')
    >>> parse_number("350K"), parse_number("3.5 million"), parse_number("three million")
    (Decimal('350000'), Decimal('3500000'), Decimal('3000000'))
    >>> parse_number("350 000"), parse_number("twenty-one"), parse_number("many")
    (Decimal('350000'), Decimal('21'), None)
    """
    match = NUMBER_PATTERN.fullmatch(text.strip()) or NUMBER_PATTERN.search(text)
    if match is None:
        return None
    return _value(match.group("number"))


@lru_cache(maxsize=1 << 14)
def _value(number: str) -> Decimal | None:
    """The value of a figure as `NUMBER_PATTERN` finds it (cached: the same figures come
    back in many sentences, and trying each scale's ending was most of the time)."""
    number = number.strip()
    scale = Decimal(1)
    for word, ending, factor in _SCALE_ENDINGS:
        if ending.search(number):
            scale = factor
            number = number[: -len(word)].strip()
            break
    lowered = number.lower()
    if lowered[:1].isalpha():
        parts = lowered.split("-")
        if not all(p in SMALL_NUMBERS for p in parts):
            return None
        return Decimal(sum(SMALL_NUMBERS[p] for p in parts)) * scale
    try:
        value = Decimal(_SEPARATORS.sub("", number)) * scale
    except InvalidOperation:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def format_number(value: Decimal) -> str:
    """Write a number with comma thousands separators, the inverse of `parse_number`.

    >>> format_number(Decimal("350000")), format_number(Decimal("3.5"))
    ('350,000', '3.5')
    """
    return f"{value.normalize():,f}"


def is_malformed_number(text: str) -> bool:
    """Tell whether digit grouping is broken, as in a typo (`350,0000`).

    >>> is_malformed_number("350,0000"), is_malformed_number("350,000")
    (True, False)
    """
    return bool(_MALFORMED_GROUPING.search(text))


@lru_cache(maxsize=1 << 16)
def find_numbers(sentence: str) -> tuple[NumberMention, ...]:
    """The figures of a sentence, days of dates and years left out.

    Cached: the key figures, the number differences and the self-contradiction check
    all read the same sentences of an event.

    >>> [(n.value, n.qualifier, n.unit) for n in find_numbers(
    ...     "On Jan. 14 at least 21 civilians were killed in 2020.")]
    [(Decimal('21'), 'at least', 'civilians')]
    """
    if not _may_hold_a_number(sentence):
        return ()
    blanked = _blank_dates(sentence)
    mentions = []
    for match in NUMBER_PATTERN.finditer(blanked):
        value = _value(match.group("number"))
        if value is None or _is_year(match.group("number")):
            continue
        qualifier = match.group("qualifier")
        currency = blanked[max(match.start("number") - 1, 0) : match.start("number")]
        mentions.append(
            NumberMention(
                text=match.group(0).strip(),
                figure=match.group("number"),
                value=value,
                qualifier=" ".join(qualifier.lower().split()) if qualifier else None,
                unit=_unit(match.group("unit")) or (currency if currency in CURRENCIES else None),
            )
        )
    return tuple(mentions)


def _unit(word: str | None) -> str | None:
    """The counted thing; a function word after a figure (`one of`, `21 in`) names none."""
    return word if word and word.lower() not in STOP_WORDS else None


def _may_hold_a_number(sentence: str) -> bool:
    """False when `NUMBER_PATTERN` cannot match, found much faster than by running it.

    A figure has a digit or is a number word standing whole between word boundaries;
    in ASCII text a case-insensitive match of one is that word, lower-cased, among the
    text's runs of word characters. Other text is left to the pattern.
    """
    if _DIGIT.search(sentence) is not None or not sentence.isascii():
        return True
    return not SMALL_NUMBERS.keys().isdisjoint(_WORD_RUN.findall(sentence.lower()))


def _blank_dates(sentence: str) -> str:
    blanked = sentence
    for match in _date_matches(sentence):
        start, end = match.span()
        blanked = blanked[:start] + " " * (end - start) + blanked[end:]
    return blanked


@lru_cache(maxsize=1 << 16)
def _date_matches(sentence: str) -> tuple[re.Match[str], ...]:
    """`DATE_PATTERN`'s matches in a sentence (cached: a sentence's figures and days are
    looked for by several comparisons).

    The pattern needs a digit or a word ending in `day` (a weekday, `yesterday`,
    `today`): a sentence with neither is not searched. `day` has no other case forms
    for the pattern's case-insensitive matching, so lower-casing finds every one.
    """
    if _DIGIT.search(sentence) is None and "day" not in sentence.lower():
        return ()
    return tuple(DATE_PATTERN.finditer(sentence))


def _is_year(number: str) -> bool:
    return bool(_YEAR.fullmatch(number.strip()))


def numbers_agree(a: NumberMention, b: NumberMention) -> bool:
    """Tell whether two figures can both be true, their qualifiers considered.

    >>> n = find_numbers
    >>> numbers_agree(n("nearly 400,000 people")[0], n("close to 400,000 people")[0])
    True
    >>> numbers_agree(n("at least 40 people")[0], n("39 people")[0])
    False
    """
    if a.value == b.value:
        return True
    return _admits(a, b.value) and _admits(b, a.value)


def _admits(mention: NumberMention, value: Decimal) -> bool:
    """Whether a figure, read with its qualifier, allows another value."""
    qualifier = mention.qualifier
    if qualifier is None:
        return mention.value == value
    if qualifier in APPROXIMATE:
        return abs(mention.value - value) <= APPROXIMATE_TOLERANCE * mention.value
    if qualifier in {"at least"}:
        return value >= mention.value
    if qualifier in {"more than", "over"}:
        return value > mention.value
    return value < mention.value or (qualifier == "up to" and value == mention.value)


def resolve_weekday(published: date, weekday: str) -> date:
    """The day a weekday names in an article published on `published`.

    News writes "on Thursday" for the past week: the latest such day on or before
    the publication date.

    >>> resolve_weekday(date(2020, 1, 17), "Thursday")
    datetime.date(2020, 1, 16)
    >>> resolve_weekday(date(2020, 1, 17), "sunday")
    datetime.date(2020, 1, 12)
    """
    target = WEEKDAYS.index(weekday.lower())
    return published - timedelta(days=(published.weekday() - target) % 7)


def find_dates(
    sentence: str, published: date | None, *, month_first: bool = False
) -> list[DateMention]:
    """The days a sentence names, resolved against the article's publication date.

    Args:
        sentence: the text to search.
        published: the article's publication date, for weekdays and missing years.
        month_first: read `12/01/2020` as December 1st (US usage) instead of 12 January.

    >>> [(d.text, d.value) for d in find_dates(
    ...     "On Jan. 14 and on Wednesday", date(2020, 1, 17))]
    [('Jan. 14', datetime.date(2020, 1, 14)), ('Wednesday', datetime.date(2020, 1, 15))]
    >>> [d.value for d in find_dates("on 12/01/2020 and last Friday", date(2020, 1, 17))]
    [datetime.date(2020, 1, 12), datetime.date(2020, 1, 10)]
    """
    return [
        DateMention(text=m.group(0), value=_resolve(m, published, month_first), start=m.start())
        for m in _date_matches(sentence)
    ]


def _resolve(match: re.Match[str], published: date | None, month_first: bool) -> date | None:
    if match.group("weekday"):
        if published is None:
            return None
        named = resolve_weekday(published, match.group("weekday"))
        return named - timedelta(days=7) if match.group("last") and named == published else named
    if match.group("relative"):
        if published is None:
            return None
        back = 1 if match.group("relative").lower() == "yesterday" else 0
        return published - timedelta(days=back)
    if match.group("iso"):
        return _iso_date(match.group("iso"))
    if match.group("first"):
        return _numeric_date(match, month_first)
    month = MONTHS[(match.group("month") or match.group("month2")).lower()]
    day = int(match.group("day") or match.group("day2"))
    year = match.group("year") or match.group("year2")
    return _calendar_date(int(year) if year else None, month, day, published)


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _numeric_date(match: re.Match[str], month_first: bool) -> date | None:
    """`12/01/2020`: day first unless the source writes US dates; a part over 12 decides."""
    first, second, year = (
        int(match.group("first")),
        int(match.group("second")),
        int(match.group("year3")),
    )
    if first > 12 or (not month_first and second <= 12):
        day, month = first, second
    else:
        month, day = first, second
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _calendar_date(year: int | None, month: int, day: int, published: date | None) -> date | None:
    """Complete a day and month with the year that puts it closest before publication."""
    if year is None:
        if published is None:
            return None
        year = published.year
        if (month, day) > (published.month, published.day) and month - published.month > 6:
            year -= 1
    try:
        return date(year, month, day)
    except ValueError:
        return None
