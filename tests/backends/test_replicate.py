"""Replicate against its loopback fake: official-model predictions, Prefer: wait, throttling, cancel, faults."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

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
from tests.fakes.kit import Sleeper, assert_secret_never_leaks, run_backend, tiny_mp4, tiny_png, write_wav
from tests.fakes.replicate_server import KEY, FakeReplicate
from tests.fakes.server import FakeServer


@pytest.fixture
def fake() -> Iterator[tuple[FakeReplicate, FakeServer]]:
    provider = FakeReplicate(latency_s=0.05)
    with FakeServer(provider.app) as server:
        yield provider, server


def backend(server: FakeServer, **over: Any) -> Any:
    cfg = {"api_token": KEY, "base_url": server.url, "poll_interval_s": 0.01, "timeout_s": 10, **over}
    return create_backend("replicate", cfg)


async def test_text_to_video_with_progress(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    provider.latency_s = 0.15
    seen: list[float] = []
    b = backend(server)
    plan, out, _ = await run_backend(
        b,
        VideoRequest(prompt="rain", duration_s=10, resolution="480p", seed=1),
        tmp_path,
        on_progress=lambda f, m: seen.append(f),
    )
    [sub] = server.seen("POST")
    assert sub.path == "/v1/models/wan-video/wan-2.5-t2v/predictions"
    assert sub.headers["authorization"] == f"Bearer {KEY}" and "prefer" not in sub.headers
    assert json.loads(sub.body) == {"input": {"prompt": "rain", "duration": 10, "seed": 1, "size": "832*480"}}
    assert probe(tmp_path / "out.mp4").has_video and out.provider_job.id == "job00001"
    assert any(0.05 < f < 0.9 for f in seen) and seen == sorted(seen)
    assert b.estimate_cost(plan) == pytest.approx(0.5)


async def test_prefer_wait_uses_the_finished_answer(fake: Any, tmp_path: Path) -> None:
    _, server = fake
    await run_backend(backend(server, prefer_wait_s=5), VideoRequest(prompt="x"), tmp_path)
    assert server.seen("POST")[0].headers["prefer"] == "wait=5"
    assert not server.seen("GET", "/v1/predictions/")  # finished within the wait: no poll at all
    with pytest.raises(GenerationFailed, match=r"prediction .* failed") as err:  # failed within the wait: unpolled
        await run_backend(backend(server, prefer_wait_s=5), VideoRequest(prompt="FAIL"), tmp_path / "failed")
    assert err.value.billable is False
    assert not server.seen("GET", "/v1/predictions/") and not (tmp_path / "failed" / "out.mp4").exists()


async def test_i2v_avatar_upscale_and_versions(fake: Any, tmp_path: Path) -> None:
    _, server = fake
    await run_backend(backend(server), VideoRequest(prompt="go", image=tiny_png(), model="minimax/hailuo-02"), tmp_path)
    body = json.loads(server.seen("POST")[0].body)["input"]
    assert body["first_frame_image"].startswith("data:image/png;base64,") and body["resolution"] == "768p"
    voice = write_wav(tmp_path / "v.wav")
    await run_backend(backend(server), VideoRequest(image=tiny_png(), audio=voice), tmp_path)
    assert server.seen("POST")[1].path == "/v1/models/bytedance/omni-human/predictions"
    clip = tmp_path / "c.mp4"
    clip.write_bytes(tiny_mp4())
    await run_backend(backend(server), VideoRequest(video=clip, resolution="4k"), tmp_path)
    assert json.loads(server.seen("POST")[2].body)["input"]["target_resolution"] == "4k"
    await run_backend(backend(server), VideoRequest(prompt="x", model="someone/model:abc123"), tmp_path)
    assert server.seen("POST")[3].path == "/v1/predictions"
    assert json.loads(server.seen("POST")[3].body)["version"] == "abc123"


async def test_throttled_submit_and_poll(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    provider.fail("submit", 429)  # no Retry-After header: the throttle message says 4 seconds
    with pytest.raises(RateLimited) as err:
        await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retry_after == 4 and len(server.seen("POST")) == 1
    provider.fail("poll", 429, headers={"Retry-After": "6"})
    sleeper = Sleeper()
    await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path, sleep=sleeper)
    assert 6 <= sleeper.waits[0] <= 6.6 and len(server.seen("POST")) == 2


async def test_server_errors_and_dropped_submit(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    provider.fail("submit", 500)
    with pytest.raises(ProviderError) as err:
        await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retryable and err.value.submitted
    provider.fail("poll", 503, times=2)
    await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path)
    provider.fail("submit", drop=True)
    with pytest.raises(ProviderError) as err:
        await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path)
    assert err.value.submitted is None and len(server.seen("POST")) == 3 and len(provider.jobs) == 2


async def test_failed_and_flagged(fake: Any, tmp_path: Path) -> None:
    _, server = fake
    with pytest.raises(GenerationFailed) as failed:
        await run_backend(backend(server), VideoRequest(prompt="FAIL"), tmp_path)
    assert "illegal memory access" in failed.value.message
    with pytest.raises(ContentRejected) as flagged:
        await run_backend(backend(server), VideoRequest(prompt="NSFW"), tmp_path)
    assert "E005" in flagged.value.message and flagged.value.stage == "input"


async def test_expired_output_url(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    provider.expire_downloads = 1
    await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path)
    assert [r.path.rsplit("/", 1)[1] for r in server.seen("GET", "/files/")] == ["t1.mp4", "t2.mp4"]


async def test_timeout_cancel_and_resume(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    with pytest.raises(Timeout):
        await run_backend(backend(server, timeout_s=0.2), VideoRequest(prompt="NEVER"), tmp_path)
    token = CancelToken()
    sleeper = Sleeper(hook=lambda n: token.cancel())
    with pytest.raises(Cancelled):
        await run_backend(backend(server), VideoRequest(prompt="NEVER"), tmp_path, cancel=token, sleep=sleeper)
    assert [r.path for r in server.seen("POST", "/v1/predictions/")] == ["/v1/predictions/job00002/cancel"]
    assert provider.jobs["job00002"].cancelled
    job = provider.new_job("wan-video/wan-2.5-t2v", {"input": {"prompt": "x"}})
    posts = len(server.seen("POST"))
    _, out, _ = await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path, resume=job.id)
    assert out.provider_job.id == job.id and len(server.seen("POST")) == posts


async def test_secret_never_leaks(fake: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    server = fake[1]
    make = partial(backend, server)
    wrong = "r8_wrong_secret_9999"
    await assert_secret_never_leaks(make, "api_token", wrong, KEY, "REPLICATE_API_TOKEN", tmp_path, caplog)
