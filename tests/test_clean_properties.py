"""Properties of cleaning: it is idempotent, it conserves text, it never drops a sentence.

Articles are built from news-like sentences and the debris real pages carry (the kinds
the seeds show, with generated names, headlines, dates and tokens), so the properties
are tested on what the cleaner will meet rather than on arbitrary unicode.
"""

from __future__ import annotations

from datetime import date

import ftfy.bad_codecs  # noqa: F401  (registers "sloppy-windows-1252", mojibake's usual codec)
from hypothesis import given
from hypothesis import strategies as st

from digest.clean import clean
from digest.model import Article, CleanArticle, Location

STARTERS = (
    "The UN", "Residents", "Russian jets", "Aid agencies", "Turkey", "Rescuers",
    "The army", "Some 350,000 people", "Officials in Geneva", "Syria's government",
    # sentences that begin like debris lines and must survive them
    "By Monday the talks", "Related talks", "Photo evidence", "Updated figures",
    "Copyright lawyers", "Share prices", "Advertising revenue", "Sign language interpreters",
    "Follow-up talks", "Read more slowly, the reports", "Credit-rating agencies",
    "Original plans", "Published accounts", "Pictures from Idlib", "Editors",
    "Reporting by the BBC", "Subscribers", "Image makers", "Copyright 2020 holders",
)  # fmt: skip
WORDS = (
    "said", "fled", "the", "province", "of", "Idlib", "since", "early", "December",
    "women", "and", "children", "in", "camps", "near", "border", "ceasefire", "on",
    "Thursday", "hospitals", "schools", "were", "destroyed", "at", "least", "21",
    "civilians", "killed", "market", "400,000", "people", "shelter", "offensive",
    "renewed", "Moscow", "denied", "bombing", "Ankara", "truce", "advance", "city",
    "all", "rights", "reserved", "cookies", "photo", "related", "advertisement",
    "Idlib's", "Pérez", "Maarat al-Numan's", "café", "Hay'et", "Ministry’s", "“safe", "zone”",
)  # fmt: skip
NAMES = ("Jane Doe", "Hussein Malla", "Omar Haj Kadour", "Rania Haddad", "Tom Perry")
HEADLINE_WORDS = ("Syrians", "Flee", "Idlib", "Offensive", "UN", "Says", "Truce", "Collapses")
PLACES = ("Abu Dhabi, UAE", "London", "Dubai", "Beirut, Lebanon")


words = st.lists(st.sampled_from(WORDS), min_size=3, max_size=14)


@st.composite
def sentences(draw: st.DrawFn) -> str:
    """A news-like sentence: a capitalised start, ordinary words, a full stop."""
    middle = " ".join(draw(words))
    tail = draw(st.sampled_from(("", ", officials said", ', she said, "again"')))
    return f"{draw(st.sampled_from(STARTERS))} {middle}{tail}."


@st.composite
def headlines(draw: st.DrawFn) -> str:
    return " ".join(draw(st.lists(st.sampled_from(HEADLINE_WORDS), min_size=3, max_size=8)))


dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))
hex_tails = st.text("0123456789abcdef", min_size=8, max_size=34)


@st.composite
def debris_lines(draw: st.DrawFn) -> str:
    """A line of page debris as real scrapes carry it."""
    name, headline, day = draw(st.sampled_from(NAMES)), draw(headlines()), draw(dates)
    return draw(
        st.sampled_from(
            (
                "Advertisement",
                "Editor's Picks",
                "Sign up to our daily email",
                "Share this article",
                "Follow us on Twitter",
                "Copyright © 2020 The National. All rights reserved.",
                "We use cookies to improve your experience on our site.",
                "(Reporting by Tom Perry; Editing by Alison Williams)",
                "* * *",
                f"**Related article: [{headline}](#)**",
                f"Related: {headline}",
                f"Read more: [{headline}](https://example.org/a)",
                f"See also: {headline}",
                f"A camp near Atmeh. **{name} / AP / TASS**",
                f"Photo: {name} / AFP",
                f"(Photo by {name}/AFP via Getty Images)",
                f"By {name}",
                f"By [{name}](#)",
                f"Updated: {day:%B} {day.day}, {day.year} 05:06 AM",
                f"Published: {day.isoformat()}",
                f"Original url: <https://example.org/{day.year}/story>",
                f"Original url:\n\n<https://example.org/{day.year}/story>",
                f"{draw(st.sampled_from(PLACES))}{day:%A} {day.day} {day:%B} {day.year}",
                f"%MINIFYHTML{draw(hex_tails)}%",
            )
        )
    )


@st.composite
def inline_debris(draw: st.DrawFn) -> str:
    """A token that sits between sentences inside a paragraph."""
    return draw(st.sampled_from(("%MINIFYHTML{}%", "{{{{ slot_{} }}}}"))).format(draw(hex_tails))


@st.composite
def damaged(draw: st.DrawFn, sentence: str) -> tuple[str, str | None]:
    """The sentence with one character turned into entity debris or mojibake, if it has one
    that can be; return it and the debris put in."""
    choices = [
        (old, new)
        for old, new in (("'", "& # 39;"), ("'", "&#39;"), ('"', ",quot;"), ('"', "&quot;"))
        if old in sentence and not (new.startswith(",") and not sentence.endswith('"again".'))
    ]
    if not sentence.isascii():
        choices.append(("", "mojibake"))
    if not choices or not draw(st.booleans()):
        return sentence, None
    old, new = draw(st.sampled_from(choices))
    if new == "mojibake":
        broken = sentence.encode("utf-8").decode("sloppy-windows-1252")
        return broken, broken[_first_non_ascii(sentence)]
    if new.startswith(","):
        return sentence[:-2] + new + ".", new
    return sentence.replace(old, new, 1), new


def _first_non_ascii(text: str) -> int:
    return next(i for i, char in enumerate(text) if not char.isascii())


@st.composite
def paragraphs_with_debris(draw: st.DrawFn) -> tuple[list[str], list[str], list[str]]:
    """Return the sentences, the article's blocks (paragraphs and debris lines in reading
    order), and every piece of debris put in."""
    all_sentences: list[str] = []
    blocks: list[str] = []
    inserted: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            debris = draw(debris_lines())
            inserted.append(debris)
            blocks.append(debris)
        paragraph = draw(st.lists(sentences(), min_size=1, max_size=3))
        all_sentences.extend(paragraph)
        broken = [_damage(draw, sentence, inserted) for sentence in paragraph]
        blocks.append(_join_with_tokens(draw, broken, inserted))
    if draw(st.booleans()):
        debris = draw(debris_lines())
        inserted.append(debris)
        blocks.append(debris)
    return all_sentences, blocks, inserted


def _damage(draw: st.DrawFn, sentence: str, inserted: list[str]) -> str:
    text, debris = draw(damaged(sentence))
    if debris is not None:
        inserted.append(debris)
    return text


def _join_with_tokens(draw: st.DrawFn, paragraph: list[str], inserted: list[str]) -> str:
    pieces = [paragraph[0]]
    for sentence in paragraph[1:]:
        if draw(st.booleans()):
            token = draw(inline_debris())
            inserted.append(token)
            pieces.append(token)
        pieces.append(sentence)
    return " ".join(pieces)


separators = st.sampled_from(("\n\n", "\n", "\n\n\n  \n"))


def _words(text: str) -> str:
    """The text with its paragraph breaks and spacing dropped: the sentences in order.

    (Not `sentences_of`: the property is about what cleaning keeps, whatever the sentence
    splitter makes of `Idlib's.`)
    """
    return " ".join(text.split())


def _article(text: str, title: str | None = "Syrians flee Idlib offensive") -> Article:
    return Article(id="p.txt", title=title, text=text, origin=Location(path="p.txt"))


def _clean_again(cleaned: CleanArticle) -> CleanArticle:
    return clean(
        Article(
            id=cleaned.id,
            title=cleaned.title,
            published=cleaned.published,
            url=cleaned.url,
            author=cleaned.author,
            text=cleaned.text,
            origin=cleaned.article.origin,
        )
    )


@given(paragraphs_with_debris(), separators)
def test_cleaning_conserves_text(
    document: tuple[list[str], list[str], list[str]], separator: str
) -> None:
    expected, blocks, inserted = document
    cleaned = clean(_article(separator.join(blocks)))

    assert _words(cleaned.text) == " ".join(expected)
    assert cleaned.title == "Syrians flee Idlib offensive"
    assert cleaned.subtitle is None
    for debris in inserted:
        assert any(debris in removal.text for removal in cleaned.removed), debris


@given(paragraphs_with_debris(), separators, st.one_of(st.none(), headlines()))
def test_cleaning_is_idempotent(
    document: tuple[list[str], list[str], list[str]], separator: str, top: str | None
) -> None:
    _, blocks, _ = document
    head = [top, top] if top else []  # a title line, repeated as seed 002 repeats it
    once = clean(_article(separator.join([*head, *blocks]), title=None))
    again = _clean_again(once)

    assert again.text == once.text
    assert again.title == once.title
    assert again.removed == ()


@given(st.lists(st.lists(sentences(), min_size=1, max_size=4), min_size=1, max_size=8), separators)
def test_no_sentence_is_ever_dropped(paragraphs: list[list[str]], separator: str) -> None:
    text = separator.join(" ".join(paragraph) for paragraph in paragraphs)
    cleaned = clean(_article(text, title=None))

    assert _words(cleaned.text) == " ".join(s for paragraph in paragraphs for s in paragraph)
    assert cleaned.removed == ()
