"""Usage attempts keep the provider job's own data (status URLs, model path), so a resume needs nothing else.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("usage_attempts") as batch:
        batch.add_column(sa.Column("provider_job", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("usage_attempts") as batch:
        batch.drop_column("provider_job")
