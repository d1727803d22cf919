"""Read articles from JSON lines (`.jsonl`, `.ndjson`) and JSON (`.json`) files.

Each record is a JSON object with `title`/`headline`, `text`/`body`/`content`,
`url`/`link`, `source`/`publisher`/`site`, `date`/`published`/`published_at`,
`language`/`lang`, `author` and `id`. A record's article id is its own `id` when it has
one, else `file:N` with N its 1-based record number; a `.json` file holding one object
is one article named like a `.txt` file. A broken record is rejected on its own, with
its line; the file's other records still count.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from digest.errors import InputError
from digest.ingest.decode import decode_text
from digest.ingest.fields import build_article, normalize_key, read_metadata
from digest.ingest.files import InputFile, Outcome
from digest.ingest.markup import html_to_text, looks_like_html
from digest.model import Article, Location

TEXT_KEYS = ("text", "body", "content")
"""Keys that hold the article text, in order of precedence (DESIGN.md, "Input")."""

LIST_KEYS = ("articles", "items")
"""Keys under which a `.json` object lists its records (news APIs' usual wrappers)."""

_JSON_WHITESPACE_AND_COMMAS = frozenset(" \t\r\n,")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Record:
    """Where one record stands in its file."""

    name: str
    number: int | None
    """1-based record number; None for a `.json` file that is one article."""
    line: int | None
    """Line the record starts on, when known."""

    @property
    def default_id(self) -> str:
        return self.name if self.number is None else f"{self.name}:{self.number}"


def read_jsonl(file: InputFile) -> list[Outcome]:
    """Read a JSON lines file: one article (or one rejection) per non-blank line.

    Raises:
        InputError: when the file cannot be decoded or is empty.
    """
    decoded = decode_text(file.data, file.name)
    outcomes: list[Outcome] = []
    for line_number, line in enumerate(decoded.text.split("\n"), start=1):
        if line.strip():
            record = _Record(name=file.name, number=len(outcomes) + 1, line=line_number)
            outcomes.append(_read_record(line, record, decoded.notes))
    return outcomes


def read_json(file: InputFile) -> list[Outcome]:
    """Read a JSON file: an array of records, `{"articles": [...]}`, or one record.

    Raises:
        InputError: when the file cannot be decoded, is empty, is not valid JSON, or
            holds no records.
    """
    decoded = decode_text(file.data, file.name)
    value = _parse_json(decoded.text, file.name, line=1)
    if isinstance(value, dict) and not any(isinstance(value.get(k), list) for k in LIST_KEYS):
        record = _Record(name=file.name, number=None, line=None)
        return [_to_outcome(value, record, decoded.notes)]
    lines: Sequence[int | None]
    if isinstance(value, list):
        records, lines = value, _element_lines(decoded.text)
    elif isinstance(value, dict):
        records = next(value[k] for k in LIST_KEYS if isinstance(value.get(k), list))
        lines = [None] * len(records)
    else:
        raise InputError(file.name, 1, f"expected a JSON object or array, not {_kind(value)}")
    if not records:
        raise InputError(file.name, None, "no articles in the JSON file")
    return [
        _to_outcome(item, _Record(name=file.name, number=number, line=line), decoded.notes)
        for number, (item, line) in enumerate(zip(records, lines, strict=True), start=1)
    ]


def _read_record(line: str, record: _Record, notes: Sequence[str]) -> Outcome:
    try:
        value = _parse_json(line, record.name, line=record.line or 1)
    except InputError as error:
        return error
    return _to_outcome(value, record, notes)


def _to_outcome(value: object, record: _Record, notes: Sequence[str]) -> Outcome:
    """The record's article, or the reason it cannot be read (naming the record if no line)."""
    try:
        return _make_article(value, record, notes)
    except InputError as error:
        if record.line is None and record.number is not None:
            return InputError(record.name, None, f"record {record.number}: {error.reason}")
        return error


def _parse_json(text: str, name: str, *, line: int) -> object:
    """Parse JSON text that starts on `line` of the file.

    Raises:
        InputError: `invalid JSON: <json's message> (column N)`, on the line of the error.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        reason = f"invalid JSON: {error.msg} (column {error.colno})"
        raise InputError(name, line + error.lineno - 1, reason) from error
    except ValueError as error:  # an integer too long to convert (CPython's 4300-digit limit)
        raise InputError(name, line, f"invalid JSON: {error}") from error
    except RecursionError as error:
        raise InputError(name, line, "invalid JSON: nested too deeply") from error


def _make_article(value: object, record: _Record, notes: Sequence[str]) -> Article:
    if not isinstance(value, dict):
        raise InputError(record.name, record.line, f"expected a JSON object, not {_kind(value)}")
    fields = {normalize_key(str(key)): field for key, field in value.items()}
    text, text_notes = _read_text_field(fields, record)
    article_id, id_notes = _read_id(fields, record)
    return build_article(
        article_id=article_id,
        origin=Location(path=record.name, line=record.line),
        text=text,
        metadata=read_metadata(value),
        notes=(*notes, *text_notes, *id_notes),
    )


def _read_text_field(fields: Mapping[str, object], record: _Record) -> tuple[str, list[str]]:
    """The record's text (HTML reduced to text, a list of paragraphs joined), with notes."""
    key = next((k for k in TEXT_KEYS if fields.get(k) is not None), None)
    if key is None:
        raise InputError(record.name, record.line, "no text field (text, body or content)")
    value = fields[key]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        value = "\n\n".join(value)
    if not isinstance(value, str):
        raise InputError(record.name, record.line, f"{key!r} field is not text")
    if looks_like_html(value):
        return html_to_text(value), [f"reduced HTML in the {key!r} field to text"]
    return value.replace("\r\n", "\n").replace("\r", "\n"), []


def _read_id(fields: Mapping[str, object], record: _Record) -> tuple[str, list[str]]:
    """The record's own `id` when it states one, else `file:N`."""
    value = fields.get("id")
    if isinstance(value, str) and value.strip():
        return value.strip(), []
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value), []
    if value is None or value == "":
        return record.default_id, []
    return record.default_id, ["ignored 'id' field that is not a string or number"]


def _element_lines(text: str) -> list[int]:
    """The line each element of a top-level JSON array starts on (`text` is valid JSON)."""
    decoder = json.JSONDecoder()
    lines: list[int] = []
    index = text.index("[") + 1
    line = text.count("\n", 0, index) + 1
    while True:
        start = index
        while text[index] in _JSON_WHITESPACE_AND_COMMAS:
            index += 1
        line += text.count("\n", start, index)
        if text[index] == "]":
            return lines
        lines.append(line)
        _, end = decoder.raw_decode(text, index)
        line += text.count("\n", index, end)
        index = end


def _kind(value: object) -> str:
    """How JSON names a value's type, for messages.

    >>> _kind([1, 2]), _kind(None), _kind(True), _kind("x")
    ('an array', 'null', 'a boolean', 'a string')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    return "an array" if isinstance(value, list) else "a string"
