"""Reproducible output: the same input gives the same bytes in docs/ and site/, whatever
the order the files are given in, the hash seed, or the day of the build."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS
from tests.test_faults import tree


def build(inputs: list[Path], out: Path, **environment: str) -> None:
    """`digest build` in a fresh process, from `out` as working directory."""
    args = [*map(str, inputs), "--docs", str(out / "docs"), "--site", str(out / "site")]
    env = {**os.environ, "PYTHONPATH": str(ROOT), **environment}
    subprocess.run([sys.executable, "-m", "digest", "build", *args], cwd=out, env=env, check=True)


def gzip_time(path: Path) -> int:
    """The modification time a gzip file's header records (RFC 1952, bytes 4-7)."""
    return int(struct.unpack("<I", path.read_bytes()[4:8])[0])


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reference")
    build([SEEDS], out, PYTHONHASHSEED="1")
    return out


def test_file_order_and_hash_seed_change_no_byte(reference: Path, tmp_path: Path) -> None:
    shuffled = tmp_path / "inputs"
    shuffled.mkdir()
    files = sorted(SEEDS.iterdir(), reverse=True)
    for path in files:  # created in reverse order: a different directory order on disk
        shutil.copy(path, shuffled / path.name)

    build([shuffled / path.name for path in files], tmp_path, PYTHONHASHSEED="2")

    assert tree(tmp_path / "docs") == tree(reference / "docs")
    assert tree(tmp_path / "site") == tree(reference / "site")


def test_the_site_is_stamped_with_the_newest_event_date_not_the_build_day(
    reference: Path,
) -> None:
    events = json.loads((reference / "docs" / "events.json").read_text(encoding="utf-8"))
    newest = max(date.fromisoformat(e["date"]) for e in events["events"] if e["date"])
    midnight = datetime(newest.year, newest.month, newest.day, tzinfo=UTC)
    assert gzip_time(reference / "site" / "sitemap.xml.gz") == int(midnight.timestamp())


def test_source_date_epoch_set_by_the_user_wins(tmp_path: Path) -> None:
    build([SEEDS], tmp_path, SOURCE_DATE_EPOCH="86400")
    assert gzip_time(tmp_path / "site" / "sitemap.xml.gz") == 86400
