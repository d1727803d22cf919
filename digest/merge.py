"""Stage 7: merge an event into one canonical story, each sentence with its sources."""

from __future__ import annotations

from collections.abc import Sequence

from digest.align import ClaimGroup, Mention, claim_similarity, claim_terms
from digest.model import Difference, Event, Story, StorySentence, UniqueFact


def merge_event(
    event: Event, claims: Sequence[ClaimGroup], differences: Sequence[Difference] = ()
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
