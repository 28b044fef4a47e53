"""How well a candidate's text (file name, sidecar, tags, title) matches a scene: a score in [0, 1].

``SemanticRanker`` compares sentence embeddings from the packaged all-MiniLM-L6-v2 on onnxruntime
(``reelforge[semantic]``, no PyTorch: ``minilm.py``); ``LexicalRanker`` counts shared words and is the
fallback when the model is not installed. ``default_ranker()`` picks the best one available.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Protocol

from ..plan import STOPWORDS as STOP

SEMANTIC_MIN_SCORE = 0.3  # cosine similarity below which a candidate is a poor match
LEXICAL_MIN_SCORE = 0.01  # any shared word


def tokens(text: str) -> set[str]:
    """Lower-case words without stopwords, with singular forms of plurals ("volcanoes" -> "volcano")."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    words = {w.lower() for w in re.findall(r"[^\W\d_]+", text)}
    out: set[str] = set()
    for w in words - STOP:
        out.add(w)
        if len(w) > 3 and w.endswith("s"):
            out.add(w[:-1])
        if w.endswith("es") and len(w) > 4:
            out.add(w[:-2])
    return out


def doc_text(name: str, *more: str) -> str:
    """A candidate's text: its file name or slug split into words, then its descriptions and tags."""
    name = re.sub(r"[_\-.+]+", " ", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return " ".join(p.strip() for p in (name, *more) if p and p.strip())


class Ranker(Protocol):
    name: str
    min_score: float

    def score(self, queries: list[str], docs: list[str]) -> list[float]:
        """One score per doc in [0, 1]: how well it matches the queries (search terms first, then narration)."""
        ...


class LexicalRanker:
    """Shared words: the search terms weigh three times the narration's words."""

    name = "lexical"
    min_score = LEXICAL_MIN_SCORE

    def score(self, queries: list[str], docs: list[str]) -> list[float]:
        wanted = tokens(queries[0]) if queries else set()
        spoken = set().union(*(tokens(q) for q in queries[1:])) - wanted if len(queries) > 1 else set()
        total = 3.0 * len(wanted) + len(spoken)
        if total == 0:
            return [0.0] * len(docs)
        out = []
        for doc in docs:
            have = tokens(doc)
            out.append((3.0 * len(wanted & have) + len(spoken & have)) / total)
        return out


@functools.lru_cache(maxsize=2)
def _load_model(path: str) -> Any:
    """The embedding model in the ONNX file at ``path`` (made once per path)."""
    from .minilm import OnnxMiniLM

    return OnnxMiniLM(path)


EMBEDDED_MAX = 20_000  # texts whose embeddings are kept (1.5 KB each)


@functools.lru_cache(maxsize=2)
def _embedded(path: str) -> dict[str, Any]:
    """Embeddings already made with the model at ``path``, by text (kept for the process: a few KB each)."""
    return {}


def packaged_model_path() -> str | None:
    """The packaged all-MiniLM-L6-v2 (ONNX), or None when ``reelforge[semantic]`` is not installed."""
    from .minilm import onnx_model_path

    return onnx_model_path()


class SemanticRanker:
    """Cosine similarity of sentence embeddings; the search terms weigh 0.6, the narration 0.4.
    Blocking (a model call): run it in a thread from async code."""

    name = "semantic"
    min_score = SEMANTIC_MIN_SCORE

    def __init__(self, model_path: str | None = None) -> None:
        path = model_path or packaged_model_path()
        if path is None:
            from ...errors import BackendUnavailable

            raise BackendUnavailable("semantic ranking needs the model: pip install 'reelforge[semantic]'")
        self.model_path = path

    def embed(self, texts: list[str]) -> Any:
        """Normalised embeddings, one row per text. A text embedded before is not embedded again (the same
        candidates are scored against every scene)."""
        import numpy as np

        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        known = _embedded(self.model_path)  # shared by threads: read each text once, write whole entries
        rows = {t: known.get(t) for t in texts}
        todo = [t for t, row in rows.items() if row is None]
        if todo:
            rows.update(zip(todo, _load_model(self.model_path).encode(todo), strict=True))
            if len(known) + len(todo) > EMBEDDED_MAX:  # a long-running server: start again rather than grow
                known.clear()
            known.update((t, rows[t]) for t in todo)
        return np.stack([rows[t] for t in texts])

    def score(self, queries: list[str], docs: list[str]) -> list[float]:
        queries = [q for q in queries if q.strip()]
        if not queries or not docs:
            return [0.0] * len(docs)
        q = self.embed(queries)
        d = self.embed(docs)
        sims = d @ q.T  # docs x queries
        weights = [0.6] + [0.4 / max(1, len(queries) - 1)] * (len(queries) - 1) if len(queries) > 1 else [1.0]
        out = sims @ weights
        return [max(0.0, min(1.0, float(s))) for s in out]


@functools.lru_cache(maxsize=1)
def default_ranker() -> Ranker:
    """Semantic when ``reelforge[semantic]`` is installed, else lexical."""
    path = packaged_model_path()
    return SemanticRanker(path) if path else LexicalRanker()


__all__ = [
    "LEXICAL_MIN_SCORE",
    "SEMANTIC_MIN_SCORE",
    "LexicalRanker",
    "Ranker",
    "SemanticRanker",
    "default_ranker",
    "doc_text",
    "packaged_model_path",
    "tokens",
]
