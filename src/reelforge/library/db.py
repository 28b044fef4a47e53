"""Engines (one per URL, shared, thread-safe) and schema migrations run on open."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from ..errors import ConfigError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "library_alembic_version"  # own table: other areas may keep their own Alembic history

_lock = threading.Lock()
_engines: dict[str, tuple[Engine, int]] = {}


def normalize_url(url: str) -> URL:
    """Parse ``url``: ``postgresql://``/``postgres://`` use psycopg 3; ``~`` in a SQLite path is expanded."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"database_url is not a database URL ({exc})", key="database_url") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.drivername == "sqlite" and parsed.database and parsed.database != ":memory:":
        parsed = parsed.set(database=str(Path(parsed.database).expanduser()))
    elif not parsed.drivername.startswith(("sqlite", "postgresql")):
        raise ConfigError(
            f"database_url: unsupported database {parsed.drivername!r}; use sqlite:// or postgresql://",
            key="database_url",
        )
    return parsed


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _create(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    else:
        if url.get_backend_name() == "postgresql":
            try:
                import psycopg  # noqa: F401
            except ImportError:
                raise ConfigError(
                    "PostgreSQL needs psycopg: pip install 'reelforge[postgres]'", key="database_url"
                ) from None
        engine = sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    return engine


def acquire_engine(url: str) -> Engine:
    """The shared engine for ``url`` (created, and the schema migrated, on first use)."""
    parsed = normalize_url(url)
    key = parsed.render_as_string(hide_password=False)
    with _lock:
        if key in _engines:
            engine, refs = _engines[key]
            _engines[key] = (engine, refs + 1)
            return engine
        engine = _create(parsed)
        try:
            migrate(engine)
        except sa.exc.OperationalError as exc:
            engine.dispose()
            raise ConfigError(f"database_url: cannot open the database ({exc.orig})", key="database_url") from None
        except BaseException:
            engine.dispose()
            raise
        _engines[key] = (engine, 1)
        return engine


def release_engine(engine: Engine) -> None:
    """Drop one reference to ``engine``; the last one disposes its connection pool."""
    with _lock:
        for key, (eng, refs) in list(_engines.items()):
            if eng is engine:
                if refs <= 1:
                    del _engines[key]
                    eng.dispose()
                else:
                    _engines[key] = (eng, refs - 1)
                return


def migrate(engine: Engine, migrations: Path = MIGRATIONS_DIR, version_table: str = VERSION_TABLE) -> None:
    """Bring one Alembic history (the library's by default; the job service has its own) to its newest
    revision; a no-op when it is there already."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations))
    cfg.set_main_option("version_table", version_table)
    heads = set(ScriptDirectory.from_config(cfg).get_heads())

    def current() -> set[str]:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"version_table": version_table})
            return set(ctx.get_current_heads())

    if current() == heads:
        return
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except sa.exc.DatabaseError:
        # Another process migrating the same database at the same moment is fine: wait for it to finish.
        for _ in range(100):
            if current() == heads:
                return
            time.sleep(0.1)
        raise


__all__ = [
    "MIGRATIONS_DIR",
    "VERSION_TABLE",
    "acquire_engine",
    "migrate",
    "normalize_url",
    "release_engine",
]
