"""The public entry points: generate / agenerate, estimate / aestimate, resume."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from .config import Config
from .generation import Engine, open_engine, shared_engine
from .types import CancelToken, ProgressCallback, VideoRequest, VideoResult

T = TypeVar("T")


async def agenerate(
    request: VideoRequest,
    *,
    config: Config | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    use_cache: bool = True,
    engine: Engine | None = None,
) -> VideoResult:
    """Generate one video. Figures in the result are measured from the written file."""
    engine = engine or shared_engine(config)
    return await engine.generate(request, on_progress=on_progress, cancel=cancel, use_cache=use_cache)


async def aresume(
    request: VideoRequest,
    provider_job_id: str,
    *,
    config: Config | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    engine: Engine | None = None,
) -> VideoResult:
    """Finish a generation whose provider job was already submitted: poll it, never submit again."""
    engine = engine or shared_engine(config)
    return await engine.generate(
        request, on_progress=on_progress, cancel=cancel, use_cache=False, resume=provider_job_id
    )


async def aestimate(request: VideoRequest, *, config: Config | None = None) -> dict[str, Any]:
    """Validate, price and budget-check a request without submitting anything."""
    return await shared_engine(config).estimate(request)


def _run_sync(coro: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    coro.close()
    raise RuntimeError("an event loop is running here: await the async variant (agenerate / amake_short)")


def generate(
    request: VideoRequest,
    *,
    config: Config | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    use_cache: bool = True,
) -> VideoResult:
    """Blocking wrapper around ``agenerate`` (with an engine of its own, closed before the loop ends)."""

    async def go() -> VideoResult:
        async with open_engine(config) as engine:
            return await engine.generate(request, on_progress=on_progress, cancel=cancel, use_cache=use_cache)

    return _run_sync(go())


def estimate(request: VideoRequest, *, config: Config | None = None) -> dict[str, Any]:
    """Blocking ``aestimate``: validation, price and budget check; nothing is submitted."""

    async def go() -> dict[str, Any]:
        async with open_engine(config) as engine:
            return await engine.estimate(request)

    return _run_sync(go())


__all__ = ["aestimate", "agenerate", "aresume", "estimate", "generate"]
