"""The usage ledger: every attempt at a backend, failures included, with its billable flag and cost."""

from __future__ import annotations

import asyncio
import functools
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..errors import InvalidRequest
from .ids import new_id
from .models import OUTCOMES, Attempt, UsageRow
from .tables import attempts as t
from .writer import BatchWriter

_cost = sa.func.coalesce(t.c.actual_usd, t.c.estimated_usd)
# Statements built once: the hot path (start, finish, spent) then only binds values.
_INSERT = t.insert()
_SINCE = t.c.created_at >= sa.bindparam("since", type_=t.c.created_at.type)
_SPENT = sa.select(sa.func.coalesce(sa.func.sum(_cost), 0.0)).where(_SINCE, t.c.billable.is_(True))
_SPENT_IN_FLIGHT = sa.select(sa.func.coalesce(sa.func.sum(_cost), 0.0)).where(
    _SINCE, sa.or_(t.c.billable.is_(True), t.c.outcome.is_(None))
)


@functools.cache
def _update(keys: tuple[str, ...]) -> sa.Update:
    return t.update().where(t.c.id == sa.bindparam("attempt_id")).values({k: sa.bindparam(k) for k in keys})


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


class UsageLedger:
    """Attempts are recorded before the backend is called and finished with their outcome."""

    def __init__(self, engine: Engine, writer: BatchWriter | None = None) -> None:
        self._engine = engine
        self._writer = writer or BatchWriter(engine)  # writes from concurrent runs share transactions

    # ---- writes ------------------------------------------------------------------------------------
    @staticmethod
    def _start(conn: Connection, values: dict[str, Any]) -> str:
        conn.execute(_INSERT, values)
        return values["id"]

    async def start_attempt(
        self,
        *,
        backend: str,
        model: str | None,
        operation: str,
        estimated_usd: float,
        request: dict[str, Any],
        idempotency_key: str | None = None,
        job_id: str | None = None,
    ) -> str:
        """Record an attempt about to be made and return its id. ``request`` must hold no secrets."""
        now = datetime.now(UTC)
        values = dict(
            id=new_id(),
            created_at=now,
            day=now.date(),
            backend=backend,
            model=model,
            operation=operation,
            estimated_usd=float(estimated_usd),
            billable=False,
            request=request,
            idempotency_key=idempotency_key,
            job_id=job_id,
        )
        return await self._writer.run(partial(self._start, values=values))

    @staticmethod
    def _update(conn: Connection, attempt_id: str, values: dict[str, Any]) -> None:
        if conn.execute(_update(tuple(values)), {"attempt_id": attempt_id, **values}).rowcount == 0:
            raise InvalidRequest({"attempt_id": f"no attempt {attempt_id!r} in the usage ledger"})

    async def set_provider_job(self, attempt_id: str, provider_job_id: str, data: dict[str, Any] | None = None) -> None:
        """Persist the provider's job id and whatever else polling it needs (call it before the first poll,
        so a restart can resume)."""
        values = {"provider_job_id": provider_job_id, "provider_job": data}
        await self._writer.run(partial(self._update, attempt_id=attempt_id, values=values))

    async def finish_attempt(
        self,
        attempt_id: str,
        *,
        outcome: str,
        billable: bool,
        actual_usd: float | None = None,
        error: dict[str, Any] | None = None,
        asset_id: str | None = None,
    ) -> None:
        """Record how the attempt ended: succeeded | failed | cancelled | cached | rejected."""
        if outcome not in OUTCOMES:
            raise InvalidRequest({"outcome": f"must be one of {', '.join(OUTCOMES)}, got {outcome!r}"})
        values = dict(
            outcome=outcome,
            billable=bool(billable),
            finished_at=datetime.now(UTC),
            actual_usd=None if actual_usd is None else float(actual_usd),
            error=error,
            asset_id=asset_id,
        )
        await self._writer.run(partial(self._update, attempt_id=attempt_id, values=values))

    # ---- reads -------------------------------------------------------------------------------------
    def _spent(self, since: datetime, include_in_flight: bool) -> float:
        query = _SPENT_IN_FLIGHT if include_in_flight else _SPENT
        with self._engine.connect() as conn:
            return float(conn.execute(query, {"since": _utc(since)}).scalar_one())

    async def spent_usd(self, since: datetime, *, include_in_flight: bool = False) -> float:
        """Spend since ``since``: billable attempts at their actual cost, else their estimate.

        With ``include_in_flight``, attempts without an outcome yet (in this or any other process) count at
        their estimate too, as a reservation: they may still be charged.
        """
        return await asyncio.to_thread(self._spent, since, include_in_flight)

    def _rows(self, query: sa.Select[Any]) -> list[Any]:
        with self._engine.connect() as conn:
            return list(conn.execute(query))

    def _select(self, query: sa.Select[Any]) -> list[Attempt]:
        return [Attempt.model_validate(dict(r._mapping)) for r in self._rows(query)]

    async def get(self, attempt_id: str) -> Attempt:
        rows = await asyncio.to_thread(self._select, t.select().where(t.c.id == attempt_id))
        if not rows:
            raise InvalidRequest({"attempt_id": f"no attempt {attempt_id!r} in the usage ledger"})
        return rows[0]

    async def unfinished(self, idempotency_key: str) -> Attempt | None:
        """The newest attempt under ``idempotency_key`` with no outcome yet: its process stopped while it ran.

        With ``provider_job_id`` set it reached the provider (poll it); without, it may have died inside the
        submit itself."""
        query = (
            t.select()
            .where(t.c.idempotency_key == idempotency_key, t.c.outcome.is_(None))
            .order_by(t.c.id.desc())
            .limit(1)
        )
        rows = await asyncio.to_thread(self._select, query)
        return rows[0] if rows else None

    async def succeeded(self, idempotency_key: str) -> Attempt | None:
        """The newest attempt under ``idempotency_key`` that succeeded and stored an asset, if any."""
        query = (
            t.select()
            .where(t.c.idempotency_key == idempotency_key, t.c.outcome == "succeeded", t.c.asset_id.is_not(None))
            .order_by(t.c.id.desc())
            .limit(1)
        )
        rows = await asyncio.to_thread(self._select, query)
        return rows[0] if rows else None

    async def typical_s(self, backend: str, model: str | None, operation: str, recent: int = 32) -> float | None:
        """The early end (20th percentile) of how long the ``recent`` last succeeded attempts at this backend,
        model and operation took, from submit to stored; None before any."""
        query = (
            sa.select(t.c.created_at, t.c.finished_at)
            .where(t.c.backend == backend, t.c.model == model, t.c.operation == operation, t.c.outcome == "succeeded")
            .order_by(t.c.id.desc())
            .limit(recent)
        )
        rows = await asyncio.to_thread(self._rows, query)
        spans = sorted((_utc(end) - _utc(start)).total_seconds() for start, end in rows if start and end)
        return spans[int(0.2 * (len(spans) - 1))] if spans else None

    async def attempts(
        self, *, since: datetime | None = None, backend: str | None = None, job_id: str | None = None, limit: int = 100
    ) -> list[Attempt]:
        """Newest first."""
        query = t.select().order_by(t.c.id.desc()).limit(limit)
        if since is not None:
            query = query.where(t.c.created_at >= _utc(since))
        if backend is not None:
            query = query.where(t.c.backend == backend)
        if job_id is not None:
            query = query.where(t.c.job_id == job_id)
        return await asyncio.to_thread(self._select, query)

    def _totals(self, since: date | None) -> list[UsageRow]:
        def count(cond: Any) -> Any:
            return sa.func.sum(sa.case((cond, 1), else_=0))

        query = (
            sa.select(
                t.c.day,
                t.c.backend,
                sa.func.count().label("attempts"),
                count(t.c.outcome == "succeeded").label("succeeded"),
                count(t.c.outcome.in_(("failed", "rejected"))).label("failed"),
                count(t.c.outcome == "cached").label("cached"),
                count(t.c.billable.is_(True)).label("billable"),
                sa.func.sum(sa.case((t.c.billable.is_(True), _cost), else_=0.0)).label("cost_usd"),
            )
            .group_by(t.c.day, t.c.backend)
            .order_by(t.c.day, t.c.backend)
        )
        if since is not None:
            query = query.where(t.c.day >= since)
        with self._engine.connect() as conn:
            rows = conn.execute(query).fetchall()
        return [
            UsageRow(
                day=r.day,
                backend=r.backend,
                attempts=r.attempts,
                succeeded=r.succeeded or 0,
                failed=r.failed or 0,
                cached=r.cached or 0,
                billable=r.billable or 0,
                cost_usd=round(float(r.cost_usd or 0.0), 6),
            )
            for r in rows
        ]

    async def totals(self, *, since: date | None = None) -> list[UsageRow]:
        """Counts and billable spend by UTC day and backend, oldest day first."""
        return await asyncio.to_thread(self._totals, since)


__all__ = [
    "UsageLedger",
]
