"""Stage 7: merge an event into one canonical story, each sentence with its sources."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from functools import lru_cache

from rapidfuzz import fuzz

from digest.align import ClaimGroup, Mention, claim_similarity, claim_terms
from digest.model import Difference, Event, KeyFigure, Story, StorySentence, UniqueFact
from digest.text import fold

VERBATIM = 90  # rapidfuzz ratio: the same sentence but for a word or the punctuation
COPY_SHARE = 0.6  # share of the shorter member's sentences copied: it is a republication
CLAUSE_MIN_TERMS = 3  # "almost a week ago" is a fact; "he said" is not
_CLAUSE_BREAK = re.compile(r",\s+|;\s+|\s+(?=(?:which|who|while|after|before|despite)\s)")
_SPEECH = re.compile(r"\b(?:said|says|told|added|according to|reported|announced)\b", re.IGNORECASE)
ATTRIBUTION_MAX_WORDS = 8  # "the UN's refugee agency said on Thursday" and shorter
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
    carries the claim in any wording.
    """
    sentences = tuple(
        StorySentence(text=representative(claim.mentions).text, segments=claim.segments)
        for claim in claims
    )
    unique = find_unique_facts(event, claims)
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


def find_unique_facts(event: Event, claims: Sequence[ClaimGroup]) -> tuple[UniqueFact, ...]:
    """What only one source says: its claims no other outlet makes, and its clauses that
    add to a shared claim (seed 000: "which was to be implemented almost a week ago").

    A clause counts when it has `CLAUSE_MIN_TERMS` content terms or more and no sentence
    of another outlet shares more than a third of them; attributions ("told Reuters")
    are not facts. Nothing is unique in a one-source event.
    """
    article_of = {s.id: s.article.id for s in event.segments}
    if len(set(article_of.values())) < 2:
        return ()
    index = _TermIndex(claims, article_of)
    facts: list[UniqueFact] = []
    for claim in claims:
        articles = {article_of[s] for s in claim.segments}
        if len(articles) == 1:
            facts.append(UniqueFact(segment=claim.segments[0], text=claim.mentions[0].text))
            continue
        facts.extend(
            UniqueFact(segment=mention.segment, text=clause)
            for mention in claim.mentions
            for clause, outlets in index.lone_clauses(mention.text)
            if outlets <= {article_of[mention.segment]}
        )
    return tuple(facts)


class _TermIndex:
    """Which outlets' sentences hold each term, to test a clause against all of them.

    Indexed by distinct wording, with the outlets that use it: wire copy is the same
    sentence in many members.
    """

    def __init__(self, claims: Sequence[ClaimGroup], article_of: dict[str, str]) -> None:
        self.sentences: dict[str, tuple[frozenset[str], list[str]]] = {}
        self.postings: defaultdict[str, list[str]] = defaultdict(list)
        self.owners: dict[str, frozenset[str] | None] = {}
        self.lone: dict[str, tuple[tuple[str, frozenset[str]], ...]] = {}
        for mention in (m for c in claims for m in c.mentions):
            article = article_of[mention.segment]
            if mention.text in self.sentences:
                outlets = self.sentences[mention.text][1]
                if article not in outlets:
                    outlets.append(article)
                continue
            signature = claim_terms(mention.text)
            for term in signature:
                self.postings[term].append(mention.text)
            self.sentences[mention.text] = (signature, [article])

    def lone_clauses(self, sentence: str) -> tuple[tuple[str, frozenset[str]], ...]:
        """The sentence's clauses that at most one outlet's sentences share (more than a
        third of their terms), with that outlet: a clause is unique to the outlet whose
        sentence it is when no other outlet is among them. Found once per wording.

        A wording two outlets use has none: a clause's terms are among its sentence's
        (a clause is a run of the sentence's words), so the sentence shares them all.
        """
        if sentence not in self.lone:
            self.lone[sentence] = (
                ()
                if len(self.sentences[sentence][1]) > 1
                else tuple(
                    (clause, outlets)
                    for clause in _clauses(sentence)
                    if (outlets := self._outlets(clause)) is not None and len(outlets) < 2
                )
            )
        return self.lone[sentence]

    def _outlets(self, clause: str) -> frozenset[str] | None:
        if clause not in self.owners:
            self.owners[clause] = self._sharing_outlets(clause)
        return self.owners[clause]

    def _sharing_outlets(self, clause: str) -> frozenset[str] | None:
        """The outlets whose sentences share more than a third of the clause's terms (the
        search stops at two: then no outlet has the clause alone), or None for a clause
        too short to count. Found once per clause: republished copies ask again with
        each outlet.

        A sentence sharing more than a third shares at least one of the clause's rarest
        `len - len // 3` terms, so only their postings need a look.
        """
        terms = claim_terms(clause)
        if len(terms) < CLAUSE_MIN_TERMS:
            return None
        rarest = sorted(terms, key=lambda t: (len(self.postings.get(t, ())), t))
        candidates = {
            n for t in rarest[: len(terms) - len(terms) // 3] for n in self.postings.get(t, ())
        }
        owners: set[str] = set()
        for sentence in candidates:
            signature, outlets = self.sentences[sentence]
            if len(terms & signature) > len(terms) / 3:
                owners.update(outlets)
                if len(owners) > 1:
                    break
        return frozenset(owners)


@lru_cache(maxsize=1 << 14)
def _clauses(sentence: str) -> tuple[str, ...]:
    """The clauses of a sentence that could carry a fact of their own (cached: wire copy
    brings the same sentence in many members)."""
    return tuple(
        clause.strip().rstrip(".")
        for clause in _CLAUSE_BREAK.split(sentence)
        if clause.strip() and not _is_attribution(clause)
    )


def _is_attribution(clause: str) -> bool:
    """`told Reuters News Agency`, `the United Nations said on Thursday`: who said it, no fact."""
    return len(clause.split()) <= ATTRIBUTION_MAX_WORDS and bool(_SPEECH.search(clause))


def representative(mentions: Sequence[Mention]) -> Mention:
    """Pick the wording closest to all the others (the medoid); ties go to the earliest.

    With two mentions the longer wins: it is the one that keeps the detail.
    """
    if len(mentions) <= 2:
        return max(mentions, key=lambda m: (len(m.text), -mentions.index(m)))
    similarity = _text_similarities([m.text for m in mentions])
    rows = [similarity[m.text] for m in mentions]

    def centrality(i: int) -> float:
        row = rows[i]
        return sum(row[mentions[j].text] for j in range(len(mentions)) if j != i)

    return mentions[max(range(len(mentions)), key=lambda i: (centrality(i), -i))]


def _text_similarities(texts: Sequence[str]) -> dict[str, dict[str, float]]:
    """`claim_similarity` between each two distinct texts, each pair scored once.

    A wire sentence reprinted by many outlets is one text many times over, and the
    score is symmetric (shared terms, Dice, RapidFuzz's Indel ratio), so a claim of n
    mentions costs a score per pair of distinct wordings rather than n².
    """
    distinct = list(dict.fromkeys(texts))
    signatures = [claim_terms(t) for t in distinct]
    similarity: dict[str, dict[str, float]] = {t: {} for t in distinct}
    for i, a in enumerate(distinct):
        similarity[a][a] = claim_similarity(a, signatures[i], a, signatures[i])
        for j in range(i + 1, len(distinct)):
            b = distinct[j]
            score = claim_similarity(a, signatures[i], b, signatures[j])
            similarity[a][b] = similarity[b][a] = score
    return similarity


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
        is_verbatim = _verbatim_test()
        for i, a in enumerate(claim.mentions):
            for b in claim.mentions[i + 1 :]:
                if a.segment != b.segment and is_verbatim(a.text, b.text):
                    verbatim[min(a.segment, b.segment), max(a.segment, b.segment)] += 1
    return sorted(
        pair
        for pair, shared in verbatim.items()
        if shared >= COPY_SHARE * min(sentence_count[pair[0]], sentence_count[pair[1]])
    )


def _verbatim_test() -> Callable[[str, str], bool]:
    """`fuzz.ratio(a, b) >= VERBATIM`, remembered per pair of texts: a claim carried by
    many members is mostly the same wire sentence, scored once (and not at all against
    itself: the ratio of a text to itself is 100)."""
    known: dict[tuple[str, str], bool] = {}

    def is_verbatim(a: str, b: str) -> bool:
        if a == b:
            return True
        if (a, b) not in known:
            known[a, b] = known[b, a] = fuzz.ratio(a, b) >= VERBATIM
        return known[a, b]

    return is_verbatim


def _same_page_or_agency(event: Event) -> dict[str, list[str]]:
    """Members that share a page (roundup sections) or a credited news agency."""
    groups: dict[str, list[str]] = {}
    for segment in event.segments:
        groups.setdefault(f"page:{segment.article.id}", []).append(segment.id)
        agency = fold(segment.article.author or "")
        if agency in WIRE_AGENCIES:
            groups.setdefault(f"agency:{agency}", []).append(segment.id)
    return groups
