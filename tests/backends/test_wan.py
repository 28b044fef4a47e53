"""Wan (Model Studio / DashScope) backend against a loopback fake of its API, with scripted faults."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reelforge.backends.base import ProviderJob
from reelforge.backends.registry import create_backend
from reelforge.backends.wan import WanBackend
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
from tests.fakes.wan_server import WanFake, error


@pytest.fixture(scope="module")
def server():
    with WanFake() as fake_server:
        yield fake_server


@pytest.fixture
def fake(server):
    server.reset()
    return server


def make(fake: WanFake, **cfg: object) -> WanBackend:
    config = {"api_key": fake.api_key, "base_url": fake.url, "poll_interval_s": 0.01, "timeout_s": 20, **cfg}
    return WanBackend(config)


def posts(fake: WanFake) -> list:
    return fake.server.seen("POST", "/api/v1/services/")


async def test_text_to_video_happy_path(fake, tmp_path):
    submitted: list[str] = []

    async def on_submitted(job: Any) -> None:
        assert not fake.server.seen("GET", "/api/v1/tasks"), "the job id is stored before the first poll"
        submitted.append(job.id)

    backend = make(fake)
    plan, out, _ = await run(
        backend, VideoRequest(prompt="a paper boat", aspect_ratio="9:16", seed=7), tmp_path, on_submitted=on_submitted
    )
    assert out.provider_job.id == submitted[0] and out.billable
    info = probe(tmp_path / "out.mp4")
    assert info.has_video and (info.width, info.height) == (64, 64)
    [post] = posts(fake)
    assert post.headers["x-dashscope-async"] == "enable"
    assert post.headers["authorization"] == f"Bearer {fake.api_key}"
    assert json.loads(post.body) == {
        "model": "wan2.6-t2v",
        "input": {"prompt": "a paper boat"},
        "parameters": {"duration": 5, "prompt_extend": True, "watermark": False, "size": "720*1280", "seed": 7},
    }
    assert (plan.width, plan.height) == (720, 1280)
    assert backend.estimate_cost(plan) == pytest.approx(0.50)  # $0.10/s at 720P x 5 s


async def test_an_image_runs_the_image_to_video_sibling_with_a_data_uri(fake, tmp_path):
    request = VideoRequest(prompt="wind", image=tiny_png(), resolution="1080p", duration_s=10)
    plan, _, _ = await run(make(fake), request, tmp_path)
    body = json.loads(posts(fake)[0].body)
    assert body["model"] == "wan2.6-i2v" and plan.warnings[0] == "model wan2.6-t2v runs image input as wan2.6-i2v"
    assert body["input"]["img_url"].startswith("data:image/png;base64,")
    assert body["parameters"]["resolution"] == "1080P" and body["parameters"]["duration"] == 10
    assert "size" not in body["parameters"] and plan.aspect_ratio == "16:9"
    assert probe(tmp_path / "out.mp4").has_video


async def test_image_to_video_without_a_prompt_sends_none(fake, tmp_path):
    await run(make(fake), VideoRequest(image=tiny_png(), model="wan2.2-i2v-plus", resolution="480p"), tmp_path)
    body = json.loads(posts(fake)[0].body)
    assert "prompt" not in body["input"] and body["parameters"]["resolution"] == "480P"


async def test_first_and_last_frame_use_the_keyframe_model_and_endpoint(fake, tmp_path):
    url = f"{fake.url}/inputs/first.png"
    request = VideoRequest(prompt="morph", image=url, last_frame=tiny_png())
    await run(make(fake), request, tmp_path)
    [post] = posts(fake)
    body = json.loads(post.body)
    assert post.path == "/api/v1/services/aigc/image2video/video-synthesis"
    assert body["model"] == "wan2.1-kf2v-plus" and body["input"]["first_frame_url"] == url
    assert body["input"]["last_frame_url"].startswith("data:image/png")


async def test_submit_429_throttling_is_rate_limited_with_retry_after(fake, tmp_path):
    fault = error("Throttling.RateQuota", "Requests rate limit exceeded, please try again later.", 429)
    fake.submit_faults.append(Fault(429, fault.body, headers={"Retry-After": "9"}))
    with pytest.raises(RateLimited) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retry_after == 9.0 and "Throttling.RateQuota" in str(err.value)
    assert len(posts(fake)) == 1 and not fake.tasks


async def test_poll_429_waits_as_told(fake, tmp_path):
    fake.poll_faults.append(Fault(429, error("Throttling", "slow down").body, headers={"Retry-After": "4"}))
    _, _, sleeper = await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert any(4.0 <= w <= 4.4 for w in sleeper.waits) and len(posts(fake)) == 1


async def test_submit_500_is_retryable_and_poll_5xx_is_retried(fake, tmp_path):
    fake.submit_faults.append(error("InternalError", "internal error", 500))
    with pytest.raises(ProviderError) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retryable and err.value.status == 500 and len(posts(fake)) == 1
    fake.reset()
    fake.poll_faults += [Fault(500), Fault(503)]
    _, out, sleeper = await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert out.provider_job.id and len(posts(fake)) == 1
    assert sleeper.waits[0] >= 0.02 and sleeper.waits[1] >= 0.04


async def test_connection_dropped_after_the_task_was_created_is_not_resubmitted(fake, tmp_path):
    fake.submit_faults.append(Fault(drop=True))
    with pytest.raises(ProviderError) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.submitted is None and len(posts(fake)) == 1 and len(fake.tasks) == 1


async def test_failed_task_carries_dashscope_code_and_message(fake, tmp_path):
    fake.states = ["RUNNING", {"task_status": "FAILED", "code": "InternalError.Algo", "message": "inference failed"}]
    with pytest.raises(GenerationFailed) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert "InternalError.Algo" in str(err.value) and "inference failed" in str(err.value)


@pytest.mark.parametrize(
    ("message", "stage"),
    [
        ("Input data may contain inappropriate content.", "input"),
        ("Output data may contain inappropriate content.", "output"),
    ],
)
async def test_content_inspection_is_content_rejected(fake, tmp_path, message, stage):
    fake.states = ["RUNNING", {"task_status": "FAILED", "code": "DataInspectionFailed", "message": message}]
    with pytest.raises(ContentRejected) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.stage == stage and not err.value.billable
    assert not (tmp_path / "out.mp4").exists()


async def test_inspection_at_submit_and_arrears_are_mapped(fake, tmp_path):
    fake.submit_faults.append(error("DataInspectionFailed", "Input data may contain inappropriate content."))
    with pytest.raises(ContentRejected) as rejected:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert rejected.value.stage == "input"
    fake.submit_faults.append(error("Arrearage", "Access denied, please make sure your account is in good standing."))
    with pytest.raises(BackendUnavailable) as broke:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert "top it up" in str(broke.value)


async def test_expired_result_url_repolls_for_a_fresh_one(fake, tmp_path):
    fake.download_faults.append(Fault(403, b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message>"))
    await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    downloads = fake.server.seen("GET", "/results/")
    assert len(downloads) == 2 and downloads[0].path != downloads[1].path
    assert "authorization" not in downloads[1].headers
    assert probe(tmp_path / "out.mp4").has_video


async def test_slow_task_times_out_within_the_bound(fake, tmp_path):
    fake.states = ["RUNNING"]
    with pytest.raises(Timeout):
        await run(make(fake, timeout_s=0.3), VideoRequest(prompt="x"), tmp_path, sleep=Sleeper(real_s=0.02))
    assert 1 <= len(fake.server.seen("GET", "/api/v1/tasks")) < 100 and len(posts(fake)) == 1


async def test_cancel_reaches_a_pending_task(fake, tmp_path):
    token = CancelToken()
    with pytest.raises(Cancelled):
        await run(
            make(fake), VideoRequest(prompt="NEVER"), tmp_path, cancel=token, sleep=Sleeper(lambda n: token.cancel())
        )
    [cancel] = fake.server.seen("POST", "/api/v1/tasks/")
    assert cancel.path.endswith("/cancel") and all(t["cancelled"] for t in fake.tasks.values())


async def test_resume_from_a_stored_job_does_not_submit(fake, tmp_path):
    fake.seed_task("stored-1")
    _, out, _ = await run(
        make(fake), VideoRequest(prompt="x"), tmp_path, resume=ProviderJob(backend="wan", id="stored-1")
    )
    assert out.provider_job.id == "stored-1" and not posts(fake)
    assert probe(tmp_path / "out.mp4").has_video


async def test_an_expired_task_id_fails_clearly(fake, tmp_path):
    with pytest.raises(GenerationFailed, match="expire after 24 h"):
        await run(make(fake), VideoRequest(prompt="x"), tmp_path, resume="gone-1")


async def test_a_refused_key_names_the_variable_and_never_shows(fake, tmp_path):
    with pytest.raises(AuthError) as err:
        await run(make(fake, api_key="sk-wrong-key-99999"), VideoRequest(prompt="x"), tmp_path)
    assert "DASHSCOPE_API_KEY" in str(err.value) and "sk-wrong-key-99999" not in str(err.value)
    fake.submit_faults.append(error("InvalidParameter", f"bad request from {fake.api_key}"))
    with pytest.raises(InvalidRequest) as bad:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert fake.api_key not in str(bad.value) + json.dumps(bad.value.to_dict())


def test_validation_snaps_and_refuses():
    backend = WanBackend({"api_key": "k"})
    plan = backend.validate(VideoRequest(prompt="x", model="wan2.5-t2v-preview", resolution="480p", aspect_ratio="4:3"))
    assert (plan.width, plan.height) == (832, 480) and any("4:3 snapped to 16:9" in w for w in plan.warnings)
    plan = backend.validate(VideoRequest(prompt="x", model="wan2.2-t2v-plus", duration_s=6, resolution="720p"))
    assert plan.duration_s == 5 and plan.resolution in ("480p", "1080p") and len(plan.warnings) == 2
    with pytest.raises(InvalidRequest) as err:
        backend.validate(VideoRequest(prompt="x" * 1501, model="wan2.6-i2v"))
    assert {"prompt", "operation"} <= set(err.value.problems)


def test_prices_registry_and_configuration(monkeypatch):
    backend = create_backend("wan", {"api_key": "k"})
    assert isinstance(backend, WanBackend)
    plan = backend.validate(VideoRequest(prompt="x", model="wan2.5-t2v-preview", resolution="1080p", duration_s=10))
    assert backend.estimate_cost(plan) == pytest.approx(1.5)
    assert "2026" in backend.price_rule("wan2.2-t2v-plus")
    monkeypatch.delenv("DASHSCOPE_API_KEY", raising=False)
    ok, why = WanBackend({}).configured()
    assert not ok and "DASHSCOPE_API_KEY" in why
