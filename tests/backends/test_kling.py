"""Kling backend against a loopback fake of its API (JWT auth, service codes in the body), with scripted faults."""

from __future__ import annotations

import base64
import json
import logging

import pytest

from reelforge.backends.kling import KlingBackend, external_id, hs256_token
from reelforge.backends.registry import create_backend
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
from tests.fakes.kling_server import KlingFake, decode_jwt, error


@pytest.fixture(scope="module")
def server():
    with KlingFake() as fake_server:
        yield fake_server


@pytest.fixture
def fake(server):
    server.reset()
    return server


def make(fake: KlingFake, **cfg: object) -> KlingBackend:
    config = {
        "access_key": fake.access_key,
        "secret_key": fake.secret_key,
        "base_url": fake.url,
        "poll_interval_s": 0.01,
        "timeout_s": 20,
        **cfg,
    }
    return KlingBackend(config)


def submits(fake: KlingFake) -> list:
    return fake.server.seen("POST", "/v1/videos/")


def polls(fake: KlingFake) -> list:
    return fake.server.seen("GET", "/v1/videos/")


async def test_text_to_video_happy_path(fake, tmp_path):
    messages: list[str] = []
    plan, out, _ = await run(
        make(fake),
        VideoRequest(prompt="a paper boat", duration_s=10, aspect_ratio="9:16", negative_prompt="blur"),
        tmp_path,
        on_progress=lambda f, m: messages.append(m),
    )
    [post] = submits(fake)
    assert post.path == "/v1/videos/text2video"
    assert json.loads(post.body) == {
        "model_name": "kling-v2-6",
        "prompt": "a paper boat",
        "negative_prompt": "blur",
        "mode": "std",
        "duration": "10",
        "aspect_ratio": "9:16",
        "sound": "off",
    }
    token = post.headers["authorization"].removeprefix("Bearer ")
    claims = decode_jwt(token, fake.secret_key, fake.access_key)
    assert claims["exp"] - claims["nbf"] == 1805
    assert all(r.path == f"/v1/videos/text2video/{out.provider_job.id}" for r in polls(fake))
    assert "kling: queued" in messages and "kling: running" in messages
    [download] = fake.server.seen("GET", "/dl/")
    assert "authorization" not in download.headers  # the result URL gets no token
    info = probe(tmp_path / "out.mp4")
    assert info.has_video and (info.width, info.height) == (64, 64)
    assert (plan.width, plan.height) == (720, 1280)
    assert make(fake).estimate_cost(plan) == pytest.approx(0.3 * 10 * 0.14)


async def test_image_to_video_first_and_last_frame_go_as_bare_base64_in_pro_mode(fake, tmp_path):
    image = tiny_png(64, 36)
    plan, out, _ = await run(
        make(fake, model="kling-v2-5-turbo"),
        VideoRequest(prompt="dolly in", image=image, last_frame=image, duration_s=5),
        tmp_path,
    )
    body = json.loads(submits(fake)[0].body)
    assert submits(fake)[0].path == "/v1/videos/image2video"
    assert base64.b64decode(body["image"]) == image and base64.b64decode(body["image_tail"]) == image
    assert body["mode"] == "pro" and "aspect_ratio" not in body and "sound" not in body
    assert any("snapped to 1080p" in w for w in plan.warnings)
    assert out.provider_job.data == {"kind": "image2video"}
    assert probe(tmp_path / "out.mp4").has_video


async def test_image_url_goes_as_is(fake, tmp_path):
    url = f"{fake.url}/inputs/frame.png"
    await run(make(fake, model="kling-v2-1"), VideoRequest(prompt="wind", image=url), tmp_path)
    assert json.loads(submits(fake)[0].body)["image"] == url


async def test_sound_only_with_v2_6_in_pro_mode(fake, tmp_path):
    backend = make(fake)
    plan = backend.validate(VideoRequest(prompt="x", resolution="1080p", extra={"generate_audio": True}))
    assert plan.extra == {"generate_audio": True}
    await run(backend, VideoRequest(prompt="x", resolution="1080p", extra={"generate_audio": True}), tmp_path)
    assert json.loads(submits(fake)[0].body)["sound"] == "on"
    plan = backend.validate(VideoRequest(prompt="x", extra={"generate_audio": True}, seed=3))
    assert "generate_audio" not in plan.extra and plan.seed is None
    assert any("generate_audio ignored" in w for w in plan.warnings) and any("seed" in w for w in plan.warnings)
    assert backend.estimate_cost(backend.validate(VideoRequest(prompt="x", resolution="1080p"))) == pytest.approx(
        0.5 * 5 * 0.14
    )
    with_sound = backend.validate(VideoRequest(prompt="x", resolution="1080p", extra={"generate_audio": True}))
    assert backend.estimate_cost(with_sound) == pytest.approx(2 * 0.5 * 5 * 0.14)


async def test_concurrency_limit_at_submit_is_rate_limited_with_retry_after(fake, tmp_path):
    fault = error(1303, "parallel task over resource pack limit")
    fake.submit_faults.append(Fault(429, fault.body, headers={"Retry-After": "7"}))
    with pytest.raises(RateLimited) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retry_after == 7.0 and "1303" in str(err.value)
    assert len(submits(fake)) == 1 and not polls(fake) and not fake.tasks


async def test_poll_rate_code_is_waited_out(fake, tmp_path):
    fault = error(1302, "request too fast")
    fake.poll_faults.append(Fault(429, fault.body, headers={"Retry-After": "3"}))
    _, _, sleeper = await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert any(3.0 <= w <= 3.3 for w in sleeper.waits) and len(submits(fake)) == 1


@pytest.mark.parametrize("code", [1101, 1102])
async def test_arrears_or_empty_resource_pack_is_backend_unavailable(fake, tmp_path, code):
    fake.submit_faults.append(error(code, "account exception"))
    with pytest.raises(BackendUnavailable) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert "top it up" in str(err.value) and len(submits(fake)) == 1


async def test_submit_500_is_a_retryable_provider_error_not_repeated(fake, tmp_path):
    fake.submit_faults.append(error(5000, "server internal error"))
    with pytest.raises(ProviderError) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retryable and err.value.status == 500 and len(submits(fake)) == 1


async def test_poll_5xx_is_retried_with_backoff(fake, tmp_path):
    fake.poll_faults += [error(5001, "service unavailable"), Fault(502, b"bad gateway")]
    _, out, sleeper = await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert out.provider_job.id and len(submits(fake)) == 1
    assert sleeper.waits[0] >= 0.02 and sleeper.waits[1] >= 0.04


async def test_connection_dropped_after_create_is_not_resubmitted(fake, tmp_path):
    fake.submit_faults.append(Fault(drop=True))
    with pytest.raises(ProviderError) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.submitted is None and len(submits(fake)) == 1 and len(fake.tasks) == 1


async def test_failed_task_is_generation_failed_with_the_reason(fake, tmp_path):
    with pytest.raises(GenerationFailed) as err:
        await run(make(fake), VideoRequest(prompt="FAIL please"), tmp_path)
    assert "internal error in video generation" in str(err.value) and not err.value.billable


async def test_content_review_is_content_rejected(fake, tmp_path):
    with pytest.raises(ContentRejected) as err:
        await run(make(fake), VideoRequest(prompt="NSFW"), tmp_path)
    assert "risk control" in str(err.value) and not (tmp_path / "out.mp4").exists()
    fake.submit_faults.append(error(1301, "content security policy triggered"))
    with pytest.raises(ContentRejected) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.stage == "input"


async def test_expired_download_url_repolls_for_a_fresh_one(fake, tmp_path):
    fake.download_faults.append(Fault(403, b"<Error><Code>AccessDenied</Code></Error>"))
    await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    downloads = fake.server.seen("GET", "/dl/")
    assert len(downloads) == 2 and downloads[0].path != downloads[1].path
    assert probe(tmp_path / "out.mp4").has_video and len(submits(fake)) == 1


async def test_slow_task_times_out_within_the_bound(fake, tmp_path):
    with pytest.raises(Timeout):
        await run(make(fake, timeout_s=0.3), VideoRequest(prompt="NEVER"), tmp_path, sleep=Sleeper(real_s=0.02))
    assert 1 <= len(polls(fake)) < 100 and len(submits(fake)) == 1


async def test_resume_from_a_stored_id_polls_the_right_endpoint(fake, tmp_path):
    fake.seed_task("777", kind="image2video")
    request = VideoRequest(prompt="x", image=tiny_png())
    _, out, _ = await run(make(fake), request, tmp_path, resume="777")
    assert not submits(fake) and out.provider_job.id == "777"
    assert polls(fake)[0].path == "/v1/videos/image2video/777" and probe(tmp_path / "out.mp4").has_video


async def test_an_interrupted_submit_with_a_key_is_looked_up_by_external_task_id(fake, tmp_path):
    fake.seed_task("555", external=external_id("order-1"))
    _, out, _ = await run(
        make(fake), VideoRequest(prompt="x", idempotency_key="order-1"), tmp_path, submit_uncertain=True
    )
    assert out.provider_job.id == "555" and not submits(fake)
    _, out, _ = await run(
        make(fake), VideoRequest(prompt="x", idempotency_key="order-2"), tmp_path, submit_uncertain=True
    )
    [post] = submits(fake)
    assert json.loads(post.body)["external_task_id"] == external_id("order-2") and out.provider_job.id != "555"


async def test_keys_never_in_errors_logs_or_records(fake, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError) as err:
        await run(make(fake, secret_key="sk-wrong-0123456789"), VideoRequest(prompt="x"), tmp_path)
    assert "KLING_ACCESS_KEY" in str(err.value) and "KLING_SECRET_KEY" in str(err.value)
    fake.submit_faults.append(Fault(400, {"code": 1200, "message": f"bad request from {fake.secret_key}"}))
    backend = make(fake)
    with pytest.raises(InvalidRequest) as err2:
        await run(backend, VideoRequest(prompt="x"), tmp_path)
    _, out, _ = await run(backend, VideoRequest(prompt="x"), tmp_path)
    texts = [str(err.value), str(err2.value), json.dumps(err2.value.to_dict()), caplog.text, repr(out)]
    texts += [repr(backend.config), backend.config.model_dump_json(), json.dumps(out.provider_job.model_dump())]
    for text in texts:
        assert fake.secret_key not in text and fake.access_key not in text and "sk-wrong" not in text
        assert not any(token in text for token in fake.tokens_seen)


SK = "sk-0123456789abcdefghijklmnopqrstuvwxyz"


def test_the_token_is_reused_until_near_its_end_and_signed_right():
    backend = KlingBackend({"access_key": "ak", "secret_key": SK, "jwt_ttl_s": 1800})
    first = backend.headers()
    assert backend.headers() == first
    token = hs256_token("ak", SK, 1_000_000)
    claims = decode_jwt(token, SK, "ak", now=1_000_000)
    assert claims == {"iss": "ak", "exp": 1_001_800, "nbf": 999_995}


def test_not_configured_names_both_variables(monkeypatch):
    for env in ("KLING_ACCESS_KEY", "KLING_SECRET_KEY"):
        monkeypatch.delenv(env, raising=False)
    ok, why = KlingBackend({"secret_key": "s"}).configured()
    assert not ok and "KLING_ACCESS_KEY" in why and "KLING_SECRET_KEY" in why
    monkeypatch.setenv("KLING_ACCESS_KEY", "a")
    monkeypatch.setenv("KLING_SECRET_KEY", "b")
    assert create_backend("kling", {}).configured() == (True, None)


def test_validation_refuses_everything_at_once_and_snaps():
    backend = KlingBackend({"access_key": "a", "secret_key": "b"})
    with pytest.raises(InvalidRequest) as err:
        backend.validate(VideoRequest(prompt="x" * 2501, model="kling-v2-1"))
    assert {"prompt", "operation"} <= set(err.value.problems)
    plan = backend.validate(VideoRequest(prompt="x", duration_s=7, aspect_ratio="4:3", model="kling-v2-1-master"))
    assert plan.duration_s in (5.0, 10.0) and plan.aspect_ratio == "1:1" and plan.resolution == "1080p"
    assert (plan.width, plan.height) == (1080, 1080) and len(plan.warnings) >= 2
