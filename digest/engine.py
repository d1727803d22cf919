"""Where the heavy, parallel stages run: in this process, on the local cores, or on Dask.

The pipeline hands an engine a function and a list of items (input files, events) and
gets the results back **in the order of the items**, never in the order they finished,
so the output is byte-identical whatever the engine and the number of workers. The
function must be a module-level function (it is pickled by reference) and its items
and results picklable. Chunks of `chunksize` items travel together, so that the cost of
pickling and scheduling stays small next to the work.

- `LocalEngine(workers)`: a process pool over the local cores (`concurrent.futures`),
  its workers forked from a fresh server process that has imported digest
  (`POOL_START_METHOD`), not from the build's own process. With one worker, or when
  everything fits in one chunk, it runs in this process with no pool: a small build
  pays no process start-up.
- `DaskEngine(scheduler)`: the chunks are tasks on a `dask.distributed` cluster, the
  one at `scheduler` or a `LocalCluster` started for the build. Dask is imported only
  here, from the optional `dask` extra.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import partial
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from digest.errors import DigestError

if TYPE_CHECKING:
    from digest.config import BuildConfig

log = logging.getLogger("digest")

T = TypeVar("T")
R = TypeVar("R")

EngineName = Literal["local", "dask"]
ENGINES: tuple[EngineName, ...] = ("local", "dask")
DASK_EXTRA_HINT = "pip install 'digest[dask]'"


class Engine(Protocol):
    """Runs one function over many items, with the results in the order of the items."""

    def map(self, fn: Callable[[T], R], items: Sequence[T], *, chunksize: int = 1) -> list[R]:
        """`[fn(item) for item in items]`, computed `chunksize` items to a task."""
        ...

    def imap(self, fn: Callable[[T], R], items: Sequence[T], *, chunksize: int = 1) -> Iterator[R]:
        """`map`'s results one by one, in the order of the items, each as soon as it and
        those before it are ready: the caller can use and drop each before the last."""
        ...

    def close(self) -> None:
        """Stop the workers this engine started (a pool, a `LocalCluster`)."""
        ...


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def digest_command(code: str, *args: str) -> list[str] | None:
    """The command that runs `code` (Python that imports digest) with `args` in a child
    interpreter like this one, isolated from the user's environment (`-I`, digest found
    beside this module); None where there is no interpreter to start (embedded Python)."""
    if not sys.executable:
        return None
    package_root = str(Path(__file__).resolve().parents[1])
    return [
        sys.executable,
        "-I",
        "-c",
        f"import sys; sys.path.insert(0, {package_root!r}); {code}",
        *args,
    ]


def local_threads(config: BuildConfig) -> int:
    """Threads for the work this process does itself (the grouping's arrays): one per
    worker of `config` (`--workers`), else one per available core."""
    return config.workers or available_cores()


@contextmanager
def open_engine(config: BuildConfig, *, start: bool = False) -> Iterator[Engine]:
    """The engine `config` asks for, closed (its workers stopped) when the block ends;
    with `start`, a local engine starts its workers at once, in the background
    (`LocalEngine.start`), instead of at its first map.

    Raises:
        DigestError: the Dask engine was asked for but Dask is not installed, or its
            scheduler cannot be reached.
    """
    engine: Engine
    if config.engine == "dask":
        engine = DaskEngine(config.scheduler, workers=config.workers)
    else:
        engine = LocalEngine(config.workers)
        if start:
            engine.start()
    try:
        yield engine
    finally:
        engine.close()


POOL_START_METHOD = "forkserver"
"""How the local pool starts its workers, where the platform has it (else Python's
default): forked from a server process that imported `POOL_PRELOAD`, not from the
build's own process. A worker forked from a build that has loaded its state (a million
objects at 100,000 articles) shares those pages copy-on-write, and every reference
count the build then changes copies a page: 214,000 page faults more in a build adding
100 articles to that state, a second of system time (Python 3.14 makes it the default
on Linux for such reasons)."""
POOL_PRELOAD = ("digest.pipeline", "digest.render")
"""Imported once by the server, so that each worker starts with the stages' modules."""


class LocalEngine:
    """A pool of `workers` processes, started at the first map that needs more than one
    chunk (or by `start`) and kept for the next ones until `close`."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or available_cores()
        self._pool: ProcessPoolExecutor | None = None
        self._starting: threading.Thread | None = None

    def start(self) -> None:
        """Start the workers now, in a thread of this process: the server imports digest
        and forks them while this process goes on (a build with a state starts them
        before loading it). Without it, the first map waits for them."""
        if self.workers > 1 and self._pool is None and self._starting is None:
            self._starting = threading.Thread(target=self._start_workers, daemon=True)
            self._starting.start()

    def _start_workers(self) -> None:
        try:
            pool = self._new_pool()
            for _ in range(self.workers):  # a worker is forked for each task waiting
                pool.submit(os.getpid)
        except Exception:  # the first map starts them again, and says why not
            log.debug("the workers did not start in the background", exc_info=True)
            return
        self._pool = pool

    def _new_pool(self) -> ProcessPoolExecutor:
        if POOL_START_METHOD not in multiprocessing.get_all_start_methods():
            return ProcessPoolExecutor(self.workers)
        context = multiprocessing.get_context(POOL_START_METHOD)
        context.set_forkserver_preload(list(POOL_PRELOAD))
        return ProcessPoolExecutor(self.workers, mp_context=context)

    def map(self, fn: Callable[[T], R], items: Sequence[T], *, chunksize: int = 1) -> list[R]:
        return list(self.imap(fn, items, chunksize=chunksize))

    def imap(self, fn: Callable[[T], R], items: Sequence[T], *, chunksize: int = 1) -> Iterator[R]:
        if self.workers == 1 or len(items) <= chunksize:
            yield from (fn(item) for item in items)
            return
        pool = self._started_pool()
        try:
            # Executor.map yields the results in the order of the items
            yield from pool.map(fn, items, chunksize=chunksize)
        except BrokenProcessPool as error:
            raise DigestError(
                "a worker process stopped abruptly (killed, or out of memory?); "
                "fewer --workers need less memory"
            ) from error

    def _started_pool(self) -> ProcessPoolExecutor:
        self._wait_for_start()
        if self._pool is None:
            self._pool = self._new_pool()
        return self._pool

    def _wait_for_start(self) -> None:
        """Wait for `start`'s thread, if any: the pool is then made (or failed to be)."""
        if self._starting is not None:
            self._starting.join()
            self._starting = None

    def close(self) -> None:
        self._wait_for_start()
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


class DaskEngine:
    """Chunks of items as tasks on a `dask.distributed` cluster.

    Args:
        scheduler: the address of a running scheduler (`tcp://host:8786`); None starts a
            `LocalCluster` of `workers` single-threaded processes for this engine.
        workers: the size of that `LocalCluster` (default: the available cores).

    Raises:
        DigestError: Dask is not installed, or the scheduler cannot be reached.
    """

    def __init__(self, scheduler: str | None = None, *, workers: int | None = None) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as error:
            raise DigestError(
                f"the Dask engine needs dask.distributed, from the `dask` extra: {DASK_EXTRA_HINT}"
            ) from error
        # importing dask.distributed sets its loggers to INFO (a line per worker started or
        # stopped): make them follow the level the application gave digest's own logs
        logging.getLogger("distributed").setLevel(logging.getLogger("digest").getEffectiveLevel())
        self._cluster: Any = None
        self._client: Any = None
        if scheduler is None:
            self._cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers or available_cores(),
                threads_per_worker=1,  # the stages are pure Python: threads would share the GIL
                processes=True,
                dashboard_address=":0",  # any free port: builds at once do not fight over 8787
            )
        try:
            self._client = Client(scheduler or self._cluster)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as error:  # ValueError: a malformed address
            self.close()
            raise DigestError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from error

    def map(self, fn: Callable[[T], R], items: Sequence[T], *, chunksize: int = 1) -> list[R]:
        futures = self._submit(fn, items, chunksize)
        if not futures:
            return []
        try:
            results: list[list[R]] = self._client.gather(futures)  # in the order of `futures`
        except CancelledError as error:
            raise _lost_worker(error) from error
        return list(chain.from_iterable(results))

    def imap(self, fn: Callable[[T], R], items: Sequence[T], *, chunksize: int = 1) -> Iterator[R]:
        futures = self._submit(fn, items, chunksize)
        try:
            for future in futures:
                yield from future.result()
                future.release()  # the worker forgets the chunk's results
        except CancelledError as error:
            raise _lost_worker(error) from error

    def _submit(self, fn: Callable[[T], R], items: Sequence[T], chunksize: int) -> list[Any]:
        """One task per chunk of `items`; their futures, in the order of the chunks."""
        chunks = [items[start : start + chunksize] for start in range(0, len(items), chunksize)]
        if not chunks:
            return []
        # scattered, the items go straight to the workers instead of through the scheduler;
        # the price: a worker lost takes its chunks with it (Dask cannot recompute them)
        scattered = self._client.scatter(chunks, hash=False)
        return list(self._client.map(partial(_map_chunk, fn), scattered, pure=False))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def _lost_worker(error: CancelledError) -> DigestError:
    return DigestError(
        f"a Dask worker was lost with the items sent to it ({error}); run the build again"
    )


def _map_chunk(fn: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    return [fn(item) for item in chunk]
