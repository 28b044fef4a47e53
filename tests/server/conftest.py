"""Fixtures of the service tests: an app over SQLite with an embedded worker in this process, and an httpx
client talking to it through the ASGI transport (no socket)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("fastapi")

from reelforge.config import Config
from tests.jobs.conftest import pg_url  # noqa: F401  (the PostgreSQL fixture)
from tests.jobs.helpers import register_test_backends

from .helpers import server_config


@pytest.fixture(scope="module", autouse=True)
def _test_backends() -> None:
    """The job tests' backends (``sleepy``...), registered for each module: the job tests' own fixture
    removes them after each of its tests, and a whole-suite run has those first."""
    register_test_backends()


@pytest.fixture(scope="session", autouse=True)
def _clip(tiny_mp4: Path) -> None:
    os.environ.setdefault("RF_TEST_CLIP", str(tiny_mp4))
    os.environ.setdefault("RF_TEST_DELAY_S", "0.2")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, tiny_mp4: Path) -> Iterator[tuple[Config, Any]]:
    """A config on SQLite with one embedded worker for the whole module (DBOS runs once per process)."""
    from reelforge.jobs import Worker

    os.environ["RF_TEST_CLIP"] = str(tiny_mp4)
    config, _ = server_config(tmp_path_factory.mktemp("server"), server={"max_upload_mb": 0.2})
    worker = Worker(config, concurrency=4).start()
    try:
        yield config, worker
    finally:
        worker.stop()


async def open_client(app: Any, token: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers) as client:
            yield client


@pytest.fixture
async def client(stack: tuple[Config, Any]) -> AsyncIterator[httpx.AsyncClient]:
    from reelforge.server import create_app

    app = create_app(stack[0])
    async for c in open_client(app):
        yield c
