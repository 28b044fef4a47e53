"""Completion callbacks behind the engine: the fake provider calls back when the job ends, the attempt polls once
more instead of many times; a callback that never comes falls back to the slow poll; one submit per attempt."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reelforge.backends.base import ProviderJob
from reelforge.config import Config
from reelforge.generation import Engine
from reelforge.generation.callbacks import CallbackHub, is_open, provider_callbacks, record_callback
from reelforge.library.db import acquire_engine, release_engine
from reelforge.types import VideoRequest
from tests.fakes.fal_server import KEY as FAL_KEY
from tests.fakes.fal_server import FakeFal
from tests.fakes.replicate_server import KEY as REPLICATE_KEY
from tests.fakes.replicate_server import FakeReplicate
from tests.fakes.server import FakeServer

DB_FILE = "reelforge.db"


class Receiver:
    """The server's callback route in miniature: counts a callback on the attempt's row in the shared database."""

    def __init__(self) -> None:
        self.db_url = ""
        self.answers: list[int] = []
        self.app = Starlette(routes=[Route("/v1/provider-callbacks/{backend}/{token}", self.hit, methods=["POST"])])

    async def hit(self, request: Request) -> Response:
        db = acquire_engine(self.db_url)
        try:
            ok = await asyncio.to_thread(
                record_callback, db, request.path_params["backend"], request.path_params["token"]
            )
        finally:
            release_engine(db)
        self.answers.append(204 if ok else 404)
        return Response(status_code=204 if ok else 404)


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Any, ...]]:
    replicate, fal, receiver = FakeReplicate(), FakeFal(), Receiver()
    with FakeServer(replicate.app) as r, FakeServer(fal.app) as f, FakeServer(receiver.app) as rec:
        replicate.base_url, fal.base_url = r.url, f.url
        yield replicate, r, fal, f, receiver, rec


def engine_for(data_dir: Path, servers: tuple[Any, ...], public: bool = True, **backend: Any) -> Engine:
    replicate, r, fal, f, receiver, rec = servers
    for fake in (replicate, fal):
        fake.latency_s, fake.drop_callbacks = 0.6, False
        fake.callbacks_sent.clear()
        fake.counts.clear()
    r.requests.clear()
    f.requests.clear()
    receiver.db_url = f"sqlite:///{data_dir / DB_FILE}"
    common = {"poll_interval_s": 0.02, "callback_poll_interval_s": 30, "timeout_s": 30, **backend}
    data: dict[str, Any] = {
        "data_dir": str(data_dir),
        "cache": False,
        "backends": {
            "replicate": {"api_token": REPLICATE_KEY, "base_url": r.url, **common},
            "fal": {"api_key": FAL_KEY, "base_url": f.url, "actual_cost": False, **common},
        },
    }
    if public:
        data["server"] = {"public_url": rec.url + "/"}
    return Engine(Config.from_dict(data))


async def generate(engine: Engine, backend: str, model: str) -> Any:
    try:
        return await engine.generate(VideoRequest(prompt="a lighthouse", backend=backend, model=model, duration_s=5))
    finally:
        await engine.aclose()


def open_rows(data_dir: Path) -> int:
    db = acquire_engine(f"sqlite:///{data_dir / DB_FILE}")
    try:
        with db.connect() as conn:
            return len(conn.execute(sa.select(provider_callbacks.c.token)).all())
    finally:
        release_engine(db)


async def test_replicate_calls_back_and_the_run_polls_at_most_twice(servers: Any, data_dir: Path) -> None:
    replicate, r, *_, rec = servers
    engine = engine_for(data_dir, servers)
    result = await generate(engine, "replicate", "wan-video/wan-2.5-t2v")
    assert result.path.exists() and result.backend == "replicate"
    [submit] = r.seen("POST", "/v1/models/")
    body = json.loads(submit.body)
    assert body["webhook"].startswith(rec.url + "/v1/provider-callbacks/replicate/")
    assert body["webhook_events_filter"] == ["completed"]
    assert [status for _, status in replicate.callbacks_sent] == [204]
    assert 1 <= replicate.counts["poll"] <= 2  # at 0.02 s polling, 0.6 s would have taken ~30 polls
    assert open_rows(data_dir) == 0  # the attempt's row is gone: a late callback is refused


async def test_fal_calls_back_through_the_query_parameter(servers: Any, data_dir: Path) -> None:
    _, _, fal, f, _, rec = servers
    engine = engine_for(data_dir, servers)
    result = await generate(engine, "fal", "fal-ai/kling-video/v2.1/master/text-to-video")
    assert result.path.exists()
    [submit] = f.seen("POST", "/fal-ai/")
    [hook] = parse_qs(submit.query)["fal_webhook"]
    assert hook.startswith(rec.url + "/v1/provider-callbacks/fal/")
    assert [status for _, status in fal.callbacks_sent] == [204]
    assert 1 <= fal.counts["status"] <= 2


async def test_a_lost_callback_falls_back_to_the_slow_poll(servers: Any, data_dir: Path) -> None:
    replicate, r, *_ = servers
    engine = engine_for(data_dir, servers, callback_poll_interval_s=0.25)
    replicate.drop_callbacks = True
    result = await generate(engine, "replicate", "wan-video/wan-2.5-t2v")
    assert result.path.exists()
    assert [status for _, status in replicate.callbacks_sent] == ["dropped"]
    assert 2 <= replicate.counts["poll"] <= 8  # the slow interval, not the 0.02 s one
    assert len(r.seen("POST", "/v1/models/")) == 1


async def test_without_a_public_url_or_with_callbacks_off_nothing_changes(servers: Any, data_dir: Path) -> None:
    replicate, r, *_ = servers
    for i, options in enumerate(({"public": False}, {"callbacks": False})):
        fresh = data_dir / f"run{i}"  # a ledger of its own: nothing learned about this model's durations
        fresh.mkdir()
        engine = engine_for(fresh, servers, **options)
        assert (await generate(engine, "replicate", "wan-video/wan-2.5-t2v")).path.exists()
        [submit] = r.seen("POST", "/v1/models/")
        assert "webhook" not in json.loads(submit.body) and not replicate.callbacks_sent
        assert replicate.counts["poll"] > 3  # the normal interval


async def test_the_channel_wakes_only_for_its_own_token_and_backend(data_dir: Path) -> None:
    db = acquire_engine(f"sqlite:///{data_dir / DB_FILE}")
    hub = CallbackHub(db, "https://reelforge.example/", interval_s=0.02)
    job = ProviderJob(backend="replicate", id="p1")
    try:
        channel = await hub.open("replicate")
        assert channel is not None
        token = channel.url_for("replicate").rsplit("/", 1)[1]
        assert channel.url_for("replicate") == f"https://reelforge.example/v1/provider-callbacks/replicate/{token}"
        assert len(token) >= 32 and is_open(db, "replicate", token)
        assert not record_callback(db, "fal", token)  # another backend's route
        assert not record_callback(db, "replicate", "guessed-token")
        assert await channel.wait(job, 0.2) is False
        assert record_callback(db, "replicate", token)
        assert await channel.wait(job, 5) is True
        assert await channel.wait(job, 0.1) is False  # consumed
        await channel.close()
        assert not record_callback(db, "replicate", token) and not is_open(db, "replicate", token)
    finally:
        await hub.aclose()
        release_engine(db)


class StubChannel:
    """A channel whose callback has always just arrived: each wait returns at once."""

    def __init__(self) -> None:
        self.waits: list[tuple[str, float]] = []

    def url_for(self, backend: str) -> str:
        return f"https://hooks.example/v1/provider-callbacks/{backend}/tok"

    async def wait(self, job: ProviderJob, timeout: float) -> bool:
        self.waits.append((job.id, timeout))
        return True


@pytest.mark.parametrize("name", ["kling", "luma"])
async def test_kling_and_luma_send_callback_url_and_wait_on_the_channel(name: str, tmp_path: Path) -> None:
    from reelforge.backends.base import RunContext
    from reelforge.backends.registry import create_backend
    from tests.fakes.kling_server import KlingFake
    from tests.fakes.luma_server import LumaFake

    fake: Any = KlingFake() if name == "kling" else LumaFake()
    with fake:
        base = fake.url if name == "kling" else f"{fake.url}/dream-machine/v1"
        keys = (
            {"access_key": fake.access_key, "secret_key": fake.secret_key}
            if name == "kling"
            else {"api_key": fake.api_key}
        )
        backend = create_backend(name, {**keys, "base_url": base, "callback_poll_interval_s": 30, "timeout_s": 20})
        plan = await backend.avalidate(VideoRequest(prompt="a lighthouse", backend=name, duration_s=5))
        channel = StubChannel()
        output = await backend.run(plan, RunContext(out_path=tmp_path / "out.mp4", callback=channel))
        [submit] = fake.server.seen("POST")
    assert json.loads(submit.body)["callback_url"] == f"https://hooks.example/v1/provider-callbacks/{name}/tok"
    assert (tmp_path / "out.mp4").stat().st_size > 0
    assert channel.waits and all(w == (output.provider_job.id, 30) for w in channel.waits)
