"""Fixtures: every storage test runs against SQLite and against PostgreSQL on 127.0.0.1 (when reachable)."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from reelforge.library import Library
from reelforge.media import ffmpeg_exe

PG_URL = os.environ.get("REELFORGE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_unreachable() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install 'reelforge[postgres]')"
    try:
        with psycopg.connect(PG_URL, connect_timeout=2):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {PG_URL} is unreachable: {str(exc).strip().splitlines()[0]}"


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A fresh schema in the test database for this run, dropped afterwards."""
    reason = _pg_unreachable()
    if reason:
        pytest.skip(reason)
    import psycopg

    schema = f"rf_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _truncate(lib: Library) -> None:
    import sqlalchemy as sa

    with lib.engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE assets, usage_attempts"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def library(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[Library]:
    if request.param == "sqlite":
        lib = Library(data_dir)
    else:
        lib = Library(data_dir, request.getfixturevalue("pg_schema_url"))
        _truncate(lib)
    try:
        yield lib
    finally:
        lib.close()


@pytest.fixture(scope="session")
def sample_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1 s, 96x54, 10 fps H.264 clip."""
    out = tmp_path_factory.mktemp("media") / "sample.mp4"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=96x54:r=10:d=1",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            str(out),
        ],
        check=True,
    )
    return out


@pytest.fixture
def staged(library: Library, sample_video: Path):  # type: ignore[no-untyped-def]
    """Copy the sample clip to a fresh staging path, as a backend would write it."""

    def make() -> Path:
        path = library.assets.staging_path()
        shutil.copyfile(sample_video, path)
        return path

    return make
