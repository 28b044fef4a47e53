"""The backend contract, checked on every registered backend against its fake (``contract_harness.py``).

Validation lists every problem at once; snapping is reported; the estimate follows the price rule (or is
None and says unknown); one submit per attempt, recorded before the first poll; cancel reaches the
provider where it has an endpoint; a stored job (whole, or its id alone) resumes without a submit; an
interrupted submit is never sent again blindly; secrets stay out of errors, reprs and records; what a run
made is measured from the file it wrote.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from reelforge.backends import HostedConfig, ProviderJob
from reelforge.backends.prices import estimate, find_rule
from reelforge.backends.registry import BUILTINS, _entry_point_targets, backend_class
from reelforge.errors import Cancelled, InvalidRequest, ProviderError
from reelforge.media import probe
from reelforge.types import CancelToken, VideoRequest
from tests.backends.contract_harness import HARNESSES, Harness, diffusers_missing, started
from tests.fakes.kit import assert_secret_never_leaks, run_backend

NAMES = sorted(HARNESSES)


@pytest.fixture(scope="module", params=NAMES)
def module_harness(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    if request.param == "diffusers" and diffusers_missing():
        pytest.skip("the local extra (torch, diffusers) is not installed")
    with started(request.param, tmp_path_factory.mktemp(request.param)) as harness:
        yield harness


@pytest.fixture
def h(module_harness: Harness) -> Harness:
    module_harness.reset()
    return module_harness


def hosted_only(h: Harness) -> None:
    if not h.hosted:
        pytest.skip(f"{h.name} runs locally: nothing is submitted to a provider")


def test_every_registered_backend_is_in_the_suite() -> None:
    registered = set(BUILTINS) | set(_entry_point_targets())
    assert registered <= set(HARNESSES), f"add a harness for {sorted(registered - set(HARNESSES))}"


async def test_validation_lists_every_problem_at_once(h: Harness, tmp_path: Path) -> None:
    backend = h.make()
    request = VideoRequest(prompt="x" * 20_000, image=tmp_path / "missing.png")
    with pytest.raises(InvalidRequest) as in_thread:
        await backend.avalidate(request)  # the engine's way: reading inputs off the event loop
    with pytest.raises(InvalidRequest) as inline:
        backend.validate(request)
    assert {"prompt", "image"} <= set(in_thread.value.problems) == set(inline.value.problems)


async def test_snapping_is_reported_in_warnings(h: Harness) -> None:
    plan = await h.make().avalidate(h.request.model_copy(update={"resolution": "333x191"}))
    assert any("snapped" in w for w in plan.warnings)
    assert (plan.width, plan.height) != (333, 191)


async def test_the_estimate_follows_the_price_rule(h: Harness) -> None:
    backend = h.make()
    plan = await backend.avalidate(h.request)
    cost = backend.estimate_cost(plan)
    if not h.hosted:
        assert cost == 0.0 and "free" in backend.price_rule(plan.model)
        return
    rule = find_rule(h.name, plan.model)
    assert rule is not None and cost is not None and cost > 0
    assert "unknown" not in backend.price_rule(plan.model)
    if isinstance(rule.get("usd_per_video"), dict):  # keyed by "<resolution>_<seconds>s"
        assert cost == rule["usd_per_video"][f"{plan.resolution}_{round(plan.duration_s)}s"]
    else:
        assert cost == estimate(h.name, plan)


def test_a_hosted_config_cannot_declare_a_plain_text_secret() -> None:
    with pytest.raises(TypeError, match="SecretStr"):
        type("Leaky", (HostedConfig,), {"__annotations__": {"client_secret": str | None}, "client_secret": None})


@pytest.mark.parametrize("field", ["api_key", "token", "api_token"])
def test_every_name_for_the_key_lands_in_one_secret(field: str) -> None:
    backend = backend_class("huggingface")({field: "hf_secret_0123456789"})
    assert backend.secret == "hf_secret_0123456789"
    assert "hf_secret_0123456789" not in repr(backend.config) + backend.config.model_dump_json()


def test_a_backend_without_a_price_rule_says_its_cost_is_unknown() -> None:
    cls = type("Unpriced", (backend_class("runway"),), {"name": "contract-unpriced"})
    backend = cls({"api_key": "k"})
    plan = backend.validate(VideoRequest(prompt="x"))
    assert backend.estimate_cost(plan) is None and "unknown" in backend.price_rule(plan.model)


async def test_one_submit_recorded_before_the_first_poll_and_results_measured_from_the_file(
    h: Harness, tmp_path: Path
) -> None:
    recorded: list[ProviderJob] = []

    async def on_submitted(job: ProviderJob) -> None:
        assert h.polls() == 0, "the job is recorded before the first poll"
        recorded.append(ProviderJob.model_validate(json.loads(json.dumps(job.model_dump(mode="json")))))

    plan, out, _ = await run_backend(h.make(), h.request, tmp_path, on_submitted=on_submitted)
    info = probe(tmp_path / "out.mp4", count_frames=True)
    assert info.has_video and info.width > 0 and info.height > 0 and info.num_frames > 0
    if h.hosted:
        assert h.submits() == 1 and recorded == [out.provider_job] and out.provider_job.backend == h.name
    else:
        assert h.submits() == 0 and not recorded and out.provider_job is None and out.billable is False
        assert isinstance(out.seed, int) and (info.width, info.height) == (plan.width, plan.height)


async def test_cancel_stops_the_run_and_reaches_the_provider_where_it_can(h: Harness, tmp_path: Path) -> None:
    token = CancelToken()
    if not h.hosted:
        token.cancel()
    request = h.never() if h.hosted else h.request

    def on_progress(fraction: float, _message: str) -> None:
        if fraction >= 0.05:  # past the submit: the provider is working on it
            token.cancel()

    with pytest.raises(Cancelled):
        await run_backend(h.make(), request, tmp_path, cancel=token, on_progress=on_progress)
    assert not (tmp_path / "out.mp4").exists()
    assert h.cancels() == (1 if h.cancel_endpoint else 0)
    assert h.submits() == (1 if h.hosted else 0)


@pytest.mark.parametrize("stored", ["whole", "id only"])
async def test_resume_polls_a_stored_job_without_submitting(h: Harness, tmp_path: Path, stored: str) -> None:
    hosted_only(h)
    if not h.resumable:
        with pytest.raises(InvalidRequest):
            await run_backend(h.make(), h.request, tmp_path, resume=ProviderJob(backend=h.name, id="earlier"))
        assert h.submits() == 0
        return
    _, first, _ = await run_backend(h.make(), h.request, tmp_path / "first")
    job = first.provider_job
    h.forget_requests()
    record = job.model_dump(mode="json") if stored == "whole" else {"backend": h.name, "id": job.id}
    _, out, _ = await run_backend(h.make(), h.request, tmp_path, resume=ProviderJob.model_validate(record))
    assert h.submits() == 0 and out.provider_job.id == job.id
    assert probe(tmp_path / "out.mp4").has_video


async def test_an_interrupted_submit_is_never_sent_again_blindly(h: Harness, tmp_path: Path) -> None:
    hosted_only(h)
    with pytest.raises(ProviderError) as err:
        await run_backend(h.make(), h.request, tmp_path, submit_uncertain=True)
    assert err.value.submitted is None and not err.value.retryable and "console" in err.value.message
    assert h.submits() == 0


async def test_secrets_never_in_errors_reprs_or_records(
    h: Harness, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    hosted_only(h)
    if h.secret is None:
        pytest.skip(f"{h.name} holds no static key")
    key, env = h.secret
    assert key not in repr(h.make()) and key not in repr(h.make().config) and key not in str(h.make().config)
    await assert_secret_never_leaks(h.make, "api_key", "wrong-key-0123456789", key, env, tmp_path, caplog)
