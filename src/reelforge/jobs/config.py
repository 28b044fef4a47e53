"""The ``jobs:`` config block: leases, attempts, retention and worker defaults."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..config import register_section


class JobsConfig(BaseModel):
    """Settings of the job service. The queue lives in ``database_url``: SQLite embedded, PostgreSQL across machines."""

    model_config = ConfigDict(extra="forbid")

    lease_s: float = Field(default=60.0, ge=2.0)  # a worker silent this long is dead: its jobs are recovered
    max_attempts: int = Field(default=3, ge=1, le=50)  # times a job may be started (first run plus recoveries)
    retention_days: float = Field(default=30.0, ge=0)  # `jobs prune` default age for finished jobs
    concurrency: int = Field(default=4, ge=1, le=1000)  # jobs one worker runs at once from the default queue
    gpu_concurrency: int = Field(default=1, ge=1, le=64)  # jobs one worker runs at once from the gpu queue
    poll_interval_s: float = Field(default=0.5, gt=0, le=30)  # how often a worker looks for queued jobs
    progress_interval_s: float = Field(default=0.5, gt=0, le=30)  # progress is written at most this often


def jobs_config(config: Any) -> JobsConfig:
    """The ``jobs`` block of ``config``."""
    value = getattr(config, "jobs", None)
    return value if isinstance(value, JobsConfig) else JobsConfig.model_validate(value or {})


register_section("jobs", JobsConfig)

__all__ = ["JobsConfig", "jobs_config"]
