"""The one configuration record every stage sees, and its validation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError

from digest.engine import ENGINES
from digest.errors import ConfigError
from digest.markdown_text import is_web_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout (or editable install) that holds `templates/` beside `digest/`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildConfig:
    """What to read, where to write, and how to decide."""

    inputs: tuple[Path, ...] = (Path("seeds"),)
    """Folders (searched recursively) or files."""
    docs_dir: Path = Path("docs")
    site_dir: Path = Path("site")
    build_site: bool = True
    locale: str = "en"
    templates_dir: Path = field(default=PROJECT_ROOT / "templates")
    cluster_threshold: float = 0.17
    """Similarity above which two segments are taken to report the same event."""
    embeddings: bool = False
    """Also compare headlines by sentence embeddings (the `embeddings` extra)."""
    site_url: str | None = None
    """The published site's address (`site_url` of mkdocs.yml), for absolute links in the
    feeds; None leaves them relative to the feed's own address."""
    workers: int | None = None
    """Processes for the parallel stages (reading, telling the stories); None: all the
    available cores, or the size of the Dask `LocalCluster`. 1 runs everything in this
    process."""
    engine: str = "local"
    """Where the parallel stages run: `local` (a process pool) or `dask` (`digest.engine`)."""
    scheduler: str | None = None
    """The Dask scheduler's address (`tcp://host:8786`), for the `dask` engine; None starts a
    `LocalCluster` on this machine."""
    state_path: Path | None = None
    """The build state (digest/state.py): ids kept stable and only new articles grouped.
    None builds from scratch and keeps nothing; the CLI's default is
    `state.default_state_path(docs_dir)`."""
    rebuild: bool = False
    """With a state: group every article from scratch, still keeping ids stable."""


def make_config(inputs: Sequence[str | Path] = ("seeds",), **options: Any) -> BuildConfig:
    """Build and validate a `BuildConfig`, collecting every problem before failing once.

    Args:
        inputs: folders or files to read.
        **options: any other `BuildConfig` field, by name.

    Raises:
        ConfigError: listing all problems found.
    """
    unknown = sorted(set(options) - {f.name for f in fields(BuildConfig)})
    if unknown:
        raise ConfigError([f"unknown option: {name}" for name in unknown])
    config = replace(BuildConfig(inputs=tuple(Path(p) for p in inputs)), **options)
    problems = _find_problems(config)
    if problems:
        raise ConfigError(problems)
    return config


def _find_problems(config: BuildConfig) -> list[str]:
    problems = [f"input not found: {p}" for p in config.inputs if not p.exists()]
    if not config.inputs:
        problems.append("no input given")
    try:
        Locale.parse(config.locale)
    except (ValueError, UnknownLocaleError):
        problems.append(f"unknown locale: {config.locale!r}")
    if not 0.0 < config.cluster_threshold < 1.0:
        problems.append(
            f"cluster threshold must be between 0 and 1, not {config.cluster_threshold}"
        )
    if config.embeddings:
        from digest import embeddings

        if not embeddings.available():
            problems.append(embeddings.MISSING)
    if not (config.templates_dir / "event.md.j2").is_file():
        problems.append(f"templates not found in {config.templates_dir}")
    if config.site_url is not None and not is_web_url(config.site_url):
        problems.append(f"site URL must be an http(s) address, not {config.site_url!r}")
    if config.docs_dir.resolve() == config.site_dir.resolve():
        problems.append("the docs and site directories must differ")
    return problems + _engine_problems(config)


def _engine_problems(config: BuildConfig) -> list[str]:
    problems = []
    if config.workers is not None and config.workers < 1:
        problems.append(f"workers must be at least 1, not {config.workers}")
    if config.engine not in ENGINES:
        problems.append(f"unknown engine {config.engine!r} (choose from {', '.join(ENGINES)})")
    if config.scheduler is not None and config.engine != "dask":
        problems.append("a scheduler address needs the dask engine (--engine dask)")
    if config.scheduler is not None and config.workers is not None:
        problems.append("a Dask scheduler has its own workers: give --workers or --scheduler")
    return problems
