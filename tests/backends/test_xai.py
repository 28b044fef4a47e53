"""xAI (Grok Imagine video) backend against a loopback fake of its API, with scripted faults."""

from __future__ import annotations

import json
import logging

import pytest

from reelforge.backends.registry import create_backend
from reelforge.backends.xai import XaiBackend
from reelforge.errors import (
    AuthError,
    BackendUnavailable,
    ContentRejected,
    GenerationFailed,
    InvalidRequest,
    ProviderError,
    RateLimited,
    Timeout,
)
from reelforge.media import probe
from reelforge.types import VideoRequest
from tests.fakes.kit import Fault, Sleeper, tiny_png
from tests.fakes.kit import run_backend as run
from tests.fakes.xai_server import XaiFake, xai_error


@pytest.fixture(scope="module")
def server():
    with XaiFake() as fake_server:
        yield fake_server


@pytest.fixture
def fake(server):
    server.reset()
    return server


def make(fake: XaiFake, **cfg: object) -> XaiBackend:
    config = {"api_key": fake.api_key, "base_url": f"{fake.url}/v1", "poll_interval_s": 0.01, "timeout_s": 20}
    return XaiBackend({**config, **cfg})


def submits(fake: XaiFake) -> list:
    return fake.server.seen("POST", "/v1/videos/generations")


def polls(fake: XaiFake) -> list:
    return fake.server.seen("GET", "/v1/videos/")


async def test_text_to_video_happy_path(fake, tmp_path):
    progress: list[tuple[float, str]] = []
    plan, out, _ = await run(
        make(fake),
        VideoRequest(prompt="a paper boat", duration_s=6, aspect_ratio="9:16", resolution="480p"),
        tmp_path,
        on_progress=lambda f, m: progress.append((f, m)),
    )
    [post] = submits(fake)
    assert post.headers["authorization"] == f"Bearer {fake.api_key}"
    assert json.loads(post.body) == {
        "model": "grok-imagine-video",
        "prompt": "a paper boat",
        "duration": 6,
        "aspect_ratio": "9:16",
        "resolution": "480p",
    }
    assert all(r.path == f"/v1/videos/{out.provider_job.id}" for r in polls(fake))
    assert any(abs(f - (0.05 + 0.85 * 0.4)) < 1e-6 for f, _ in progress)  # the provider's progress, in percent
    assert out.actual_usd == pytest.approx(0.05 * 6) and (plan.width, plan.height) == (480, 854)
    assert make(fake).estimate_cost(plan) == pytest.approx(0.05 * 6)
    info = probe(tmp_path / "out.mp4")
    assert info.has_video and (info.width, info.height) == (64, 64)
    [download] = fake.server.seen("GET", "/vidgen/")
    assert "authorization" not in download.headers


async def test_image_to_video_sends_the_image_object(fake, tmp_path):
    plan, _, _ = await run(
        make(fake, model="grok-imagine-video-1.5-preview"),
        VideoRequest(prompt="push in", image=tiny_png(64, 36), duration_s=4.6, extra={"generate_audio": False}),
        tmp_path,
    )
    body = json.loads(submits(fake)[0].body)
    assert body["image"]["url"].startswith("data:image/png;base64,") and body["duration"] == 5
    assert body["aspect_ratio"] == "16:9" and body["resolution"] == "720p"
    assert any("whole seconds" in w for w in plan.warnings) and any("always has sound" in w for w in plan.warnings)
    assert make(fake).estimate_cost(plan) == pytest.approx(0.14 * 5)


async def test_submit_429_is_rate_limited_with_retry_after(fake, tmp_path):
    fake.submit_faults.append(Fault(429, {"code": "Too many requests", "error": "rate limit"}, {"Retry-After": "7"}))
    with pytest.raises(RateLimited) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retry_after == 7.0 and len(submits(fake)) == 1 and not fake.jobs


async def test_poll_429_is_waited_out(fake, tmp_path):
    fake.poll_faults.append(Fault(429, {"error": "slow down"}, headers={"Retry-After": "3"}))
    _, _, sleeper = await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert any(3.0 <= w <= 3.3 for w in sleeper.waits) and len(submits(fake)) == 1


@pytest.mark.parametrize("status", [402, 403])
async def test_no_credits_is_backend_unavailable(fake, tmp_path, status):
    message = "Your team has either used all available credits or reached its monthly spending limit."
    fake.submit_faults.append(xai_error(status, message, "The caller does not have permission"))
    with pytest.raises(BackendUnavailable) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert "add credits" in str(err.value)


async def test_submit_500_is_retryable_and_not_repeated(fake, tmp_path):
    fake.submit_faults.append(xai_error(500, "internal error", "Internal"))
    with pytest.raises(ProviderError) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retryable and err.value.status == 500 and len(submits(fake)) == 1


async def test_poll_5xx_is_retried(fake, tmp_path):
    fake.poll_faults += [Fault(500), Fault(503, b"unavailable")]
    _, out, sleeper = await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert out.provider_job.id and sleeper.waits[0] >= 0.02 and len(submits(fake)) == 1


async def test_connection_dropped_after_create_is_not_resubmitted(fake, tmp_path):
    fake.submit_faults.append(Fault(drop=True))
    with pytest.raises(ProviderError) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.submitted is None and len(submits(fake)) == 1 and len(fake.jobs) == 1


async def test_failed_request_is_generation_failed_with_the_reason(fake, tmp_path):
    with pytest.raises(GenerationFailed) as err:
        await run(make(fake), VideoRequest(prompt="FAIL"), tmp_path)
    assert "failed unexpectedly" in str(err.value) and not err.value.billable


async def test_expired_request_is_generation_failed(fake, tmp_path):
    fake.states = ["pending", "expired"]
    with pytest.raises(GenerationFailed) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.stage == "queue" and "expired" in str(err.value)


async def test_moderation_is_content_rejected(fake, tmp_path):
    with pytest.raises(ContentRejected) as err:
        await run(make(fake), VideoRequest(prompt="NSFW"), tmp_path)
    assert err.value.stage == "output" and err.value.billable and not fake.server.seen("GET", "/vidgen/")
    fake.submit_faults.append(xai_error(400, "Generated prompt was rejected by content moderation"))
    with pytest.raises(ContentRejected) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.stage == "input" and not (tmp_path / "out.mp4").exists()


async def test_expired_download_url_repolls_for_a_fresh_one(fake, tmp_path):
    fake.download_faults.append(Fault(404, b"NoSuchKey"))
    await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    downloads = fake.server.seen("GET", "/vidgen/")
    assert len(downloads) == 2 and downloads[0].path != downloads[1].path
    assert probe(tmp_path / "out.mp4").has_video


async def test_slow_request_times_out_within_the_bound(fake, tmp_path):
    with pytest.raises(Timeout):
        await run(make(fake, timeout_s=0.3), VideoRequest(prompt="NEVER"), tmp_path, sleep=Sleeper(real_s=0.02))
    assert 1 <= len(polls(fake)) < 100


async def test_resume_from_a_stored_id(fake, tmp_path):
    fake.seed_request("req-earlier")
    _, out, _ = await run(make(fake), VideoRequest(prompt="x"), tmp_path, resume="req-earlier")
    assert out.provider_job.id == "req-earlier" and not submits(fake) and probe(tmp_path / "out.mp4").has_video


async def test_key_never_in_errors_logs_or_records(fake, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError) as err:
        await run(make(fake, api_key="xai-wrong-0123456789"), VideoRequest(prompt="x"), tmp_path)
    assert "XAI_API_KEY" in str(err.value)
    fake.submit_faults.append(xai_error(422, f"bad request from {fake.api_key}"))
    backend = make(fake)
    with pytest.raises(InvalidRequest) as err2:
        await run(backend, VideoRequest(prompt="x"), tmp_path)
    _, out, _ = await run(backend, VideoRequest(prompt="x"), tmp_path)
    texts = [str(err.value), str(err2.value), json.dumps(err2.value.to_dict()), caplog.text, repr(out)]
    for text in [*texts, repr(backend.config), backend.config.model_dump_json()]:
        assert fake.api_key not in text and "xai-wrong" not in text


def test_validation_and_registry(monkeypatch):
    monkeypatch.delenv("XAI_API_KEY", raising=False)
    ok, why = create_backend("xai", {}).configured()
    assert not ok and "XAI_API_KEY" in why
    backend = XaiBackend({"api_key": "k"})
    with pytest.raises(InvalidRequest) as err:
        backend.validate(VideoRequest(prompt="x" * 4097, model="grok-imagine-video-1.5-preview"))
    assert {"prompt", "operation"} <= set(err.value.problems)
    with pytest.raises(InvalidRequest) as err:
        backend.validate(VideoRequest(prompt="x", image=tiny_png(), last_frame=tiny_png()))
    assert "last_frame" in err.value.problems
    plan = backend.validate(VideoRequest(prompt="x", aspect_ratio="21:9", seed=4, negative_prompt="blur"))
    assert plan.aspect_ratio == "16:9" and plan.seed is None and len(plan.warnings) == 3
