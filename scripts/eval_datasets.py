"""Score event grouping on labelled datasets: `python scripts/eval_datasets.py DATASETS_DIR`.

Each dataset folder holds `articles/` and `labels.json` (file name → event label), as in
`shared/datasets/`. Prints B-cubed and pairwise precision/recall/F1 and the time taken;
`--halves` also scores each half of every dataset on its own (split by topic,
`digest.evaluate.split_halves`), to see whether a change holds on data it was not tuned
on; `--embeddings` groups with sentence embeddings too (the `embeddings` extra).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from digest.evaluate import Evaluation, load_labels, score_dataset, split_halves


def timed_score(
    folder: Path, *, embeddings: bool = False, articles: Sequence[str] | None = None
) -> tuple[Evaluation, float]:
    started = time.perf_counter()
    evaluation = score_dataset(folder, embeddings=embeddings, articles=articles)
    return evaluation, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("datasets", type=Path, help="folder of dataset folders")
    parser.add_argument("--halves", action="store_true", help="also score each half alone")
    parser.add_argument("--embeddings", action="store_true", help="use sentence embeddings")
    args = parser.parse_args()
    folders = sorted(p.parent for p in args.datasets.glob("*/labels.json"))
    print(
        f"{'dataset':20} {'articles':>8} {'events':>13} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6}"
        f" {'pair P':>6} {'pair R':>6} {'pair F1':>7} {'seconds':>7}"
    )
    for folder in folders:
        parts: list[tuple[str, Sequence[str] | None]] = [(folder.name, None)]
        if args.halves:
            first, second = split_halves(load_labels(folder / "labels.json"))
            parts += [(f"{folder.name}/1", first), (f"{folder.name}/2", second)]
        for name, articles in parts:
            e, seconds = timed_score(folder, embeddings=args.embeddings, articles=articles)
            events = f"{e.predicted_events}/{e.gold_events}"
            print(
                f"{name:20} {e.articles:8} {events:>13} {e.bcubed.precision:6.3f}"
                f" {e.bcubed.recall:6.3f} {e.bcubed.f1:6.3f} {e.pairwise.precision:6.3f}"
                f" {e.pairwise.recall:6.3f} {e.pairwise.f1:7.3f} {seconds:7.1f}"
            )


if __name__ == "__main__":
    main()
