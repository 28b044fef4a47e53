"""Runway backend against a loopback fake of its API, with scripted faults."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reelforge.backends.registry import create_backend
from reelforge.backends.runway import RunwayBackend
from reelforge.errors import (
    AuthError,
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
from tests.fakes.runway_server import RUNNING, SUCCEEDED, THROTTLED, RunwayFake


@pytest.fixture(scope="module")
def server():
    with RunwayFake() as fake_server:
        yield fake_server


@pytest.fixture
def fake(server):
    server.reset()
    return server


def make(fake: RunwayFake, **cfg: object) -> RunwayBackend:
    config = {"api_key": fake.api_key, "base_url": fake.url, "poll_interval_s": 0.01, "timeout_s": 20, **cfg}
    return RunwayBackend(config)


def posts(fake: RunwayFake) -> list:
    return fake.server.seen("POST", "/v1/")


async def test_text_to_video_happy_path(fake, tmp_path):
    backend = make(fake)
    submitted: list[str] = []

    async def on_submitted(job: Any) -> None:
        assert not fake.server.seen("GET", "/v1/tasks"), "the job id is stored before the first poll"
        submitted.append(job.id)

    progress: list[tuple[float, str]] = []
    plan, out, _ = await run(
        backend,
        VideoRequest(prompt="a paper boat", duration_s=5, aspect_ratio="16:9"),
        tmp_path,
        on_submitted=on_submitted,
        on_progress=lambda f, m: progress.append((f, m)),
    )
    assert out.provider_job.id == submitted[0] and out.billable
    info = probe(tmp_path / "out.mp4")
    assert info.has_video and (info.width, info.height) == (64, 64)
    [post] = posts(fake)
    assert post.path == "/v1/text_to_video"
    assert post.headers["x-runway-version"] == "2024-11-06"
    assert post.headers["authorization"] == f"Bearer {fake.api_key}"
    assert json.loads(post.body) == {
        "model": "gen4.5",
        "ratio": "1280:720",
        "duration": 5,
        "promptText": "a paper boat",
    }
    assert (plan.width, plan.height) == (1280, 720)
    assert any("running" in m for _, m in progress)
    assert backend.estimate_cost(plan) == pytest.approx(0.60)  # 12 credits/s x 5 s x $0.01


async def test_image_to_video_first_and_last_frame_as_data_uris(fake, tmp_path):
    backend = make(fake)
    request = VideoRequest(prompt="dolly in", image=tiny_png(), last_frame=tiny_png(), model="veo3.1", duration_s=5)
    plan, _, _ = await run(backend, request, tmp_path)
    body = json.loads(posts(fake)[0].body)
    assert posts(fake)[0].path == "/v1/image_to_video"
    first, last = body["promptImage"]
    assert first["position"] == "first" and last["position"] == "last"
    assert first["uri"].startswith("data:image/png;base64,")
    assert body["audio"] is True and body["duration"] in (4, 6)
    assert any("duration 5s snapped" in w for w in plan.warnings)
    assert probe(tmp_path / "out.mp4").has_video


async def test_image_to_video_from_url_turbo(fake, tmp_path):
    url = f"{fake.url}/inputs/frame.png"
    backend = make(fake)
    await run(
        backend,
        VideoRequest(prompt="wind", image=url, model="gen4_turbo", aspect_ratio="1:1", duration_s=10, seed=3),
        tmp_path,
    )
    body = json.loads(posts(fake)[0].body)
    assert body == {
        "model": "gen4_turbo",
        "ratio": "960:960",
        "duration": 10,
        "promptText": "wind",
        "seed": 3,
        "promptImage": url,
    }


async def test_submit_429_raises_rate_limited_with_retry_after(fake, tmp_path):
    fake.submit_faults.append(Fault(429, {"error": "Too many requests"}, headers={"Retry-After": "7"}))
    with pytest.raises(RateLimited) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retry_after == 7.0
    assert len(posts(fake)) == 1 and not fake.server.seen("GET", "/v1/tasks")


async def test_poll_429_waits_as_told(fake, tmp_path):
    fake.poll_faults.append(Fault(429, headers={"Retry-After": "3"}))
    _, _, sleeper = await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert any(3.0 <= w <= 3.3 for w in sleeper.waits)
    assert len(posts(fake)) == 1


async def test_submit_500_is_a_provider_error_and_not_repeated(fake, tmp_path):
    fake.submit_faults.append(Fault(500))
    with pytest.raises(ProviderError) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.status == 500 and err.value.retryable
    assert len(posts(fake)) == 1


async def test_poll_500_is_retried_with_backoff(fake, tmp_path):
    fake.poll_faults += [Fault(500), Fault(502)]
    _, out, sleeper = await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert out.provider_job.id and len(posts(fake)) == 1
    assert sleeper.waits[0] >= 0.02 and sleeper.waits[1] >= 0.04  # exponential from poll_interval_s


async def test_connection_dropped_after_create_is_not_resubmitted(fake, tmp_path):
    fake.submit_faults.append(Fault(drop=True))
    with pytest.raises(ProviderError) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.submitted is None  # unknown: the engine must not pay again
    assert len(posts(fake)) == 1 and len(fake.tasks) == 1


async def test_throttled_is_queued(fake, tmp_path):
    fake.states = [THROTTLED, THROTTLED, RUNNING, SUCCEEDED]
    messages: list[str] = []
    await run(make(fake), VideoRequest(prompt="x"), tmp_path, on_progress=lambda f, m: messages.append(m))
    assert "runway: queued" in messages and "runway: running" in messages


async def test_failed_task_is_generation_failed(fake, tmp_path):
    fake.states = [
        RUNNING,
        {"status": "FAILED", "failureCode": "INTERNAL.BAD_OUTPUT.CODE01", "failure": "An unexpected error occurred."},
    ]
    with pytest.raises(GenerationFailed) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert "INTERNAL.BAD_OUTPUT.CODE01" in str(err.value)


@pytest.mark.parametrize(("code", "stage"), [("SAFETY.INPUT.TEXT", "input"), ("SAFETY.OUTPUT.VIDEO", "output")])
async def test_moderation_is_content_rejected(fake, tmp_path, code, stage):
    fake.states = [RUNNING, {"status": "FAILED", "failureCode": code, "failure": "moderated"}]
    with pytest.raises(ContentRejected) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.stage == stage and err.value.billable  # Runway charges moderated generations
    assert not (tmp_path / "out.mp4").exists()


async def test_expired_download_url_repolls_for_a_fresh_one(fake, tmp_path):
    fake.download_faults.append(Fault(410, {"error": "expired"}))
    await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    downloads = fake.server.seen("GET", "/outputs/")
    assert len(downloads) == 2 and downloads[0].path != downloads[1].path
    assert "authorization" not in downloads[1].headers  # signed URLs get no credentials
    assert probe(tmp_path / "out.mp4").has_video


async def test_slow_job_times_out_within_the_bound(fake, tmp_path):
    fake.states = [RUNNING]
    with pytest.raises(Timeout):
        await run(make(fake, timeout_s=0.3), VideoRequest(prompt="x"), tmp_path, sleep=Sleeper(real_s=0.02))
    assert 1 <= len(fake.server.seen("GET", "/v1/tasks")) < 100


async def test_secret_never_in_errors_or_reprs(fake, tmp_path):
    key = fake.api_key
    with pytest.raises(AuthError) as err:
        await run(make(fake, api_key="rw-wrong-key-99999"), VideoRequest(prompt="x"), tmp_path)
    assert "RUNWAY_API_KEY" in str(err.value)
    fake.submit_faults.append(Fault(400, {"error": f"malformed request from key {key}"}))
    backend = make(fake)
    with pytest.raises(InvalidRequest) as err2:
        await run(backend, VideoRequest(prompt="x"), tmp_path)
    plan, out, _ = await run(backend, VideoRequest(prompt="x"), tmp_path)
    for text in (
        str(err2.value),
        repr(err2.value),
        json.dumps(err2.value.to_dict()),
        repr(plan),
        json.dumps(plan.describe(), default=str),
        repr(out),
        repr(backend.config),
    ):
        assert key not in text


def test_validation_snaps_and_refuses():
    backend = RunwayBackend({"api_key": "k"})
    with pytest.raises(InvalidRequest) as err:
        backend.validate(VideoRequest(prompt="x", model="gen4_turbo"))
    assert "operation" in err.value.problems
    with pytest.raises(InvalidRequest) as err:
        backend.validate(VideoRequest(prompt="x" * 1001, last_frame=tiny_png(), model="veo3.1"))
    assert {"prompt", "last_frame"} <= set(err.value.problems)
    plan = backend.validate(VideoRequest(prompt="x", aspect_ratio="1:1", negative_prompt="blur"))
    assert plan.aspect_ratio == "16:9" and len(plan.warnings) == 2
    plan = backend.validate(VideoRequest(prompt="x", model="veo3.1", resolution="1080p", aspect_ratio="9:16"))
    assert (plan.width, plan.height) == (1080, 1920)


def test_prices_and_registry():
    backend = create_backend("runway", {"api_key": "k"})
    assert isinstance(backend, RunwayBackend)
    with_audio = backend.validate(VideoRequest(prompt="x", model="veo3.1", duration_s=8))
    silent = backend.validate(VideoRequest(prompt="x", model="veo3.1", duration_s=8, extra={"generate_audio": False}))
    assert backend.estimate_cost(with_audio) == pytest.approx(3.2)  # 40 credits/s with audio
    assert backend.estimate_cost(silent) == pytest.approx(1.6)  # 20 credits/s without
    assert "credit" in backend.price_rule("gen4_turbo")


def test_not_configured_names_the_variable(monkeypatch):
    for env in RunwayBackend.secret_env:
        monkeypatch.delenv(env, raising=False)
    ok, why = RunwayBackend({}).configured()
    assert not ok and "RUNWAY_API_KEY" in why


async def test_after_an_interrupted_submit_a_found_task_is_polled_and_an_absent_one_submitted(fake, tmp_path):
    fake.seed_task("found-1")
    recorded: list[Any] = []

    async def on_submitted(job: Any) -> None:
        recorded.append(job)

    class Finder(RunwayBackend):
        async def lookup(self, plan: Any, client: Any) -> Any:
            return self.job("found-1")

    class Absent(RunwayBackend):
        async def lookup(self, plan: Any, client: Any) -> Any:
            return None  # the provider says no such task exists: submitting is safe

    config = {"api_key": fake.api_key, "base_url": fake.url, "poll_interval_s": 0.01}
    _, out, _ = await run(
        Finder(config), VideoRequest(prompt="x"), tmp_path, submit_uncertain=True, on_submitted=on_submitted
    )
    assert out.provider_job.id == "found-1" and not posts(fake) and recorded == [out.provider_job]
    _, out, _ = await run(Absent(config), VideoRequest(prompt="x"), tmp_path, submit_uncertain=True)
    assert len(posts(fake)) == 1 and out.provider_job.id != "found-1"
