"""Luma (Dream Machine API) backend against a loopback fake of its API, with scripted faults."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reelforge.backends.base import ProviderJob
from reelforge.backends.luma import LumaBackend
from reelforge.backends.registry import create_backend
from reelforge.errors import (
    AuthError,
    BackendUnavailable,
    Cancelled,
    ContentRejected,
    GenerationFailed,
    InvalidRequest,
    ProviderError,
    RateLimited,
    Timeout,
)
from reelforge.media import probe
from reelforge.types import CancelToken, VideoRequest
from tests.fakes.kit import Fault, Sleeper, tiny_png
from tests.fakes.kit import run_backend as run
from tests.fakes.luma_server import LumaFake, detail

GENERATIONS = "/dream-machine/v1/generations"


@pytest.fixture(scope="module")
def server():
    with LumaFake() as fake_server:
        yield fake_server


@pytest.fixture
def fake(server):
    server.reset()
    return server


def make(fake: LumaFake, **cfg: object) -> LumaBackend:
    base = f"{fake.url}/dream-machine/v1"
    config = {"api_key": fake.api_key, "base_url": base, "poll_interval_s": 0.01, "timeout_s": 20, **cfg}
    return LumaBackend(config)


def posts(fake: LumaFake) -> list:
    return fake.server.seen("POST", GENERATIONS)


async def test_text_to_video_happy_path(fake, tmp_path):
    async def on_submitted(job: Any) -> None:
        assert not fake.server.seen("GET", GENERATIONS), "the job id is stored before the first poll"

    backend = make(fake)
    plan, out, _ = await run(
        backend,
        VideoRequest(prompt="a paper boat", aspect_ratio="21:9", duration_s=9),
        tmp_path,
        on_submitted=on_submitted,
    )
    assert out.billable and out.provider_job.backend == "luma"
    assert probe(tmp_path / "out.mp4").has_video
    [post] = posts(fake)
    assert post.path == f"{GENERATIONS}/video" and post.headers["authorization"] == f"Bearer {fake.api_key}"
    assert json.loads(post.body) == {
        "prompt": "a paper boat",
        "model": "ray-2",
        "resolution": "720p",
        "duration": "9s",
        "aspect_ratio": "21:9",
    }
    assert backend.estimate_cost(plan) == pytest.approx(1.27)  # 720p, 9 s on Ray 2


async def test_first_and_last_frame_are_image_keyframes(fake, tmp_path):
    first, last = f"{fake.url}/in/first.png", f"{fake.url}/in/last.png"
    request = VideoRequest(prompt="morph", image=first, last_frame=last, model="ray-flash-2", extra={"loop": False})
    await run(make(fake), request, tmp_path)
    body = json.loads(posts(fake)[0].body)
    assert body["keyframes"] == {"frame0": {"type": "image", "url": first}, "frame1": {"type": "image", "url": last}}
    assert body["model"] == "ray-flash-2" and body["loop"] is False


def test_local_images_are_refused_with_every_other_problem():
    backend = LumaBackend({"api_key": "k"})
    with pytest.raises(InvalidRequest) as err:
        backend.validate(VideoRequest(prompt="x" * 4001, image=tiny_png(), last_frame="https://example.com/a.png"))
    assert set(err.value.problems) == {"image", "prompt"} and "public" in err.value.problems["image"]


async def test_submit_429_is_rate_limited_with_retry_after(fake, tmp_path):
    fake.submit_faults.append(Fault(429, {"detail": "Too many concurrent generations"}, headers={"Retry-After": "11"}))
    with pytest.raises(RateLimited) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retry_after == 11.0 and len(posts(fake)) == 1 and not fake.generations


async def test_poll_429_waits_as_told_and_5xx_is_retried(fake, tmp_path):
    fake.poll_faults += [Fault(429, headers={"Retry-After": "2"}), Fault(502), Fault(500)]
    _, out, sleeper = await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert any(2.0 <= w <= 2.2 for w in sleeper.waits) and len(posts(fake)) == 1
    assert probe(tmp_path / "out.mp4").has_video and out.provider_job.id


async def test_submit_500_is_retryable_and_sent_once(fake, tmp_path):
    fake.submit_faults.append(detail("Internal server error", 500))
    with pytest.raises(ProviderError) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retryable and len(posts(fake)) == 1


async def test_connection_dropped_after_the_generation_was_created_is_not_resubmitted(fake, tmp_path):
    fake.submit_faults.append(Fault(drop=True))
    with pytest.raises(ProviderError) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.submitted is None and len(posts(fake)) == 1 and len(fake.generations) == 1


async def test_failed_generation_carries_the_reason(fake, tmp_path):
    fake.states = ["dreaming", {"state": "failed", "failure_reason": "Job failed unexpectedly"}]
    with pytest.raises(GenerationFailed, match="Job failed unexpectedly"):
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)


@pytest.mark.parametrize("reason", ["Advanced moderation failed", "400: failed to moderate image"])
async def test_moderation_failure_is_content_rejected(fake, tmp_path, reason):
    fake.states = [{"state": "failed", "failure_reason": reason}]
    with pytest.raises(ContentRejected) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.stage == "input" and not err.value.billable
    assert not (tmp_path / "out.mp4").exists()


async def test_moderation_and_credits_at_submit(fake, tmp_path):
    fake.submit_faults.append(detail("400: prompt not allowed because advanced moderation failed"))
    with pytest.raises(ContentRejected):
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    fake.submit_faults.append(detail("Insufficient credits"))
    with pytest.raises(BackendUnavailable, match="buy credits"):
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)


async def test_expired_video_url_repolls_for_a_fresh_one(fake, tmp_path):
    fake.download_faults.append(Fault(403, b"AccessDenied: Request has expired"))
    await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    downloads = fake.server.seen("GET", "/cdn/")
    assert len(downloads) == 2 and downloads[0].path != downloads[1].path
    assert "authorization" not in downloads[0].headers


async def test_slow_generation_times_out_within_the_bound(fake, tmp_path):
    fake.states = ["dreaming"]
    with pytest.raises(Timeout):
        await run(make(fake, timeout_s=0.3), VideoRequest(prompt="x"), tmp_path, sleep=Sleeper(real_s=0.02))
    assert 1 <= len(fake.server.seen("GET", GENERATIONS)) < 100 and len(posts(fake)) == 1


async def test_cancel_deletes_the_generation(fake, tmp_path):
    token = CancelToken()
    with pytest.raises(Cancelled):
        await run(
            make(fake), VideoRequest(prompt="NEVER"), tmp_path, cancel=token, sleep=Sleeper(lambda n: token.cancel())
        )
    assert len(fake.server.seen("DELETE", GENERATIONS)) == 1 and not fake.generations


async def test_resume_from_a_stored_job_does_not_submit(fake, tmp_path):
    fake.seed("stored-gen")
    job = ProviderJob(backend="luma", id="stored-gen")
    _, out, _ = await run(make(fake), VideoRequest(prompt="x"), tmp_path, resume=job)
    assert out.provider_job.id == "stored-gen" and not posts(fake)
    assert probe(tmp_path / "out.mp4").has_video


async def test_a_refused_key_names_the_variable_and_never_shows(fake, tmp_path):
    with pytest.raises(AuthError) as err:
        await run(make(fake, api_key="luma-wrong-key-9999"), VideoRequest(prompt="x"), tmp_path)
    assert "LUMAAI_API_KEY" in str(err.value) and "luma-wrong-key-9999" not in str(err.value)
    fake.submit_faults.append(detail(f"malformed request from key {fake.api_key}"))
    with pytest.raises(InvalidRequest) as bad:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert fake.api_key not in str(bad.value) + json.dumps(bad.value.to_dict())


def test_prices_registry_and_configuration(monkeypatch):
    backend = create_backend("luma", {"api_key": "k"})
    assert isinstance(backend, LumaBackend)
    plan = backend.validate(VideoRequest(prompt="x", model="ray-flash-2", resolution="1080p", duration_s=5))
    assert backend.estimate_cost(plan) == pytest.approx(0.55)
    plan = backend.validate(VideoRequest(prompt="x", resolution="480p", duration_s=7, aspect_ratio="2:1"))
    assert plan.resolution == "540p" and plan.duration_s in (5, 9) and len(plan.warnings) == 3
    for env in LumaBackend.secret_env:
        monkeypatch.delenv(env, raising=False)
    ok, why = LumaBackend({}).configured()
    assert not ok and "LUMAAI_API_KEY" in why
