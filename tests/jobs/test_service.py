"""The job service in one process: records, batches, cancel, failure reasons, resume, progress, prune."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from reelforge.config import Config
from reelforge.errors import Cancelled, GenerationFailed, InvalidRequest
from reelforge.jobs import JobService, Worker, wait_idle
from reelforge.jobs.models import Job
from reelforge.jobs.progress import Reporter
from reelforge.types import CancelToken

from .helpers import write_config


@pytest.fixture
def config(tmp_path: Path, db_url: str) -> Config:
    return write_config(tmp_path, db_url)[0]


@pytest.fixture
def service(config: Config) -> Iterator[JobService]:
    with JobService(config) as svc:
        yield svc


class Handlers:
    """In-process job handlers that record what ran; ``plan`` maps a prompt to what its job does."""

    def __init__(self) -> None:
        self.ran: list[str] = []
        self.plan: dict[str, Any] = {}

    async def video(self, job: Job, config: Config, reporter: Reporter, cancel: CancelToken) -> dict[str, Any]:
        prompt = job.request["prompt"]
        self.ran.append(prompt)
        reporter(0.5, "render: half way")
        action = self.plan.get(prompt)
        if isinstance(action, list) and action:
            action = action.pop(0)
        if isinstance(action, BaseException):
            raise action
        if action == "wait-cancel":
            while not await cancel.wait(0.05):
                pass
            raise Cancelled("stopped", stage="render")
        return {"result": {"prompt": prompt}, "assets": [], "cost_usd": 0.25}


def run_until_idle(config: Config, service: JobService, handlers: Handlers) -> None:
    with Worker(config, handlers={"video": handlers.video}):
        wait_idle(service.store, threading.Event(), 0.05)


def test_submit_records_the_request_without_secrets_and_with_absolute_paths(
    service: JobService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "still.png").write_bytes(b"x")
    job = service.submit("video", {"prompt": "a boat", "image": "still.png", "duration_s": 2})
    assert job.status == "queued" and job.kind == "video" and job.queue == "default"
    assert job.request["image"] == str(tmp_path / "still.png")
    assert "idempotency_key" not in job.request
    with pytest.raises(InvalidRequest) as err:
        service.submit("video", {"prompt": "x", "extra": {"api_key": "sk-123", "nested": {"token": "t"}}})
    assert set(err.value.problems) == {"extra.api_key", "extra.nested.token"}
    with pytest.raises(InvalidRequest) as err:
        service.submit("video", {"prompt": "x", "image": b"\x89PNG"})
    assert "image" in err.value.problems
    with pytest.raises(InvalidRequest) as err:
        service.submit("video", {"prompt": "x", "backend": "nosuch"})
    assert "backend" in err.value.problems
    gpu = service.submit("video", {"prompt": "on the gpu", "backend": "gpusleepy"})
    assert gpu.queue == "gpu"
    listed = service.list(kind="video")
    assert [j.id for j in listed] == [gpu.id, job.id]  # newest first
    assert service.list(status="running") == []
    assert service.get(job.id).model_dump(mode="json")["request"]["prompt"] == "a boat"


def test_a_batch_of_1000_lines_queues_the_valid_ones_and_names_each_bad_line(service: JobService) -> None:
    lines: list[str] = []
    bad: dict[int, str] = {}
    for n in range(1, 1001):
        if n % 97 == 0:
            lines.append(json.dumps({"prompt": "x", "duration_s": -1}))
            bad[n] = "duration_s"
        elif n % 131 == 0:
            lines.append("{not json")
            bad[n] = "line"
        elif n % 149 == 0:
            lines.append(json.dumps({"kind": "podcast", "prompt": "x"}))
            bad[n] = "kind"
        else:
            lines.append(json.dumps({"prompt": f"clip {n}", "duration_s": 2}))
    lines.insert(10, "")  # blank lines and comments are skipped but keep the numbering
    lines.insert(20, "# a comment")
    shifted = {(n + (n > 10) + (n > 19)): field for n, field in bad.items()}
    batch = service.submit_batch(lines, source="test.jsonl")
    assert batch.total == 1000 and batch.accepted == 1000 - len(bad)
    assert {r.line: next(iter(r.problems)) for r in batch.rejected} == shifted
    assert len(batch.job_ids) == batch.accepted
    stored = service.batch(batch.id)
    assert stored.counts == {"queued": batch.accepted} and stored.rejected == batch.rejected
    assert len(service.list(batch=batch.id, limit=2000)) == batch.accepted


def test_cancel_queued_never_starts_twice_is_harmless_finished_is_a_noop(config: Config, service: JobService) -> None:
    handlers = Handlers()
    doomed = service.submit("video", {"prompt": "doomed"})
    kept = service.submit("video", {"prompt": "kept"})
    first = service.cancel(doomed.id)
    assert first.action == "cancelled" and first.job.status == "cancelled"
    second = service.cancel(doomed.id)
    assert second.action == "noop" and "already cancelled" in second.message
    run_until_idle(config, service, handlers)
    assert handlers.ran == ["kept"]
    assert service.get(doomed.id).status == "cancelled"
    done = service.cancel(kept.id)
    assert done.action == "noop" and "already succeeded" in done.message
    assert service.get(kept.id).status == "succeeded" and service.get(kept.id).cost_usd == 0.25


def test_a_failure_carries_stage_and_reason_and_resume_runs_it_again(config: Config, service: JobService) -> None:
    handlers = Handlers()
    handlers.plan["flaky"] = [GenerationFailed("the encoder crashed", stage="render"), "ok"]
    handlers.plan["broken"] = [RuntimeError("disk on fire")]
    flaky = service.submit("video", {"prompt": "flaky"})
    broken = service.submit("video", {"prompt": "broken"})
    run_until_idle(config, service, handlers)
    failed = service.get(flaky.id)
    assert failed.status == "failed" and failed.error is not None
    assert (failed.error.type, failed.error.stage, failed.error.message) == (
        "GenerationFailed",
        "render",
        "the encoder crashed",
    )
    other = service.get(broken.id).error
    assert other is not None and other.type == "RuntimeError" and other.stage == "render"
    assert "disk on fire" in other.message
    resumed = service.resume(flaky.id)
    assert resumed.status == "queued" and resumed.error is None
    with pytest.raises(InvalidRequest):
        service.resume(flaky.id)  # queued again: nothing to resume
    run_until_idle(config, service, handlers)
    assert service.get(flaky.id).status == "succeeded"
    events = service.events(flaky.id)
    statuses = [e.status.value for e in events]
    assert statuses[0] == "queued" and statuses[-1] == "succeeded" and "failed" in statuses
    assert any(e.stage == "render" and e.progress == 0.5 for e in events)


def test_cancel_running_stops_at_the_next_safe_point(config: Config, service: JobService) -> None:
    handlers = Handlers()
    handlers.plan["long"] = "wait-cancel"
    job = service.submit("video", {"prompt": "long"})
    with Worker(config, handlers={"video": handlers.video}):
        from .helpers import wait_for

        wait_for(lambda: service.get(job.id).stage == "render", what="the job to run")
        outcome = service.cancel(job.id)
        assert outcome.action == "cancelling"
        assert service.cancel(job.id).action == "noop"
        wait_idle(service.store, threading.Event(), 0.05)
    ended = service.get(job.id)
    assert ended.status == "cancelled" and ended.stage == "render" and ended.error is None


def test_prune_removes_finished_jobs_older_than_the_age(config: Config, service: JobService) -> None:
    handlers = Handlers()
    old = service.submit("video", {"prompt": "old"})
    run_until_idle(config, service, handlers)
    queued = service.submit("video", {"prompt": "waiting"})
    assert service.prune(timedelta(days=1)) == 0
    assert service.prune(timedelta(0)) == 1
    with pytest.raises(InvalidRequest):
        service.get(old.id)
    assert service.get(queued.id).status == "queued"


def test_batch_lines_may_carry_a_callback_and_publish_steps(service: JobService) -> None:
    lines = [
        json.dumps({"prompt": "plain"}),
        json.dumps({"request": {"prompt": "hooked"}, "callback_url": "https://example.com/hook"}),
        json.dumps({"prompt": "posted", "publish": [{"to": "youtube", "privacy": "private"}]}),
    ]
    batch = service.submit_batch(lines)
    assert batch.accepted == 3 and not batch.rejected
    jobs = {j.request["prompt"]: j for j in service.list(batch=batch.id)}
    assert jobs["hooked"].callback_url == "https://example.com/hook" and jobs["plain"].callback_url is None
    assert jobs["posted"].publish == [{"to": "youtube", "privacy": "private"}]
