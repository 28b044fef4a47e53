"""Live progress for ``GET /v1/jobs/{id}/events``: one poller reads new events of every followed job from the
database (so jobs running in other processes and on other machines stream the same way) and hands each
subscriber the events past its cursor. One query per tick however many clients follow."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..jobs import tables as t
from ..jobs.models import FINISHED, JobEvent

log = logging.getLogger("reelforge.server")
CHUNK = 200  # jobs per query
LIMIT = 5000  # events per query


class Subscription:
    def __init__(self, job_id: str, cursor: int) -> None:
        self.job_id = job_id
        self.cursor = cursor
        self.queue: asyncio.Queue[JobEvent] = asyncio.Queue()


class EventHub:
    """Polls ``job_events`` for the jobs someone follows, every ``poll_s`` seconds."""

    def __init__(self, engine: Engine, poll_s: float) -> None:
        self.engine = engine
        self.poll_s = poll_s
        self.subs: dict[str, set[Subscription]] = defaultdict(set)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="reelforge-events")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def subscribe(self, job_id: str, after: int) -> Subscription:
        sub = Subscription(job_id, after)
        self.subs[job_id].add(sub)
        self._wake.set()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        group = self.subs.get(sub.job_id)
        if group is not None:
            group.discard(sub)
            if not group:
                del self.subs[sub.job_id]

    def _read(self, cursors: dict[str, int]) -> list[JobEvent]:
        found: list[JobEvent] = []
        items = list(cursors.items())
        with self.engine.connect() as conn:
            for start in range(0, len(items), CHUNK):
                cond = [sa.and_(t.events.c.job_id == j, t.events.c.seq > c) for j, c in items[start : start + CHUNK]]
                query = sa.select(t.events).where(sa.or_(*cond)).order_by(t.events.c.seq).limit(LIMIT)
                found += [JobEvent.model_validate(dict(r._mapping)) for r in conn.execute(query)]
        return found

    async def tick(self) -> int:
        cursors = {job: min(s.cursor for s in group) for job, group in self.subs.items() if group}
        if not cursors:
            return 0
        events = await asyncio.to_thread(self._read, cursors)
        for event in events:
            for sub in list(self.subs.get(event.job_id, ())):
                if event.seq > sub.cursor:
                    sub.cursor = event.seq
                    sub.queue.put_nowait(event)
        return len(events)

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # a database hiccup: the next tick retries
                log.warning("reading job events failed", exc_info=True)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_s)


def _progress(event: JobEvent) -> dict[str, Any]:
    data = event.model_dump_json(include={"job_id", "at", "status", "stage", "progress", "message"})
    return {"id": str(event.seq), "event": "progress", "data": data}


async def stream(hub: EventHub, service: Any, job_id: str, after: int) -> AsyncIterator[dict[str, Any]]:
    """Progress events past ``after`` (stage, fraction, message), then one ``job`` event with the final record."""
    job = await asyncio.to_thread(service.get, job_id)
    last = str(after)
    if job.finished:
        for event in await asyncio.to_thread(service.events, job_id, after):
            last = str(event.seq)
            yield _progress(event)
        yield {"id": last, "event": "job", "data": job.model_dump_json()}
        return
    sub = hub.subscribe(job_id, after)
    try:
        while True:
            event = await sub.queue.get()
            yield _progress(event)
            if event.status in FINISHED:
                job = await asyncio.to_thread(service.get, job_id)
                if job.finished:  # not resumed since
                    yield {"id": str(event.seq), "event": "job", "data": job.model_dump_json()}
                    return
    finally:
        hub.unsubscribe(sub)


__all__ = ["EventHub", "Subscription", "stream"]
