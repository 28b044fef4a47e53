"""MiniMax Hailuo backend against a loopback fake, with scripted faults (mostly HTTP 200 + base_resp codes)."""

from __future__ import annotations

import json

import pytest

from reelforge.backends.base import RunContext
from reelforge.backends.minimax import MinimaxBackend
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
from reelforge.types import VideoRequest
from tests.fakes.kit import Fault, Sleeper, tiny_png
from tests.fakes.kit import run_backend as run
from tests.fakes.minimax_server import MinimaxFake, base_resp


@pytest.fixture(scope="module")
def server():
    with MinimaxFake() as fake_server:
        yield fake_server


@pytest.fixture
def fake(server):
    server.reset()
    return server


def make(fake: MinimaxFake, **cfg: object) -> MinimaxBackend:
    config = {"api_key": fake.api_key, "base_url": fake.url, "poll_interval_s": 0.01, "timeout_s": 20, **cfg}
    return MinimaxBackend(config)


def submits(fake: MinimaxFake) -> list:
    return fake.server.seen("POST", "/v1/video_generation")


def reply(code: int, message: str) -> Fault:
    return Fault(200, {"task_id": "", **base_resp(code, message)})


async def test_text_to_video_happy_path(fake, tmp_path):
    messages: list[str] = []
    plan, out, _ = await run(
        make(fake), VideoRequest(prompt="a kite", duration_s=10), tmp_path, on_progress=lambda f, m: messages.append(m)
    )
    [post] = submits(fake)
    assert post.headers["authorization"] == f"Bearer {fake.api_key}"
    assert json.loads(post.body) == {
        "model": "MiniMax-Hailuo-02",
        "prompt": "a kite",
        "duration": 10,
        "resolution": "768P",
    }
    [query, *_] = fake.server.seen("GET", "/v1/query/video_generation")
    assert query.query == f"task_id={out.provider_job.id}"
    [retrieve] = fake.server.seen("GET", "/v1/files/retrieve")
    assert retrieve.query == f"file_id={out.provider_job.id}9"
    [download] = fake.server.seen("GET", "/dl/")
    assert "authorization" not in download.headers  # the signed URL gets no key
    assert "minimax: queued" in messages and "minimax: running" in messages
    assert probe(tmp_path / "out.mp4").has_video
    assert (plan.width, plan.height) == (1366, 768)
    assert make(fake).estimate_cost(plan) == pytest.approx(0.56)


async def test_image_to_video_first_and_last_frame(fake, tmp_path):
    image = tiny_png(48, 64)
    plan, _, _ = await run(
        make(fake),
        VideoRequest(prompt="turn", image=image, last_frame=image, aspect_ratio="16:9", resolution="512p"),
        tmp_path,
    )
    body = json.loads(submits(fake)[0].body)
    assert body["first_frame_image"].startswith("data:image/png;base64,") and body["last_frame_image"]
    assert body["resolution"] == "512P" and body["duration"] == 6
    assert plan.aspect_ratio == "3:4" and any("first frame's aspect ratio" in w for w in plan.warnings)
    assert make(fake).estimate_cost(plan) == pytest.approx(0.10)


async def test_image_url_goes_as_is(fake, tmp_path):
    url = f"{fake.url}/inputs/frame.jpg"
    await run(make(fake, model="I2V-01-live"), VideoRequest(prompt="x", image=url), tmp_path)
    body = json.loads(submits(fake)[0].body)
    assert body == {"model": "I2V-01-live", "prompt": "x", "duration": 6, "first_frame_image": url}


def test_validation_snaps_combinations_and_refuses_the_rest():
    backend = MinimaxBackend({"api_key": "k", "model": "MiniMax-Hailuo-2.3"})
    plan = backend.validate(VideoRequest(prompt="x", duration_s=10, resolution="1080p", aspect_ratio="9:16"))
    assert plan.resolution == "768p" and plan.aspect_ratio == "16:9" and len(plan.warnings) == 2
    plan = backend.validate(VideoRequest(prompt="x", model="MiniMax-Hailuo-02", resolution="512p"))
    assert plan.resolution == "768p"  # 512p is for image-to-video
    with pytest.raises(InvalidRequest) as err:
        backend.validate(VideoRequest(prompt="x" * 2001, last_frame=tiny_png(), model="MiniMax-Hailuo-2.3-Fast"))
    assert {"prompt", "last_frame", "operation"} <= set(err.value.problems)


@pytest.mark.parametrize(
    ("code", "error", "attr"),
    [
        (1002, RateLimited, None),
        (1004, AuthError, None),
        (1008, BackendUnavailable, None),
        (1026, ContentRejected, "input"),
        (2013, InvalidRequest, None),
        (1000, ProviderError, None),
    ],
)
async def test_submit_base_resp_codes_map_onto_the_error_tree(fake, tmp_path, code, error, attr):
    fake.submit_faults.append(reply(code, "scripted"))
    with pytest.raises(error) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    if attr:
        assert err.value.stage == attr
    assert len(submits(fake)) == 1 and not fake.server.seen("GET", "/v1/query")


async def test_real_bad_key_answer_is_auth_error(fake, tmp_path):
    with pytest.raises(AuthError) as err:
        await run(make(fake, api_key="mm-wrong-key-000000"), VideoRequest(prompt="x"), tmp_path)
    assert "MINIMAX_API_KEY" in str(err.value) and "mm-wrong-key-000000" not in str(err.value)


async def test_http_429_on_submit_and_on_poll(fake, tmp_path):
    fake.submit_faults.append(Fault(429, {"error": "too many"}, {"Retry-After": "4"}))
    with pytest.raises(RateLimited) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retry_after == 4.0
    fake.poll_faults += [Fault(429, {"error": "slow"}, {"Retry-After": "2"}), reply(1002, "rate limit")]
    _, _, sleeper = await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert 2.0 <= sleeper.waits[0] <= 2.2 and len(submits(fake)) == 2


async def test_500_on_submit_and_poll(fake, tmp_path):
    fake.submit_faults.append(Fault(500))
    with pytest.raises(ProviderError):
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    fake.poll_faults += [Fault(500), Fault(503)]
    _, out, _ = await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert out.provider_job.id and len(submits(fake)) == 2


async def test_dropped_connection_after_create_is_not_resubmitted(fake, tmp_path):
    fake.submit_faults.append(Fault(drop=True))
    with pytest.raises(ProviderError) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.submitted is None and len(submits(fake)) == 1 and len(fake.tasks) == 1


async def test_failed_and_sensitive_output_tasks(fake, tmp_path):
    fake.states = ["Processing", "Fail"]
    with pytest.raises(GenerationFailed):
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    fake.reset()
    fake.states = ["Processing", {"status": "Fail", **base_resp(1027, "output new_sensitive")}]
    with pytest.raises(ContentRejected) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.stage == "output" and not err.value.billable


async def test_expired_download_url_gets_a_fresh_one(fake, tmp_path):
    fake.download_faults.append(Fault(410, {"error": "expired"}))
    await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    downloads = fake.server.seen("GET", "/dl/")
    assert len(downloads) == 2 and downloads[0].path != downloads[1].path
    assert len(fake.server.seen("GET", "/v1/files/retrieve")) == 2
    assert probe(tmp_path / "out.mp4").has_video


async def test_slow_task_times_out_and_cancel_stops(fake, tmp_path):
    fake.states = ["Processing"]
    with pytest.raises(Timeout):
        await run(make(fake, timeout_s=0.3), VideoRequest(prompt="x"), tmp_path, sleep=Sleeper(real_s=0.02))
    backend = make(fake)
    ctx = RunContext(out_path=tmp_path / "c.mp4")
    ctx.sleep = Sleeper(hook=lambda n: ctx.cancel.cancel())
    polls_before = len(fake.server.seen("GET", "/v1/query"))
    with pytest.raises(Cancelled):
        await backend.run(backend.validate(VideoRequest(prompt="x")), ctx)
    assert len(fake.server.seen("GET", "/v1/query")) == polls_before + 1  # no cancel endpoint: polling stops


async def test_secret_never_in_errors_or_reprs(fake, tmp_path):
    backend = make(fake)
    fake.submit_faults.append(reply(2013, f"invalid params for key {fake.api_key}"))
    with pytest.raises(InvalidRequest) as err:
        await run(backend, VideoRequest(prompt="x"), tmp_path)
    fake.poll_faults.append(Fault(500, {"error": f"upstream saw {fake.api_key}"}))
    plan, out, _ = await run(backend, VideoRequest(prompt="x"), tmp_path)
    for text in (
        str(err.value),
        repr(err.value),
        json.dumps(err.value.to_dict()),
        repr(plan),
        repr(out),
        repr(backend.config),
    ):
        assert fake.api_key not in text


def test_registry_and_prices():
    backend = create_backend("minimax", {"api_key": "k"})
    assert backend.default_model == "MiniMax-Hailuo-02"
    fast = backend.validate(
        VideoRequest(prompt="x", image=tiny_png(), model="MiniMax-Hailuo-2.3-Fast", resolution="1080p")
    )
    assert backend.estimate_cost(fast) == pytest.approx(0.33)
    old = backend.validate(VideoRequest(prompt="x", model="T2V-01"))
    assert backend.estimate_cost(old) == pytest.approx(0.43) and old.resolution == "720p"
    assert "768p_6s 0.28" in backend.price_rule("MiniMax-Hailuo-2.3")
