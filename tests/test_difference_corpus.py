"""The difference detector against a labelled corpus of real-looking pairs.

`tests/data/differences/cases.jsonl` (see the README there) holds real news paragraphs
and a second version of each made by a controlled edit. Precision first: a case that
expects no difference must produce none. The floors below are the scores measured when
the corpus was written; raise them when the detector improves, never lower them to let
a change through. `python scripts/eval_differences.py` prints the full report.
"""

from __future__ import annotations

import pytest

from digest.model import DifferenceKind
from scripts.eval_differences import (
    SUPPORTED_KINDS,
    Case,
    Outcome,
    describe,
    detect,
    evaluate,
    load_cases,
    tally,
)

CASES = load_cases()
PRECISION_FLOOR = 1.0  # measured: no false alarm on the supported kinds
RECALL_FLOORS = {
    DifferenceKind.NUMBER: 14 / 15,  # measured: misses a bare figure with no noun ("46 were")
    DifferenceKind.DATE: 7 / 7,  # measured
}


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    return [evaluate(case) for case in CASES]


def _without_differences() -> list[Case]:
    return [case for case in CASES if not case.expected]


@pytest.mark.parametrize("case", _without_differences(), ids=lambda case: case.id)
def test_a_pair_without_differences_reports_none(case: Case) -> None:
    assert [describe(d) for d in detect(case)] == []


def test_precision_on_the_supported_kinds_holds_its_floor(outcomes: list[Outcome]) -> None:
    scores = tally(outcomes, SUPPORTED_KINDS)
    assert scores.precision is not None
    assert scores.precision >= PRECISION_FLOOR, scores


@pytest.mark.parametrize(("kind", "floor"), list(RECALL_FLOORS.items()), ids=str)
def test_recall_holds_its_floor(
    outcomes: list[Outcome], kind: DifferenceKind, floor: float
) -> None:
    scores = tally(outcomes, {kind})
    assert scores.recall is not None
    assert scores.recall >= floor, scores


def test_the_corpus_has_about_as_many_pairs_without_differences_as_with() -> None:
    quiet = sum(1 for case in CASES if not case.expected)
    assert 40 <= len(CASES) <= 70
    assert 0.4 <= quiet / len(CASES) <= 0.6
    assert {e.kind for case in CASES for e in case.expected} >= SUPPORTED_KINDS
