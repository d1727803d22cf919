"""Publish output directories whole or not at all, and keep concurrent builds apart.

A build writes its docs and site into staging directories beside the real ones and
swaps each in with one `renameat2(RENAME_EXCHANGE)` call: readers of `docs/` or `site/`
see the old tree or the new one, never a mix, and a build killed at any point leaves the
published trees as they were. Staging starts as a hard-linked copy of the published
docs, so unchanged pages keep their inode, bytes and mtime (what `mkdocs serve` and
site diffs look at).

The old tree, swapped out, is moved to a trash name and deleted by a child process while
the build goes on (`OldTrees`): deleting 40,000 files takes a second the build need not
wait for. A tree left in the trash by a killed build is deleted by the next one.

Where the exchange call is missing (not Linux, or a file system without it), the swap
falls back to two renames; a kill between them leaves the old tree under a backup name,
which `recover` puts back at the start of the next build.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import logging
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from digest.engine import digest_command
from digest.errors import DigestError

log = logging.getLogger(__name__)

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_RENAMEAT2 = getattr(ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True), "renameat2", None)
"""glibc's `renameat2`, or None where the C library lacks it (macOS, musl before 1.2)."""


class OutputError(DigestError):
    """An output directory could not be written; what was published is untouched."""


def staging_path(target: Path) -> Path:
    """Where the next version of `target` is built: a hidden sibling, same file system."""
    return target.with_name(f".{target.name}.digest-staging")


def backup_path(target: Path) -> Path:
    """Where the fallback swap keeps the old `target` until the new one is in place."""
    return target.with_name(f".{target.name}.digest-old")


def _trash_prefix(target: Path) -> str:
    return f".{target.name}.digest-trash-"


def lock_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.digest-lock")


@contextmanager
def exclusive_build(docs_dir: Path) -> Iterator[None]:
    """Hold the build lock of `docs_dir` (released by the OS if the process dies).

    Raises:
        OutputError: another build holds the lock, or the lock file cannot be made.
    """
    path = lock_path(docs_dir.resolve())
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout as error:
        raise OutputError(
            f"another digest build is writing {docs_dir} (lock {path}); "
            "run again when it has finished"
        ) from error
    except OSError as error:
        raise OutputError(
            f"cannot create the build lock {path}: {error.strerror}; nothing was written"
        ) from error
    try:
        yield
    finally:
        lock.release()


def recover(target: Path) -> None:
    """Undo what a killed build left: a half-swapped target, a stale staging dir."""
    backup = backup_path(target)
    if backup.is_dir() and not target.exists():
        log.warning("restoring %s from an interrupted build", target)
        backup.rename(target)
    for leftover in (backup, staging_path(target)):
        if leftover.exists():
            shutil.rmtree(leftover)
    if target.parent.is_dir():
        prefix = _trash_prefix(target)
        for trash in sorted(target.parent.iterdir()):
            if trash.name.startswith(prefix):
                _remove_tree(trash)


def _remove_tree(tree: Path) -> None:
    """Delete `tree`, which a killed build's child may be deleting too: what is gone is
    gone, and what cannot be deleted raises (from a second try, which says why)."""
    shutil.rmtree(tree, ignore_errors=True)
    if tree.exists():
        shutil.rmtree(tree)


def start_staging(target: Path, *, copy_current: bool) -> Path:
    """Create an empty staging dir for `target`, or one holding `target`'s files.

    The copy is made of hard links, so it costs no data and unchanged files keep their
    inode and mtime; writers must replace a staged file (write elsewhere, then rename),
    never write into it, or they would change the published file too.
    """
    recover(target)
    staging = staging_path(target)
    try:
        if copy_current and target.is_dir():
            copy_tree(str(target), str(staging))
        else:
            staging.mkdir(parents=True)
    except OSError as error:
        discard(staging)
        raise output_error(target, error) from error
    return staging


class Staging:
    """A staging dir for `target` holding its files, copied by a child process while
    this one goes on (loading the build state): `stage_in_background`."""

    def __init__(self, target: Path, process: subprocess.Popen[bytes] | None) -> None:
        self._target = target
        self._process = process

    def path(self) -> Path:
        """The staging dir, once the copy is made (here, if the child could not make it:
        `start_staging`, with its errors).

        Raises:
            OutputError: the copy cannot be made (disk full, read-only).
        """
        process, self._process = self._process, None
        if process is not None and process.wait() == 0:
            return staging_path(self._target)
        return start_staging(self._target, copy_current=True)

    def discard(self) -> None:
        """Stop the copy, and remove the staging dir (a failed build)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
        discard(staging_path(self._target))


_COPY_TREE = "import sys; from digest.atomic import copy_tree; copy_tree(*sys.argv[1:3])"


def stage_in_background(target: Path) -> Staging:
    """`start_staging(target, copy_current=True)`, the copy made by a child process (a
    hard link for each of 40,000 files takes a second at 100,000 articles)."""
    recover(target)
    command = digest_command(_COPY_TREE, str(target), str(staging_path(target)))
    if command is None or not target.is_dir():
        return Staging(target, None)
    try:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    except OSError:
        process = None
    return Staging(target, process)


def copy_tree(source: str, destination: str) -> None:
    """A copy of the tree at `source`, made of hard links (copies where a link fails)."""
    shutil.copytree(source, destination, symlinks=True, copy_function=_link_or_copy)


def publish(staging: Path, target: Path, old_trees: OldTrees) -> None:
    """Put the staged tree in place of `target` in one step; the old tree goes to
    `old_trees`, to be deleted while the build goes on."""
    try:
        if target.exists():
            _exchange(staging, target)  # `staging` holds the old tree now
            trash = target.with_name(_trash_prefix(target) + secrets.token_hex(8))
            staging.rename(trash)
            old_trees.remove(trash)
        else:
            staging.rename(target)
    except OSError as error:
        raise output_error(target, error) from error


class OldTrees:
    """Old trees being deleted, each by a child process, while the build goes on.

    `wait` for them before the build ends (`removing_old_trees`). Where no child can be
    started, or one fails, the tree is deleted here; a tree that cannot be deleted is
    left with a warning, for the next build's `recover`.
    """

    def __init__(self) -> None:
        self._removing: list[tuple[Path, subprocess.Popen[bytes] | None]] = []

    def remove(self, tree: Path) -> None:
        self._removing.append((tree, _start_removal(tree)))

    def wait(self) -> None:
        removing, self._removing = self._removing, []
        for tree, process in removing:
            if process is None or process.wait() != 0 or tree.exists():
                try:
                    _remove_tree(tree)
                except OSError as error:
                    log.warning("cannot delete %s (%s): the next build will", tree, error)


_REMOVE_TREE = "import shutil, sys; shutil.rmtree(sys.argv[1])"


def _start_removal(tree: Path) -> subprocess.Popen[bytes] | None:
    if not sys.executable:
        return None
    command = [sys.executable, "-I", "-S", "-c", _REMOVE_TREE, str(tree)]
    try:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return None


@contextmanager
def removing_old_trees() -> Iterator[OldTrees]:
    """An `OldTrees`, waited for when the block ends (however it ends)."""
    old_trees = OldTrees()
    try:
        yield old_trees
    finally:
        old_trees.wait()


def discard(staging: Path) -> None:
    """Remove a staging dir after a failed build (best effort: never hides the failure)."""
    shutil.rmtree(staging, ignore_errors=True)


def _exchange(staging: Path, target: Path) -> None:
    """Swap two directories atomically (both paths stay valid throughout)."""
    if _RENAMEAT2 is not None:
        paths = (os.fsencode(staging), os.fsencode(target))
        if _RENAMEAT2(_AT_FDCWD, paths[0], _AT_FDCWD, paths[1], _RENAME_EXCHANGE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), str(target))
    _swap_by_renames(staging, target)


def _swap_by_renames(staging: Path, target: Path) -> None:
    """Two renames; a kill between them is mended by `recover`. Leaves the old tree at
    `staging`, as the exchange does."""
    backup = backup_path(target)
    target.rename(backup)
    staging.rename(target)
    backup.rename(staging)


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def output_error(target: Path, error: OSError) -> OutputError:
    """Say which output could not be written, why, and that nothing published changed."""
    reason = error.strerror or str(error)
    return OutputError(f"cannot write {target}: {reason}; the published {target} is untouched")
