"""Alembic environment of the job tables: runs on the connection ``jobs.db.migrate`` hands over."""

from __future__ import annotations

from alembic import context

from reelforge.jobs.db import VERSION_TABLE
from reelforge.jobs.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the job service always passes one
    raise RuntimeError("run migrations through reelforge.jobs (the job store migrates on open)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
