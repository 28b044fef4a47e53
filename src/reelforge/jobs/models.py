"""A job as users see it: the record the CLI prints, the API serves and the store keeps."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..types import JobStatus

JobKind = Literal["video", "short"]
FINISHED = frozenset({JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled})
QUEUES = ("default", "gpu")


class JobError(BaseModel):
    """Why a job failed: the error's type and message, the stage it failed in, and whether a retry can help."""

    type: str
    message: str
    stage: str | None = None
    retryable: bool = False


class Attempt(BaseModel):
    """One provider attempt of a job, as the usage ledger recorded it."""

    backend: str
    model: str | None = None
    provider_job_id: str | None = None
    outcome: str | None = None  # None while in flight
    billable: bool = False
    cost_usd: float | None = None


class Job(BaseModel):
    id: str
    kind: JobKind
    status: JobStatus
    queue: str = "default"
    batch_id: str | None = None
    request: dict[str, Any]
    progress: float = 0.0
    stage: str | None = None
    message: str | None = None
    error: JobError | None = None
    result: dict[str, Any] | None = None
    assets: list[str] = Field(default_factory=list)
    cost_usd: float = 0.0
    attempts: list[Attempt] = Field(default_factory=list)
    runs: int = 0  # times a worker started it (first run, recoveries, resumes)
    worker: str | None = None
    cancel_requested: bool = False
    callback_url: str | None = None
    publish: list[dict[str, Any]] | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    updated_at: datetime

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class JobEvent(BaseModel):
    """One progress line of a job: ``jobs logs`` prints these, the API streams them."""

    seq: int
    job_id: str
    at: datetime
    status: JobStatus
    stage: str | None = None
    progress: float
    message: str | None = None


class BatchLineError(BaseModel):
    line: int
    problems: dict[str, str]


class Batch(BaseModel):
    """A submitted batch: its jobs' ids, the lines refused (by line number) and, when read back, counts by status."""

    id: str
    created_at: datetime
    source: str | None = None
    total: int
    accepted: int
    rejected: list[BatchLineError] = Field(default_factory=list)
    job_ids: list[str] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)


class CancelOutcome(BaseModel):
    """What ``cancel`` did: ``cancelled`` (was queued), ``cancelling`` (running; stops at the next safe point),
    or ``noop`` (already finished, or already being cancelled), with a sentence that says so."""

    job: Job
    action: Literal["cancelled", "cancelling", "noop"]
    message: str


__all__ = [
    "FINISHED",
    "QUEUES",
    "Attempt",
    "Batch",
    "BatchLineError",
    "CancelOutcome",
    "Job",
    "JobError",
    "JobEvent",
    "JobKind",
]
