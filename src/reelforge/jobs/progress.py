"""Progress of a running job, written to its record at most every ``interval`` seconds from a task of its own,
which also watches for a cancel request from any process and for the job being taken over by another worker."""

from __future__ import annotations

import asyncio
import contextlib
import time

from ..types import CancelToken
from .store import JobStore


def stage_of(message: str, default: str) -> str:
    """The stage a progress message names (``"narration: 3/5"`` -> ``narration``), else ``default``."""
    head, sep, _ = message.partition(":")
    head = head.strip()
    if sep and head and " " not in head and len(head) <= 32:
        return head.lower()
    return default


class Reporter:
    """``on_progress`` for the engine and the studio (never blocks); a flusher task stores what changed."""

    def __init__(
        self, store: JobStore, job_id: str, worker: str, cancel: CancelToken, *, interval: float, stage: str
    ) -> None:
        self.store, self.job_id, self.worker, self.cancel = store, job_id, worker, cancel
        self.interval = interval
        self.fraction, self.stage, self.message = 0.0, stage, "started"
        self._default_stage = stage
        self._written: tuple[float, str, str] | None = None
        self._logged: tuple[int, str] = (-1, "")
        self.lost = False  # another worker owns the job now: this one stops and writes nothing more
        self._task: asyncio.Task[None] | None = None

    def __call__(self, fraction: float, message: str) -> None:
        self.fraction = max(self.fraction, min(1.0, fraction))
        self.message = message
        self.stage = stage_of(message, self.stage)

    def set_stage(self, stage: str) -> None:
        self.stage = stage

    async def __aenter__(self) -> Reporter:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        next_check = 0.0
        while True:
            await asyncio.sleep(self.interval)
            state = (round(self.fraction, 3), self.stage, self.message)
            if state != self._written:
                await self.flush()
            elif time.monotonic() >= next_check:
                owner, flagged = await asyncio.to_thread(self.store.cancel_flag, self.job_id, self.worker)
                self._apply(owner, flagged)
            next_check = time.monotonic() + self.interval

    async def flush(self) -> None:
        state = (round(self.fraction, 3), self.stage, self.message)
        step = int(self.fraction * 10)
        log = (step, self.stage) != self._logged
        owner, flagged = await asyncio.to_thread(
            self.store.progress, self.job_id, self.worker, state[0], self.stage, self.message, log
        )
        self._written = state
        if log:
            self._logged = (step, self.stage)
        self._apply(owner, flagged)

    def _apply(self, owner: bool, flagged: bool) -> None:
        if not owner:
            self.lost = True
        if (flagged or not owner) and not self.cancel.cancelled:
            self.cancel.cancel()


__all__ = ["Reporter", "stage_of"]
