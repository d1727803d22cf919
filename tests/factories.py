"""Record factories for unit tests of the pure stages: no files needed."""

from __future__ import annotations

from datetime import date

from digest.model import Article, CleanArticle, Location, Segment


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
