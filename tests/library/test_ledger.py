"""Usage ledger: attempts, billable spend, totals by backend and day, resume lookup, concurrency."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from reelforge.errors import InvalidRequest
from reelforge.library import Library
from reelforge.library.tables import attempts as attempts_table

T2V = "text-to-video"


async def attempt(lib: Library, backend: str = "runway", usd: float = 1.0, **kw: object) -> str:
    return await lib.ledger.start_attempt(
        backend=backend,
        model="m",
        operation=T2V,
        estimated_usd=usd,
        request={"prompt": "p"},
        **kw,  # type: ignore[arg-type]
    )


async def test_attempt_round_trip(library: Library) -> None:
    aid = await attempt(library, idempotency_key="k1", job_id="job1")
    a = await library.ledger.get(aid)
    assert a.outcome is None and not a.billable and a.created_at.tzinfo is not None
    await library.ledger.finish_attempt(aid, outcome="failed", billable=False, error={"type": "ProviderError"})
    a = await library.ledger.get(aid)
    assert (a.outcome, a.billable, a.error, a.job_id) == ("failed", False, {"type": "ProviderError"}, "job1")
    assert a.finished_at is not None and a.finished_at >= a.created_at
    assert a.cost_usd == 0.0


async def test_bad_outcome_and_unknown_attempt(library: Library) -> None:
    aid = await attempt(library)
    with pytest.raises(InvalidRequest) as err:
        await library.ledger.finish_attempt(aid, outcome="exploded", billable=False)
    assert "outcome" in err.value.problems
    with pytest.raises(InvalidRequest) as err:
        await library.ledger.finish_attempt("nope", outcome="failed", billable=False)
    assert "attempt_id" in err.value.problems
    with pytest.raises(InvalidRequest):
        await library.ledger.set_provider_job("nope", "task-1")


async def test_spent_counts_billable_attempts(library: Library) -> None:
    start = datetime.now(UTC) - timedelta(seconds=5)
    a = await attempt(library, usd=1.0)
    await library.ledger.finish_attempt(a, outcome="succeeded", billable=True, actual_usd=0.8)  # actual wins
    b = await attempt(library, usd=2.0)
    await library.ledger.finish_attempt(b, outcome="succeeded", billable=True)  # estimate when actual unknown
    c = await attempt(library, usd=4.0)
    await library.ledger.finish_attempt(c, outcome="failed", billable=False)  # not charged
    d = await attempt(library, usd=8.0)
    await library.ledger.finish_attempt(d, outcome="rejected", billable=True, actual_usd=0.5)  # charged anyway
    assert await library.ledger.spent_usd(start) == pytest.approx(0.8 + 2.0 + 0.5)
    await attempt(library, usd=16.0)  # in flight: not spent, but reserved on request
    assert await library.ledger.spent_usd(start) == pytest.approx(0.8 + 2.0 + 0.5)
    assert await library.ledger.spent_usd(start, include_in_flight=True) == pytest.approx(0.8 + 2.0 + 0.5 + 16.0)
    assert await library.ledger.spent_usd(datetime.now(UTC) + timedelta(seconds=5)) == 0.0
    naive_start = start.replace(tzinfo=None)  # naive datetimes are taken as UTC
    assert await library.ledger.spent_usd(naive_start) == pytest.approx(3.3)


async def test_totals_by_backend_and_day(library: Library) -> None:
    for backend, outcome, billable, usd in [
        ("runway", "succeeded", True, 1.0),
        ("runway", "failed", False, 1.0),
        ("runway", "rejected", True, 0.5),
        ("veo", "succeeded", True, 3.0),
        ("veo", "cached", False, 3.0),
        ("procedural", "succeeded", False, 0.0),
    ]:
        aid = await attempt(library, backend=backend, usd=usd)
        await library.ledger.finish_attempt(aid, outcome=outcome, billable=billable)
    old = await attempt(library, backend="runway", usd=7.0)
    await library.ledger.finish_attempt(old, outcome="succeeded", billable=True)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    with library.engine.begin() as conn:  # move one attempt to yesterday
        conn.execute(
            sa.update(attempts_table)
            .where(attempts_table.c.id == old)
            .values(created_at=yesterday, day=yesterday.date())
        )
    rows = await library.ledger.totals()
    today = datetime.now(UTC).date()
    got = {(r.day, r.backend): r for r in rows}
    assert [(r.day, r.backend) for r in rows] == sorted(got)
    rw = got[(today, "runway")]
    assert (rw.attempts, rw.succeeded, rw.failed, rw.billable, rw.cost_usd) == (3, 1, 2, 2, 1.5)
    veo = got[(today, "veo")]
    assert (veo.attempts, veo.succeeded, veo.cached, veo.billable, veo.cost_usd) == (2, 1, 1, 1, 3.0)
    assert got[(today, "procedural")].cost_usd == 0.0
    assert got[(yesterday.date(), "runway")].cost_usd == 7.0
    recent = await library.ledger.totals(since=today)
    assert {r.backend for r in recent} == {"runway", "veo", "procedural"} and all(r.day == today for r in recent)
    assert await library.ledger.totals(since=date(2999, 1, 1)) == []


async def test_provider_job_persisted_and_unfinished_found(library: Library, data_dir) -> None:
    first = await attempt(library, idempotency_key="req-1")  # stopped before the provider answered
    pending = await library.ledger.unfinished("req-1")
    assert pending is not None and pending.id == first and pending.provider_job_id is None
    await library.ledger.finish_attempt(first, outcome="failed", billable=False)
    assert await library.ledger.unfinished("req-1") is None
    aid = await attempt(library, idempotency_key="req-1")
    await library.ledger.set_provider_job(aid, "task-42", {"backend": "fal", "id": "task-42", "data": {"u": 1}})
    # a new Library on the same database (a restarted process) sees it
    again = Library(library.data_dir, library.database_url)
    try:
        found = await again.ledger.unfinished("req-1")
        assert found is not None and found.id == aid and found.provider_job_id == "task-42"
        assert found.provider_job == {"backend": "fal", "id": "task-42", "data": {"u": 1}}
        await again.ledger.finish_attempt(aid, outcome="succeeded", billable=True, asset_id="a1")
        assert await library.ledger.unfinished("req-1") is None
        assert await library.ledger.unfinished("other") is None
    finally:
        again.close()


async def test_attempts_filters(library: Library) -> None:
    ids = [await attempt(library, backend=b) for b in ("runway", "veo", "runway")]
    assert [a.id for a in await library.ledger.attempts()] == ids[::-1]
    assert [a.id for a in await library.ledger.attempts(backend="runway")] == [ids[2], ids[0]]
    assert [a.id for a in await library.ledger.attempts(limit=1)] == [ids[2]]
    assert await library.ledger.attempts(since=datetime.now(UTC) + timedelta(minutes=1)) == []


async def test_fifty_concurrent_start_finish_pairs(library: Library) -> None:
    start = datetime.now(UTC) - timedelta(seconds=5)

    async def one(i: int) -> str:
        aid = await attempt(library, backend=f"b{i % 3}", usd=0.01)
        await library.ledger.set_provider_job(aid, f"task-{i}")
        await library.ledger.finish_attempt(aid, outcome="succeeded", billable=True, actual_usd=0.02)
        return aid

    ids = await asyncio.gather(*(one(i) for i in range(50)))
    assert len(set(ids)) == 50
    assert await library.ledger.spent_usd(start) == pytest.approx(1.0)
    rows = await library.ledger.totals()
    assert sum(r.attempts for r in rows) == 50 and sum(r.succeeded for r in rows) == 50
    assert all(a.provider_job_id and a.outcome == "succeeded" for a in await library.ledger.attempts(limit=100))


async def test_typical_duration_is_the_early_end_of_recent_successes(library: Library) -> None:
    assert await library.ledger.typical_s("runway", "m", T2V) is None
    start = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    for seconds, outcome in (
        (60, "succeeded"),
        (90, "succeeded"),
        (75, "succeeded"),
        (300, "succeeded"),
        (5, "failed"),
    ):
        aid = await attempt(library)
        await library.ledger.finish_attempt(aid, outcome=outcome, billable=outcome == "succeeded")
        with library.engine.begin() as conn:
            conn.execute(
                sa.update(attempts_table)
                .where(attempts_table.c.id == aid)
                .values(created_at=start, finished_at=start + timedelta(seconds=seconds))
            )
    assert await library.ledger.typical_s("runway", "m", T2V) == 60.0  # failures and the slow one aside
    assert await library.ledger.typical_s("runway", "other", T2V) is None
    assert await library.ledger.typical_s("veo", "m", T2V) is None
