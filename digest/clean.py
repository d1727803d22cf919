"""Stage 2: remove scraping debris and recover the metadata it hides.

The same rules run on text from every reader. They work in three passes:

1. inline repairs over the whole text: template tokens (`%MINIFYHTML…%`), entity debris
   (`& # 39;`, `,quot;`), mojibake, control characters and direction overrides,
   invisible characters;
2. whole lines: page furniture, promos, captions and metadata lines, recognised by
   `digest.boilerplate`; Markdown leftovers reduced to text on the lines that stay;
3. the top of the body: a headline-like first paragraph becomes the title, its repeats
   go, and a headline-like line under it becomes the subtitle.

Nothing is lost: every span taken out is kept as a `Removal`. A line set aside keeps its
text; a rewrite (an entity, a mojibake run, Markdown markup) keeps the span as it stood
in `text` and what it became, or the URL it pointed to, in `value`. Whitespace alone
(trailing spaces, blank-line runs, non-breaking spaces) is normalised without a record.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

import ftfy

from digest.boilerplate import URL_LINE, LineMatch, match_line
from digest.model import Article, CleanArticle, Removal
from digest.text import CONTROL_CHARACTERS, fold, split_sentences

HEADLINE_MAX_WORDS = 20  # headlines run 6-15 words; seed 001's has 11, 004's standfirst 11
HEADLINE_MAX_CHARS = 200  # 20 long words; a cheap test before counting them

TEMPLATE_TOKEN = re.compile(
    r"%[A-Z][A-Z_]{2,30}[0-9A-Fa-f]{4,64}%"  # seeds 000/003; bounded, as the two overlap
    r"|\{\{[^{}\n]{1,120}\}\}|\{%[^{}\n]{1,120}%\}"
)
"""Placeholders a page template left unfilled: seeds 000 and 003 open with
`%MINIFYHTML4eb28…11%` tokens; `{{ author }}` and `{% if %}` are the Jinja/Liquid kind."""

_COMMON_ENTITIES = (
    "quot|amp|apos|lt|gt|nbsp|hellip|mdash|ndash|lsquo|rsquo|ldquo|rdquo|laquo|raquo"
    "|copy|reg|trade|deg|euro|pound|eacute|egrave|aacute|oacute|uuml|ouml|auml|ccedil"
)
ENTITY_DEBRIS = re.compile(
    r"&(?P<spaced> ?)(?:amp; ?)*(?:#(?P<s2> ?)(?P<number>\d{1,7}|[xX][0-9a-fA-F]{1,6})"
    r"|(?P<name>[A-Za-z][A-Za-z0-9]{1,31}))(?P<s3> ?);"
    rf"|,(?P<comma>{_COMMON_ENTITIES}|#\d{{1,5}});"
)
"""HTML entities left in the text: `&#39;`, `&amp;quot;` (escaped twice), the spaced
`& # 39;` of seed 003, and its comma-mangled `,quot;` (`"Russian occupiers,quot;`)."""

_SPACED_NAMES = frozenset(_COMMON_ENTITIES.split("|"))
"""A spaced name (`& amp;`) is debris only for common entities: `R & D;` is prose."""

MOJIBAKE_HINT = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\xa1-\xff\ufffd\u0400-\u04ff]")
"""Characters that mojibake is made of (`Ã©`, `â€™`, `Ð¿`); ftfy costs about 0.5 ms an
article, so text without any of them skips it."""

_FTFY = ftfy.TextFixerConfig(
    unescape_html=False,  # entities are ENTITY_DEBRIS's, with their own record
    uncurl_quotes=False,  # typographic quotes are text, not damage
    fix_latin_ligatures=False,
    fix_character_width=False,
    fix_line_breaks=False,  # line breaks are normalised before, the line count must hold
    remove_control_chars=False,  # CONTROL_CHARACTERS's, with their own record
    explain=False,
)

INVISIBLE = re.compile(r"[\u200b\u2060\ufeff\u00ad]")
"""Zero-width spaces, word joiners, byte-order marks and soft hyphens left by pages."""

STRAY_DOT = re.compile(r"(?:(?<=\w[.!?])|(?<=\w[.!?][\"”’)]))(?: \.)+(?= |$)")
"""A loose ` .` after a finished sentence (seed 000: `RIA reported. .`); a spaced
ellipsis (`and . . . then`) has no word before its first dot and stays."""

MD_IMAGE = re.compile(r"!\[([^\[\]\n]*)\]\(([^()\s]*)(?:\s+\"[^\"\n]*\")?\)")
MD_LINK = re.compile(r"\[([^\[\]\n]+)\]\(([^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+\"[^\"\n]*\")?\)")
"""`[Reuters](#)` (seed 001's byline) and `[text](https://…)`: the text stays."""
MD_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^\s<>]+|mailto:[^\s<>]+)>")
MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.{1,300}?)(?<=\S)\1")
"""`**bold**`; bounded, so a line of unmatched `**` costs linear time, not quadratic."""
MD_EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_MARKUP_HINT = re.compile(r"[\[*<_]")

HEADING_MARK = re.compile(r"^#{1,6}\s+|\s+#+\s*$")
"""A Markdown heading's marks: `# 350K Syrians …` (seed 001's headline)."""

_OPENERS = "\"'“‘(#"
_CLOSERS = "\"'”’)]"
_ENDINGS = (".", ":", ";", ",")
"""How a sentence, never a headline, ends (`Critical IE patch now available: go get it!`
and `A sanctuary for dissent in Greece?` are ecbplus headlines)."""
_TITLE_WORD = re.compile(r"[^\W_]+")


Record = Callable[[Removal], None]
"""Where a rule puts what it removed."""


@dataclass(frozen=True, slots=True)
class _Rewrite:
    """An inline rule: what it matches, what a match becomes, and the value to record."""

    rule: str
    pattern: re.Pattern[str]
    becomes: Callable[[re.Match[str]], str]
    value: Callable[[re.Match[str]], str | None] | None = None
    """What to record as the `value`; by default what the match became."""

    def apply(self, text: str, record: Record) -> str:
        """Rewrite every match, recording each one that changes the text."""

        def substitute(match: re.Match[str]) -> str:
            new = self.becomes(match)
            if new != match.group():
                value = self.value(match) if self.value else new or None
                record(Removal(rule=self.rule, text=match.group(), value=value))
            return new

        return self.pattern.sub(substitute, text)


@dataclass(slots=True)
class _Findings:
    """What cleaning one article has found so far: a working record, never returned."""

    removed: list[Removal] = field(default_factory=list)
    header_size: int | None = None
    """How many removals came before the first line of prose: the page header's."""

    def add(self, rule: str, text: str, value: str | None = None) -> None:
        self.removed.append(Removal(rule=rule, text=text, value=value))


def clean(article: Article) -> CleanArticle:
    """Remove scraping debris from an article and recover the metadata it hides.

    Metadata the input states wins; the text only fills gaps: an `Original url:` line
    gives the URL (and, when no outlet is named, the URL's host names it), a byline the
    author, a `Published:` line, a date line at the top or
    an `Updated:` line (in that order) the publication date, and the first paragraph,
    when it reads as a headline, the title. A page dateline (`Abu Dhabi, UAEThursday
    22 October 2020`) is the scrape date, so it goes to `page_dates`, never `published`.

    Args:
        article: The article as read.

    Returns:
        The cleaned article: paragraphs separated by one blank line, and every span
        taken out as a `Removal`, in the order the passes found them. Cleaning the
        result again changes nothing.
    """
    findings = _Findings()
    text = _repair_inline(article.text, findings.removed.append)
    paragraphs = _read_paragraphs(text, findings)
    title, subtitle = _take_title(article.title, paragraphs, findings)
    removed = tuple(findings.removed)
    header = removed[: findings.header_size]
    url = article.url or _first_value(removed, "original-url")
    return CleanArticle(
        article=article,
        title=title,
        subtitle=subtitle,
        source=article.source or source_from_url(url),
        url=url,
        published=article.published or _publication_date(removed, header),
        author=article.author or _first_value(removed, "byline"),
        text=_kept_if_same(article.text, "\n\n".join(paragraphs)),
        removed=removed,
        page_dates=_page_dates(removed),
    )


def source_from_url(url: str | None) -> str | None:
    """Name an outlet by its web host when nothing else names it.

    >>> source_from_url("https://www.themoscowtimes.com/2020/01/17/a68940")
    'themoscowtimes.com'
    >>> source_from_url("not a url") is None
    True
    """
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def _repair_inline(text: str, record: Record) -> str:
    """Repair debris inside lines: template tokens, entities, mojibake, invisible marks.

    Line breaks are normalised to `\\n`; the number of lines never changes.

    >>> found = []
    >>> print(_repair_inline("Hay& # 39;et,quot;%MINIFYHTML4eb2840911%", found.append))
    Hay'et"
    >>> [(removal.rule, removal.text, removal.value) for removal in found]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('template-token', '%MINIFYHTML4eb2840911%', None),
     ('entity-debris', '& # 39;', "'"), ('entity-debris', ',quot;', '"')]
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for rewrite in _INLINE_REWRITES:
        text = rewrite.apply(text, record)
    if MOJIBAKE_HINT.search(text):
        text = _fix_mojibake(text, record)
    text = _CONTROL_REWRITE.apply(text, record)  # after ftfy, which reads C1 codes
    return INVISIBLE.sub("", text)


def _decode_entity(match: re.Match[str]) -> str:
    """Decode one entity match, or give it back unchanged when it is no entity.

    The spaces around a spaced entity stay: whether `' Immediate de-escalation '` had
    them is not knowable from the debris.
    """
    if match["comma"]:
        return html.unescape(f"&{match['comma']};")
    spaced = bool(match["spaced"] or match["s2"] or match["s3"])
    if match["number"]:
        decoded = html.unescape(f"&#{match['number']};")
    elif spaced and match["name"] not in _SPACED_NAMES:
        return match.group()
    else:
        decoded = html.unescape(f"&{match['name']};")
        if decoded == f"&{match['name']};":  # no such entity
            return match.group()
    return decoded.replace("\u00a0", " ")


_INLINE_REWRITES = (
    _Rewrite("template-token", TEMPLATE_TOKEN, lambda _m: ""),
    _Rewrite("entity-debris", ENTITY_DEBRIS, _decode_entity),
)
_CONTROL_REWRITE = _Rewrite("control-character", CONTROL_CHARACTERS, lambda _m: "")
_STRAY_DOT_REWRITE = _Rewrite("stray-punctuation", STRAY_DOT, lambda _m: "")


def _fix_mojibake(text: str, record: Record) -> str:
    """Run ftfy and record each repaired run as the span it replaced."""
    fixed = ftfy.fix_text(text, _FTFY)
    if fixed != text:
        for old, new in zip(text.split("\n"), fixed.split("\n"), strict=True):
            if old != new:
                start, old_end, new_end = _changed_span(old, new)
                record(Removal(rule="mojibake", text=old[start:old_end], value=new[start:new_end]))
    return fixed


def _changed_span(old: str, new: str) -> tuple[int, int, int]:
    """The span where two strings differ: start, end in `old`, end in `new`.

    >>> _changed_span("cafÃ© open", "café open")
    (3, 5, 4)
    """
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    tail = 0
    while tail < limit - start and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return start, len(old) - tail, len(new) - tail


def _read_paragraphs(text: str, findings: _Findings) -> list[str]:
    """Set debris lines aside and gather the rest into paragraphs.

    A blank line or a line set aside ends a paragraph; inside one, a headline-like line
    is a paragraph of its own (seed 002's sub-headings, ecbplus' one-line standfirsts).
    """
    lines = text.split("\n")
    blocks: list[list[str]] = [[]]
    index = 0
    while index < len(lines):
        index, kept = _read_line(lines, index, findings)
        if kept is None:
            blocks.append([])
        else:
            blocks[-1].append(kept)
    return [paragraph for block in blocks for paragraph in _split_block(block)]


def _read_line(lines: list[str], index: int, findings: _Findings) -> tuple[int, str | None]:
    """Read the line at `index`; return the index to read next and the line if it stays."""
    raw = lines[index]
    if not raw or raw.isspace():
        return index + 1, None
    plain, markup = _unmark(raw)
    found = match_line(raw, plain) if plain else None
    if found is not None:
        end, value = _metadata_end(lines, index, found)
        findings.add(found.rule, "\n".join(lines[index : end + 1]), value)
        return end + 1, None
    findings.removed.extend(markup)
    if not plain:
        return index + 1, None
    line = _tidy(plain, findings)
    _note_prose(line, findings)
    return index + 1, line


def _metadata_end(lines: list[str], index: int, found: LineMatch) -> tuple[int, str | None]:
    """The last line a debris line takes, and its value.

    `Original url:` with nothing after it takes the URL on the next non-blank line
    (seed 001: a blank line, then `<https://…>`).
    """
    if found.rule != "original-url" or found.value is not None:
        return index, found.value
    ahead = next((i for i in range(index + 1, len(lines)) if lines[i].strip()), index)
    url = URL_LINE.fullmatch(lines[ahead]) if ahead > index else None
    return (ahead, url["url"]) if url else (index, None)


def _note_prose(line: str, findings: _Findings) -> None:
    """Mark where the page header ends: at the first line that is not a headline."""
    if findings.header_size is None and not _is_headline(line):
        findings.header_size = len(findings.removed)


def _unmark(line: str) -> tuple[str, tuple[Removal, ...]]:
    """Reduce a line's Markdown to text; return it, collapsed, and the markup removed.

    Heading marks stay: a later stage splits roundups at headings.

    >>> _unmark("**Related article: [Russia's Role](#)**")[0]
    "Related article: Russia's Role"
    >>> _unmark("## Markets  ")
    ('## Markets', ())
    """
    removals: list[Removal] = []
    if _MARKUP_HINT.search(line):
        for rewrite in _MARKDOWN_REWRITES:
            line = rewrite.apply(line, removals.append)
    return " ".join(line.split()), tuple(removals)  # seed 002: `civilians.\u00a0 \u00a0`


_MARKDOWN_REWRITES = (
    _Rewrite("markdown-image", MD_IMAGE, lambda _m: "", lambda m: m[2]),
    _Rewrite("markdown-link", MD_LINK, lambda m: m[1], lambda m: m[2]),
    _Rewrite("markdown-autolink", MD_AUTOLINK, lambda m: m[1]),
    _Rewrite("markdown-emphasis", MD_STRONG, lambda m: m[2], lambda _m: None),
    _Rewrite("markdown-emphasis", MD_EMPHASIS, lambda m: m[1], lambda _m: None),
)
"""Images go; links keep their text (the URL is the value); emphasis keeps its text."""


def _tidy(line: str, findings: _Findings) -> str:
    """Drop a stray ` .` after a finished sentence (seed 000: `RIA reported. .`)."""
    return _STRAY_DOT_REWRITE.apply(line, findings.removed.append) if " ." in line else line


def _split_block(lines: list[str]) -> Iterable[str]:
    """Join a block's lines into paragraphs, breaking after headline-like lines.

    >>> list(_split_block(["Curfew lifted", "The army said so.", "It left."]))
    ['Curfew lifted', 'The army said so.\\nIt left.']
    """
    paragraph: list[str] = []
    for line in lines:
        if paragraph and (line.startswith("#") or _ends_paragraph(paragraph[-1], line)):
            yield "\n".join(paragraph)
            paragraph = []
        paragraph.append(line)
    if paragraph:
        yield "\n".join(paragraph)


def _ends_paragraph(line: str, following: str) -> bool:
    """A headline-like line followed by a capitalised one stands alone; a lower-case
    continuation is a wrapped sentence or a list item, and stays on its paragraph."""
    opens = following[0] in _OPENERS or following[0].isupper() or following[0].isdigit()
    return opens and _is_headline(line)


def _is_headline(paragraph: str) -> bool:
    """Tell whether a paragraph reads as a headline: one short line, no sentence ending.

    >>> _is_headline("350K Syrians Have Fled Russian-Led Assault in Idlib, UN Says")
    True
    >>> _is_headline("Voting for MPs to Majlis (Parliament) began in Turkmenistan on Dec.14.")
    False
    >>> _is_headline("# Markets")
    True
    >>> _is_headline('"It failed," she said."')
    False
    """
    if len(paragraph) > HEADLINE_MAX_CHARS or paragraph.rstrip(_CLOSERS).endswith(_ENDINGS):
        return False
    text = HEADING_MARK.sub("", paragraph) if "#" in paragraph else paragraph
    if not text or "\n" in text:
        return False
    if not (text[0].isupper() or text[0].isdigit() or text[0] in _OPENERS):
        return False
    return len(text.split()) <= HEADLINE_MAX_WORDS and len(split_sentences(text)) == 1


def _take_title(
    title: str | None, paragraphs: list[str], findings: _Findings
) -> tuple[str | None, str | None]:
    """Recover the title and subtitle from the top of the body; return both.

    The title's repeats below it go (seed 002 prints its headline three times). A
    subtitle is taken only when the paragraph after it is prose, so a roundup's first
    sub-heading is not mistaken for one.
    """
    if title is None and paragraphs and _is_headline(paragraphs[0]):
        first = paragraphs.pop(0)
        title = HEADING_MARK.sub("", first)
        findings.add("title", first, title)
    if title is None:
        return None, None
    key = _title_key(title)
    repeats = 0
    while repeats < len(paragraphs) and _is_title_repeat(paragraphs[repeats], key):
        findings.add("repeated-title", paragraphs[repeats])
        repeats += 1
    del paragraphs[:repeats]
    return title, _take_subtitle(paragraphs, findings)


def _take_subtitle(paragraphs: list[str], findings: _Findings) -> str | None:
    """Take a headline-like first paragraph as the subtitle when prose follows it."""
    if len(paragraphs) < 2 or paragraphs[0].startswith("#") or _is_headline(paragraphs[1]):
        return None
    if not _is_headline(paragraphs[0]):
        return None
    subtitle = paragraphs.pop(0)
    findings.add("subtitle", subtitle, subtitle)
    return subtitle


def _is_title_repeat(paragraph: str, key: str) -> bool:
    return len(paragraph) <= 2 * len(key) + 8 and _title_key(paragraph) == key


def _title_key(text: str) -> str:
    """Compare titles without case, accents, punctuation or heading marks.

    >>> _title_key("# 350K Syrians Have Fled, UN Says")
    '350k syrians have fled un says'
    """
    return " ".join(_TITLE_WORD.findall(fold(text)))


def _kept_if_same(original: str, cleaned: str) -> str:
    """`original` itself when cleaning changed nothing: one string held (and stored in the
    build state) instead of two equal ones, a quarter of an article's pickle at 100,000."""
    return original if cleaned == original else cleaned


def _first_value(removed: Iterable[Removal], rule: str) -> str | None:
    return next((r.value for r in removed if r.rule == rule and r.value), None)


def _publication_date(removed: tuple[Removal, ...], header: tuple[Removal, ...]) -> date | None:
    """A `Published:` line, else a date line in the header, else an `Updated:` line."""
    stated = (
        _first_value(removed, "published")
        or _first_value(header, "date")
        or _first_value(removed, "updated")
    )
    return date.fromisoformat(stated) if stated else None


def _page_dates(removed: Iterable[Removal]) -> tuple[date, ...]:
    found = (date.fromisoformat(r.value) for r in removed if r.rule == "dateline" and r.value)
    return tuple(dict.fromkeys(found))
