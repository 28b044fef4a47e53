"""Runs one job inside a worker: claims it, calls the engine or the studio, stores progress and the outcome.

A video job is one call of ``agenerate`` with the job id as idempotency key: when a worker died after the
provider task was submitted, the engine polls that task again instead of paying for a new one. A short keeps
its checkpoints in a folder of its own (``data_dir/jobs/<job id>``), so a re-run skips every finished stage.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import Cancelled, RateLimited, ReelforgeError, Timeout
from ..types import CancelToken, JobStatus, VideoRequest
from .config import jobs_config
from .models import Job, JobError
from .progress import Reporter
from .store import JobStore

log = logging.getLogger(__name__)
Handler = Callable[[Job, Config, Reporter, CancelToken], Awaitable[dict[str, Any]]]


def error_of(exc: BaseException, stage: str | None) -> JobError:
    """A job error with its stage and a readable reason, from any exception."""
    if isinstance(exc, ReelforgeError):
        retryable = bool(getattr(exc, "retryable", False)) or isinstance(exc, RateLimited | Timeout)
        own_stage = getattr(exc, "stage", None)
        return JobError(
            type=type(exc).__name__, message=exc.message or str(exc), stage=own_stage or stage, retryable=retryable
        )
    return JobError(type=type(exc).__name__, message=str(exc) or repr(exc), stage=stage, retryable=False)


async def run_video(job: Job, config: Config, reporter: Reporter, cancel: CancelToken) -> dict[str, Any]:
    from ..api import agenerate

    request = VideoRequest.model_validate({**job.request, "idempotency_key": job.id})
    result = await agenerate(request, config=config, on_progress=reporter, cancel=cancel)
    cost = result.cost.actual_usd if result.cost.actual_usd is not None else result.cost.estimated_usd
    return {
        "result": result.model_dump(mode="json", include=_VIDEO_FIELDS),
        "assets": [result.asset_id] if result.asset_id else [],
        "cost_usd": float(cost or 0.0),
    }


_VIDEO_FIELDS = {
    "path",
    "asset_id",
    "width",
    "height",
    "fps",
    "num_frames",
    "duration_s",
    "backend",
    "model",
    "provider_job_id",
    "seed",
    "cost",
    "warnings",
    "cached",
}


def work_dir_of(config: Config, job_id: str) -> Path:
    """The folder a short job keeps its checkpoints in: a rerun after a crash skips its finished stages."""
    return Path(config.data_dir) / "jobs" / job_id


async def run_short(job: Job, config: Config, reporter: Reporter, cancel: CancelToken) -> dict[str, Any]:
    from ..shorts.api import amake_short
    from ..shorts.request import ShortRequest

    request = ShortRequest.model_validate(job.request)
    work_dir = work_dir_of(config, job.id)
    result = await amake_short(request, config=config, work_dir=work_dir, on_progress=reporter, cancel=cancel)
    data = result.model_dump(
        mode="json", include={"path", "width", "height", "fps", "duration_s", "narration_s", "resumed", "warnings"}
    )
    data["title"] = result.metadata.title
    return {"result": data, "assets": [], "cost_usd": float(result.cost_usd or 0.0)}


HANDLERS: dict[str, Handler] = {"video": run_video, "short": run_short}


async def run_publish(
    job: Job, out: dict[str, Any], config: Config, reporter: Reporter, cancel: CancelToken
) -> list[dict[str, Any]]:
    """The job's ``publish`` steps, each its own resumable step after the render: a rerun after a crash (or
    ``jobs resume`` after a failed upload) continues the stored upload, and a finished one is not posted again."""
    from ..publish import publish

    source = out["assets"][0] if out.get("assets") else out["result"]["path"]
    published = []
    for index, step in enumerate(job.publish or []):
        reporter.set_stage("publish")
        reporter(0.0, f"publish: uploading to {step.get('to')}")
        done = await publish(config, source, step, reporter, cancel, key=f"{job.id}:publish:{index}")
        published.append(done.model_dump(mode="json"))
    return published


def remove_part_files(config: Config, older_than_s: float) -> None:
    """Half-written ``.part`` files of a dead run (in data_dir/tmp) are removed when a job resumes; files touched
    within the lease may belong to a live run and stay."""
    tmp = Path(config.data_dir) / "tmp"
    if not tmp.is_dir():
        return
    cutoff = time.time() - older_than_s
    for part in tmp.glob("*.part"):
        with contextlib.suppress(OSError):
            if part.stat().st_mtime < cutoff:
                part.unlink()


class JobRunner:
    """Runs jobs for one worker (``worker`` is its executor id, which fences every write)."""

    def __init__(self, config: Config, store: JobStore, worker: str, handlers: dict[str, Handler] | None = None):
        self.config, self.store, self.worker = config, store, worker
        self.settings = jobs_config(config)
        self.handlers = dict(HANDLERS if handlers is None else handlers)

    async def run(self, job_id: str) -> str:
        claim, job = await asyncio.to_thread(self.store.claim, job_id, self.worker, self.settings.max_attempts)
        if claim == "exhausted" and job is not None:
            reason = JobError(
                type="GenerationFailed",
                message=f"the job was started {job.runs} times and its worker was lost each time; "
                "resume it with `reelforge jobs resume` once the cause is fixed",
                stage=job.stage,
                retryable=True,
            )
            await asyncio.to_thread(self.store.finish, job_id, None, "failed", error=reason.model_dump())
            return "failed"
        if claim != "run" or job is None:
            return claim
        if job.runs > 0:  # a recovery: a dead run's half-written files go first
            await asyncio.to_thread(remove_part_files, self.config, self.settings.lease_s)
        return await self._execute(job)

    async def _execute(self, job: Job) -> str:
        cancel = CancelToken()
        reporter = Reporter(
            self.store, job.id, self.worker, cancel, interval=self.settings.progress_interval_s, stage=job.kind
        )
        values: dict[str, Any]
        async with reporter:
            try:
                handler = self.handlers[job.kind]
                out = await handler(job, self.config, reporter, cancel)
                if job.publish:
                    published = await run_publish(job, out, self.config, reporter, cancel)
                    out["result"] = {**out["result"], "published": published}
                status, values = JobStatus.succeeded.value, {**out, "message": "done"}
            except Cancelled as exc:
                reporter.set_stage(exc.stage or reporter.stage)
                status = JobStatus.cancelled.value
                values = {"message": f"cancelled during {exc.stage or reporter.stage}"}
            except Exception as exc:  # every failure is stored with its stage and reason
                error = error_of(exc, reporter.stage)
                reporter.set_stage(error.stage or reporter.stage)
                status, values = JobStatus.failed.value, {"error": error.model_dump(), "message": error.message}
                if not isinstance(exc, ReelforgeError):
                    log.exception("job %s failed unexpectedly", job.id)
        if reporter.lost:  # another worker took the job over: it writes the outcome
            return "lost"
        if status == JobStatus.cancelled.value and not cancel.cancelled:
            status = JobStatus.failed.value
            values["error"] = JobError(type="Cancelled", message=values["message"], stage=reporter.stage).model_dump()
        values.update(stage=reporter.stage, progress=round(reporter.fraction, 3))  # the last progress goes with it
        await asyncio.to_thread(self.store.finish, job.id, self.worker, status, **values)
        return status


__all__ = [
    "HANDLERS",
    "Handler",
    "JobRunner",
    "error_of",
    "remove_part_files",
    "run_publish",
    "run_short",
    "run_video",
    "work_dir_of",
]
