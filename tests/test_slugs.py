"""Slugs: whatever a name holds, its page is one plain, safe file name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.slugs import MAX_SLUG_LENGTH, RESERVED_SLUGS, page_slug, unique_slugs

HOSTILE_NAMES = [
    "../x",
    "../../etc/passwd",
    "CON",
    "con.txt",
    "Index",
    "LPT1",
    "x" * 500,
    "Ab " * 200,
    "",
    "   ",
    "..",
    "/",
    "a/b\\c",
    "\u202egnp.exe",  # right-to-left override
    "\u202bRTL\u202c \u200fmark",
    "Дамаск",
    "دمشق",
    "\x00\x1b[31m",
    "-leading-hyphen",
]


def is_plain_file_name(slug: str) -> bool:
    return (
        bool(slug)
        and len(slug) <= MAX_SLUG_LENGTH
        and all(c.isascii() and (c.isalnum() or c == "-") for c in slug)
        and not slug.startswith("-")
        and not slug.endswith("-")
        and slug.lower() not in RESERVED_SLUGS
    )


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_tag_names_give_plain_file_names(name: str) -> None:
    assert is_plain_file_name(page_slug(name, kind="tag"))


def test_readable_names_keep_their_words_and_others_get_a_stable_hash() -> None:
    assert page_slug("\u202eabc", kind="tag") == "abc"
    assert page_slug("../x", kind="tag") == "x"
    assert page_slug("CON", kind="tag") == "con-tag"
    assert (
        page_slug("Дамаск", kind="tag")
        == page_slug("Дамаск", kind="tag")
        != page_slug("دمشق", kind="tag")
    )
    assert page_slug("Дамаск", kind="tag").startswith("tag-")


@given(st.text())
def test_any_name_gives_a_plain_file_name(name: str) -> None:
    assert is_plain_file_name(page_slug(name, kind="tag"))


@given(st.lists(st.text(), unique=True))
def test_unique_slugs_never_give_two_names_one_page(names: list[str]) -> None:
    slugs = unique_slugs(names, lambda n: page_slug(n, kind="tag"), order=str)
    assert sorted(slugs) == sorted(names)
    assert len(set(slugs.values())) == len(names)
    assert all(is_plain_file_name(slug) for slug in slugs.values())
