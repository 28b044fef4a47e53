"""Hugging Face Inference against its loopback fake: synchronous bytes, loading waits, fallback models."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from reelforge.backends import create_backend
from reelforge.errors import Cancelled, InvalidRequest, ProviderError, RateLimited, Timeout
from reelforge.media import probe
from reelforge.types import CancelToken, VideoRequest
from tests.fakes.hf_server import KEY, FakeHuggingFace
from tests.fakes.kit import Sleeper, assert_secret_never_leaks, run_backend, tiny_png
from tests.fakes.server import FakeServer


@pytest.fixture
def fake() -> Iterator[tuple[FakeHuggingFace, FakeServer]]:
    provider = FakeHuggingFace(latency_s=0.05)
    with FakeServer(provider.app) as server:
        yield provider, server


def backend(server: FakeServer, **over: Any) -> Any:
    cfg = {"token": KEY, "base_url": server.url, "poll_interval_s": 0.01, "timeout_s": 10, **over}
    return create_backend("huggingface", cfg)


async def test_text_to_video_returns_bytes(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    progress: list[float] = []
    _plan, out, _ = await run_backend(
        backend(server, t2v_model="org/t2v"),
        VideoRequest(prompt="a kite", duration_s=2, fps=8, resolution="320x192", seed=5, negative_prompt="blur"),
        tmp_path,
        on_progress=lambda f, m: progress.append(f),
    )
    [(model, body)] = provider.calls
    assert model == "org/t2v" and server.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert body == {
        "inputs": "a kite",
        "parameters": {"num_frames": 16, "seed": 5, "negative_prompt": ["blur"], "width": 320, "height": 192},
    }
    assert probe(tmp_path / "out.mp4").has_video and out.billable and out.provider_job.data["model"] == "org/t2v"
    assert progress and max(progress) < 1


async def test_image_to_video_default_from_env(fake: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    provider, server = fake
    monkeypatch.setenv("HF_I2V_MODEL", "org/i2v-from-env")
    image = tiny_png(64, 36)
    await run_backend(backend(server), VideoRequest(prompt="drift", image=image), tmp_path)
    [(model, body)] = provider.calls
    assert model == "org/i2v-from-env" and base64.b64decode(body["inputs"]) == image
    assert body["parameters"]["prompt"] == "drift" and body["parameters"]["target_size"]["width"] > 0


async def test_fallback_on_missing_then_loading(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    provider.missing.add("org/a")
    provider.loading["org/b"] = 2
    sleeper = Sleeper()
    _, out, _ = await run_backend(
        backend(server, model="org/a", fallback_models=["org/b", "org/c"]),
        VideoRequest(prompt="x"),
        tmp_path,
        sleep=sleeper,
    )
    assert [m for m, _ in provider.calls] == ["org/a", "org/b", "org/b", "org/b"]
    assert sleeper.waits == [0.5, 0.5]  # estimated_time honoured
    assert out.provider_job.data["model"] == "org/b" and "org/a is not available; fell back to org/b" in out.warnings[0]


async def test_fallback_on_failing_and_on_endless_loading(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    provider.failing.add("org/a")
    provider.loading["org/b"] = 100
    b = backend(server, model="org/a", fallback_models=["org/b", "org/c"], max_load_wait_s=1.2)
    _, out, _ = await run_backend(b, VideoRequest(prompt="x"), tmp_path)
    assert out.provider_job.data["model"] == "org/c" and len(out.warnings) == 2
    provider.failing.update({"org/a", "org/c"})
    provider.calls.clear()
    with pytest.raises(ProviderError) as err:
        await run_backend(backend(server, model="org/a", fallback_models=["org/c"]), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retryable and [m for m, _ in provider.calls] == ["org/a", "org/c"]


async def test_rate_limit_and_dropped_connection_do_not_fall_back(fake: Any, tmp_path: Path) -> None:
    provider, server = fake
    provider.fail("generate", 429, headers={"Retry-After": "9"})
    with pytest.raises(RateLimited) as err:
        await run_backend(backend(server, model="org/a", fallback_models=["org/b"]), VideoRequest(prompt="x"), tmp_path)
    assert err.value.retry_after == 9 and len(provider.calls) == 1
    provider.fail("generate", drop=True)
    with pytest.raises(ProviderError) as dropped:
        await run_backend(backend(server, model="org/a", fallback_models=["org/b"]), VideoRequest(prompt="x"), tmp_path)
    assert dropped.value.submitted is None and len(provider.calls) == 2
    assert not list(tmp_path.glob("*.part*")) and not (tmp_path / "out.mp4").exists()


async def test_validation_limits_listed_at_once(fake: Any) -> None:
    _, server = fake
    b = backend(server)
    with pytest.raises(InvalidRequest) as err:
        b.validate(VideoRequest(prompt="x" * 1001, fps=61, resolution="4000x2000", extra={"num_inference_steps": 101}))
    assert set(err.value.problems) == {"prompt", "fps", "resolution", "extra.num_inference_steps"}
    with pytest.raises(InvalidRequest) as err:
        b.validate(VideoRequest(prompt="x", image=tiny_png(64, 64) + b"\0" * (11 * 1024 * 1024)))
    assert "image" in err.value.problems
    plan = b.validate(VideoRequest(prompt="ok", model="any-org/any-model", extra={"num_inference_steps": 30}))
    assert plan.model == "any-org/any-model"  # model-agnostic


async def test_cancel_timeout_and_resume(fake: Any, tmp_path: Path) -> None:
    _, server = fake
    token = CancelToken()
    progress: list[float] = []

    def on_progress(fraction: float, message: str) -> None:
        progress.append(fraction)
        if len(progress) == 5:
            token.cancel()

    with pytest.raises(Cancelled):
        await run_backend(
            backend(server), VideoRequest(prompt="NEVER"), tmp_path, cancel=token, on_progress=on_progress
        )
    with pytest.raises(Timeout):
        await run_backend(backend(server, timeout_s=0.3), VideoRequest(prompt="NEVER"), tmp_path)
    with pytest.raises(InvalidRequest):
        await run_backend(backend(server), VideoRequest(prompt="x"), tmp_path, resume="abc")
    assert not (tmp_path / "out.mp4").exists()


async def test_output_cap(fake: Any, tmp_path: Path) -> None:
    _, server = fake
    from reelforge.errors import GenerationFailed

    with pytest.raises(GenerationFailed):
        await run_backend(backend(server, max_output_bytes=1000), VideoRequest(prompt="x"), tmp_path)
    assert not (tmp_path / "out.mp4").exists()


async def test_secret_never_leaks(fake: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    server = fake[1]
    make = partial(backend, server)
    await assert_secret_never_leaks(make, "token", "hf_wrong_secret_9999", KEY, "HF_TOKEN", tmp_path, caplog)
