"""``make_short`` / ``amake_short``: topic or script in, finished short out."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ..types import CancelToken, ProgressCallback, VideoRequest, VideoResult
from .pipeline import run_short
from .request import ShortRequest, ShortResult

if TYPE_CHECKING:
    from ..config import Config


async def amake_short(
    request: ShortRequest,
    *,
    config: Config | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ShortResult:
    """Make one short. Stages are checkpointed under ``{data_dir}/shorts/runs/<run id>``: running the same
    request again after a failure or cancellation resumes from the last finished stage."""
    from ..api import agenerate
    from ..config import Config

    config = config or Config()

    async def generate(req: VideoRequest) -> VideoResult:
        return await agenerate(req, config=config, cancel=cancel)

    return await run_short(
        request, config.shorts, data_dir=config.data_dir, generate=generate, on_progress=on_progress, cancel=cancel
    )


def make_short(
    request: ShortRequest,
    *,
    config: Config | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> ShortResult:
    """Blocking wrapper around ``amake_short``."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(amake_short(request, config=config, on_progress=on_progress, cancel=cancel))
    raise RuntimeError("an event loop is running here: await amake_short(...) instead")


__all__ = ["ShortRequest", "ShortResult", "amake_short", "make_short"]
