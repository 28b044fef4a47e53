"""``make_short`` / ``amake_short``: topic or script in, finished short out."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from ..types import CancelToken, ProgressCallback, VideoRequest, VideoResult
from .config import ShortsConfig
from .pipeline import run_short
from .request import ShortRequest, ShortResult

if TYPE_CHECKING:
    from ..config import Config


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
    from ..api import agenerate
    from ..config import Config

    config = config or Config()

    async def generate(req: VideoRequest) -> VideoResult:
        return await agenerate(req, config=config, cancel=cancel)

    return await run_short(
        request,
        shorts or config.section(ShortsConfig),
        data_dir=config.data_dir,
        work_dir=work_dir,
        generate=generate,
        on_progress=on_progress,
        cancel=cancel,
    )


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
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(
            amake_short(
                request, config=config, shorts=shorts, work_dir=work_dir, on_progress=on_progress, cancel=cancel
            )
        )
    raise RuntimeError("an event loop is running here: await amake_short(...) instead")


__all__ = ["ShortRequest", "ShortResult", "amake_short", "make_short"]
