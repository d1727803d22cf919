"""Run `digest build ARGS…` and SIGKILL it at a named point (for tests/test_faults.py).

    python -m tests.kill_at POINT build seeds --docs D --site S

The points are reached by wrapping library and digest functions from outside, so that
no fault hook lives in digest's own code. A SIGKILL cannot be caught: nothing of the
build's own cleanup runs, as when the machine loses power or the OOM killer strikes.
"""

from __future__ import annotations

import os
import pathlib
import signal
import sys
from collections.abc import Callable
from typing import Any

import mkdocs.commands.build

import digest.atomic
import digest.state
from digest.cli import main


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def kill_on_call(owner: Any, name: str, call: int, *, after: bool = False) -> None:
    """SIGKILL the process on the `call`-th call of `owner.name` (before or after it runs)."""
    original: Callable[..., Any] = getattr(owner, name)
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == call and not after:
            die()
        result = original(*args, **kwargs)
        if calls == call:
            die()
        return result

    setattr(owner, name, wrapper)


def without_exchange() -> None:
    """Force the two-rename swap, and die between its renames."""
    digest.atomic._RENAMEAT2 = None
    kill_on_call(pathlib.Path, "rename", 1, after=True)


POINTS: dict[str, Callable[[], None]] = {
    # nothing is staged yet (the docs are copied while the state loads)
    "before-staging": lambda: kill_on_call(digest.atomic, "stage_in_background", 1),
    # a few pages are in the staging docs (write_docs replaces each file by rename)
    "writing-docs": lambda: kill_on_call(pathlib.Path, "replace", 3, after=True),
    # MkDocs is half-way through the pages
    "building-site": lambda: kill_on_call(mkdocs.commands.build, "_build_page", 3),
    # the new docs are published, the new site not yet
    "between-publishes": lambda: kill_on_call(digest.atomic, "publish", 1, after=True),
    # the fallback swap moved the published docs aside and stopped there
    "mid-fallback-swap": without_exchange,
    # the build state's transaction has written the articles, not yet the events
    "writing-state": lambda: kill_on_call(digest.state, "_delete_missing", 2),
}


if __name__ == "__main__":
    POINTS[sys.argv[1]]()
    main(sys.argv[2:])
