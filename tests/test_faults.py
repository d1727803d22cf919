"""Faults: a build killed at any point, two builds at once, a full or read-only disk.

The published docs and site are replaced only when a build has fully succeeded
(digest/atomic.py); these tests kill real `digest build` processes with SIGKILL at named
points (tests/kill_at.py) and check what a reader of the output dirs would see.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest import atomic
from digest.atomic import OutputError, exclusive_build
from digest.cli import main
from digest.config import make_config
from digest.pipeline import build
from tests.conftest import ROOT, SEEDS

NEW_ARTICLE = """Aid convoy reaches Idlib after weeks of delay
Source: Example Wire
Date: 2020-01-18

A United Nations aid convoy of 40 trucks reached Idlib province on Saturday, officials
said, after weeks of delay caused by the fighting.
"""


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` by relative path, with a digest of its bytes."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def run_build(inputs: Path, out: Path, *, kill_at: str | None = None) -> int:
    """Run `digest build` in a new process (killed at `kill_at`); its exit status."""
    args = ["build", str(inputs), "--docs", str(out / "docs"), "--site", str(out / "site")]
    command = [sys.executable, "-m", "tests.kill_at", kill_at, *args] if kill_at else [
        sys.executable, "-m", "digest", *args
    ]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, capture_output=True, check=False).returncode


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The seeds, and the seeds with one more article (a build that changes pages)."""
    root = tmp_path_factory.mktemp("inputs")
    old, new = root / "old", root / "new"
    shutil.copytree(SEEDS, old)
    shutil.copytree(SEEDS, new)
    (new / "convoy.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    return old, new


@pytest.fixture(scope="module")
def built(inputs: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Output folders of an undisturbed build of the old and of the new inputs."""
    outputs = {}
    for name, folder in zip(("old", "new"), inputs, strict=True):
        outputs[name] = tmp_path_factory.mktemp(name)
        assert run_build(folder, outputs[name]) == 0
    return outputs


@pytest.fixture(scope="module")
def expected(built: dict[str, Path]) -> dict[str, dict[str, dict[str, str]]]:
    """The docs and site trees of the undisturbed builds."""
    return {
        name: {"docs": tree(out / "docs"), "site": tree(out / "site")}
        for name, out in built.items()
    }


def publish_old_build(built: dict[str, Path], out: Path) -> None:
    """Start `out` as a finished build of the old inputs left it (faster than a build)."""
    for name in ("docs", "site"):
        shutil.copytree(built["old"] / name, out / name)


@pytest.mark.parametrize(
    ("point", "docs_after_kill"),
    [
        ("before-staging", "old"),
        ("writing-docs", "old"),
        ("building-site", "old"),
        ("between-publishes", "new"),
        ("mid-fallback-swap", None),  # the old docs wait under a backup name
    ],
)
def test_a_killed_build_leaves_the_published_site_whole_and_the_next_build_right(
    point: str,
    docs_after_kill: str | None,
    inputs: tuple[Path, Path],
    built: dict[str, Path],
    expected: dict[str, dict[str, dict[str, str]]],
    tmp_path: Path,
) -> None:
    new = inputs[1]
    publish_old_build(built, tmp_path)

    assert run_build(new, tmp_path, kill_at=point) == -9

    assert tree(tmp_path / "site") == expected["old"]["site"]
    if docs_after_kill:
        assert tree(tmp_path / "docs") == expected[docs_after_kill]["docs"]
    else:
        assert tree(atomic.backup_path(tmp_path / "docs")) == expected["old"]["docs"]
    assert run_build(new, tmp_path) == 0
    assert tree(tmp_path / "docs") == expected["new"]["docs"]
    assert tree(tmp_path / "site") == expected["new"]["site"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".digest",  # the build state (digest/state.py)
        ".docs.digest-lock",
        "docs",
        "site",
    ]


def test_unchanged_pages_keep_their_file_across_builds(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    old, new = inputs
    assert run_build(old, tmp_path) == 0
    about = tmp_path / "docs" / "about" / "index.md"
    before = about.stat()
    assert run_build(new, tmp_path) == 0
    after = about.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_second_build_of_the_same_docs_is_refused_with_a_clear_message(
    tmp_path: Path,
) -> None:
    docs = tmp_path / "docs"
    with exclusive_build(docs):
        args = ["build", str(SEEDS), "--docs", str(docs), "--site", str(tmp_path / "site")]
        result = subprocess.run(
            [sys.executable, "-m", "digest", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    assert result.returncode == 1
    assert "another digest build is writing" in result.stderr
    assert not docs.exists()


def test_two_builds_started_at_once_leave_one_correct_site(
    inputs: tuple[Path, Path],
    expected: dict[str, dict[str, dict[str, str]]],
    tmp_path: Path,
) -> None:
    _, new = inputs
    args = ["build", str(new), "--docs", str(tmp_path / "docs"), "--site", str(tmp_path / "site")]
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "digest", *args],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outcomes = [(run.wait(), run.stderr.read() if run.stderr else b"") for run in runs]
    assert 0 in [code for code, _ in outcomes]
    for code, stderr in outcomes:
        assert code == 0 or b"another digest build is writing" in stderr
    assert tree(tmp_path / "docs") == expected["new"]["docs"]
    assert tree(tmp_path / "site") == expected["new"]["site"]


@pytest.mark.parametrize(
    ("failing", "code"),
    [("open", errno.ENOSPC), ("mkdir", errno.EROFS)],
)
def test_a_full_or_read_only_disk_is_a_clear_error_and_the_site_stays(
    failing: str,
    code: int,
    inputs: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outputs = {"docs_dir": tmp_path / "docs", "site_dir": tmp_path / "site"}
    build(make_config([inputs[0]], **outputs))
    published = {"docs": tree(tmp_path / "docs"), "site": tree(tmp_path / "site")}
    original = getattr(Path, failing)

    def fail_in_staging(self: Path, *args: object, **kwargs: object) -> object:
        mode = str(args[0] if args else kwargs.get("mode", "r"))
        if ".digest-staging" in str(self) and (failing != "open" or "w" in mode):
            raise OSError(code, os.strerror(code), str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, failing, fail_in_staging)
    with pytest.raises(OutputError, match=os.strerror(code)) as raised:
        build(make_config([inputs[1]], **outputs))

    assert "is untouched" in str(raised.value)
    assert {"docs": tree(tmp_path / "docs"), "site": tree(tmp_path / "site")} == published
    assert sorted(p.name for p in tmp_path.iterdir()) == [".docs.digest-lock", "docs", "site"]


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make `folder` refuse new entries, even to root (who ignores permission bits)."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("chattr is needed to make a folder read-only for root")
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)


def test_a_read_only_output_folder_is_one_clear_line_and_the_site_stays(
    inputs: tuple[Path, Path], built: dict[str, Path], tmp_path: Path
) -> None:
    new = inputs[1]
    publish_old_build(built, tmp_path)
    published = {"docs": tree(tmp_path / "docs"), "site": tree(tmp_path / "site")}
    args = ["build", str(new), "--docs", str(tmp_path / "docs"), "--site", str(tmp_path / "site")]

    with read_only(tmp_path):
        result = CliRunner().invoke(main, args)

    assert result.exit_code == 1
    assert result.output.startswith(f"Error: cannot create the build lock {tmp_path}")
    assert "nothing was written" in result.output
    assert {"docs": tree(tmp_path / "docs"), "site": tree(tmp_path / "site")} == published


@pytest.mark.parametrize("child", [True, False])
def test_the_old_tree_is_deleted_while_the_build_goes_on_and_before_it_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, child: bool
) -> None:
    """Swapped out, the old tree waits under a trash name, deleted by a child process (or
    here when none can be started), and is gone once the build waits for it."""
    if not child:
        monkeypatch.setattr(sys, "executable", "")
    target, staging = tmp_path / "docs", atomic.staging_path(tmp_path / "docs")
    for folder, text in ((target, "old"), (staging, "new")):
        (folder / "sub").mkdir(parents=True)
        (folder / "sub" / "page.md").write_text(text)
    with atomic.removing_old_trees() as old_trees:
        atomic.publish(staging, target, old_trees)
        assert (target / "sub" / "page.md").read_text() == "new"
        [trash] = [p for p in tmp_path.iterdir() if p.name != "docs"]
        assert trash.name.startswith(".docs.digest-trash-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs"]


def test_a_trash_tree_left_by_a_killed_build_is_deleted_by_the_next(tmp_path: Path) -> None:
    target = tmp_path / "docs"
    target.mkdir()
    for name in (".docs.digest-trash-0123", ".docs.digest-trash-4567/sub"):
        (tmp_path / name).mkdir(parents=True)
        (tmp_path / name / "page.md").write_text("old")
    (tmp_path / ".other.digest-trash-89ab").mkdir()  # another output's: left alone
    atomic.recover(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.digest-trash-89ab", "docs"]


@pytest.mark.parametrize("child", [True, False])
def test_the_docs_are_staged_by_a_child_as_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, child: bool
) -> None:
    """The staging copy made while the state loads (by a child process, or here when
    none can be started) links every file; a failed build removes it."""
    if not child:
        monkeypatch.setattr(sys, "executable", "")
    target = tmp_path / "docs"
    (target / "sub").mkdir(parents=True)
    (target / "sub" / "page.md").write_text("page")
    (target / "index.md").write_text("index")
    staging = atomic.stage_in_background(target).path()
    assert staging == atomic.staging_path(target)
    assert tree(staging) == tree(target)
    for name in ("index.md", "sub/page.md"):
        assert (staging / name).stat().st_ino == (target / name).stat().st_ino
    atomic.stage_in_background(target).discard()  # a new build: the leftover is recovered
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs"]
