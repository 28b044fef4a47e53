"""The durable engine under the job service: one DBOS workflow per job run, on the ``default`` or ``gpu`` queue.

DBOS keeps its workflow and queue tables in the same database as the job records (``database_url``).
The application version is pinned, so a worker recovers workflows started by any release that runs the same
workflow; bump ``APP_VERSION`` when the workflow's steps change. Workflow ids are always the job id (or the job
id plus a resume suffix), never empty.
"""

from __future__ import annotations

import threading
from typing import Any

from dbos import DBOS, DBOSClient

from .runner import JobRunner

APP_NAME = "reelforge"
APP_VERSION = "reelforge-jobs-1"
WORKFLOW_NAME = "reelforge.job"
STEP_NAME = "reelforge.job.run"
MAX_RECOVERIES = 1000  # the job's own max_attempts decides when to give up (see JobRunner.run)

_runner: JobRunner | None = None
_migrated: set[str] = set()
_migrate_lock = threading.Lock()


def set_runner(runner: JobRunner | None) -> None:
    global _runner
    _runner = runner


# The runner stores every failure of the work itself; an exception here is the database failing under it, so
# the step is retried (the engine and the studio resume from their checkpoints, never paying twice).
@DBOS.step(name=STEP_NAME, retries_allowed=True, max_attempts=5, interval_seconds=2.0, backoff_rate=2.0)
async def run_job_step(job_id: str) -> str:
    if _runner is None:  # pragma: no cover - a worker always installs its runner before launch
        raise RuntimeError("no job runner in this process")
    return await _runner.run(job_id)


@DBOS.workflow(name=WORKFLOW_NAME, max_recovery_attempts=MAX_RECOVERIES)
async def job_workflow(job_id: str) -> str:
    return await run_job_step(job_id)


def ensure_system_tables(system_url: str) -> None:
    """Create or upgrade DBOS's tables once per process."""
    with _migrate_lock:
        if system_url in _migrated:
            return
        DBOS.migrate(system_url)
        _migrated.add(system_url)


def enqueue_options(workflow_id: str, queue: str) -> Any:
    if not workflow_id:
        raise ValueError("a job workflow needs a non-empty id")
    return {
        "workflow_name": WORKFLOW_NAME,
        "queue_name": queue,
        "workflow_id": workflow_id,
        "app_version": APP_VERSION,
        "application_name": APP_NAME,
    }


def make_client(system_url: str) -> DBOSClient:
    return DBOSClient(system_database_url=system_url, application_name=APP_NAME)


__all__ = [
    "APP_NAME",
    "APP_VERSION",
    "WORKFLOW_NAME",
    "enqueue_options",
    "ensure_system_tables",
    "job_workflow",
    "make_client",
    "set_runner",
]
