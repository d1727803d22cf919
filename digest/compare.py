"""Stage 6: find where an event's sources disagree.

Precision first: a false "sources disagree" teaches readers to ignore the section. So
values are only compared inside one claim group (the same statement in each source),
figures only when they count the same thing (`350,000 Syrians` against `350,0000
Syrians`), days only when both sentences name the same number of days, and a
qualifier is read before calling two figures a conflict (`nearly 400,000` and
`close to 400,000` agree; `at least 40` and `39` do not).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from digest.align import ClaimGroup, Mention
from digest.model import Difference, DifferenceKind, Event, Segment, Value
from digest.normalize import (
    NumberMention,
    find_dates,
    find_numbers,
    format_number,
    is_malformed_number,
    numbers_agree,
)
from digest.similarity import stem
from digest.text import sentences_of

DATELINE_TOLERANCE_DAYS = 7  # a page date a week off the article's is a scrape date
CASUALTY_WORDS = frozenset({"killed", "died", "dead", "deaths", "killing", "wounded", "injured"})
SUBJECT_WORDS = 10  # a date difference is named by the first words of its claim


def find_differences(event: Event, claims: Sequence[ClaimGroup]) -> tuple[Difference, ...]:
    """List the disagreements between (and within) the sources of one event.

    Args:
        event: the event, for its members' publication dates and metadata.
        claims: its claim groups, from `align_claims`.

    Returns:
        Differences in a stable order: numbers, dates, internal, metadata.
    """
    published = _reference_dates(event)
    groups = [*claims, _title_group(event)]
    found = [
        *(d for g in groups for d in _number_differences(g)),
        *(d for g in claims for d in _date_differences(g, published)),
        *(d for s in event.segments for d in _internal_differences(s, published[s.id])),
        *(d for s in event.segments for d in _metadata_differences(s)),
    ]
    return tuple(dict.fromkeys(found))


def _reference_dates(event: Event) -> dict[str, date | None]:
    """Each member's publication date; an undated one is read against the event's date."""
    return {s.id: s.published or event.date for s in event.segments}


def _title_group(event: Event) -> ClaimGroup:
    """Headlines and standfirsts, compared like one claim: they summarise the same event."""
    mentions: list[Mention] = []
    for segment in event.segments:
        mentions.extend(
            Mention(segment=segment.id, position=0.0, text=text)
            for text in (
                segment.title,
                segment.article.subtitle if segment.number is None else None,
            )
            if text
        )
    return ClaimGroup(mentions=tuple(mentions))


def _number_differences(claim: ClaimGroup) -> Iterable[Difference]:
    by_unit: defaultdict[str, list[tuple[Mention, NumberMention]]] = defaultdict(list)
    for mention in claim.mentions:
        for number in find_numbers(mention.text):
            if number.unit:
                by_unit[stem(number.unit)].append((mention, number))
    for unit, found in sorted(by_unit.items()):
        if len({m.segment for m, _ in found}) < 2:
            continue
        if all(numbers_agree(a, b) for (_, a), (_, b) in _pairs_across_segments(found)):
            continue
        yield _number_difference(unit, found)


def _pairs_across_segments(
    found: Sequence[tuple[Mention, NumberMention]],
) -> Iterable[tuple[tuple[Mention, NumberMention], tuple[Mention, NumberMention]]]:
    for i, a in enumerate(found):
        for b in found[i + 1 :]:
            if a[0].segment != b[0].segment:
                yield a, b


def _number_difference(unit: str, found: Sequence[tuple[Mention, NumberMention]]) -> Difference:
    by_value: defaultdict[str, list[tuple[Mention, NumberMention]]] = defaultdict(list)
    for mention, number in found:
        by_value[format_number(number.value)].append((mention, number))
    values = tuple(
        Value(
            text=items[0][1].text,
            normalized=normalized,
            segments=tuple(sorted({m.segment for m, _ in items})),
            sentence=items[0][0].text,
        )
        for normalized, items in sorted(by_value.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    )
    typos = sorted({n.figure for _, n in found if is_malformed_number(n.figure)})
    note = f"likely a typo: {', '.join(typos)}" if typos else None
    return Difference(
        kind=DifferenceKind.NUMBER, subject=f"how many {unit}", values=values, note=note
    )


def _date_differences(claim: ClaimGroup, published: dict[str, date | None]) -> Iterable[Difference]:
    """Compare the days a claim names, source by source, when each names as many days."""
    dated = [(m, find_dates(m.text, published[m.segment])) for m in claim.mentions]
    dated = [(m, dates) for m, dates in dated if dates]
    if len({m.segment for m, _ in dated}) < 2 or len({len(d) for _, d in dated}) != 1:
        return
    for slot in range(len(dated[0][1])):
        by_day: defaultdict[date, list[tuple[Mention, str]]] = defaultdict(list)
        for mention, dates in dated:
            day = dates[slot]
            if day.value is not None:
                said = _with_preposition(mention.text, day.start, day.text)
                by_day[day.value].append((mention, said))
        if len(by_day) > 1:
            yield Difference(
                kind=DifferenceKind.DATE,
                subject=_subject_of(claim),
                values=tuple(
                    Value(
                        text=Counter(said for _, said in items).most_common(1)[0][0],
                        normalized=day.isoformat(),
                        segments=tuple(sorted({m.segment for m, _ in items})),
                        sentence=items[0][0].text,
                    )
                    for day, items in sorted(by_day.items())
                ),
            )


def _with_preposition(sentence: str, start: int, text: str) -> str:
    """`Thursday` → `on Thursday` when the sentence says so, as readers will look for it."""
    before = sentence[:start].rstrip().rsplit(" ", 1)[-1].lower()
    return f"{before} {text}" if before in {"on", "since", "until", "by", "late", "early"} else text


def _subject_of(claim: ClaimGroup) -> str:
    words = min(claim.mentions, key=lambda m: m.segment).text.split()
    return " ".join(words[:SUBJECT_WORDS]) + ("…" if len(words) > SUBJECT_WORDS else "")


def _internal_differences(segment: Segment, published: date | None) -> Iterable[Difference]:
    """A source giving two tolls for the same people on the same day (seed 004: 40 and 39)."""
    tolls: defaultdict[tuple[str, date | None], list[tuple[str, NumberMention]]] = defaultdict(list)
    for sentence in sentences_of(segment.text):
        if not CASUALTY_WORDS & set(sentence.lower().replace(",", " ").split()):
            continue
        days = {d.value for d in find_dates(sentence, published)}
        day = days.pop() if len(days) == 1 else None
        for number in find_numbers(sentence):
            if number.unit and day is not None:
                tolls[(stem(number.unit), day)].append((sentence, number))
    for (unit, _), found in sorted(tolls.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        conflicting = [
            (a, b)
            for i, a in enumerate(found)
            for b in found[i + 1 :]
            if not numbers_agree(a[1], b[1])
        ]
        if conflicting:
            (first, a), (second, b) = conflicting[0]
            yield Difference(
                kind=DifferenceKind.INTERNAL,
                subject=f"how many {unit} were killed",
                values=(
                    Value(
                        text=a.text,
                        normalized=format_number(a.value),
                        segments=(segment.id,),
                        sentence=first,
                    ),
                    Value(
                        text=b.text,
                        normalized=format_number(b.value),
                        segments=(segment.id,),
                        sentence=second,
                    ),
                ),
            )


def _metadata_differences(segment: Segment) -> Iterable[Difference]:
    """A page dateline far from the article's own date: a scrape date, not a publication date."""
    published = segment.article.published
    if published is None:
        return
    for page_date in segment.article.page_dates:
        if abs((page_date - published).days) > DATELINE_TOLERANCE_DAYS:
            yield Difference(
                kind=DifferenceKind.METADATA,
                subject="the page's dateline against the article's date",
                values=(
                    Value(
                        text=published.isoformat(),
                        normalized=published.isoformat(),
                        segments=(segment.id,),
                    ),
                    Value(
                        text=page_date.isoformat(),
                        normalized=page_date.isoformat(),
                        segments=(segment.id,),
                    ),
                ),
                note="the page date is likely when it was scraped, not published",
            )
