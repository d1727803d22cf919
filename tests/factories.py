"""Record factories for unit tests of the pure stages: no files needed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from digest.model import (
    Article,
    CleanArticle,
    Difference,
    Event,
    Location,
    Segment,
    Story,
    StorySentence,
)


def segment(
    id: str,
    text: str,
    *,
    title: str | None = None,
    published: date | None = date(2020, 1, 17),
    source: str | None = None,
    number: int | None = None,
) -> Segment:
    """Build a `Segment` (and the clean article under it) without touching the disk."""
    article = Article(id=id, text=text, origin=Location(path=id), published=published)
    clean = CleanArticle(
        article=article,
        title=title,
        source=source or f"Outlet {id}",
        url=None,
        published=published,
        text=text,
    )
    return Segment(article=clean, number=number, title=title, text=text)


def story(
    event_id: str,
    day: date | None,
    outlets: Sequence[str],
    *,
    origins: int | None = None,
    text: str = "Nothing to name here.",
    differences: Sequence[Difference] = (),
    storyline: str | None = None,
) -> Story:
    """An event with one member article per outlet (`event_id/1.txt`, …), `origins`
    independent reports among them (default: each article its own)."""
    segments = tuple(
        segment(f"{event_id}/{n}.txt", text, source=outlet, published=day)
        for n, outlet in enumerate(outlets, start=1)
    )
    ids = [s.id for s in segments]
    groups = (
        tuple((i,) for i in ids)
        if origins is None
        else (tuple(ids[: len(ids) - origins + 1]), *((i,) for i in ids[len(ids) - origins + 1 :]))
    )
    event = Event(id=event_id, title=event_id, date=day, segments=segments, storyline=storyline)
    return Story(
        event=event,
        sentences=(StorySentence(text=text, segments=tuple(ids)),),
        differences=tuple(differences),
        origins=groups,
    )
