"""Stage 7: merge an event into one canonical story, each sentence with its sources."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rapidfuzz import fuzz

from digest.align import ClaimGroup, Mention, claim_similarity, claim_terms
from digest.model import Difference, Event, KeyFigure, Story, StorySentence, UniqueFact
from digest.text import fold

VERBATIM = 90  # rapidfuzz ratio: the same sentence but for a word or the punctuation
COPY_SHARE = 0.6  # share of the shorter member's sentences copied: it is a republication
WIRE_AGENCIES = frozenset({
    "reuters", "afp", "agence france-presse", "ap", "associated press", "dpa", "xinhua",
    "tass", "ria novosti", "anadolu agency", "upi", "efe", "ansa", "kyodo", "yonhap", "pti",
    "bloomberg",
})  # fmt: skip
"""News agencies: an author line naming one credits the wire copy."""


def merge_event(
    event: Event,
    claims: Sequence[ClaimGroup],
    differences: Sequence[Difference] = (),
    key_figures: Sequence[KeyFigure] = (),
) -> Story:
    """Write the event's canonical story from its claim groups.

    Every sentence is a real source sentence (the most representative wording of its
    claim), in the consensus order of the sources, and names every segment that
    carries the claim in any wording. Claims only one source makes are listed as
    `unique` when the event has more than one source.
    """
    sentences = tuple(
        StorySentence(text=representative(claim.mentions).text, segments=claim.segments)
        for claim in claims
    )
    article_of = {s.id: s.article.id for s in event.segments}
    several_sources = len(set(article_of.values())) > 1
    unique = tuple(
        UniqueFact(segment=claim.segments[0], text=claim.mentions[0].text)
        for claim in claims
        if several_sources and len({article_of[s] for s in claim.segments}) == 1
    )
    titles = sorted({s.title for s in event.segments if s.title and s.title != event.title})
    return Story(
        event=event,
        sentences=sentences,
        differences=tuple(differences),
        unique=unique,
        alternative_titles=tuple(titles),
        key_figures=tuple(key_figures),
        origins=find_origins(event, claims),
    )


def representative(mentions: Sequence[Mention]) -> Mention:
    """Pick the wording closest to all the others (the medoid); ties go to the earliest.

    With two mentions the longer wins: it is the one that keeps the detail.
    """
    if len(mentions) <= 2:
        return max(mentions, key=lambda m: (len(m.text), -mentions.index(m)))
    signatures = [claim_terms(m.text) for m in mentions]

    def centrality(i: int) -> float:
        return sum(
            claim_similarity(mentions[i].text, signatures[i], mentions[j].text, signatures[j])
            for j in range(len(mentions))
            if j != i
        )

    return mentions[max(range(len(mentions)), key=lambda i: (centrality(i), -i))]


def find_origins(event: Event, claims: Sequence[ClaimGroup]) -> tuple[tuple[str, ...], ...]:
    """Group an event's members into independent reports.

    Wire copy reprinted by several outlets is one report, not independent
    confirmation. Two members are one report when most of the shorter one's sentences
    stand near-verbatim in the other (`COPY_SHARE`), or when both credit the same news
    agency as author; the sections of one page count as one outlet.

    Returns:
        Groups of segment ids, each sorted, the groups sorted by their first id.
    """
    segments = [s.id for s in event.segments]
    parent = {s: s for s in segments}

    def find(s: str) -> str:
        while parent[s] != s:
            s = parent[s]
        return s

    def join(a: str, b: str) -> None:
        parent[max(find(a), find(b))] = min(find(a), find(b))

    for a, b in _copies(claims):
        join(a, b)
    for group in _same_page_or_agency(event).values():
        for other in group[1:]:
            join(group[0], other)
    origins: dict[str, list[str]] = {}
    for segment in segments:
        origins.setdefault(find(segment), []).append(segment)
    return tuple(sorted(tuple(sorted(g)) for g in origins.values()))


def _copies(claims: Sequence[ClaimGroup]) -> list[tuple[str, str]]:
    """Pairs of members most of whose sentences are near-verbatim copies of each other's."""
    sentence_count: Counter[str] = Counter(m.segment for c in claims for m in c.mentions)
    verbatim: Counter[tuple[str, str]] = Counter()
    for claim in claims:
        for i, a in enumerate(claim.mentions):
            for b in claim.mentions[i + 1 :]:
                if a.segment != b.segment and fuzz.ratio(a.text, b.text) >= VERBATIM:
                    verbatim[min(a.segment, b.segment), max(a.segment, b.segment)] += 1
    return sorted(
        pair
        for pair, shared in verbatim.items()
        if shared >= COPY_SHARE * min(sentence_count[pair[0]], sentence_count[pair[1]])
    )


def _same_page_or_agency(event: Event) -> dict[str, list[str]]:
    """Members that share a page (roundup sections) or a credited news agency."""
    groups: dict[str, list[str]] = {}
    for segment in event.segments:
        groups.setdefault(f"page:{segment.article.id}", []).append(segment.id)
        agency = fold(segment.article.author or "")
        if agency in WIRE_AGENCIES:
            groups.setdefault(f"agency:{agency}", []).append(segment.id)
    return groups
