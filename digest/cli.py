"""The command line: parse, build a `BuildConfig`, call the pipeline, report.

Heavy modules are imported inside the commands so `digest --help` stays fast.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from pathlib import Path

import click

from digest import __version__
from digest.errors import DigestError


@click.group()
@click.version_option(__version__, prog_name="digest")
@click.option("-v", "--verbose", is_flag=True, help="Log each stage.")
def main(verbose: bool) -> None:
    """Turn a pile of overlapping news articles into a briefing website."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # The commands report rejected inputs themselves, one line each; the reader's own
    # warnings (and trafilatura's about the same pages) would say it twice.
    for name in ("digest.ingest", "trafilatura"):
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.ERROR)


@main.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--docs",
    "docs_dir",
    type=click.Path(path_type=Path),
    default=Path("docs"),
    show_default=True,
    help="Where to write the Markdown pages and events.json.",
)
@click.option(
    "--site",
    "site_dir",
    type=click.Path(path_type=Path),
    default=Path("site"),
    show_default=True,
    help="Where MkDocs writes the website.",
)
@click.option("--no-site", is_flag=True, help="Write the Markdown only; skip the MkDocs build.")
@click.option(
    "--locale",
    default="en",
    show_default=True,
    # the translated ones are digest.i18n.SUPPORTED_LOCALES (not imported: --help stays fast)
    help="Language of the site: en, fr, de, es, ar. Another Babel locale (it, pt_BR…) "
    "localises dates and numbers, with the interface in English.",
)
@click.option(
    "--site-url",
    default=None,
    help="The published site's address, for absolute links in the feeds "
    "(default: site_url of mkdocs.yml).",
)
@click.option("--strict", is_flag=True, help="Exit with status 1 when any input was rejected.")
@click.option(
    "--embeddings",
    is_flag=True,
    help="Also group headlines by sentence embeddings (needs the 'embeddings' extra).",
)
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Processes for reading and telling the stories (default: all available cores; "
    "1: no worker processes).",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Where the parallel stages run: local processes, or a Dask cluster (the `dask` extra).",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="The Dask scheduler to use (tcp://host:8786); without it --engine dask starts a "
    "LocalCluster of --workers processes.",
)
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The build state, which keeps event ids stable and groups only new articles "
    "(default: .digest/DOCS-NAME.sqlite beside the docs dir).",
)
@click.option("--no-state", is_flag=True, help="Build from scratch; read and write no state.")
@click.option(
    "--rebuild",
    is_flag=True,
    help="Group every article from scratch; ids stay stable through the state.",
)
def build(
    inputs: tuple[Path, ...],
    docs_dir: Path,
    site_dir: Path,
    no_site: bool,
    locale: str,
    site_url: str | None,
    strict: bool,
    embeddings: bool,
    workers: int | None,
    engine: str,
    scheduler: str | None,
    state_path: Path | None,
    no_state: bool,
    rebuild: bool,
) -> None:
    """Build the digest of INPUT folders or files (default: seeds/)."""
    from digest.config import make_config
    from digest.pipeline import build as run_build
    from digest.publish import configured_site_url
    from digest.state import default_state_path

    try:
        config = make_config(
            inputs or ("seeds",),
            docs_dir=docs_dir,
            site_dir=site_dir,
            build_site=not no_site,
            locale=locale,
            site_url=site_url or configured_site_url(),
            embeddings=embeddings,
            workers=workers,
            engine=engine,
            scheduler=scheduler,
            state_path=None if no_state else state_path or default_state_path(docs_dir),
            rebuild=rebuild,
        )
        result = run_build(config)
    except DigestError as error:
        raise click.ClickException(str(error)) from error
    sources = len({a.source for a in result.articles if a.source})
    click.echo(
        f"{_count(len(result.articles), 'article')} from {_count(sources, 'source')} → "
        f"{_count(len(result.stories), 'event')}, "
        f"{_count(len(result.storylines), 'storyline')}, {len(result.rejected)} rejected"
    )
    for rejected in result.rejected:
        click.echo(f"rejected {rejected.where}: {rejected.reason}", err=True)
    click.echo(f"Markdown and events.json in {docs_dir}/")
    if not no_site:
        click.echo(f"Site in {site_dir}/ — open {site_dir / 'index.html'}")
    if strict and result.rejected:
        sys.exit(1)


@main.command()
@click.argument("inputs", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "-a",
    "--dev-addr",
    default="127.0.0.1:8000",
    show_default=True,
    help="Address to serve the preview on.",
)
@click.option("--locale", default="en", show_default=True, help="Language of the site.")
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The build state, which keeps ids stable and groups only new articles on each "
    "reload (default: the one `digest build` keeps, .digest/docs.sqlite).",
)
@click.option("--no-state", is_flag=True, help="Build from scratch on each reload.")
def serve(
    inputs: tuple[Path, ...], dev_addr: str, locale: str, state_path: Path | None, no_state: bool
) -> None:
    """Preview the digest of INPUT (default: seeds/) with live reload.

    Pages are regenerated when an input article is added or changed; only the pages
    whose Markdown changed are rendered again.
    """
    from digest.config import PROJECT_ROOT
    from digest.publish import preview_docs_dir, serve_site
    from digest.state import default_state_path

    default_state = default_state_path(preview_docs_dir(PROJECT_ROOT / "mkdocs.yml"))
    try:
        serve_site(
            inputs or (Path("seeds"),),
            dev_addr=dev_addr,
            locale=locale,
            state_path=None if no_state else state_path or default_state,
        )
    except DigestError as error:
        raise click.ClickException(str(error)) from error


@main.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
def check(inputs: tuple[Path, ...]) -> None:
    """List every problem in INPUT (default: seeds/) without building.

    Prints each rejected input and each repair made while reading (an encoding
    fallback, say), one per line as `path:line: reason`; exits with status 1 when
    anything was rejected.
    """
    from digest.config import make_config
    from digest.ingest import read_inputs

    try:
        config = make_config(inputs or ("seeds",))
    except DigestError as error:
        raise click.ClickException(str(error)) from error
    ingested = read_inputs(config.inputs)
    for article in ingested.articles:
        for note in article.notes:
            click.echo(f"{article.origin}: repaired: {note}")
    for rejected in ingested.rejected:
        click.echo(f"{rejected.where}: rejected: {rejected.reason}")
    click.echo(
        f"{_count(len(ingested.articles), 'article')} readable, {len(ingested.rejected)} rejected"
    )
    if ingested.rejected:
        sys.exit(1)


@main.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The PDF file to write.",
)
@click.option(
    "--day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Print one day's edition: the events dated YYYY-MM-DD.",
)
@click.option("--locale", default="en", show_default=True, help="Language of dates, numbers.")
@click.option(
    "--workers", type=int, default=None, help="Processes for the digest (default: all cores)."
)
def pdf(
    inputs: tuple[Path, ...], output: Path, day: datetime | None, locale: str, workers: int | None
) -> None:
    """Write the briefing of INPUT (default: seeds/) as a PDF.

    A cover with the dates covered, a table of contents, then each event with its
    story, where the sources differ, and the sources with their addresses.
    """
    from digest.config import make_config
    from digest.pdf import write_pdf

    try:
        config = make_config(inputs or ("seeds",), build_site=False, locale=locale, workers=workers)
        written = write_pdf(config, output, day=day.date() if day else None)
    except DigestError as error:
        raise click.ClickException(str(error)) from error
    for rejected in written.rejected:
        click.echo(f"rejected {rejected.where}: {rejected.reason}", err=True)
    click.echo(
        f"{_count(written.events, 'event')} on {_count(written.pages, 'page')} → {written.path}"
    )


@main.command(name="eval")
@click.argument("events_json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("labels", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def evaluate_command(events_json: Path, labels: Path) -> None:
    """Score EVENTS_JSON against a LABELS file (article id → event label)."""
    from digest.evaluate import evaluate, load_labels, predicted_labels

    predicted = predicted_labels(json.loads(events_json.read_text(encoding="utf-8")))
    gold = {Path(k).name: v for k, v in load_labels(labels).items()}
    result = evaluate({Path(k).name: v for k, v in predicted.items()}, gold)
    click.echo(
        f"articles {result.articles}, gold events {result.gold_events}, "
        f"predicted events {result.predicted_events}"
    )
    for name, scores in (("B-cubed", result.bcubed), ("pairwise", result.pairwise)):
        click.echo(
            f"{name:9} precision {scores.precision:.3f}  recall {scores.recall:.3f}  "
            f"F1 {scores.f1:.3f}"
        )


def _count(number: int, noun: str) -> str:
    """`1 event`, `3 events`."""
    return f"{number} {noun}{'' if number == 1 else 's'}"
