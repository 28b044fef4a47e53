"""A new process polls a model's job about when earlier runs (the ledger) say it will be done."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reelforge.config import Config
from reelforge.generation import Engine
from reelforge.types import VideoRequest
from tests.fakes.server import FakeServer
from tests.fakes.wavespeed_server import KEY, FakeWavespeed


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    provider = FakeWavespeed(latency_s=0.5)
    with FakeServer(provider.app) as server:
        yield server


def polls(server: FakeServer) -> int:
    return len(server.seen("GET", "/api/v3/predictions"))


async def one_generation(data_dir: Path, server: FakeServer, **backend: Any) -> int:
    """Polls of one generation in an engine of its own (as in a new process: nothing learned in memory)."""
    block = {"api_key": KEY, "base_url": server.url, "poll_interval_s": 0.02, "timeout_s": 20, **backend}
    cfg = Config.from_dict(
        {"data_dir": str(data_dir), "default_backend": "wavespeed", "cache": False, "backends": {"wavespeed": block}}
    )
    engine = Engine(cfg)
    before = polls(server)
    try:
        result = await engine.generate(VideoRequest(prompt="a paper boat", resolution="480p"))
    finally:
        await engine.aclose()
    assert result.path.exists()
    return polls(server) - before


async def test_a_new_engine_polls_first_when_the_ledger_says_the_job_is_due(fake: FakeServer, data_dir: Path) -> None:
    first = await one_generation(data_dir, fake)
    second = await one_generation(data_dir, fake)  # a fresh engine and backend: only the ledger remembers
    assert first >= 6 and second <= 3


async def test_without_adaptive_polling_the_ledger_is_not_used(fake: FakeServer, data_dir: Path) -> None:
    await one_generation(data_dir, fake, adaptive_polling=False)
    assert await one_generation(data_dir, fake, adaptive_polling=False) >= 6
