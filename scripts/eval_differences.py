"""Score the difference detector on a labelled corpus: `python scripts/eval_differences.py [CASES]`.

Each line of `tests/data/differences/cases.jsonl` holds two versions of one real news
story, the second made from the first by a controlled edit (or a second outlet's own
text), and the differences a reader should be shown between them. Each case becomes
one event of two segments (`a.txt`, `b.txt`), runs through `align_claims` and
`find_differences`, and every reported difference is matched to an expected one by kind
and set of values. Prints true positives, false positives, false negatives, precision
and recall per kind and overall, then every false alarm and every miss by case id.

`tests/test_difference_corpus.py` imports the same functions and pins the floors.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import permutations
from pathlib import Path
from typing import Any

from digest.align import align_claims
from digest.compare import find_differences
from digest.model import (
    Article,
    CleanArticle,
    Difference,
    DifferenceKind,
    Event,
    Location,
    Segment,
    Value,
)
from digest.quotes import quote_key

CASES = Path(__file__).resolve().parent.parent / "tests" / "data" / "differences" / "cases.jsonl"
SUPPORTED_KINDS = frozenset(
    {DifferenceKind.NUMBER, DifferenceKind.DATE, DifferenceKind.INTERNAL, DifferenceKind.METADATA}
)
"""Kinds whose precision and recall the tests assert; the others (quote, attribution,
name) are work in progress: measured and printed, not asserted."""
SEGMENT_IDS = "abcdefghij"  # segment `a.txt` is the case's first article, `b.txt` its second


@dataclass(frozen=True, slots=True, kw_only=True)
class Expected:
    """A difference a reader should be shown: its kind and the values that disagree."""

    kind: DifferenceKind
    values: tuple[str, ...]
    """Normalized values (`350,000`, `2020-01-16`) or, for kinds without one, the words."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """Two versions of one story and the differences between them."""

    id: str
    note: str
    articles: tuple[str, ...]
    published: tuple[date | None, ...]
    titles: tuple[str | None, ...]
    page_dates: tuple[tuple[date, ...], ...]
    """Datelines found on each page, for scrape-date (metadata) cases."""
    expected: tuple[Expected, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What the detector reported for one case, matched against what was expected."""

    case: Case
    reported: tuple[Difference, ...]
    found: tuple[Expected, ...]
    missed: tuple[Expected, ...]
    false_alarms: tuple[Difference, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Tally:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float | None:
        """Share of reported differences that were expected; None when none was reported."""
        reported = self.true_positives + self.false_positives
        return self.true_positives / reported if reported else None

    @property
    def recall(self) -> float | None:
        """Share of expected differences that were reported; None when none was expected."""
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else None


def load_cases(path: Path = CASES) -> tuple[Case, ...]:
    """Read the labelled cases, one JSON object a line.

    Raises:
        ValueError: naming the file and line, for a line that is not a valid case.
    """
    cases: list[Case] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = _case(json.loads(line))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number}: {error}") from error
        if any(c.id == case.id for c in cases):
            raise ValueError(f"{path}:{number}: duplicate case id {case.id!r}")
        cases.append(case)
    return tuple(cases)


def _case(record: dict[str, Any]) -> Case:
    articles = tuple(str(text) for text in record["articles"])
    count = len(articles)
    published = tuple(date.fromisoformat(d) if d else None for d in record["published"])
    titles = tuple(record.get("titles") or [None] * count)
    page_dates = tuple(
        tuple(date.fromisoformat(d) for d in dates)
        for dates in record.get("page_dates") or [[]] * count
    )
    if not 1 <= count <= len(SEGMENT_IDS):
        raise ValueError(f"a case holds 1 to {len(SEGMENT_IDS)} articles, not {count}")
    if not len(published) == len(titles) == len(page_dates) == count:
        raise ValueError("published, titles and page_dates need one entry per article")
    return Case(
        id=str(record["id"]),
        note=str(record["note"]),
        articles=articles,
        published=published,
        titles=titles,
        page_dates=page_dates,
        expected=tuple(
            Expected(kind=DifferenceKind(e["kind"]), values=tuple(str(v) for v in e["values"]))
            for e in record["expected"]
        ),
    )


def case_segments(case: Case) -> tuple[Segment, ...]:
    """The case's articles as whole-article segments `a.txt`, `b.txt`, …, already clean."""
    segments = []
    for index, text in enumerate(case.articles):
        segment_id = f"{SEGMENT_IDS[index]}.txt"
        article = Article(
            id=segment_id,
            text=text,
            origin=Location(path=segment_id),
            published=case.published[index],
        )
        clean = CleanArticle(
            article=article,
            title=case.titles[index],
            source=f"Outlet {SEGMENT_IDS[index].upper()}",
            url=None,
            published=case.published[index],
            text=text,
            page_dates=case.page_dates[index],
        )
        segments.append(Segment(article=clean, number=None, title=case.titles[index], text=text))
    return tuple(segments)


def case_event(case: Case) -> Event:
    """The one event a case's articles make, by construction.

    Built directly rather than by `group_events`: the corpus measures comparing, and a
    pair that grouping would split (two outlets five days apart, say) is still a pair
    whose differences a reader should see.
    """
    segments = sorted(case_segments(case), key=lambda s: (s.published or date.max, s.id))
    dates = [s.published for s in segments if s.published is not None]
    return Event(
        id=case.id,
        title=next((s.title for s in segments if s.title), case.id),
        date=min(dates) if dates else None,
        segments=tuple(segments),
    )


def detect(case: Case) -> tuple[Difference, ...]:
    """Run alignment and the difference detector on a case."""
    event = case_event(case)
    return find_differences(event, align_claims(event))


def evaluate(case: Case) -> Outcome:
    """Match what the detector reports for a case to what the case expects.

    Each expected difference takes the first unmatched reported one of its kind whose
    values are the expected values, one to one.
    """
    reported = detect(case)
    unmatched = list(reported)
    found: list[Expected] = []
    missed: list[Expected] = []
    for expected in case.expected:
        match = next((d for d in unmatched if is_match(expected, d)), None)
        if match is None:
            missed.append(expected)
        else:
            unmatched.remove(match)
            found.append(expected)
    return Outcome(
        case=case,
        reported=reported,
        found=tuple(found),
        missed=tuple(missed),
        false_alarms=tuple(unmatched),
    )


def is_match(expected: Expected, difference: Difference) -> bool:
    """Tell whether a reported difference is the expected one: same kind, same values.

    An expected value matches a reported one if it equals its normalized form, or its
    words up to case, accents, punctuation and spacing (kinds with no normalized form).

    >>> said = Value(text="said", normalized=None, segments=("a.txt",))
    >>> told = Value(text="told Reuters", normalized=None, segments=("b.txt",))
    >>> found = Difference(kind=DifferenceKind.ATTRIBUTION, subject="", values=(said, told))
    >>> is_match(Expected(kind=DifferenceKind.ATTRIBUTION, values=("told reuters", "said")), found)
    True
    >>> is_match(Expected(kind=DifferenceKind.QUOTE, values=("told reuters", "said")), found)
    False
    """
    if expected.kind is not difference.kind or len(expected.values) != len(difference.values):
        return False
    return any(
        all(_same_value(e, v) for e, v in zip(expected.values, order, strict=True))
        for order in permutations(difference.values)
    )


def _same_value(expected: str, value: Value) -> bool:
    return expected == value.normalized or quote_key(expected) == quote_key(value.text)


def tally(outcomes: Iterable[Outcome], kinds: Collection[DifferenceKind] | None = None) -> Tally:
    """Count true and false positives and false negatives, over some kinds or all."""
    tp = fp = fn = 0
    for outcome in outcomes:
        tp += sum(1 for e in outcome.found if kinds is None or e.kind in kinds)
        fn += sum(1 for e in outcome.missed if kinds is None or e.kind in kinds)
        fp += sum(1 for d in outcome.false_alarms if kinds is None or d.kind in kinds)
    return Tally(true_positives=tp, false_positives=fp, false_negatives=fn)


def format_report(outcomes: Sequence[Outcome]) -> str:
    """The scores per kind and overall, then every false alarm and every miss."""
    without = sum(1 for o in outcomes if not o.case.expected)
    lines = [
        f"{len(outcomes)} cases, {without} of them without differences",
        "",
        f"{'kind':<12} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>7}",
    ]
    rows = [(kind.value, tally(outcomes, {kind})) for kind in _kinds(outcomes)]
    rows += [
        ("supported", tally(outcomes, SUPPORTED_KINDS)),
        ("all", tally(outcomes)),
    ]
    lines += [
        f"{name:<12} {t.true_positives:>4} {t.false_positives:>4} {t.false_negatives:>4}"
        f" {_ratio(t.precision):>9} {_ratio(t.recall):>7}"
        for name, t in rows
    ]
    supported = ", ".join(sorted(k.value for k in SUPPORTED_KINDS))
    lines += [f"(supported: {supported}; the other kinds are measured, not asserted)", ""]
    lines.append("false alarms (reported, not expected):")
    lines += [f"  {o.case.id}: {describe(d)}" for o in outcomes for d in o.false_alarms] or [
        "  none"
    ]
    lines += ["", "misses (expected, not reported):"]
    lines += [
        f"  {o.case.id}: {e.kind.value} {' / '.join(e.values)}"
        f" — the detector said: {'; '.join(describe(d) for d in o.reported) or 'nothing'}"
        for o in outcomes
        for e in o.missed
    ] or ["  none"]
    return "\n".join(lines)


def describe(difference: Difference) -> str:
    """One line for a difference: kind, subject and each value with its sources."""
    values = " / ".join(
        f"{v.text!r}"
        + (f" ({v.normalized})" if v.normalized not in {None, v.text} else "")
        + f" [{', '.join(v.segments)}]"
        for v in difference.values
    )
    return f"{difference.kind.value} «{difference.subject}»: {values}"


def _kinds(outcomes: Sequence[Outcome]) -> list[DifferenceKind]:
    """The kinds asserted and the kinds met in the corpus, the asserted ones first."""
    met = {e.kind for o in outcomes for e in o.case.expected} | {
        d.kind for o in outcomes for d in o.reported
    }
    order = list(DifferenceKind)
    return sorted(SUPPORTED_KINDS | met, key=lambda k: (k not in SUPPORTED_KINDS, order.index(k)))


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("cases", type=Path, nargs="?", default=CASES, help="a cases.jsonl file")
    args = parser.parse_args()
    print(format_report([evaluate(case) for case in load_cases(args.cases)]))


if __name__ == "__main__":
    main()
