"""RSS and Atom feeds: one article per entry, and hostile XML refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from digest.errors import InputError
from digest.ingest import read_inputs
from digest.ingest.feed import read_feed
from digest.ingest.files import InputFile, Outcome
from digest.model import Article, IngestResult

RSS_ITEM = """<item><title>Idlib: 350,000 flee</title><guid>{guid}</guid>
<description>Some 350,000 Syrians have fled.</description></item>"""


def _rss(items: str, *, prolog: str = "", encoding: str = "utf-8") -> bytes:
    feed = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n{prolog}<rss version="2.0"><channel>'
        f"<title>Example News</title><link>https://news.example/</link>{items}</channel></rss>\n"
    )
    return feed.encode("cp1252" if encoding != "utf-8" else "utf-8")


def _read(data: bytes) -> list[Outcome]:
    return read_feed(InputFile(name="feed.rss", data=data))


@pytest.fixture
def rss(data_dir: Path) -> IngestResult:
    return read_inputs([data_dir / "ingest" / "levant-herald-world.rss"])


@pytest.fixture
def atom(data_dir: Path) -> IngestResult:
    return read_inputs([data_dir / "ingest" / "wire-updates.atom"])


def test_rss_items_become_articles_named_by_guid_or_position(rss: IngestResult) -> None:
    assert [a.id for a in rss.articles] == [
        "levant-herald-world.rss:3",  # the third item has no <guid>
        "levantherald-84117",
        "levantherald-84121",
    ]
    assert rss.rejected == ()


def test_rss_item_metadata_is_read(rss: IngestResult) -> None:
    article = rss.articles[2]
    assert article.title == "UN says 350,000 flee Idlib offensive as Bachelet urges ceasefire"
    assert article.url == "https://www.levantherald.example/world/2020/01/17/un-350000-flee-idlib"
    assert article.author == "Rania Haddad"
    assert article.source == "The Levant Herald - World"  # the channel's title
    assert article.language == "en-us"


def test_rss_date_keeps_the_day_of_its_own_time_zone(rss: IngestResult) -> None:
    # "Fri, 17 Jan 2020 01:42:00 +0200" is 16 January in UTC, where feedparser puts it
    assert rss.articles[2].published == date(2020, 1, 17)


def test_rss_full_content_is_preferred_to_the_summary_and_reduced_to_text(
    rss: IngestResult,
) -> None:
    assert rss.articles[2].text.split("\n\n") == [
        "Around 350,000 Syrians, mostly women and children, have fled a renewed Russian-backed"
        " offensive in the opposition-held Idlib province since early December, the United"
        " Nations said on Thursday.",
        "UN human rights chief Michelle Bachelet called for an immediate cessation of"
        " hostilities, saying the latest ceasefire had once again failed to protect civilians.",
        "The post UN says 350,000 flee Idlib offensive appeared first on The Levant Herald.",
    ]


def test_rss_item_source_element_names_the_source(rss: IngestResult) -> None:
    article = rss.articles[1]
    assert article.source == "Anadolu Agency"
    assert article.text == (
        "The Syrian regime and Iran-backed groups on Jan. 17 launched a ground offensive in"
        " Aleppo province, which was designated as a de-escalation zone.\n\n"
        "On Jan. 16, the same region was targeted by Russian warplanes."
    )


def test_atom_entries_become_articles(atom: IngestResult) -> None:
    ocha, bachelet = atom.articles[1], atom.articles[0]
    assert ocha.id == "tag:wire.example,2020:syria/ocha-350000"
    assert ocha.title == "OCHA: 350,000 displaced in northwest Syria since 1 December"
    assert ocha.url == "https://wire.example/syria/2020/01/17/ocha-350000"
    assert ocha.author == "Syria desk"
    assert ocha.source == "Wire Updates: Syria"
    assert ocha.language == "en-GB"  # the feed's xml:lang
    assert ocha.published == date(2020, 1, 17)
    assert ocha.text.split("\n\n")[1] == "## Camps overflowing"
    assert bachelet.published == date(2020, 1, 17)  # from <updated>: it has no <published>
    assert bachelet.text.startswith("UN High Commissioner for Human Rights Michelle Bachelet")


def test_billion_laughs_feed_is_refused(data_dir: Path) -> None:
    result = read_inputs([data_dir / "bad" / "billion-laughs.rss"])
    assert result.articles == ()
    [rejected] = result.rejected
    assert (rejected.input, rejected.line, rejected.reason) == (
        "billion-laughs.rss",
        3,
        "XML entity declarations are not allowed",
    )


def test_quadratic_blowup_feed_is_refused() -> None:
    # one large entity feedparser would keep as "safe", referenced many times
    prolog = f'<!DOCTYPE rss [\n<!ENTITY a "{"x" * 100_000}">\n]>\n'
    items = RSS_ITEM.format(guid="q").replace("Some", "&a;" * 10_000)
    with pytest.raises(InputError, match=r"^feed\.rss:3: XML entity declarations are not allowed$"):
        _read(_rss(items, prolog=prolog))


def test_external_entity_feed_is_refused() -> None:
    prolog = '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    with pytest.raises(InputError, match=r"^feed\.rss:2: XML entity declarations are not allowed$"):
        _read(_rss(RSS_ITEM.format(guid="x").replace("Some", "&xxe;"), prolog=prolog))


def test_truncated_feed_without_entries_is_rejected_with_feedparsers_reason(
    data_dir: Path,
) -> None:
    [rejected] = read_inputs([data_dir / "bad" / "truncated.rss"]).rejected
    assert (rejected.input, rejected.line, rejected.reason) == (
        "truncated.rss",
        6,
        "not a readable feed: unclosed token",
    )


def test_well_formed_feed_without_entries_is_rejected() -> None:
    with pytest.raises(InputError, match=r"^feed\.rss: feed has no entries$"):
        _read(_rss(""))


def test_feed_that_is_not_well_formed_keeps_its_entries_with_a_note() -> None:
    # an unescaped `&`, the commonest way a real feed breaks XML
    [article] = _read(_rss(RSS_ITEM.format(guid="a1").replace("Some", "Tents & aid: some")))
    assert isinstance(article, Article)
    assert article.text == "Tents & aid: some 350,000 Syrians have fled."
    assert article.notes == ("feed read leniently: not well-formed (invalid token)",)


def test_entry_without_title_or_text_is_rejected_by_its_position() -> None:
    items = RSS_ITEM.format(guid="a1") + "<item><link>https://news.example/x</link></item>"
    outcomes = _read(_rss(items))
    assert isinstance(outcomes[0], Article)
    assert str(outcomes[1]) == "feed.rss: entry 2: no article text"


def test_feed_declared_latin1_is_read_as_cp1252() -> None:
    item = (
        "<item><title>Idleb : l’ONU s’inquiète</title><description>Déplacés.</description></item>"
    )
    [article] = _read(_rss(item, encoding="ISO-8859-1"))
    assert isinstance(article, Article)
    assert article.title == "Idleb : l’ONU s’inquiète"
    assert article.notes == ()
