"""One thread that applies the ledger's writes in batches: one transaction and one loop wake-up per batch.

Hundreds of concurrent generations each record an attempt, its provider job id and its outcome. Sent one by
one through ``asyncio.to_thread``, every write pays a thread hand-off, a connection checkout and a commit
(and on SQLite the writers queue on the database lock). Here the writes that arrive while a batch is being
written go together into the next transaction. A batch that fails is replayed one write per transaction, so
a bad write fails only its own caller. The thread starts on the first write and ends when idle.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Connection, Engine

Op = Callable[[Connection], Any]
Outcome = tuple[bool, Any]  # (ok, result or exception)
IDLE_S = 2.0


def _settle(items: list[tuple[asyncio.Future[Any], Outcome]]) -> None:
    for fut, (ok, value) in items:
        if fut.done():  # the caller was cancelled: the write was made all the same, like a to_thread call
            continue
        if ok:
            fut.set_result(value)
        else:
            fut.set_exception(value)


class BatchWriter:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._cond = threading.Condition()
        self._pending: list[tuple[Op, asyncio.AbstractEventLoop, asyncio.Future[Any]]] = []
        self._thread: threading.Thread | None = None

    async def run(self, op: Op) -> Any:
        """Apply ``op(connection)`` inside a transaction (shared with other writes) and return its result."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        with self._cond:
            self._pending.append((op, loop, fut))
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="reelforge-ledger-writer", daemon=True)
                self._thread.start()
            self._cond.notify()
        return await fut

    def _serve(self) -> None:
        while True:
            with self._cond:
                if not self._pending:
                    self._cond.wait(IDLE_S)
                if not self._pending:
                    self._thread = None
                    return
                batch, self._pending = self._pending, []
            outcomes = self._apply([op for op, _, _ in batch])
            by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Outcome]]] = {}
            for (_, loop, fut), outcome in zip(batch, outcomes, strict=True):
                by_loop.setdefault(loop, []).append((fut, outcome))
            for loop, items in by_loop.items():
                with contextlib.suppress(RuntimeError):  # that loop closed meanwhile: nobody is waiting
                    loop.call_soon_threadsafe(_settle, items)

    def _apply(self, ops: list[Op]) -> list[Outcome]:
        try:
            with self._engine.begin() as conn:
                return [(True, op(conn)) for op in ops]
        except Exception as exc:
            if len(ops) == 1:
                return [(False, exc)]
        outcomes: list[Outcome] = []
        for op in ops:  # replay alone, so only the failing write fails
            try:
                with self._engine.begin() as conn:
                    outcomes.append((True, op(conn)))
            except Exception as exc:
                outcomes.append((False, exc))
        return outcomes


__all__ = [
    "IDLE_S",
    "BatchWriter",
    "Op",
    "Outcome",
]
