"""Recognise whole lines of scraping debris: page furniture, promos, captions, metadata.

Every recogniser looks at one line at a time and only at the *whole* line, so a real
sentence that merely contains a word like "Advertisement" or "Photo" is never matched.
Each returns the rule's name and, for a metadata line (a byline, a date, a URL), the
value it states. `clean` decides what the values become; this module only reads lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from digest.normalize import MONTHS, WEEKDAYS

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = (
    "|".join(WEEKDAYS)
    + r"|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun"  # "Fri, 17 Jan 2020" in feeds
)
_CLOCK = (
    r"\d{1,2}(?:[:.]\s?\d{2}){1,2}(?:\s*[ap]\.?\s?m\b\.?)?"
    r"(?:\s*\(?[a-z]{2,5}(?:\s?[+-]\s?\d{1,2}(?:[:.]?\s?\d{2})?)?\)?){0,2}"
)
"""A time of day, with its zone: `05:06 AM`, `10:32 GMT`, `9.15am (UTC+4)`, `06: 03 PM ET EST`
(ecbplus pages were rebuilt from tokens, hence `10: 00`)."""
_TIME = rf"(?:\s*(?:,|\||at|-|–|—|/|•)?\s*{_CLOCK})"
WEEKDAY_WORD = re.compile(rf"\b(?:{_WEEKDAY})\b", re.IGNORECASE)
_WEEKDAY_PREFIX = rf"(?:(?:{_WEEKDAY})\.?,?\s*)?"

_CALENDAR_DAY = (
    rf"(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})"
    rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month2>{_MONTH})\.?,?\s+(?P<year2>\d{{4}})"
    r"|(?P<year3>\d{4})-(?P<month3>\d{2})-(?P<day3>\d{2})"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|(?P<first>\d{1,2})\s?(?P<sep>[/.])\s?(?P<second>\d{1,2})\s?(?P=sep)\s?(?P<year4>\d{4}|\d{2})"
)
"""`January 17, 2020`, `22 October 2020`, `2020-01-17T05:06:00Z`, `09 / 14 / 2013`."""

_DATE = (
    rf"(?:{_CLOCK}\s*[,|–—-]?\s*)?{_WEEKDAY_PREFIX}(?:{_CALENDAR_DAY}){_TIME}?"
    rf"|{_WEEKDAY_PREFIX}(?P<month5>{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?{_TIME}"
)
"""A date as pages print it, a time before or after it: `January 17, 2020 05:06 AM`,
`Thursday 22 October 2020`, `Fri, 17 Jan 2020`, `12: 52 p. m. EDT May 2, 2013`. A day
without a year counts only with a time (`Dec. 24 4: 33 AM EST`), and reads as no date."""

DATE_LINE = re.compile(rf"\s*{_DATE}\s*", re.IGNORECASE)
"""A line that is nothing but a date (seed 001: `January 17, 2020` under the byline)."""

DATELINE = re.compile(
    r"\s*(?P<place>[A-Z][\w'’.-]*?(?:(?:,\s*|\s+)[A-Z][\w'’.-]*?){0,5}?)"  # lazy: UAE|Thursday
    rf"\s*(?:[,|•·–—-]\s*)?(?P<date>(?i:{_DATE}))\s*"
)
"""A place glued to a date, alone on a line. With a weekday it is the page's own dateline,
which shows the day the page was scraped (seed 004: `Abu Dhabi, UAEThursday 22 October
2020`)."""

STAMP_LINE = re.compile(
    r"\s*(?P<label>(?:first\s+|originally\s+)?published|posted|released?|date|updated"
    r"|last\s+(?:updated|modified|edited)|modified)(?:\s+(?:on|at))?\s*:?\s*"
    rf"(?:(?P<date>{_DATE})|{_CLOCK}"
    r"|\d+\s+(?:seconds?|min(?:ute)?s?|hours?|hrs?|days?|weeks?)\s+ago)\s*\.?\s*",
    re.IGNORECASE,
)
"""`Updated: January 17, 2020 05:06 AM` (seed 004), `Published on 2020-01-17`,
`Updated 07:30 GMT`, `Last modified 3 hours ago`."""

_UPDATE_LABELS = ("updated", "last", "modified")

_CONNECTOR = (
    r"and|of|the|for|de|da|del|van|von|der|den|al|el|bin|ibn|le|la"
    r"|staff|correspondents?|reporters?|writers?|editors?|team|desk|agencies|bureau|news"
)
BYLINE = re.compile(
    r"\s*(?i:by):?\s+"
    rf"(?P<author>[A-Z][\w'’.-]*(?:(?:\s+|\s*[,&|/]\s*)(?:[A-Z][\w'’.-]*|{_CONNECTOR})){{0,11}}?)"
    rf"(?:\s*[,|•·–—-]\s*(?i:{_DATE}))?\s*"
)
"""`By Jane Doe and John Roe`, `By REUTERS`, `By TASS staff` (seed 001 after its link is
reduced: `By Reuters`), possibly followed by the date (`By Jane Doe | January 17, 2020`).
Every word is a capitalised name or a connector, so a sentence such as `By Monday, the
ceasefire had collapsed.` never matches."""

_CALENDAR_WORDS = frozenset(WEEKDAYS) | frozenset(MONTHS)
"""Never a name: `By Friday` alone on a line is a deadline, not a byline."""

ORIGINAL_URL = re.compile(
    r"\s*(?:original|source|canonical)\s+(?:url|link)\s*:?\s*(?:<?(?P<url>https?://[^\s<>]+)>?)?\s*",
    re.IGNORECASE,
)
"""Seed 001 ends with `Original url:`, the URL on a line of its own."""

URL_LINE = re.compile(r"\s*<?(?P<url>https?://[^\s<>]+)>?\s*")
"""The line after `Original url:` (seed 001: `<https://www.themoscowtimes.com/…>`)."""

RELATED = re.compile(
    r"\s*(?:"
    r"(?:related|also\s+read|read\s+(?:more|also|next)|see\s+also|more\s+on\s+this(?:\s+story)?"
    r"|further\s+reading|recommended(?:\s+reading)?|don'?t\s+miss|must\s+read|watch|video|listen"
    r"|related\s+(?:article|story|stories|content|coverage|news|links?|reading|topics?))"
    r"\s*(?::|\||»|›|>|–|—|-)\s*\S.*"
    r"|(?:also\s+read|read\s+(?:more|also)|see\s+also|related\s+(?:articles?|stories))\b[^.!?]*"
    r")",
    re.IGNORECASE,
)
"""Promo lines pointing elsewhere: `Related article: …` (seed 001, inside `**…**`),
`Read more: …`, `See also …`. Without a separator the line must not end as a sentence,
so `Read more about it in the report.` stays."""

_AGENCY = (
    r"AP|AFP|Reuters|EPA|EFE|EPA-EFE|TASS|Sputnik|Xinhua|Anadolu(?: Agency)?|AA|SANA|DPA|ANSA"
    r"|PA|Getty|Getty Images|Shutterstock|Alamy|Bloomberg|UPI|ZUMA|NurPhoto|SOPA|Pool|Handout"
    r"|WireImage|IRNA|Yonhap|Kyodo|RIA Novosti|Courtesy"
)
AGENCY = re.compile(rf"\b(?:{_AGENCY})\b")
"""Photo agencies and wires that sign pictures."""

_NAME = r"[A-Z][\w'’.&-]*(?:\s+(?:[A-Z][\w'’.&-]*|de|van|von|al|bin|via|for|of))*"
SLASH_CREDIT = re.compile(rf"{_NAME}(?:\s*/\s*{_NAME})+")
"""`Hussein Malla / AP / TASS` (seed 001), `Omar Haj Kadour/AFP via Getty Images`."""

BOLD_TAIL = re.compile(r"(?P<before>.*?)\*\*(?P<credit>[^*\n]{2,80})\*\*\s*")
"""A line ending in a bold span: seed 001's caption ends with `**Hussein Malla / AP / TASS**`."""

PHOTO_LABEL = re.compile(
    r"\s*(?:(?:file\s+)?photo(?:graph)?s?|pictures?|pics?|images?|credits?|captions?"
    r"|(?:photo|image|picture|media)\s+(?:credits?|captions?|source|copyright|courtesy))"
    r"(?:\s*[:|]|\s+[–—-])\s*\S.{0,300}"
    r"|\s*(?:image|photo|picture|media)\s+(?:credits?|captions?|source|copyright|courtesy)\b.{0,300}",
    re.IGNORECASE,
)
"""`Photo: AA`, `Image credit Reuters`, BBC's `Image caption …` / `Image source, Getty`.
The label takes a colon, a bar or a spaced dash: `Pictures, videos and reports …` and
`Credit-rating agency Fitch …` (ecbplus) are prose."""

CREDIT_TAIL = re.compile(
    r"(?:.*[.!?][\"”’]?\s+)?"
    r"(?:\((?i:(?:(?:AP|AFP|Reuters)\s+)?(?:photo|photograph|image|picture|pic|credit|file\s+photo))"
    r"\b[^()]{0,120}\)"
    rf"|\([^()]{{0,80}}(?:/|\bvia\b)[^()]{{0,80}}\b(?:{_AGENCY})\b[^()]{{0,40}}\)"
    r"|[^.!?()]{0,60}\b(?:Getty\s+Images|Shutterstock|Alamy|AP\s+Photo|EPA-EFE))\s*"
)
"""A caption: text ending in a credit, `(Photo by Jane Doe/AFP via Getty Images)`,
`… camp in Atmeh. Getty Images`. An agency alone in brackets (`(AFP)`) is a wire's
attribution, not a credit, so a bracketed agency needs a photographer's `/` or `via`."""

WIRE_CREDIT = re.compile(
    r"\s*\(?\s*(?:additional\s+)?(?:reporting|writing|editing|compiled|edited|contributing"
    r"|research|produced)(?:\s+and\s+\w+)?\s+by\s+(?-i:[A-Z])[^\n]{0,300}",
    re.IGNORECASE,
)
"""Reuters' closing `(Reporting by Tom Perry; Editing by Alison Williams)`; `by` must be
followed by a capital, so `Reporting by the BBC showed …` is a sentence, not a credit."""

SEPARATOR = re.compile(r"\s*(?:[*_\-=~•·|#.]\s*){3,}")
"""`* * *`, `---`, `###`: section rules left as text."""

_NEWSLETTER = r"newsletters?|e-?mails?|alerts?|bulletins?|briefings?|digest|updates"
"""What a sign-up line offers: `Sign up for the draft closed …` offers none, and stays."""

BOILERPLATE = re.compile(
    r"""
    # page furniture and ad slots (seed 004: "Editor's Picks")
      advertisement|advertising|sponsored(?:\ content)?|promoted(?:\ content)?|paid\ content|ad
    | editor'?s'?\ (?:picks?|choice)|most\ (?:read|popular|viewed|shared|watched)
    | trending(?:\ now|\ stories)?|top\ stories|recommended\ (?:for\ you|stories|articles)
    | you\ (?:may|might)\ also\ (?:like|be\ interested\ in)|more\ stories
    | more\ from\ [\w' .&-]{1,40}
    # newsletters and accounts (seed 004: "Sign up to our daily email")
    | (?:sign\ up|subscribe|register)\ (?:to|for)\ (?:our|the|my)
      \b.{0,50}\b(?:{NEWSLETTER})\b.{0,40}
    | subscribe(?:\ now|\ today|\ here)?
    | (?:get|receive)\ (?:our|the)\b.{0,40}\b(?:{NEWSLETTER})\b.{0,40}
    | (?:daily\ |weekly\ |free\ )?newsletters?|already\ a\ subscriber\b.{0,40}
    | log\ ?in|sign\ in|register|create\ (?:an\ )?account
    # sharing
    | share\ (?:this|the)\ (?:article|story|page|post|video)\b.{0,40}|share\ (?:on|via)\ \w+
    | share|tweet|e-?mail|print|whatsapp|facebook|twitter|linkedin|pinterest|reddit|telegram
    | messenger|copy\ link|link\ copied|\d*\ ?comments?
    | (?:show|view|hide|leave|add)\ (?:a\ )?comments?
    | save|bookmark|follow|listen
    | (?:follow|like|find)\ us\ on\b.{0,60}|follow\ @\w+.{0,40}
    # legal notices
    | all\ rights\ reserved
    | (?:accept|reject|manage)\ (?:all\ )?cookies(?:\ settings)?
    | cookie\ (?:policy|settings|preferences)
    | (?:privacy\ policy|terms\ (?:of\ (?:use|service)|and\ conditions))(?:\ \|\ .{0,80})?
    # navigation and widgets
    | (?:click|tap)\ here\b.{0,80}|(?:download|get)\ (?:our|the)\ (?:free\ )?app\b.{0,60}
    | skip\ to\ (?:main\ )?content|back\ to\ top|loading|please\ enable\ javascript\b.{0,100}
    | (?:your\ )?browser\ does\ not\ support\b.{0,100}
    | \d+\ min(?:ute)?s?\ read|listen\ to\ (?:this|the)\ (?:article|story)\b.{0,40}
    | our\ standards:.{0,100}  # Reuters' footer
    """.replace("{NEWSLETTER}", _NEWSLETTER),
    re.VERBOSE,
)
"""Short lines that are page furniture, matched whole against `_boilerplate_key(line)`."""

LONG_BOILERPLATE = re.compile(
    r"(?:we|this (?:web)?site|our (?:web)?site) uses? cookies\b.{0,400}"
    r"|the post .{1,300} appeared first on .{1,120}"  # WordPress feeds' footer
)
"""Notices long enough to read like prose: cookie banners, feed footers."""

COPYRIGHT = re.compile(
    r"(?:(?i:copyright)\s*)?(?:©|\((?i:c)\)).{0,150}"
    r"|(?i:copyright)\s+\d{4}(?:\s*[-–]\s*\d{4})?"
    r"(?:[\s,.|]+(?:[A-Z0-9][\w&'’.-]*|(?i:all\s+rights\s+reserved)))*[\s.]*"
)
"""`Copyright © 2020 The National. All rights reserved.`, `© 2020 Reuters`,
`Copyright 2019 Reuters Ltd`: after a bare `Copyright 2020` only names may follow, so a
sentence such as `Copyright 2020 holders said …` is prose."""

RIGHTS_RESERVED = re.compile(r"(?:©|\(c\)|copyright|\d{4}).*\ball rights reserved")
"""`The National 2020. All rights reserved`: a notice, where `… said all rights reserved
under the contract would lapse` is prose (it names no year and no copyright)."""

DATE_LINE_MAX = 80
"""Characters: the longest date or dateline line seen (ecbplus) is about 50."""
_DIGIT = re.compile(r"\d")

SHORT_LINE = 160
"""Characters: metadata lines, promos and furniture are shorter; longer lines only go
through the recognisers written for long ones (captions, cookie notices), which keeps
the cost of a body paragraph to a few regex calls."""

_KEY_STRIP = " \t.:!|»›>•·→-–—"
_HEADING_MARK = re.compile(r"#{1,6}\s+|>\s*")


@dataclass(frozen=True, slots=True)
class LineMatch:
    """Why a line is debris: the rule's name, and the value it states when it is metadata."""

    rule: str
    value: str | None = None


def match_line(line: str, plain: str) -> LineMatch | None:
    """Tell whether a whole line is debris, and which rule says so.

    Args:
        line: The line as it stands, Markdown included (a caption's bold credit).
        plain: The same line with its Markdown reduced to text.

    >>> def match(line: str) -> LineMatch | None:
    ...     return match_line(line, line)
    >>> match("Editor's Picks")
    LineMatch(rule='boilerplate', value=None)
    >>> match("Updated: January 17, 2020 05:06 AM")
    LineMatch(rule='updated', value='2020-01-17')
    >>> match("Abu Dhabi, UAEThursday 22 October 2020")
    LineMatch(rule='dateline', value='2020-10-22')
    >>> match("Advertising revenue fell.") is None
    True
    """
    plain = _HEADING_MARK.sub("", plain, count=1) if plain[:1] in "#>" else plain
    for recognise in _RECOGNISERS if len(plain) <= SHORT_LINE else _LONG_LINE_RECOGNISERS:
        found = recognise(line, plain)
        if found is not None:
            return found
    return None


def _boilerplate_key(plain: str) -> str:
    """Reduce a line to the form the boilerplate vocabulary is written in.

    >>> _boilerplate_key("**Editor’s Picks:**")
    "editor's picks"
    """
    key = " ".join(plain.replace("*", "").replace("’", "'").split())
    return key.strip(_KEY_STRIP).lower()


def _date_of(match: re.Match[str]) -> date | None:
    """The date a match of `_DATE` names; None when it has no year or is ambiguous."""
    if match["month5"]:
        return None
    if match["year3"]:
        year, month, day = int(match["year3"]), int(match["month3"]), int(match["day3"])
    elif match["year4"]:
        year, month, day = _numeric_date(match["first"], match["second"], match["year4"])
    else:
        year = int(match["year"] or match["year2"])
        month = MONTHS[(match["month"] or match["month2"]).lower()]
        day = int(match["day"] or match["day2"])
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _numeric_date(first: str, second: str, year: str) -> tuple[int, int, int]:
    """Year, month, day of `09 / 14 / 2013` or `14.09.13`; month 0 when either order fits.

    >>> _numeric_date("09", "14", "2013"), _numeric_date("14", "09", "13")
    ((2013, 9, 14), (2013, 9, 14))
    >>> _numeric_date("03", "08", "2013")
    (2013, 0, 0)
    """
    a, b, full_year = int(first), int(second), int(year) + (2000 if len(year) == 2 else 0)
    if a > 12 >= b:
        return full_year, b, a
    if b > 12 >= a or a == b:
        return full_year, a, b
    return full_year, 0, 0


def _original_url(_line: str, plain: str) -> LineMatch | None:
    match = ORIGINAL_URL.fullmatch(plain)
    return LineMatch("original-url", match["url"]) if match else None


def _may_be_date(plain: str) -> bool:
    """A cheap test before the date patterns, which backtrack a lot on long lines."""
    return len(plain) <= DATE_LINE_MAX and _DIGIT.search(plain) is not None


def _stamp(_line: str, plain: str) -> LineMatch | None:
    match = STAMP_LINE.fullmatch(plain) if _may_be_date(plain) else None
    if match is None:
        return None
    day = _date_of(match) if match["date"] else None
    label = "updated" if match["label"].lower().startswith(_UPDATE_LABELS) else "published"
    return LineMatch(label, day.isoformat() if day else None)


def _date(_line: str, plain: str) -> LineMatch | None:
    match = DATE_LINE.fullmatch(plain) if _may_be_date(plain) else None
    if match is None:
        return None
    day = _date_of(match)
    return LineMatch("date", day.isoformat() if day else None)


def _dateline(_line: str, plain: str) -> LineMatch | None:
    """A place and a date: with a weekday, the page's dateline (seed 004); without one,
    or after an agency's name (`AFP, Tuesday 2 Jul 2013`), the story's date."""
    match = DATELINE.fullmatch(plain) if _may_be_date(plain) else None
    if match is None or match["place"].split()[0].lower() in _CALENDAR_WORDS:
        return None
    day = _date_of(match)
    is_page_date = WEEKDAY_WORD.search(match["date"]) and not AGENCY.fullmatch(match["place"])
    rule = "dateline" if is_page_date else "date"
    return LineMatch(rule, day.isoformat() if day else None)


def _byline(_line: str, plain: str) -> LineMatch | None:
    match = BYLINE.fullmatch(plain)
    if match is None:
        return None
    author = match["author"].rstrip(" ,;|&/")
    if author.split()[0].lower().rstrip(".,") in _CALENDAR_WORDS:
        return None
    return LineMatch("byline", author)


def _related(_line: str, plain: str) -> LineMatch | None:
    return LineMatch("related-link") if RELATED.fullmatch(plain) else None


def _caption(line: str, plain: str) -> LineMatch | None:
    if PHOTO_LABEL.fullmatch(plain) or _has_bold_credit(line):
        return LineMatch("caption")
    if plain.endswith((")", "Images", "Shutterstock", "Alamy", "Photo", "EFE")):
        return LineMatch("caption") if CREDIT_TAIL.fullmatch(plain) else None
    if "/" in plain and SLASH_CREDIT.fullmatch(plain) and AGENCY.search(plain):
        return LineMatch("caption")
    return None


def _has_bold_credit(line: str) -> bool:
    """A line that ends in a bold photo credit, after nothing or after a whole sentence."""
    if not line.rstrip().endswith("**"):
        return False
    match = BOLD_TAIL.fullmatch(line)
    if match is None:
        return False
    before, credit = match["before"].strip(), match["credit"].strip()
    if before and not before.endswith((".", "!", "?", '"', "”", "’")):
        return False
    is_credit = SLASH_CREDIT.fullmatch(credit) or PHOTO_LABEL.fullmatch(credit)
    return bool(is_credit or (len(credit.split()) <= 6 and AGENCY.search(credit)))


def _wire_credit(_line: str, plain: str) -> LineMatch | None:
    return LineMatch("wire-credit") if WIRE_CREDIT.fullmatch(plain) else None


def _boilerplate(_line: str, plain: str) -> LineMatch | None:
    if SEPARATOR.fullmatch(plain):
        return LineMatch("separator")
    key = _boilerplate_key(plain)
    found = BOILERPLATE.fullmatch(key) or LONG_BOILERPLATE.fullmatch(key)
    if found or COPYRIGHT.fullmatch(plain) or _reserves_rights(key):
        return LineMatch("boilerplate")
    return None


def _reserves_rights(key: str) -> bool:
    return key.endswith("all rights reserved") and RIGHTS_RESERVED.search(key) is not None


def _long_boilerplate(_line: str, plain: str) -> LineMatch | None:
    found = LONG_BOILERPLATE.fullmatch(_boilerplate_key(plain))
    return LineMatch("boilerplate") if found else None


_RECOGNISERS = (
    _original_url,
    _stamp,  # before the dateline, whose place would take "Updated" for a town
    _date,  # before the dateline, whose place would take "Friday," for a town
    _byline,  # before the dateline, whose place would take "By Jane Doe" for a town
    _dateline,
    _related,
    _caption,
    _wire_credit,
    _boilerplate,
)
_LONG_LINE_RECOGNISERS = (_related, _caption, _long_boilerplate)
