"""Value objects of the public API: requests, results, capabilities, progress and cancellation."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .errors import Cancelled

Operation = Literal["text-to-video", "image-to-video", "video-to-video", "avatar"]
OPERATIONS: tuple[str, ...] = ("text-to-video", "image-to-video", "video-to-video", "avatar")
MediaInput = str | bytes | Path
ProgressCallback = Callable[[float, str], None]


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


class VideoRequest(BaseModel):
    """One generation. Inputs are a local path, raw bytes or an https URL."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, allow_inf_nan=False)

    operation: Operation | None = None
    prompt: str | None = None
    negative_prompt: str | None = None
    image: MediaInput | None = None
    last_frame: MediaInput | None = None
    video: MediaInput | None = None
    audio: MediaInput | None = None
    duration_s: float | None = Field(default=None, gt=0)
    num_frames: int | None = Field(default=None, gt=0)
    fps: float | None = Field(default=None, gt=0)
    aspect_ratio: str | None = None
    resolution: str | None = None
    seed: int | None = None
    backend: str = "auto"
    model: str | None = None
    max_cost_usd: float | None = Field(default=None, ge=0)
    extra: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str | None = None

    @field_validator("aspect_ratio")
    @classmethod
    def _aspect(cls, v: str | None) -> str | None:
        if v is None:
            return v
        parts = v.split(":")
        if len(parts) != 2 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
            raise ValueError("aspect_ratio must look like 16:9")
        return f"{int(parts[0])}:{int(parts[1])}"

    def inferred_operation(self) -> str:
        if self.operation:
            return self.operation
        if self.audio is not None and self.image is not None:
            return "avatar"
        if self.video is not None:
            return "video-to-video"
        if self.image is not None:
            return "image-to-video"
        return "text-to-video"


class Cost(BaseModel):
    estimated_usd: float = 0.0
    actual_usd: float | None = None
    billable: bool = False


class VideoResult(BaseModel):
    """A finished generation. Every figure is measured from the written file."""

    path: Path
    asset_id: str | None = None
    width: int
    height: int
    fps: float
    num_frames: int
    duration_s: float
    backend: str
    model: str | None = None
    provider_job_id: str | None = None
    seed: int | None = None
    cost: Cost = Field(default_factory=Cost)
    timings: dict[str, float] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    cached: bool = False


@dataclass(frozen=True)
class FrameRule:
    """Frame counts a model accepts: ``multiple * k + offset`` within [min_frames, max_frames]."""

    multiple: int = 1
    offset: int = 0
    min_frames: int = 1
    max_frames: int = 100_000
    allowed: tuple[int, ...] = ()

    def snap(self, n: int) -> int:
        if self.allowed:
            return min(self.allowed, key=lambda a: (abs(a - n), a))
        n = max(self.min_frames, min(self.max_frames, n))
        k = max(0, round((n - self.offset) / self.multiple))
        snapped = k * self.multiple + self.offset
        while snapped < self.min_frames:
            snapped += self.multiple
        while snapped > self.max_frames:
            snapped -= self.multiple
        return snapped


@dataclass(frozen=True)
class ModelSpec:
    """What one model accepts. Backends publish one per model; validation snaps requests to it."""

    name: str
    operations: tuple[str, ...]
    durations: tuple[float, ...] = ()  # allowed durations; empty = range below
    min_duration_s: float = 0.5
    max_duration_s: float = 60.0
    fps: tuple[float, ...] = ()  # allowed fps; empty = any in (1, 120]
    default_fps: float = 24.0
    resolutions: dict[str, tuple[int, int]] = field(default_factory=dict)  # tier -> 16:9 (w, h)
    default_resolution: str = "720p"
    aspect_ratios: tuple[str, ...] = ()  # empty = any
    default_aspect_ratio: str = "16:9"
    any_size: bool = False  # accepts any WxH (still snapped to side_multiple)
    max_side: int = 4096
    side_multiple: int = 2
    frame_rule: FrameRule | None = None
    prompt_max_chars: int = 2000
    prompt_required: bool = True
    last_frame: bool = False
    negative_prompt: bool = True
    seed: bool = True
    audio_output: bool = False
    max_image_bytes: int = 20 * 1024 * 1024
    price_key: str | None = None  # key into prices.toml; defaults to "<backend>.<model>"
    notes: str = ""


class CancelToken:
    """Cooperative cancellation shared between the caller and the work (thread- and task-safe)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.RLock()  # re-entrant: cancel() may run in a signal handler on this thread
        self._callbacks: list[Callable[[], None]] = []
        self._waiters: set[Callable[[], None]] = set()

    def cancel(self) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            waiters = list(self._waiters)
        for wake in waiters:
            with contextlib.suppress(Exception):  # a closed loop must not break cancellation
                wake()
        for cb in list(self._callbacks):
            with contextlib.suppress(Exception):  # a callback must not break cancellation
                cb()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def on_cancel(self, cb: Callable[[], None]) -> None:
        self._callbacks.append(cb)
        if self.cancelled:
            cb()

    def raise_if_cancelled(self, stage: str | None = None) -> None:
        if self.cancelled:
            raise Cancelled(f"cancelled during {stage}" if stage else "cancelled", stage=stage)

    async def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds; return True early if cancelled (from any thread or task).

        One timer and one future per wait: ``cancel()`` wakes it through the loop's thread-safe call.
        """
        if self.cancelled:
            return True
        if timeout <= 0:
            return False
        loop = asyncio.get_running_loop()
        woken: asyncio.Future[None] = loop.create_future()

        def settle() -> None:
            if not woken.done():
                woken.set_result(None)

        def wake() -> None:
            loop.call_soon_threadsafe(settle)

        with self._lock:
            if self._event.is_set():
                return True
            self._waiters.add(wake)
        timer = loop.call_later(timeout, settle)
        try:
            await woken
        finally:
            timer.cancel()
            with self._lock:
                self._waiters.discard(wake)
        return self.cancelled


def report(cb: ProgressCallback | None, fraction: float, message: str) -> None:
    if cb is not None:
        cb(max(0.0, min(1.0, fraction)), message)


__all__ = [
    "OPERATIONS",
    "CancelToken",
    "Cost",
    "FrameRule",
    "JobStatus",
    "MediaInput",
    "ModelSpec",
    "Operation",
    "ProgressCallback",
    "VideoRequest",
    "VideoResult",
    "report",
]
