"""Skip the input files that have not changed since the last build, before opening them.

A build with a state stats every input file. A file whose stamp (size, modification and
change times in nanoseconds, inode) is the one the state recorded, read by the same
reading code, yields again what it yielded then: its articles come from the state, its
rejections from the record, and the file is not opened. Any other file is read as
`digest.ingest.read_input_file` reads it. What each file yielded is then collected as
`digest.ingest.read_inputs` collects it, so the articles and rejections are the ones a
full read gives, in the same order (tested).

A file modified within `RACY_SECONDS` of the moment it was stamped is read, but not
recorded: a second change within the file system's time stamp granularity would leave
its stamp unchanged (git's "racily clean" files). Its next build reads it again.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.errors import InputError
from digest.incremental import hash_article
from digest.ingest import Outcome, collect_outcomes, read_input_file
from digest.ingest.files import Shown
from digest.input_listing import FoundFile, Listing, Stamp, list_inputs
from digest.input_listing import stamp as file_stamp
from digest.model import Article, IngestResult, ReadFile, Rejected
from digest.state import Snapshot, StoredArticle

RACY_SECONDS = 2.0  # FAT's time stamps are 2 s apart; ext4's and APFS's far finer
_INGEST = Path(__file__).resolve().parent / "ingest"


@dataclass(frozen=True, slots=True, kw_only=True)
class CachedRead:
    """The inputs read, with what the next build needs to skip them."""

    ingested: IngestResult
    files: tuple[ReadFile, ...]
    """The files whose stamp can be trusted next time, each with what it yielded."""
    hashes: Mapping[str, str]
    """Each article's content hash (`incremental.hash_article`), by id."""


def ingest_fingerprint() -> str:
    """A hash of the reading code: what a file yields is reused only for the same."""
    digest = hashlib.sha256()
    for path in sorted(_INGEST.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


FileReader = Callable[[Sequence[FoundFile]], Sequence[Sequence[Outcome]]]
"""Reads files as `read_input_file` does, each file's outcomes in the order given."""


def read_inputs_cached(
    paths: Sequence[Path],
    stored: Snapshot,
    read_files: FileReader | None = None,
    listing: Listing | None = None,
) -> CachedRead:
    """Read the input files under `paths`, reusing what `stored` says unchanged ones yield.

    A file the last build read is reused only when every article it yielded is in the
    state with the same content hash (and cleaned by the same code).

    Args:
        paths: folders and files to read, as `read_inputs` takes them.
        stored: the last build's state.
        read_files: reads the files to read, all at once (on the build's engine, say);
            by default one after the other here.
        listing: the files under `paths` and their stamps, listed before (by a child
            process while the state loaded: `input_listing`); by default listed here.
    """
    listing = list_inputs(paths) if listing is None else _restamped(listing)
    recorded, articles = stored.files, stored.articles
    reused = [
        _recorded_outcomes(recorded.get(absolute), name, stamp, articles)
        for _, absolute, name, stamp in listing.files
    ]
    to_read = [
        FoundFile(path=Path(path), name=name)
        for (path, _, name, _), kept in zip(listing.files, reused, strict=True)
        if kept is None
    ]
    fresh = iter((read_files or _read_here)(to_read))
    read: list[tuple[Shown, Sequence[Outcome]]] = []
    files: list[ReadFile] = []
    hashes: dict[str, str] = {}
    racy = _racy_after(listing.started)
    for (path, absolute, name, stamp), kept in zip(listing.files, reused, strict=True):
        if kept is None:
            outcomes: Sequence[Outcome] = next(fresh)
            yielded = _yielded(outcomes)
            record = None
        else:
            outcomes, record = kept
            yielded = record.yielded
        read.append((_Listed(path), outcomes))
        for item in yielded:  # the first article of an id is the one collected
            if not isinstance(item, Rejected):
                hashes.setdefault(*item)
        if stamp is not None and not _is_racy(stamp, racy):
            files.append(  # a file reused: the same record
                record or ReadFile(path=absolute, name=name, stamp=stamp, yielded=yielded)
            )
    # an article of each id is collected, the first: `hashes` has the same keys
    return CachedRead(ingested=collect_outcomes(read), files=tuple(files), hashes=hashes)


def _racy_after(started: int) -> int:
    """The time (ns) from which a change makes a file stamped after `started` racy."""
    return started - int(RACY_SECONDS * 1e9)


def _is_racy(stamp: Stamp, racy: int) -> bool:
    """Whether the file was modified or changed at `racy` (`_racy_after`) or later."""
    return stamp[1] >= racy or stamp[2] >= racy


def _restamped(listing: Listing) -> Listing:
    """A listing made before (while the state loaded), its racy files stamped again now.

    A file changed just before the listing would not be recorded; stamped again seconds
    later, it is, unless it changed again (what stamping it here would have done).
    """
    racy = _racy_after(listing.started)
    if not any(s is not None and _is_racy(s, racy) for _, _, _, s in listing.files):
        return listing
    started = time.time_ns()
    return Listing(
        started=started,
        files=[
            (*row[:3], file_stamp(row[1]))
            if (old := row[3]) is not None and _is_racy(old, racy)
            else row
            for row in listing.files
        ],
    )


class _Listed:
    """A file listed, as a rejection's message names it (`ingest.Shown`): one is made for
    each of 100,000 files, so a plain class (a frozen dataclass takes twice as long)."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    @property
    def shown(self) -> str:
        return Path(self.path).as_posix()


def _read_here(found_files: Sequence[FoundFile]) -> list[list[Outcome]]:
    return [read_input_file(found) for found in found_files]


def _recorded_outcomes(
    record: ReadFile | None,
    name: str,
    stamp: Stamp | None,
    articles: Mapping[str, StoredArticle],
) -> tuple[list[Outcome], ReadFile] | None:
    """What an unchanged file yielded last time, and its record; None when it must be read."""
    if record is None or record.stamp != stamp or record.name != name:  # stamp None: differs
        return None
    outcomes: list[Outcome] = []
    for item in record.yielded:
        if isinstance(item, Rejected):
            outcomes.append(InputError(item.input, item.line, item.reason))
            continue
        article_id, content = item
        stored = articles.get(article_id)
        if stored is None or stored.clean is None or stored.hash != content:
            return None
        outcomes.append(stored.clean.article)
    return outcomes, record


def _yielded(outcomes: Iterable[Outcome]) -> tuple[tuple[str, str] | Rejected, ...]:
    return tuple(
        (o.id, hash_article(o)) if isinstance(o, Article) else Rejected(o.path, o.line, o.reason)
        for o in outcomes
    )
