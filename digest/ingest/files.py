"""An input file's bytes, loaded for its reader, and what a reader makes of them.

The files are found and named in digest/input_listing.py: outside this package, whose
`__init__` imports every reader, so that a build's listing child imports none.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

from digest.errors import InputError
from digest.input_listing import FoundFile
from digest.model import Article


@dataclass(frozen=True, slots=True, kw_only=True)
class InputFile:
    """One input file's bytes, with the name it is known by; all a reader gets."""

    name: str
    """Path relative to the input root (`/` separators): the article id, or its prefix."""
    data: bytes


Outcome = Article | InputError
"""What a reader makes of one record: the article, or why it could not be read."""


class Shown(Protocol):
    """A file found, as the messages about it name it."""

    @property
    def shown(self) -> str:
        """The path as the user can open it."""
        ...


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
