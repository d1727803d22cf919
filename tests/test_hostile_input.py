"""Broken and hostile input, end to end: each file read or rejected with its reason, the
build goes on, and nothing an article smuggles in is live in the built HTML."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import lxml.html
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from digest.clean import clean
from digest.config import make_config
from digest.errors import InputError
from digest.ingest import MAX_ARTICLE_FILE_BYTES, READERS, read_inputs
from digest.ingest.files import InputFile, load_input_file
from digest.input_listing import FoundFile
from digest.model import Article, BuildResult
from digest.pipeline import build
from digest.segment import split_segments

OTHER_BODY = "The harbour authority said on Tuesday that the ferry to the islands would sail again."
"""The injected article's own story: it must not join the others' event, so that its
title names its own page."""

MARK = "pwned"
"""Every payload sets or names this, so finding it live in the HTML is finding a hole."""

BODY = "The council voted on Thursday to approve the flood budget of 40 million, the mayor said."

INJECTION = f"""---
title: "<script>window.{MARK}=1</script> {{{{ 7*7 }}}} {{% raw %}} ../../etc/{MARK}"
source: "Evil: Corp\\n---\\nnav: [{MARK}]"
url: "javascript:window.{MARK}=1"
---
<img src=x onerror="window.{MARK}=1"> <a href="javascript:window.{MARK}=1">click</a>
[link](javascript:window.{MARK}=2) ![image](http://{MARK}.example/x.png)
<iframe src="http://{MARK}.example"></iframe> {{{{ config }}}} {{% include "x" %}}

---
title: {MARK}
---

!!! danger "{MARK}"
    admonition

--8<-- "/etc/passwd"

{OTHER_BODY}
"""

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    "<rss><channel><item><title>&lol3;</title><description>x</description></item>"
    "</channel></rss>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<rss version="2.0"><channel><title>t</title><item><title>&xxe;</title>'
    "<description>x</description></item></channel></rss>"
)
NESTED = "<html><body>" + "<div>" * 5000 + f"<p>{BODY}</p>" + "</div>" * 5000 + "</body></html>"

CORPUS: dict[str, bytes] = {
    "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
    "empty.txt": b"",
    "blank.md": b"  \n\n \t\n",
    "invalid-utf8.txt": f"Budget vote\n\n{BODY} \xff\xfe".encode("latin-1"),
    "mixed-encodings.txt": "Café vote\n\nThe café ".encode() + f"naïve {BODY}".encode("cp1252"),
    "control.txt": f"Vote \x00\x1b[31mtitle\n\nThe \x1b[2J{BODY}\x07\x00".encode(),
    "rtl-override.txt": f"Vote \u202egpj.exe\u202c\n\n{BODY} \u202e{MARK}".encode(),
    "long-title.md": f'---\ntitle: "{"Very long title " * 600}"\n---\n{BODY}\n'.encode(),
    "records.jsonl": (
        json.dumps({"title": "Flood budget", "text": BODY, "source": "A", "date": "2020-01-02"})
        + '\n{"title": broken\n'
        + json.dumps({"title": "Flood vote", "text": BODY, "source": "B", "date": "2020-01-02"})
        + "\n"
    ).encode(),
    "truncated.html": f"<html><head><title>Budget</title></head><body><p>{BODY}<p>More".encode(),
    "nested.html": NESTED.encode(),
    "billion-laughs.xml": BILLION_LAUGHS.encode(),
    "external-entity.rss": EXTERNAL_ENTITY.encode(),
    "injection.md": INJECTION.encode(),
    "unsupported.exe": b"MZ\x90\x00",
}

REJECTED = {
    "binary.txt": "binary file",
    "empty.txt": "empty file",
    "blank.md": "empty file",
    "records.jsonl": "invalid JSON",  # line 2 only
    "billion-laughs.xml": "XML entity declarations are not allowed",
    "external-entity.rss": "XML entity declarations are not allowed",
    "nested.html": "markup nested 5,003 levels deep",
    "unsupported.exe": "unsupported file type",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "in"
    folder.mkdir()
    for name, data in CORPUS.items():
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture(scope="module")
def built(corpus: Path) -> tuple[BuildResult, Path]:
    out = corpus.parent / "out"
    config = make_config([corpus], docs_dir=out / "docs", site_dir=out / "site")
    return build(config), out


def html_pages(site: Path) -> dict[str, str]:
    return {
        path.relative_to(site).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(site.rglob("*.html"))
    }


def test_every_file_is_read_or_rejected_with_its_reason(built: tuple[BuildResult, Path]) -> None:
    result, _ = built
    reasons = {r.input: r.reason for r in result.rejected}
    read = {a.article.origin.path for a in result.articles}
    assert read | set(reasons) == set(CORPUS)
    for name, reason in REJECTED.items():
        assert reason in reasons[name], name
    assert {"records.jsonl"} <= read  # its good lines count despite the broken one
    assert [r.line for r in result.rejected if r.input == "records.jsonl"] == [2]


def test_repairs_are_made_and_said(built: tuple[BuildResult, Path]) -> None:
    result, _ = built
    articles = {a.article.origin.path: a for a in result.articles}
    mixed = articles["mixed-encodings.txt"]
    assert mixed.title == "Café vote"
    assert "The café naïve" in mixed.text
    assert "mixed encodings: 1 byte outside UTF-8 read as cp1252" in mixed.article.notes
    control = articles["control.txt"]
    assert not re.search(r"[\x00-\x08\x1b]", control.text + (control.title or ""))
    assert any(r.rule == "control-character" for r in control.removed)
    assert "\u202e" not in articles["rtl-override.txt"].text
    assert articles["rtl-override.txt"].title == "Vote gpj.exe"
    long_title = articles["long-title.md"].title or ""
    assert len(long_title) <= 300
    assert long_title.endswith("…")


def test_injected_markup_is_text_in_the_built_html(built: tuple[BuildResult, Path]) -> None:
    _, out = built
    for page, text in html_pages(out / "site").items():
        tree = lxml.html.fromstring(text)
        for script in tree.iter("script"):
            assert MARK not in (script.text or "") + (script.get("src") or ""), page
        for element in tree.iter():
            for name, value in element.attrib.items():
                live = name.startswith("on") or value.strip().lower().startswith("javascript:")
                assert not (live and MARK in value), (page, name, value)
            if element.tag in {"img", "iframe"}:
                assert MARK not in (element.get("src") or ""), page
    event = next(t for p, t in html_pages(out / "site").items() if "script-window" in p)
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in event
    assert "{{ 7*7 }}" in event
    assert ">49<" not in event


def test_front_matter_and_path_tricks_stay_in_their_place(built: tuple[BuildResult, Path]) -> None:
    _, out = built
    for path in (out / "docs").rglob("*"):
        assert path.resolve().is_relative_to((out / "docs").resolve())
        assert len(path.name) <= 120
    assert not list((out / "site").rglob("*passwd*"))
    assert not (out / "etc").exists()
    for page in (out / "docs").rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        if text.startswith("---\n"):
            front_matter = yaml.safe_load(text.split("---\n", 2)[1])
            assert "nav" not in front_matter
            assert all(MARK not in key for key in front_matter), page


def test_a_file_that_vanished_after_listing_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "gone.txt"
    with pytest.raises(Exception, match="no such file"):
        load_input_file(FoundFile(path=path, name="gone.txt"), max_bytes=100)


def test_a_folder_named_like_an_article_is_rejected_not_read(tmp_path: Path) -> None:
    (tmp_path / "in" / "folder.txt").mkdir(parents=True)
    os.mkfifo(tmp_path / "in" / "pipe.txt")
    result = read_inputs([tmp_path / "in" / "pipe.txt"])
    assert [r.reason for r in result.rejected] == ["not a regular file"]


def test_a_200_mb_file_is_rejected_without_being_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as file:
        file.truncate(200 * 2**20)  # sparse: no time or disk spent
    result = read_inputs([huge])
    assert not result.articles
    assert result.rejected[0].reason.startswith("file too large: 200.0 MiB")
    assert MAX_ARTICLE_FILE_BYTES < 200 * 2**20


FORMAT_SHELLS = (
    "{}",
    "---\ntitle: {}\n---\n{}",
    "<html><head><title>{}</title></head><body><article><p>{}</p></article></body></html>",
    '{{"title": "{}", "text": "{}"}}',
    '<?xml version="1.0"?><rss version="2.0"><channel><item><title>{}</title>'
    "<description>{}</description></item></channel></rss>",
    '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>{}</title>'
    "<content>{}</content></entry></feed>",
)
"""Each format's skeleton, so that generated text reaches the readers' inner paths."""

FILE_BYTES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.builds(
        lambda shell, title, text: shell.format(title, text).encode("utf-8", "surrogatepass"),
        st.sampled_from(FORMAT_SHELLS),
        st.text(max_size=80),
        st.text(max_size=200),
    ),
)


@given(data=FILE_BYTES, suffix=st.sampled_from(sorted(READERS)))
def test_no_file_crashes_a_reader_or_the_cleaner(data: bytes, suffix: str) -> None:
    """Any bytes, under any suffix: articles or `InputError`, never another exception."""
    try:
        outcomes = READERS[suffix](InputFile(name=f"x{suffix}", data=data))
    except InputError:
        return
    for outcome in outcomes:
        assert isinstance(outcome, Article | InputError)
        if isinstance(outcome, Article):
            assert split_segments(clean(outcome))
