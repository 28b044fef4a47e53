"""Webhooks: a finished job is POSTed to its callback_url, signed with HMAC-SHA256 over "timestamp.body",
retried after a 500, and still delivered by a server started after the one that failed to deliver it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from reelforge.config import Config
from reelforge.jobs import tables as t
from reelforge.server.webhooks import SIGNATURE_HEADER, sign, verify

from .conftest import open_client
from .helpers import Receiver, follow

SECRET = "whsec-for-tests-8d1f"


def hook_config(stack: tuple[Config, Any], **server: Any) -> Config:
    settings = {"allowed_hosts": ["127.0.0.1"], "webhook_secret": SECRET, "webhook_poll_s": 0.1,
                "webhook_backoff_s": 0.3, **server}  # fmt: skip
    data = {"data_dir": str(stack[0].data_dir), "default_backend": "sleepy", "cache": False}
    return Config.from_dict({**data, "backends": {"sleepy": {}}, "server": settings})


async def until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def deliveries(config: Config, job_id: str) -> list[Any]:
    from reelforge.library.db import acquire_engine, release_engine

    engine = acquire_engine(config.resolved_database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.select(t.webhooks).where(t.webhooks.c.job_id == job_id)).all())
    finally:
        release_engine(engine)


async def test_a_finished_job_is_posted_signed_and_retried_after_a_500(stack: tuple[Config, Any]) -> None:
    from reelforge.server import create_app

    config = hook_config(stack)
    with Receiver(answers=[500, 200]) as receiver:
        async for client in open_client(create_app(config)):
            r = await client.post("/v1/videos", json={"prompt": "hooked", "callback_url": f"{receiver.url}/hook"})
            assert r.status_code == 202, r.text
            job_id = r.json()["id"]
            await follow(client, job_id)
            await until(lambda: len(receiver.seen) >= 2)
            await asyncio.sleep(0.3)  # nothing more arrives once it was accepted
    assert len(receiver.seen) == 2
    for seen in receiver.seen:
        assert seen["method"] == "POST" and seen["path"] == "/hook"
        assert verify(SECRET.encode(), seen["headers"][SIGNATURE_HEADER], seen["body"])
        assert seen["headers"]["X-Reelforge-Event"] == "job.succeeded"
        body = json.loads(seen["body"])
        assert body["id"] == job_id and body["status"] == "succeeded" and body["assets"]
    assert SECRET not in receiver.seen[0]["body"].decode()
    [row] = deliveries(config, job_id)
    assert row.state == "delivered" and row.attempts == 2 and row.last_error is None


async def test_a_delivery_pending_when_the_server_stops_is_sent_by_the_next_one(stack: tuple[Config, Any]) -> None:
    from reelforge.server import create_app

    config = hook_config(stack)
    with Receiver(answers=[500]) as receiver:
        first = create_app(config, background=False)  # deliveries only when the test says so
        async for client in open_client(first):
            job = (await client.post("/v1/videos", json={"prompt": "x", "callback_url": f"{receiver.url}/h"})).json()
            await follow(client, job["id"])
            assert await first.state.services.webhooks.tick() == 1
        [row] = deliveries(config, job["id"])
        assert row.state == "pending" and row.attempts == 1 and "500" in row.last_error
        async for _ in open_client(create_app(config)):  # a new server process, in effect
            await until(lambda: len(receiver.seen) >= 2)
            await until(lambda: deliveries(config, job["id"])[0].state == "delivered")
    assert verify(SECRET.encode(), receiver.seen[1]["headers"][SIGNATURE_HEADER], receiver.seen[1]["body"])


async def test_a_receiver_outside_the_allow_list_is_refused_at_submit(stack: tuple[Config, Any]) -> None:
    from reelforge.server import create_app

    config = hook_config(stack)
    async for client in open_client(create_app(config, background=False)):
        for url in ("http://10.0.0.1/hook", "https://169.254.169.254/hook", "http://127.0.0.2:9/hook"):
            r = await client.post("/v1/videos", json={"prompt": "x", "callback_url": url})
            assert r.status_code == 422 and "callback_url" in r.json()["error"]["fields"], url


def test_the_signature_covers_the_timestamp_and_the_body() -> None:
    body = b'{"id": "job_1"}'
    now = int(time.time())
    header = sign(b"k", now, body)
    assert header.startswith(f"t={now},v1=") and verify(b"k", header, body)
    assert not verify(b"k", header, body + b" ")
    assert not verify(b"other", header, body)
    assert not verify(b"k", sign(b"k", now - 3600, body), body)  # replayed an hour later
    assert not verify(b"k", "v1=abc", body)


@pytest.mark.parametrize("answers", [[404], [302]])
async def test_a_refusing_receiver_is_given_up(stack: tuple[Config, Any], answers: list[int]) -> None:
    from reelforge.server import create_app

    config = hook_config(stack, webhook_max_attempts=2, webhook_backoff_s=0.05)
    with Receiver(answers=answers * 5) as receiver:
        app = create_app(config, background=False)
        async for client in open_client(app):
            job = (await client.post("/v1/videos", json={"prompt": "x", "callback_url": f"{receiver.url}/h"})).json()
            await follow(client, job["id"])
            await app.state.services.webhooks.tick()
            await asyncio.sleep(0.1)
            await app.state.services.webhooks.tick()
            await asyncio.sleep(0.1)
            assert await app.state.services.webhooks.tick() == 0
    [row] = deliveries(config, job["id"])
    assert row.state == "failed" and row.attempts == 2 and len(receiver.seen) == 2
