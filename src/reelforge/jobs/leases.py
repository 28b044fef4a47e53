"""Worker leases: stable executor ids, heartbeats, and the reaper that recovers a dead worker's jobs.

A worker takes the lowest free slot of its host (``host:1``, ``host:2`` ...): a slot is free when its last
heartbeat is older than the lease or its worker stopped. Restarting a worker on the same host therefore takes
the dead one's executor id, and DBOS recovers that id's unfinished workflows at launch. A worker that never
comes back is reaped by any live worker once its lease has run out.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from . import tables as t
from .store import utcnow


def claim_slot(engine: Engine, queues: list[str], lease_s: float, name: str | None = None) -> str:
    """Register this process as a worker and return its executor id."""
    host = socket.gethostname()
    for _ in range(100):
        now = utcnow()
        stale = now - timedelta(seconds=lease_s)
        with engine.begin() as conn:
            if name:
                candidate = name
            else:
                rows = conn.execute(
                    sa.select(t.workers.c.executor_id, t.workers.c.heartbeat_at, t.workers.c.stopped).where(
                        t.workers.c.host == host
                    )
                ).all()
                taken = {r.executor_id for r in rows if not r.stopped and r.heartbeat_at >= stale}
                slot = 1
                while f"{host}:{slot}" in taken:
                    slot += 1
                candidate = f"{host}:{slot}"
            values = {
                "host": host,
                "pid": os.getpid(),
                "queues": queues,
                "started_at": now,
                "heartbeat_at": now,
                "stopped": False,
            }
            updated = conn.execute(
                sa.update(t.workers)
                .where(
                    t.workers.c.executor_id == candidate,
                    sa.or_(t.workers.c.stopped.is_(True), t.workers.c.heartbeat_at < stale),
                )
                .values(**values)
            ).rowcount
            if updated:
                return candidate
            query = sa.select(t.workers.c.executor_id).where(t.workers.c.executor_id == candidate)
            exists = conn.execute(query).first()
            if exists is None:
                try:
                    with conn.begin_nested():
                        conn.execute(sa.insert(t.workers).values(executor_id=candidate, **values))
                    return candidate
                except sa.exc.IntegrityError:
                    continue
            if name:
                raise RuntimeError(f"a live worker already runs as {name!r}")
    raise RuntimeError("could not register the worker")  # pragma: no cover


def heartbeat(engine: Engine, executor_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.update(t.workers).where(t.workers.c.executor_id == executor_id).values(heartbeat_at=utcnow()))


def release(engine: Engine, executor_id: str) -> None:
    """Mark the worker stopped: its slot is free at once, and its unfinished jobs may be reaped."""
    with engine.begin() as conn:
        conn.execute(sa.update(t.workers).where(t.workers.c.executor_id == executor_id).values(stopped=True))


def reap(engine: Engine, me: str, lease_s: float) -> list[str]:
    """Take over workers whose lease ran out (or that stopped): returns their executor ids, each claimed by only
    one reaper (the row is deleted under a condition), for the caller to recover their workflows."""
    stale = utcnow() - timedelta(seconds=lease_s)
    won: list[str] = []
    with engine.connect() as conn:
        dead = conn.execute(
            sa.select(t.workers.c.executor_id).where(
                t.workers.c.executor_id != me,
                sa.or_(t.workers.c.heartbeat_at < stale, t.workers.c.stopped.is_(True)),
            )
        ).scalars()
        dead = list(dead)
    for executor_id in dead:
        with engine.begin() as conn:
            taken = conn.execute(
                sa.delete(t.workers).where(
                    t.workers.c.executor_id == executor_id,
                    sa.or_(t.workers.c.heartbeat_at < stale, t.workers.c.stopped.is_(True)),
                )
            ).rowcount
        if taken:
            won.append(executor_id)
    return won


__all__ = ["claim_slot", "heartbeat", "reap", "release"]
