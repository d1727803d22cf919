"""The input files listed and stat-ed by a child process while the state loads: the same
listing and the same reading as listing here, a file changed after it was listed read
again by the next build, and a child that fails replaced by listing here.

(digest/input_listing.py, digest/input_cache.py, digest/pipeline.py's `_listing_inputs`.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import digest.input_cache
import digest.input_listing
import digest.pipeline
from digest.config import make_config
from digest.engine import digest_command
from digest.ingest import FoundFile, Outcome, read_input_file
from digest.input_cache import CachedRead, read_inputs_cached
from digest.input_listing import (
    Child,
    Listing,
    PendingListing,
    list_in_background,
    list_inputs,
    start_child,
)
from digest.pipeline import _load_state, build
from digest.state import Snapshot
from tests.conftest import SEEDS
from tests.test_incremental import EVENT_C, UNRELATED
from tests.test_incremental_cache import age


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """The seeds in two folders (one nested, one hidden), files stamped a minute ago."""
    folder = tmp_path / "inputs"
    shutil.copytree(SEEDS, folder)
    nested = folder / "more" / "deeper"
    nested.mkdir(parents=True)
    (nested / "tram.txt").write_text(UNRELATED, encoding="utf-8")
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "skipped.txt").write_text(UNRELATED, encoding="utf-8")
    for path in folder.rglob("*"):
        if path.is_file():
            age(path)
    return folder


@pytest.fixture
def trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every stamp trusted at once (the files' change times are now)."""
    monkeypatch.setattr(digest.input_cache, "RACY_SECONDS", -1.0)


def config_for(inputs: Sequence[Path], out: Path) -> Any:
    return make_config(
        list(inputs), docs_dir=out / "docs", build_site=False, state_path=out / "state.sqlite"
    )


def built_state(inputs: Sequence[Path], out: Path) -> Snapshot:
    """The state of a build of `inputs`, loaded."""
    config = config_for(inputs, out)
    build(config)
    stored = _load_state(config)
    assert stored is not None
    return stored


def same_read(first: CachedRead, second: CachedRead) -> bool:
    return (
        first.ingested == second.ingested
        and first.files == second.files
        and dict(first.hashes) == dict(second.hashes)
    )


def test_the_child_lists_what_listing_here_lists(inputs: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    paths = [inputs, inputs / EVENT_C, missing]

    listed = list_in_background(paths).result()
    here = list_inputs(paths)

    assert listed.files == here.files
    assert listed.started <= here.started
    names = [name for _, _, name, _ in listed.files]
    assert "more/deeper/tram.txt" in names
    assert not any("skipped" in name for name in names)
    assert listed.files[-1][2:] == ("missing.txt", None)  # no stamp: its reading says why


def test_a_relative_folder_is_listed_from_the_same_directory(
    inputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(inputs.parent)
    paths = [Path("inputs")]

    listed = list_in_background(paths).result()

    assert listed.files == list_inputs(paths).files
    assert listed.files[0][0].startswith("inputs/")
    assert listed.files[0][1] == str(inputs / listed.files[0][2])


def test_the_child_imports_no_reader() -> None:
    """The child imports `digest.input_listing`, not the `digest.ingest` package, whose
    readers (trafilatura, feedparser...) took 0.2 s of a busy core to import."""
    code = "import digest.input_listing; print(*sys.modules)"
    command = digest_command(code)
    assert command is not None

    imported = subprocess.run(command, capture_output=True, text=True, check=True).stdout

    assert "digest.input_listing" in imported.split()
    assert not [name for name in imported.split() if name.split(".")[:2] == ["digest", "ingest"]]


@pytest.mark.usefixtures("trusted")
def test_reading_with_the_childs_listing_is_reading_with_a_listing_here(
    inputs: Path, tmp_path: Path
) -> None:
    stored = built_state([inputs], tmp_path)
    (inputs / EVENT_C).write_text(UNRELATED.replace("tram", "ferry"), encoding="utf-8")
    age(inputs / EVENT_C)

    from_child = read_inputs_cached([inputs], stored, listing=list_in_background([inputs]).result())
    here = read_inputs_cached([inputs], stored)

    assert same_read(from_child, here)
    assert len(here.files) == len(list_inputs([inputs]).files)


@pytest.mark.usefixtures("trusted")
def test_a_file_changed_after_it_was_listed_is_read_again_by_the_next_build(
    inputs: Path, tmp_path: Path
) -> None:
    stored = built_state([inputs], tmp_path)
    changed, kept = inputs / EVENT_C, inputs / "more" / "deeper" / "tram.txt"
    changed.write_text(UNRELATED.replace("tram", "ferry"), encoding="utf-8")
    age(changed)
    listing = list_in_background([inputs]).result()
    # both change between the listing and the reading, a second apart (mtime and size)
    changed.write_text(UNRELATED.replace("tram", "bus"), encoding="utf-8")
    kept.write_text(UNRELATED.replace("tram", "boat"), encoding="utf-8")
    for path in (changed, kept):
        stamp = path.stat().st_mtime_ns - 59 * 10**9
        os.utime(path, ns=(stamp, stamp))

    read = read_inputs_cached([inputs], stored, listing=listing)

    texts = {a.id: a.text for a in read.ingested.articles}
    assert "bus" in texts[EVENT_C]  # read after the change
    assert "boat" not in texts["more/deeper/tram.txt"]  # unchanged when listed: reused
    records = {f.name: f for f in read.files}
    listed = {name: stamp for _, _, name, stamp in listing.files}
    assert records[EVENT_C].stamp == listed[EVENT_C]  # the stamp stat-ed before reading
    assert records["more/deeper/tram.txt"].stamp == listed["more/deeper/tram.txt"]
    # the next build's listing sees other stamps: both files are read again
    recorded = replace(stored, files={f.path: f for f in read.files})
    opened: list[str] = []

    def read_files(found: Sequence[FoundFile]) -> list[list[Outcome]]:
        opened.extend(f.name for f in found)
        return [read_input_file(f) for f in found]

    next_read = read_inputs_cached([inputs], recorded, read_files)
    assert sorted(opened) == [EVENT_C, "more/deeper/tram.txt"]
    texts = {a.id: a.text for a in next_read.ingested.articles}
    assert "bus" in texts[EVENT_C]
    assert "boat" in texts["more/deeper/tram.txt"]


def failing_child(script: str) -> Child:
    child = start_child([sys.executable, "-c", script])
    assert child is not None
    return child


@pytest.mark.parametrize(
    "script",
    [
        "raise SystemExit(3)",
        "import sys; sys.stdout.buffer.write(b'not a pickle')",
        "import pickle, sys; sys.stdout.buffer.write(pickle.dumps([1, 2, 3]))",
        "",
    ],
    ids=["exits-with-an-error", "writes-garbage", "writes-another-shape", "writes-nothing"],
)
def test_a_child_that_fails_is_replaced_by_listing_here(inputs: Path, script: str) -> None:
    pending = PendingListing([inputs], failing_child(script))

    listing = pending.result()

    assert isinstance(listing, Listing)
    assert listing.files == list_inputs([inputs]).files


def test_without_a_python_to_start_the_inputs_are_listed_here(
    inputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", "")
    assert list_in_background([inputs]).result().files == list_inputs([inputs]).files


def test_a_folder_the_child_cannot_read_raises_what_listing_here_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(paths: Sequence[Path]) -> Listing:
        raise PermissionError(13, "Permission denied", str(paths[0]))

    monkeypatch.setattr(digest.input_listing, "list_inputs", unreadable)
    pending = PendingListing([tmp_path], failing_child("raise SystemExit(1)"))

    with pytest.raises(PermissionError, match="Permission denied"):
        pending.result()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_an_unreadable_folder_is_refused_as_when_listing_here(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0)
    try:
        with pytest.raises(PermissionError) as here:
            list_inputs([folder])
        with pytest.raises(PermissionError) as from_child:
            list_in_background([folder]).result()
        assert str(from_child.value) == str(here.value)
    finally:
        folder.chmod(0o700)


def test_a_listing_not_taken_stops_the_child(tmp_path: Path) -> None:
    child = failing_child("import time; time.sleep(60)")
    pending = PendingListing([tmp_path], child)

    pending.discard()

    assert child[0].returncode is not None
    assert child[1].closed


def test_only_a_build_with_a_state_file_lists_in_a_child(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[PendingListing] = []
    taken: list[Listing] = []
    start, take = digest.input_listing.list_in_background, PendingListing.result

    def spy_start(paths: Sequence[Path]) -> PendingListing:
        started.append(start(paths))
        return started[-1]

    def spy_take(self: PendingListing) -> Listing:
        taken.append(take(self))
        return taken[-1]

    monkeypatch.setattr(digest.input_listing, "list_in_background", spy_start)
    monkeypatch.setattr(PendingListing, "result", spy_take)
    out = tmp_path / "out"
    build(make_config([inputs], docs_dir=out / "plain", build_site=False, state_path=None))
    build(config_for([inputs], out))  # the first build with a state: no state file yet
    assert not started

    build(config_for([inputs], out))

    assert len(started) == len(taken) == 1
    assert taken[0].files == list_inputs([inputs]).files


def test_a_failed_build_stops_its_listing(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = config_for([inputs], tmp_path)
    build(config)
    children: list[Child | None] = []
    discard = PendingListing.discard

    def spy(self: PendingListing) -> None:
        children.append(self._child)  # the child, to see it stopped
        discard(self)

    def fail(*args: Any) -> Any:
        raise RuntimeError("stop")

    monkeypatch.setattr(PendingListing, "discard", spy)
    monkeypatch.setattr(digest.pipeline, "_run_and_render", fail)

    with pytest.raises(RuntimeError, match="stop"):
        build(config)

    assert len(children) == 1
    assert children[0] is not None
    assert children[0][0].returncode is not None  # stopped and waited for


def test_a_file_changed_just_before_the_listing_is_stamped_again_when_read(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = built_state([inputs], tmp_path)
    new, old = inputs / "new.txt", inputs / EVENT_C
    new.write_text(UNRELATED.replace("tram", "ferry"), encoding="utf-8")
    listing = list_in_background([inputs]).result()
    first = read_inputs_cached([inputs], stored, None, listing)
    assert str(new) not in {f.path for f in first.files}  # changed just now: racy
    new.write_text(UNRELATED.replace("tram", "bus"), encoding="utf-8")  # again, once listed
    later = time.time_ns() + 10 * 10**9
    monkeypatch.setattr(time, "time_ns", lambda: later)  # read 10 s later

    read = read_inputs_cached([inputs], stored, None, listing)

    records = {f.path: f for f in read.files}
    status = new.stat()
    stamp = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)
    assert records[str(new)].stamp == stamp  # stamped again: recorded, with its stamp now
    assert "bus" in {a.id: a.text for a in read.ingested.articles}["new.txt"]
    listed = {name: stamp for _, _, name, stamp in listing.files}
    assert records[str(old)].stamp == listed[EVENT_C]  # not racy: the child's stamp
