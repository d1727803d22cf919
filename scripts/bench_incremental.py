"""Time an incremental build against a full one, and say where the incremental time goes.

Run it from the project root:

    python scripts/bench_incremental.py [--size 10000] [--added 100] [--seed 7] [--keep DIR]
                                        [--reuse-first] [--no-scratch]

What it does:

1. Writes the benchmark corpus of `scripts/bench.py` for `size + added` articles (same
   seed, same generator), and puts the first `size` files in an input folder.
2. Builds them with a state (`digest build --no-site` as the CLI runs it: the
   pipeline, the Markdown, `events.json`, the state), timed: the full build.
3. Adds the last `added` files and builds again from the state, timed, with the time of
   each part of the incremental build (each function wrapped from outside, as
   tests/kill_at.py does; the parts run one after the other, so they add up, but for
   the stories, told on the engine beside the storylines: the longer of the two counts).
4. Builds the same `size + added` files from scratch without a state, for the time a
   full build of them takes, and says how many event pages the incremental build
   rewrote.

Each build runs in a fresh process. Memory is the process's maximum resident set size;
CPU is the user and system time of the build's process and of its workers (counted
once their fork server has ended; the parts: of the build's process only).

With `--keep DIR`, the corpus is generated once into `DIR/corpus`, and the first build's
docs and state are copied to `DIR/first-docs` and `DIR/first-state.sqlite`, and the
timing of the build from scratch kept; `--reuse-first` starts from those copies (and the
input files left as they were) instead of building the first `size` articles again, and
reuses the timing of the build from scratch. They must have been made by the same code:
the caches of a state of other code are not used. `--no-scratch` skips the build from
scratch (the ratio is then to the first build); `--reuse-scratch` reuses its kept timing
alone (the first build is made again).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench  # type: ignore[import-not-found]  # scripts/bench.py: the corpus generator

KEY_TERMS = "of which: key terms of new and changed events"
INTACT = "of which: stat the pages kept from the last build"
STORYLINES = "link storylines (all events)"
STORIES = "stories: align, compare, merge (changed events; beside the storylines)"
NESTED = frozenset({KEY_TERMS, INTACT})
"""Parts timed inside another: not added to the total twice."""
BESIDE = (STORYLINES, STORIES)
"""Parts that run at once (the stories are told on the engine, from a thread, while the
storylines link): only the longer is added to the total."""
PARTS = (
    ("digest.pipeline", "load_state", "load the state"),
    ("digest.pipeline", "read_inputs", "read and parse every input"),
    ("digest.input_cache", "read_inputs_cached", "read the inputs (new and changed files)"),
    ("digest.incremental", "_clean_and_segment", "clean and segment (new and changed)"),
    ("digest.incremental", "group_events", "group every segment (first build)"),
    ("digest.incremental", "_regroup", "group the new segments"),
    ("digest.incremental", "link_storylines", STORYLINES),
    ("digest.pipeline", "tell_stories", STORIES),
    ("digest.pipeline", "_pages", "render every page"),
    ("digest.pipeline", "_render_site", "render and write the pages (of changed inputs)"),
    ("digest.render", "intact_pages", INTACT),
    ("digest.atomic", "start_staging", "stage the docs (a hard-linked copy)"),
    ("digest.atomic", "stage_in_background", "start staging the docs (copied by a child)"),
    ("digest.render", "write_docs", "write the changed pages (digest before render5)"),
    ("digest.atomic", "publish", "swap the docs in, delete the old copy"),
    ("digest.incremental", "next_snapshot", "make the next state"),
    ("digest.incremental", "key_terms", KEY_TERMS),
    ("digest.pipeline", "save_state", "save the state"),
)


def timed_build(inputs: Path, docs: Path, state: Path | None) -> dict[str, Any]:
    """Run one `digest build --no-site` in this process; seconds in total and per part."""
    import importlib

    from digest.config import make_config
    from digest.pipeline import build

    spent: defaultdict[str, float] = defaultdict(float)
    cpu: defaultdict[str, float] = defaultdict(float)
    for module_name, name, label in PARTS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:  # parts of other versions of digest are left out
            continue
        if hasattr(module, name):
            setattr(module, name, _timer(getattr(module, name), label, spent, cpu))
    started, started_cpu = time.perf_counter(), _cpu_seconds()
    build(make_config([inputs], docs_dir=docs, build_site=False, state_path=state))
    total = time.perf_counter() - started
    _stop_fork_server()
    return {
        "total": total,
        "cpu": _cpu_seconds() - started_cpu,
        "parts": dict(spent),
        "parts_cpu": dict(cpu),
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _stop_fork_server() -> None:
    """Stop the fork server of the engine's workers (`engine.POOL_START_METHOD`) and wait
    for it: the workers are its children, not this process's, and their CPU time is in
    this process's `RUSAGE_CHILDREN` only once the server has ended and been waited for."""
    from multiprocessing import forkserver

    forkserver._forkserver._stop()  # type: ignore[attr-defined]  # CPython's tests use it


def _cpu_seconds() -> float:
    """User and system time of this process and of its (finished) workers."""
    own, workers = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def _timer(
    function: Callable[..., Any], label: str, spent: dict[str, float], cpu: dict[str, float]
) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started, started_cpu = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - started
            cpu[label] += time.process_time() - started_cpu

    return wrapper


def in_fresh_process(inputs: Path, docs: Path, state: Path | None) -> dict[str, Any]:
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        result: dict[str, Any] = pool.submit(timed_build, inputs, docs, state).result()
        return result


def event_pages(docs: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (docs / "events").glob("*.md")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--added", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="work in DIR instead of a temporary folder")
    parser.add_argument("--reuse-first", action="store_true", help="start from DIR's first build")
    parser.add_argument("--no-scratch", action="store_true", help="skip the build from scratch")
    parser.add_argument(
        "--reuse-scratch", action="store_true", help="reuse DIR's timing of the build from scratch"
    )
    args = parser.parse_args()
    source = bench.DEFAULT_ARTICLES if bench.DEFAULT_ARTICLES.is_dir() else bench.FALLBACK_ARTICLES
    with tempfile.TemporaryDirectory(prefix="digest-incremental-") as scratch:
        work = args.keep or Path(scratch)
        corpus = work / "corpus"
        if not corpus.is_dir():
            bench.write_corpus(
                bench.read_originals(source), args.size + args.added, args.seed, corpus
            )
        files = sorted(corpus.iterdir())
        inputs = work / "inputs"
        reuse = args.reuse_first and (work / "first-run.json").is_file()
        if reuse:  # the files of the first build as they were (their stamps are in its state)
            for path in files[args.size :]:
                (inputs / path.name).unlink(missing_ok=True)
        else:
            shutil.rmtree(inputs, ignore_errors=True)
            inputs.mkdir()
            for path in files[: args.size]:
                (inputs / path.name).write_bytes(path.read_bytes())
            time.sleep(2.0)  # input_cache.RACY_SECONDS: as files written a while before a build
        docs, state = work / "docs", work / "state.sqlite"
        first = first_build(inputs, docs, state, work, reuse=reuse)
        before = event_pages(docs)
        for path in files[args.size : args.size + args.added]:
            (inputs / path.name).write_bytes(path.read_bytes())
        update = in_fresh_process(inputs, docs, state)
        (work / "update-run.json").write_text(json.dumps(update), "utf-8")
        after = event_pages(docs)
        reuse_scratch = reuse or args.reuse_scratch
        full = (
            first
            if args.no_scratch
            else scratch_build(inputs, work, args.size + args.added, reuse=reuse_scratch)
        )
        report(args, first, update, full, before, after, docs, state)


def scratch_build(inputs: Path, work: Path, total: int, *, reuse: bool) -> Any:
    """Build all the articles from scratch, without a state (or reuse the kept timing of
    as many articles)."""
    kept_run = work / f"scratch-run-{total}.json"
    if reuse and kept_run.is_file():
        return json.loads(kept_run.read_text("utf-8"))
    scratch_docs = work / "scratch-docs"
    shutil.rmtree(scratch_docs, ignore_errors=True)
    full = in_fresh_process(inputs, scratch_docs, None)
    kept_run.write_text(json.dumps(full), "utf-8")
    return full


def first_build(inputs: Path, docs: Path, state: Path, work: Path, *, reuse: bool) -> Any:
    """Build the first `size` articles with a state (or copy a kept build of them)."""
    kept_docs, kept_state = work / "first-docs", work / "first-state.sqlite"
    kept_run = work / "first-run.json"
    shutil.rmtree(docs, ignore_errors=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{state}{suffix}").unlink(missing_ok=True)
    if reuse:
        shutil.copytree(kept_docs, docs)  # keeps the times: the pages' stamps hold
        shutil.copyfile(kept_state, state)
        return json.loads(kept_run.read_text("utf-8"))
    first = in_fresh_process(inputs, docs, state)
    shutil.rmtree(kept_docs, ignore_errors=True)
    shutil.copytree(docs, kept_docs)
    shutil.copyfile(state, kept_state)
    kept_run.write_text(json.dumps(first), "utf-8")
    return first


def report(
    args: argparse.Namespace,
    first: dict[str, Any],
    update: dict[str, Any],
    full: dict[str, Any],
    before: dict[str, int],
    after: dict[str, int],
    docs: Path,
    state: Path,
) -> None:
    rewritten = sum(1 for name, mtime in after.items() if before.get(name) != mtime)
    events = len(json.loads((docs / "events.json").read_text("utf-8"))["events"])
    total = args.size + args.added
    print("| build | seconds | CPU seconds | max RSS (MiB) |\n|---|---:|---:|---:|")
    print(f"| first build of {args.size:,} with a state | {_figures(first)} |")
    if not args.no_scratch:
        print(f"| {total:,} from scratch, no state | {_figures(full)} |")
    share = 100 * update["total"] / full["total"]
    cpu_share = 100 * update["cpu"] / full["cpu"]
    print(f"| {args.added} added, from the state | {_figures(update)} |")
    print(
        f"\n+{args.added}: {share:.1f} % of the full build's seconds, {cpu_share:.1f} % of "
        f"its CPU seconds ({'first build' if args.no_scratch else 'from scratch'})"
    )
    print(
        f"\nEvent pages rewritten: {rewritten} of {len(after)} ({events} events); "
        f"state file {state.stat().st_size / 1e6:.1f} MB\n"
    )
    print("| part | first build | CPU | incremental build | CPU |\n|---|---:|---:|---:|---:|")
    for _, _, label in PARTS:
        if label in first["parts"] or label in update["parts"]:
            print(f"| {label} | {_part(first, label)} | {_part(update, label)} |")
    print(f"| other | {_other(first):.2f} | | {_other(update):.2f} | |")


def _figures(run: dict[str, Any]) -> str:
    return f"{run['total']:.1f} | {run.get('cpu', float('nan')):.1f} | {run['rss']:.0f}"


def _part(run: dict[str, Any], label: str) -> str:
    if label not in run["parts"]:
        return "— | —"
    return f"{run['parts'][label]:.2f} | {run.get('parts_cpu', {}).get(label, float('nan')):.2f}"


def _other(run: dict[str, Any]) -> float:
    parts = run["parts"]
    alone = sum(v for k, v in parts.items() if k not in NESTED and k not in BESIDE)
    return float(run["total"] - alone - max((parts.get(k, 0.0) for k in BESIDE), default=0.0))


if __name__ == "__main__":
    main()
