"""Media work and file creation run on their own small pools of threads, not on the default executor."""

from __future__ import annotations

import contextvars
import threading

import pytest

from reelforge.media.workers import THREADS, in_file_thread, in_media_thread

who: contextvars.ContextVar[str] = contextvars.ContextVar("who", default="nobody")


def _where(x: int, *, y: int) -> tuple[str, str, int]:
    return threading.current_thread().name, who.get(), x + y


async def test_runs_on_a_media_thread_with_the_callers_context() -> None:
    who.set("caller")
    name, seen, total = await in_media_thread(_where, 1, y=2)
    assert name.startswith("reelforge-media") and seen == "caller" and total == 3
    assert 1 <= THREADS <= 4
    name, seen, total = await in_file_thread(_where, 2, y=3)
    assert name.startswith("reelforge-files") and seen == "caller" and total == 5


async def test_errors_reach_the_caller() -> None:
    def boom() -> None:
        raise ValueError("bad frame")

    with pytest.raises(ValueError, match="bad frame"):
        await in_media_thread(boom)
