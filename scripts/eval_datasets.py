"""Score event grouping on labelled datasets: `python scripts/eval_datasets.py DATASETS_DIR`.

Each dataset folder holds `articles/` and `labels.json` (file name → event label), as in
`shared/datasets/`. Prints B-cubed and pairwise precision/recall/F1 and the time taken.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from digest.evaluate import Evaluation, score_dataset


def timed_score(folder: Path) -> tuple[Evaluation, float]:
    started = time.perf_counter()
    evaluation = score_dataset(folder)
    return evaluation, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("datasets", type=Path, help="folder of dataset folders")
    args = parser.parse_args()
    folders = sorted(p.parent for p in args.datasets.glob("*/labels.json"))
    print(
        f"{'dataset':16} {'articles':>8} {'events':>13} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6}"
        f" {'pair P':>6} {'pair R':>6} {'pair F1':>7} {'seconds':>7}"
    )
    for folder in folders:
        e, seconds = timed_score(folder)
        events = f"{e.predicted_events}/{e.gold_events}"
        print(
            f"{folder.name:16} {e.articles:8} {events:>13} {e.bcubed.precision:6.3f}"
            f" {e.bcubed.recall:6.3f} {e.bcubed.f1:6.3f} {e.pairwise.precision:6.3f}"
            f" {e.pairwise.recall:6.3f} {e.pairwise.f1:7.3f} {seconds:7.1f}"
        )


if __name__ == "__main__":
    main()
