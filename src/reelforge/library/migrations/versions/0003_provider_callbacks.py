"""Provider completion callbacks: one row per attempt that asked for one, counting the callbacks that arrived.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provider_callbacks",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column("backend", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
        sa.Column("hits", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_at", sa.DateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("provider_callbacks")
