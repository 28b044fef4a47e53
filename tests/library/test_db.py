"""Engines, URLs, SQLite pragmas, migrations on open, ids."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from reelforge.errors import ConfigError
from reelforge.library import Library, new_id
from reelforge.library.db import VERSION_TABLE, normalize_url


def test_postgres_urls_use_psycopg3() -> None:
    assert normalize_url("postgresql://u:p@h:5432/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"


def test_sqlite_path_expands_home() -> None:
    assert normalize_url("sqlite:///~/x.db").database == str(Path("~/x.db").expanduser())


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url"])
def test_unsupported_url_names_the_key(url: str) -> None:
    with pytest.raises(ConfigError) as err:
        normalize_url(url)
    assert err.value.key == "database_url"


def test_unreachable_postgres_is_a_config_error(data_dir: Path) -> None:
    with pytest.raises(ConfigError) as err:
        Library(data_dir, "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert err.value.key == "database_url"


def test_sqlite_default_location_and_pragmas(data_dir: Path) -> None:
    with Library(data_dir) as lib:
        assert lib.database_url == f"sqlite:///{data_dir}/reelforge.db"
        assert (data_dir / "reelforge.db").exists()
        with lib.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_from_config_expands_data_dir_placeholder(tmp_path: Path) -> None:
    cfg = SimpleNamespace(data_dir=tmp_path / "d", database_url="sqlite:///{data_dir}/other.db")
    with Library.from_config(cfg) as lib:
        assert lib.database_url == f"sqlite:///{tmp_path / 'd'}/other.db"
        assert (tmp_path / "d" / "other.db").exists()
    with Library.from_config(SimpleNamespace(data_dir=tmp_path / "e", database_url=None)) as lib:
        assert (tmp_path / "e" / "reelforge.db").exists()


def test_migrations_run_once_and_record_their_revision(library: Library) -> None:
    with library.engine.connect() as conn:
        assert conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all() == ["0003"]
    names = set(sa.inspect(library.engine).get_table_names())
    assert {"assets", "usage_attempts", VERSION_TABLE} <= names
    again = Library(library.data_dir, library.database_url)  # reopening is a no-op migration
    again.close()


def test_engine_shared_per_url_and_disposed_with_last_user(data_dir: Path) -> None:
    a = Library(data_dir)
    b = Library(data_dir)
    assert a.engine is b.engine
    a.close()
    with b.engine.connect() as conn:  # still usable by the other holder
        conn.execute(sa.text("SELECT 1"))
    b.close()
    with pytest.raises(RuntimeError):
        _ = b.engine
    c = Library(data_dir)
    assert c.engine is not None
    c.close()


def test_ids_are_short_sortable_and_url_safe() -> None:
    ids = [new_id() for _ in range(2000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[0-9a-z]{18}", i) for i in ids)


def test_several_processes_open_and_write_one_sqlite_database(data_dir: Path) -> None:
    import subprocess
    import sys

    script = (
        "import asyncio, sys\n"
        "from reelforge.library import Library\n"
        "async def main(lib):\n"
        "    for _ in range(20):\n"
        "        a = await lib.ledger.start_attempt(backend='b', model=None, operation='t',"
        " estimated_usd=1, request={})\n"
        "        await lib.ledger.finish_attempt(a, outcome='succeeded', billable=True)\n"
        "with Library(sys.argv[1]) as lib:\n"
        "    asyncio.run(main(lib))\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(data_dir)], stderr=subprocess.PIPE) for _ in range(3)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    import asyncio

    with Library(data_dir) as lib:
        rows = asyncio.run(lib.ledger.totals())
    assert sum(r.attempts for r in rows) == 60 and sum(r.cost_usd for r in rows) == 60.0
