"""Stage 1, ingest: read input files into `Article` records, one reader per format.

`read_inputs` walks the inputs, picks a reader by file suffix (`READERS`), and accounts
for everything: each file, or each record of a multi-record file, ends in exactly one
of `IngestResult.articles` or `IngestResult.rejected`. Readers raise `InputError` for
bad input and nothing else; this loop catches only that, so a bug in our own code still
fails loudly instead of passing for a bad input.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from digest.errors import InputError
from digest.ingest.feed import read_feed
from digest.ingest.files import InputFile, Outcome, Shown, load_input_file
from digest.ingest.html import read_html
from digest.ingest.jsonl import read_json, read_jsonl
from digest.ingest.markdown import read_markdown
from digest.ingest.txt import read_txt
from digest.input_listing import FoundFile, find_input_files
from digest.model import Article, IngestResult, Rejected

__all__ = [
    "READERS",
    "FoundFile",
    "Outcome",
    "Reader",
    "collect_outcomes",
    "find_input_files",
    "read_input_file",
    "read_inputs",
]

LOGGER = logging.getLogger("digest.ingest")

Reader = Callable[[InputFile], list[Outcome]]
"""Reads one file's bytes into its articles, and rejections of single records.

Raises `InputError` when the whole file is unreadable."""

READERS: dict[str, Reader] = {
    ".txt": read_txt,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".jsonl": read_jsonl,
    ".ndjson": read_jsonl,
    ".json": read_json,
    ".xml": read_feed,
    ".rss": read_feed,
    ".atom": read_feed,
}
"""The reader for each file suffix (compared in lower case)."""

MAX_ARTICLE_FILE_BYTES = 16 * 2**20
"""Largest file read as one article (`.txt`, `.md`, `.html`): a long article with its
page's markup and inline scripts is a few megabytes; a bigger file is no article, and
reading it would slow every stage for nothing."""

MAX_RECORDS_FILE_BYTES = 2**30
"""Largest JSON lines, JSON or feed file: about a million articles."""

MULTI_RECORD_SUFFIXES = frozenset({".jsonl", ".ndjson", ".json", ".xml", ".rss", ".atom"})


def read_inputs(paths: Sequence[Path]) -> IngestResult:
    """Read every input file under `paths` into articles, rejecting what cannot be read.

    Folders are searched recursively in sorted order, skipping hidden files and
    folders; files are read as given. Each rejection is logged as a warning in
    `path:line: reason` form. The pipeline does the same in three steps, so that the
    files can be read in parallel: `find_input_files`, `read_input_file` on each,
    `collect_outcomes` of them all.

    Args:
        paths: folders and files to read.

    Returns:
        The articles sorted by id, and the rejections sorted by file and line (then in
        the order read). Every file, and every record of a multi-record file, is in
        exactly one of the two; a record whose id was already read is rejected as a
        duplicate.
    """
    return collect_outcomes((found, read_input_file(found)) for found in find_input_files(paths))


def collect_outcomes(read: Iterable[tuple[Shown, Sequence[Outcome]]]) -> IngestResult:
    """The articles and rejections of the files read, given in the order they were found.

    The first article read with an id is kept; a later one with the same id is rejected
    as a duplicate, so the order of `read` decides which.
    """
    articles: dict[str, Article] = {}
    rejected: list[Rejected] = []
    for found, outcomes in read:
        for outcome in outcomes:
            if isinstance(outcome, Article) and outcome.id not in articles:
                articles[outcome.id] = outcome
            elif isinstance(outcome, Article):
                rejected.append(_reject(_duplicate(outcome, articles[outcome.id]), found))
            else:
                rejected.append(_reject(outcome, found))
    return IngestResult(
        articles=tuple(articles[key] for key in sorted(articles)),
        rejected=tuple(sorted(rejected, key=lambda r: (r.input, r.line or 0))),
    )


def read_input_file(found: FoundFile) -> list[Outcome]:
    """The outcomes of one file; a whole-file error is its one outcome."""
    suffix = found.path.suffix.lower()
    reader = READERS.get(suffix)
    try:
        if reader is None:
            kind = repr(suffix) if suffix else "(no file name suffix)"
            raise InputError(found.name, None, f"unsupported file type {kind}")
        return reader(load_input_file(found, max_bytes=_size_limit(suffix)))
    except InputError as error:
        return [error]


def _size_limit(suffix: str) -> int:
    return MAX_RECORDS_FILE_BYTES if suffix in MULTI_RECORD_SUFFIXES else MAX_ARTICLE_FILE_BYTES


def _duplicate(article: Article, first: Article) -> InputError:
    reason = f"duplicate article id {article.id!r} (first read from {first.origin})"
    return InputError(article.origin.path, article.origin.line, reason)


def _reject(error: InputError, found: Shown) -> Rejected:
    """Log the rejection with the path the user can open, and record it."""
    where = f"{found.shown}:{error.line}" if error.line else found.shown
    LOGGER.warning("%s: %s", where, error.reason)
    return Rejected(input=error.path, line=error.line, reason=error.reason)
