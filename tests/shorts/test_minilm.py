"""The packaged all-MiniLM-L6-v2 on onnxruntime: normalised embeddings that rank by meaning."""

from __future__ import annotations

import numpy as np
import pytest

from reelforge.shorts.visuals.minilm import MAX_TOKENS, OnnxMiniLM, onnx_model_path
from reelforge.shorts.visuals.rank import SemanticRanker, default_ranker

pytestmark = pytest.mark.skipif(onnx_model_path() is None, reason="needs reelforge[semantic]")


@pytest.fixture(scope="module")
def model() -> OnnxMiniLM:
    return OnnxMiniLM(onnx_model_path() or "")


def test_embeddings_are_normalised_rows_and_deterministic(model: OnnxMiniLM) -> None:
    texts = ["ocean waves", "surf breaking on shore", "volcano eruption"]
    first, again = model.encode(texts), model.encode(list(reversed(texts)))
    assert first.shape == (3, 384) and first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.allclose(first, again[::-1], atol=1e-5)  # padding in a batch does not change an embedding
    assert model.encode([]).shape == (0, 384)


def test_meaning_not_words_decides_the_similarity(model: OnnxMiniLM) -> None:
    waves, surf, volcano = model.encode(["ocean waves", "surf breaking on shore", "volcano eruption"])
    assert float(waves @ surf) > 0.45 > float(waves @ volcano)  # no shared word, yet the closest pair


def test_long_texts_are_cut_at_the_models_limit(model: OnnxMiniLM) -> None:
    long = " ".join(["the lighthouse sweeps the dark sea"] * 100)  # 700 words, far past the limit
    short = " ".join(["the lighthouse sweeps the dark sea"] * (MAX_TOKENS // 8))
    a, b = model.encode([long, short])
    assert float(a @ b) > 0.95


def test_the_default_ranker_is_semantic_and_uses_the_packaged_model() -> None:
    ranker = default_ranker()
    assert isinstance(ranker, SemanticRanker) and ranker.model_path.endswith(".onnx")
    scores = ranker.score(["bees", "The queen bee lays eggs in the hive"], ["honeycomb macro", "city traffic"])
    assert scores[0] > scores[1]


def test_a_text_is_embedded_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from reelforge.shorts.visuals import rank

    ranker = SemanticRanker(onnx_model_path())
    model = rank._load_model(ranker.model_path)
    seen: list[list[str]] = []
    real = model.encode
    monkeypatch.setattr(model, "encode", lambda texts: seen.append(list(texts)) or real(texts))
    rank._embedded(ranker.model_path).clear()
    first = ranker.embed(["red kite", "windy beach", "red kite"])
    again = ranker.embed(["windy beach", "lighthouse", "red kite"])
    assert seen == [["red kite", "windy beach"], ["lighthouse"]]  # each new text once, duplicates folded
    assert np.allclose(again[0], first[1]) and np.allclose(again[2], first[0]) and np.allclose(first[0], first[2])
    assert ranker.embed([]).shape == (0, 384)
    monkeypatch.setattr(rank, "EMBEDDED_MAX", 3)
    ranker.embed(["a new text", "another"])  # over the cap: the kept embeddings start again
    assert set(rank._embedded(ranker.model_path)) == {"a new text", "another"}
