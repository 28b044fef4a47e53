"""``POST /v1/provider-callbacks/{backend}/{token}``: no bearer token, the attempt's token and the provider's
signature are the key; a valid callback wakes the waiting attempt, a forged one is refused and causes no poll."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from reelforge.backends.base import ProviderJob
from reelforge.config import Config
from reelforge.generation import Engine
from reelforge.generation.callbacks import CallbackChannel, CallbackHub
from reelforge.types import VideoRequest
from tests.fakes.replicate_server import KEY, WEBHOOK_SECRET, FakeReplicate
from tests.fakes.server import FakeServer

from .conftest import open_client

JOB = ProviderJob(backend="replicate", id="p1")


@pytest.fixture(scope="module")
def replicate() -> Iterator[tuple[FakeReplicate, FakeServer]]:
    fake = FakeReplicate()
    with FakeServer(fake.app) as server:
        fake.base_url = server.url
        yield fake, server


def config_for(tmp: Path, server: FakeServer, public_url: str = "https://reelforge.example") -> Config:
    fast = {"poll_interval_s": 0.02, "callback_poll_interval_s": 30, "timeout_s": 30}
    return Config.from_dict(
        {
            "data_dir": str(tmp / "data"),
            "cache": False,
            "server": {"api_tokens": ["bearer-token-0123456789"], "public_url": public_url},
            "backends": {
                "replicate": {"api_token": KEY, "base_url": server.url, **fast},  # signing secret asked from the API
                "fal": {"api_key": "fal-key-0123456789", "base_url": server.url},
            },
        }
    )


@pytest.fixture
async def app_client(tmp_path: Path, replicate: Any) -> AsyncIterator[tuple[httpx.AsyncClient, CallbackHub]]:
    from reelforge.server import create_app

    app = create_app(config_for(tmp_path, replicate[1]), background=False)
    hub = CallbackHub(app.state.services.library.engine, "https://reelforge.example", interval_s=0.02)
    try:
        async for client in open_client(app):  # no bearer token: the route needs none
            yield client, hub
    finally:
        await hub.aclose()


def signed(body: bytes, secret: str = WEBHOOK_SECRET, stamp: float | None = None) -> dict[str, str]:
    ts = str(int(time.time() if stamp is None else stamp))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"msg_1.{ts}.".encode() + body, hashlib.sha256).digest()
    return {
        "webhook-id": "msg_1",
        "webhook-timestamp": ts,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }


def path_of(channel: CallbackChannel, backend: str = "replicate") -> str:
    return channel.url_for(backend).removeprefix("https://reelforge.example")


async def test_a_signed_replicate_callback_wakes_the_attempt_and_forged_ones_are_refused(app_client: Any) -> None:
    client, hub = app_client
    channel = await hub.open("replicate")
    assert channel is not None
    url, body = path_of(channel), json.dumps({"id": "p1", "status": "succeeded"}).encode()
    wrong = "whsec_" + base64.b64encode(b"someone-else-entirely-0123456789").decode()
    for headers in ({}, signed(body, secret=wrong), signed(body, stamp=time.time() - 3600)):
        response = await client.post(url, content=body, headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["error"]["type"] == "Unauthorized"
    tampered = await client.post(url, content=body + b" ", headers=signed(body))
    assert tampered.status_code == 401
    assert await channel.wait(JOB, 0.3) is False  # nothing forged reached the attempt: no poll
    response = await client.post(url, content=body, headers=signed(body))
    assert response.status_code == 204
    assert await channel.wait(JOB, 5) is True
    await channel.close()


async def test_unknown_tokens_and_backends_are_404_and_fal_callbacks_are_hints(app_client: Any) -> None:
    client, hub = app_client
    channel = await hub.open("fal")
    assert channel is not None
    token = path_of(channel, "fal").rsplit("/", 1)[1]
    for path in (
        "/v1/provider-callbacks/fal/not-a-token",
        f"/v1/provider-callbacks/replicate/{token}",  # a token of another backend
        f"/v1/provider-callbacks/procedural/{token}",  # a backend without callbacks
        f"/v1/provider-callbacks/nope/{token}",
    ):
        assert (await client.post(path, json={})).status_code == 404, path
    assert await channel.wait(JOB, 0.2) is False
    response = await client.post(path_of(channel, "fal"), json={"request_id": "r1", "status": "OK"})
    assert response.status_code == 204  # fal's ED25519 signature is not checked: a hint to poll, nothing more
    assert await channel.wait(JOB, 5) is True
    await channel.close()
    assert (await client.post(path_of(channel, "fal"), json={})).status_code == 404  # closed with its attempt


async def test_a_generation_finishes_on_the_served_route_and_a_forged_callback_costs_no_poll(
    tmp_path: Path, replicate: Any
) -> None:
    from reelforge.server import create_app

    fake, fake_server = replicate
    fake.latency_s, fake.drop_callbacks = 1.0, False
    fake.counts.clear()
    fake.callbacks_sent.clear()
    fake_server.requests.clear()
    app = create_app(config_for(tmp_path, fake_server), background=False)  # the server and the engine share a db
    with FakeServer(app) as served:
        engine = Engine(config_for(tmp_path, fake_server, public_url=served.url))
        run = asyncio.ensure_future(
            engine.generate(VideoRequest(prompt="a harbour", backend="replicate", model="wan-video/wan-2.5-t2v"))
        )
        while not fake_server.seen("POST", "/v1/models/"):
            await asyncio.sleep(0.01)
        hook = json.loads(fake_server.seen("POST", "/v1/models/")[0].body)["webhook"]
        async with httpx.AsyncClient() as client:
            forged = await client.post(hook, json={"id": "job00001", "status": "succeeded"})
            polls = fake.counts["poll"]
            await asyncio.sleep(0.3)
            assert forged.status_code == 401 and fake.counts["poll"] == polls and not run.done()
        try:
            result = await run
        finally:
            await engine.aclose()
    assert result.path.exists()
    assert [status for _, status in fake.callbacks_sent] == [204]
    assert 1 <= fake.counts["poll"] <= 2 and len(fake_server.seen("POST", "/v1/models/")) == 1
