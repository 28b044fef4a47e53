"""The library's tables (SQLAlchemy Core). Changes here need a new Alembic revision in ``migrations/versions``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData()


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timestamps stored as naive UTC on every database and read back as aware UTC datetimes."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


assets = sa.Table(
    "assets",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("path", sa.Text, nullable=False),  # relative to data_dir when inside it
    sa.Column("sidecar_path", sa.Text, nullable=False),
    sa.Column("thumbnail_path", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("backend", sa.String(64), nullable=False),
    sa.Column("model", sa.String(255), nullable=True),
    sa.Column("seed", sa.BigInteger, nullable=True),
    sa.Column("cost_usd", sa.Float, nullable=False, default=0.0),
    sa.Column("billable", sa.Boolean, nullable=False, default=False),
    sa.Column("checksum", sa.String(64), nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("height", sa.Integer, nullable=False),
    sa.Column("fps", sa.Float, nullable=False),
    sa.Column("num_frames", sa.Integer, nullable=False),
    sa.Column("duration_s", sa.Float, nullable=False),
    sa.Column("request", sa.JSON, nullable=False),
    sa.Column("provider_job_id", sa.String(255), nullable=True),
    sa.Column("cache_key", sa.String(128), nullable=True, index=True),
    sa.Column("warnings", sa.JSON, nullable=False),
    sa.Column("extra", sa.JSON, nullable=False),
)

attempts = sa.Table(
    "usage_attempts",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("created_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("day", sa.Date, nullable=False, index=True),  # UTC day of created_at, for totals
    sa.Column("finished_at", UTCDateTime(), nullable=True),
    sa.Column("backend", sa.String(64), nullable=False),
    sa.Column("model", sa.String(255), nullable=True),
    sa.Column("operation", sa.String(32), nullable=False),
    sa.Column("estimated_usd", sa.Float, nullable=False),
    sa.Column("actual_usd", sa.Float, nullable=True),
    sa.Column("billable", sa.Boolean, nullable=False, default=False),
    sa.Column("outcome", sa.String(16), nullable=True),  # None while in flight
    sa.Column("error", sa.JSON, nullable=True),
    sa.Column("asset_id", sa.String(32), nullable=True),
    sa.Column("provider_job_id", sa.String(255), nullable=True),
    sa.Column("provider_job", sa.JSON, nullable=True),  # what the backend needs to poll it again
    sa.Column("idempotency_key", sa.String(255), nullable=True, index=True),
    sa.Column("job_id", sa.String(64), nullable=True, index=True),
    sa.Column("request", sa.JSON, nullable=False),
)

provider_callbacks = sa.Table(  # completion callbacks of attempts in flight (generation/callbacks.py), 0003
    "provider_callbacks",
    metadata,
    sa.Column("token", sa.String(64), primary_key=True),
    sa.Column("backend", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("hits", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_at", UTCDateTime(), nullable=True),
)


__all__ = [
    "UTCDateTime",
    "assets",
    "attempts",
    "metadata",
    "provider_callbacks",
]
