"""The executor seam: what a generation needs (``GenerationJob``), what it reports (``GenerationEvent``),
what it returns (``GenerationOutput``), and the ``Executor`` Protocol every executor implements.

A job is plain data (strings, numbers, PIL images): it can be pickled to another process, which is what
a multi-GPU executor (a ``torchrun`` group running xDiT or FastVideo) needs. See
docs/architecture/local-models.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ...types import CancelToken
from .families import Family
from .source import ModelSource

GiB = 1024**3


@dataclass
class GenerationJob:
    """Everything one generation needs, as plain data (picklable, for an out-of-process executor)."""

    source: ModelSource
    family: Family
    run_class: str  # the pipeline class to call (may be derived from the loaded one, e.g. LTX image-to-video)
    call: dict[str, Any]  # pipeline arguments: prompt, sizes, frames, steps, PIL images, passthrough extras
    seed: int
    device: str = "auto"
    dtype: str = "auto"
    memory: str = "auto"
    vae_tiling: bool | None = None
    vae_slicing: bool = True
    gpu_budget_bytes: int | None = None
    headroom_bytes: int = 3 * GiB
    cache_dir: str | None = None
    allow_download: bool = True
    user_keys: tuple[str, ...] = ()  # call arguments that came from the request's extra (reported if unused)


@dataclass
class GenerationEvent:
    """Progress from the executor: ``stage`` is load | denoise; ``step``/``total`` count denoising steps."""

    stage: str
    step: int = 0
    total: int = 0
    message: str = ""


@dataclass
class GenerationOutput:
    frames: np.ndarray  # (F, H, W, 3), floats in [0, 1] or uint8
    info: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


EventCallback = Callable[[GenerationEvent], None]


class Executor(Protocol):
    """Where generations run. Implementations: ``InProcessExecutor``; planned: a torchrun subprocess group."""

    async def generate(
        self, job: GenerationJob, *, on_event: EventCallback, cancel: CancelToken
    ) -> GenerationOutput: ...

    async def aclose(self) -> None: ...


__all__ = [
    "Executor",
    "GenerationEvent",
    "GenerationJob",
    "GenerationOutput",
]
