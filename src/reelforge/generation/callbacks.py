"""Completion callbacks across processes: the attempt's channel and the server's route meet in the database.

An attempt that asks a provider for a completion callback opens a channel: a row in ``provider_callbacks``
keyed by an unguessable token, which is also the last part of the callback URL
(``{server.public_url}/v1/provider-callbacks/{backend}/{token}``). The server's route counts each callback
that arrives on the row (``record_callback``: an unknown token or backend changes nothing and is refused);
every process running attempts keeps one watcher per engine that reads the counters of its open channels
every ``interval_s`` (one indexed query for all of them) and wakes the waits whose counter moved. The row
is deleted when the attempt ends; rows left by a process that died are swept after ``STALE_AFTER``.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine as Database

from ..backends.base import ProviderJob
from ..library.tables import provider_callbacks

ROUTE = "/v1/provider-callbacks"
STALE_AFTER = timedelta(days=2)  # longer than any generation runs
TOKEN_BYTES = 24  # 32 URL-safe characters


def _now() -> datetime:
    return datetime.now(UTC)


def record_callback(db: Database, backend: str, token: str) -> bool:
    """Count one callback for the attempt behind ``token``; False when no open attempt of ``backend`` has it.

    Blocking: call it in a thread.
    """
    if not token or len(token) > 64:
        return False
    table = provider_callbacks
    with db.begin() as conn:
        result = conn.execute(
            table.update()
            .where(table.c.token == token, table.c.backend == backend)
            .values(hits=table.c.hits + 1, last_at=_now())
        )
    return bool(result.rowcount)


def is_open(db: Database, backend: str, token: str) -> bool:
    """Whether an attempt of ``backend`` is waiting on ``token`` now. Blocking: call it in a thread."""
    if not token or len(token) > 64:
        return False
    table = provider_callbacks
    query = sa.select(table.c.token).where(table.c.token == token, table.c.backend == backend)
    with db.connect() as conn:
        return conn.execute(query).first() is not None


class CallbackChannel:
    """One attempt's callback URL and its wait; made by ``CallbackHub.open``."""

    def __init__(self, hub: CallbackHub, backend: str, token: str) -> None:
        self.hub = hub
        self.backend = backend
        self.token = token

    def url_for(self, backend: str) -> str:
        return f"{self.hub.public_url}{ROUTE}/{backend}/{self.token}"

    async def wait(self, job: ProviderJob, timeout: float) -> bool:
        return await self.hub.wait(self.token, timeout)

    async def close(self) -> None:
        await self.hub.close(self.token)


class CallbackHub:
    """The open channels of one engine and the watcher that wakes them."""

    def __init__(self, db: Database, public_url: str, interval_s: float = 0.5) -> None:
        self.db = db
        self.public_url = public_url.rstrip("/")
        self.interval_s = interval_s
        self._events: dict[str, asyncio.Event] = {}
        self._seen: dict[str, int] = {}
        self._watcher: asyncio.Task[None] | None = None
        self._swept = False

    @classmethod
    def from_config(cls, config: Any, db: Database) -> CallbackHub | None:
        """A hub when the server's ``public_url`` is configured (callbacks can reach it), else None."""
        url = getattr(getattr(config, "server", None), "public_url", None)
        return cls(db, str(url)) if url else None

    async def open(self, backend: str) -> CallbackChannel | None:
        """A new channel for one attempt at ``backend`` (its row written before the URL is handed out); None
        when the database refuses the row (the attempt then polls as usual)."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        sweep, self._swept = not self._swept, True
        try:
            await asyncio.to_thread(self._insert, token, backend, sweep)
        except sa.exc.SQLAlchemyError:
            return None
        self._events[token] = asyncio.Event()
        self._seen[token] = 0
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.ensure_future(self._watch())
        return CallbackChannel(self, backend, token)

    async def wait(self, token: str, timeout: float) -> bool:
        """True as soon as a callback for ``token`` arrived (consumed); False after ``timeout`` seconds."""
        event = self._events.get(token)
        if event is None:
            await asyncio.sleep(timeout)
            return False
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        event.clear()
        return True

    async def close(self, token: str) -> None:
        """Forget the channel and delete its row (later callbacks for it are refused)."""
        self._events.pop(token, None)
        self._seen.pop(token, None)
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            await asyncio.shield(asyncio.to_thread(self._delete, token))

    async def aclose(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._watcher
            self._watcher = None

    # -- database (blocking: run in threads) ------------------------------------------------------------
    def _insert(self, token: str, backend: str, sweep: bool) -> None:
        table = provider_callbacks
        with self.db.begin() as conn:
            if sweep:
                conn.execute(table.delete().where(table.c.created_at < _now() - STALE_AFTER))
            conn.execute(table.insert().values(token=token, backend=backend, created_at=_now(), hits=0))

    def _delete(self, token: str) -> None:
        with self.db.begin() as conn:
            conn.execute(provider_callbacks.delete().where(provider_callbacks.c.token == token))

    def _hits(self, tokens: list[str]) -> dict[str, int]:
        table = provider_callbacks
        out: dict[str, int] = {}
        with self.db.connect() as conn:
            for start in range(0, len(tokens), 500):
                rows = conn.execute(
                    sa.select(table.c.token, table.c.hits).where(table.c.token.in_(tokens[start : start + 500]))
                )
                out.update({str(token): int(hits) for token, hits in rows})
        return out

    async def _watch(self) -> None:
        """While channels are open: read their counters and wake the ones that moved."""
        while self._events:
            try:
                hits = await asyncio.to_thread(self._hits, list(self._events))
            except sa.exc.SQLAlchemyError:
                hits = {}  # a busy database: the waits fall back to their slow poll meanwhile
            for token, count in hits.items():
                if count > self._seen.get(token, count) and token in self._events:
                    self._seen[token] = count
                    self._events[token].set()
            await asyncio.sleep(self.interval_s)


__all__ = ["ROUTE", "CallbackChannel", "CallbackHub", "is_open", "provider_callbacks", "record_callback"]
