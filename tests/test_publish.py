"""Publish: the rendered docs build into a site with MkDocs, strictly and reproducibly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digest.errors import DigestError
from digest.publish import build_site
from digest.render import render_pages, write_docs
from tests.test_render import EVENT_A, EVENT_C, TEMPLATES, sample_result

HOSTILE_TITLE = '<script>alert("x")</script> Idlib'


def build(root: Path, *, title: str = HOSTILE_TITLE) -> Path:
    """Render the sample into `root/docs` and build it strictly into `root/site`."""
    pages = render_pages(sample_result(title=title), templates_dir=TEMPLATES, locale="en_GB")
    write_docs(pages, root / "docs")
    build_site(root / "docs", root / "site", strict=True)
    return root / "site"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("publish"))


def test_strict_build_writes_the_briefing_the_events_and_events_json(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "events" / f"{EVENT_A}.html").is_file()
    assert (site / "events" / f"{EVENT_C}.html").is_file()
    assert (site / "sources" / "index.html").is_file()
    assert (site / "about" / "index.html").is_file()
    assert json.loads((site / "events.json").read_text(encoding="utf-8"))["schema"] == 1


def test_a_script_title_is_shown_as_text_not_run(site: Path) -> None:
    html = (site / "events" / f"{EVENT_A}.html").read_text(encoding="utf-8")
    assert "<script>alert(" not in html
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Idlib"
    assert f"<title>{escaped} - digest — news briefing</title>" in html
    assert '>&lt;script&gt;alert("x")&lt;/script&gt; Idlib<a class="headerlink"' in html


def test_apostrophes_reach_the_page_unescaped(tmp_path: Path) -> None:
    site = build(tmp_path, title="Bachelet's call")
    html = (site / "events" / f"{EVENT_A}.html").read_text(encoding="utf-8")
    assert ">Bachelet's call<" in html


def test_two_builds_give_the_same_event_pages(site: Path, tmp_path: Path) -> None:
    again = build(tmp_path)
    for page in sorted((site / "events").glob("*.html")):
        assert (again / "events" / page.name).read_bytes() == page.read_bytes(), page.name


def test_relative_dirs_work_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = render_pages(sample_result(), templates_dir=TEMPLATES, locale="en")
    write_docs(pages, tmp_path / "docs")
    monkeypatch.chdir(tmp_path)
    build_site(Path("docs"), Path("site"))
    assert (tmp_path / "site" / "index.html").is_file()


def test_a_broken_link_fails_a_strict_build_with_one_line(tmp_path: Path) -> None:
    pages = render_pages(sample_result(), templates_dir=TEMPLATES, locale="en")
    write_docs(pages | {"events/broken.md": "# Broken\n\n[x](missing.md)\n"}, tmp_path / "docs")
    with pytest.raises(DigestError, match=r"^mkdocs: Aborted with 1 warnings in strict mode!") as e:
        build_site(tmp_path / "docs", tmp_path / "site", strict=True)
    assert "missing.md" in str(e.value)
    assert "\n" not in str(e.value)


def test_a_missing_config_file_is_a_digest_error(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    with pytest.raises(DigestError, match="does not exist"):
        build_site(tmp_path / "docs", tmp_path / "site", config_file=tmp_path / "nope.yml")


def test_a_french_site_has_french_interface_and_keeps_the_theme_options(tmp_path: Path) -> None:
    pages = render_pages(sample_result(), templates_dir=TEMPLATES, locale="fr")
    write_docs(pages, tmp_path / "docs")
    build_site(tmp_path / "docs", tmp_path / "site", locale="fr")
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fr"' in home
    assert 'placeholder="Rechercher"' in home
    assert "md-tabs" in home  # navigation.tabs still on: the theme's options were kept
