"""Find the input files under the paths given and name them; list and stat them, here or
in a child process while the state loads.

A file's name is its article id (or the prefix of its records' ids): the path relative
to the folder it was found in, with `/` separators, or the bare file name for a file
given directly. Hidden files and folders (a name starting with `.`) are skipped in a
folder walk; a hidden file named directly is read.

A build with a state stats every input file to tell the unchanged ones from the others
(digest/input_cache.py): at 100,000 files, walking the folder and stat-ing its files
takes about a second of the build's process, and none of it needs the state. A build
with a state to load starts a child process doing it first (`list_in_background`), on
the core the loading leaves idle; `PendingListing.result` takes its listing, or lists
here when the child failed (so a folder that cannot be read raises what it raises here).
This module is all the child imports besides `digest.engine`: no reader (`digest.ingest`
imports them all, 0.2 s of a core the loading and the engine's server keep busy).

What the child lists is what was there when it listed: a file changed after it was
stat-ed, and read by this build after the change, keeps the stamp stat-ed before (its
next build sees another stamp and reads it again), and `Listing.started`, taken before
the first stat, is what a stamp is judged racy against (`input_cache`).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from digest.engine import digest_command


@dataclass(frozen=True, slots=True, kw_only=True)
class FoundFile:
    """A file found on disk, before it is read."""

    path: Path
    name: str
    """The name used in ids and in `Rejected.input`."""

    @property
    def shown(self) -> str:
        """The path as the user can open it, for log messages."""
        return self.path.as_posix()


@dataclass(frozen=True, slots=True, kw_only=True)
class ListedFile:
    """A file found on disk, in plain strings: what a build with a state lists for each
    of its input files (100,000 at a time) to stat it, with no `Path` made of each."""

    path: str
    """As `FoundFile.path` (relative when its input folder was given relative)."""
    absolute: str
    """`path` made absolute, as `Path.absolute` makes it."""
    name: str

    @property
    def shown(self) -> str:
        return Path(self.path).as_posix()

    def found(self) -> FoundFile:
        """The file as `find_input_files` yields it, to be read."""
        return FoundFile(path=Path(self.path), name=self.name)


def find_input_files(paths: Sequence[Path]) -> Iterator[FoundFile]:
    """Yield every file under `paths`: folders recursively in sorted order, files as given.

    A path that does not exist is yielded too, so that reading it is rejected with a
    reason instead of being lost.
    """
    for listed in list_input_files(paths):
        yield listed.found()


def list_input_files(paths: Sequence[Path]) -> Iterator[ListedFile]:
    """The files of `find_input_files`, in the same order, as `ListedFile`s."""
    for root in paths:
        given, absolute = str(root), str(root.absolute())
        if root.is_dir():
            for name in _walk(given, "", visited=set()):
                path, absolute_path = _joined(given, name), _joined(absolute, name)
                yield ListedFile(path=path, absolute=absolute_path, name=name)
        else:
            yield ListedFile(path=given, absolute=absolute, name=root.name)


def _walk(folder: str, prefix: str, *, visited: set[str]) -> Iterator[str]:
    """Yield the names of the files under `folder` in sorted order (`prefix` and their
    path relative to `folder`, `/` separated), skipping hidden names.

    Symbolic links to folders are followed once; `visited` stops a link cycle. One
    `os.scandir` a folder: sorting names, not `Path` objects, and no `stat` of a file
    (its entry's type says whether it is a folder) keep the walk cheap for an archive of
    100,000 files, which every build with a state walks.
    """
    real = os.path.realpath(folder)  # as `Path.resolve`
    if real in visited:
        return
    visited.add(real)
    with os.scandir(folder) as scan:
        entries = sorted((e for e in scan if not e.name.startswith(".")), key=lambda e: e.name)
    for entry in entries:
        name = prefix + entry.name
        if _is_dir(entry):
            yield from _walk(_joined(folder, entry.name), f"{name}/", visited=visited)
        else:
            yield name


def _joined(folder: str, name: str) -> str:
    """`str(Path(folder) / name)` for a normalised `folder` (`str` of a `Path`) and a
    `/`-separated relative `name`, without making the `Path`."""
    return name if folder == "." else os.path.join(folder, name)  # noqa: PTH118 no Path (above)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """Whether an entry is a folder or a link to one (as `Path.is_dir`: False when it
    cannot be told)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


Stamp = tuple[int, ...]
"""Size, modification and change times in nanoseconds, and inode (`os.stat`'s)."""
ListedRow = tuple[str, str, str, Stamp | None]
"""A file as `ListedFile` names it (path as found, absolute path, name), and its
stamp (None: it could not be stat-ed)."""


@dataclass(frozen=True, slots=True)
class Listing:
    """The input files found, in `find_input_files`'s order, each with its stamp."""

    started: int
    """`time.time_ns()` before the first file was stat-ed."""
    files: Sequence[ListedRow]


def list_inputs(paths: Sequence[Path]) -> Listing:
    """List the files under `paths` and stat each one, here.

    Raises:
        OSError: a folder cannot be read (as `list_input_files`).
    """
    started = time.time_ns()
    files = [
        # one string for both when they are equal: the child's pickle holds it once
        (f.path, f.path if f.absolute == f.path else f.absolute, f.name, stamp(f.absolute))
        for f in list_input_files(paths)
    ]
    return Listing(started=started, files=files)


def stamp(path: str) -> Stamp | None:
    """The file's stamp, or None when it cannot be stat-ed (reading it will say why)."""
    try:
        status = os.stat(path)  # noqa: PTH116 a str: no Path to build for each of 100,000 files
    except OSError:
        return None
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)


Child = tuple[subprocess.Popen[bytes], IO[bytes]]
"""A child process, and the file its standard output goes to."""


class PendingListing:
    """The listing of `paths` a child process is making (`list_in_background`).

    The child writes it into an unnamed temporary file, read when it has exited: through
    a pipe, each 64 KiB of its 9 MB would wait for the child to be scheduled again
    (0.1-0.4 s at 100,000 files, against 0.04-0.09 s).
    """

    def __init__(self, paths: Sequence[Path], child: Child | None) -> None:
        self._paths = paths
        self._child = child

    def result(self) -> Listing:
        """The child's listing, once it is made; made here if the child could not make it.

        Raises:
            OSError: a folder cannot be read (`list_inputs`).
        """
        child, self._child = self._child, None
        received = None if child is None else _received(*child)
        return received or list_inputs(self._paths)

    def discard(self) -> None:
        """Stop the child, if its listing was not taken (a failed build)."""
        child, self._child = self._child, None
        if child is not None:
            process, output = child
            process.kill()
            process.wait()
            output.close()


_LIST_INPUTS = (
    "import sys; from digest.input_listing import write_listing; write_listing(sys.argv[1:])"
)


def list_in_background(paths: Sequence[Path]) -> PendingListing:
    """`list_inputs(paths)`, made by a child process while this one goes on."""
    command = digest_command(_LIST_INPUTS, *map(str, paths))
    if command is None:
        return PendingListing(paths, None)
    return PendingListing(paths, start_child(command))


def start_child(command: Sequence[str]) -> Child | None:
    """Start `command`, its output going to a temporary file; None if it cannot start."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 closed when the output is read
    try:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.DEVNULL
        )
    except OSError:
        output.close()
        return None
    return process, output


def write_listing(paths: Sequence[str]) -> None:
    """The child's work: `list_inputs`, pickled to its standard output."""
    listing = list_inputs([Path(path) for path in paths])
    pickle.dump((listing.started, listing.files), sys.stdout.buffer, pickle.HIGHEST_PROTOCOL)


def _received(process: subprocess.Popen[bytes], output: IO[bytes]) -> Listing | None:
    """What the child wrote, or None if it failed."""
    with output:
        if process.wait() != 0:
            return None
        output.seek(0)
        data = output.read()
    try:
        started, files = pickle.loads(data)  # noqa: S301 our own child's output
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError):
        return None
    return Listing(started=started, files=files)
