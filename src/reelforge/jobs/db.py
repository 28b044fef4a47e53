"""The job tables' database: the library's engine (same ``database_url``) and an Alembic history of their own."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from ..library import db as library_db

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "jobs_alembic_version"


def migrate(engine: Engine) -> None:
    """Bring the job tables to the newest revision of their own history (a no-op when they are there already)."""
    library_db.migrate(engine, MIGRATIONS_DIR, VERSION_TABLE)


def system_database_url(engine: Engine) -> str:
    """The URL DBOS keeps its queue and workflow tables in: the same database as the job tables."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{url.database}"
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


__all__ = ["VERSION_TABLE", "migrate", "system_database_url"]
