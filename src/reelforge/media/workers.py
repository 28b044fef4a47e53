"""A few threads for media work done off the event loop: probing, thumbnails, placing files in the library.

This work holds the GIL much of the time (PyAV's Python layer, Pillow, pydantic, SQLAlchemy). Sent through
``asyncio.to_thread``, hundreds of concurrent generations would keep all of the default executor's
threads busy at once, and each of them competes with the event loop for the GIL: polls and downloads then
wait behind thumbnails. One thread per two cores (at least one, at most four) keeps media work going
beside the event loop without starving it; the default executor stays free for quick file operations.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
THREADS = max(1, min(4, (os.cpu_count() or 2) // 2))

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="reelforge-media")
        return _pool


async def in_media_thread(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Run ``fn`` on one of the media threads (like ``asyncio.to_thread``, context variables included)."""
    loop = asyncio.get_running_loop()
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await loop.run_in_executor(_executor(), call)
