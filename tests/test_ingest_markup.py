"""HTML fragments (feed entries, JSON text fields) reduced to plain text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from digest.ingest.markup import html_to_text, looks_like_html

HTML_PIECES = st.sampled_from(
    ["<p>", "</p>", "<br>", "<h2>", "</h2>", "<li>", "<ul>", "</ul>", "<script>", "</script>",
     "<![", "<![CDATA[", "]]>", "<!--", "-->", "<!DOCTYPE", "&amp;", "&#", "<", ">", "/", "\n",
     " ", "Idlib", "350,000", "<div class='x'>", "</div>", "<b>", "</b>", "<style>", "if"]
)  # fmt: skip


def test_paragraphs_are_separated_by_a_blank_line() -> None:
    assert html_to_text("<p>One.</p>\n<p>Two.</p><div>Three.</div>") == "One.\n\nTwo.\n\nThree."


def test_breaks_and_list_items_are_lines_within_a_paragraph() -> None:
    html = "<p>GENEVA<br/>Jan. 17</p><ul><li>350,000 fled</li><li>most are children</li></ul>"
    assert html_to_text(html) == "GENEVA\nJan. 17\n\n350,000 fled\nmost are children"


def test_headings_keep_their_level_as_hash_marks() -> None:
    assert html_to_text("<h3>Aid</h3><p>Convoys crossed.</p>") == "### Aid\n\nConvoys crossed."


def test_scripts_and_styles_are_dropped() -> None:
    html = "<style>p{color:red}</style><p>Text<script>track('x')</script> kept.</p>"
    assert html_to_text(html) == "Text kept."


def test_entities_are_decoded_and_whitespace_collapsed() -> None:
    assert html_to_text("<p>Tom &amp; Jerry&#8217;s\n   show&nbsp;</p>") == "Tom & Jerry’s show"


def test_malformed_marked_section_is_kept_as_text_not_raised() -> None:
    # CPython's HTMLParser raises AssertionError on `<![foo`
    assert html_to_text("<p>a <![foo bar</p>") == "a <![foo bar"


def test_plain_text_with_angle_brackets_is_not_taken_for_html() -> None:
    assert not looks_like_html("Inflation < 2% and growth > 1%, the bank said.")
    assert looks_like_html("Inflation fell.<br>Growth rose.")


@given(st.lists(HTML_PIECES, max_size=60).map("".join))
def test_any_fragment_reduces_to_text_without_raising(fragment: str) -> None:
    text = html_to_text(fragment)
    assert "\n\n\n" not in text
    assert text == text.strip()
