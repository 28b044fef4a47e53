"""Runway, Veo and MiniMax behind the engine: fallback on rate limits, one submit per attempt, billing flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelforge.config import Config
from reelforge.errors import ContentRejected, InvalidRequest, ProviderError
from reelforge.generation import Engine
from reelforge.types import VideoRequest
from tests.fakes.kit import Fault, Sleeper, tiny_mp4
from tests.fakes.minimax_server import MinimaxFake
from tests.fakes.runway_server import RunwayFake
from tests.fakes.veo_server import VeoFake


@pytest.fixture(scope="module")
def fakes():
    with RunwayFake() as runway, VeoFake() as veo, MinimaxFake() as minimax:
        yield runway, veo, minimax


def engine_for(data_dir: Path, fakes: tuple, **config: object) -> tuple[Engine, Sleeper]:
    runway, veo, minimax = fakes
    for fake in fakes:
        fake.reset()
    fast = {"poll_interval_s": 0.01, "timeout_s": 20}
    cfg = Config.from_dict(
        {
            "data_dir": str(data_dir),
            "retry": {"max_attempts": 2, "base_delay_s": 0.01, "max_delay_s": 5},
            "backends": {
                "runway": {"api_key": runway.api_key, "base_url": runway.url, **fast},
                "veo": {"api_key": veo.api_key, "base_url": f"{veo.url}/v1beta", **fast},
                "minimax": {"api_key": minimax.api_key, "base_url": minimax.url, **fast},
            },
            **config,
        }
    )
    sleeper = Sleeper()
    return Engine(cfg, sleep=sleeper), sleeper


async def test_rate_limited_runway_is_retried_then_falls_back_to_minimax(fakes, data_dir):
    runway, _, minimax = fakes
    engine, sleeper = engine_for(data_dir, fakes, default_backend="runway", fallback=["minimax"])
    runway.submit_faults += [Fault(429, {"error": "Too many requests"}, {"Retry-After": "3"})] * 2
    try:
        result = await engine.generate(VideoRequest(prompt="a lighthouse", backend="runway", duration_s=6))
    finally:
        await engine.aclose()
    assert result.backend == "minimax" and result.path.exists() and result.width == 64
    assert sleeper.waits == [3.0]  # the engine honoured Retry-After once, then moved on
    assert len(runway.server.seen("POST", "/v1/")) == 2 and not runway.tasks  # refused submits created nothing
    assert len(minimax.server.seen("POST", "/v1/video_generation")) == 1
    attempts = await engine.library.ledger.attempts()
    assert [(a.backend, a.outcome, a.billable) for a in reversed(attempts)] == [
        ("runway", "failed", False),
        ("runway", "failed", False),
        ("minimax", "succeeded", True),
    ]
    engine.library.close()


async def test_veo_safety_filter_is_recorded_as_rejected_and_not_billed(fakes, data_dir):
    _, veo, _ = fakes
    engine, _ = engine_for(data_dir, fakes, default_backend="veo", fallback=["minimax"])
    veo.states = ["running", "filtered"]
    try:
        with pytest.raises(ContentRejected):
            await engine.generate(VideoRequest(prompt="x", backend="veo", duration_s=4))
    finally:
        await engine.aclose()
    [attempt] = await engine.library.ledger.attempts()
    assert (attempt.backend, attempt.outcome, attempt.billable) == ("veo", "rejected", False)
    assert attempt.provider_job_id and len(veo.server.seen("POST", "/v1beta/models/")) == 1
    engine.library.close()


async def test_a_broken_file_from_the_provider_is_refused_stored_nowhere_and_billed(fakes, data_dir):
    runway, _, _ = fakes
    engine, _ = engine_for(data_dir, fakes, default_backend="runway")
    runway.video = b"<html>not a video</html>"  # the engine's library probes what the backend downloaded
    try:
        with pytest.raises(InvalidRequest, match="not readable media"):
            await engine.generate(VideoRequest(prompt="x", backend="runway", duration_s=5))
    finally:
        await engine.aclose()
        runway.video = tiny_mp4()
    [attempt] = await engine.library.ledger.attempts()
    assert (attempt.outcome, attempt.billable) == ("failed", True)  # the provider ran the job: it was charged
    assert await engine.library.assets.list() == []
    assert not list((data_dir / "assets").iterdir()) and not list((data_dir / "tmp").iterdir())
    engine.library.close()


async def test_a_run_that_died_inside_the_submit_is_not_submitted_again(fakes, data_dir):
    runway, _, _ = fakes
    engine, _ = engine_for(data_dir, fakes, default_backend="runway")
    ledger = engine.library.ledger
    # a worker recorded its attempt, sent the submit and died before the answer was stored
    await ledger.start_attempt(
        backend="runway", model="gen4_turbo", operation="text-to-video", estimated_usd=0.25, request={},
        idempotency_key="job-7",
    )  # fmt: skip
    try:
        with pytest.raises(ProviderError) as info:
            await engine.generate(VideoRequest(prompt="x", backend="runway", duration_s=5, idempotency_key="job-7"))
    finally:
        await engine.aclose()
    assert info.value.retryable is False and "console" in info.value.message
    assert runway.server.seen("POST", "/v1/") == []  # looked up, never paid for twice
    outcomes = sorted((a.outcome, (a.error or {}).get("type")) for a in await ledger.attempts())
    assert outcomes == [("failed", "Interrupted"), ("failed", "ProviderError")]


async def test_resume_by_a_typed_provider_job_id_polls_without_submitting(fakes, data_dir):
    from reelforge import api

    runway, _, _ = fakes
    engine, _ = engine_for(data_dir, fakes, default_backend="runway")
    try:
        first = await engine.generate(VideoRequest(prompt="x", backend="runway", duration_s=5))
        submits = len(runway.server.seen("POST", "/v1/"))
        again = await api.aresume(
            VideoRequest(prompt="x", backend="runway", duration_s=5), first.provider_job_id or "", engine=engine
        )
    finally:
        await engine.aclose()
    assert len(runway.server.seen("POST", "/v1/")) == submits == 1
    assert again.provider_job_id == first.provider_job_id and again.asset_id != first.asset_id
