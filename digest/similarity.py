"""Content terms and vector similarity, shared by segmentation and clustering.

A text becomes a bag of *terms*: folded, lightly stemmed content words with stop words
dropped, numbers normalised (`350,000` → `350000`), and capitalised words (names of
people, places, organisations) marked so they can weigh more.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import TypeVar

from digest.text import fold, words

# A short English stop list (function words and reporting verbs that every news story
# has); a longer list costs recall on headlines, which are mostly content words.
STOP_WORDS = frozenset(
    """a about above after again against all almost also am an and any are as at be because
    been before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers herself him himself his how i
    if in into is it its itself just me more most my myself no nor not now of off on once
    only or other our ours out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your
    yours said says say saying told tells according also would could new one two three
    mr mrs ms""".split()
)

NAME_MARK = "^"
"""Prefix of a term written with a capital inside a sentence: likely part of a name."""


def stem(word: str) -> str:
    """Strip the commonest English inflections, so `Syrians` meets `Syrian`.

    >>> [stem(w) for w in ["syrians", "cities", "fled", "ceasefires", "crisis", "us"]]
    ['syrian', 'city', 'fled', 'ceasefire', 'crisis', 'us']
    """
    if word.endswith("'s") or word.endswith("’s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def normalize_number(word: str) -> str:
    """Write a number without separators, so `350,000` and `350000` are one term.

    >>> normalize_number("350,000"), normalize_number("3.5")
    ('350000', '3.5')
    """
    return word.replace(",", "") if word[:1].isdigit() else word


def terms(text: str) -> list[str]:
    """The content terms of a text, in order, names marked with `NAME_MARK`.

    >>> terms("Around 350,000 Syrians fled Idlib, the U.N. said.")
    ['around', '350000', '^syrian', 'fled', '^idlib', '^u.n']
    """
    result: list[str] = []
    sentence_start = True
    for word in words(text):
        term, capitalised = _content_term(word)
        if term is not None:
            result.append(NAME_MARK + term if capitalised and not sentence_start else term)
        sentence_start = word[-1:] in ".!?"
    return result


@lru_cache(maxsize=1 << 18)
def _content_term(word: str) -> tuple[str | None, bool]:
    """A word's term (None for a stop word) and whether it may be a name (capitalised).

    Cached: a build meets the same words over and over, and folding each occurrence
    anew was most of the grouping's time (about 40 s of 86 s at 10k articles, profiled).
    """
    folded = fold(word)
    if folded[:1].isdigit():
        return normalize_number(folded), False
    if folded in STOP_WORDS or len(folded) <= 1:
        return None, False
    return stem(folded), word[:1].isupper()


def term_counts(texts: Iterable[str]) -> Counter[str]:
    """Count the terms of several texts (a title and a body, say) together."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(counted_terms(text))
    return counts


def counted_terms(text: str) -> Counter[str]:
    """`Counter(terms(text))`, with its terms in the same order (first occurrence).

    A word is a name (marked) when capitalised, except the text's first word, which
    starts a sentence (`words` never ends a word in `.`, `!` or `?`, so no later word
    does, as in `terms`). The words are counted by `Counter` itself, through a cache
    from each word to its marked term: the grouping counts every segment's terms, and a
    Python loop over the words was most of that time.
    """
    return first_word_unmarked(*marked_counts(text))


def marked_counts(text: str) -> tuple[Counter[str], str | None]:
    """Each word's term counted, marked when capitalised, and the text's first word
    (None: no words). `first_word_unmarked` makes `counted_terms` of them; texts joined
    by whitespace have the sum of their counts, in order, and the first word of the first
    one with words.
    """
    found = list(words(text))
    counts = Counter(map(_MARKED_TERMS.__getitem__, found))
    counts.pop("", None)  # the stop words
    return counts, (found[0] if found else None)


def first_word_unmarked(counts: Counter[str], first: str | None) -> Counter[str]:
    """`counts` (`marked_counts`) with the first word counted as no name: it starts a
    sentence. Changed in place, and returned."""
    if first is not None:
        term, capitalised = _content_term(first)
        if term is not None and capitalised:
            counts[NAME_MARK + term] -= 1
            counts[term] += 1
            if not counts[NAME_MARK + term]:
                del counts[NAME_MARK + term]
    return counts


_Term = TypeVar("_Term")


class _TermsOfWords(dict[str, _Term]):
    """Each word's term as `term_of` makes it, computed on first use; emptied when it
    holds `limit` words (a cache, bounded). Looked up with `map` over a text's words, so
    that the loop runs in C: a word's `_content_term` through `lru_cache`, then
    unpacked, was most of the time of `counted_terms` and `unmarked_terms`."""

    def __init__(self, term_of: Callable[[str], _Term], limit: int) -> None:
        super().__init__()
        self.term_of: Callable[[str], _Term] = term_of
        self.limit = limit

    def __missing__(self, word: str) -> _Term:
        if len(self) >= self.limit:
            self.clear()
        term = self.term_of(word)
        self[word] = term
        return term


def _marked_term(word: str) -> str:
    """A word's term, marked when capitalised; "" for a stop word."""
    term, capitalised = _content_term(word)
    return "" if term is None else NAME_MARK + term if capitalised else term


def _unmarked_term(word: str) -> str | None:
    """A word's term, unmarked; None for a stop word (a term may be "": `ﾞ's`)."""
    return _content_term(word)[0]


MARKED_TERMS_CACHED = 1 << 19  # words; about 100 MB when full
_MARKED_TERMS = _TermsOfWords(_marked_term, MARKED_TERMS_CACHED)
UNMARKED_TERMS_CACHED = 1 << 18  # words: the alignment's, of one worker's events
_UNMARKED_TERMS = _TermsOfWords(_unmarked_term, UNMARKED_TERMS_CACHED)


def unmarked_terms(text: str) -> frozenset[str]:
    """`{unmarked(t) for t in terms(text)}`, without telling names from other words.

    >>> sorted(unmarked_terms("Around 350,000 Syrians fled Idlib, the U.N. said."))
    ['350000', 'around', 'fled', 'idlib', 'syrian', 'u.n']
    """
    found = set(map(_UNMARKED_TERMS.__getitem__, words(text)))
    found.discard(None)  # the stop words
    return frozenset(found)  # type: ignore[arg-type]  # None discarded


def unmarked(term: str) -> str:
    """The term without its name mark, so `^Idlib` in one text meets `idlib` in another."""
    return term.removeprefix(NAME_MARK)


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine similarity of two sparse vectors.

    >>> round(cosine({"x": 1.0, "y": 1.0}, {"x": 1.0}), 3)
    0.707
    """
    if len(a) > len(b):
        a, b = b, a
    dot = sum(weight * b.get(term, 0.0) for term, weight in a.items())
    if dot == 0.0:
        return 0.0
    return dot / (norm(a) * norm(b))


def norm(vector: Mapping[str, float]) -> float:
    return math.sqrt(sum(w * w for w in vector.values()))
