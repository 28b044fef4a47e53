"""Webhook deliveries: one row per job end with a callback_url, kept until delivered or given up.

Revision ID: jobs_0002
Revises: jobs_0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "jobs_0002"
down_revision = "jobs_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_webhooks",
        sa.Column("job_id", sa.String(40), primary_key=True),
        sa.Column("finished_at", sa.DateTime, primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_at", sa.DateTime, nullable=False),
        sa.Column("locked_until", sa.DateTime, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("delivered_at", sa.DateTime, nullable=True),
    )
    op.create_index("ix_job_webhooks_state_next_at", "job_webhooks", ["state", "next_at"])


def downgrade() -> None:
    op.drop_table("job_webhooks")
