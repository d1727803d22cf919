"""Quality gate: event grouping on real labelled news nobody here wrote.

The floors live in `tests/quality/floors.json` with a hash of the labels they were
measured on; a score below a floor fails CI, and raising a floor is a deliberate commit.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from digest.evaluate import evaluate, load_labels, predict_arrivals, score_dataset

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
FLOORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "quality" / "floors.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("name", sorted(k for k in FLOORS if not k.startswith("_")))
def test_grouping_stays_above_its_floors(name: str) -> None:
    folder = DATASETS / name
    if not (folder / "labels.json").is_file():
        pytest.skip(f"{folder} is not here")
    floors = FLOORS[name]
    labels_hash = hashlib.sha256((folder / "labels.json").read_bytes()).hexdigest()
    assert labels_hash == floors["labels_sha256"], "the labelled corpus changed: re-measure"
    scores = score_dataset(folder).bcubed
    assert scores.precision >= floors["bcubed_precision"]
    assert scores.recall >= floors["bcubed_recall"]
    assert scores.f1 >= floors["bcubed_f1"]


@pytest.mark.parametrize(
    "name", sorted(k for k in FLOORS if not k.startswith("_") and "arrivals" in FLOORS[k])
)
def test_incremental_grouping_stays_above_its_floors(name: str) -> None:
    folder = DATASETS / name
    if not (folder / "labels.json").is_file():
        pytest.skip(f"{folder} is not here")
    floors = FLOORS[name]["arrivals"]
    predicted = predict_arrivals(folder, floors["first"])
    scores = evaluate(predicted, load_labels(folder / "labels.json")).bcubed
    assert scores.precision >= floors["bcubed_precision"]
    assert scores.f1 >= floors["bcubed_f1"]
