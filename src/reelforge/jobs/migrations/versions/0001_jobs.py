"""Job tables: jobs, progress events, batches, workers.

Revision ID: jobs_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "jobs_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("queue", sa.String(32), nullable=False),
        sa.Column("workflow_id", sa.String(64), nullable=False),
        sa.Column("batch_id", sa.String(40), nullable=True),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("stage", sa.String(64), nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("error", sa.JSON, nullable=True),
        sa.Column("result", sa.JSON, nullable=True),
        sa.Column("assets", sa.JSON, nullable=False),
        sa.Column("cost_usd", sa.Float, nullable=False),
        sa.Column("cancel_requested", sa.Boolean, nullable=False),
        sa.Column("runs", sa.Integer, nullable=False),
        sa.Column("worker", sa.String(128), nullable=True),
        sa.Column("callback_url", sa.Text, nullable=True),
        sa.Column("publish", sa.JSON, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=True),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_jobs_status", "jobs", ["status"])
    op.create_index("ix_jobs_batch_id", "jobs", ["batch_id"])
    op.create_index("ix_jobs_created_at", "jobs", ["created_at"])
    op.create_table(
        "job_events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("job_id", sa.String(40), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(64), nullable=True),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("message", sa.Text, nullable=True),
    )
    op.create_index("ix_job_events_job_id", "job_events", ["job_id"])
    op.create_table(
        "job_batches",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("source", sa.Text, nullable=True),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("accepted", sa.Integer, nullable=False),
        sa.Column("rejected", sa.JSON, nullable=False),
    )
    op.create_table(
        "job_workers",
        sa.Column("executor_id", sa.String(128), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("queues", sa.JSON, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("heartbeat_at", sa.DateTime, nullable=False),
        sa.Column("stopped", sa.Boolean, nullable=False),
    )
    op.create_index("ix_job_workers_heartbeat_at", "job_workers", ["heartbeat_at"])


def downgrade() -> None:
    for table in ("job_workers", "job_batches", "job_events", "jobs"):
        op.drop_table(table)
