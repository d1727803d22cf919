"""The digest as an MkDocs plugin, so `mkdocs build` and `mkdocs serve` work from the
project root: the pipeline writes the pages before each build, and `mkdocs serve`
rebuilds when an input article is added or changed.

Only pages whose bytes change are rewritten (`render.write_docs`), so a rebuild that
changes nothing does not trigger another one, and a dirty rebuild (`digest serve`)
renders only the pages the digest rewrote.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from digest.config import PROJECT_ROOT, make_config
from digest.errors import DigestError
from digest.i18n import translate_mkdocs_labels
from digest.publish import docs_already_written


class DigestPluginConfig(base.Config):  # type: ignore[no-untyped-call]  # MkDocs is untyped here
    inputs = c.ListOfItems(c.Type(str), default=["seeds"])
    """Folders or files to read, relative to mkdocs.yml."""
    locale = c.Type(str, default="en")
    state = c.Optional(c.Type(str))
    """The build state file (digest/state.py), relative to mkdocs.yml: ids stay stable and
    only new articles are grouped; unset builds from scratch each time."""


THEME_OVERRIDES = PROJECT_ROOT / "overrides"
"""Templates over the theme's own: `main.html` announces the feeds in every page's <head>."""


class DigestPlugin(BasePlugin[DigestPluginConfig]):  # type: ignore[no-untyped-call]
    """Write the digest's pages into `docs_dir` before MkDocs reads it."""

    def __init__(self) -> None:
        super().__init__()
        self._dirty = False
        self._pages: set[str] = set()
        self._rendered: set[str] = set()

    def on_startup(self, *, command: str, dirty: bool) -> None:  # noqa: ARG002 (MkDocs passes it by name)
        self._dirty = dirty

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Put the digest's theme overrides before the theme's templates, as `custom_dir`
        would, but wherever mkdocs.yml is: a `custom_dir` is read relative to the loaded
        configuration, and `digest serve` loads one from a temporary folder."""
        config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(THEME_OVERRIDES))
        translate_mkdocs_labels(config)  # the site name, "About", the palette toggles
        return config

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        if docs_already_written():
            return
        from digest.pipeline import write_digest

        try:
            write_digest(
                make_config(
                    self._inputs(config),
                    docs_dir=Path(config.docs_dir),
                    build_site=False,
                    locale=self.config.locale,
                    site_url=config.site_url or None,
                    state_path=self._state(config),
                )
            )
        except DigestError as error:
            raise PluginError(str(error)) from error

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:  # noqa: ARG002 (MkDocs passes it by name)
        self._pages = {file.url for file in files.documentation_pages()}
        self._rendered = set()
        return files

    def on_pre_page(self, page: Page, /, *, config: MkDocsConfig, files: Files) -> Page:  # noqa: ARG002 (MkDocs passes them by name)
        self._rendered.add(page.url)
        return page

    @event_priority(50)  # before the search plugin writes its index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self._dirty:
            forget_stale_search_entries(config, self._rendered, self._pages)

    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:  # noqa: ARG002 (MkDocs passes it by name)
        for path in self._inputs(config):
            server.watch(str(path))
        return server

    def _state(self, config: MkDocsConfig) -> Path | None:
        state: str | None = self.config.state
        return Path(config.config_file_path).parent / state if state else None

    def _inputs(self, config: MkDocsConfig) -> list[Path]:
        root = Path(config.config_file_path).parent
        return [root / path for path in self.config.inputs]


def forget_stale_search_entries(config: MkDocsConfig, rendered: set[str], pages: set[str]) -> None:
    """Drop from Material's kept search index the entries of pages rendered again or gone.

    On a dirty rebuild Material's search plugin indexes only the pages rendered again and
    merges them into the index it kept from the build before, replacing the entries of the
    first such page only: the others would be listed twice, and a removed page would
    stay. Without the plugin, or in a version that keeps no index, nothing is done.
    """
    search = config.plugins.get("material/search")
    kept = getattr(search, "search_index_prev", None)
    if kept is None:
        return
    kept.entries = [
        entry
        for entry in kept.entries
        if (page := entry["location"].partition("#")[0]) in pages and page not in rendered
    ]
