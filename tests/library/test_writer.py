"""The ledger's batch writer: concurrent writes share transactions, and a bad write fails only its caller."""

from __future__ import annotations

import asyncio

import pytest

from reelforge.errors import InvalidRequest
from reelforge.library import Library


async def start(lib: Library, i: int) -> str:
    return await lib.ledger.start_attempt(
        backend="wavespeed", model="m", operation="text-to-video", estimated_usd=0.1, request={"i": i}
    )


async def test_concurrent_writes_all_land_in_order(library: Library) -> None:
    ids = await asyncio.gather(*(start(library, i) for i in range(200)))
    assert len(set(ids)) == 200

    async def finish(i: int, aid: str) -> None:
        await library.ledger.set_provider_job(aid, f"job-{i}")
        await library.ledger.finish_attempt(aid, outcome="succeeded", billable=True, actual_usd=0.2)

    await asyncio.gather(*(finish(i, aid) for i, aid in enumerate(ids)))
    rows = {a.id: a for a in await library.ledger.attempts(limit=1000)}
    assert all(rows[aid].provider_job_id == f"job-{i}" and rows[aid].outcome == "succeeded"
               for i, aid in enumerate(ids))  # fmt: skip


async def test_a_bad_write_in_a_batch_fails_alone(library: Library) -> None:
    good = await asyncio.gather(*(start(library, i) for i in range(20)))
    writes = [library.ledger.set_provider_job(aid, "ok") for aid in good]
    writes.insert(7, library.ledger.set_provider_job("no-such-attempt", "x"))
    results = await asyncio.gather(*writes, return_exceptions=True)
    assert isinstance(results[7], InvalidRequest)
    assert [r for i, r in enumerate(results) if i != 7] == [None] * 20
    assert all(a.provider_job_id == "ok" for a in await library.ledger.attempts(limit=100))


async def test_a_cancelled_caller_does_not_break_the_writer(library: Library) -> None:
    task = asyncio.ensure_future(start(library, 0))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await start(library, 1)  # later writes still go through
