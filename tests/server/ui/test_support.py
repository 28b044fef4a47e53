"""The routes the web UI relies on beyond the job service: a job's outputs as signed links (Range, expiry,
tampering), assets' links, spend per backend and day with the budgets' headroom, and the page itself."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from reelforge.config import Config
from reelforge.server import create_app
from reelforge.server.routes_ui_support import _short_files, _short_metadata, _signature, sign
from tests.server.conftest import open_client


@pytest.fixture
async def app_client(stack: tuple[Config, Any]) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    app = create_app(stack[0])
    async for client in open_client(app):
        yield app, client


async def finished(client: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    for _ in range(600):
        job: dict[str, Any] = (await client.get(f"/v1/jobs/{job_id}")).json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


async def test_a_finished_video_job_has_signed_seekable_links(app_client: tuple[Any, httpx.AsyncClient]) -> None:
    app, client = app_client
    job = await finished(client, (await client.post("/v1/videos", json={"prompt": "a ui clip"})).json()["id"])
    assert job["status"] == "succeeded", job
    out = (await client.get(f"/v1/ui/jobs/{job['id']}/outputs")).json()
    assert out["video"].startswith(f"/ui/files/job/{job['id']}/video?exp=")
    assert out["srt"] is None and out["vtt"] is None  # a plain video has no captions
    assert out["metadata"]["title"] == "a ui clip" and out["download_name"] == f"{job['id']}.mp4"
    part = await client.get(out["video"], headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.content) == 100
    whole = await client.get(out["video"])
    assert whole.status_code == 200 and whole.content[4:8] == b"ftyp"
    assert (await client.head(out["video"])).status_code == 200
    assert (await client.get(out["video"].replace("/video?", "/srt?"))).status_code == 401  # signed for video
    expired = int(time.time()) - 5
    stale = f"/ui/files/job/{job['id']}/video?exp={expired}&sig="
    stale += _signature(app.state.ui_link_key, "job", job["id"], "video", expired)
    answer = await client.get(stale)
    assert answer.status_code == 401 and "expired" in answer.json()["error"]["message"]
    assert (await client.get(f"/ui/files/job/{job['id']}/video?exp=1&sig=x")).status_code == 401
    srt = sign(app.state.ui_link_key, "job", job["id"], "srt")
    assert (await client.get(srt)).status_code == 404  # a valid link to a file the job never wrote


async def test_asset_links_name_the_file_and_the_thumbnail(app_client: tuple[Any, httpx.AsyncClient]) -> None:
    _, client = app_client
    job = await finished(client, (await client.post("/v1/videos", json={"prompt": "an asset"})).json()["id"])
    asset = job["assets"][0]
    links = (await client.get(f"/v1/ui/assets/links?id={asset}&id=nope")).json()["links"]
    assert set(links[asset]) == {"video", "thumbnail"} and links["nope"] == {}
    thumb = await client.get(links[asset]["thumbnail"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"


async def test_spend_per_backend_and_day_with_headroom(app_client: tuple[Any, httpx.AsyncClient]) -> None:
    app, client = app_client
    ledger = app.state.services.library.ledger
    for backend, cost in (("runway", 1.25), ("runway", 0.75), ("luma", 2.0)):
        attempt = await ledger.start_attempt(
            backend=backend, model=None, operation="text-to-video", estimated_usd=cost, request={}
        )
        await ledger.finish_attempt(attempt, outcome="succeeded", billable=True, actual_usd=cost)
    spend = (await client.get("/v1/ui/spend?days=7")).json()
    today = spend["days"][-1]
    assert len(spend["days"]) == 7 and {"runway", "luma"} <= set(spend["backends"])
    assert spend["cost"]["runway"][today] == pytest.approx(2.0) and spend["cost"]["luma"][today] == 2.0
    assert spend["daily"]["limit_usd"] == 50.0 and spend["daily"]["spent_usd"] >= 4.0
    assert spend["daily"]["left_usd"] == pytest.approx(50.0 - spend["daily"]["spent_usd"])
    assert spend["monthly"]["limit_usd"] == 500.0 and spend["per_request_usd"] == 5.0
    assert (await client.get("/v1/ui/spend?days=0")).status_code == 422


async def test_the_page_and_its_files_are_served(app_client: tuple[Any, httpx.AsyncClient]) -> None:
    _, client = app_client
    page = await client.get("/")
    assert page.status_code == 200 and '<script type="module" src="/web/app.js">' in page.text
    for name in ("app.js", "api.js", "create.js", "jobs.js", "job.js", "library.js", "batches.js", "dom.js"):
        answer = await client.get(f"/web/{name}")
        assert answer.status_code == 200 and "javascript" in answer.headers["content-type"], name
    assert (await client.get("/web/app.css")).headers["content-type"].startswith("text/css")
    assert "/v1/ui/spend" in (await client.get("/openapi.json")).json()["paths"]


def test_a_shorts_files_and_metadata_are_found_next_to_it(tmp_path: Path) -> None:
    video = tmp_path / "short.mp4"
    for suffix in (".mp4", ".srt", ".vtt", ".jpg"):
        video.with_suffix(suffix).write_bytes(b"x")
    meta = {"title": "T", "description": "D", "tags": ["a", "b"], "chapters": [[0.0, "Intro"]], "source": "script"}
    video.with_suffix(".json").write_text(json.dumps({"short": {"metadata": meta}}))
    assert set(_short_files(video)) == {"video", "srt", "vtt", "thumbnail"}
    found = _short_metadata(video)
    assert found is not None and found.tags == ["a", "b"] and found.chapters == [(0.0, "Intro")]
    video.with_suffix(".json").write_text("{not json")
    assert _short_metadata(video) is None
