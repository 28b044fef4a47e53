"""Uploads typed by their bytes and capped by size; bearer tokens on every /v1 call, never echoed or logged."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from reelforge.config import Config

from .conftest import open_client
from .helpers import TOKEN, png_bytes


async def test_raw_and_form_uploads_are_typed_by_content_and_usable_as_inputs(
    client: httpx.AsyncClient, stack: tuple[Config, Any]
) -> None:
    raw = await client.post("/v1/uploads", content=png_bytes(), params={"filename": "boat.bin"})
    assert raw.status_code == 201, raw.text
    up = raw.json()
    assert up["kind"] == "image" and up["mime"] == "image/png" and up["filename"] == "boat.bin"
    form = await client.post("/v1/uploads", files={"file": ("still.dat", png_bytes(), "text/plain")})
    assert form.status_code == 201 and form.json()["mime"] == "image/png" and form.json()["filename"] == "still.dat"
    assert (await client.get(f"/v1/uploads/{up['id']}")).json() == up
    job = await client.post("/v1/videos", json={"prompt": "from a still", "image": up["id"]})
    assert job.status_code == 202, job.text
    stored = Path(job.json()["request"]["image"])
    assert stored.parent == Path(stack[0].data_dir) / "uploads" and stored.read_bytes() == png_bytes()
    assert (await client.delete(f"/v1/uploads/{up['id']}")).status_code == 204
    assert (await client.get(f"/v1/uploads/{up['id']}")).status_code == 404


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"just some text, not a picture", {"content-type": "image/png"}),
        (b"\x89PNG\r\n\x1a\n" + b"this is text wearing a PNG header" * 4, {"content-type": "image/png"}),
        (b"", {}),
        (b"#!/bin/sh\necho hi\n", {"content-type": "video/mp4"}),
    ],
)
async def test_what_the_bytes_are_decides_not_the_name_or_header(
    client: httpx.AsyncClient, body: bytes, headers: dict[str, str]
) -> None:
    r = await client.post("/v1/uploads", content=body, headers=headers, params={"filename": "x.png"})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["type"] == "InvalidRequest" and "file" in r.json()["error"]["fields"]


async def test_uploads_past_the_cap_are_refused_with_413_and_leave_nothing(
    client: httpx.AsyncClient, stack: tuple[Config, Any]
) -> None:
    big = png_bytes() + b"\0" * 300_000  # the module's cap is 0.2 MB

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the cap is enforced while streaming
        for start in range(0, len(big), 16_384):
            yield big[start : start + 16_384]

    streamed = await client.post("/v1/uploads", content=chunks())
    assert streamed.status_code == 413 and streamed.json()["error"]["type"] == "TooLarge"
    declared = await client.post("/v1/uploads", content=big)
    assert declared.status_code == 413
    form = await client.post("/v1/uploads", files={"file": ("big.png", big, "image/png")})
    assert form.status_code == 413
    leftovers = [p for p in (Path(stack[0].data_dir) / "uploads").glob("*.part")]
    assert leftovers == []


async def test_a_form_without_a_file_part_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/uploads", data={"note": "no file"}, files={"other": ("a.png", png_bytes())})
    assert r.status_code == 422 and "file" in r.json()["error"]["fields"]


@pytest.fixture
async def guarded(stack: tuple[Config, Any]) -> AsyncIterator[Any]:
    from reelforge.server import create_app

    base = stack[0]  # the module's database and worker, behind tokens
    data = {"data_dir": str(base.data_dir), "default_backend": "sleepy", "cache": False, "backends": {"sleepy": {}}}
    config = Config.from_dict({**data, "server": {"api_tokens": [TOKEN, "second-token"]}})
    yield create_app(config)


PROTECTED = [("GET", "/v1/jobs"), ("POST", "/v1/videos"), ("GET", "/v1/assets"), ("POST", "/v1/uploads"),
             ("GET", "/v1/backends"), ("GET", "/v1/jobs/x/events"), ("POST", "/v1/estimate")]  # fmt: skip


async def test_with_tokens_every_v1_call_needs_one_and_none_is_echoed_or_logged(
    guarded: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async for anon in open_client(guarded):
        for method, path in PROTECTED:
            r = await anon.request(method, path)
            assert r.status_code == 401, (method, path)
            assert r.json()["error"]["type"] == "Unauthorized" and r.headers["www-authenticate"] == "Bearer"
        wrong = await anon.get("/v1/jobs", headers={"Authorization": f"Bearer {TOKEN}x"})
        assert wrong.status_code == 401 and TOKEN not in wrong.text
        basic = await anon.get("/v1/jobs", headers={"Authorization": f"Basic {TOKEN}"})
        assert basic.status_code == 401
        assert (await anon.get("/healthz")).status_code == 200  # liveness stays open for probes
        assert (await anon.get("/openapi.json")).status_code == 200
    async for authed in open_client(guarded, token="second-token"):
        assert (await authed.get("/v1/jobs")).status_code == 200
        job = await authed.post("/v1/videos", json={"prompt": "with a token"})
        assert job.status_code == 202
        assert TOKEN not in job.text and "second-token" not in job.text
    assert TOKEN not in caplog.text and "second-token" not in caplog.text


def test_tokens_are_compared_in_constant_time_against_every_token() -> None:
    from reelforge.server.auth import token_ok

    assert token_ok(b"b", [b"a", b"b"]) and not token_ok(b"", [b"a"]) and not token_ok(b"ab", [b"a"])
