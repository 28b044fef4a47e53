"""Veo on Vertex AI against a loopback fake, with google-auth's real service-account token exchange."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from reelforge.backends.base import RunContext
from reelforge.backends.vertex import VertexBackend
from reelforge.errors import (
    AuthError,
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
from tests.fakes.kit import Fault, Sleeper, run_backend, tiny_png
from tests.fakes.veo_server import VeoFake, google_error, service_account_json

pytest.importorskip("google.auth")  # the google extra

PROJECT = "demo-proj"
MODEL_PATH = f"/v1/projects/{PROJECT}/locations/us-central1/publishers/google/models/veo-3.1-generate-001"


@pytest.fixture(scope="module")
def server():
    with VeoFake() as fake_server:
        yield fake_server


@pytest.fixture(scope="module")
def sa_file(server, tmp_path_factory) -> Path:
    path, public = service_account_json(tmp_path_factory.mktemp("sa") / "sa.json", f"{server.url}/token", PROJECT)
    server.public_pem = public  # the fake verifies the JWT google-auth signs with the private key
    return path


@pytest.fixture
def fake(server, sa_file, monkeypatch):
    server.reset()
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    return server


def make(fake: VeoFake, sa_file: Path | None, **cfg: object) -> VertexBackend:
    config = {"base_url": f"{fake.url}/v1", "poll_interval_s": 0.01, "timeout_s": 20, **cfg}
    if sa_file is not None:
        config["credentials"] = str(sa_file)
    return VertexBackend(config)


async def run(backend: VertexBackend, request: VideoRequest, tmp_path: Path, **ctx: object):
    plan, out, _ = await run_backend(backend, request, tmp_path, **ctx)
    return plan, out


def submits(fake: VeoFake) -> list:
    return [r for r in fake.server.seen("POST", "/v1/projects/") if r.path.endswith(":predictLongRunning")]


async def test_text_to_video_with_service_account_token_and_bytes_result(fake, sa_file, tmp_path):
    backend = make(fake, sa_file)
    plan, out = await run(backend, VideoRequest(prompt="a heron", duration_s=8), tmp_path)
    [token_request] = fake.server.seen("POST", "/token")
    assert b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer" in token_request.body
    [post] = submits(fake)
    assert post.path == f"{MODEL_PATH}:predictLongRunning"
    assert post.headers["authorization"] == f"Bearer {fake.tokens[0]}"
    body = json.loads(post.body)
    assert body["parameters"] == {
        "aspectRatio": "16:9",
        "durationSeconds": 8,
        "sampleCount": 1,
        "resolution": "720p",
        "generateAudio": True,
    }
    polls = [r for r in fake.server.seen("POST", "/v1/") if r.path.endswith(":fetchPredictOperation")]
    assert json.loads(polls[0].body) == {"operationName": out.provider_job.id}
    assert probe(tmp_path / "out.mp4").has_video
    assert backend.estimate_cost(plan) == pytest.approx(3.2)  # $0.20/s video + audio x2, 8 s
    await run(backend, VideoRequest(prompt="again", duration_s=4), tmp_path)
    assert len(fake.tokens) == 1  # the token is reused until it expires


async def test_image_to_video_last_frame_silent(fake, sa_file, tmp_path):
    backend = make(fake, sa_file)
    plan, _ = await run(
        backend,
        VideoRequest(
            prompt="x", image=tiny_png(), last_frame=tiny_png(), duration_s=6, extra={"generate_audio": False}
        ),
        tmp_path,
    )
    body = json.loads(submits(fake)[0].body)
    assert body["instances"][0]["image"]["mimeType"] == "image/png"
    assert body["instances"][0]["lastFrame"]["bytesBase64Encoded"]
    assert body["parameters"]["generateAudio"] is False
    assert backend.estimate_cost(plan) == pytest.approx(1.2)


async def test_results_in_cloud_storage_and_expired_read_repolls(fake, sa_file, tmp_path):
    backend = make(fake, sa_file, storage_uri="gs://my-bucket/renders", storage_base_url=fake.url)
    fake.download_faults.append(Fault(403, google_error(403, "Access denied.", "PERMISSION_DENIED")))
    await run(backend, VideoRequest(prompt="x"), tmp_path)
    assert json.loads(submits(fake)[0].body)["parameters"]["storageUri"] == "gs://my-bucket/renders"
    reads = fake.server.seen("GET", "/storage/v1/b/my-bucket/o/")
    assert len(reads) == 2 and reads[0].query == "alt=media"
    assert reads[1].headers["authorization"] == f"Bearer {fake.tokens[0]}"
    assert probe(tmp_path / "out.mp4").has_video


async def test_application_default_credentials_from_the_environment(fake, sa_file, tmp_path, monkeypatch):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(sa_file))
    backend = make(fake, None)
    assert backend.configured() == (True, None)
    threads: list[str] = []
    original = backend._token_sync

    def spy() -> str:
        threads.append(threading.current_thread().name)
        return original()

    backend._token_sync = spy  # type: ignore[method-assign]
    await run(backend, VideoRequest(prompt="x"), tmp_path)
    assert threads and threading.main_thread().name not in threads  # refreshed off the event loop
    assert probe(tmp_path / "out.mp4").has_video


async def test_rejected_key_is_auth_error_without_submitting(fake, sa_file, tmp_path):
    other, _ = service_account_json(tmp_path / "other.json", f"{fake.url}/token", PROJECT)  # unknown key
    with pytest.raises(AuthError) as err:
        await run(make(fake, other), VideoRequest(prompt="x"), tmp_path)
    assert "invalid_grant" in str(err.value) and "PRIVATE KEY" not in str(err.value)
    assert not submits(fake)


def test_not_configured_says_how(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    ok, why = VertexBackend({}).configured()
    assert not ok and "GOOGLE_APPLICATION_CREDENTIALS" in why
    ok, why = VertexBackend({"credentials": str(tmp_path / "missing.json")}).configured()
    assert not ok and "not found" in why


async def test_safety_filtered_is_content_rejected(fake, sa_file, tmp_path):
    fake.states = ["running", "filtered"]
    with pytest.raises(ContentRejected) as err:
        await run(make(fake, sa_file), VideoRequest(prompt="x"), tmp_path)
    assert err.value.stage == "output" and not err.value.billable


async def test_submit_faults(fake, sa_file, tmp_path):
    backend = make(fake, sa_file)
    fake.submit_faults.append(
        Fault(429, google_error(429, "Quota exceeded.", "RESOURCE_EXHAUSTED"), {"Retry-After": "11"})
    )
    with pytest.raises(RateLimited) as err:
        await run(backend, VideoRequest(prompt="x"), tmp_path)
    assert err.value.retry_after == 11.0
    fake.submit_faults.append(Fault(drop=True))
    with pytest.raises(ProviderError) as err2:
        await run(backend, VideoRequest(prompt="x"), tmp_path)
    assert err2.value.submitted is None and len(submits(fake)) == 2


async def test_submit_500_failed_operation_and_slow_operation(fake, sa_file, tmp_path):
    backend = make(fake, sa_file)
    fake.submit_faults.append(Fault(500, google_error(500, "Internal error.", "INTERNAL")))
    with pytest.raises(ProviderError) as err:
        await run(backend, VideoRequest(prompt="x"), tmp_path)
    assert err.value.status == 500 and len(submits(fake)) == 1
    fake.states = ["running", {"done": True, "error": {"code": 13, "message": "Video generation failed."}}]
    with pytest.raises(GenerationFailed):
        await run(backend, VideoRequest(prompt="x"), tmp_path)
    fake.states = ["running"]
    with pytest.raises(Timeout):
        await run(make(fake, sa_file, timeout_s=0.3), VideoRequest(prompt="x"), tmp_path, sleep=Sleeper(real_s=0.02))


async def test_poll_429_and_500_are_retried_and_tokens_never_leak(fake, sa_file, tmp_path):
    backend = make(fake, sa_file)
    fake.poll_faults.append(
        Fault(429, google_error(429, "Quota exceeded.", "RESOURCE_EXHAUSTED"), {"Retry-After": "2"})
    )
    fake.poll_faults.append(Fault(500, google_error(500, "Internal error.", "INTERNAL")))
    sleeper = Sleeper()
    _, out = await run(backend, VideoRequest(prompt="x"), tmp_path, sleep=sleeper)
    assert 2.0 <= sleeper.waits[0] <= 2.2 and len(submits(fake)) == 1
    token = fake.tokens[0]
    fake.poll_faults.append(Fault(400, google_error(400, f"bad token {token}", "INVALID_ARGUMENT")))
    with pytest.raises(InvalidRequest) as err:
        await run(backend, VideoRequest(prompt="x"), tmp_path)
    assert token not in str(err.value) and token not in json.dumps(err.value.to_dict()) and token not in repr(out)


async def test_resume_and_cancel(fake, sa_file, tmp_path):
    name = f"{MODEL_PATH[4:]}/operations/earlier"
    fake.seed_op(name, kind="vertex")
    _, out = await run(make(fake, sa_file), VideoRequest(prompt="x"), tmp_path, resume=name)
    assert out.provider_job.id == name and not submits(fake)
    fake.states = ["running"]
    backend = make(fake, sa_file)
    ctx = RunContext(out_path=tmp_path / "c.mp4")
    ctx.sleep = Sleeper(hook=lambda n: ctx.cancel.cancel())
    with pytest.raises(Cancelled):
        await backend.run(backend.validate(VideoRequest(prompt="x")), ctx)
