"""Score event grouping on labelled datasets: `python scripts/eval_datasets.py DATASETS_DIR`.

Each dataset folder holds `articles/` and `labels.json` (file name → event label), as in
`shared/datasets/`. Prints B-cubed and pairwise precision/recall/F1 and the time taken;
`--halves` also scores each half of every dataset on its own (split by topic,
`digest.evaluate.split_halves`), to see whether a change holds on data it was not tuned
on; `--embeddings` groups with sentence embeddings too (the `embeddings` extra);
`--arrivals 0.9` also builds 90 % of each dataset with a state and then adds the rest
(`digest.evaluate.predict_arrivals`), to score what incremental builds group;
`--errors` lists, for the whole of each dataset, the labels split over several found
events and the found events mixing labels, with what each costs B-cubed recall or
precision.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from digest.evaluate import (
    Evaluation,
    Mismatch,
    evaluate,
    load_labels,
    precision_misses,
    predict_arrivals,
    predict_dataset,
    recall_misses,
    split_halves,
)

ERRORS_SHOWN = 15  # mismatches listed per kind and dataset, the costliest first


def timed_score(
    folder: Path, predict: Callable[[], dict[str, str]]
) -> tuple[Evaluation, float, dict[str, str]]:
    """Score what `predict` groups of `folder` against its labels, and time it."""
    started = time.perf_counter()
    predicted = predict()
    evaluation = evaluate(predicted, load_labels(folder / "labels.json"))
    return evaluation, time.perf_counter() - started, predicted


def print_errors(name: str, predicted: dict[str, str], gold: dict[str, str]) -> None:
    total = len(set(predicted) & set(gold)) or 1
    for kind, misses in (
        ("recall", recall_misses(predicted, gold)),
        ("precision", precision_misses(predicted, gold)),
    ):
        print(f"\n{name}: {kind} lost to {len(misses)} mismatches")
        for miss in misses[:ERRORS_SHOWN]:
            print(_describe(miss, total))


def _describe(miss: Mismatch, total: int) -> str:
    parts = ", ".join(f"{n} {part}" for part, n in miss.parts)
    return f"  -{miss.loss / total:.4f} {miss.name} ({miss.size}): {parts}"


def print_row(name: str, e: Evaluation, seconds: float) -> None:
    events = f"{e.predicted_events}/{e.gold_events}"
    print(
        f"{name:20} {e.articles:8} {events:>13} {e.bcubed.precision:6.3f}"
        f" {e.bcubed.recall:6.3f} {e.bcubed.f1:6.3f} {e.pairwise.precision:6.3f}"
        f" {e.pairwise.recall:6.3f} {e.pairwise.f1:7.3f} {seconds:7.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("datasets", type=Path, help="folder of dataset folders")
    parser.add_argument("--halves", action="store_true", help="also score each half alone")
    parser.add_argument("--embeddings", action="store_true", help="use sentence embeddings")
    parser.add_argument("--errors", action="store_true", help="list what costs the most")
    parser.add_argument(
        "--arrivals",
        type=float,
        action="append",
        default=[],
        metavar="SHARE",
        help="also build SHARE of each dataset with a state, then add the rest (repeatable)",
    )
    args = parser.parse_args()
    folders = sorted(p.parent for p in args.datasets.glob("*/labels.json"))
    print(
        f"{'dataset':20} {'articles':>8} {'events':>13} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6}"
        f" {'pair P':>6} {'pair R':>6} {'pair F1':>7} {'seconds':>7}"
    )
    errors: list[tuple[str, dict[str, str], dict[str, str]]] = []
    for folder in folders:
        parts: list[tuple[str, Sequence[str] | None]] = [(folder.name, None)]
        if args.halves:
            first, second = split_halves(load_labels(folder / "labels.json"))
            parts += [(f"{folder.name}/1", first), (f"{folder.name}/2", second)]
        for name, articles in parts:
            e, seconds, predicted = timed_score(
                folder,
                partial(predict_dataset, folder, embeddings=args.embeddings, articles=articles),
            )
            if args.errors and articles is None:
                errors.append((name, predicted, load_labels(folder / "labels.json")))
            print_row(name, e, seconds)
        for share in args.arrivals:
            e, seconds, _ = timed_score(
                folder, partial(predict_arrivals, folder, share, embeddings=args.embeddings)
            )
            print_row(f"{folder.name} +{1 - share:.0%}", e, seconds)
    for name, predicted, gold in errors:
        print_errors(name, predicted, gold)


if __name__ == "__main__":
    main()
