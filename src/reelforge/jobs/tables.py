"""The job service's tables (SQLAlchemy Core). Changes need a new Alembic revision in ``migrations/versions``."""

from __future__ import annotations

import sqlalchemy as sa

from ..library.tables import UTCDateTime

metadata = sa.MetaData()

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("queue", sa.String(32), nullable=False),
    sa.Column("workflow_id", sa.String(64), nullable=False),
    sa.Column("batch_id", sa.String(40), nullable=True, index=True),
    sa.Column("request", sa.JSON, nullable=False),
    sa.Column("progress", sa.Float, nullable=False, default=0.0),
    sa.Column("stage", sa.String(64), nullable=True),
    sa.Column("message", sa.Text, nullable=True),
    sa.Column("error", sa.JSON, nullable=True),
    sa.Column("result", sa.JSON, nullable=True),
    sa.Column("assets", sa.JSON, nullable=False),
    sa.Column("cost_usd", sa.Float, nullable=False, default=0.0),
    sa.Column("cancel_requested", sa.Boolean, nullable=False, default=False),
    sa.Column("runs", sa.Integer, nullable=False, default=0),
    sa.Column("worker", sa.String(128), nullable=True),
    sa.Column("callback_url", sa.Text, nullable=True),
    sa.Column("publish", sa.JSON, nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("started_at", UTCDateTime(), nullable=True),
    sa.Column("finished_at", UTCDateTime(), nullable=True),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

events = sa.Table(
    "job_events",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("job_id", sa.String(40), nullable=False, index=True),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("stage", sa.String(64), nullable=True),
    sa.Column("progress", sa.Float, nullable=False),
    sa.Column("message", sa.Text, nullable=True),
)

batches = sa.Table(
    "job_batches",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("source", sa.Text, nullable=True),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("accepted", sa.Integer, nullable=False),
    sa.Column("rejected", sa.JSON, nullable=False),  # [{"line": n, "problems": {...}}]
)

workers = sa.Table(
    "job_workers",
    metadata,
    sa.Column("executor_id", sa.String(128), primary_key=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("queues", sa.JSON, nullable=False),
    sa.Column("started_at", UTCDateTime(), nullable=False),
    sa.Column("heartbeat_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("stopped", sa.Boolean, nullable=False, default=False),
)

webhooks = sa.Table(  # deliveries of a job's callback_url, one per job end (server/webhooks.py)
    "job_webhooks",
    metadata,
    sa.Column("job_id", sa.String(40), primary_key=True),
    sa.Column("finished_at", UTCDateTime(), primary_key=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # pending | delivered | failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_at", UTCDateTime(), nullable=False),
    sa.Column("locked_until", UTCDateTime(), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("delivered_at", UTCDateTime(), nullable=True),
    sa.Index("ix_job_webhooks_state_next_at", "state", "next_at"),
)

__all__ = ["batches", "events", "jobs", "metadata", "webhooks", "workers"]
