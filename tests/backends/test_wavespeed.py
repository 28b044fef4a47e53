"""WaveSpeed against its loopback fake: happy paths for the four operations and the fault matrix."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reelforge.backends import create_backend
from reelforge.errors import (
    ContentRejected,
    GenerationFailed,
    ProviderError,
    RateLimited,
    Timeout,
)
from reelforge.media import probe
from reelforge.types import VideoRequest
from tests.fakes.kit import Sleeper, run_backend, tiny_mp4, tiny_png, write_wav
from tests.fakes.server import FakeServer
from tests.fakes.wavespeed_server import KEY, FakeWavespeed


@pytest.fixture
def fake() -> Iterator[tuple[FakeWavespeed, FakeServer]]:
    provider = FakeWavespeed(latency_s=0.05)
    with FakeServer(provider.app) as server:
        yield provider, server


def backend(server: FakeServer, **over: Any) -> Any:
    cfg = {"api_key": KEY, "base_url": server.url, "poll_interval_s": 0.01, "timeout_s": 10, **over}
    return create_backend("wavespeed", cfg)


def submits(server: FakeServer) -> list[Any]:
    return [r for r in server.seen("POST", "/api/v3/") if r.path != "/api/v3/upload"]


async def test_text_to_video(fake: Any, tmp_path: Path) -> None:
    _provider, server = fake
    order: list[str] = []

    async def on_submitted(job: Any) -> None:
        order.append(f"submitted {job.id} after {len(server.seen('GET', '/api/v3/predictions'))} polls")

    plan, out, _ = await run_backend(
        backend(server), VideoRequest(prompt="a paper boat", duration_s=5, seed=3), tmp_path, on_submitted=on_submitted
    )
    info = probe(tmp_path / "out.mp4")
    assert (info.width, info.height) == (64, 64) and info.has_video
    [sub] = submits(server)
    assert sub.path == "/api/v3/alibaba/wan-2.5/text-to-video"
    assert sub.headers["authorization"] == f"Bearer {KEY}"
    body = json.loads(sub.body)
    assert body == {"prompt": "a paper boat", "duration": 5, "seed": 3, "size": "1280*720"}
    assert out.provider_job.id == "job00001" and out.billable
    assert order == ["submitted job00001 after 0 polls"]
    assert backend(server).estimate_cost(plan) == pytest.approx(0.5)  # 5 s at 720p, $0.10/s


async def test_image_to_video_uploads_the_image(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    plan, _, _ = await run_backend(backend(server), VideoRequest(prompt="waves", image=tiny_png(64, 36)), tmp_path)
    assert plan.model == "alibaba/wan-2.5/image-to-video"
    assert len(server.seen("POST", "/api/v3/upload")) == 1 and provider.uploads[0] == tiny_png(64, 36)
    body = json.loads(submits(server)[0].body)
    assert body["image"] == f"{server.url}/uploads/1" and body["resolution"] == "720p"


async def test_avatar_and_upscale(fake: Any, tmp_path: Path) -> None:
    _provider, server = fake
    face = tmp_path / "face.png"
    face.write_bytes(tiny_png(48, 48))
    voice = write_wav(tmp_path / "voice.wav", seconds=1.5)
    plan, _, _ = await run_backend(backend(server), VideoRequest(image=face, audio=voice, prompt="speaks"), tmp_path)
    assert plan.model == "wavespeed-ai/infinitetalk" and plan.duration_s == pytest.approx(1.5, abs=0.05)
    body = json.loads(submits(server)[0].body)
    assert set(body) >= {"image", "audio", "prompt", "resolution"} and body["audio"].startswith(server.url)

    clip = tmp_path / "clip.mp4"
    clip.write_bytes(tiny_mp4())
    plan, _, _ = await run_backend(backend(server), VideoRequest(video=clip, resolution="1080p"), tmp_path)
    assert plan.model == "wavespeed-ai/video-upscaler" and plan.operation == "video-to-video"
    body = json.loads(submits(server)[1].body)
    assert body["target_resolution"] == "1080p" and body["video"].startswith(server.url)
    assert probe(tmp_path / "out.mp4").has_video


async def test_429_on_submit_raises_rate_limited(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    provider.fail("submit", 429, headers={"Retry-After": "7"}, body={"code": 429, "message": "too many requests"})
    with pytest.raises(RateLimited) as err:
        await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retry_after == 7
    assert len(submits(server)) == 1 and not server.seen("GET", "/api/v3/predictions")


async def test_429_on_poll_waits_retry_after(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    provider.fail("poll", 429, headers={"Retry-After": "3"})
    sleeper = Sleeper()
    await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path, sleep=sleeper)
    assert 3 <= sleeper.waits[0] <= 3.3
    assert len(submits(server)) == 1


async def test_500_on_submit_and_on_poll(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    provider.fail("submit", 500)
    with pytest.raises(ProviderError) as err:
        await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retryable and err.value.status == 500
    provider.fail("poll", 502, times=2)
    sleeper = Sleeper()
    await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path, sleep=sleeper)
    assert sleeper.waits[:2] == pytest.approx([0.02, 0.04], rel=0.11)  # backoff from poll_interval_s
    assert len(submits(server)) == 2


async def test_dropped_connection_after_create(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    provider.fail("submit", drop=True)
    with pytest.raises(ProviderError) as err:
        await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path)
    assert err.value.submitted is None  # it may have arrived: the engine must not pay again blindly
    assert len(submits(server)) == 1 and len(provider.jobs) == 1


async def test_failed_task_and_content_rejection(fake: Any, tmp_path: Path) -> None:
    _provider, server = fake
    with pytest.raises(GenerationFailed) as failed:
        await run_backend(backend(server), VideoRequest(prompt="FAIL please"), tmp_path)
    assert not failed.value.billable and "out of memory" in failed.value.message
    with pytest.raises(ContentRejected) as rejected:
        await run_backend(backend(server), VideoRequest(prompt="NSFW thing"), tmp_path)
    assert rejected.value.stage == "input"
    assert not (tmp_path / "out.mp4").exists()
    await asyncio.sleep(0.05)  # a temporary file still being created is removed once it exists
    assert list(tmp_path.iterdir()) == []  # the download's temporary file is gone too


async def test_expired_download_url_repolls(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    provider.expire_downloads = 1
    await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path)
    downloads = server.seen("GET", "/files/")
    assert [d.path.rsplit("/", 1)[1] for d in downloads] == ["t1.mp4", "t2.mp4"]
    assert probe(tmp_path / "out.mp4").has_video
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]  # made while the job ran, renamed when verified


async def test_slow_job_times_out(fake: Any, tmp_path: Path) -> None:
    _provider, server = fake
    with pytest.raises(Timeout):
        await run_backend(backend(server, timeout_s=0.2), VideoRequest(prompt="NEVER ends"), tmp_path)


async def test_unknown_model_passes_through(fake: Any, tmp_path: Path) -> None:
    _provider, server = fake
    await run_backend(
        backend(server),
        VideoRequest(prompt="x", model="bytedance/seedance-v1-pro-t2v-480p", extra={"camera_fixed": True}),
        tmp_path,
    )
    sub = submits(server)[0]
    assert sub.path == "/api/v3/bytedance/seedance-v1-pro-t2v-480p" and json.loads(sub.body)["camera_fixed"] is True
