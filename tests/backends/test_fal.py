"""fal against its loopback fake: the queue protocol, returned URLs, non-billable 5xx, cancel, faults."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from reelforge.backends import create_backend
from reelforge.errors import (
    Cancelled,
    ContentRejected,
    GenerationFailed,
    ProviderError,
    RateLimited,
    Timeout,
)
from reelforge.media import probe
from reelforge.types import CancelToken, VideoRequest
from tests.fakes.fal_server import KEY, FakeFal
from tests.fakes.kit import Sleeper, run_backend, tiny_mp4, tiny_png, write_wav
from tests.fakes.server import FakeServer

KLING = "fal-ai/kling-video/v2.1/master/text-to-video"


@pytest.fixture
def fake() -> Iterator[tuple[FakeFal, FakeServer]]:
    provider = FakeFal(latency_s=0.05)
    with FakeServer(provider.app) as server:
        yield provider, server


def backend(server: FakeServer, **over: Any) -> Any:
    cfg = {"api_key": KEY, "base_url": server.url, "platform_url": f"{server.url}/v1", "poll_interval_s": 0.01,
           "timeout_s": 10, **over}  # fmt: skip
    return create_backend("fal", cfg)


async def test_text_to_video_follows_returned_urls(fake: Any, tmp_path: Path) -> None:
    _, server = fake
    b = backend(server)
    plan, out, _ = await run_backend(
        b, VideoRequest(prompt="a fox", model=KLING, duration_s=5, aspect_ratio="9:16"), tmp_path
    )
    [sub] = server.seen("POST")
    assert sub.path == f"/{KLING}" and sub.headers["authorization"] == f"Key {KEY}"
    assert json.loads(sub.body) == {"prompt": "a fox", "duration": "5", "aspect_ratio": "9:16"}
    polls = server.seen("GET", "/fal-ai/kling-video/requests/")
    assert polls and all("v2.1" not in p.path for p in polls)  # the sub-path is dropped, as fal returns it
    assert polls[-1].path == f"/fal-ai/kling-video/requests/{out.provider_job.id}"  # then the result
    assert probe(tmp_path / "out.mp4").has_video
    assert b.estimate_cost(plan) == pytest.approx(1.40)
    assert set(out.provider_job.data) == {"model", "status_url", "response_url", "cancel_url"}  # all on the job


async def test_image_to_video_avatar_upscale(fake: Any, tmp_path: Path) -> None:
    _, server = fake
    await run_backend(backend(server), VideoRequest(prompt="waves", image=tiny_png()), tmp_path)
    body = json.loads(server.seen("POST")[0].body)
    assert server.seen("POST")[0].path == "/fal-ai/wan-25-preview/image-to-video"
    assert body["image_url"].startswith("data:image/png;base64,") and body["resolution"] == "720p"

    voice = write_wav(tmp_path / "v.wav")
    await run_backend(backend(server), VideoRequest(image=tiny_png(32, 32), audio=voice, prompt="hello"), tmp_path)
    body = json.loads(server.seen("POST")[1].body)
    assert server.seen("POST")[1].path == "/fal-ai/infinitalk"
    assert body["audio_url"].startswith("data:audio/") and body["image_url"].startswith("data:image/png")

    clip = tmp_path / "in.mp4"
    clip.write_bytes(tiny_mp4())
    await run_backend(backend(server), VideoRequest(video=clip, resolution="1080p"), tmp_path)
    body = json.loads(server.seen("POST")[2].body)
    assert server.seen("POST")[2].path == "/fal-ai/seedvr/upscale/video"
    assert body["upscale_mode"] == "target" and body["target_resolution"] == "1080p"
    assert body["video_url"].startswith("data:video/mp4;base64,")


async def test_429_submit_and_poll(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    provider.fail("submit", 429, headers={"Retry-After": "11"})
    with pytest.raises(RateLimited) as err:
        await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retry_after == 11 and len(server.seen("POST")) == 1
    provider.fail("status", 429, headers={"Retry-After": "2"})
    sleeper = Sleeper()
    await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path, sleep=sleeper)
    assert 2 <= sleeper.waits[0] <= 2.2


async def test_500_submit_poll_and_dropped_connection(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    provider.fail("submit", 503)
    with pytest.raises(ProviderError) as err:
        await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retryable
    provider.fail("status", 500, times=3)
    await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path)
    provider.fail("submit", drop=True)
    with pytest.raises(ProviderError) as err:
        await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path)
    assert err.value.submitted is None
    assert len(server.seen("POST")) == 3 and len(provider.jobs) == 2  # the dropped one exists at fal


async def test_failed_runner_is_not_billable(fake: Any, tmp_path: Path) -> None:
    _, server = fake
    with pytest.raises(GenerationFailed) as err:
        await run_backend(backend(server), VideoRequest(prompt="FAIL now"), tmp_path)
    assert err.value.billable is False and "not billed" in err.value.message


async def test_content_policy_violation(fake: Any, tmp_path: Path) -> None:
    _, server = fake
    with pytest.raises(ContentRejected) as err:
        await run_backend(backend(server), VideoRequest(prompt="NSFW"), tmp_path)
    assert err.value.stage == "input" and not err.value.billable


async def test_expired_url_refetches_result(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    provider.expire_downloads = 1
    await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path)
    assert [r.path.rsplit("/", 1)[1] for r in server.seen("GET", "/files/")] == ["t1.mp4", "t2.mp4"]
    assert "authorization" not in server.seen("GET", "/files/")[0].headers  # the key never goes to the CDN


async def test_timeout_and_cancel(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    with pytest.raises(Timeout):
        await run_backend(backend(server, timeout_s=0.2), VideoRequest(prompt="NEVER"), tmp_path)
    token = CancelToken()
    sleeper = Sleeper(hook=lambda n: token.cancel() if n == 1 else None)
    with pytest.raises(Cancelled):
        await run_backend(
            backend(server), VideoRequest(prompt="NEVER", model=KLING), tmp_path, cancel=token, sleep=sleeper
        )
    [cancel] = server.seen("PUT")
    assert cancel.path == "/fal-ai/kling-video/requests/job00002/cancel"
    assert provider.jobs["job00002"].cancelled


async def test_actual_cost_is_the_billed_units_at_the_unit_price_asked_once(fake: Any, tmp_path: Path) -> None:
    _, server = fake
    b = backend(server)
    request = VideoRequest(prompt="a fox", model=KLING, duration_s=10)
    (_, first, _), (_, second, _) = await asyncio.gather(
        run_backend(b, request, tmp_path / "a"), run_backend(b, request, tmp_path / "b")
    )
    assert first.actual_usd == second.actual_usd == pytest.approx(2.80)  # 10 billed seconds at $0.28
    [asked] = server.seen("GET", "/v1/models/pricing")  # one call for both jobs, then remembered
    assert parse_qs(asked.query) == {"endpoint_id": [KLING]} and asked.headers["authorization"] == f"Key {KEY}"
    await run_backend(b, request, tmp_path / "c")
    assert len(server.seen("GET", "/v1/models/pricing")) == 1


async def test_no_unit_price_leaves_the_estimate(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    provider.pricing_admin_only = True  # an ordinary key may not read prices
    _, out, _ = await run_backend(backend(server), VideoRequest(prompt="a fox", model=KLING, duration_s=5), tmp_path)
    assert out.actual_usd is None and probe(tmp_path / "out.mp4").has_video
    _, out, _ = await run_backend(backend(server, actual_cost=False), VideoRequest(prompt="x", model=KLING),
                               tmp_path / "off")  # fmt: skip
    assert out.actual_usd is None and len(server.seen("GET", "/v1/models/pricing")) == 1
