"""The job tables' database: the library's engine (same ``database_url``) and an Alembic history of their own."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "jobs_alembic_version"


def _alembic_config() -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("version_table", VERSION_TABLE)
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the job tables to the newest revision (a no-op when they are there already)."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = _alembic_config()
    heads = set(ScriptDirectory.from_config(cfg).get_heads())

    def current() -> set[str]:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
            return set(ctx.get_current_heads())

    if current() == heads:
        return
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except sa.exc.DatabaseError:
        for _ in range(100):  # another process migrating at the same moment: wait for it
            if current() == heads:
                return
            time.sleep(0.1)
        raise


def system_database_url(engine: Engine) -> str:
    """The URL DBOS keeps its queue and workflow tables in: the same database as the job tables."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{url.database}"
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


__all__ = ["VERSION_TABLE", "migrate", "system_database_url"]
