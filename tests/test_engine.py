"""The engines of the parallel stages: results in the order of the input whatever the
engine and the number of workers, and byte-identical builds on one worker, two, and a
Dask cluster."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest import pipeline
from digest.clean import clean
from digest.cli import main
from digest.cluster import count_segment
from digest.config import make_config
from digest.engine import DaskEngine, LocalEngine, open_engine
from digest.errors import ConfigError, DigestError
from digest.ingest import read_inputs
from digest.pipeline import read_articles
from digest.segment import split_segments
from scripts.bench import read_originals, write_corpus
from tests.conftest import DATA, SEEDS
from tests.test_faults import tree

GENERATED_ARTICLES = 300


def _square_slowly(number: int) -> int:
    """The first items take longest, so that they finish last."""
    time.sleep(max(0, 5 - number) * 0.02)
    return number * number


def _process_id(_: int) -> int:
    return os.getpid()


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("chunksize", [1, 3])
def test_local_engine_returns_results_in_the_order_of_the_items(
    workers: int, chunksize: int
) -> None:
    engine = LocalEngine(workers)
    try:
        assert engine.map(_square_slowly, range(12), chunksize=chunksize) == [
            n * n for n in range(12)
        ]
        assert engine.map(_square_slowly, [], chunksize=chunksize) == []
        results = engine.imap(_square_slowly, range(12), chunksize=chunksize)
        assert next(results) == 0  # one result, before the others are asked for
        assert list(results) == [n * n for n in range(1, 12)]
    finally:
        engine.close()


def test_one_worker_or_one_chunk_runs_in_this_process() -> None:
    engine = LocalEngine(2)
    try:
        assert set(LocalEngine(1).map(_process_id, range(10), chunksize=1)) == {os.getpid()}
        assert set(engine.map(_process_id, range(10), chunksize=10)) == {os.getpid()}
        assert os.getpid() not in engine.map(_process_id, range(10), chunksize=1)
    finally:
        engine.close()


STATE = "as imported"
"""Changed by a test in this process: a worker forked from it would see the change."""


def _state_seen(_: int) -> str:
    return STATE


def test_workers_do_not_share_the_builds_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers come from a server that imported digest, not from this process: what
    this process holds (a loaded state) is not theirs to copy page by page."""
    monkeypatch.setattr(sys.modules[__name__], "STATE", "changed here")
    engine = LocalEngine(2)
    try:
        assert set(engine.map(_state_seen, range(4), chunksize=1)) == {"as imported"}
    finally:
        engine.close()


def test_workers_started_early_run_the_maps() -> None:
    engine = LocalEngine(2)
    try:
        engine.start()
        engine.start()  # once is enough
        assert engine.map(_square_slowly, range(6), chunksize=1) == [n * n for n in range(6)]
        assert os.getpid() not in engine.map(_process_id, range(4), chunksize=1)
    finally:
        engine.close()
    LocalEngine(2).close()  # never started: nothing to stop
    started = LocalEngine(2)
    started.start()
    started.close()  # started, never used


def test_workers_that_fail_to_start_early_start_at_the_first_map(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = LocalEngine(2)
    make_pool = engine._new_pool
    calls = []

    def fail_once() -> object:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("no more processes")
        return make_pool()

    monkeypatch.setattr(engine, "_new_pool", fail_once)
    try:
        engine.start()
        assert engine.map(_square_slowly, range(4), chunksize=1) == [0, 1, 4, 9]
    finally:
        engine.close()
    assert len(calls) == 2


def _stop_abruptly(_: int) -> int:
    os._exit(1)  # as the OOM killer would


def test_a_worker_that_dies_is_one_clear_error() -> None:
    engine = LocalEngine(2)
    try:
        with pytest.raises(DigestError, match="worker process stopped abruptly"):
            engine.map(_stop_abruptly, range(4), chunksize=1)
    finally:
        engine.close()


def test_reading_on_two_workers_gives_what_read_inputs_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rejections (duplicates across and within files, bad files) and articles are the
    same, in the same order, as read in this process; the first of two same ids wins."""
    for folder, text in (("a", "Rain in Oslo\n\nIt rained."), ("b", "Snow in Rome\n\nIt snowed.")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "same.txt").write_text(text, encoding="utf-8")
    (tmp_path / "a" / "twice.jsonl").write_text(
        '{"id": "x", "text": "First."}\n{"id": "x", "text": "Second."}\n', encoding="utf-8"
    )
    inputs = [tmp_path / "a", tmp_path / "b", DATA / "bad", SEEDS]
    monkeypatch.setattr(pipeline, "FILES_PER_TASK", 1)  # one task per file: the pool is used
    engine = LocalEngine(2)
    try:
        read = read_articles(inputs, engine)
    finally:
        engine.close()
    expected = read_inputs(inputs)
    assert read.ingested == expected
    assert read.cleaned == tuple(clean(article) for article in expected.articles)
    assert read.segments == tuple(s for c in read.cleaned for s in split_segments(c))
    assert read.counts == {s.id: count_segment(s) for s in read.segments}  # the kept file's
    same = next(c for c in read.cleaned if c.id == "same.txt")
    assert "rained" in same.text
    assert any("duplicate article id 'x'" in r.reason for r in read.ingested.rejected)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The seeds, a few bad inputs, and a few hundred articles made from the seeds by
    `scripts/bench.py` (republished, reworded, respelled into new events)."""
    folder = tmp_path_factory.mktemp("generated")
    write_corpus(read_originals(SEEDS), GENERATED_ARTICLES, 7, folder)
    return [SEEDS, DATA / "bad", folder]


def _build_with_cli(inputs: list[Path], docs: Path, *options: str) -> None:
    arguments = ["build", *map(str, inputs), "--docs", str(docs), "--no-site", *options]
    result = CliRunner().invoke(main, arguments, catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def one_worker(corpus: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    docs = tmp_path_factory.mktemp("one-worker") / "docs"
    _build_with_cli(corpus, docs, "--workers", "1")
    return docs


def test_two_workers_write_the_same_bytes_as_one(
    corpus: list[Path], one_worker: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "FILES_PER_TASK", 16)  # several tasks even for 300 files
    _build_with_cli(corpus, tmp_path / "docs", "--workers", "2")
    events = json.loads((one_worker / "events.json").read_text(encoding="utf-8"))
    assert len(events["events"]) > 40
    assert len(events["rejected"]) >= 5
    assert tree(tmp_path / "docs") == tree(one_worker)


def test_dask_engine_writes_the_same_bytes_as_the_local_engine(
    corpus: list[Path], one_worker: Path, tmp_path: Path
) -> None:
    """A `LocalCluster` of two worker processes (processes=True: they start in about
    3 s here), used through its scheduler's address as a remote cluster would be."""
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        address = cluster.scheduler_address
        _build_with_cli(corpus, tmp_path / "docs", "--engine", "dask", "--scheduler", address)
    assert tree(tmp_path / "docs") == tree(one_worker)


def test_dask_engine_returns_results_in_the_order_of_the_items() -> None:
    pytest.importorskip("dask.distributed")
    engine = DaskEngine(workers=1)  # a LocalCluster of its own
    try:
        assert engine.map(abs, list(range(-7, 7)), chunksize=3) == [abs(n) for n in range(-7, 7)]
        assert engine.map(abs, [], chunksize=3) == []
        assert list(engine.imap(abs, list(range(-7, 7)), chunksize=3)) == [
            abs(n) for n in range(-7, 7)
        ]
    finally:
        engine.close()


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"workers": 0}, "workers must be at least 1"),
        ({"engine": "spark"}, "unknown engine 'spark'"),
        ({"scheduler": "tcp://127.0.0.1:8786"}, "needs the dask engine"),
        (
            {"engine": "dask", "scheduler": "tcp://127.0.0.1:8786", "workers": 2},
            "has its own workers",
        ),
    ],
)
def test_engine_options_are_checked(options: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        make_config([SEEDS], **options)


def test_cli_refuses_a_scheduler_for_the_local_engine() -> None:
    result = CliRunner().invoke(main, ["build", str(SEEDS), "--scheduler", "tcp://h:8786"])
    assert result.exit_code != 0
    assert "needs the dask engine" in result.output


def test_a_missing_dask_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    config = make_config([SEEDS], engine="dask")
    with pytest.raises(DigestError, match=r"digest\[dask\]"), open_engine(config):
        pass
