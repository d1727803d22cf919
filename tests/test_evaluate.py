"""Scoring helpers (digest/evaluate.py) on a labelled copy of the seeds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from digest.evaluate import evaluate, predict_arrivals, predict_dataset

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def _labelled_seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds-labelled"
    shutil.copytree(SEEDS, folder / "articles")
    names = sorted(p.name for p in (folder / "articles").iterdir())
    (folder / "labels.json").write_text(json.dumps({n: n for n in names}), encoding="utf-8")
    return folder


def test_all_articles_arriving_at_once_score_as_a_build_from_scratch(tmp_path: Path) -> None:
    folder = _labelled_seeds(tmp_path)
    assert predict_arrivals(folder, 1.0) == predict_dataset(folder)


def test_articles_arriving_later_each_end_up_in_an_event(tmp_path: Path) -> None:
    folder = _labelled_seeds(tmp_path)
    predicted = predict_arrivals(folder, 0.4)
    assert sorted(predicted) == sorted(p.name for p in (folder / "articles").iterdir())
    assert evaluate(predicted, {n: n for n in predicted}).articles == len(predicted)
