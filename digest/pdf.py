"""Publish: the briefing as a PDF, the whole of it or one day's edition (`digest pdf`).

The pipeline's result is ranked into an `Edition`, rendered to HTML with the Jinja
templates of `templates/pdf/` (autoescape on: article text is untrusted, STYLE §7), and
laid out by WeasyPrint. WeasyPrint is given a URL fetcher that refuses everything, so
nothing an article names (a URL, a `file:` path) can ever be fetched, and the only
stylesheet is passed in as a string.

The same input gives the same bytes: the order is fixed, the PDF's creation date is the
newest event's day (WeasyPrint stamps no date of its own and has no file identifier
unless asked), and the file is replaced atomically.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import escape

from digest.config import BuildConfig
from digest.errors import DigestError
from digest.i18n import install_i18n, text_direction
from digest.markdown_text import is_web_url
from digest.model import BuildResult, Rejected, Segment, Story, Storyline
from digest.text import writing_direction

log = logging.getLogger(__name__)

PDF_TEMPLATES = "pdf"
"""Folder of the PDF's templates inside `BuildConfig.templates_dir`."""
TEMPLATE = "briefing.html.j2"
STYLESHEET = "briefing.css"


class NoEventsError(DigestError):
    """Nothing to print: no event at all, or none on the day asked for."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    """One member segment of an event, numbered as in the event's Sources list."""

    number: int
    segment: Segment

    @property
    def title(self) -> str | None:
        """The headline: the roundup section's own, else the article's."""
        return self.segment.title if self.segment.title is not None else self.segment.article.title


@dataclass(frozen=True, slots=True, kw_only=True)
class PdfEvent:
    """An event as the PDF prints it: its place in the ranking and its numbered sources."""

    number: int
    """1-based rank in the edition; the anchor the table of contents links to."""
    story: Story
    members: tuple[Member, ...]
    source_count: int
    """Distinct articles among the members: two sections of one roundup count once."""
    report_count: int
    """Independent reports among them: copies of one wire story count once."""
    storyline: Storyline | None

    def cite(self, segment_ids: Iterable[str]) -> list[int]:
        """The Sources numbers of the segments carrying a statement, in list order."""
        numbers = {member.segment.id: member.number for member in self.members}
        return sorted({numbers[segment_id] for segment_id in segment_ids})

    def member(self, number: int) -> Member:
        return self.members[number - 1]


@dataclass(frozen=True, slots=True, kw_only=True)
class Day:
    """The events of one day (None: undated), ranked."""

    date: date | None
    events: tuple[PdfEvent, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Edition:
    """What one PDF holds: the ranked events by day, and what the cover says of them."""

    days: tuple[Day, ...]
    """Newest day first, undated events last."""
    day: date | None
    """The day asked for (`--day`), or None for the whole briefing."""
    first_day: date | None
    last_day: date | None
    source_count: int
    """Distinct outlets among the events' members."""
    article_count: int
    rejected: tuple[Rejected, ...]

    @property
    def events(self) -> tuple[PdfEvent, ...]:
        return tuple(event for day in self.days for event in day.events)


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderedPdf:
    content: bytes
    pages: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PdfSummary:
    """What `write_pdf` wrote, for the command line to report."""

    path: Path
    pages: int
    events: int
    rejected: tuple[Rejected, ...]


# --- Selecting and ranking --------------------------------------------------------------


def select_edition(result: BuildResult, day: date | None = None) -> Edition:
    """Rank the events of the briefing, or of one day, as the PDF prints them.

    Newest day first (undated events last); inside a day by independent reports, then
    by sources, then by id, as the site's home page ranks them.

    Raises:
        NoEventsError: there is no event, or none dated `day`.
    """
    stories = [s for s in result.stories if day is None or s.event.date == day]
    if not stories:
        raise NoEventsError(_no_events_message(result.stories, day))
    storylines = {storyline.id: storyline for storyline in result.storylines}
    ranked = sorted((_pdf_event(story, storylines) for story in stories), key=_rank)
    events = [replace(event, number=n) for n, event in enumerate(ranked, start=1)]
    segments = [segment for event in events for segment in event.story.event.segments]
    dates = sorted(event.story.event.date for event in events if event.story.event.date)
    return Edition(
        days=tuple(
            Day(date=key, events=tuple(group))
            for key, group in itertools.groupby(events, key=lambda e: e.story.event.date)
        ),
        day=day,
        first_day=dates[0] if dates else None,
        last_day=dates[-1] if dates else None,
        source_count=len({_outlet(segment.source) for segment in segments}),
        article_count=len({segment.article.id for segment in segments}),
        rejected=() if day else tuple(sorted(result.rejected, key=_rejected_order)),
    )


def _no_events_message(stories: Sequence[Story], day: date | None) -> str:
    if not stories:
        return "no events to print: none of the inputs held an article that could be read"
    dates = sorted({s.event.date for s in stories if s.event.date})
    if not dates:
        return f"no events dated {day}: every event is undated"
    return f"no events dated {day}: the events run from {dates[0]} to {dates[-1]}"


def _pdf_event(story: Story, storylines: Mapping[str, Storyline]) -> PdfEvent:
    """The event unnumbered: `select_edition` numbers it once it is ranked."""
    segments = story.event.segments
    source_count = len({segment.article.id for segment in segments})
    return PdfEvent(
        number=0,
        story=story,
        members=tuple(Member(number=n, segment=s) for n, s in enumerate(segments, start=1)),
        source_count=source_count,
        report_count=len(story.origins) or source_count,
        storyline=storylines.get(story.event.storyline or ""),
    )


def _rank(event: PdfEvent) -> tuple[bool, int, int, int, str]:
    day = event.story.event.date
    return (
        day is None,
        -(day or date.min).toordinal(),
        -event.report_count,
        -event.source_count,
        event.story.event.id,
    )


def _outlet(name: str | None) -> str:
    """An outlet name as counted: `"Reuters "` and `"Reuters"` are one outlet."""
    return " ".join((name or "").split())


def _rejected_order(rejected: Rejected) -> tuple[str, int, str]:
    return (rejected.input, rejected.line or 0, rejected.reason)


# --- HTML -------------------------------------------------------------------------------


def render_html(edition: Edition, *, templates_dir: Path, locale: str) -> str:
    """Render the edition as one HTML document for WeasyPrint. Pure: the same edition, the
    same text.

    Args:
        edition: what to print (`select_edition`).
        templates_dir: `BuildConfig.templates_dir`; the PDF's templates are in `pdf/`.
        locale: Babel locale of dates and numbers, e.g. `en`, `fr`.
    """
    env = _environment((templates_dir / PDF_TEMPLATES).resolve(), locale)
    template = env.get_template(TEMPLATE)
    return template.render(edition=edition, locale=locale, direction=text_direction(locale))


def read_stylesheet(templates_dir: Path) -> str:
    return (templates_dir / PDF_TEMPLATES / STYLESHEET).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=4)
def _environment(templates_dir: Path, locale: str) -> Environment:
    """The PDF's Jinja environment: HTML, so autoescape keeps article text as text."""
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        undefined=StrictUndefined,
        autoescape=True,
        keep_trailing_newline=True,  # as render.py's and babel.cfg's: one set of options
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install_i18n(env, locale, markup=escape)
    env.filters["direction"] = writing_direction  # WeasyPrint has no `unicode-bidi: plaintext`
    env.tests["web_url"] = is_web_url
    return env


# --- PDF --------------------------------------------------------------------------------


def render_pdf(html: str, stylesheet: str) -> RenderedPdf:
    """Lay out the HTML with WeasyPrint, fetching nothing.

    Imported here: WeasyPrint takes about a second to load (pango, fonts), which
    `digest --help` and the other commands should not pay.
    """
    from weasyprint import CSS, HTML

    fetcher = _offline_fetcher()
    document = HTML(string=html, url_fetcher=fetcher).render(
        stylesheets=[CSS(string=stylesheet, url_fetcher=fetcher)]
    )
    return RenderedPdf(content=document.write_pdf(), pages=len(document.pages))


def _offline_fetcher() -> Any:
    """A WeasyPrint URL fetcher that refuses every URL, so the PDF needs no network.

    Nothing in the templates refers to a resource; a reference smuggled in by article
    text would already be escaped into text. This is the second line: whatever asks,
    WeasyPrint gets a refusal (logged, and the layout goes on without it).
    """
    from weasyprint.urls import URLFetcher

    class OfflineFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint is untyped
        def fetch(self, url: str, headers: object = None) -> Any:  # noqa: ARG002  # its signature
            log.warning("refused to fetch %s: digest pdf uses no external resource", url[:200])
            raise ValueError(f"digest pdf fetches nothing: {url[:200]}")

    return OfflineFetcher()


def write_pdf(config: BuildConfig, target: Path, *, day: date | None = None) -> PdfSummary:
    """Run the pipeline on the config's inputs and write the briefing as a PDF.

    Args:
        config: inputs, locale and templates dir (the docs and site dirs are not used).
        target: the PDF file; replaced atomically, its folder created if missing.
        day: print only the events dated that day.

    Raises:
        NoEventsError: nothing to print (see `select_edition`).
        DigestError: the file cannot be written.
    """
    from digest.pipeline import run_pipeline

    result = run_pipeline(config)
    edition = select_edition(result, day)
    html = render_html(edition, templates_dir=config.templates_dir, locale=config.locale)
    rendered = render_pdf(html, read_stylesheet(config.templates_dir))
    write_atomically(target, rendered.content)
    return PdfSummary(
        path=target,
        pages=rendered.pages,
        events=len(edition.events),
        rejected=result.rejected,
    )


def write_atomically(target: Path, content: bytes) -> None:
    """Write a file beside its final name, then rename it: a killed run leaves no half file.

    Raises:
        DigestError: the folder cannot be created or written to.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise DigestError(f"cannot write {target}: {error.strerror}") from error
    try:
        with os.fdopen(descriptor, "wb") as file:
            os.fchmod(file.fileno(), 0o666 & ~_umask())  # mkstemp's 0600 is for secrets
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        Path(temporary).replace(target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise DigestError(f"cannot write {target}: {error.strerror}") from error


def _umask() -> int:
    """The process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
