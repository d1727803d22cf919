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
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from digest.align import ClaimGroup, Mention
from digest.model import Difference, DifferenceKind, Event, KeyFigure, Segment, Value
from digest.normalize import (
    CURRENCIES,
    NumberMention,
    find_dates,
    find_numbers,
    format_number,
    is_malformed_number,
    numbers_agree,
)
from digest.quotes import Quote, find_quotes, is_same_quote, names, role_words, same_speaker
from digest.similarity import stem
from digest.text import fold, sentences_of

DATELINE_TOLERANCE_DAYS = 7  # a page date a week off the article's is a scrape date
CASUALTY_WORDS = frozenset({"killed", "died", "dead", "deaths", "killing", "wounded", "injured"})
SUBJECT_WORDS = 10  # a date difference is named by the first words of its claim
SPELLING_MIN_LENGTH = 5  # shorter names are too often other words one letter apart
BRITISH_AMERICAN = (("ence", "ense"), ("our", "or"), ("ise", "ize"), ("tre", "ter"))


def find_differences(event: Event, claims: Sequence[ClaimGroup]) -> tuple[Difference, ...]:
    """List the disagreements between (and within) the sources of one event.

    Args:
        event: the event, for its members' publication dates and metadata.
        claims: its claim groups, from `align_claims`.

    Returns:
        Differences in a stable order: numbers, dates, quotes and their attribution,
        titles of people, spellings of names, a source against itself, metadata.
    """
    published = _reference_dates(event)
    us_dates = {s.id for s in event.segments if _writes_us_dates(s)}
    groups = [*claims, _title_group(event)]
    found = [
        *(d for g in groups for d in _number_differences(g)),
        *(d for g in claims for d in _date_differences(g, published, us_dates)),
        *(d for g in claims for d in _quote_differences(g)),
        *(d for g in claims for d in _role_differences(g)),
        *_spelling_differences(event),
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


def find_key_figures(event: Event, claims: Sequence[ClaimGroup]) -> tuple[KeyFigure, ...]:
    """The figures two or more sources give for the same thing, whether they agree or not.

    Returns:
        One row per claim (and for the headlines) and thing counted, in story order.
    """
    return tuple(
        KeyFigure(
            subject=_unit_as_written(found),
            values=_number_values(found),
            agree=_numbers_agree(found),
        )
        for claim in (_title_group(event), *claims)
        for found in _figures_by_unit(claim)
    )


def _number_differences(claim: ClaimGroup) -> Iterable[Difference]:
    for found in _figures_by_unit(claim):
        if not _numbers_agree(found):
            yield _number_difference(found)


Figures = tuple[tuple[Mention, NumberMention], ...]


@lru_cache(maxsize=1 << 12)
def _figures_by_unit(claim: ClaimGroup) -> tuple[Figures, ...]:
    """A claim's figures grouped by what they count, where two sources or more count it.

    A sentence may count one thing twice ("about 30 years old … about 2 years old"):
    the n-th figure of a unit is compared with the n-th of the other sources, and only
    when every source gives as many. Cached: the differences and the key figures both
    ask for each claim of an event, one after the other.
    """
    slots: defaultdict[tuple[str, int], list[tuple[Mention, NumberMention]]] = defaultdict(list)
    counts: defaultdict[str, set[int]] = defaultdict(set)
    for mention in claim.mentions:
        numbers = find_numbers(mention.text)
        if not numbers:
            continue
        seen: dict[str, int] = {}  # a plain dict: a Counter costs more to make than to fill
        for number in numbers:
            if number.unit:
                unit = stem(number.unit.lower())
                slots[(unit, seen.get(unit, 0))].append((mention, number))
                seen[unit] = seen.get(unit, 0) + 1
        for unit, count in seen.items():
            counts[unit].add(count)
    return tuple(
        tuple(found)
        for (unit, _), found in sorted(slots.items())
        if len(counts[unit]) == 1 and len({m.segment for m, _ in found}) > 1
    )


def _numbers_agree(found: Sequence[tuple[Mention, NumberMention]]) -> bool:
    """Whether every two sources' figures agree: at once when all give the same value
    (the common case, wire copy), else pair by pair."""
    if len({n.value for _, n in found}) == 1:
        return True
    return all(numbers_agree(a, b) for (_, a), (_, b) in _pairs_across_segments(found))


def _pairs_across_segments(
    found: Sequence[tuple[Mention, NumberMention]],
) -> Iterable[tuple[tuple[Mention, NumberMention], tuple[Mention, NumberMention]]]:
    for i, a in enumerate(found):
        for b in found[i + 1 :]:
            if a[0].segment != b[0].segment:
                yield a, b


def _number_difference(found: Sequence[tuple[Mention, NumberMention]]) -> Difference:
    typos = sorted({n.figure for _, n in found if is_malformed_number(n.figure)})
    return Difference(
        kind=DifferenceKind.NUMBER,
        subject=_figure_subject(_unit_as_written(found)),
        values=_number_values(found),
        note=f"likely a typo: {', '.join(typos)}" if typos else None,
    )


def _number_values(found: Sequence[tuple[Mention, NumberMention]]) -> tuple[Value, ...]:
    """One value per distinct figure, the one most sources give first."""
    by_value: defaultdict[str, list[tuple[Mention, NumberMention]]] = defaultdict(list)
    for mention, number in found:
        by_value[format_number(number.value)].append((mention, number))
    return tuple(
        Value(
            text=items[0][1].text,
            normalized=normalized,
            segments=tuple(sorted({m.segment for m, _ in items})),
            sentence=items[0][0].text,
        )
        for normalized, items in sorted(by_value.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    )


def _figure_subject(unit: str) -> str:
    """What a figure measures, in words: `how many Syrians`, `the amount in $`, `the age`."""
    if unit in CURRENCIES:
        return f"the amount in {unit}"
    if unit.endswith("-old"):
        return "the age"
    return f"how many {unit}"


def _unit_as_written(found: Sequence[tuple[Mention, NumberMention]]) -> str:
    return Counter(n.unit or "" for _, n in found).most_common(1)[0][0]


def _writes_us_dates(segment: Segment) -> bool:
    """Whether a source writes month-first dates (`12/01/2020` = December 1st)."""
    language = (segment.article.article.language or "").lower().replace("_", "-")
    return language == "en-us"


def _date_differences(
    claim: ClaimGroup, published: dict[str, date | None], us_dates: set[str]
) -> Iterable[Difference]:
    """Compare the days a claim names, source by source, when each names as many days."""
    found = [
        (m, find_dates(m.text, published[m.segment], month_first=m.segment in us_dates))
        for m in claim.mentions
    ]
    dated = [(m, dates) for m, dates in found if dates]
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


def _quote_differences(claim: ClaimGroup) -> Iterable[Difference]:
    """The same quote in other words, or attributed with another verb (`said`, `told Reuters`).

    Compared only where every source of the claim quotes once: with several quotes in
    a sentence, which matches which is a guess.
    """
    found = [(m, find_quotes(m.text)) for m in claim.mentions]
    quoted = [(m, q[0]) for m, q in found if len(q) == 1]
    if len({m.segment for m, _ in quoted}) < 2:
        return
    wordings = _group_alike([(m, q.words) for m, q in quoted], is_same_quote)
    commonest = max(wordings, key=lambda w: (len({m.segment for m, _ in w}), -wordings.index(w)))
    subject = f"the quote “{_first_words(commonest[0][1], 8)}”"
    if len(wordings) > 1:
        yield Difference(
            kind=DifferenceKind.QUOTE,
            subject=subject,
            values=tuple(_value_of(w) for w in wordings),
            note="the same quote in other words: a translation or a paraphrase",
        )
    yield from _speaker_differences(subject, quoted)
    verbs: defaultdict[str, list[tuple[Mention, str]]] = defaultdict(list)
    for mention, quote in quoted:
        if quote.verb:
            verbs[quote.verb.lower()].append((mention, quote.verb))
    if len(verbs) > 1:
        yield Difference(
            kind=DifferenceKind.ATTRIBUTION,
            subject=f"how {subject} is attributed",
            values=tuple(_value_of(items) for _, items in sorted(verbs.items())),
        )


def _speaker_differences(
    subject: str, quoted: Sequence[tuple[Mention, Quote]]
) -> Iterable[Difference]:
    """The same quote put in different mouths."""
    named = [(m, q.speaker) for m, q in quoted if q.speaker is not None]
    speakers = _group_alike(named, same_speaker)
    if len(speakers) > 1:
        yield Difference(
            kind=DifferenceKind.ATTRIBUTION,
            subject=f"who said {subject}",
            values=tuple(_value_of(group) for group in speakers),
        )


def _group_alike(
    items: Sequence[tuple[Mention, str]], alike: Callable[[str, str], bool]
) -> list[list[tuple[Mention, str]]]:
    """Group mentions whose texts are alike, each group keyed by its first text."""
    groups: list[list[tuple[Mention, str]]] = []
    for item in items:
        group = next((g for g in groups if alike(g[0][1], item[1])), None)
        if group is None:
            groups.append([item])
        else:
            group.append(item)
    return groups


def _role_differences(claim: ClaimGroup) -> Iterable[Difference]:
    """One person given two offices (seed 000: "president", 001: "chairman")."""
    named = [(m, role_words(m.text)) for m in claim.mentions]
    offices = [(m, o) for m, o in named if len(o) == 1]
    by_office: defaultdict[str, list[tuple[Mention, str]]] = defaultdict(list)
    for mention, office in offices:
        ((name, word),) = office.items()
        by_office[name].append((mention, word.lower()))
    if len(by_office) > 1 and len({m.segment for m, _ in offices}) > 1:
        yield Difference(
            kind=DifferenceKind.NAME,
            subject=f"the title given in “{_first_words(claim.mentions[0].text, 8)}”",
            values=tuple(_value_of(items) for _, items in sorted(by_office.items())),
        )


def _spelling_differences(event: Event) -> Iterable[Difference]:
    """A name spelt two ways by different sources (seed 004: `Maaret`, the others `Maarat`)."""
    used: defaultdict[str, dict[str, str]] = defaultdict(dict)
    for segment in event.segments:
        segment_id = segment.id
        for sentence in sentences_of(segment.text):
            for name in names(sentence):
                used[name].setdefault(segment_id, sentence)
    for a, b in _near_spellings(sorted(used)):
        if set(used[a]).isdisjoint(used[b]):
            yield Difference(
                kind=DifferenceKind.NAME,
                subject=f"the spelling of {a} / {b}",
                values=tuple(
                    Value(
                        text=name,
                        normalized=None,
                        segments=tuple(sorted(used[name])),
                        sentence=next(iter(used[name].values())),
                    )
                    for name in (a, b)
                ),
            )


def _near_spellings(words: Sequence[str]) -> Iterable[tuple[str, str]]:
    """Pairs of names one or two letters apart, not mere inflections or US/UK spellings."""
    by_start: defaultdict[str, list[str]] = defaultdict(list)
    for word in words:
        if len(word) >= SPELLING_MIN_LENGTH:
            by_start[word[:2].lower()].append(word)
    for group in by_start.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if _is_variant_spelling(a, b):
                    yield a, b


def _is_variant_spelling(a: str, b: str) -> bool:
    x, y = _spelling_key(a), _spelling_key(b)
    if x == y or x.startswith(y) or y.startswith(x):
        return False
    return Levenshtein.distance(x, y) <= max(1, min(len(x), len(y)) // 5)


def _spelling_key(word: str) -> str:
    """Fold US/UK spellings (`Defence`/`Defense`, `Centre`/`Center`) and case together."""
    word = fold(word)
    for british, american in BRITISH_AMERICAN:
        word = word.replace(british, american)
    return word


def _value_of(items: Sequence[tuple[Mention, str]]) -> Value:
    """A value as most of its sources write it, with all of them behind it."""
    return Value(
        text=Counter(text for _, text in items).most_common(1)[0][0],
        normalized=None,
        segments=tuple(sorted({m.segment for m, _ in items})),
        sentence=items[0][0].text,
    )


def _first_words(text: str, count: int) -> str:
    words = text.split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")


def _internal_differences(segment: Segment, published: date | None) -> Iterable[Difference]:
    """A source giving two tolls for the same people on the same day (seed 004: 40 and 39)."""
    tolls: defaultdict[tuple[str, date | None], list[tuple[str, NumberMention]]] = defaultdict(list)
    for sentence in sentences_of(segment.text):
        if not _counts_casualties(sentence):
            continue
        days = {d.value for d in find_dates(sentence, published)}
        day = days.pop() if len(days) == 1 else None
        for number in find_numbers(sentence):
            if number.unit and day is not None:
                tolls[(stem(number.unit.lower()), day)].append((sentence, number))
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


@lru_cache(maxsize=1 << 14)
def _counts_casualties(sentence: str) -> bool:
    """Whether a sentence has a word of `CASUALTY_WORDS` (cached: wire copy brings the
    same sentence in many members)."""
    return not CASUALTY_WORDS.isdisjoint(sentence.lower().replace(",", " ").split())


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
