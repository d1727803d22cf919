"""`mkdocs build` from a project root runs the digest itself (digest/mkdocs_plugin.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config

from digest.publish import preview_config
from tests.test_faults import NEW_ARTICLE

ROOT = Path(__file__).resolve().parent.parent


def _project(tmp_path: Path) -> Path:
    """A copy of the project's site configuration and hand-written pages, with an inbox."""
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(ROOT / "docs" / "about", tmp_path / "docs" / "about")
    shutil.copytree(ROOT / "docs" / "stylesheets", tmp_path / "docs" / "stylesheets")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    return tmp_path


def test_mkdocs_build_writes_the_digest_before_building(tmp_path: Path) -> None:
    project = _project(tmp_path)
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    events = json.loads((project / "site" / "events.json").read_text(encoding="utf-8"))
    assert len(events["events"]) == 3
    assert (project / "docs" / "index.md").is_file()
    assert len(list((project / "site" / "events").glob("*.html"))) == 3


def test_the_preview_inherits_the_project_and_reads_the_given_inputs(tmp_path: Path) -> None:
    settings = yaml.safe_load(preview_config([tmp_path / "inbox"], ROOT / "mkdocs.yml"))
    assert settings["INHERIT"] == str(ROOT / "mkdocs.yml")
    assert settings["docs_dir"] == str(ROOT / "docs")
    digest_options = {"inputs": [str(tmp_path / "inbox")], "locale": "en"}
    assert settings["plugins"] == ["search", {"digest": digest_options}]


def test_the_preview_in_another_language_sets_the_theme_language(tmp_path: Path) -> None:
    settings = yaml.safe_load(preview_config([tmp_path], ROOT / "mkdocs.yml", "fr_CA"))
    assert settings["theme"] == {"language": "fr"}
    assert settings["plugins"][1]["digest"]["locale"] == "fr_CA"


def test_the_plugin_keeps_a_state_when_given_one(tmp_path: Path) -> None:
    project = _project(tmp_path)
    config = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    config["plugins"] = ["search", {"digest": {"inputs": ["seeds"], "state": ".digest/p.db"}}]
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (project / "seeds" / "003_74ca848829909573.txt").unlink()
    for _ in range(2):  # the second build starts from the state the first one saved
        completed = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "-q"],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
    assert (project / ".digest" / "p.db").is_file()
    events = json.loads((project / "site" / "events.json").read_text(encoding="utf-8"))
    assert len(events["events"]) == 2


def test_the_preview_passes_its_state_to_the_plugin(tmp_path: Path) -> None:
    settings = yaml.safe_load(
        preview_config([tmp_path], ROOT / "mkdocs.yml", "en", tmp_path / "state.sqlite")
    )
    assert settings["plugins"][1]["digest"]["state"] == str(tmp_path / "state.sqlite")


def test_a_dirty_rebuild_renders_the_rewritten_pages_only_and_keeps_search_whole(
    tmp_path: Path,
) -> None:
    project = _project(tmp_path)
    preview = tmp_path / "preview.yml"
    preview.write_text(
        preview_config([project / "seeds"], project / "mkdocs.yml"), encoding="utf-8"
    )
    site = tmp_path / "site"

    def dirty_build() -> dict[str, int]:  # as each reload of `digest serve` does
        config = load_config(config_file=str(preview), site_dir=str(site))
        config.plugins.on_startup(command="serve", dirty=True)
        build(config, dirty=True)
        return {p.relative_to(site).as_posix(): p.stat().st_mtime_ns for p in site.rglob("*.html")}

    before = dirty_build()
    (project / "seeds" / "convoy.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    after = dirty_build()

    rendered = {page for page in after if after[page] != before.get(page)}
    assert "index.html" in rendered  # the briefing lists the new event
    assert any(page.startswith("events/") and page not in before for page in rendered)
    assert not any(page.startswith("about/") for page in rendered)
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    locations = [entry["location"] for entry in index["docs"]]
    assert len(locations) == len(set(locations))  # no page indexed twice
    pages = {location.partition("#")[0] for location in locations}
    assert {"about/index.html", "index.html", "archive/index.html"} <= pages
    assert "Aid convoy" in json.dumps(index)
