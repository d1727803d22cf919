"""Score event grouping on labelled datasets: `python scripts/eval_datasets.py DATASETS_DIR`.

Each dataset folder holds `articles/` and `labels.json` (file name → event label), as in
`shared/datasets/`. Prints B-cubed and pairwise precision/recall/F1 and the time taken.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from digest.config import make_config
from digest.evaluate import Evaluation, evaluate, load_labels, predicted_labels
from digest.pipeline import run_pipeline
from digest.render import events_json


def score_dataset(folder: Path) -> tuple[Evaluation, float]:
    """Run the pipeline on one dataset folder and score it against its labels."""
    started = time.perf_counter()
    result = run_pipeline(make_config([folder / "articles"]))
    elapsed = time.perf_counter() - started
    predicted = predicted_labels(json.loads(events_json(result)))
    return evaluate(predicted, load_labels(folder / "labels.json")), elapsed


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
        e, seconds = score_dataset(folder)
        events = f"{e.predicted_events}/{e.gold_events}"
        print(
            f"{folder.name:16} {e.articles:8} {events:>13} {e.bcubed.precision:6.3f}"
            f" {e.bcubed.recall:6.3f} {e.bcubed.f1:6.3f} {e.pairwise.precision:6.3f}"
            f" {e.pairwise.recall:6.3f} {e.pairwise.f1:7.3f} {seconds:7.1f}"
        )


if __name__ == "__main__":
    main()
