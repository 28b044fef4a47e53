"""Small thread pools for work done off the event loop: media decoding, and creating files.

Media work (probing, thumbnails, building records) holds the GIL much of the time (PyAV's Python layer,
Pillow, pydantic). Sent through ``asyncio.to_thread``, hundreds of concurrent generations would keep all of
the default executor's threads busy at once, each competing with the event loop for the GIL: polls and
downloads then wait behind thumbnails. Creating files is kernel time that does not hold the GIL, but on some
disks it costs up to a millisecond of CPU per file: six executor threads creating files at once take both
cores of a small machine from the event loop. So each kind of work gets its own few threads (one per two
cores, at least one, at most four), and the default executor stays free for everything else.
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
_pools: dict[str, ThreadPoolExecutor] = {}


def _executor(kind: str) -> ThreadPoolExecutor:
    with _lock:
        pool = _pools.get(kind)
        if pool is None:
            pool = _pools[kind] = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix=f"reelforge-{kind}")
        return pool


async def _run(kind: str, fn: Callable[..., R], args: tuple, kwargs: dict) -> R:  # type: ignore[type-arg]
    loop = asyncio.get_running_loop()
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await loop.run_in_executor(_executor(kind), call)


async def in_media_thread(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Run ``fn`` on a media thread (like ``asyncio.to_thread``, context variables included)."""
    return await _run("media", fn, args, kwargs)


async def in_file_thread(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Run ``fn``, which creates, moves or deletes files, on a file thread."""
    return await _run("files", fn, args, kwargs)


__all__ = [
    "THREADS",
    "P",
    "R",
    "in_file_thread",
    "in_media_thread",
]
