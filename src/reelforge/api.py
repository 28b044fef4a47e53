"""The public entry points: generate / agenerate, estimate, resume."""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from .backends.router import Router
from .config import Config
from .types import CancelToken, ProgressCallback, VideoRequest, VideoResult

# One router per (event loop, Config): a router holds an HTTP client bound to the loop it was made in.
_routers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, tuple[Config, Router]]] = (
    weakref.WeakKeyDictionary()
)
_outside_loop: dict[int, tuple[Config, Router]] = {}
_default_config: Config | None = None


def router_for(config: Config | None = None) -> Router:
    """The router (backends, cooldowns, library connection) for ``config`` in the running event loop."""
    global _default_config
    if config is None:
        _default_config = _default_config or Config()
        config = _default_config
    try:
        per_loop = _routers.setdefault(asyncio.get_running_loop(), {})
    except RuntimeError:
        per_loop = _outside_loop
    entry = per_loop.get(id(config))
    if entry is None or entry[0] is not config:
        entry = (config, Router(config))
        per_loop[id(config)] = entry
    return entry[1]


async def agenerate(
    request: VideoRequest,
    *,
    config: Config | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    use_cache: bool = True,
    router: Router | None = None,
) -> VideoResult:
    """Generate one video. Figures in the result are measured from the written file."""
    router = router or router_for(config)
    return await router.generate(request, on_progress=on_progress, cancel=cancel, use_cache=use_cache)


async def aresume(
    request: VideoRequest,
    provider_job_id: str,
    *,
    config: Config | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    router: Router | None = None,
) -> VideoResult:
    """Finish a generation whose provider job was already submitted: poll it, never submit again."""
    router = router or router_for(config)
    return await router.generate(
        request, on_progress=on_progress, cancel=cancel, use_cache=False, resume_job_id=provider_job_id
    )


def _run_sync(coro: Any) -> Any:
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
    """Blocking wrapper around ``agenerate`` (uses a router of its own so the loop can close cleanly)."""

    async def go() -> VideoResult:
        router = Router(config or Config())
        try:
            return await router.generate(request, on_progress=on_progress, cancel=cancel, use_cache=use_cache)
        finally:
            await router.aclose()
            router.library.close()

    return _run_sync(go())


def estimate(request: VideoRequest, *, config: Config | None = None) -> dict[str, Any]:
    """Validate and price a request without submitting anything."""
    return router_for(config).estimate(request)
