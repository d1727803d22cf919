"""Saved web pages: trafilatura's main text and metadata."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from digest.errors import InputError
from digest.ingest import read_inputs
from digest.ingest.files import InputFile
from digest.ingest.html import read_html
from digest.model import Article

PARAGRAPH = (
    "Around 350,000 Syrians, mostly women and children, have fled a renewed Russian-backed"
    " offensive in the opposition-held Idlib province since early December, the UN said."
)


def _page(body: str, head: str = "", charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="{charset}">'
        f"<title>Idlib | Example News</title>{head}</head>\n"
        f'<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>\n'
        f"<main><article>{body}</article></main>\n"
        f"<footer><p>&copy; 2020 Example News</p></footer></body></html>\n"
    )


def _read(html: str, encoding: str = "utf-8") -> Article:
    [article] = read_html(InputFile(name="page.html", data=html.encode(encoding)))
    assert isinstance(article, Article)
    return article


@pytest.fixture
def news_page(data_dir: Path) -> Article:
    [article] = read_inputs([data_dir / "ingest" / "idlib-displacement.html"]).articles
    return article


def test_news_page_metadata_comes_from_its_meta_tags(news_page: Article) -> None:
    assert news_page.id == "idlib-displacement.html"
    assert news_page.title == "UN says 350,000 flee Idlib offensive as Bachelet urges ceasefire"
    assert news_page.source == "The Levant Herald"
    assert news_page.published == date(2020, 1, 17)
    assert news_page.url == "https://www.levantherald.example/world/2020/01/17/un-350000-flee-idlib"
    assert news_page.author == "Rania Haddad"
    assert news_page.language == "en"


def test_news_page_text_is_the_article_body_in_paragraphs(news_page: Article) -> None:
    paragraphs = news_page.text.split("\n\n")
    assert len(paragraphs) == 5
    assert paragraphs[0].startswith("Around 350,000 Syrians, mostly women and children")
    assert paragraphs[-1].startswith("Russian jets and Syrian artillery have pounded towns")


def test_news_page_text_leaves_out_navigation_ads_and_footer(news_page: Article) -> None:
    for furniture in ("Advertisement", "Most read", "Sign up", "All rights reserved", "Politics"):
        assert furniture not in news_page.text


def test_headline_repeated_at_the_top_of_the_body_is_dropped(news_page: Article) -> None:
    assert news_page.title is not None
    assert news_page.title not in news_page.text


def test_section_headings_keep_their_marks() -> None:
    article = _read(
        _page(f"<h1>Idlib</h1><p>{PARAGRAPH}</p><h2>Aid convoys</h2><p>{PARAGRAPH}</p>")
    )
    assert article.text == f"{PARAGRAPH}\n\n## Aid convoys\n\n{PARAGRAPH}"


def test_page_dateline_in_the_text_is_not_taken_for_the_publication_date() -> None:
    # seed 004's scrape date: a dateline in the text is the cleaner's to judge
    article = _read(_page(f"<p>Abu Dhabi, UAE Thursday 22 October 2020</p><p>{PARAGRAPH}</p>"))
    assert article.published is None


def test_declared_legacy_charset_is_used_without_a_note() -> None:
    body = f"<p>{PARAGRAPH} « Les conditions se détériorent », a dit l’agence.</p>"
    article = _read(_page(body, charset="windows-1252"), encoding="cp1252")
    assert "« Les conditions se détériorent », a dit l’agence." in article.text
    assert article.notes == ()


def test_truncated_page_without_a_body_is_rejected(data_dir: Path) -> None:
    result = read_inputs([data_dir / "bad" / "truncated.html"])
    assert result.articles == ()
    [rejected] = result.rejected
    assert (rejected.input, rejected.line, rejected.reason) == (
        "truncated.html",
        None,
        "no article text found in HTML",
    )


def test_app_shell_saved_before_it_rendered_is_rejected() -> None:
    shell = (
        "<!DOCTYPE html><html><head><title>Example News</title></head>"
        '<body><div id="root"></div><script src="/static/app.3f9a.js"></script></body></html>'
    )
    with pytest.raises(InputError, match=r"^page\.html: no article text found in HTML$"):
        read_html(InputFile(name="page.html", data=shell.encode("utf-8")))
