"""Alembic environment: runs on the connection the library hands over (see ``db.migrate``)."""

from __future__ import annotations

from alembic import context

from reelforge.library.db import VERSION_TABLE
from reelforge.library.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the library always passes one
    raise RuntimeError("run migrations through reelforge.library (Library(...) migrates on open)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
