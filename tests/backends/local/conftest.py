"""Tiny random-weight pipelines saved like real models, loaded through the backend. No weights downloaded."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# The heavy imports happen once, at collection, rather than inside the first test that needs them.
import diffusers  # noqa: F401
import torch  # noqa: F401
import transformers  # noqa: F401

from reelforge.backends.diffusers import DiffusersBackend
from reelforge.backends.local.cache import PipelineCache
from reelforge.backends.local.executor import GenerationJob, GenerationOutput, InProcessExecutor
from tests.backends.local.tiny import save_tiny


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test here runs as if offline: a model not on disk fails with its message, never downloads."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Folders holding tiny Wan, LTX-Video and CogVideoX pipelines (model_index.json + components)."""
    root = tmp_path_factory.mktemp("models")
    return {family: save_tiny(family, root / f"tiny-{family}") for family in ("wan", "ltx", "cogvideox")}


@pytest.fixture(scope="session")
def shared_executor() -> Iterator[InProcessExecutor]:
    """One executor (and pipeline cache) for the session, as one worker process has."""
    executor = InProcessExecutor(PipelineCache(max_models=3))
    yield executor
    executor.cache.clear()


class RecordingExecutor:
    """The shared executor, keeping what its last run reported (device, memory, steps, pipeline, cached)."""

    def __init__(self, inner: InProcessExecutor) -> None:
        self.inner = inner
        self.info: dict[str, Any] = {}

    async def generate(self, job: GenerationJob, **kwargs: Any) -> GenerationOutput:
        out = await self.inner.generate(job, **kwargs)
        self.info = dict(out.info)
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def make_backend(model: Path | str, executor: InProcessExecutor, **config: object) -> DiffusersBackend:
    cfg = {"device": "cpu", "model": str(model), "num_inference_steps": 2, "preset": "ultrafast", **config}
    return DiffusersBackend(cfg, executor=RecordingExecutor(executor))  # type: ignore[arg-type]


def last_info(backend: DiffusersBackend) -> dict[str, Any]:
    """What the executor reported about the backend's last run."""
    return backend.executor.info  # type: ignore[attr-defined,no-any-return]
