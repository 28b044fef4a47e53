"""Webhooks: when a job with a ``callback_url`` ends, POST its record there, signed, retried with backoff.

Deliveries are rows in ``job_webhooks`` (one per job end), found from the job table itself, so a job that
ended while no server was running, or whose delivery was pending when the server stopped, is still delivered
when one starts. A row is claimed with a lease before it is sent, so several API nodes never send one delivery
at the same moment (delivery is at least once: receivers should key on ``X-Reelforge-Delivery``).

The signature header is ``X-Reelforge-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` with
``server.webhook_secret`` as the key. Receivers are SSRF-guarded like input URLs; redirects are not followed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..errors import InvalidRequest
from ..jobs import tables as t
from ..jobs.models import FINISHED
from .config import ServerConfig
from .ssrf import Guard

log = logging.getLogger("reelforge.server")
SIGNATURE_HEADER = "X-Reelforge-Signature"
LOOKBACK = timedelta(days=7)  # job ends older than this when a server first starts are not announced
BATCH = 20


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: bytes, header: str, body: bytes, tolerance_s: float = 300.0, now: float | None = None) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and is no older than ``tolerance_s`` (for receivers)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Dispatcher:
    """Finds job ends to announce, claims due deliveries and sends them."""

    def __init__(self, engine: Engine, service: Any, guard: Guard, settings: ServerConfig) -> None:
        self.engine, self.service, self.guard, self.settings = engine, service, guard, settings
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        self.secret = secret.encode()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="reelforge-webhooks")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # the database may be briefly away: the next tick retries
                log.warning("webhook delivery round failed", exc_info=True)
            await asyncio.sleep(self.settings.webhook_poll_s)

    async def tick(self) -> int:
        """One round: announce new job ends, send every due delivery. Returns how many were sent."""
        await asyncio.to_thread(self._discover)
        claimed = await asyncio.to_thread(self._claim)
        await asyncio.gather(*(self._deliver(*row) for row in claimed))
        return len(claimed)

    def _discover(self) -> None:
        now = _utcnow()
        w = t.webhooks
        already = sa.exists().where(w.c.job_id == t.jobs.c.id, w.c.finished_at == t.jobs.c.finished_at)
        ends = sa.select(
            t.jobs.c.id, t.jobs.c.finished_at, t.jobs.c.callback_url, sa.literal("pending"), sa.literal(0),
            sa.literal(now, t.jobs.c.updated_at.type),
        ).where(
            t.jobs.c.callback_url.is_not(None),
            t.jobs.c.status.in_([s.value for s in FINISHED]),
            t.jobs.c.finished_at > now - LOOKBACK,
            ~already,
        )  # fmt: skip
        with self.engine.connect() as conn:  # a read first: no write lock is taken while there is nothing new
            if conn.execute(sa.select(sa.exists(ends))).scalar() is not True:
                return
        columns = ["job_id", "finished_at", "url", "state", "attempts", "next_at"]
        with contextlib.suppress(sa.exc.IntegrityError), self.engine.begin() as conn:  # another node was first
            conn.execute(sa.insert(w).from_select(columns, ends))

    def _claim(self) -> list[tuple[str, datetime, str, int]]:
        now = _utcnow()
        w = t.webhooks
        free = sa.or_(w.c.locked_until.is_(None), w.c.locked_until < now)
        lease = now + timedelta(seconds=self.settings.webhook_timeout_s + 30)
        query = sa.select(w.c.job_id, w.c.finished_at, w.c.url, w.c.attempts)
        query = query.where(w.c.state == "pending", w.c.next_at <= now, free).order_by(w.c.next_at).limit(BATCH)
        won = []
        with self.engine.begin() as conn:
            for row in conn.execute(query).all():
                taken = conn.execute(
                    sa.update(w)
                    .where(w.c.job_id == row.job_id, w.c.finished_at == row.finished_at, w.c.state == "pending", free)
                    .values(locked_until=lease, attempts=row.attempts + 1)
                ).rowcount
                if taken:
                    won.append((row.job_id, row.finished_at, row.url, row.attempts + 1))
        return won

    async def _deliver(self, job_id: str, finished_at: datetime, url: str, attempt: int) -> None:
        try:
            job = await asyncio.to_thread(self.service.get, job_id)
            body = job.model_dump_json().encode()
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "reelforge-webhooks",
                "X-Reelforge-Event": f"job.{job.status.value}",
                "X-Reelforge-Delivery": f"{job_id}.{int(finished_at.timestamp())}",
            }
            if self.settings.public_url:
                headers["X-Reelforge-Job-Url"] = f"{self.settings.public_url.rstrip('/')}/v1/jobs/{job_id}"
            if self.secret:
                headers[SIGNATURE_HEADER] = sign(self.secret, int(time.time()), body)
            target = await self.guard.vet(url, "callback_url")
            timeout = httpx.Timeout(self.settings.webhook_timeout_s)
            request = self.guard.build(target, "POST", content=body, headers=headers, timeout=timeout)
            response = await self.guard.client.send(request)
            error = None if 200 <= response.status_code < 300 else f"the receiver answered HTTP {response.status_code}"
        except InvalidRequest as exc:
            error = exc.message
        except httpx.HTTPError as exc:
            error = f"could not reach the receiver: {type(exc).__name__}"
        await asyncio.to_thread(self._settle, job_id, finished_at, attempt, error)

    def _settle(self, job_id: str, finished_at: datetime, attempt: int, error: str | None) -> None:
        now = _utcnow()
        values: dict[str, Any] = {"locked_until": None, "last_error": error}
        if error is None:
            values.update(state="delivered", delivered_at=now)
        elif attempt >= self.settings.webhook_max_attempts:
            values.update(state="failed")
            log.warning("webhook for job %s given up after %d attempts: %s", job_id, attempt, error)
        else:
            delay = min(3600.0, self.settings.webhook_backoff_s * 3 ** (attempt - 1))
            values.update(next_at=now + timedelta(seconds=delay))
        w = t.webhooks
        with self.engine.begin() as conn:
            conn.execute(sa.update(w).where(w.c.job_id == job_id, w.c.finished_at == finished_at).values(**values))


__all__ = ["SIGNATURE_HEADER", "Dispatcher", "sign", "verify"]
