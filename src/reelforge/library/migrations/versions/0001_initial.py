"""Initial schema: assets and usage attempts.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assets",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("sidecar_path", sa.Text, nullable=False),
        sa.Column("thumbnail_path", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("backend", sa.String(64), nullable=False),
        sa.Column("model", sa.String(255), nullable=True),
        sa.Column("seed", sa.BigInteger, nullable=True),
        sa.Column("cost_usd", sa.Float, nullable=False),
        sa.Column("billable", sa.Boolean, nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("fps", sa.Float, nullable=False),
        sa.Column("num_frames", sa.Integer, nullable=False),
        sa.Column("duration_s", sa.Float, nullable=False),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("provider_job_id", sa.String(255), nullable=True),
        sa.Column("cache_key", sa.String(128), nullable=True),
        sa.Column("warnings", sa.JSON, nullable=False),
        sa.Column("extra", sa.JSON, nullable=False),
    )
    op.create_index("ix_assets_cache_key", "assets", ["cache_key"])
    op.create_table(
        "usage_attempts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("backend", sa.String(64), nullable=False),
        sa.Column("model", sa.String(255), nullable=True),
        sa.Column("operation", sa.String(32), nullable=False),
        sa.Column("estimated_usd", sa.Float, nullable=False),
        sa.Column("actual_usd", sa.Float, nullable=True),
        sa.Column("billable", sa.Boolean, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("error", sa.JSON, nullable=True),
        sa.Column("asset_id", sa.String(32), nullable=True),
        sa.Column("provider_job_id", sa.String(255), nullable=True),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.Column("job_id", sa.String(64), nullable=True),
        sa.Column("request", sa.JSON, nullable=False),
    )
    op.create_index("ix_usage_attempts_created_at", "usage_attempts", ["created_at"])
    op.create_index("ix_usage_attempts_day", "usage_attempts", ["day"])
    op.create_index("ix_usage_attempts_idempotency_key", "usage_attempts", ["idempotency_key"])
    op.create_index("ix_usage_attempts_job_id", "usage_attempts", ["job_id"])


def downgrade() -> None:
    op.drop_table("usage_attempts")
    op.drop_table("assets")
