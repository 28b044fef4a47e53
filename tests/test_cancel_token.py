"""CancelToken.wait: sleeps the full timeout, or wakes as soon as cancel() is called from a task or a thread."""

from __future__ import annotations

import asyncio
import threading
import time

from reelforge.types import CancelToken


async def test_wait_sleeps_the_timeout_when_not_cancelled() -> None:
    token = CancelToken()
    t0 = time.monotonic()
    assert await token.wait(0.05) is False
    assert time.monotonic() - t0 >= 0.045
    assert not token._waiters  # nothing left registered


async def test_wait_wakes_on_cancel_from_another_task() -> None:
    token = CancelToken()
    asyncio.get_running_loop().call_later(0.02, token.cancel)
    t0 = time.monotonic()
    assert await token.wait(30) is True
    assert time.monotonic() - t0 < 5


async def test_wait_wakes_on_cancel_from_another_thread() -> None:
    token = CancelToken()
    threading.Timer(0.02, token.cancel).start()
    waits = [token.wait(30) for _ in range(50)]
    t0 = time.monotonic()
    assert await asyncio.gather(*waits) == [True] * 50
    assert time.monotonic() - t0 < 5


async def test_wait_returns_at_once_when_already_cancelled() -> None:
    token = CancelToken()
    token.cancel()
    assert await token.wait(30) is True
    assert await token.wait(0) is True
