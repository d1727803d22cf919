from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from digest.align import align_claims, claim_terms
from digest.cluster import group_events
from digest.compare import find_key_figures
from digest.merge import _clauses, merge_event
from digest.model import Event, Segment, Story
from tests.factories import segment

ORIGINAL = (
    "Around 350,000 Syrians, mostly women and children, have fled a renewed Russian-backed "
    "offensive in Idlib province since early December, the United Nations said on Thursday. "
    "Conditions for people were deteriorating because of the increased hostilities, OCHA said. "
    "Residents and rescuers said dozens of towns and villages were in ruins."
)
TRANSLATION = (
    "Some 350,000 Syrians, mostly women and children, fled a renewed offensive backed by "
    "Russia in the province of Idlib since early December, the UN said in a report Thursday. "
    "Residents and rescuers said that dozens of towns and villages were in ruins after weeks "
    "of bombardment. The ceasefire was to be implemented almost a week ago."
)


def _story(*segments: Segment) -> Story:
    (event,) = group_events(list(segments), threshold=0.05)
    claims = align_claims(event)
    return merge_event(event, claims, key_figures=find_key_figures(event, claims))


def test_a_translated_sentence_aligns_with_its_original() -> None:
    story = _story(segment("001.txt", ORIGINAL), segment("000.txt", TRANSLATION))
    carried_by_both = [s for s in story.sentences if s.segments == ("000.txt", "001.txt")]
    assert len(carried_by_both) == 2
    assert story.sentences[0].segments == ("000.txt", "001.txt")


def test_every_story_sentence_is_a_real_source_sentence() -> None:
    story = _story(segment("001.txt", ORIGINAL), segment("000.txt", TRANSLATION))
    for sentence in story.sentences:
        assert sentence.text in ORIGINAL or sentence.text in TRANSLATION


def test_a_claim_only_one_source_makes_is_listed_as_unique() -> None:
    story = _story(segment("001.txt", ORIGINAL), segment("000.txt", TRANSLATION))
    assert [(u.segment, u.text) for u in story.unique] == [
        (
            "001.txt",
            "Conditions for people were deteriorating because of the increased "
            "hostilities, OCHA said.",
        ),
        ("000.txt", "The ceasefire was to be implemented almost a week ago."),
    ]


def test_other_headlines_are_kept_as_alternatives() -> None:
    story = _story(
        segment("001.txt", ORIGINAL, title="350K Syrians Have Fled Russian-Led Assault"),
        segment("000.txt", TRANSLATION, title="UN: 350,000 flee Idlib"),
    )
    assert {story.event.title, *story.alternative_titles} == {
        "350K Syrians Have Fled Russian-Led Assault",
        "UN: 350,000 flee Idlib",
    }
    assert story.event.title not in story.alternative_titles


sentence_text = st.lists(
    st.sampled_from(["Idlib", "Turkey", "fled", "camps", "civilians", "jets", "towns", "UN"]),
    min_size=3,
    max_size=8,
).map(lambda ws: " ".join(ws).capitalize() + ".")


@given(st.lists(sentence_text, min_size=1, max_size=6))
def test_a_one_member_event_tells_that_members_text(sentences: list[str]) -> None:
    text = " ".join(sentences)
    story = _story(segment("a.txt", text))
    assert " ".join(s.text for s in story.sentences) == text
    assert all(s.segments == ("a.txt",) for s in story.sentences)
    assert story.unique == ()


@given(st.lists(sentence_text, min_size=1, max_size=4), st.lists(sentence_text, max_size=4))
def test_every_sentence_cites_at_least_one_member(a: list[str], b: list[str]) -> None:
    members = [segment("a.txt", " ".join(a))]
    if b:
        members.append(segment("b.txt", " ".join(b)))
    event = Event(id="e", title="t", date=None, segments=tuple(members))
    story = merge_event(event, align_claims(event))
    assert all(s.segments and set(s.segments) <= {"a.txt", "b.txt"} for s in story.sentences)


def test_republished_wire_copy_counts_as_one_report() -> None:
    copy = ORIGINAL.replace("Around 350,000", "About 350,000")
    story = _story(
        segment("001.txt", ORIGINAL), segment("002.txt", copy), segment("000.txt", TRANSLATION)
    )
    assert story.origins == (("000.txt",), ("001.txt", "002.txt"))


def test_the_same_agency_credited_counts_as_one_report() -> None:
    a = segment("a.txt", ORIGINAL)
    b = segment("b.txt", TRANSLATION)
    credited = [replace(s, article=replace(s.article, author="Reuters")) for s in (a, b)]
    assert _story(*credited).origins == (("a.txt", "b.txt"),)


def test_figures_two_sources_give_are_key_figures() -> None:
    story = _story(segment("001.txt", ORIGINAL), segment("000.txt", TRANSLATION))
    (figure,) = story.key_figures
    assert figure.subject == "Syrians"
    assert figure.agree
    assert [(v.normalized, v.segments) for v in figure.values] == [
        ("350,000", ("000.txt", "001.txt"))
    ]


clause_text = st.lists(
    st.sampled_from(
        ["Idlib", "U.S.", "350,000", "fled", "which", "who", ",", ";", ".", "e.g.", "ﾞ's", " "]
    ),
    max_size=12,
).map(" ".join)


@given(st.one_of(st.text(), clause_text))
def test_a_clause_has_no_term_its_sentence_lacks(sentence: str) -> None:
    """What `_TermIndex.lone_clauses` counts on to skip the clauses of a wording that
    two outlets use: the sentence itself shares all their terms."""
    for clause in _clauses(sentence):
        assert claim_terms(clause) <= claim_terms(sentence)
