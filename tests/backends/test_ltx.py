"""LTX backend against a loopback fake of its API: one synchronous call that answers the MP4 itself."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reelforge.backends.base import ProviderJob
from reelforge.backends.ltx import LtxBackend
from reelforge.backends.registry import create_backend
from reelforge.errors import (
    AuthError,
    BackendUnavailable,
    Cancelled,
    ContentRejected,
    InvalidRequest,
    ProviderError,
    RateLimited,
    Timeout,
)
from reelforge.media import probe
from reelforge.types import CancelToken, VideoRequest
from tests.fakes.kit import Fault, tiny_png
from tests.fakes.kit import run_backend as run
from tests.fakes.ltx_server import LtxFake, ltx_error


@pytest.fixture(scope="module")
def server():
    with LtxFake() as fake_server:
        yield fake_server


@pytest.fixture
def fake(server):
    server.reset()
    return server


def make(fake: LtxFake, **cfg: object) -> LtxBackend:
    config = {"api_key": fake.api_key, "base_url": fake.url, "poll_interval_s": 0.01, "timeout_s": 20, **cfg}
    return LtxBackend(config)


def posts(fake: LtxFake) -> list:
    return fake.server.seen("POST", "/v1/")


async def test_text_to_video_answers_the_mp4_streamed_to_disk(fake, tmp_path):
    recorded: list[Any] = []

    async def on_submitted(job: Any) -> None:
        recorded.append(job)

    backend = make(fake)
    plan, out, _ = await run(
        backend,
        VideoRequest(prompt="a paper boat", duration_s=8, aspect_ratio="9:16"),
        tmp_path,
        on_submitted=on_submitted,
    )
    info = probe(tmp_path / "out.mp4", count_frames=True)
    assert info.has_video and info.num_frames > 0 and out.billable
    assert recorded == [out.provider_job] and out.provider_job.id == "req-000001"
    [post] = posts(fake)
    assert post.path == "/v1/text-to-video" and post.headers["authorization"] == f"Bearer {fake.api_key}"
    assert json.loads(post.body) == {
        "prompt": "a paper boat",
        "model": "ltx-2-3-fast",
        "duration": 8,
        "resolution": "1080x1920",
        "fps": 24,
        "generate_audio": True,
    }
    assert backend.estimate_cost(plan) == pytest.approx(0.32)  # $0.04/s at 1080p x 8 s
    assert not list(tmp_path.glob("*.part*")), "the streamed answer is renamed into place"


async def test_image_to_video_sends_the_image_as_a_data_uri(fake, tmp_path):
    request = VideoRequest(prompt="wind", image=tiny_png(), model="ltx-2-pro", fps=50, extra={"generate_audio": False})
    await run(make(fake), request, tmp_path)
    [post] = posts(fake)
    body = json.loads(post.body)
    assert post.path == "/v1/image-to-video" and body["image_uri"].startswith("data:image/png;base64,")
    assert body["fps"] == 50 and body["generate_audio"] is False and body["resolution"] == "1920x1080"


def test_long_clips_snap_to_1080p_and_25_fps():
    backend = LtxBackend({"api_key": "k"})
    plan = backend.validate(VideoRequest(prompt="x", duration_s=20, resolution="2160p", fps=50))
    assert (plan.width, plan.height, plan.fps, plan.duration_s) == (1920, 1080, 25.0, 20)
    assert sum("snapped" in w for w in plan.warnings) == 2
    plan = backend.validate(VideoRequest(prompt="x", model="ltx-2-pro", duration_s=12, aspect_ratio="9:16"))
    assert plan.duration_s == 10 and plan.aspect_ratio == "16:9"
    with pytest.raises(InvalidRequest) as err:
        backend.validate(VideoRequest(prompt="x" * 5001, negative_prompt="blur", duration_s=100))
    assert {"prompt", "duration_s"} <= set(err.value.problems)
    with pytest.raises(InvalidRequest) as err:
        backend.validate(VideoRequest(image=tiny_png(), duration_s=100))
    assert {"prompt", "duration_s"} <= set(err.value.problems)


async def test_429_is_rate_limited_with_retry_after(fake, tmp_path):
    fault = ltx_error(429, "rate_limit_error", "Rate limit exceeded")
    fake.faults.append(Fault(429, fault.body, headers={"Retry-After": "30"}))
    with pytest.raises(RateLimited) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retry_after == 30.0 and len(posts(fake)) == 1 and fake.generated == 0


async def test_insufficient_funds_is_backend_unavailable(fake, tmp_path):
    fake.faults.append(ltx_error(402, "insufficient_funds_error", "Insufficient funds. Required: 120 credits"))
    with pytest.raises(BackendUnavailable, match="add credits"):
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)


async def test_content_filter_is_content_rejected(fake, tmp_path):
    fake.faults.append(ltx_error(400, "content_policy_violation", "The prompt violates the content policy"))
    with pytest.raises(ContentRejected) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.stage == "input" and not (tmp_path / "out.mp4").exists()


async def test_5xx_is_a_retryable_provider_error_after_one_call(fake, tmp_path):
    fake.faults.append(ltx_error(503, "api_error", "Service temporarily unavailable"))
    with pytest.raises(ProviderError) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retryable and err.value.status == 503 and len(posts(fake)) == 1


async def test_a_dropped_answer_is_never_sent_again(fake, tmp_path):
    fake.faults.append(Fault(drop=True))
    with pytest.raises(ProviderError) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.submitted is None and len(posts(fake)) == 1 and fake.generated == 1
    assert not (tmp_path / "out.mp4").exists()


async def test_a_slow_call_is_bounded_by_timeout(fake, tmp_path):
    fake.latency_s = 5.0
    with pytest.raises(Timeout):
        await run(make(fake, timeout_s=0.3), VideoRequest(prompt="x"), tmp_path)
    assert len(posts(fake)) == 1 and not (tmp_path / "out.mp4").exists()


async def test_a_slow_call_within_the_bound_reports_progress(fake, tmp_path):
    fake.latency_s = 0.3
    messages: list[str] = []
    await run(make(fake), VideoRequest(prompt="x"), tmp_path, on_progress=lambda f, m: messages.append(m))
    assert "ltx: generating with ltx-2-3-fast" in messages and probe(tmp_path / "out.mp4").has_video


async def test_cancel_closes_the_connection(fake, tmp_path):
    token = CancelToken()

    def on_progress(fraction: float, _message: str) -> None:
        if fraction >= 0.05:
            token.cancel()

    with pytest.raises(Cancelled):
        await run(make(fake), VideoRequest(prompt="NEVER"), tmp_path, cancel=token, on_progress=on_progress)
    assert len(posts(fake)) == 1 and not (tmp_path / "out.mp4").exists()


async def test_there_is_no_job_to_resume(fake, tmp_path):
    with pytest.raises(InvalidRequest) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path, resume=ProviderJob(backend="ltx", id="req-1"))
    assert "resume" in err.value.problems and not posts(fake)


async def test_a_refused_key_names_the_variable_and_never_shows(fake, tmp_path):
    with pytest.raises(AuthError) as err:
        await run(make(fake, api_key="ltxv-wrong-key-9999"), VideoRequest(prompt="x"), tmp_path)
    assert "LTX_API_KEY" in str(err.value) and "ltxv-wrong-key-9999" not in str(err.value)
    fake.faults.append(ltx_error(400, "invalid_request_error", f"bad request from {fake.api_key}"))
    with pytest.raises(InvalidRequest) as bad:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert fake.api_key not in str(bad.value) + json.dumps(bad.value.to_dict())


def test_prices_registry_and_configuration(monkeypatch):
    backend = create_backend("ltx", {"api_key": "k"})
    assert isinstance(backend, LtxBackend)
    plan = backend.validate(VideoRequest(prompt="x", model="ltx-2-3-pro", resolution="2160p", duration_s=10))
    assert backend.estimate_cost(plan) == pytest.approx(2.4)
    for env in LtxBackend.secret_env:
        monkeypatch.delenv(env, raising=False)
    ok, why = LtxBackend({}).configured()
    assert not ok and "LTX_API_KEY" in why
