"""Pure helpers for who said what: direct quotes, their attribution, people's titles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from digest.text import fold

QUOTE_MIN_WORDS = 4  # a two-word scare quote ("terrorists") is not a statement
_QUOTE = re.compile(r"[\"“”„«»]([^\"“”„«»]{10,}?)[\"“”„«»]")
_SPEECH_VERBS = (
    "said|says|told|tells|added|adds|stated|states|announced|announces|wrote|writes|"
    "tweeted|declared|insisted|warned|explained|noted|stressed|urged|asked"
)
_ATTRIBUTION = re.compile(
    rf"\b(?P<verb>{_SPEECH_VERBS})\b(?:\s+(?P<recipient>(?:the\s+)?[A-Z][\w.-]*))?",
)
ROLE_SYNONYMS = {
    "chairman": "chair", "chairwoman": "chair", "chairperson": "chair", "chair": "chair",
    "president": "president",
    "head": "head", "chief": "head", "leader": "head",
    "spokesman": "spokesperson", "spokeswoman": "spokesperson", "spokesperson": "spokesperson",
    "director": "director", "minister": "minister", "secretary": "secretary",
    "commissioner": "commissioner", "governor": "governor", "mayor": "mayor",
    "ambassador": "ambassador", "envoy": "envoy", "investigator": "investigator",
    "coordinator": "coordinator", "prosecutor": "prosecutor", "judge": "judge",
    "general": "general", "commander": "commander", "ceo": "ceo",
}  # fmt: skip
"""Titles of people, each mapped to its office: `chief` and `head` are one office,
`chairman` and `president` are two (seed 000 against 001)."""
_PERSON = r"(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,3})"
_SPEAKER_BEFORE = re.compile(rf"{_PERSON}(?:,[^,\"“”]{{0,100}},)?\s+(?:{_SPEECH_VERBS})\b")
_SPEAKER_AFTER = re.compile(rf"\b(?:{_SPEECH_VERBS})\s+{_PERSON}")
_INNER_NAME = re.compile(r"(?<=[\s(])[A-Z][a-zA-Z'’-]{3,}")
_ROLE = re.compile(rf"\b({'|'.join(ROLE_SYNONYMS)})\b", re.IGNORECASE)
_WORD_RUN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True, kw_only=True)
class Quote:
    """A direct quote and how the sentence attributes it."""

    words: str
    """The quoted words, as written."""
    verb: str | None
    """The verb of attribution with its recipient, e.g. `said`, `told Reuters`."""
    speaker: str | None = None
    """Who the sentence says spoke (`David Swanson`), when it names them."""


def find_quotes(sentence: str) -> list[Quote]:
    """The direct quotes of a sentence, with the verb that attributes them.

    >>> (quote,) = find_quotes('"This wave compounds a dire situation," Swanson told Reuters.')
    >>> quote.words, quote.verb, quote.speaker
    ('This wave compounds a dire situation', 'told Reuters', 'Swanson')
    >>> find_quotes('fight "Russian occupiers" now')
    []
    """
    return list(_quotes(sentence))


@lru_cache(maxsize=1 << 14)
def _quotes(sentence: str) -> tuple[Quote, ...]:
    """`find_quotes`, cached: wire copy brings the same sentence in many members."""
    quotes = []
    for match in _QUOTE.finditer(sentence):
        words = match.group(1).strip().rstrip(",")
        if len(words.split()) < QUOTE_MIN_WORDS:
            continue
        rest = sentence[match.end() :] or sentence[: match.start()]
        quotes.append(Quote(words=words, verb=attribution_verb(rest), speaker=speaker_of(rest)))
    return tuple(quotes)


def attribution_verb(clause: str) -> str | None:
    """The verb of attribution in a clause, with whom it was told to, lower-cased verb.

    >>> attribution_verb(", David Swanson, UN regional spokesman, told Reuters News Agency.")
    'told Reuters'
    >>> attribution_verb(" Bachelet said in a statement.")
    'said'
    """
    match = _ATTRIBUTION.search(clause)
    if match is None:
        return None
    verb = match.group("verb").lower()
    recipient = match.group("recipient")
    if verb in {"told", "tells"} and recipient:
        return f"{verb} {recipient.removeprefix('the ').rstrip('.')}"
    return verb


def speaker_of(clause: str) -> str | None:
    """The person an attribution clause names as speaker.

    >>> speaker_of(", David Swanson, Amman-based UN regional spokesman, said.")
    'David Swanson'
    >>> speaker_of(" said Frank Graham, Ramarley's father.")
    'Frank Graham'
    """
    match = _SPEAKER_BEFORE.search(clause) or _SPEAKER_AFTER.search(clause)
    return match.group("name") if match else None


def same_speaker(a: str, b: str) -> bool:
    """Tell whether two names can be one person: they share the surname (`Bachelet`)."""
    return fold(a).split()[-1] == fold(b).split()[-1]


def quote_key(words: str) -> str:
    """Quoted words reduced to what a reader would call the same quote.

    Quote marks, punctuation, case and spacing do not make another quote.

    >>> quote_key("It is, “deeply” distressing…") == quote_key('it is "deeply" distressing')
    True
    """
    return " ".join(re.sub(r"[^\w\s]", " ", fold(words)).split())


def is_same_quote(a: str, b: str) -> bool:
    """Tell whether two quotes are the same words, one perhaps an excerpt of the other."""
    key_a, key_b = quote_key(a), quote_key(b)
    return key_a == key_b or key_a in key_b or key_b in key_a


def role_words(sentence: str) -> dict[str, str]:
    """Each office a sentence names, synonyms merged, with the word it uses for it.

    >>> role_words("Paulo Pinheiro, chairman of the UN Commission of Inquiry")
    {'chair': 'chairman'}
    """
    return dict(_roles(sentence))


@lru_cache(maxsize=1 << 14)
def _roles(sentence: str) -> tuple[tuple[str, str], ...]:
    """`role_words` as pairs, cached (the same sentence comes in many members)."""
    if sentence.isascii() and ROLE_SYNONYMS.keys().isdisjoint(_WORD_RUN.findall(sentence.lower())):
        return ()  # no title stands whole in it: what `_ROLE` finds, much faster
    roles = {
        ROLE_SYNONYMS[word.lower()]: word
        for m in _ROLE.finditer(sentence)
        if (word := m.group(1)).lower() in ROLE_SYNONYMS  # `Mınister`: ı matches i, ı ≠ i
    }
    return tuple(roles.items())


def names(sentence: str) -> list[str]:
    """Capitalised words inside a sentence (not its first word): likely names.

    >>> names("Rescuers said jets hit Maarat al-Numan on Thursday.")
    ['Maarat', 'Thursday']
    """
    return list(_names(sentence))


@lru_cache(maxsize=1 << 14)
def _names(sentence: str) -> tuple[str, ...]:
    """`names`, cached (the same sentence comes in many members)."""
    return tuple(
        match.group().removesuffix("'s").removesuffix("’s").rstrip("'’")
        for match in _INNER_NAME.finditer(sentence)
    )
