"""The optional sentence embeddings (`digest[embeddings]`, `digest build --embeddings`).

The combination with the lexical links is tested with a stand-in embedder (no model);
the real model is loaded only when the extra is installed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from numpy.typing import NDArray

from digest import embeddings, linkage
from digest.cli import main
from digest.cluster import EMBEDDING_FLOOR, group_events
from digest.config import make_config
from digest.errors import ConfigError
from digest.model import Segment
from digest.pipeline import build
from tests.factories import segment

HEADLINES = {
    "a.txt": "Pizza chain Sbarro files for bankruptcy again",
    "b.txt": "Sbarro files for second bankruptcy in three years",
    "c.txt": "Bitcoin exchange Mt. Gox files for bankruptcy in US",
    "d.txt": "Mt. Gox files US bankruptcy case in Dallas",
}


def _headlines() -> list[Segment]:
    return [segment(name, "", title=title) for name, title in HEADLINES.items()]


def _events(segments: list[Segment], **options: object) -> list[list[str]]:
    events = group_events(segments, **options)  # type: ignore[arg-type]
    return sorted(sorted(s.id for s in e.segments) for e in events)


def _by_company(segments: Sequence[Segment]) -> NDArray[np.float32]:
    """A stand-in model that knows which company a headline is about."""
    rows = [[1.0, 0.0] if "Sbarro" in (s.title or "") else [0.0, 1.0] for s in segments]
    return np.array(rows, dtype=np.float32)


def test_embeddings_keep_apart_headlines_whose_words_alike_report_two_stories() -> None:
    embedded = _events(_headlines(), embed=_by_company)
    assert embedded == [["a.txt", "b.txt"], ["c.txt", "d.txt"]]


def test_two_stories_stay_apart_when_their_headlines_half_agree_pair_by_pair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def half_agreeing(segments: Sequence[Segment]) -> NDArray[np.float32]:
        """Each Sbarro headline at cosine 0.35 to each Mt. Gox one: a pair agreement of 0.5."""
        other = [0.35, float(np.sqrt(1 - 0.35**2))]
        rows = [[1.0, 0.0] if "Sbarro" in (s.title or "") else other for s in segments]
        return np.array(rows, dtype=np.float32)

    assert _events(_headlines(), embed=half_agreeing) == [["a.txt", "b.txt"], ["c.txt", "d.txt"]]
    monkeypatch.setattr(linkage, "GROUP_AGREEMENT", 0.0)  # pairs alone would join the stories
    assert _events(_headlines(), embed=half_agreeing) == [["a.txt", "b.txt", "c.txt", "d.txt"]]


def test_unrelated_embeddings_veto_a_headline_link() -> None:
    def unrelated(segments: Sequence[Segment]) -> NDArray[np.float32]:
        return np.eye(len(segments), dtype=np.float32)

    assert _events(_headlines()[:2]) == [["a.txt", "b.txt"]]
    assert _events(_headlines()[:2], embed=unrelated) == [["a.txt"], ["b.txt"]]


def test_articles_are_not_embedded() -> None:
    def refuse(segments: Sequence[Segment]) -> NDArray[np.float32]:
        assert not segments, "only headline-only items are embedded"
        return np.zeros((0, 2), dtype=np.float32)

    text = " ".join(f"word{i} and the story of item {i} told at length" for i in range(30))
    long_ones = [segment("a.txt", text, title="One"), segment("b.txt", text, title="Two")]
    assert _events(long_ones, embed=refuse) == _events(long_ones)


def test_asking_for_embeddings_without_the_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(embeddings, "available", lambda: False)
    with pytest.raises(ConfigError, match=r"pip install 'digest\[embeddings\]'"):
        make_config(["seeds"], embeddings=True)
    result = CliRunner().invoke(
        main, ["build", "seeds", "--docs", str(tmp_path / "docs"), "--no-site", "--embeddings"]
    )
    assert result.exit_code != 0
    assert "pip install 'digest[embeddings]'" in result.output


@pytest.mark.skipif(not embeddings.available(), reason="the embeddings extra is not installed")
def test_the_packaged_model_embeds_offline_rewrites_closer_than_look_alikes() -> None:
    unrelated = segment("e.txt", "", title="Apple releases iOS 7.1 with CarPlay and bug fixes")
    vectors = embeddings.embed_segments([*_headlines(), unrelated])
    assert vectors.shape == (5, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    cosine = vectors @ vectors.T
    rewrites, look_alikes = min(cosine[0, 1], cosine[2, 3]), cosine[:2, 2:].max()
    assert rewrites > look_alikes + 0.2  # measured 0.76 and 0.44
    assert cosine[4, :4].max() < EMBEDDING_FLOOR  # measured 0.05


@pytest.mark.parametrize("embed", [False, True])
def test_an_incremental_build_weighs_new_headlines_by_their_embeddings_too(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, embed: bool
) -> None:
    monkeypatch.setattr(embeddings, "available", lambda: True)
    monkeypatch.setattr(embeddings, "embed_segments", _by_company)
    inputs = tmp_path / "inputs"
    inputs.mkdir()

    def build_with(names: str) -> list[list[str]]:
        for name in names:
            text = f"{HEADLINES[f'{name}.txt']}\nSource: Wire {name}\nDate: 2014-03-10\n"
            (inputs / f"{name}.txt").write_text(text, encoding="utf-8")
        config = make_config(
            [inputs],
            docs_dir=tmp_path / "docs",
            state_path=tmp_path / "state.sqlite",
            build_site=False,
            embeddings=embed,
        )
        build(config)
        document = json.loads((tmp_path / "docs" / "events.json").read_text("utf-8"))
        return sorted(sorted(m["article"] for m in e["members"]) for e in document["events"])

    assert build_with("ab") == [["a.txt", "b.txt"]]
    grouped = build_with("cd")  # grouped against the stored Sbarro event
    if embed:
        assert grouped == [["a.txt", "b.txt"], ["c.txt", "d.txt"]]
    else:
        assert grouped == [["a.txt", "b.txt", "c.txt", "d.txt"]]
