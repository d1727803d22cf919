"""Score a grouping against gold labels: B-cubed and pairwise precision, recall and F1.

Articles split into segments count once, with the event that holds most of their text
(the rule in `shared/datasets/README.md`).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class Scores:
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Evaluation:
    bcubed: Scores
    pairwise: Scores
    articles: int
    gold_events: int
    predicted_events: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Mismatch:
    """One label spread over several found events, or one found event holding several labels.

    `parts` are the other side's names with their article counts, largest first; `loss`
    is what the mismatch costs B-cubed recall (a split label) or precision (a mixed
    event), in articles: divide by the dataset's size for the score.
    """

    name: str
    size: int
    parts: tuple[tuple[str, int], ...]
    loss: float


def predicted_labels(events_json: Mapping[str, Any]) -> dict[str, str]:
    """Map each article id to the event holding most of its text (its largest segment)."""
    best: dict[str, tuple[int, str]] = {}
    for event in events_json["events"]:
        for member in event["members"]:
            size = int(member.get("words", 1))
            article = member["article"]
            if article not in best or size > best[article][0]:
                best[article] = (size, event["id"])
    return {article: event for article, (_, event) in best.items()}


def evaluate(predicted: Mapping[str, str], gold: Mapping[str, str]) -> Evaluation:
    """Score predicted event labels against gold ones, over the articles both know.

    >>> e = evaluate({"a": "1", "b": "1", "c": "2"}, {"a": "x", "b": "x", "c": "x"})
    >>> round(e.bcubed.precision, 3), round(e.bcubed.recall, 3)
    (1.0, 0.556)
    """
    ids = sorted(set(predicted) & set(gold))
    return Evaluation(
        bcubed=_bcubed({i: predicted[i] for i in ids}, {i: gold[i] for i in ids}),
        pairwise=_pairwise({i: predicted[i] for i in ids}, {i: gold[i] for i in ids}),
        articles=len(ids),
        gold_events=len({gold[i] for i in ids}),
        predicted_events=len({predicted[i] for i in ids}),
    )


def recall_misses(predicted: Mapping[str, str], gold: Mapping[str, str]) -> list[Mismatch]:
    """The labels split over several found events, the costliest first.

    >>> [(m.name, m.parts) for m in recall_misses({"a": "1", "b": "2"}, {"a": "x", "b": "x"})]
    [('x', (('1', 1), ('2', 1)))]
    """
    return _mismatches(gold, predicted)


def precision_misses(predicted: Mapping[str, str], gold: Mapping[str, str]) -> list[Mismatch]:
    """The found events holding several labels, the costliest first.

    >>> [miss] = precision_misses({"a": "1", "b": "1", "c": "1"}, {"a": "x", "b": "x", "c": "y"})
    >>> miss.name, miss.parts, round(miss.loss, 3)
    ('1', (('x', 2), ('y', 1)), 1.333)
    """
    return _mismatches(predicted, gold)


def _mismatches(grouping: Mapping[str, str], other: Mapping[str, str]) -> list[Mismatch]:
    ids = sorted(set(grouping) & set(other))
    parts: dict[str, Counter[str]] = {}
    for i in ids:
        parts.setdefault(grouping[i], Counter())[other[i]] += 1
    found = []
    for name, counts in parts.items():
        size = sum(counts.values())
        if len(counts) > 1:
            loss = size - sum(n * n for n in counts.values()) / size
            ranked = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
            found.append(Mismatch(name=name, size=size, parts=ranked, loss=loss))
    return sorted(found, key=lambda m: (-m.loss, m.name))


def _bcubed(predicted: Mapping[str, str], gold: Mapping[str, str]) -> Scores:
    both = Counter((predicted[i], gold[i]) for i in predicted)
    in_predicted = Counter(predicted.values())
    in_gold = Counter(gold.values())
    total = len(predicted) or 1
    precision = sum(n * n / in_predicted[p] for (p, _), n in both.items()) / total
    recall = sum(n * n / in_gold[g] for (_, g), n in both.items()) / total
    return _scores(precision, recall)


def _pairwise(predicted: Mapping[str, str], gold: Mapping[str, str]) -> Scores:
    def pairs(counts: Counter[Any]) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    together = pairs(Counter((predicted[i], gold[i]) for i in predicted))
    predicted_pairs = pairs(Counter(predicted.values()))
    gold_pairs = pairs(Counter(gold.values()))
    precision = together / predicted_pairs if predicted_pairs else 1.0
    recall = together / gold_pairs if gold_pairs else 1.0
    return _scores(precision, recall)


def _scores(precision: float, recall: float) -> Scores:
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision=precision, recall=recall, f1=f1)


def score_dataset(
    folder: Path, *, embeddings: bool = False, articles: Sequence[str] | None = None
) -> Evaluation:
    """Run the pipeline on a labelled folder (`articles/`, `labels.json`) and score it.

    Args:
        folder: the dataset.
        embeddings: group with sentence embeddings too (`BuildConfig.embeddings`).
        articles: only these file names of `articles/` (a held-out half, say); None: all.
    """
    predicted = predict_dataset(folder, embeddings=embeddings, articles=articles)
    return evaluate(predicted, load_labels(folder / "labels.json"))


def predict_dataset(
    folder: Path, *, embeddings: bool = False, articles: Sequence[str] | None = None
) -> dict[str, str]:
    """Run the pipeline on a labelled folder and return each article's event id."""
    from digest.config import make_config
    from digest.pipeline import run_pipeline
    from digest.render import events_json

    inputs = (
        [folder / "articles"] if articles is None else [folder / "articles" / a for a in articles]
    )
    result = run_pipeline(make_config(inputs, embeddings=embeddings))
    return predicted_labels(json.loads(events_json(result)))


def predict_arrivals(folder: Path, first: float, *, embeddings: bool = False) -> dict[str, str]:
    """Build the `first` share of a labelled folder's articles with a state, then all of
    them from that state, as articles arrive day by day; each article's event id after
    the second build.

    The articles arrive in a fixed pseudo-random order (by the SHA-256 of their names),
    so the score of the incremental build can be set beside the one of a build from
    scratch (`predict_dataset`).
    """
    from digest.config import make_config
    from digest.pipeline import write_digest

    names = sorted(p.name for p in (folder / "articles").iterdir() if p.is_file())
    names.sort(key=lambda name: hashlib.sha256(name.encode()).hexdigest())
    arrived = names[: round(first * len(names))]
    with tempfile.TemporaryDirectory(prefix="digest-arrivals-") as work:
        docs, state = Path(work) / "docs", Path(work) / "state.sqlite"
        for batch in (arrived, names):
            inputs = [folder / "articles" / name for name in sorted(batch)]
            write_digest(
                make_config(
                    inputs, docs_dir=docs, state_path=state, build_site=False, embeddings=embeddings
                )
            )
        return predicted_labels(json.loads((docs / "events.json").read_text(encoding="utf-8")))


def split_halves(labels: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """Split a dataset's articles in two halves by topic, the same way every time.

    A label's topic is its text up to the first `_` (ECB+ `topic11_ecb` and
    `topic11_ecbplus` are one topic: its two look-alike events stay together); a topic's
    half is the parity of its SHA-256. A method tuned on one half is checked on the other.
    """
    halves: tuple[list[str], list[str]] = ([], [])
    for article, label in sorted(labels.items()):
        topic = label.split("_", 1)[0]
        halves[hashlib.sha256(topic.encode()).digest()[0] % 2].append(article)
    return halves


def load_labels(path: Path) -> dict[str, str]:
    """Read a labels file: a JSON object mapping article id (file name) to event label."""
    labels = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in labels.items()}
