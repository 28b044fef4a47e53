"""Seedance (BytePlus ModelArk) backend against a loopback fake of the content-generation tasks API."""

from __future__ import annotations

import json
import logging

import pytest

from reelforge.backends.registry import create_backend
from reelforge.backends.seedance import SeedanceBackend
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
from tests.fakes.seedance_server import SeedanceFake, ark_error

TASKS = "/api/v3/contents/generations/tasks"


@pytest.fixture(scope="module")
def server():
    with SeedanceFake() as fake_server:
        yield fake_server


@pytest.fixture
def fake(server):
    server.reset()
    return server


def make(fake: SeedanceFake, **cfg: object) -> SeedanceBackend:
    config = {"api_key": fake.api_key, "base_url": f"{fake.url}/api/v3", "poll_interval_s": 0.01, "timeout_s": 20}
    return SeedanceBackend({**config, **cfg})


def submits(fake: SeedanceFake) -> list:
    return fake.server.seen("POST", TASKS)


def polls(fake: SeedanceFake) -> list:
    return fake.server.seen("GET", TASKS)


async def test_text_to_video_happy_path(fake, tmp_path):
    messages: list[str] = []
    plan, out, _ = await run(
        make(fake),
        VideoRequest(prompt="a paper boat", duration_s=5, aspect_ratio="9:16", seed=11),
        tmp_path,
        on_progress=lambda f, m: messages.append(m),
    )
    [post] = submits(fake)
    assert post.headers["authorization"] == f"Bearer {fake.api_key}"
    assert json.loads(post.body) == {
        "model": "seedance-1-0-pro-250528",
        "content": [{"type": "text", "text": "a paper boat"}],
        "resolution": "720p",
        "ratio": "9:16",
        "duration": 5,
        "camera_fixed": False,
        "watermark": False,
        "seed": 11,
    }
    assert out.provider_job.id.startswith("cgt-") and out.provider_job.data == {"model": plan.model}
    assert "seedance: queued" in messages and "seedance: running" in messages
    assert (plan.width, plan.height) == (704, 1248)
    info = probe(tmp_path / "out.mp4")
    assert info.has_video and (info.width, info.height) == (64, 64)
    tokens = 1248 * 704 * 24 * 5 // 1024
    assert out.actual_usd == pytest.approx(tokens / 1e6 * 2.5, abs=1e-4)
    assert make(fake).estimate_cost(plan) == pytest.approx(0.0515 * 5)
    [download] = fake.server.seen("GET", "/tos/")
    assert "authorization" not in download.headers


async def test_first_and_last_frame_as_content_parts_with_roles(fake, tmp_path):
    image = tiny_png(64, 36)
    plan, _, _ = await run(
        make(fake, model="seedance-1-0-lite-i2v-250428", watermark=True),
        VideoRequest(prompt="turn", image=image, last_frame=image, duration_s=10, resolution="1080p"),
        tmp_path,
    )
    body = json.loads(submits(fake)[0].body)
    text, first, last = body["content"]
    assert text == {"type": "text", "text": "turn"}
    assert first["role"] == "first_frame" and last["role"] == "last_frame"
    assert first["image_url"]["url"].startswith("data:image/png;base64,")
    assert body["watermark"] is True and body["duration"] == 10 and body["ratio"] == "16:9"
    assert (plan.width, plan.height) == (1920, 1088)


async def test_audio_on_1_5_pro_and_ignored_elsewhere(fake, tmp_path):
    backend = make(fake, model="seedance-1-5-pro-251215")
    plan, _, _ = await run(backend, VideoRequest(prompt="x", duration_s=2), tmp_path)
    body = json.loads(submits(fake)[0].body)
    assert body["generate_audio"] is True and body["duration"] == 4 and any("snapped" in w for w in plan.warnings)
    assert backend.estimate_cost(plan) == pytest.approx(0.0247 * 4 * 2)
    plan = make(fake).validate(VideoRequest(prompt="x", extra={"generate_audio": True}))
    assert "generate_audio" not in plan.extra and any("silent" in w for w in plan.warnings)


async def test_rate_limit_at_submit_with_retry_after(fake, tmp_path):
    fault = ark_error(429, "RateLimitExceeded.EndpointRPMExceeded", "Request rate limit exceeded")
    fake.submit_faults.append(Fault(429, fault.body, headers={"Retry-After": "7"}))
    with pytest.raises(RateLimited) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retry_after == 7.0 and len(submits(fake)) == 1 and not fake.tasks


async def test_overload_while_polling_is_waited_out(fake, tmp_path):
    fault = ark_error(429, "ServerOverloaded", "the service is overloaded")
    fake.poll_faults.append(Fault(429, fault.body, headers={"Retry-After": "3"}))
    _, _, sleeper = await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert any(3.0 <= w <= 3.3 for w in sleeper.waits) and len(submits(fake)) == 1


@pytest.mark.parametrize(
    ("status", "code"), [(403, "AccountOverdueError"), (429, "QuotaExceeded"), (429, "SetLimitExceeded")]
)
async def test_balance_and_quota_are_backend_unavailable(fake, tmp_path, status, code):
    fake.submit_faults.append(ark_error(status, code, "your account has an overdue balance or no quota"))
    with pytest.raises(BackendUnavailable) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert code in str(err.value) and "top it up" in str(err.value)


async def test_submit_500_is_retryable_and_not_repeated(fake, tmp_path):
    fake.submit_faults.append(ark_error(500, "InternalServiceError", "unexpected internal error"))
    with pytest.raises(ProviderError) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retryable and err.value.status == 500 and len(submits(fake)) == 1


async def test_poll_5xx_is_retried(fake, tmp_path):
    fake.poll_faults += [ark_error(500, "InternalServiceError", "oops"), Fault(503, b"unavailable")]
    _, out, sleeper = await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert out.provider_job.id and len(sleeper.waits) >= 2 and len(submits(fake)) == 1


async def test_connection_dropped_after_create_is_not_resubmitted(fake, tmp_path):
    fake.submit_faults.append(Fault(drop=True))
    with pytest.raises(ProviderError) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.submitted is None and len(submits(fake)) == 1 and len(fake.tasks) == 1


async def test_failed_task_is_generation_failed_with_the_reason(fake, tmp_path):
    with pytest.raises(GenerationFailed) as err:
        await run(make(fake), VideoRequest(prompt="FAIL"), tmp_path)
    assert "InternalServiceError" in str(err.value) and "unexpected internal error" in str(err.value)


async def test_expired_task_is_generation_failed(fake, tmp_path):
    fake.states = ["queued", "expired"]
    with pytest.raises(GenerationFailed) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert "expired" in str(err.value) and err.value.stage == "queue"


async def test_moderation_is_content_rejected_at_either_end(fake, tmp_path):
    with pytest.raises(ContentRejected) as err:
        await run(make(fake), VideoRequest(prompt="NSFW"), tmp_path)
    assert err.value.stage == "output" and not (tmp_path / "out.mp4").exists()
    fake.submit_faults.append(ark_error(400, "InputTextSensitiveContentDetected", "the prompt may be sensitive"))
    with pytest.raises(ContentRejected) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.stage == "input"


async def test_expired_download_url_repolls_for_a_fresh_one(fake, tmp_path):
    fake.download_faults.append(Fault(403, b"<Error><Code>AccessDenied</Code><Message>expired</Message></Error>"))
    await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    downloads = fake.server.seen("GET", "/tos/")
    assert len(downloads) == 2 and downloads[0].path != downloads[1].path
    assert probe(tmp_path / "out.mp4").has_video


async def test_slow_task_times_out_within_the_bound(fake, tmp_path):
    with pytest.raises(Timeout):
        await run(make(fake, timeout_s=0.3), VideoRequest(prompt="NEVER"), tmp_path, sleep=Sleeper(real_s=0.02))
    assert 1 <= len(polls(fake)) < 100


async def test_cancel_stops_a_queued_task_at_the_provider(fake, tmp_path):
    token = CancelToken()
    with pytest.raises(Cancelled):
        await run(
            make(fake), VideoRequest(prompt="NEVER"), tmp_path, cancel=token, sleep=Sleeper(lambda n: token.cancel())
        )
    [task] = fake.tasks.values()
    assert task["cancelled"] and len(fake.server.seen("DELETE", TASKS)) == 1


async def test_resume_from_a_stored_id(fake, tmp_path):
    fake.seed_task("cgt-earlier")
    _, out, _ = await run(make(fake), VideoRequest(prompt="x"), tmp_path, resume="cgt-earlier")
    assert out.provider_job.id == "cgt-earlier" and not submits(fake) and probe(tmp_path / "out.mp4").has_video


async def test_key_never_in_errors_logs_or_records(fake, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError) as err:
        await run(make(fake, api_key="ark-wrong-0123456789"), VideoRequest(prompt="x"), tmp_path)
    assert "ARK_API_KEY" in str(err.value)
    fake.submit_faults.append(ark_error(400, "InvalidParameter", f"bad request from {fake.api_key}"))
    backend = make(fake)
    with pytest.raises(InvalidRequest) as err2:
        await run(backend, VideoRequest(prompt="x"), tmp_path)
    _, out, _ = await run(backend, VideoRequest(prompt="x"), tmp_path)
    texts = [str(err.value), str(err2.value), json.dumps(err2.value.to_dict()), caplog.text, repr(out)]
    for text in [*texts, repr(backend.config), backend.config.model_dump_json()]:
        assert fake.api_key not in text and "ark-wrong" not in text


def test_validation_and_registry(monkeypatch):
    monkeypatch.delenv("ARK_API_KEY", raising=False)
    ok, why = create_backend("seedance", {}).configured()
    assert not ok and "ARK_API_KEY" in why
    backend = SeedanceBackend({"api_key": "k"})
    with pytest.raises(InvalidRequest) as err:
        backend.validate(VideoRequest(prompt="x" * 2001, last_frame=tiny_png(), image=tiny_png()))
    assert {"prompt", "last_frame"} <= set(err.value.problems)
    plan = backend.validate(VideoRequest(prompt="x", aspect_ratio="5:2", negative_prompt="blur", duration_s=7.4))
    assert plan.aspect_ratio == "21:9" and plan.duration_s == 7 and len(plan.warnings) == 3
    assert "per second" in backend.price_rule() or "usd per second" in backend.price_rule()
