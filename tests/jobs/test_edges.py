"""The durable engine's known edges: stable worker ids and a reaper that takes each dead worker once, a pinned
application version, no empty workflow ids, and a job that keeps losing its worker ends failed with a reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from reelforge.config import Config
from reelforge.jobs import JobService, leases
from reelforge.jobs import tables as t
from reelforge.jobs.engine import APP_VERSION, WORKFLOW_NAME, enqueue_options
from reelforge.jobs.runner import JobRunner
from reelforge.jobs.store import utcnow

from .helpers import write_config


@pytest.fixture
def service(tmp_path: Path, db_url: str) -> Iterator[JobService]:
    config, _ = write_config(tmp_path, db_url)
    with JobService(config) as svc:
        yield svc


def _age(service: JobService, executor_id: str, seconds: float) -> None:
    with service.engine.begin() as conn:
        conn.execute(
            sa.update(t.workers)
            .where(t.workers.c.executor_id == executor_id)
            .values(heartbeat_at=utcnow() - timedelta(seconds=seconds))
        )


def test_a_restarted_worker_takes_the_dead_ones_id_and_a_live_id_is_never_shared(service: JobService) -> None:
    first = leases.claim_slot(service.engine, ["default"], lease_s=3)
    second = leases.claim_slot(service.engine, ["default"], lease_s=3)
    assert first != second and first.endswith(":1") and second.endswith(":2")
    _age(service, first, 10)  # the first worker died: its lease ran out
    assert leases.claim_slot(service.engine, ["default"], lease_s=3) == first
    with pytest.raises(RuntimeError):
        leases.claim_slot(service.engine, ["gpu"], lease_s=3, name=second)


def test_each_dead_worker_is_reaped_by_exactly_one_reaper(service: JobService) -> None:
    dead = leases.claim_slot(service.engine, ["default"], lease_s=3, name="dead")
    a = leases.claim_slot(service.engine, ["default"], lease_s=3, name="a")
    b = leases.claim_slot(service.engine, ["default"], lease_s=3, name="b")
    assert leases.reap(service.engine, a, lease_s=3) == []
    _age(service, dead, 10)
    assert leases.reap(service.engine, a, lease_s=3) == [dead]
    assert leases.reap(service.engine, b, lease_s=3) == []
    leases.release(service.engine, b)  # a clean stop frees the slot at once
    assert leases.reap(service.engine, a, lease_s=3) == [b]


def test_workflows_carry_the_pinned_version_and_never_an_empty_id(service: JobService) -> None:
    job = service.submit("video", {"prompt": "x"})
    [status] = service.client.list_workflows(workflow_ids=[job.id])
    assert (status.name, status.app_version, status.queue_name) == (WORKFLOW_NAME, APP_VERSION, "default")
    with pytest.raises(ValueError):
        enqueue_options("", "default")


async def test_a_job_that_keeps_losing_its_worker_fails_with_a_reason(service: JobService) -> None:
    config: Config = service.config
    job = service.submit("video", {"prompt": "x"})
    with service.engine.begin() as conn:  # three workers took it and died
        conn.execute(sa.update(t.jobs).where(t.jobs.c.id == job.id).values(status="running", runs=3, stage="poll"))
    assert await JobRunner(config, service.store, "w").run(job.id) == "failed"
    failed = service.get(job.id)
    assert failed.status == "failed" and failed.error is not None
    assert failed.error.stage == "poll" and failed.error.retryable and "3 times" in failed.error.message
