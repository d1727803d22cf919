"""The seeds' site as a reader meets it: the briefing, an event, search, dark mode.

Every test runs in a `tab` that fails it on any console error, failed request, HTTP
error or request leaving the site (conftest.py).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.harness import Site, Tab

pytestmark = pytest.mark.browser


def scheme(page: Page) -> str | None:
    """Material's colour scheme in force: `default` (light) or `slate` (dark)."""
    return page.locator("body").get_attribute("data-md-color-scheme")


def test_the_briefing_links_every_event_to_its_page(tab: Tab, seed_site: Site) -> None:
    page = tab.open(seed_site.url("index.html"))
    content = page.locator("article.md-content__inner")
    assert len(seed_site.events) == 3
    for event in seed_site.events:
        link = content.get_by_role("link", name=event["title"], exact=True).first
        expect(link).to_be_visible()
        assert page.evaluate("a => a.href", link.element_handle()) == seed_site.url(event["page"])
    tab.screenshot("home")
    first = seed_site.events[0]
    content.get_by_role("link", name=first["title"], exact=True).first.click()
    expect(page).to_have_url(seed_site.url(first["page"]))
    expect(page.locator("h1")).to_contain_text(first["title"])  # and a ¶ permalink


def test_an_event_page_shows_each_difference_as_an_admonition(tab: Tab, seed_site: Site) -> None:
    event = seed_site.event_with_most_differences()
    page = tab.open(seed_site.url(event["page"]))
    heading = page.locator("h2#where-sources-differ")
    expect(heading).to_contain_text("Where sources differ")
    section = page.locator(  # the admonitions whose nearest heading above is that one
        "xpath=//div[contains(@class, 'admonition')]"
        "[preceding-sibling::h2[1][@id='where-sources-differ']]"
    )
    assert len(event["differences"]) >= 5
    expect(section).to_have_count(len(event["differences"]))
    for admonition in section.all():
        expect(admonition.locator(".admonition-title")).to_be_visible()
    tab.screenshot("event")


MARKERS = """() => [...document.querySelectorAll("article a.digest-ref")].map(a => {
    let before = a.previousSibling;
    while (before && before.nodeType === Node.TEXT_NODE && !before.textContent.trim())
        before = before.previousSibling;
    return {
        afterMarker: before?.nodeType === Node.ELEMENT_NODE && before.matches("a.digest-ref"),
        comma: getComputedStyle(a, "::before").content.includes(","),
        where: a.parentElement.textContent.trim().slice(0, 90),
    };
})"""
"""Each source marker (the superscript numbers): does another stand right before it, and
is it drawn with a leading comma."""


def test_source_markers_are_separated_by_commas_and_only_so(tab: Tab, seed_site: Site) -> None:
    """`1, 4` rather than `14`; and no stray comma in `Outlet 1, Other outlet 2`."""
    page = tab.open(seed_site.url(seed_site.event_with_most_differences()["page"]))
    markers = page.evaluate(MARKERS)
    assert any(m["afterMarker"] for m in markers)
    assert [m["where"] for m in markers if m["comma"] != m["afterMarker"]] == []


def test_a_source_text_opens_when_its_summary_is_clicked(tab: Tab, seed_site: Site) -> None:
    event = seed_site.event_with_most_differences()
    page = tab.open(seed_site.url(event["page"]))
    details = page.locator("details").first
    expect(details).not_to_have_attribute("open", "")
    details.locator("summary").click()
    expect(details).to_have_attribute("open", "")
    expect(details.locator("p").first).to_be_visible()


def test_search_finds_idlib_and_leads_to_an_event(tab: Tab, seed_site: Site) -> None:
    page = tab.open(seed_site.url("index.html"))
    page.keyboard.press("/")  # Material's shortcut to the search box
    # Keystrokes, as a person types: Material reads the query on keyup, so `fill` is not seen.
    page.locator("input.md-search__input").press_sequentially("Idlib")
    results = page.locator(".md-search-result__item > a")
    expect(results.first).to_be_visible()
    expect(page.locator(".md-search-result__meta")).to_have_text(re.compile(r"\d+ matching"))
    tab.screenshot("search")
    event_pages = {seed_site.url(e["page"]) for e in seed_site.events}
    hrefs = [page.evaluate("a => a.href", r.element_handle()) for r in results.all()]
    to_events = [i for i, href in enumerate(hrefs) if href.split("?")[0] in event_pages]
    assert to_events, f"no result leads to an event page: {hrefs}"
    results.nth(to_events[0]).click()
    expect(page).to_have_url(re.compile(r"/events/.+\.html\?h=idlib"))
    expect(page.locator("article mark").first).to_have_text(re.compile("Idlib", re.IGNORECASE))


def test_the_palette_toggle_switches_to_dark_and_back(tab: Tab, seed_site: Site) -> None:
    page = tab.open(seed_site.url("index.html"))
    assert scheme(page) == "default"
    toggle = page.locator("form[data-md-component=palette] label:visible")
    toggle.click()
    assert scheme(page) == "slate"
    event = seed_site.event_with_most_differences()
    tab.open(seed_site.url(event["page"]))
    assert scheme(page) == "slate", "the choice is kept from page to page"
    tab.screenshot("event-dark")
    toggle.click()
    assert scheme(page) == "default"


def test_a_page_of_each_kind_loads_cleanly(tab: Tab, seed_site: Site) -> None:
    """The first page of every folder (briefing, events, sources, tags, archive…).

    One of each kind keeps the time flat as the site gains pages; the `tab` fails the
    test on any console error or failed request seen on the way.
    """
    pages = sorted(p.relative_to(seed_site.root) for p in seed_site.root.rglob("*.html"))
    first_of_each_folder = {page.parent: page for page in reversed(pages)}
    assert len(first_of_each_folder) >= 4
    for path in sorted(first_of_each_folder.values()):
        page = tab.open(seed_site.url(path.as_posix()))
        expect(page.locator("h1").first).to_be_visible()


@pytest.mark.parametrize("name", ["home", "event"])
def test_a_phone_screen_needs_no_sideways_scrolling(tab: Tab, seed_site: Site, name: str) -> None:
    path = "index.html" if name == "home" else seed_site.event_with_most_differences()["page"]
    tab.page.set_viewport_size({"width": 390, "height": 844})
    page = tab.open(seed_site.url(path))
    tab.screenshot(f"phone-{name}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
