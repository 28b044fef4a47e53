"""The job service: durable, cancellable, resumable video and short jobs on SQLite or PostgreSQL (DBOS).

``JobService`` submits and manages jobs from any process; ``Worker`` runs them (``reelforge worker``, or
embedded in the server). See docs/jobs.md. Importing this package registers the ``jobs:`` config block;
the service and the worker (which load DBOS) are imported on first use.
"""

from typing import Any

from .config import JobsConfig, jobs_config
from .models import Attempt, Batch, BatchLineError, CancelOutcome, Job, JobError, JobEvent

_LAZY = {
    "JobService": "reelforge.jobs.service",
    "Worker": "reelforge.jobs.worker",
    "wait_idle": "reelforge.jobs.worker",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'reelforge.jobs' has no attribute {name!r}")


__all__ = [
    "Attempt",
    "Batch",
    "BatchLineError",
    "CancelOutcome",
    "Job",
    "JobError",
    "JobEvent",
    "JobService",
    "JobsConfig",
    "Worker",
    "jobs_config",
    "wait_idle",
]
