"""Two other builds seen in the browser: a hostile article, and the French site."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.harness import SEEDS, Site, Tab, built_site

pytestmark = pytest.mark.browser

SCRIPT = "<script>window.__pwned=1</script>"
IMAGE = '<img src=x onerror="window.__pwned=1">'
TEMPLATE = "{{ 7*7 }}"
HOSTILE_ARTICLE = f"""\
Title: Idlib {SCRIPT} {TEMPLATE} {IMAGE}
Source: Hostile Wire
Date: 2020-01-17
URL: javascript:window.__pwned=1

The UN said on Thursday that 350,000 people fled Idlib {SCRIPT} since early December.

Aid workers {IMAGE} described the camps as {TEMPLATE} full in Idlib.

Read [the full report](javascript:window.__pwned=1) about Idlib.
"""


@pytest.fixture(scope="module")
def hostile_site(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("hostile-site")
    (root / "inbox").mkdir()
    (root / "inbox" / "hostile.txt").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    with built_site(root / "inbox", root) as site:
        yield site


@pytest.fixture(scope="module")
def french_site(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with built_site(SEEDS, tmp_path_factory.mktemp("french-site"), locale="fr") as site:
        yield site


def assert_nothing_ran(page: Page) -> None:
    """No hostile script ran, none reached the DOM, and no `javascript:` link exists."""
    assert page.evaluate("typeof window.__pwned") == "undefined"
    scripts = page.evaluate("[...document.scripts].map(s => s.src + s.textContent)")
    assert not [s for s in scripts if "__pwned" in s]
    assert page.locator("img[src=x], [onerror]").count() == 0
    hrefs = page.evaluate("[...document.links].map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")]


def test_a_hostile_article_shows_as_text_on_its_event_page(tab: Tab, hostile_site: Site) -> None:
    (event,) = hostile_site.events
    page = tab.open(hostile_site.url(event["page"]))
    tab.screenshot("hostile-event")
    assert_nothing_ran(page)
    expect(page.locator("h1")).to_contain_text(f"Idlib {SCRIPT} {TEMPLATE} {IMAGE}")
    story = page.locator("article.md-content__inner").inner_text()
    assert f"fled Idlib {SCRIPT} since" in story
    assert f"Aid workers {IMAGE} described" in story
    assert "49" not in story  # {{ 7*7 }} was never evaluated, in the title or the text


def test_a_hostile_title_stays_text_on_the_briefing(tab: Tab, hostile_site: Site) -> None:
    page = tab.open(hostile_site.url("index.html"))
    assert_nothing_ran(page)
    link = page.locator("article.md-content__inner a", has_text=SCRIPT).first
    expect(link).to_contain_text(f"Idlib {SCRIPT} {TEMPLATE} {IMAGE}")


def test_a_hostile_title_stays_text_in_search_results(tab: Tab, hostile_site: Site) -> None:
    """Material writes search results with innerHTML: the index must hold escaped text."""
    page = tab.open(hostile_site.url("index.html"))
    page.keyboard.press("/")
    page.locator("input.md-search__input").press_sequentially("Idlib")
    expect(page.locator(".md-search-result__item").first).to_be_visible()
    tab.screenshot("hostile-search")
    assert_nothing_ran(page)
    expect(page.locator(".md-search-result").first).to_contain_text(SCRIPT)


def test_the_french_briefing_dates_in_french(tab: Tab, french_site: Site) -> None:
    page = tab.open(french_site.url("index.html"))
    tab.screenshot("home-fr")
    content = page.locator("article.md-content__inner")
    expect(content).to_contain_text("17 janvier 2020")
    expect(content).to_contain_text("27 décembre 2019")
    expect(content).not_to_contain_text("January")


def test_the_french_site_declares_french(tab: Tab, french_site: Site) -> None:
    page = tab.open(french_site.url("index.html"))
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("input.md-search__input").get_attribute("placeholder") == "Rechercher"


def test_the_french_briefing_speaks_french(tab: Tab, french_site: Site) -> None:
    """digest's own words are French; the articles' titles and text stay as written."""
    page = tab.open(french_site.url("index.html"))
    text = page.locator("article.md-content__inner").inner_text()
    english = ["Earlier days", "independent reports", "Storyline:", "reported by"]
    assert [words for words in english if words in text] == []
