"""Stage 3: split a roundup into the stories it stitches together.

A roundup shows itself by sub-headings (short lines with no sentence punctuation) that
read as headlines: each starts a story of its own. A cross-head inside one story (two
words pulled out of a quote, say) does not, so sections are split at headings first and
then joined back where the heading is only a cross-head or the section plainly goes on
with the same story.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from digest.model import CleanArticle, Segment
from digest.similarity import STOP_WORDS, cosine, term_counts, unmarked
from digest.text import paragraphs

HEADING_MAX_WORDS = 14  # headlines run 6-12 words; a 15-word line is a sentence fragment
SECTION_MIN_WORDS = 40  # a shorter section is a sub-heading's aside, not a story
HEADLINE_MIN_WORDS = 5  # "Immediate de-escalation" is a cross-head; a headline has a verb
SAME_STORY_COSINE = 0.5
"""Adjacent sections at least this similar (term-frequency cosine) are one story.

Measured on the seeds: the roundup 002's three sections score 0.18 and 0.43 against
each other (two Reuters stories on one event are still two stories); a story continued
under a cross-head shares most of its vocabulary.
"""

_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")
_SENTENCE_PUNCTUATION = tuple(".!?:;,\"”’)…'")
_SENTENCE_INSIDE = re.compile(r"[.!?] +[A-Z]")


@dataclass(frozen=True, slots=True)
class _Section:
    title: str | None
    paragraphs: tuple[str, ...]

    @property
    def word_count(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


def split_segments(article: CleanArticle) -> tuple[Segment, ...]:
    """Split an article into one segment per story it carries.

    Returns:
        One segment with `number=None` for an ordinary article; for a roundup, one
        segment per story, numbered from 1 in reading order.
    """
    sections = _join_same_story(_split_at_headings(article))
    if len(sections) == 1:
        return (Segment(article=article, number=None, title=article.title, text=article.text),)
    return tuple(
        Segment(
            article=article,
            number=number,
            title=section.title,
            text="\n\n".join(section.paragraphs),
        )
        for number, section in enumerate(sections, start=1)
    )


def is_heading(paragraph: str) -> bool:
    """Tell whether a paragraph reads as a (sub-)heading rather than as prose.

    >>> is_heading("UN calls for immediate cessation of hostilities")
    True
    >>> is_heading("Moscow denied bombing civilians.")
    False
    >>> is_heading("## Markets")
    True
    """
    if _MARKDOWN_HEADING.match(paragraph):
        return True
    text = paragraph.strip()
    if not text or len(text.split()) > HEADING_MAX_WORDS:
        return False
    last_word = text.rsplit(None, 1)[-1].lower()
    return (
        (text[0].isupper() or text[0].isdigit())
        and not text.endswith(_SENTENCE_PUNCTUATION)
        and not _SENTENCE_INSIDE.search(text)
        and last_word not in STOP_WORDS  # a wrapped line ("…wholly beneficial, or")
    )


def _split_at_headings(article: CleanArticle) -> list[_Section]:
    sections = [_Section(title=article.title, paragraphs=())]
    for paragraph in paragraphs(article.text):
        if is_heading(paragraph):
            title = _MARKDOWN_HEADING.sub("", paragraph)
            sections.append(_Section(title=title, paragraphs=()))
        else:
            last = sections[-1]
            sections[-1] = _Section(title=last.title, paragraphs=(*last.paragraphs, paragraph))
    return _absorb_short_sections(sections)


def _absorb_short_sections(sections: list[_Section]) -> list[_Section]:
    """Fold a section too short to be a story into the one before it, heading and all."""
    kept: list[_Section] = []
    for section in sections:
        if kept and section.word_count < SECTION_MIN_WORDS:
            heading = (section.title,) if section.title else ()
            kept[-1] = _Section(
                title=kept[-1].title,
                paragraphs=(*kept[-1].paragraphs, *heading, *section.paragraphs),
            )
        elif section.paragraphs or not kept:
            kept.append(section)
    if len(kept) > 1 and kept[0].word_count < SECTION_MIN_WORDS:
        first, second = kept[0], kept[1]
        heading = (second.title,) if second.title else ()
        merged = (*first.paragraphs, *heading, *second.paragraphs)
        kept[:2] = [_Section(title=first.title, paragraphs=merged)]
    return kept


def _join_same_story(sections: list[_Section]) -> list[_Section]:
    """Join each section to the one before it unless a headline starts a new story."""
    joined = sections[:1]
    for section in sections[1:]:
        previous = joined[-1]
        if not _is_headline(section.title) or _similarity(previous, section) >= SAME_STORY_COSINE:
            heading = (section.title,) if section.title else ()
            joined[-1] = _Section(
                title=previous.title,
                paragraphs=(*previous.paragraphs, *heading, *section.paragraphs),
            )
        else:
            joined.append(section)
    return joined


def _is_headline(title: str | None) -> bool:
    return title is not None and len(title.split()) >= HEADLINE_MIN_WORDS


def _similarity(a: _Section, b: _Section) -> float:
    return cosine(_vector(a), _vector(b))


def _vector(section: _Section) -> dict[str, float]:
    counts: Counter[str] = Counter()
    for term, count in term_counts(section.paragraphs).items():
        counts[unmarked(term)] += count
    return {term: float(count) for term, count in counts.items()}
