"""Find the input files under the paths given, name them, and load their bytes.

A file's name is its article id (or the prefix of its records' ids): the path relative
to the folder it was found in, with `/` separators, or the bare file name for a file
given directly. Hidden files and folders (a name starting with `.`) are skipped in a
folder walk; a hidden file named directly is read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from digest.errors import InputError
from digest.model import Article


@dataclass(frozen=True, slots=True, kw_only=True)
class InputFile:
    """One input file's bytes, with the name it is known by; all a reader gets."""

    name: str
    """Path relative to the input root (`/` separators): the article id, or its prefix."""
    data: bytes


Outcome = Article | InputError
"""What a reader makes of one record: the article, or why it could not be read."""


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


class Shown(Protocol):
    """A file found, as the messages about it name it."""

    @property
    def shown(self) -> str:
        """The path as the user can open it."""
        ...


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
                path, absolute_path = _child(given, name), _child(absolute, name)
                yield ListedFile(path=path, absolute=absolute_path, name=name)
        else:
            yield ListedFile(path=given, absolute=absolute, name=root.name)


def load_input_file(found: FoundFile, *, max_bytes: int) -> InputFile:
    """Read a found file's bytes, refusing one larger than `max_bytes` before reading it.

    A file that vanished or became unreadable since it was listed is rejected like any
    other unreadable file.

    Raises:
        InputError: the file is missing, not a regular file, too large, or unreadable.
    """
    if not found.path.exists():
        raise InputError(found.name, None, "no such file or folder")
    if not found.path.is_file():
        # a FIFO or device would block or never end; it is no article
        raise InputError(found.name, None, "not a regular file")
    try:
        with found.path.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            if size > max_bytes:
                raise InputError(found.name, None, _too_large(size, max_bytes))
            data = file.read(max_bytes + 1)
    except OSError as error:
        raise InputError(found.name, None, f"cannot read file: {error.strerror}") from error
    if len(data) > max_bytes:  # grew while being read
        raise InputError(found.name, None, _too_large(len(data), max_bytes))
    return InputFile(name=found.name, data=data)


def _too_large(size: int, limit: int) -> str:
    mib = 2**20
    return f"file too large: {size / mib:,.1f} MiB (the limit for its type is {limit // mib} MiB)"


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
            yield from _walk(_child(folder, entry.name), f"{name}/", visited=visited)
        else:
            yield name


def _child(folder: str, name: str) -> str:
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
