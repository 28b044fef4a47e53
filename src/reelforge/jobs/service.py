"""``JobService``: submit, list, show, cancel, resume, follow and prune jobs from any process.

Submitting writes the job record and enqueues its DBOS workflow in one transaction, so a job is never
recorded without being queued, nor queued without a record. Nothing here runs jobs: workers do.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import InvalidRequest, ReelforgeError
from ..library.db import acquire_engine, release_engine
from . import engine as dbos_engine
from .db import migrate, system_database_url
from .models import FINISHED, Batch, BatchLineError, CancelOutcome, Job, JobEvent
from .requests import batch_line, job_request, publish_steps
from .store import JobStore, new_row, utcnow

BATCH_CHUNK = 500


def new_job_id() -> str:
    return f"job_{uuid.uuid4().hex}"


log = logging.getLogger(__name__)


class JobService:
    """The job service over ``config.resolved_database_url`` (blocking calls; ``asyncio.to_thread`` them)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.engine = acquire_engine(config.resolved_database_url)
        migrate(self.engine)
        self.system_url = system_database_url(self.engine)
        self.store = JobStore(self.engine)
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:  # reading jobs needs only the job tables; queueing needs DBOS's
            dbos_engine.ensure_system_tables(self.system_url)
            self._client = dbos_engine.make_client(self.system_url)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.destroy()
            self._client = None
        release_engine(self.engine)

    def __enter__(self) -> JobService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- submit ----------------------------------------------------------------------------------------
    def submit(
        self,
        kind: str,
        request: Any,
        *,
        callback_url: str | None = None,
        publish: list[dict[str, Any]] | None = None,
    ) -> Job:
        """Queue one ``video`` (a VideoRequest or its dict) or ``short`` (a ShortRequest or its dict)."""
        stored, queue = job_request(kind, request, self.config)
        steps = publish_steps(publish)
        row = new_row(new_job_id(), kind, stored, queue, callback_url=callback_url, publish=steps)
        self._enqueue([row])
        return self.store.get(row["id"], with_attempts=False)

    def _enqueue(self, rows: list[dict[str, Any]], batch: Batch | None = None) -> None:
        client = self.client
        with self.engine.begin() as conn:
            if batch is not None:
                JobStore.insert_batch(conn, batch)
            JobStore.insert(conn, rows)
            for row in rows:
                options = dbos_engine.enqueue_options(row["workflow_id"], row["queue"])
                client.enqueue_in_transaction(conn, options, row["id"])

    def submit_batch(self, lines: Iterable[str], source: str | None = None) -> Batch:
        """Queue every valid JSON Lines entry; refuse each bad one by line number with its problems.
        Blank lines and lines starting with ``#`` are skipped."""
        batch_id = f"batch_{uuid.uuid4().hex}"
        rows: list[dict[str, Any]] = []
        rejected: list[BatchLineError] = []
        total = 0
        for number, raw in enumerate(lines, start=1):
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
            total += 1
            try:
                kind, request, queue, extras = batch_line(raw, self.config)
            except ReelforgeError as exc:
                problems = getattr(exc, "problems", None) or {"request": exc.message}
                rejected.append(BatchLineError(line=number, problems=problems))
                continue
            rows.append(new_row(new_job_id(), kind, request, queue, batch_id=batch_id, **extras))
        batch = Batch(
            id=batch_id, created_at=utcnow(), source=source, total=total, accepted=len(rows), rejected=rejected
        )
        for start in range(0, max(1, len(rows)), BATCH_CHUNK):
            self._enqueue(rows[start : start + BATCH_CHUNK], batch if start == 0 else None)
        return batch.model_copy(update={"job_ids": [r["id"] for r in rows]})

    def submit_batch_file(self, path: Path) -> Batch:
        try:
            with open(path, encoding="utf-8") as fh:
                return self.submit_batch(fh, source=str(path))
        except OSError as exc:
            raise InvalidRequest({"batch": f"cannot read {path}: {exc.strerror}"}) from None

    # ---- read ------------------------------------------------------------------------------------------
    def get(self, job_id: str) -> Job:
        return self.store.get(job_id)

    def list(self, **filters: Any) -> list[Job]:
        return self.store.list(**filters)

    def batch(self, batch_id: str) -> Batch:
        return self.store.batch(batch_id)

    def events(self, job_id: str, after: int = 0) -> list[JobEvent]:
        return self.store.events(job_id, after)

    def follow(self, job_id: str, poll_s: float = 0.5) -> Iterator[JobEvent]:
        """Every event of the job, then new ones as they come, until the job ends."""
        import time

        seq = 0
        while True:
            batch = self.store.events(job_id, seq)
            yield from batch
            if batch:
                seq = batch[-1].seq
            elif self.store.get(job_id, with_attempts=False).finished:
                tail = self.store.events(job_id, seq)
                yield from tail
                return
            else:
                time.sleep(poll_s)

    async def afollow(self, job_id: str, poll_s: float = 0.5) -> AsyncIterator[JobEvent]:
        """Async variant of ``follow`` for the server's event stream."""
        seq = 0
        while True:
            batch = await asyncio.to_thread(self.store.events, job_id, seq)
            for event in batch:
                yield event
            if batch:
                seq = batch[-1].seq
                continue
            job = await asyncio.to_thread(self.store.get, job_id, with_attempts=False)
            if job.finished:
                for event in await asyncio.to_thread(self.store.events, job_id, seq):
                    yield event
                return
            await asyncio.sleep(poll_s)

    # ---- control ---------------------------------------------------------------------------------------
    def cancel(self, job_id: str) -> CancelOutcome:
        """Cancel from any process. Queued: never starts. Running: stops at the next safe point (its worker
        kills ffmpeg and calls the provider's cancel). Finished, or already cancelling: a no-op that says so."""
        before = self.store.request_cancel(job_id)
        job = self.store.get(job_id)
        if before.finished:
            return CancelOutcome(job=job, action="noop", message=f"job {job_id} already {before.status.value}")
        if before.cancel_requested:
            return CancelOutcome(job=job, action="noop", message=f"job {job_id} is already being cancelled")
        if job.status == "cancelled":
            self.client.cancel_workflow(self.store.workflow_id(job_id))
            return CancelOutcome(job=job, action="cancelled", message=f"job {job_id} cancelled before it started")
        return CancelOutcome(
            job=job, action="cancelling", message=f"job {job_id} is running; it stops at the next safe point"
        )

    def resume(self, job_id: str) -> Job:
        """Queue a failed or cancelled job again; it continues from its last checkpoint (a submitted provider
        task is polled, finished studio stages are kept)."""
        job = self.store.get(job_id, with_attempts=False)
        if job.status not in ("failed", "cancelled"):
            problem = f"job {job_id} is {job.status.value}: only failed or cancelled jobs resume"
            raise InvalidRequest({"job_id": problem})
        previous = self.store.workflow_id(job_id)
        workflow_id = f"{job_id}.{uuid.uuid4().hex[:8]}"
        with self.engine.begin() as conn:
            JobStore.requeue(conn, job_id, workflow_id)
            self.client.enqueue_in_transaction(conn, dbos_engine.enqueue_options(workflow_id, job.queue), job_id)
        self.client.delete_workflows([previous])  # the finished run's record; the job keeps its own history
        return self.store.get(job_id)

    def delete(self, job_id: str) -> None:
        """Forget one finished job: its record, its events and its workflow (unknown ids: InvalidRequest)."""
        job = self.store.get(job_id, with_attempts=False)
        if not job.finished:
            raise InvalidRequest({"job_id": f"job {job_id} is {job.status}: cancel it first"})
        workflow_id = self.store.delete(job_id)
        try:
            self.client.delete_workflows([workflow_id])
        except Exception:  # the record is gone; a workflow row left behind is only history
            log.warning("could not delete workflow %s of deleted job %s", workflow_id, job_id, exc_info=True)

    def prune(self, older_than: timedelta | None = None) -> int:
        """Delete finished jobs older than ``older_than`` (default: jobs.retention_days)."""
        from .config import jobs_config

        age = older_than if older_than is not None else timedelta(days=jobs_config(self.config).retention_days)
        workflow_ids = self.store.prune(age)
        for start in range(0, len(workflow_ids), 500):
            self.client.delete_workflows(workflow_ids[start : start + 500])
        return len(workflow_ids)


def is_finished(status: str) -> bool:
    return status in {s.value for s in FINISHED}


__all__ = ["JobService", "is_finished", "new_job_id"]
