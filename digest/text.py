"""Pure text helpers shared by the stages: paragraphs, sentences, words, slugs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

# Abbreviations that end in a period without ending a sentence (issue 4: `Jan.`, `U.N.`,
# `Mr.`). Lower-cased, without the final period.
ABBREVIATIONS = frozenset(
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    "mr mrs ms dr prof st sr jr gen gov sen rep lt col sgt capt cmdr adm maj pres "
    "rev hon fr no nos vs etc e.g i.e u.s u.k u.n e.u u.s.a inc ltd co corp dept est "
    "approx fig al ave blvd mt ft".split()
)

_SENTENCE_END = re.compile(r"""[.!?]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9])""")
_WORD_BEFORE = re.compile(r"([\w.'’]+)[.!?]+[\"'”’)\]]*$")
_WORD = re.compile(r"[^\W_]+(?:[-'’.,][^\W_]+)*")
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")

CONTROL_CHARACTERS = re.compile(
    r"\x1b\[[0-?]{0,32}[ -/]{0,8}[@-~]"  # a terminal escape sequence, as a whole
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"  # C0 and C1 controls, but tab and newline
    r"|[\u202a-\u202e\u2066-\u2069]"  # bidirectional embeddings, overrides, isolates
)
"""Characters no article needs and a hostile one can use: NULs and terminal escapes that
break tools reading the output, and right-to-left overrides that make `exe.gnp` read as
`png.exe`. The marks LRM/RLM/ALM, which only nudge direction, stay."""


def paragraphs(text: str) -> list[str]:
    """Split a cleaned text into its paragraphs (separated by blank lines).

    >>> paragraphs("One.\\n\\nTwo\\nlines.\\n")
    ['One.', 'Two lines.']
    """
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, keeping abbreviations, initials and decimals whole.

    >>> split_sentences("The U.N. said on Jan. 17 that 3.5 million fled. Mr. Laurence agreed.")
    ['The U.N. said on Jan. 17 that 3.5 million fled.', 'Mr. Laurence agreed.']
    >>> split_sentences('"It failed," she said. Paulo S. Pinheiro spoke.')
    ['"It failed," she said.', 'Paulo S. Pinheiro spoke.']
    >>> split_sentences("They left Idlib's. Then they came back.")
    ["They left Idlib's.", 'Then they came back.']
    """
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if _ends_with_abbreviation(text[start : match.end()]):
            continue
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


def _ends_with_abbreviation(chunk: str) -> bool:
    """Tell whether a chunk ending in a period ends on an abbreviation or an initial."""
    if not chunk.rstrip("\"'”’)]").endswith("."):
        return False
    found = _WORD_BEFORE.search(chunk)
    if found is None:
        return False
    word = found.group(1).lower().rstrip(".")
    return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def sentences_of(text: str) -> list[str]:
    """All sentences of a multi-paragraph text, in order."""
    return list(_sentences_of(text))


@lru_cache(maxsize=4096)
def _sentences_of(text: str) -> tuple[str, ...]:
    """Cached: alignment, the spelling and the self-contradiction checks all split each
    member of an event again."""
    return tuple(s for p in paragraphs(text) for s in split_sentences(p))


def words(text: str) -> Iterator[str]:
    """Yield the words of a text as written, numbers kept whole (`350,000`, `3.5`).

    >>> list(words("Around 350,000 Syrians (U.N.) fled."))
    ['Around', '350,000', 'Syrians', 'U.N', 'fled']
    """
    return iter(_WORD.findall(text))  # a match ends in a letter or digit, never in `.` or `,`


def strip_control_characters(text: str) -> str:
    """Remove control characters and bidirectional overrides (`CONTROL_CHARACTERS`).

    >>> strip_control_characters("Title \\u202egnp.exe\\u202c \\x1b[31mred\\x00")
    'Title gnp.exe red'
    """
    return CONTROL_CHARACTERS.sub("", text)


def writing_direction(text: str) -> str:
    """`rtl` or `ltr`, from the first letter with a strong direction (Unicode's rule for
    plain text, which CSS `unicode-bidi: plaintext` applies where it is supported).

    >>> writing_direction("350 Syrians fled."), writing_direction("350 ألف نازح")
    ('ltr', 'rtl')
    """
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def fold(text: str) -> str:
    """Lower-case and strip accents, for comparisons that should not care about either.

    >>> fold("Maarat al-Numán")
    'maarat al-numan'
    """
    if text.isascii():  # nothing to decompose: most English text, and much faster
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def slugify(text: str, *, max_length: int = 60) -> str:
    """Make a safe, readable URL/file-name fragment: ASCII letters, digits and hyphens.

    Never empty, never a path, cut on a word boundary.

    >>> slugify("350K Syrians Have Fled Russian-Led Assault in Idlib, UN Says")
    '350k-syrians-have-fled-russian-led-assault-in-idlib-un-says'
    >>> slugify("../../etc/passwd")
    'etc-passwd'
    >>> slugify("¿¡!?")
    'untitled'
    """
    slug = _SLUG_JUNK.sub("-", fold(text)).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug or "untitled"
