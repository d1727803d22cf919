"""Content terms and vector similarity, shared by segmentation and clustering.

A text becomes a bag of *terms*: folded, lightly stemmed content words with stop words
dropped, numbers normalised (`350,000` → `350000`), and capitalised words (names of
people, places, organisations) marked so they can weigh more.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

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
    """`Counter(terms(text))`, computed once per distinct word rather than per word.

    A word is a name (marked) when capitalised and not at a sentence start. Only the
    text's first word starts a sentence unless a word ends in `.`, `!` or `?`; then the
    count falls back to walking the words in order.
    """
    found = list(words(text))
    counts: Counter[str] = Counter()
    for word, n in Counter(found).items():
        if word[-1:] in ".!?":
            return Counter(terms(text))
        term, capitalised = _content_term(word)
        if term is not None:
            counts[NAME_MARK + term if capitalised else term] += n
    if found:
        term, capitalised = _content_term(found[0])
        if term is not None and capitalised:  # the first word starts a sentence
            counts[NAME_MARK + term] -= 1
            counts[term] += 1
            if not counts[NAME_MARK + term]:
                del counts[NAME_MARK + term]
    return counts


def unmarked_terms(text: str) -> frozenset[str]:
    """`{unmarked(t) for t in terms(text)}`, without telling names from other words.

    >>> sorted(unmarked_terms("Around 350,000 Syrians fled Idlib, the U.N. said."))
    ['350000', 'around', 'fled', 'idlib', 'syrian', 'u.n']
    """
    found = {term for term, _ in map(_content_term, words(text))}
    found.discard(None)
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
