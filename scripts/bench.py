"""Time digest stage by stage on a generated corpus, and print the figures.

Run it from the project root (`make bench` runs it with the defaults):

    python scripts/bench.py [--sizes 1000,10000] [--seed 7] [--site] [--pdf] [--keep DIR]
                            [--articles DIR] [--tracemalloc] [--profile STAGE]
                            [--workers N] [--engine local|dask] [--scheduler ADDRESS]
    python scripts/bench.py --sizes 7700 --site-events 1000,3000,10000

What it does, for each size N:

1. Writes a corpus of N `.txt` articles (title line, `Source:`, `Date:`, `URL:`, blank
   line, body) into a temporary folder, or into `DIR/N/articles` with `--keep DIR`. The
   articles are republications of real articles (`--articles`, by default
   `../shared/datasets/ecbplus-dev/articles`, else `seeds/`): sentences dropped,
   paragraphs reordered, words swapped or dropped from a small fixed list, now and then
   a figure changed, each with an outlet, a URL and a date 0-2 days after its base
   article's day (base days spread over 30 days). One article in five starts a new base
   article, so the number of events grows with N. Once the real articles are used up,
   new base articles are the real ones again with every content word respelled by a
   per-generation lexicon (a parallel world with the same event structure and
   sentence shapes but its own names and vocabulary). The same `--seed` gives the same
   corpus.
2. Runs the stages the way `digest.pipeline` calls them, each timed on its own, in a
   fresh process per size, on the engine of `--workers`, `--engine` and `--scheduler`
   (as `digest build` takes them; `digest.engine`): engine start (a Dask `LocalCluster`
   starts here; a local pool starts in the first stage that needs it),
   ingest+clean+segment (`read_articles`, files in parallel), cluster (`group_events` +
   `link_storylines` + `check_accounting`, in this process), align+compare+merge
   (`tell_stories`, events in parallel), render (`render_site`, event pages in
   parallel, each page written as it is made by a `DocsWriter`), and
   with `--site` the MkDocs build (`build_site`), and with `--pdf` the whole briefing as
   a PDF (what `digest pdf` does after the pipeline; pages/s in the table).
3. Runs the baseline of issue 6 on the same files, in another fresh process: read the
   files and do a datasketch MinHash (128 permutations, word 3-grams) + LSH
   (threshold 0.5) near-duplicate pass.

With `--site-events`, it runs the pipeline once on the last size's corpus and builds
sites of that many events instead: the corpus's events, then copies of them 35 days
later each round with their own ids (`synthetic_events`), each site rendered and built in
a fresh process, with the build's wall and CPU time, the maximum RSS before and after
it, and the sizes of the search index and of the HTML.

It prints one Markdown table per size (wall seconds, CPU seconds, articles/s or pages/s,
memory) and, at the end, each stage's growth exponent between consecutive sizes,
log(t2/t1) / log(n2/n1), of wall and of CPU time: 1 is linear, 2 quadratic. CPU time is
user + system time of the main process and of the local engine's workers (read from
/proc while they live; a Dask cluster's workers are not counted): on a shared machine
the wall time grows with the load, the CPU time much less. "2 free cores" estimates each
stage's wall time on an idle 2-core machine from those CPU times and that of the main
thread alone (cluster's array work runs on other threads: `free_cores_seconds`; for the
sum, the sum of the stages'). Memory is the main process's
maximum resident set size after the stage (`ru_maxrss`, so it only grows within a size),
or with `--tracemalloc` the peak of Python allocations during the stage (which slows the
stages down); beside it, the largest maximum RSS of a worker so far. The workers are
forked from a server process that imported digest once, as in `digest build`
(`engine.POOL_START_METHOD`). `--profile STAGE`
prints the 25 functions with the most own time in that stage (in the main process: use
`--workers 1` to profile the parallel stages).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import math
import os
import pickle
import pstats
import random
import re
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import partial
from itertools import pairwise
from multiprocessing import active_children, get_context
from pathlib import Path
from typing import TypeVar

from datasketch import MinHash, MinHashLSH

from digest.config import make_config
from digest.engine import ENGINES, Engine, local_threads, open_engine
from digest.model import BuildResult, Event, IngestResult, Stories, Story, Storyline
from digest.pdf import render_edition, select_edition, write_atomically
from digest.pipeline import (
    ReadArticles,
    check_accounting,
    group_read,
    read_articles,
    run_pipeline,
    tell_stories,
)
from digest.publish import build_site
from digest.render import DocsWriter, RenderOptions, render_site

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ARTICLES = ROOT.parent / "shared" / "datasets" / "ecbplus-dev" / "articles"
FALLBACK_ARTICLES = ROOT / "seeds"
BASELINE = "baseline (MinHash + LSH)"
STAGES = (
    "engine start",
    "ingest+clean+segment",
    "cluster",
    "align+compare+merge",
    "render",
    "site",
    "pdf",
)

# --- Corpus ------------------------------------------------------------------------------

NEW_BASE_SHARE = 0.2
"""Share of generated articles that start a new base article (about 5 copies each)."""
FIRST_DAY = date(2020, 1, 1)
BASE_DAYS = 30
REPUBLISH_DAYS = 3
OUTLETS = (
    ("Reuters", "reuters.com"),
    ("Associated Press", "apnews.com"),
    ("AFP", "afp.com"),
    ("BBC News", "bbc.co.uk"),
    ("The Guardian", "theguardian.com"),
    ("The Moscow Times", "themoscowtimes.com"),
    ("The National", "thenationalnews.com"),
    ("Al Jazeera", "aljazeera.com"),
    ("Deutsche Welle", "dw.com"),
    ("France 24", "france24.com"),
    ("The Hindu", "thehindu.com"),
    ("Yahoo News", "news.yahoo.com"),
    ("CNN", "cnn.com"),
    ("NPR", "npr.org"),
    ("The Independent", "independent.co.uk"),
    ("Euronews", "euronews.com"),
    ("ABC News", "abcnews.go.com"),
    ("Sky News", "news.sky.com"),
    ("The Straits Times", "straitstimes.com"),
    ("Daily Sabah", "dailysabah.com"),
)
SYNONYMS = {
    "said": "stated",
    "says": "states",
    "told": "informed",
    "announced": "declared",
    "began": "started",
    "started": "began",
    "people": "persons",
    "large": "big",
    "big": "large",
    "about": "around",
    "nearly": "almost",
    "almost": "nearly",
    "attack": "assault",
    "help": "assist",
    "died": "perished",
    "near": "close to",
}
DROPPABLE = ("also", "very", "just", "still", "reportedly", "already", "currently", "now")
_REWORDABLE = re.compile(r"\b(" + "|".join([*SYNONYMS, *DROPPABLE]) + r")\b( ?)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“A-Z0-9])")
_NUMBER = re.compile(r"\b\d{1,3}(?:,\d{3})+\b|\b\d+\b")
_HEADER_LINE = re.compile(r"(Source|Date|URL|Author|Publisher|Language)\s*:", re.IGNORECASE)
_LONG_WORD = re.compile(r"[A-Za-z]{4,}")

KEEP_WORDS = frozenset(
    """
    that with have from they were been will which their would there about after more than
    when also into some other over this these those what where while before during against
    under between since said says told tell according stated states informed announced
    began started people persons large around nearly almost attack assault help assist
    died perished near close very just still reportedly already currently
    monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow
    january february march april june july august september october november december
    week weeks month months year years days hour hours morning evening night last next
    early late least most many much each every both only even such through across
    hundred thousand million billion percent four five seven eight nine eleven twelve
    first second third fourth fifth killed dead injured wounded least being could should
    says them then than your ours here well made make does done like
    """.split()
)
"""Words the parallel-world lexicon keeps: function words, days, months, the reworded ones."""

_CONSONANTS = "bcdfghklmnprstvz"
_VOWELS = "aeiou"


@dataclass(frozen=True, slots=True)
class Original:
    """A real article: its title and its paragraphs."""

    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Base:
    """A base article in one world (generation 0 = the real texts), with its day."""

    title: str
    paragraphs: tuple[tuple[str, ...], ...]
    """Sentences of each paragraph."""
    day: date


@dataclass(frozen=True, slots=True)
class CorpusInfo:
    articles: int
    bases: int
    generations: int
    megabytes: float
    seconds: float


def read_originals(folder: Path) -> list[Original]:
    """The real articles of `folder` in file-name order (which keeps topics together)."""
    originals = [_read_original(path) for path in sorted(folder.glob("*.txt"))]
    usable = [o for o in originals if o.paragraphs]
    if not usable:
        raise SystemExit(f"no usable .txt articles in {folder}")
    return usable


def _read_original(path: Path) -> Original:
    lines = [
        line.strip() for line in path.read_text(encoding="utf-8", errors="replace").split("\n")
    ]
    lines = [line for line in lines if line]
    body = [line for line in lines[1:] if not _HEADER_LINE.match(line)]
    return Original(title=lines[0] if lines else "", paragraphs=tuple(body))


def respell(text: str, generation: int, lexicon: dict[str, str]) -> str:
    """`text` in the world of `generation`: each content word consistently respelled."""
    if generation == 0:
        return text
    return _LONG_WORD.sub(lambda m: _respell_word(m[0], generation, lexicon), text)


def _respell_word(word: str, generation: int, lexicon: dict[str, str]) -> str:
    key = word.lower()
    if key in KEEP_WORDS:
        return word
    if key not in lexicon:
        seed = hashlib.blake2b(f"{generation}:{key}".encode(), digest_size=8).digest()
        syllables = seed[: max(3, min(8, (len(key) + 1) // 3))]
        lexicon[key] = "".join(_CONSONANTS[b % 16] + _VOWELS[(b // 16) % 5] for b in syllables)
    return _same_case(lexicon[key], word)


def _same_case(new: str, old: str) -> str:
    if old.isupper() and len(old) > 1:
        return new.upper()
    return new.capitalize() if old[:1].isupper() else new


def make_bases(originals: Sequence[Original], count: int, rng: random.Random) -> list[Base]:
    """`count` base articles: the originals in order, then again in further worlds."""
    lexicons: dict[int, dict[str, str]] = {}
    bases = []
    for index in range(count):
        generation, position = divmod(index, len(originals))
        lexicon = lexicons.setdefault(generation, {})
        original = originals[position]
        bases.append(
            Base(
                title=respell(original.title, generation, lexicon),
                paragraphs=tuple(
                    tuple(_SENTENCE_END.split(respell(p, generation, lexicon)))
                    for p in original.paragraphs
                ),
                day=FIRST_DAY + timedelta(days=rng.randrange(BASE_DAYS)),
            )
        )
    return bases


def republish(base: Base, index: int, rng: random.Random, *, faithful: bool) -> str:
    """One republication of `base` as a `.txt` file's text; `faithful` keeps the text."""
    outlet, domain = rng.choice(OUTLETS)
    day = base.day if faithful else base.day + timedelta(days=rng.randrange(REPUBLISH_DAYS))
    title, body = (base.title, _join(base.paragraphs)) if faithful else _perturb(base, rng)
    slug = "-".join(re.findall(r"[a-z0-9]+", base.title.lower())[:6]) or "article"
    url = f"https://www.{domain}/{day:%Y/%m/%d}/{slug}-{index}"
    return f"{title}\nSource: {outlet}\nDate: {day.isoformat()}\nURL: {url}\n\n{body}\n"


def _perturb(base: Base, rng: random.Random) -> tuple[str, str]:
    """Drop sentences, reorder paragraphs, reword, and now and then change a figure."""
    paragraphs = _drop_sentences(base.paragraphs, rng.choice((0.0, 0.0, 0.1, 0.2, 0.3)), rng)
    if rng.random() < 0.3 and len(paragraphs) > 2:
        rest = paragraphs[1:]
        rng.shuffle(rest)
        paragraphs = [paragraphs[0], *rest]
    strength = rng.choice((0.0, 0.3, 0.6))
    body = _reword(_join(paragraphs), strength, rng)
    if rng.random() < 0.15:
        body = _change_a_figure(body, rng)
    title = _reword(base.title, strength, rng)
    return title, body


def _drop_sentences(
    paragraphs: Sequence[Sequence[str]], share: float, rng: random.Random
) -> list[tuple[str, ...]]:
    """Each sentence but the lead dropped with probability `share`; empty paragraphs go."""
    kept = [
        tuple(s for j, s in enumerate(p) if (i, j) == (0, 0) or rng.random() >= share)
        for i, p in enumerate(paragraphs)
    ]
    return [p for p in kept if p]


def _join(paragraphs: Sequence[Sequence[str]]) -> str:
    return "\n\n".join(" ".join(sentences) for sentences in paragraphs)


def _reword(text: str, strength: float, rng: random.Random) -> str:
    """Swap words for synonyms with probability `strength`, drop fillers at half that."""

    def replace(match: re.Match[str]) -> str:
        word, space = match[1], match[2]
        key = word.lower()
        if key in DROPPABLE:
            return "" if rng.random() < strength / 2 else match[0]
        return _same_case(SYNONYMS[key], word) + space if rng.random() < strength else match[0]

    return _REWORDABLE.sub(replace, text) if strength else text


def _change_a_figure(text: str, rng: random.Random) -> str:
    """Change one number that does not look like a year by up to 10% (at least 1)."""
    numbers = [m for m in _NUMBER.finditer(text) if not 1900 <= int(m[0].replace(",", "")) <= 2100]
    if not numbers:
        return text
    match = rng.choice(numbers)
    value = int(match[0].replace(",", ""))
    changed = max(0, value + rng.choice((-1, 1)) * max(1, value // 10))
    shown = f"{changed:,}" if "," in match[0] else str(changed)
    return text[: match.start()] + shown + text[match.end() :]


def write_corpus(originals: Sequence[Original], size: int, seed: int, folder: Path) -> CorpusInfo:
    """Write `size` generated articles into `folder`, deterministically for `seed`."""
    started = time.perf_counter()
    rng = random.Random(seed)
    bases = make_bases(originals, max(1, round(size * NEW_BASE_SHARE)), rng)
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for index in range(size):
        faithful = index < len(bases)
        base = bases[index] if faithful else rng.choice(bases)
        text = republish(base, index, rng, faithful=faithful).encode("utf-8")
        (folder / f"{index:06d}.txt").write_bytes(text)
        written += len(text)
    return CorpusInfo(
        articles=size,
        bases=len(bases),
        generations=math.ceil(len(bases) / len(originals)),
        megabytes=written / 1e6,
        seconds=time.perf_counter() - started,
    )


# --- Measuring ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Options:
    site: bool
    pdf: bool
    tracemalloc: bool
    profile: str | None
    workers: int | None
    engine: str
    scheduler: str | None


@dataclass(frozen=True, slots=True)
class Row:
    """One measured stage."""

    stage: str
    seconds: float
    count: int
    unit: str
    mebibytes: float
    cpu_seconds: float = 0.0
    """User + system time of this process and of its worker processes during the stage."""
    main_cpu_seconds: float = 0.0
    """… of this process's main thread alone: the part no worker or thread can take (what 2
    free cores cannot halve)."""
    free_cores_seconds: float = 0.0
    """What the stage would take on 2 free cores (`free_cores_seconds`)."""
    workers_mebibytes: float = 0.0
    """The largest maximum RSS of a worker process so far (0 without workers)."""


@dataclass(slots=True)
class Meter:
    """Times stages one at a time, with their memory, and profiles one when asked."""

    options: Options
    rows: list[Row] = field(default_factory=list)

    def run(self, stage: str, work: Callable[[], T]) -> T:
        with self._memory() as memory, _profiled(stage == self.options.profile, stage):
            cpu, main = cpu_seconds(), time.thread_time()
            started = time.perf_counter()
            value = work()
            seconds = time.perf_counter() - started
            cpu, main = cpu_seconds() - cpu, time.thread_time() - main
        free = free_cores_seconds(main, cpu)
        workers = workers_max_rss_mebibytes()
        self.rows.append(Row(stage, seconds, 0, "", memory(), cpu, main, free, workers))
        return value

    def count(self, items: int, unit: str) -> None:
        """Set what the last stage processed, for its rate."""
        self.rows[-1] = replace(self.rows[-1], count=items, unit=unit)

    @contextmanager
    def _memory(self) -> Iterator[Callable[[], float]]:
        if not self.options.tracemalloc:
            yield max_rss_mebibytes
            return
        tracemalloc.start()
        peak = 0.0
        try:
            yield lambda: peak
        finally:
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()


def max_rss_mebibytes() -> float:
    """The process's maximum resident set size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def free_cores_seconds(main: float, cpu: float, cores: int = 2) -> float:
    """What a stage would take on `cores` free cores, from its CPU times (`main` of this
    process's main thread, `cpu` with its other threads and the workers): the main
    thread's share cannot be split, the rest is spread over the cores. A lower bound: it
    ignores the workers' and threads' idle ends."""
    return max(main, cpu / cores)


def cpu_seconds() -> float:
    """User + system time of this process, of its children that ended, and of the live
    ones (the engine's pool workers; read from /proc, so Linux only)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    live = sum(_proc_cpu_seconds(pid) for pid in _live_children())
    return own.ru_utime + own.ru_stime + ended.ru_utime + ended.ru_stime + live


def _live_children() -> list[int]:
    """The process ids of this process's live multiprocessing children (pool workers)."""
    return [child.pid for child in active_children() if child.pid is not None]


def _proc_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:  # it ended meanwhile: RUSAGE_CHILDREN has it once it is waited for
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def workers_max_rss_mebibytes() -> float:
    """The largest maximum RSS of a child process: live ones (VmHWM) and ended ones."""
    ended = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return max([ended, *(_proc_peak_mebibytes(pid) for pid in _live_children())])


def _proc_peak_mebibytes(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match[1]) / 1024 if match else 0.0


@contextmanager
def _profiled(enabled: bool, stage: str) -> Iterator[None]:
    if not enabled:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        print(f"\nprofile of {stage}, 25 functions with the most own time:")
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


@dataclass(frozen=True, slots=True)
class DigestRun:
    rows: tuple[Row, ...]
    counts: dict[str, int]
    load: float
    """The 1-minute load average when the run started."""


def bench_digest(corpus: Path, work: Path, options: Options) -> DigestRun:
    """Run digest's stages on `corpus` as `digest.pipeline.build` does, each measured."""
    config = make_config(
        [corpus],
        docs_dir=work / "docs",
        site_dir=work / "site",
        workers=options.workers,
        engine=options.engine,
        scheduler=options.scheduler,
    )
    load = os.getloadavg()[0]
    meter = Meter(options)
    with ExitStack() as stack:
        engine = meter.run("engine start", lambda: stack.enter_context(open_engine(config)))
        read = meter.run("ingest+clean+segment", lambda: read_articles(config.inputs, engine))
        ingested, segments, cleaned = read.ingested, read.segments, read.cleaned
        articles = len(ingested.articles)
        meter.count(articles, "articles")
        events, storylines = meter.run(
            "cluster",
            partial(_cluster, ingested, read, config.cluster_threshold, local_threads(config)),
        )
        del read  # as run_pipeline: the segments' counts served the grouping only
        meter.count(articles, "articles")
        stories = meter.run("align+compare+merge", lambda: tell_stories(events, engine))
        meter.count(articles, "articles")
        result = BuildResult(
            stories=Stories.of(stories),
            storylines=storylines,
            rejected=ingested.rejected,
            articles=cleaned,
        )
        pages = meter.run(
            "render", lambda: _render(result, config.templates_dir, config.docs_dir, engine)
        )
        meter.count(pages, "pages")
    if options.site:
        meter.run("site", lambda: build_site(config.docs_dir, config.site_dir))
        meter.count(pages, "pages")
    if options.pdf:
        pdf_pages = meter.run("pdf", lambda: _pdf(result, config.templates_dir, work))
        meter.count(pdf_pages, "PDF pages")
    counts = {
        "articles": articles,
        "rejected": len(ingested.rejected),
        "segments": len(segments),
        "events": len(events),
        "storylines": len(storylines),
        "pages": pages,
    }
    return DigestRun(rows=tuple(meter.rows), counts=counts, load=load)


def _cluster(
    ingested: IngestResult, read: ReadArticles, threshold: float, threads: int
) -> tuple[tuple[Event, ...], tuple[Storyline, ...]]:
    events, storylines = group_read(read, threshold, threads=threads)
    check_accounting(ingested, events)
    return events, storylines


def _pdf(result: BuildResult, templates_dir: Path, work: Path) -> int:
    """Write the whole briefing as `work/briefing.pdf`, as `digest pdf` does; return its pages."""
    edition = select_edition(result)
    rendered = render_edition(edition, templates_dir=templates_dir, locale="en")
    write_atomically(work / "briefing.pdf", rendered.content)
    return rendered.pages


def _render(
    result: BuildResult, templates_dir: Path, docs_dir: Path, engine: Engine | None = None
) -> int:
    """Render and write the pages (the event pages on `engine`, as `digest build` does);
    return how many Markdown pages there are."""
    writer = DocsWriter(docs_dir)
    options = RenderOptions(templates_dir=templates_dir, locale="en")
    rendered = render_site(result, options, engine=engine, sink=writer)
    writer.finish(rendered.kept)
    return sum(1 for path in writer.paths if path.endswith(".md"))


@dataclass(frozen=True, slots=True)
class BaselineRun:
    row: Row
    groups: int


def bench_baseline(corpus: Path, options: Options) -> BaselineRun:
    """Issue 6's baseline on `corpus`, measured like a stage."""
    meter = Meter(options)
    files, groups = meter.run(BASELINE, lambda: near_duplicate_groups(corpus))
    meter.count(files, "articles")
    return BaselineRun(row=meter.rows[0], groups=groups)


def near_duplicate_groups(corpus: Path) -> tuple[int, int]:
    """Read the files, MinHash them (128 permutations, word 3-grams), query an LSH index.

    Returns:
        The number of files, and of groups of near-duplicates (Jaccard about 0.5 or more).
    """
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    signatures: dict[str, MinHash] = {}
    for path in sorted(corpus.glob("*.txt")):
        words = re.findall(r"\w+", path.read_text(encoding="utf-8").lower())
        shingles = {" ".join(words[i : i + 3]).encode() for i in range(len(words) - 2)}
        signature = MinHash(num_perm=128)
        signature.update_batch(list(shingles))
        lsh.insert(path.name, signature)
        signatures[path.name] = signature
    groups = _count_groups({key: lsh.query(sig) for key, sig in signatures.items()})
    return len(signatures), groups


def _count_groups(neighbours: dict[str, list[str]]) -> int:
    """Connected components of the near-duplicate graph."""
    parent = {key: key for key in neighbours}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for key, others in neighbours.items():
        for other in others:
            parent[root(other)] = root(key)
    return len({root(key) for key in neighbours})


# --- Reporting ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SizeReport:
    corpus: CorpusInfo
    digest: DigestRun
    baseline: BaselineRun


def print_size(report: SizeReport, options: Options) -> None:
    corpus, counts = report.corpus, report.digest.counts
    memory = "tracemalloc peak of the stage" if options.tracemalloc else "max RSS so far"
    print(f"\n## {corpus.articles} articles\n")
    print(
        f"corpus: {corpus.bases} base articles ({corpus.generations} generation(s)), "
        f"{corpus.megabytes:.1f} MB, written in {corpus.seconds:.1f} s"
    )
    print(
        f"digest: {counts['articles']} articles ({counts['rejected']} rejected) → "
        f"{counts['segments']} segments → {counts['events']} events, "
        f"{counts['storylines']} storylines → {counts['pages']} Markdown pages"
    )
    print(f"baseline: {report.baseline.groups} near-duplicate groups\n")
    print(f"load average before the digest run: {report.digest.load:.2f}\n")
    print(
        f"| stage | wall s | CPU s (with workers) | CPU s (main thread) | 2 free cores s "
        f"| rate (wall) | {memory} (MiB) | workers' max RSS (MiB) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in _rows_with_total(report):
        rate = f"{row.count / row.seconds:,.0f} {row.unit}/s" if row.seconds and row.count else "–"
        print(
            f"| {row.stage} | {row.seconds:.2f} | {row.cpu_seconds:.2f} "
            f"| {row.main_cpu_seconds:.2f} | {row.free_cores_seconds:.2f} | {rate} "
            f"| {row.mebibytes:,.1f} | {row.workers_mebibytes:,.1f} |"
        )


def _rows_with_total(report: SizeReport) -> list[Row]:
    rows = list(report.digest.rows)
    no_site = [row for row in rows if row.stage not in {"site", "pdf"}]
    total = Row(
        "digest --no-site (sum)",
        sum(row.seconds for row in no_site),
        report.digest.counts["articles"],
        "articles",
        max(row.mebibytes for row in no_site),
        sum(row.cpu_seconds for row in no_site),
        sum(row.main_cpu_seconds for row in no_site),
        sum(row.free_cores_seconds for row in no_site),
        max(row.workers_mebibytes for row in no_site),
    )
    return [*rows, total, report.baseline.row]


def print_growth(reports: Sequence[SizeReport]) -> None:
    """Each stage's growth exponent between consecutive sizes."""
    if len(reports) < 2:
        return
    pairs = list(pairwise(reports))
    header = " | ".join(f"{a.corpus.articles}→{b.corpus.articles}" for a, b in pairs)
    print("\n## Growth exponents, log(t2/t1) / log(n2/n1), of wall / CPU time\n")
    print(f"| stage | {header} |")
    print("|---|" + "---:|" * len(pairs))
    for stage in (row.stage for row in _rows_with_total(reports[0])):
        cells = " | ".join(
            f"{_exponent(stage, a, b, cpu=False)} / {_exponent(stage, a, b, cpu=True)}"
            for a, b in pairs
        )
        print(f"| {stage} | {cells} |")


def _exponent(stage: str, small: SizeReport, large: SizeReport, *, cpu: bool) -> str:
    def seconds(report: SizeReport) -> float | None:
        rows = {row.stage: row for row in _rows_with_total(report)}
        row = rows.get(stage)
        return None if row is None else row.cpu_seconds if cpu else row.seconds

    t1, t2 = seconds(small), seconds(large)
    n1, n2 = small.corpus.articles, large.corpus.articles
    if not t1 or not t2 or n1 == n2:
        return "–"
    return f"{math.log(t2 / t1) / math.log(n2 / n1):.2f}"


# --- The site at a given number of events ---------------------------------------------


@dataclass(frozen=True, slots=True)
class SiteRun:
    events: int
    pages: int
    seconds: float
    cpu_seconds: float
    mebibytes_before: float
    mebibytes: float
    search_megabytes: float
    html_megabytes: float


def synthetic_events(result: BuildResult, count: int) -> BuildResult:
    """`count` events: the result's events, then copies of them 35 days later each round,
    with their own ids and storylines (the pages of real events, an archive that grows)."""
    stories: list[Story] = []
    storylines: list[Storyline] = []
    for copy in range(math.ceil(count / len(result.stories))):
        suffix, later = (f"-c{copy}" if copy else ""), timedelta(days=35 * copy)
        for story in result.stories[: count - len(stories)]:
            event = story.event
            stories.append(
                replace(
                    story,
                    event=replace(
                        event,
                        id=event.id + suffix,
                        date=event.date + later if event.date else None,
                        storyline=event.storyline + suffix if event.storyline else None,
                    ),
                )
            )
    ids = {story.event.id for story in stories}
    for copy in range(math.ceil(count / len(result.stories))):
        suffix = f"-c{copy}" if copy else ""
        for storyline in result.storylines:
            members = tuple(i + suffix for i in storyline.event_ids if i + suffix in ids)
            if members:
                storylines.append(replace(storyline, id=storyline.id + suffix, event_ids=members))
    named = {story.event.storyline for story in stories}
    return replace(
        result,
        stories=Stories.of(stories),
        storylines=tuple(s for s in storylines if s.id in named),
        rejected=(),
    )


def bench_site_events(pickled: Path, count: int, work: Path) -> SiteRun:
    """Render `count` synthetic events and build the site, in this (fresh) process."""
    result = synthetic_events(pickle.loads(pickled.read_bytes()), count)  # noqa: S301  # ours
    config = make_config([pickled], docs_dir=work / "docs", site_dir=work / "site")
    pages = _render(result, config.templates_dir, config.docs_dir)
    before = max_rss_mebibytes()
    cpu = time.process_time()
    started = time.perf_counter()
    build_site(config.docs_dir, config.site_dir)
    seconds = time.perf_counter() - started
    html = sum(path.stat().st_size for path in config.site_dir.rglob("*.html"))
    index = config.site_dir / "search" / "search_index.json"
    return SiteRun(
        events=count,
        pages=pages,
        seconds=seconds,
        cpu_seconds=time.process_time() - cpu,
        mebibytes_before=before,
        mebibytes=max_rss_mebibytes(),
        search_megabytes=index.stat().st_size / 1e6 if index.exists() else 0.0,
        html_megabytes=html / 1e6,
    )


def bench_site_sizes(corpus_dir: Path, counts: Sequence[int], folder: Path) -> None:
    """Run the pipeline on the corpus once, then build sites of `counts` events from its
    events (`synthetic_events`), each in a fresh process; print a table and the growth."""
    config = make_config([corpus_dir])
    pickled = folder / "result.pickle"
    pickled.write_bytes(pickle.dumps(run_pipeline(config)))
    runs = []
    for count in counts:
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            work = folder / f"site-{count}"
            runs.append(pool.submit(bench_site_events, pickled, count, work).result())
    print(
        "\n| events | Markdown pages | build wall s | build CPU s | max RSS before → after "
        "(MiB) | search index MB | HTML MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        print(
            f"| {run.events:,} | {run.pages:,} | {run.seconds:.1f} | {run.cpu_seconds:.1f} | "
            f"{run.mebibytes_before:,.0f} → {run.mebibytes:,.0f} | {run.search_megabytes:.1f} | "
            f"{run.html_megabytes:.0f} |"
        )
    for small, large in pairwise(runs):
        ratio = math.log(large.events / small.events)
        cpu = math.log(large.cpu_seconds / small.cpu_seconds) / ratio
        added = [max(1.0, run.mebibytes - run.mebibytes_before) for run in (small, large)]
        memory = math.log(added[1] / added[0]) / ratio
        print(
            f"growth {small.events:,} → {large.events:,} events: CPU {cpu:.2f}, memory {memory:.2f}"
        )


# --- Main --------------------------------------------------------------------------------


def bench_size(
    originals: Sequence[Original], size: int, args: argparse.Namespace, folder: Path
) -> SizeReport:
    """Write the corpus of one size, then run digest and the baseline, each in a fresh process."""
    corpus_dir = folder / str(size) / "articles"
    corpus = write_corpus(originals, size, args.seed, corpus_dir)
    options = Options(
        site=args.site,
        pdf=args.pdf,
        tracemalloc=args.tracemalloc,
        profile=args.profile,
        workers=args.workers,
        engine=args.engine,
        scheduler=args.scheduler,
    )
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        digest_run = pool.submit(bench_digest, corpus_dir, folder / str(size), options).result()
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        baseline = pool.submit(bench_baseline, corpus_dir, options).result()
    report = SizeReport(corpus=corpus, digest=digest_run, baseline=baseline)
    print_size(report, options)
    return report


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time digest's stages on a generated corpus.",
    )
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--site", action="store_true", help="also time the MkDocs build")
    parser.add_argument("--pdf", action="store_true", help="also time the PDF of the briefing")
    parser.add_argument("--keep", type=Path, help="write corpus, docs and site into DIR/SIZE/")
    parser.add_argument("--articles", type=Path, default=DEFAULT_ARTICLES, help="real articles")
    parser.add_argument("--tracemalloc", action="store_true", help="per-stage Python peak")
    parser.add_argument("--profile", choices=[*STAGES, BASELINE], help="cProfile one stage")
    parser.add_argument(
        "--workers", type=int, help="digest build --workers (default: all available cores)"
    )
    parser.add_argument("--engine", choices=ENGINES, default="local", help="digest build --engine")
    parser.add_argument("--scheduler", help="digest build --scheduler (the dask engine)")
    parser.add_argument(
        "--site-events",
        help="comma-separated event counts: build sites of that many events, copies of the "
        "events of the last size's corpus (instead of the stage tables)",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    source = args.articles if args.articles.is_dir() else FALLBACK_ARTICLES
    originals = read_originals(source)
    print(
        f"# digest benchmark: seed {args.seed}, {len(originals)} real articles from {source}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="digest-bench-") as scratch:
        folder = args.keep or Path(scratch)
        if args.site_events:
            corpus_dir = folder / str(sizes[-1]) / "articles"
            write_corpus(originals, sizes[-1], args.seed, corpus_dir)
            counts = [int(count) for count in args.site_events.split(",")]
            bench_site_sizes(corpus_dir, counts, folder)
            return
        reports = [bench_size(originals, size, args, folder) for size in sizes]
    print_growth(reports)


if __name__ == "__main__":
    main()
