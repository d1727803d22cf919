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
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from io import BytesIO
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any, cast

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import escape
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    Fit,
    IndirectObject,
    NameObject,
    StreamObject,
)

from digest.config import BuildConfig
from digest.errors import DigestError
from digest.i18n import install_i18n, text_direction
from digest.markdown_text import is_web_url
from digest.model import BuildResult, Event, Rejected, Segment, Story, Storyline
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
    anchors: Mapping[str, int]
    """The page (0-based) of each anchor (an element's id), first occurrence."""


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
    stories = [
        result.stories.story(e.id) for e in result.stories.events if day is None or e.date == day
    ]
    if not stories:
        raise NoEventsError(_no_events_message(result.stories.events, day))
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


def _no_events_message(events: Sequence[Event], day: date | None) -> str:
    if not events:
        return "no events to print: none of the inputs held an article that could be read"
    dates = sorted({e.date for e in events if e.date})
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


# --- Parts -------------------------------------------------------------------------------

PART_EVENTS = 40
"""Most events in one part of the body. The parts are laid out on their own, in parallel,
and put together (`render_edition`); a fixed size, not one part per worker, so that the
same edition gives the same bytes whatever the number of workers."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DayRun:
    """Some of a day's events, in one part: all of them, or the next `PART_EVENTS`."""

    day: Day
    continued: bool
    """The day's first events are in an earlier part: the title is not bookmarked again."""


def split_parts(edition: Edition) -> tuple[tuple[DayRun, ...], ...]:
    """Cut the edition's days into parts of at most `PART_EVENTS` events.

    Each day starts on a new page anyway, so cutting between days changes nothing on the
    page; only a day longer than a part is cut between two events, onto a new page.
    """
    runs = [
        DayRun(
            day=replace(day, events=day.events[start : start + PART_EVENTS]), continued=start > 0
        )
        for day in edition.days
        for start in range(0, len(day.events), PART_EVENTS)
    ]
    parts: list[tuple[DayRun, ...]] = []
    current: list[DayRun] = []
    for run in runs:
        if current and sum(len(r.day.events) for r in current) + len(run.day.events) > PART_EVENTS:
            parts.append(tuple(current))
            current = []
        current.append(run)
    parts.append(tuple(current))
    return tuple(parts)


# --- HTML -------------------------------------------------------------------------------


def render_html(
    edition: Edition,
    *,
    templates_dir: Path,
    locale: str,
    part: str,
    runs: Sequence[DayRun] = (),
    event_pages: Mapping[int, int] | None = None,
    page_count: int = 0,
) -> str:
    """Render one part of the edition as an HTML document for WeasyPrint. Pure: the same
    arguments, the same text.

    Args:
        edition: what to print (`select_edition`).
        templates_dir: `BuildConfig.templates_dir`; the PDF's templates are in `pdf/`.
        locale: Babel locale of dates and numbers, e.g. `en`, `fr`.
        part: "front" (cover and contents), "body" (the days of `runs`) or "frame" (the
            page footers of a briefing of `page_count` pages).
        event_pages: the front's page number of each event (by its number).
    """
    env = _environment((templates_dir / PDF_TEMPLATES).resolve(), locale)
    template = env.get_template(TEMPLATE)
    return template.render(
        edition=edition,
        locale=locale,
        direction=text_direction(locale),
        part=part,
        runs=runs,
        event_pages=event_pages or {},
        page_count=page_count,
    )


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


def render_edition(
    edition: Edition, *, templates_dir: Path, locale: str, workers: int | None = None
) -> RenderedPdf:
    """Lay out the edition as one PDF, its body in parts on `workers` processes.

    WeasyPrint lays out about 10 pages a second on one core, so the body's parts
    (`split_parts`) are laid out in parallel, with a first contents (placeholder page
    numbers) that tells how many pages the front takes; then, side by side, the front
    with each event's page and the footers ("Page X of Y") on empty pages of their own,
    stamped onto every page. The bytes do not depend on `workers`.

    Args:
        workers: processes laying out the parts; default: the machine's cores. One lays
            them out in this process.
    """
    stylesheet = read_stylesheet(templates_dir)
    html = functools.partial(render_html, edition, templates_dir=templates_dir, locale=locale)
    workers = workers or os.cpu_count() or 1
    parts = split_parts(edition)
    sketch, *bodies = _lay_out_all(
        [
            html(part="front", event_pages=_placeholder_pages(edition)),
            *(html(part="body", runs=runs) for runs in parts),
        ],
        stylesheet,
        workers,
    )
    body_pages = sum(body.pages for body in bodies)
    assumed = sketch.pages
    front, frame = _lay_out_all(
        [
            html(part="front", event_pages=_event_pages(bodies, assumed)),
            html(part="frame", page_count=assumed + body_pages),
        ],
        stylesheet,
        workers,
    )
    if front.pages > assumed:  # the real numbers made the contents longer
        front, assumed = _lay_out_front(bodies, html, stylesheet, assumed=front.pages)
        frame = render_pdf(html(part="frame", page_count=assumed + body_pages), stylesheet)
    total = assumed + body_pages
    if frame.pages != total:
        raise DigestError(f"the page footers took {frame.pages} pages for {total} pages")
    continued = [runs[0].continued for runs in parts]
    content = merge_parts(front, assumed - front.pages, bodies, frame, continued=continued)
    return RenderedPdf(content=content, pages=total, anchors={})


def _lay_out_all(htmls: Sequence[str], stylesheet: str, workers: int) -> list[RenderedPdf]:
    """Lay out documents, in order, on up to `workers` processes.

    Forked where the system can (each worker starts with WeasyPrint already loaded, and
    the caller's main module need not guard against being imported again, as spawning
    requires); each worker lays out whole documents, so nothing is shared but the input.
    """
    workers = min(workers, len(htmls))
    if workers <= 1:
        return [render_pdf(html, stylesheet) for html in htmls]
    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(workers, mp_context=get_context(method)) as pool:
        return list(pool.map(render_pdf, htmls, itertools.repeat(stylesheet)))


def _lay_out_front(
    bodies: Sequence[RenderedPdf], html: Callable[..., str], stylesheet: str, *, assumed: int
) -> tuple[RenderedPdf, int]:
    """Lay out the cover and contents with each event's page, assuming they take `assumed`
    pages; return it and the pages it stands for (blank pages fill the difference).

    The contents' length decides the events' pages, which are printed in the contents:
    lay it out again until it takes no more pages than the numbers assumed. The
    assumption only grows, so this ends.
    """
    while True:
        front = render_pdf(
            html(part="front", event_pages=_event_pages(bodies, assumed)), stylesheet
        )
        if front.pages <= assumed:
            return front, assumed
        assumed = front.pages


def _placeholder_pages(edition: Edition) -> dict[int, int]:
    """Page numbers as wide as the real ones will likely be, to lay out a first contents."""
    widest = int("9" * len(str(2 * len(edition.events) + 2)))
    return {event.number: widest for event in edition.events}


def _event_pages(bodies: Sequence[RenderedPdf], front_pages: int) -> dict[int, int]:
    """Each event's page number (by its number), the body following `front_pages` pages."""
    pages: dict[int, int] = {}
    first = front_pages + 1
    for body in bodies:
        for anchor, index in body.anchors.items():
            if anchor.startswith("event-"):
                pages[int(anchor.removeprefix("event-"))] = first + index
        first += body.pages
    return pages


def render_pdf(html: str, stylesheet: str) -> RenderedPdf:
    """Lay out one HTML document with WeasyPrint, fetching nothing.

    Imported here: WeasyPrint takes about a second to load (pango, fonts), which
    `digest --help` and the other commands should not pay.
    """
    from weasyprint import CSS, HTML

    fetcher = _offline_fetcher()
    document = HTML(string=html, url_fetcher=fetcher).render(
        stylesheets=[CSS(string=stylesheet, url_fetcher=fetcher)]
    )
    anchors: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            anchors.setdefault(anchor, index)
    return RenderedPdf(content=document.write_pdf(), pages=len(document.pages), anchors=anchors)


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


# --- Putting the parts together ---------------------------------------------------------

FOOTER = NameObject("/DigestFooter")


def merge_parts(
    front: RenderedPdf,
    blank_pages: int,
    bodies: Sequence[RenderedPdf],
    frame: RenderedPdf,
    *,
    continued: Sequence[bool],
) -> bytes:
    """One PDF of the front, blank pages, and the body's parts, with the frame's footers.

    `continued` tells, for each part, whether it goes on with the previous part's last
    day: its bookmarks (events) go under that day's.

    The body's parts go in first, so that their named destinations (the events' anchors)
    are known when the front's links to them are copied (pypdf drops a link to an unknown
    name, and keeps the first destination of a name: not the front's empty targets); the
    front is then inserted before them. The bookmarks are copied last, in page order. The
    document's metadata and language are the front's, as WeasyPrint wrote them.
    """
    writer = PdfWriter()
    readers = [PdfReader(BytesIO(body.content)) for body in bodies]
    for reader in readers:
        writer.append(reader, import_outline=False)
    for _ in range(blank_pages):
        writer.insert_blank_page(index=0)
    front_reader = PdfReader(BytesIO(front.content))
    writer.merge(0, front_reader, import_outline=False)
    first_pages = itertools.accumulate([front.pages + blank_pages, *(b.pages for b in bodies)])
    day: IndirectObject | None = None
    for reader, first_page, goes_on in zip(
        [front_reader, *readers], [0, *first_pages], [False, *continued], strict=False
    ):
        parent = day if goes_on else None
        day = _copy_outline(writer, reader, reader.outline, first_page, parent=parent) or day
    frame_reader = PdfReader(BytesIO(frame.content))
    prologue, epilogue = (
        writer._add_object(_stream(data))
        for data in (b"q\n", b"\nQ\nq " + FOOTER.encode() + b" Do Q\n")
    )
    for page, footer in zip(writer.pages, frame_reader.pages, strict=True):
        _stamp(writer, page, footer, prologue, epilogue)
    writer.add_metadata(front_reader.metadata or {})
    language = front_reader.root_object.get("/Lang")
    if language is not None:
        writer.root_object[NameObject("/Lang")] = language
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def _copy_outline(
    writer: PdfWriter,
    reader: PdfReader,
    items: Sequence[Any],
    first_page: int,
    parent: IndirectObject | None,
) -> IndirectObject | None:
    """Append a part's bookmarks (WeasyPrint's: page, left, top) under `parent`; return
    the last one appended at that level.

    pypdf's outline is a list of items, each followed by the list of its children.
    """
    last: IndirectObject | None = None
    for item in items:
        if isinstance(item, list):
            _copy_outline(writer, reader, item, first_page, parent=last)
            continue
        page = reader.get_destination_page_number(item)
        if page is None:  # WeasyPrint's bookmarks all point at a page of their document
            continue
        last = writer.add_outline_item(
            title=str(item.title),
            page_number=first_page + page,
            parent=parent,
            fit=Fit.xyz(left=item.left, top=item.top, zoom=0),
        )
    return last


def _stream(data: bytes) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


def _stamp(
    writer: PdfWriter,
    page: PageObject,
    footer: PageObject,
    prologue: IndirectObject,
    epilogue: IndirectObject,
) -> None:
    """Draw the footer's page over `page`, as a form: its resources stay its own.

    The page's own drawing is wrapped in q/Q, since WeasyPrint leaves its transformation
    in place at the end of a page.
    """
    source = cast(IndirectObject, footer.raw_get("/Contents"))
    form = cast(StreamObject, source.clone(writer).get_object())
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = ArrayObject(footer.mediabox)
    form[NameObject("/Resources")] = cast(DictionaryObject, footer["/Resources"]).clone(writer)
    resources = DictionaryObject(cast(DictionaryObject, page["/Resources"]))
    xobjects = DictionaryObject(cast(DictionaryObject, resources.get("/XObject", {})))
    xobjects[FOOTER] = form.indirect_reference
    resources[NameObject("/XObject")] = xobjects
    page[NameObject("/Resources")] = resources
    contents = page.raw_get("/Contents")
    own = list(contents) if isinstance(contents, ArrayObject) else [contents]
    page[NameObject("/Contents")] = ArrayObject([prologue, *own, epilogue])


def write_pdf(config: BuildConfig, target: Path, *, day: date | None = None) -> PdfSummary:
    """Run the pipeline on the config's inputs and write the briefing as a PDF.

    Args:
        config: inputs, locale, templates dir and workers (for the pipeline and the layout;
            the docs and site dirs are not used).
        target: the PDF file; replaced atomically, its folder created if missing.
        day: print only the events dated that day.

    Raises:
        NoEventsError: nothing to print (see `select_edition`).
        DigestError: the file cannot be written.
    """
    from digest.pipeline import run_pipeline

    result = run_pipeline(config)
    edition = select_edition(result, day)
    rendered = render_edition(
        edition, templates_dir=config.templates_dir, locale=config.locale, workers=config.workers
    )
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
