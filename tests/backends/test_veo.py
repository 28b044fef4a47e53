"""Veo on the Gemini API against a loopback fake, with scripted faults."""

from __future__ import annotations

import base64
import json

import pytest

from reelforge.backends.registry import create_backend
from reelforge.backends.veo import VeoBackend
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
from tests.fakes.veo_server import VeoFake, google_error

MODEL = "veo-3.1-generate-preview"


@pytest.fixture(scope="module")
def server():
    with VeoFake() as fake_server:
        yield fake_server


@pytest.fixture
def fake(server):
    server.reset()
    return server


def make(fake: VeoFake, **cfg: object) -> VeoBackend:
    base = f"{fake.url}/v1beta"
    return VeoBackend({"api_key": fake.api_key, "base_url": base, "poll_interval_s": 0.01, "timeout_s": 20, **cfg})


def submits(fake: VeoFake) -> list:
    return fake.server.seen("POST", "/v1beta/models/")


async def test_text_to_video_downloads_through_the_redirect_without_leaking_the_key(fake, tmp_path):
    plan, out, _ = await run(make(fake), VideoRequest(prompt="a fox", duration_s=6, negative_prompt="text"), tmp_path)
    [post] = submits(fake)
    assert post.path == f"/v1beta/models/{MODEL}:predictLongRunning"
    assert post.headers["x-goog-api-key"] == fake.api_key
    assert json.loads(post.body) == {
        "instances": [{"prompt": "a fox"}],
        "parameters": {
            "aspectRatio": "16:9",
            "durationSeconds": 6,
            "sampleCount": 1,
            "resolution": "720p",
            "negativePrompt": "text",
        },
    }
    assert out.provider_job.id.startswith(f"models/{MODEL}/operations/") and out.billable
    [api_download] = fake.server.seen("GET", "/v1beta/files/")
    assert api_download.headers["x-goog-api-key"] == fake.api_key
    [cdn_download] = fake.cdn.seen("GET", "/videos/")
    assert "x-goog-api-key" not in cdn_download.headers  # the key never leaves Google's API host
    assert probe(tmp_path / "out.mp4").has_video
    assert plan.extra["generate_audio"] is True
    assert make(fake).estimate_cost(plan) == pytest.approx(2.4)  # $0.40/s x 6 s


async def test_image_to_video_with_first_and_last_frame_inline(fake, tmp_path):
    await run(
        make(fake),
        VideoRequest(
            prompt="morph",
            image=tiny_png(),
            last_frame=tiny_png(),
            duration_s=8,
            resolution="1080p",
            aspect_ratio="9:16",
        ),
        tmp_path,
    )
    body = json.loads(submits(fake)[0].body)
    instance = body["instances"][0]
    assert instance["image"]["inlineData"]["mimeType"] == "image/png"
    assert base64.b64decode(instance["lastFrame"]["inlineData"]["data"]) == tiny_png()
    assert body["parameters"]["resolution"] == "1080p" and body["parameters"]["aspectRatio"] == "9:16"


async def test_image_url_is_fetched_and_inlined(fake, tmp_path):
    url = f"{fake.cdn.url}/videos/frame.png"  # any reachable URL; the fake serves bytes there
    await run(make(fake), VideoRequest(prompt="x", image=url, duration_s=4), tmp_path)
    instance = json.loads(submits(fake)[0].body)["instances"][0]
    assert base64.b64decode(instance["image"]["inlineData"]["data"]) == fake.video


def test_1080p_below_8s_snaps_to_720p_and_audio_is_always_on():
    backend = VeoBackend({"api_key": "k"})
    plan = backend.validate(VideoRequest(prompt="x", duration_s=4, resolution="1080p", extra={"generate_audio": False}))
    assert (plan.resolution, plan.width, plan.height) == ("720p", 1280, 720)
    assert any("1080p snapped to 720p" in w for w in plan.warnings)
    assert any("always has audio" in w for w in plan.warnings)
    silent = backend.validate(VideoRequest(prompt="x", model="veo-2.0-generate-001", duration_s=5))
    assert silent.extra["generate_audio"] is False
    assert backend.estimate_cost(silent) == pytest.approx(1.75)  # $0.35/s x 5 s
    with pytest.raises(InvalidRequest) as err:
        backend.validate(VideoRequest(prompt="x", last_frame=tiny_png(), model="veo-3.0-generate-001"))
    assert {"last_frame"} <= set(err.value.problems)


async def test_submit_resource_exhausted_is_rate_limited_with_retry_info(fake, tmp_path):
    body = google_error(
        429,
        "Resource has been exhausted (e.g. check quota).",
        "RESOURCE_EXHAUSTED",
        [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"}],
    )
    fake.submit_faults.append(Fault(429, body))
    with pytest.raises(RateLimited) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retry_after == 37.0 and len(submits(fake)) == 1


async def test_submit_429_with_retry_after_header(fake, tmp_path):
    fake.submit_faults.append(Fault(429, google_error(429, "quota", "RESOURCE_EXHAUSTED"), {"Retry-After": "5"}))
    with pytest.raises(RateLimited) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retry_after == 5.0


async def test_poll_429_and_500_are_waited_out(fake, tmp_path):
    fake.poll_faults += [
        Fault(429, google_error(429, "slow down", "RESOURCE_EXHAUSTED"), {"Retry-After": "2"}),
        Fault(500, google_error(500, "Internal error encountered.", "INTERNAL")),
    ]
    _, _, sleeper = await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert 2.0 <= sleeper.waits[0] <= 2.2 and sleeper.waits[1] > 0
    assert len(submits(fake)) == 1


async def test_submit_500_and_dropped_connection_are_never_resubmitted(fake, tmp_path):
    fake.submit_faults.append(Fault(503, google_error(503, "The service is currently unavailable.", "UNAVAILABLE")))
    with pytest.raises(ProviderError) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.status == 503
    fake.submit_faults.append(Fault(drop=True))
    with pytest.raises(ProviderError) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.submitted is None
    assert len(submits(fake)) == 2 and len(fake.ops) == 1  # the dropped one exists at Google


async def test_safety_filtered_result_is_content_rejected_and_not_billable(fake, tmp_path):
    fake.states = ["running", "filtered"]
    with pytest.raises(ContentRejected) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.stage == "output" and not err.value.billable
    assert "Responsible AI" in str(err.value)


async def test_prompt_refused_at_submit_is_content_rejected_input(fake, tmp_path):
    message = "The prompt could not be submitted. It contains words that violate the usage guidelines."
    fake.submit_faults.append(Fault(400, google_error(400, message, "INVALID_ARGUMENT")))
    with pytest.raises(ContentRejected) as err:
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert err.value.stage == "input"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"code": 8, "message": "Resource exhausted."}, RateLimited),
        ({"code": 13, "message": "Internal error."}, GenerationFailed),
        ({"code": 3, "message": "Invalid image."}, InvalidRequest),
    ],
)
async def test_failed_operation_maps_onto_the_error_tree(fake, tmp_path, error, expected):
    fake.states = ["running", {"done": True, "error": error}]
    with pytest.raises(expected):
        await run(make(fake), VideoRequest(prompt="x"), tmp_path)


async def test_expired_download_repolls(fake, tmp_path):
    fake.download_faults.append(Fault(403, {"error": "signature expired"}))
    await run(make(fake), VideoRequest(prompt="x"), tmp_path)
    assert len(fake.cdn.seen("GET", "/videos/")) == 2
    assert len(fake.server.seen("GET", "/v1beta/models/")) == 3  # running, done, and the re-poll
    assert probe(tmp_path / "out.mp4").has_video


async def test_slow_operation_times_out(fake, tmp_path):
    fake.states = ["running"]
    with pytest.raises(Timeout):
        await run(make(fake, timeout_s=0.3), VideoRequest(prompt="x"), tmp_path, sleep=Sleeper(real_s=0.02))


async def test_bad_key_is_auth_error_and_keys_never_leak(fake, tmp_path):
    with pytest.raises(AuthError) as err:
        await run(make(fake, api_key="wrong-key-123456"), VideoRequest(prompt="x"), tmp_path)
    assert "GEMINI_API_KEY" in str(err.value) and "wrong-key-123456" not in str(err.value)
    backend = make(fake)
    fake.poll_faults.append(Fault(400, google_error(400, f"bad request for key {fake.api_key}", "INVALID_ARGUMENT")))
    with pytest.raises(InvalidRequest) as err2:
        await run(backend, VideoRequest(prompt="x"), tmp_path)
    plan, out, _ = await run(backend, VideoRequest(prompt="x"), tmp_path)
    for text in (
        str(err2.value),
        repr(err2.value),
        json.dumps(err2.value.to_dict()),
        repr(plan),
        repr(out),
        repr(backend.config),
    ):
        assert fake.api_key not in text


def test_registry_and_price_rule():
    backend = create_backend("veo", {"api_key": "k", "model": "veo-3.1-fast-generate-preview"})
    plan = backend.validate(VideoRequest(prompt="x", duration_s=8))
    assert plan.model == "veo-3.1-fast-generate-preview"
    assert backend.estimate_cost(plan) == pytest.approx(1.2)  # $0.15/s x 8 s
    assert "usd per second" in backend.price_rule()
