"""``make_short`` / ``amake_short``: topic or script in, finished short out; ``plan_short`` / ``aplan_short``:
the same up to the editable storyboard, nothing rendered."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..types import CancelToken, ProgressCallback, VideoRequest, VideoResult
from .config import ShortsConfig
from .pipeline import run_short
from .request import ShortRequest, ShortResult
from .storyboard import Storyboard, run_plan

if TYPE_CHECKING:
    from ..config import Config

T = TypeVar("T")


async def _with_engine(
    runner: Callable[..., Awaitable[T]],
    request: ShortRequest,
    config: Config | None,
    shorts: ShortsConfig | None,
    work_dir: Path | None,
    on_progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> T:
    """``runner`` (``run_short`` or ``run_plan``) with generated visuals going through ``reelforge.agenerate``
    and ``config`` (its ``shorts:`` block unless ``shorts`` replaces it)."""
    from ..api import agenerate
    from ..config import Config

    config = config or Config()

    async def generate(req: VideoRequest) -> VideoResult:
        return await agenerate(req, config=config, cancel=cancel)

    return await runner(
        request,
        shorts or config.section(ShortsConfig),
        data_dir=config.data_dir,
        work_dir=work_dir,
        generate=generate,
        on_progress=on_progress,
        cancel=cancel,
    )


def _blocking(coro: Coroutine[Any, Any, T], name: str) -> T:
    """Run ``coro`` to its end where no event loop runs (else refuse, naming the async ``name``)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    coro.close()
    raise RuntimeError(f"an event loop is running here: await {name}(...) instead")


async def amake_short(
    request: ShortRequest,
    *,
    config: Config | None = None,
    shorts: ShortsConfig | None = None,
    work_dir: Path | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ShortResult:
    """Make one short; generated visuals go through ``reelforge.agenerate`` with the same ``config``.

    Each stage is checkpointed in the run folder: ``work_dir`` when given (a job passes a folder of its own),
    else ``{data_dir}/shorts/runs/<run id>``. Running the same request again in that folder after a failure,
    a cancellation or a crash resumes from the last finished stage. ``shorts`` replaces the config's
    ``shorts:`` block (the demo uses this). ``on_progress(fraction, message)`` gets messages prefixed with the
    stage's name (``"narration: sentence 2/9"``).
    """
    return await _with_engine(run_short, request, config, shorts, work_dir, on_progress, cancel)


async def aplan_short(
    request: ShortRequest,
    *,
    config: Config | None = None,
    shorts: ShortsConfig | None = None,
    work_dir: Path | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Storyboard:
    """``amake_short`` up to the storyboard: the script, the scene plan, the narration and the visuals (generated
    ones through ``reelforge.agenerate`` with ``config``), nothing rendered. Write it with ``write_storyboard``,
    edit it, and render it with ``amake_short(ShortRequest(script=path))`` or ``request_from_storyboard``."""
    return await _with_engine(run_plan, request, config, shorts, work_dir, on_progress, cancel)


def make_short(
    request: ShortRequest,
    *,
    config: Config | None = None,
    shorts: ShortsConfig | None = None,
    work_dir: Path | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ShortResult:
    """Blocking wrapper around ``amake_short``."""
    run = amake_short(request, config=config, shorts=shorts, work_dir=work_dir, on_progress=on_progress, cancel=cancel)
    return _blocking(run, "amake_short")


def plan_short(request: ShortRequest, **kwargs: Any) -> Storyboard:
    """Blocking wrapper around ``aplan_short`` (same keyword arguments)."""
    return _blocking(aplan_short(request, **kwargs), "aplan_short")


__all__ = ["ShortRequest", "ShortResult", "amake_short", "aplan_short", "make_short", "plan_short"]
