"""Engine semantics with scripted backends: retry, fallback, cooldown, budget, cache, one submit per attempt."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelforge.backends.registry import register_backend
from reelforge.config import Config
from reelforge.errors import AuthError, BudgetExceeded, Cancelled, InvalidRequest, ProviderError, RateLimited
from reelforge.generation import Engine
from reelforge.types import VideoRequest
from tests.backends.scripted import make_backend


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def engine_with(data_dir: Path, **config: object) -> tuple[Engine, Sleeps]:
    sleeps = Sleeps()
    cfg = Config.from_dict({"data_dir": str(data_dir), **config})
    return Engine(cfg, sleep=sleeps), sleeps


def req(**kw: object) -> VideoRequest:
    return VideoRequest(**{"prompt": "a paper boat", "backend": "sa", "duration_s": 1, **kw})


@pytest.fixture
def backends(tiny_mp4: Path) -> dict[str, type]:
    made = {n: make_backend(n, tiny_mp4) for n in ("sa", "sb")}
    for name, cls in made.items():
        register_backend(name, cls)
    return made


async def test_success_measured_from_file(backends: dict, data_dir: Path) -> None:
    engine, _ = engine_with(data_dir)
    result = await engine.generate(req(resolution="640x360"))
    assert (result.width, result.height) == (64, 64)  # the file's size, not the request's
    assert result.num_frames == 8 and result.fps == 8
    assert result.path.exists() and result.asset_id and result.provider_job_id == "sa-job-1"
    attempts = await engine.library.ledger.attempts()
    assert [a.outcome for a in attempts] == ["succeeded"]


async def test_rate_limited_submit_is_retried_after_retry_after(backends: dict, data_dir: Path) -> None:
    backends["sa"].script = [RateLimited("slow down", retry_after=2.5), "ok"]
    engine, sleeps = engine_with(data_dir)
    result = await engine.generate(req())
    assert result.backend == "sa"
    assert sleeps.waits == [2.5]
    assert backends["sa"].calls == 2 and backends["sa"].submits == 1
    outcomes = sorted(a.outcome for a in await engine.library.ledger.attempts())
    assert outcomes == ["failed", "succeeded"]


async def test_unreached_provider_retried_with_backoff(backends: dict, data_dir: Path) -> None:
    backends["sa"].script = [ProviderError("refused", retryable=True, submitted=False)] * 2 + ["ok"]
    engine, sleeps = engine_with(data_dir, retry={"base_delay_s": 1.0})
    await engine.generate(req())
    assert len(sleeps.waits) == 2 and sleeps.waits[1] > sleeps.waits[0] * 0.3
    assert backends["sa"].submits == 1


async def test_error_after_submit_is_never_resubmitted_and_falls_back(backends: dict, data_dir: Path) -> None:
    backends["sa"].script = [("after_submit", ProviderError("poll failed", retryable=True, submitted=False))]
    engine, _ = engine_with(data_dir, fallback=["sb"])
    result = await engine.generate(req())
    assert result.backend == "sb"
    assert backends["sa"].submits == 1 and backends["sa"].calls == 1  # not repeated
    assert any("sa failed" in w for w in result.warnings)
    # sa is cooling down now: the next request goes straight to sb
    result2 = await engine.generate(req(prompt="another"))
    assert result2.backend == "sb" and backends["sa"].calls == 1
    assert any("cooling down" in w for w in result2.warnings)


async def test_rate_limit_falls_back_after_retries(backends: dict, data_dir: Path) -> None:
    backends["sa"].script = [RateLimited("busy", retry_after=1)] * 3
    engine, sleeps = engine_with(data_dir, fallback=["sb"], retry={"max_attempts": 3})
    result = await engine.generate(req())
    assert result.backend == "sb" and backends["sa"].calls == 3 and backends["sa"].submits == 0
    assert sleeps.waits == [1, 1]


async def test_auth_error_does_not_fall_back(backends: dict, data_dir: Path) -> None:
    backends["sa"].script = [AuthError("bad key")]
    engine, _ = engine_with(data_dir, fallback=["sb"])
    with pytest.raises(AuthError):
        await engine.generate(req())
    assert backends["sb"].calls == 0


async def test_budget_refusal_submits_nothing(backends: dict, data_dir: Path, tiny_mp4: Path) -> None:
    backends["sa"].price = 6.0
    engine, _ = engine_with(data_dir, budget={"per_request_usd": 5})
    with pytest.raises(BudgetExceeded) as info:
        await engine.generate(req())
    assert info.value.limit == "budget.per_request_usd"
    with pytest.raises(BudgetExceeded) as info:
        await engine.generate(req(max_cost_usd=1))
    assert info.value.limit == "max_cost_usd"
    assert backends["sa"].calls == 0
    assert await engine.library.ledger.attempts() == []


async def test_daily_budget_counts_billable_spend(backends: dict, data_dir: Path) -> None:
    backends["sa"].price = 2.0
    engine, _ = engine_with(data_dir, budget={"per_request_usd": 5, "daily_usd": 5})
    await engine.generate(req(prompt="one"))
    await engine.generate(req(prompt="two"))
    with pytest.raises(BudgetExceeded) as info:
        await engine.generate(req(prompt="three"))
    assert info.value.limit == "budget.daily_usd" and backends["sa"].calls == 2


async def test_cache_hit_needs_explicit_seed(backends: dict, data_dir: Path) -> None:
    engine, _ = engine_with(data_dir)
    first = await engine.generate(req(seed=7))
    again = await engine.generate(req(seed=7))
    assert again.cached and again.asset_id == first.asset_id and backends["sa"].calls == 1
    await engine.generate(req(seed=7), use_cache=False)
    assert backends["sa"].calls == 2
    await engine.generate(req())
    await engine.generate(req())
    assert backends["sa"].calls == 4  # no seed: never served from the cache


async def test_invalid_request_lists_every_problem(backends: dict, data_dir: Path) -> None:
    engine, _ = engine_with(data_dir)
    with pytest.raises(InvalidRequest) as info:
        await engine.generate(
            req(prompt="  ", operation="text-to-video", duration_s=500, resolution="huge", image="/nope.png")
        )
    assert {"prompt", "duration_s", "resolution", "image"} <= set(info.value.problems)
    assert backends["sa"].calls == 0


async def test_snapping_is_reported(backends: dict, data_dir: Path) -> None:
    engine, _ = engine_with(data_dir)
    result = await engine.generate(req(duration_s=25, resolution="641x361"))
    assert any("duration 25s snapped to 20s" in w for w in result.warnings)
    assert any("641x361 snapped to 640x360" in w for w in result.warnings)


async def test_resume_by_idempotency_key_never_pays_twice(backends: dict, data_dir: Path) -> None:
    engine, _ = engine_with(data_dir)
    # a process that died after its submit left an attempt with a provider job id and no outcome
    ledger = engine.library.ledger
    attempt = await ledger.start_attempt(
        backend="sa", model="s1", operation="text-to-video", estimated_usd=0, request={}, idempotency_key="k1"
    )
    await ledger.set_provider_job(attempt, "sa-job-41")
    result = await engine.generate(req(idempotency_key="k1"))
    assert backends["sa"].submits == 0 and backends["sa"].resumed == ["sa-job-41"]
    assert result.provider_job_id == "sa-job-41"
    assert await ledger.unfinished("k1") is None


async def test_cancel_is_recorded(backends: dict, data_dir: Path) -> None:
    backends["sa"].script = [("after_submit", Cancelled("stopped"))]
    engine, _ = engine_with(data_dir)
    with pytest.raises(Cancelled):
        await engine.generate(req(idempotency_key="k2"))
    attempts = await engine.library.ledger.attempts()
    assert [(a.outcome, a.provider_job_id) for a in attempts] == [("cancelled", "sa-job-1")]


async def test_failed_generation_leaves_nothing(backends: dict, data_dir: Path) -> None:
    backends["sa"].script = [("after_submit", ProviderError("boom", retryable=False))]
    engine, _ = engine_with(data_dir)
    with pytest.raises(ProviderError):
        await engine.generate(req())
    assert await engine.library.assets.list() == []
    leftovers = [p for p in data_dir.rglob("*") if p.is_file() and p.suffix in (".mp4", ".json", ".jpg")]
    assert leftovers == []


async def test_cache_hit_is_served_over_budget(backends: dict, data_dir: Path) -> None:
    backends["sa"].price = 2.0
    engine, _ = engine_with(data_dir, budget={"per_request_usd": 5, "daily_usd": 3})
    first = await engine.generate(req(seed=11))
    again = await engine.generate(req(seed=11))  # 2 + 2 would be over the daily budget, but a hit is free
    assert again.cached and again.asset_id == first.asset_id and backends["sa"].calls == 1


async def test_last_frame_needs_a_first_frame(backends: dict, data_dir: Path, tmp_path: Path) -> None:
    from PIL import Image

    png = tmp_path / "last.png"
    Image.new("RGB", (32, 32), "red").save(png)
    engine, _ = engine_with(data_dir)
    with pytest.raises(InvalidRequest) as info:
        await engine.generate(req(last_frame=str(png)))
    assert "first frame" in info.value.problems["last_frame"]


@pytest.fixture
def unpriced(tiny_mp4: Path) -> type:
    cls = make_backend("su", tiny_mp4)
    cls.estimate_cost = lambda self, plan: None  # type: ignore[method-assign,assignment]
    register_backend("su", cls)
    return cls


async def test_an_unpriced_backend_is_refused_under_a_budget(unpriced: type, data_dir: Path) -> None:
    engine, _ = engine_with(data_dir)  # the default budget applies
    with pytest.raises(BudgetExceeded) as info:
        await engine.generate(req(backend="su"))
    assert info.value.limit == "budget.allow_unpriced" and "unknown" in info.value.message
    with pytest.raises(BudgetExceeded):
        await engine.estimate(req(backend="su"))
    assert unpriced.calls == 0 and await engine.library.ledger.attempts() == []
    await engine.aclose()


async def test_an_unpriced_backend_runs_when_allowed_or_unlimited(unpriced: type, data_dir: Path) -> None:
    allowed, _ = engine_with(data_dir, budget={"allow_unpriced": True})
    result = await allowed.generate(req(backend="su"))
    assert result.cost.estimated_usd == 0 and unpriced.calls == 1
    assert (await allowed.estimate(req(backend="su")))["estimated_usd"] is None
    await allowed.aclose()
    unlimited, _ = engine_with(data_dir, budget={"per_request_usd": None, "daily_usd": None, "monthly_usd": None})
    await unlimited.generate(req(backend="su"))
    with pytest.raises(BudgetExceeded):  # a request's own max_cost_usd is a limit too
        await unlimited.generate(req(backend="su", max_cost_usd=1))
    assert unpriced.calls == 2
    await unlimited.aclose()


async def test_a_key_that_already_succeeded_returns_its_result_without_generating(
    backends: dict, data_dir: Path
) -> None:
    engine, _ = engine_with(data_dir)
    first = await engine.generate(req(idempotency_key="job-3"))
    again = await engine.generate(req(idempotency_key="job-3"))
    assert again.asset_id == first.asset_id and backends["sa"].calls == 1 and backends["sa"].submits == 1
    assert any("already generated" in w for w in again.warnings)
    other = await engine.generate(req(idempotency_key="job-4"))
    assert other.asset_id != first.asset_id and backends["sa"].calls == 2
    await engine.aclose()
