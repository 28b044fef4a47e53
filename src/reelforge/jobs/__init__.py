"""The job service: durable, cancellable, resumable video and short jobs on SQLite or PostgreSQL (DBOS).

``JobService`` submits and manages jobs from any process; ``Worker`` runs them (``reelforge worker``, or
embedded in the server). See docs/jobs.md.
"""

from .config import JobsConfig, jobs_config
from .models import Attempt, Batch, BatchLineError, CancelOutcome, Job, JobError, JobEvent
from .service import JobService
from .worker import Worker, wait_idle

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
