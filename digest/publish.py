"""Stage 9: build the static site from the docs dir with MkDocs.

With `digest/mkdocs_plugin.py`, the only module that touches MkDocs (DESIGN.md:
mkdocs-material reaches end of life in 2027 and MkDocs 1.x is unmaintained), so moving
to another site builder stays a change in one place.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import yaml
from mkdocs.commands.build import build
from mkdocs.commands.serve import serve
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException
from mkdocs.utils.yaml import yaml_load

from digest.config import PROJECT_ROOT
from digest.errors import DigestError
from digest.i18n import mkdocs_overrides

_MKDOCS_LOGGER = "mkdocs"
_DOCS_WRITTEN: ContextVar[bool] = ContextVar("digest_docs_written", default=False)
"""Set while `build_site` runs: the docs were just written, the plugin need not redo it."""


def docs_already_written() -> bool:
    """Tell the MkDocs plugin whether this build comes from `digest build`."""
    return _DOCS_WRITTEN.get()


class _FirstProblem(logging.Handler):
    """Keep MkDocs' first warning or error: the reason behind a bare "Aborted" message."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.message: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        lines = record.getMessage().splitlines()
        if self.message is None and lines:
            self.message = lines[0]


def build_site(
    docs_dir: Path,
    site_dir: Path,
    *,
    config_file: Path = PROJECT_ROOT / "mkdocs.yml",
    strict: bool = False,
    source_date: date | None = None,
    locale: str = "en",
) -> None:
    """Build the site from `docs_dir` into `site_dir`, in process, as `mkdocs build` does.

    The directories are made absolute, so the build works from any working directory;
    everything else comes from `config_file`. `site_dir` is emptied first, as MkDocs does.

    Args:
        docs_dir: the Markdown pages (generated and hand-written).
        site_dir: where the HTML goes.
        config_file: the MkDocs configuration.
        strict: fail on any MkDocs warning (a broken link or anchor, a missing page).
        source_date: the date MkDocs stamps into the site (sitemap, archive times) when
            `SOURCE_DATE_EPOCH` is not set: the newest event's, so that the same input
            gives the same bytes whatever day it is built. None leaves MkDocs' default.
        locale: the site's language: Material's interface strings, `<html lang>`, the
            text direction and the search stemmer follow it (`theme.language`).

    Raises:
        DigestError: MkDocs refused the configuration or aborted the build; the message is
            one line, with MkDocs' first warning when there is one.
    """
    token = _DOCS_WRITTEN.set(True)
    with _first_problem() as problem, _source_date_epoch(source_date):
        try:
            config = load_config(
                config_file=str(config_file),
                docs_dir=str(docs_dir.resolve()),
                site_dir=str(site_dir.resolve()),
                strict=strict,
                **locale_settings(config_file, locale),
            )
            config.plugins.on_startup(command="build", dirty=False)
            try:
                build(config)
            finally:
                config.plugins.on_shutdown()
        except MkDocsException as error:
            raise DigestError(_one_line(error, problem.message)) from error
        finally:
            _DOCS_WRITTEN.reset(token)


def configured_site_url(config_file: Path = PROJECT_ROOT / "mkdocs.yml") -> str | None:
    """The `site_url` of the MkDocs configuration, if it sets one (for the feeds' links)."""
    if not config_file.is_file():
        return None
    with config_file.open("rb") as file:
        raw = yaml_load(file) or {}
    site_url = raw.get("site_url")
    return site_url if isinstance(site_url, str) and site_url else None


def locale_settings(config_file: Path, locale: str) -> dict[str, Any]:
    """The settings of `config_file` that `locale` changes, merged over their values there.

    MkDocs replaces a whole setting given to `load_config`, so the theme's other options
    are read from the file and kept. A missing file is left for MkDocs to report.
    """
    if not config_file.is_file():
        return {}
    with config_file.open("rb") as file:
        raw = yaml_load(file) or {}
    settings = {}
    for key, changes in mkdocs_overrides(locale).items():
        current = raw.get(key) or {}
        current = {"name": current} if isinstance(current, str) else current
        settings[key] = {**current, **changes}
    return settings


def serve_site(
    inputs: Sequence[Path],
    *,
    dev_addr: str = "127.0.0.1:8000",
    config_file: Path = PROJECT_ROOT / "mkdocs.yml",
    locale: str = "en",
    state_path: Path | None = None,
) -> None:
    """Preview the site with live reload, regenerating pages when an input changes.

    Runs `mkdocs serve` on a configuration that inherits `config_file` and points the
    digest plugin at `inputs`, in `locale`, with the build state `state_path` (None:
    none), until interrupted. Reloads are MkDocs' dirty builds: only the pages whose
    Markdown the digest rewrote are rendered again (the nav lists index pages only, so
    the others' nav stays right; the plugin keeps the search index whole).
    """
    with tempfile.TemporaryDirectory(prefix="digest-serve-") as folder:
        preview = Path(folder) / "mkdocs.yml"
        settings = preview_config(inputs, config_file, locale, state_path)
        preview.write_text(settings, encoding="utf-8")
        try:
            with _without_dirty_build_warning():
                serve(config_file=str(preview), dev_addr=dev_addr, build_type="dirty")
        except MkDocsException as error:
            raise DigestError(_one_line(error, None)) from error


def preview_config(
    inputs: Sequence[Path],
    config_file: Path,
    locale: str = "en",
    state_path: Path | None = None,
) -> str:
    """A configuration inheriting the project's, with absolute dirs, our inputs and locale.

    MkDocs deep-merges an inheriting file's settings, so `theme: {language: fr}` keeps
    the project's other theme options.
    """
    digest_options: dict[str, Any] = {
        "inputs": [str(p.resolve()) for p in inputs],
        "locale": locale,
    }
    if state_path is not None:
        digest_options["state"] = str(state_path.resolve())
    settings = {
        "INHERIT": str(config_file.resolve()),
        "docs_dir": str(preview_docs_dir(config_file)),
        "site_dir": str(config_file.resolve().parent / "site"),
        "plugins": ["search", {"digest": digest_options}],
        **mkdocs_overrides(locale),
    }
    return yaml.safe_dump(settings, sort_keys=False)


def preview_docs_dir(config_file: Path) -> Path:
    """Where `digest serve` writes the pages: the `docs` folder beside `config_file`."""
    return config_file.resolve().parent / "docs"


@contextmanager
def _source_date_epoch(day: date | None) -> Iterator[None]:
    """Set `SOURCE_DATE_EPOCH` (reproducible-builds.org) to `day`, unless the user has."""
    if day is None or "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    midnight = datetime.combine(day, time(), tzinfo=UTC)
    os.environ["SOURCE_DATE_EPOCH"] = str(int(midnight.timestamp()))
    try:
        yield
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]


class _DirtyBuildWarning(logging.Filter):
    """MkDocs warns on each dirty build that the navigation may be stale: the digest's nav
    lists only index pages, which are rendered again whenever they change."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("A 'dirty' build is being performed")


@contextmanager
def _without_dirty_build_warning() -> Iterator[None]:
    warning = _DirtyBuildWarning()
    logger = logging.getLogger("mkdocs.commands.build")
    logger.addFilter(warning)
    try:
        yield
    finally:
        logger.removeFilter(warning)


@contextmanager
def _first_problem() -> Iterator[_FirstProblem]:
    handler = _FirstProblem()
    logger = logging.getLogger(_MKDOCS_LOGGER)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def _one_line(error: MkDocsException, first_problem: str | None) -> str:
    message = " ".join(error.format_message().split()) or type(error).__name__
    return f"mkdocs: {message} ({first_problem})" if first_problem else f"mkdocs: {message}"
