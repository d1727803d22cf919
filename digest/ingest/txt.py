"""Read a plain-text article: an optional metadata block, then the text as scraped.

The metadata block is the first non-blank lines while each is one of:

- a `Key: value` header with a known key (`Title`, `Source`, `Date`, `URL`, …,
  see `fields.FIELD_KEYS`), each key once;
- a ` date 2020-01-17 …` line (seeds 000 and 003): the date is read, and the rest of
  the line opens the text;
- the very first line, when a header follows it directly: the title (the layout of
  `shared/datasets/*/articles/*.txt`: title, `Source:`/`Date:`/`URL:`, blank, body).

Everything after the block is the text, untouched but for blank lines at its ends. A
lone first line is *not* a title here, and `By …`, `Updated: …` or `Original url:`
lines stay in the text: recovering those is the cleaner's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from digest.ingest.decode import decode_text
from digest.ingest.fields import KNOWN_KEYS, build_article, normalize_key, read_metadata
from digest.ingest.files import InputFile, Outcome
from digest.model import Location

_HEADER = re.compile(r"([A-Za-z][A-Za-z _-]{0,30}?)\s*:\s*(.*)")
"""`Key: value`; the key is checked against `KNOWN_KEYS` afterwards."""

_DATE_LINE = re.compile(r" ?date (\d{4}-\d{2}-\d{2})\b\s*(.*)")
"""` date 2020-01-17 %MINIFYHTML…%`, the first line of seeds 000 and 003."""


@dataclass(slots=True)
class _Header:
    """The metadata block as read so far."""

    values: dict[str, str] = field(default_factory=dict)
    title_line: str | None = None
    body_start: str | None = None
    """Text left over on a ` date` line: the first line of the body."""


def read_txt(file: InputFile) -> list[Outcome]:
    """Read a `.txt` article: its metadata block and text.

    Raises:
        InputError: when the file cannot be decoded, is empty, or holds no text.
    """
    decoded = decode_text(file.data, file.name)
    lines = decoded.text.split("\n")
    header, end = _read_header(lines)
    body = lines[end:]
    if header.body_start:
        body.insert(0, header.body_start)
    values: dict[str, str] = dict(header.values)
    if header.title_line is not None:
        if {"title", "headline"} & values.keys():
            body.insert(0, header.title_line)  # an explicit Title: header wins
        else:
            values["title"] = header.title_line
    article = build_article(
        article_id=file.name,
        origin=Location(path=file.name),
        text=_strip_blank_lines(body),
        metadata=read_metadata(values),
        notes=decoded.notes,
    )
    return [article]


def _read_header(lines: list[str]) -> tuple[_Header, int]:
    """Read the metadata block; return it and the index of the first body line."""
    header = _Header()
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    index = start
    if _is_title_line(lines, start):
        header.title_line = lines[start].strip()
        index += 1
    while index < len(lines) and _take_line(header, lines[index]):
        index += 1
        if header.body_start:
            break
    return header, index


def _is_title_line(lines: list[str], index: int) -> bool:
    """True when the line at `index` is not metadata but a metadata line follows it."""
    if index + 1 >= len(lines) or _is_metadata_line(lines[index]):
        return False
    return _is_metadata_line(lines[index + 1])


def _is_metadata_line(line: str) -> bool:
    return _take_line(_Header(), line)


def _take_line(header: _Header, line: str) -> bool:
    """Add one line to the block if it is a new header or the date line; False if not."""
    date_line = _DATE_LINE.fullmatch(line)
    if date_line and "date" not in header.values:
        header.values["date"] = date_line[1]
        header.body_start = date_line[2].strip() or None
        return True
    match = _HEADER.fullmatch(line.strip())
    if match is None:
        return False
    key = normalize_key(match[1])
    if key not in KNOWN_KEYS or key in header.values:
        return False
    header.values[key] = match[2].strip()
    return True


def _strip_blank_lines(lines: list[str]) -> str:
    """Join lines, dropping blank lines at both ends (not indentation or inner blanks)."""
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    end = next((i for i in range(len(lines), start, -1) if lines[i - 1].strip()), start)
    return "\n".join(lines[start:end])
