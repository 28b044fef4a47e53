"""One short's run: the typed state the stages fill in, and the context they work in.

A stage reads what earlier stages left in ``RunState`` and adds its own part. ``StageContext`` holds the
services (LLM, TTS engine, generation, renderer), the run folder with its checkpoints, progress and
cancellation, and knows which stage is running, so a stage calls ``ctx.restore`` / ``ctx.save`` /
``ctx.progress`` without naming itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..render import RenderResult
from ..types import CancelToken, ProgressCallback, report
from .checkpoints import RunFolder
from .config import ShortsConfig
from .llm import LLM
from .models import Metadata, Narration, SceneVisual, Script
from .request import ShortRequest
from .tts import TTSEngine
from .visuals.generate import GenerateFn

T = TypeVar("T")
#: the renderer: ``render_timeline``'s signature (tests stand in a recording fake)
Renderer = Callable[..., Awaitable[RenderResult]]
WATCH_S = 3600.0  # how long one wait for cancellation lasts before it is renewed


@dataclass
class RunState:
    """Everything a run knows so far. ``key`` fingerprints the inputs of the stages done so far: each
    checkpointed stage extends it, so a change upstream invalidates every checkpoint after it."""

    request: ShortRequest
    config: ShortsConfig  # the request's choices applied over the ``shorts:`` block
    key: str
    script: Script | None = None
    narration: Narration | None = None
    durations: list[float] = field(default_factory=list)  # per scene, from the narration
    visuals: list[SceneVisual] = field(default_factory=list)
    music: Path | None = None
    metadata: Metadata | None = None
    rendered: RenderResult | None = None
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    resumed: list[str] = field(default_factory=list)  # stages taken from checkpoints

    def need_script(self) -> Script:
        assert self.script is not None, "the script stage runs first"
        return self.script

    def need_narration(self) -> Narration:
        assert self.narration is not None, "the narration stage runs first"
        return self.narration

    def need_metadata(self) -> Metadata:
        assert self.metadata is not None, "the metadata stage runs first"
        return self.metadata

    def need_rendered(self) -> RenderResult:
        assert self.rendered is not None, "the render stage runs last"
        return self.rendered

    @property
    def cost_usd(self) -> float:
        narration = self.narration.cost_usd if self.narration else 0.0
        return round(narration + sum(v.cost_usd for v in self.visuals), 6)


@dataclass
class StageContext:
    """The services the stages use, and the stage now running (for checkpoints, progress, cancellation)."""

    run: RunFolder
    data_dir: Path
    llm: LLM | None
    tts: TTSEngine | None  # None with a voiceover
    generate: GenerateFn | None
    render: Renderer
    cancel: CancelToken
    on_progress: ProgressCallback | None = None
    stage: str = field(default="", init=False)  # the stage now running
    _done: float = field(default=0.0, init=False)  # share of the whole run finished before this stage
    _weight: float = field(default=0.0, init=False)  # this stage's share
    _warming: list[asyncio.Future[None]] = field(default_factory=list, init=False)

    @property
    def work_dir(self) -> Path:
        return self.run.root

    def begin(self, stage: str, weight: float) -> None:
        """Enter ``stage``: raises ``Cancelled`` (naming it) when the run was cancelled in between."""
        self.stage, self._weight = stage, weight
        self.cancel.raise_if_cancelled(stage)
        self.progress(0.0, "starting")

    def finish(self) -> None:
        self._done += self._weight
        report(self.on_progress, self._done, f"{self.stage}: done")

    def progress(self, fraction: float, message: str = "") -> None:
        """Report ``fraction`` (0-1) of this stage as the whole run's progress, the message prefixed with
        the stage's name (``"narration: sentence 2/9"``)."""
        overall = self._done + self._weight * max(0.0, min(1.0, fraction))
        report(self.on_progress, overall, f"{self.stage}: {message}".strip(": "))

    def check_cancel(self) -> None:
        self.cancel.raise_if_cancelled(self.stage)

    async def cancellable(self, work: Awaitable[T]) -> T:
        """Await ``work`` (an LLM call, say, that takes no token), dropping it as soon as the run is
        cancelled: raises ``Cancelled`` naming this stage."""
        task = asyncio.ensure_future(work)
        try:
            while not task.done() and not self.cancel.cancelled:
                watch = asyncio.ensure_future(self.cancel.wait(WATCH_S))
                try:
                    await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    watch.cancel()
        finally:  # cancelled by the token, or this coroutine itself was cancelled: the work goes too
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if task.cancelled():
            self.check_cancel()
        return task.result()

    async def restore(self, state: RunState, key: str, parse: Callable[[Any], T | None]) -> T | None:
        """This stage's checkpoint when made from the same inputs, parsed; ``parse`` may refuse it (None),
        e.g. when a file it names is gone. A restored stage is recorded in ``state.resumed``."""
        data = await asyncio.to_thread(self.run.load, self.stage, key)
        value = parse(data) if data is not None else None
        if value is not None:
            state.resumed.append(self.stage)
        return value

    async def partial(self, key: str) -> Any | None:
        """What this stage saved before it was interrupted (e.g. the scenes already paid for)."""
        return await asyncio.to_thread(self.run.partial, self.stage, key)

    async def save(self, key: str, data: Any, *, complete: bool = True) -> None:
        await asyncio.to_thread(self.run.save, self.stage, key, data, complete=complete)

    def warm_up(self, fn: Callable[..., None], *args: Any) -> None:
        """Run blocking ``fn(*args)`` (loading a model, say) in a low-priority thread of its own beside the
        stages that follow, so it takes only the CPU they leave. A failure is left for the stage that needs
        the thing to meet and report."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        future.add_done_callback(lambda f: f.cancelled() or f.exception())  # retrieved: never logged

        def settle(error: Exception | None) -> None:
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(None)

        def run() -> None:
            _lower_priority()
            error: Exception | None = None
            try:
                fn(*args)
            except Exception as exc:  # handed to the awaiting side
                error = exc
            with contextlib.suppress(RuntimeError):  # the run is over and its loop closed: nobody waits
                loop.call_soon_threadsafe(settle, error)

        threading.Thread(target=run, name="reelforge-warm-up", daemon=True).start()
        self._warming.append(future)

    async def warmed(self) -> None:
        """Wait for what ``warm_up`` started, so that nothing is loaded twice at once."""
        await asyncio.gather(*self._warming, return_exceptions=True)
        self._warming.clear()

    async def aclose(self) -> None:
        close = getattr(self.llm, "aclose", None)
        if close is not None:
            await close()


def _lower_priority() -> None:
    """Give this thread the lowest CPU priority but a few (Linux: per-thread nice; elsewhere left as is)."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 15)


__all__ = ["Renderer", "RunState", "StageContext"]
