"""The project's errors cross process boundaries (the engine's workers) intact, and the
accounting check names what it found wrong."""

from __future__ import annotations

import pickle

import pytest

from digest.errors import ConfigError, InputError
from digest.model import Segment


def test_an_input_error_keeps_its_parts_through_pickling() -> None:
    error = pickle.loads(pickle.dumps(InputError("a.txt", 3, "not UTF-8")))  # noqa: S301 (our own bytes)
    assert (error.path, error.line, error.reason, str(error)) == (
        "a.txt",
        3,
        "not UTF-8",
        "a.txt:3: not UTF-8",
    )


def test_a_config_error_keeps_its_problems_through_pickling() -> None:
    original = ConfigError(["unknown locale: 'xx'", "no input given"])
    error = pickle.loads(pickle.dumps(original))  # noqa: S301 (our own bytes)
    assert error.problems == original.problems
    assert str(error) == str(original)


def test_the_accounting_names_a_segment_in_two_events_and_an_article_in_none() -> None:
    """`pipeline.check_accounting` passes every article grouped once, and names the
    segments grouped twice and the articles grouped nowhere (the ids are counted only
    when some is there twice)."""
    from digest.model import Event, IngestResult
    from digest.pipeline import AccountingError, check_accounting
    from tests.factories import segment

    a, b, c = (segment(name, "Text.") for name in ("a.txt", "b.txt", "c.txt"))
    articles = (a.article.article, b.article.article, c.article.article)
    ingested = IngestResult(articles=articles, rejected=())

    def event(*members: Segment) -> Event:
        return Event(id="e", title="T", date=None, segments=members)

    check_accounting(ingested, [event(a, b), event(c)])
    with pytest.raises(AccountingError, match=r"two events: \['b.txt'\]; articles in none: \[\]"):
        check_accounting(ingested, [event(a, b), event(b, c)])
    with pytest.raises(AccountingError, match=r"two events: \[\]; articles in none: \['c.txt'\]"):
        check_accounting(ingested, [event(a, b)])
