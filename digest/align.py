"""Stage 5: align the members' sentences into claim groups.

A claim group is one statement as each source words it: the same wire sentence
republished, a light edit, a machine translation. Sentences are compared by their
content terms (stemmed, names unmarked, numbers kept), so rewording that keeps the facts
still aligns, while a sentence that shares only its topic does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from digest.model import Event, Segment
from digest.similarity import terms, unmarked
from digest.text import sentences_of

SAME_CLAIM = 0.5
"""Similarity at which two sentences make one claim.

The seeds' translated sentences (000 against 001) score 0.5-0.8 with their originals;
two different sentences on the same topic rarely pass 0.35.
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Mention:
    """One sentence of one member segment."""

    segment: str
    position: float
    """Where the sentence stands in its segment, from 0 (first) to 1 (last)."""
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimGroup:
    """The same statement in one or more sources."""

    mentions: tuple[Mention, ...]

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(sorted({m.segment for m in self.mentions}))

    @property
    def position(self) -> float:
        """Consensus place in the story: the mean of its mentions' places."""
        return sum(m.position for m in self.mentions) / len(self.mentions)


def align_claims(event: Event) -> tuple[ClaimGroup, ...]:
    """Group the sentences of an event's members into claims, in consensus order.

    Each sentence joins the group whose sentences it matches best, if the match
    reaches `SAME_CLAIM` and the group has no sentence of the same segment yet;
    otherwise it starts a group of its own. Members are visited longest first, so the
    fullest account sets the frame the others align to.
    """
    groups: list[list[Mention]] = []
    signatures: list[list[frozenset[str]]] = []
    for segment in sorted(event.segments, key=_fullest_first):
        for mention in _mentions(segment):
            signature = claim_terms(mention.text)
            best = _best_group(mention, signature, groups, signatures)
            if best is None:
                groups.append([mention])
                signatures.append([signature])
            else:
                groups[best].append(mention)
                signatures[best].append(signature)
    claims = [ClaimGroup(mentions=tuple(g)) for g in groups]
    return tuple(sorted(claims, key=lambda c: (c.position, c.mentions[0].segment)))


def _fullest_first(segment: Segment) -> tuple[int, str]:
    return (-len(segment.text), segment.id)


def _mentions(segment: Segment) -> list[Mention]:
    sentences = sentences_of(segment.text)
    last = max(len(sentences) - 1, 1)
    return [
        Mention(segment=segment.id, position=i / last, text=text)
        for i, text in enumerate(sentences)
    ]


def _best_group(
    mention: Mention,
    signature: frozenset[str],
    groups: Sequence[Sequence[Mention]],
    signatures: Sequence[Sequence[frozenset[str]]],
) -> int | None:
    best, best_score = None, SAME_CLAIM
    for index, (group, group_signatures) in enumerate(zip(groups, signatures, strict=True)):
        if any(m.segment == mention.segment for m in group):
            continue
        score = max(
            claim_similarity(mention.text, signature, other.text, other_signature)
            for other, other_signature in zip(group, group_signatures, strict=True)
        )
        if score >= best_score:
            best, best_score = index, score
    return best


def claim_terms(sentence: str) -> frozenset[str]:
    """The content terms of a sentence, as a set, names unmarked."""
    return frozenset(unmarked(t) for t in terms(sentence))


def claim_similarity(a: str, a_terms: frozenset[str], b: str, b_terms: frozenset[str]) -> float:
    """How surely two sentences state the same thing, from 0 to 1.

    The larger of two views: content-term overlap relative to the shorter sentence
    (survives translation and trimming) and character-level fuzzy similarity
    (survives spelling variants).

    >>> a = "Around 350,000 Syrians have fled the offensive, the UN said."
    >>> b = "Some 350,000 Syrians fled the renewed offensive, the UN said on Thursday."
    >>> claim_similarity(a, claim_terms(a), b, claim_terms(b)) > 0.5
    True
    """
    if not a_terms or not b_terms:
        return 0.0
    overlap = len(a_terms & b_terms) / min(len(a_terms), len(b_terms))
    dice = 2 * len(a_terms & b_terms) / (len(a_terms) + len(b_terms))
    fuzzy = fuzz.token_sort_ratio(a, b) / 100
    return max((overlap + dice) / 2, fuzzy)
