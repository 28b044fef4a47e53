"""Fixtures: every job test runs on SQLite and on PostgreSQL at 127.0.0.1 (a fresh database per test, dropped
afterwards; skipped with the reason when none can be reached)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_URL = os.environ.get("REELFORGE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def pg_unreachable() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install 'reelforge[postgres]')"
    try:
        with psycopg.connect(PG_URL, connect_timeout=2):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {PG_URL} is unreachable: {str(exc).strip().splitlines()[0]}"


@pytest.fixture(autouse=True)
def test_backends() -> Iterator[None]:
    """The job tests' backends (``sleepy``, ``gpusleepy``), registered for each test and removed after it."""
    from reelforge.backends import registry

    from .helpers import register_test_backends

    register_test_backends()
    yield
    for name in ("sleepy", "gpusleepy"):
        registry._registered.pop(name, None)
        registry._classes.pop(name, None)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh database on the test server for one test, dropped afterwards."""
    reason = pg_unreachable()
    if reason:
        pytest.skip(reason)
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"rf_jobs_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        from reelforge.library import db

        for key, (engine, _) in list(db._engines.items()):  # this test's engines go before the database does
            if name in key:
                engine.dispose()
                db._engines.pop(key, None)
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'reelforge.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url
