"""Reads and writes of job records. Every write that a worker makes is fenced by its executor id, so a worker
that lost its job to a recovery cannot overwrite the new owner's record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..errors import InvalidRequest
from ..types import JobStatus
from . import tables as t
from .models import FINISHED, Attempt, Batch, BatchLineError, Job, JobEvent

OPEN = (JobStatus.queued.value, JobStatus.running.value)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_row(job_id: str, kind: str, request: dict[str, Any], queue: str, **extra: Any) -> dict[str, Any]:
    now = utcnow()
    return {
        "id": job_id,
        "kind": kind,
        "status": JobStatus.queued.value,
        "queue": queue,
        "workflow_id": job_id,
        "request": request,
        "progress": 0.0,
        "assets": [],
        "cost_usd": 0.0,
        "cancel_requested": False,
        "runs": 0,
        "created_at": now,
        "updated_at": now,
        "callback_url": None,  # every row has every key: a batch is inserted in one executemany
        "publish": None,
        **extra,
    }


def _job(row: Any, attempts: Sequence[Attempt] = ()) -> Job:
    data = dict(row._mapping)
    data.pop("workflow_id", None)
    data["attempts"] = list(attempts)
    return Job.model_validate(data)


class JobStore:
    """Job records in the job tables of ``engine`` (blocking calls: async code runs them in a thread)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ---- reads -------------------------------------------------------------------------------------------
    def get(self, job_id: str, *, with_attempts: bool = True) -> Job:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.jobs).where(t.jobs.c.id == job_id)).first()
            if row is None:
                raise InvalidRequest({"job_id": f"no job {job_id!r}"})
            return _job(row, self._attempts(conn, job_id) if with_attempts else ())

    def workflow_id(self, job_id: str) -> str:
        with self.engine.connect() as conn:
            wf = conn.execute(sa.select(t.jobs.c.workflow_id).where(t.jobs.c.id == job_id)).scalar()
        if wf is None:
            raise InvalidRequest({"job_id": f"no job {job_id!r}"})
        return str(wf)

    @staticmethod
    def _attempts(conn: Connection, job_id: str) -> list[Attempt]:
        from ..library.tables import attempts as ua

        query = (
            sa.select(ua.c.backend, ua.c.model, ua.c.provider_job_id, ua.c.outcome, ua.c.billable, ua.c.actual_usd)
            .where(sa.or_(ua.c.idempotency_key == job_id, ua.c.job_id == job_id))
            .order_by(ua.c.created_at)
        )
        return [
            Attempt(
                backend=r.backend,
                model=r.model,
                provider_job_id=r.provider_job_id,
                outcome=r.outcome,
                billable=bool(r.billable),
                cost_usd=r.actual_usd,
            )
            for r in conn.execute(query)
        ]

    def list(
        self,
        *,
        status: str | None = None,
        kind: str | None = None,
        batch: str | None = None,
        limit: int = 50,
        before: str | None = None,
        oldest_first: bool = False,
    ) -> list[Job]:
        """Newest first (oldest first with ``oldest_first``); ``before`` (a job id) continues a listing after
        that job in the same order."""
        c = t.jobs.c
        order = (c.created_at.asc(), c.id.asc()) if oldest_first else (c.created_at.desc(), c.id.desc())
        query = sa.select(t.jobs).order_by(*order).limit(max(1, limit))
        for column, value in ((c.status, status), (c.kind, kind), (c.batch_id, batch)):
            if value:
                query = query.where(column == value)
        with self.engine.connect() as conn:
            anchor = conn.execute(sa.select(c.created_at).where(c.id == before)).scalar() if before else None
            if anchor is not None:
                later = (c.created_at > anchor) if oldest_first else (c.created_at < anchor)
                same = sa.and_(c.created_at == anchor, (c.id > before) if oldest_first else (c.id < before))
                query = query.where(sa.or_(later, same))
            return [_job(r) for r in conn.execute(query)]

    def delete(self, job_id: str) -> str:
        """Delete one job's record and events; return its workflow id."""
        workflow_id = self.workflow_id(job_id)
        with self.engine.begin() as conn:
            conn.execute(sa.delete(t.events).where(t.events.c.job_id == job_id))
            conn.execute(sa.delete(t.jobs).where(t.jobs.c.id == job_id))
        return workflow_id

    def counts(self, *, batch: str | None = None) -> dict[str, int]:
        query = sa.select(t.jobs.c.status, sa.func.count()).group_by(t.jobs.c.status)
        if batch:
            query = query.where(t.jobs.c.batch_id == batch)
        with self.engine.connect() as conn:
            return {str(s): int(n) for s, n in conn.execute(query)}

    def events(self, job_id: str, after: int = 0, limit: int = 1000) -> list[JobEvent]:
        query = (
            sa.select(t.events)
            .where(t.events.c.job_id == job_id, t.events.c.seq > after)
            .order_by(t.events.c.seq)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [JobEvent.model_validate(dict(r._mapping)) for r in conn.execute(query)]

    def batch(self, batch_id: str) -> Batch:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.batches).where(t.batches.c.id == batch_id)).first()
            if row is None:
                raise InvalidRequest({"batch_id": f"no batch {batch_id!r}"})
            ids = conn.execute(
                sa.select(t.jobs.c.id).where(t.jobs.c.batch_id == batch_id).order_by(t.jobs.c.created_at)
            ).scalars()
            data = dict(row._mapping)
            data["rejected"] = [BatchLineError.model_validate(r) for r in data["rejected"]]
            return Batch(**data, job_ids=list(ids), counts=self.counts(batch=batch_id))

    # ---- writes by submitters ----------------------------------------------------------------------------
    @staticmethod
    def insert(conn: Connection, rows: Iterable[dict[str, Any]], events: bool = True) -> None:
        rows = list(rows)
        if not rows:
            return
        conn.execute(sa.insert(t.jobs), rows)
        if events:
            conn.execute(
                sa.insert(t.events),
                [
                    {"job_id": r["id"], "at": r["created_at"], "status": "queued", "progress": 0.0, "message": "queued"}
                    for r in rows
                ],
            )

    @staticmethod
    def insert_batch(conn: Connection, batch: Batch) -> None:
        values = batch.model_dump(include={"id", "created_at", "source", "total", "accepted"})
        values["rejected"] = [r.model_dump() for r in batch.rejected]
        conn.execute(sa.insert(t.batches), [values])

    def request_cancel(self, job_id: str) -> Job:
        """Flag the job; a queued one becomes ``cancelled`` at once. Returns the record before the change."""
        job = self.get(job_id)
        if job.finished:
            return job
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(t.jobs)
                .where(t.jobs.c.id == job_id, t.jobs.c.status.in_(OPEN))
                .values(cancel_requested=True, updated_at=now)
            )
            done = conn.execute(
                sa.update(t.jobs)
                .where(t.jobs.c.id == job_id, t.jobs.c.status == "queued")
                .values(status="cancelled", finished_at=now, message="cancelled before it started", stage="queued")
            ).rowcount
            if done:
                self._event(conn, job_id, "cancelled", "queued", job.progress, "cancelled before it started")
        return job

    @classmethod
    def requeue(cls, conn: Connection, job_id: str, workflow_id: str) -> None:
        """Make a failed or cancelled job queued again under a new workflow (``jobs resume``)."""
        conn.execute(
            sa.update(t.jobs)
            .where(t.jobs.c.id == job_id)
            .values(
                status="queued",
                workflow_id=workflow_id,
                cancel_requested=False,
                error=None,
                finished_at=None,
                runs=0,
                message="resumed",
                updated_at=utcnow(),
            )
        )
        cls._event(conn, job_id, "queued", None, 0.0, "resumed")

    def prune(self, older_than: timedelta) -> list[str]:
        """Delete finished jobs that ended more than ``older_than`` ago; return their workflow ids."""
        cutoff = utcnow() - older_than
        finished = [s.value for s in FINISHED]
        cond = sa.and_(t.jobs.c.status.in_(finished), t.jobs.c.finished_at < cutoff)
        with self.engine.begin() as conn:
            rows = conn.execute(sa.select(t.jobs.c.id, t.jobs.c.workflow_id).where(cond)).all()
            ids = [r.id for r in rows]
            for chunk in range(0, len(ids), 500):
                part = ids[chunk : chunk + 500]
                conn.execute(sa.delete(t.events).where(t.events.c.job_id.in_(part)))
                conn.execute(sa.delete(t.jobs).where(t.jobs.c.id.in_(part)))
            conn.execute(
                sa.delete(t.batches).where(
                    t.batches.c.created_at < cutoff,
                    ~sa.exists().where(t.jobs.c.batch_id == t.batches.c.id),
                )
            )
        return [r.workflow_id for r in rows]

    # ---- writes by workers (fenced by executor id) -------------------------------------------------------
    @staticmethod
    def _event(conn: Connection, job_id: str, status: str, stage: str | None, progress: float, msg: str | None) -> None:
        values = {"job_id": job_id, "at": utcnow(), "status": status, "stage": stage, "progress": progress}
        conn.execute(sa.insert(t.events), [{**values, "message": msg}])

    def claim(self, job_id: str, worker: str, max_runs: int) -> tuple[str, Job | None]:
        """Take the job for ``worker``: ("run", job), ("cancelled", job), ("finished", job) or ("exhausted", job)."""
        now = utcnow()
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(t.jobs).where(t.jobs.c.id == job_id)).first()
            if row is None:
                return "missing", None
            if row.status in [s.value for s in FINISHED]:
                return "finished", _job(row)
            if row.cancel_requested:
                self._close(conn, job_id, None, "cancelled", row.stage, row.progress, "cancelled", None, now)
                return "cancelled", _job(row)
            if row.runs >= max_runs:
                return "exhausted", _job(row)
            resumed = row.status == "running"
            message = f"recovered after a lost worker (run {row.runs + 1})" if resumed else "started"
            conn.execute(
                sa.update(t.jobs)
                .where(t.jobs.c.id == job_id)
                .values(
                    status="running",
                    worker=worker,
                    runs=row.runs + 1,
                    started_at=row.started_at or now,
                    message=message,
                    updated_at=now,
                )
            )
            self._event(conn, job_id, "running", row.stage, row.progress, message)
            return "run", _job(row)

    def progress(
        self, job_id: str, worker: str, progress: float, stage: str | None, message: str | None, log: bool
    ) -> tuple[bool, bool]:
        """Store progress; return (still this worker's job, cancel requested)."""
        with self.engine.begin() as conn:
            updated = conn.execute(
                sa.update(t.jobs)
                .where(t.jobs.c.id == job_id, t.jobs.c.worker == worker, t.jobs.c.status == "running")
                .values(progress=progress, stage=stage, message=message, updated_at=utcnow())
            ).rowcount
            if updated and log:
                self._event(conn, job_id, "running", stage, progress, message)
            flag = conn.execute(sa.select(t.jobs.c.cancel_requested).where(t.jobs.c.id == job_id)).scalar()
        return bool(updated), bool(flag)

    def cancel_flag(self, job_id: str, worker: str) -> tuple[bool, bool]:
        """(still this worker's job, cancel requested)."""
        with self.engine.connect() as conn:
            query = sa.select(t.jobs.c.worker, t.jobs.c.cancel_requested).where(t.jobs.c.id == job_id)
            row = conn.execute(query).first()
        if row is None:
            return False, True
        return row.worker == worker, bool(row.cancel_requested)

    def finish(self, job_id: str, worker: str | None, status: str, **values: Any) -> bool:
        """Close the job (succeeded, failed or cancelled) if ``worker`` still owns it (None: whoever)."""
        now = utcnow()
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(t.jobs.c.stage, t.jobs.c.progress).where(t.jobs.c.id == job_id)).first()
            if row is None:
                return False
            stage = values.pop("stage", row.stage)
            progress = values.pop("progress", row.progress)
            progress = 1.0 if status == "succeeded" else progress
            message = values.pop("message", status)
            return self._close(conn, job_id, worker, status, stage, progress, message, values, now)

    def _close(
        self,
        conn: Connection,
        job_id: str,
        worker: str | None,
        status: str,
        stage: str | None,
        progress: float,
        message: str,
        values: dict[str, Any] | None,
        now: datetime,
    ) -> bool:
        cond = [t.jobs.c.id == job_id, t.jobs.c.status.in_(OPEN)]
        if worker is not None:
            cond.append(t.jobs.c.worker == worker)
        done = conn.execute(
            sa.update(t.jobs)
            .where(*cond)
            .values(
                status=status,
                stage=stage,
                progress=progress,
                message=message,
                finished_at=now,
                updated_at=now,
                **(values or {}),
            )
        ).rowcount
        if done:
            self._event(conn, job_id, status, stage, progress, message)
        return bool(done)


__all__ = ["JobStore", "new_row", "utcnow"]
