"""Real worker processes: a SIGKILLed worker's job resumes with one provider submit, cancel from another process
reaches a running job and the provider, and gpu jobs go only to a worker started with the gpu queue."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from reelforge.config import Config
from reelforge.jobs import JobService
from tests.fakes.runway_server import PENDING, RUNNING, SUCCEEDED, RunwayFake

from .helpers import WorkerProcess, ffmpeg_processes, wait_for, write_config


@pytest.fixture(scope="module")
def runway() -> Iterator[RunwayFake]:
    with RunwayFake() as fake:
        yield fake


@pytest.fixture
def setup(tmp_path: Path, db_url: str, runway: RunwayFake) -> Iterator[tuple[Config, Path, JobService]]:
    runway.reset()
    runway.states = [PENDING, *[RUNNING] * 10_000]  # runs until a test lets it finish
    fast = {"api_key": runway.api_key, "base_url": runway.url, "poll_interval_s": 0.1, "timeout_s": 120}
    config, path = write_config(tmp_path, db_url, backends={"runway": fast, "sleepy": {}, "gpusleepy": {}})
    workers: list[WorkerProcess] = []
    with JobService(config) as service:
        yield config, path, service
    for w in workers:
        w.stop()


def submits(runway: RunwayFake) -> int:
    return len(runway.server.seen("POST", "/v1/text_to_video"))


def polls(runway: RunwayFake) -> int:
    return len(runway.server.seen("GET", "/v1/tasks/"))


def test_a_worker_killed_while_polling_resumes_with_one_submit(setup, runway: RunwayFake, tmp_path: Path) -> None:
    _, path, service = setup
    job = service.submit("video", {"prompt": "a lighthouse", "backend": "runway", "duration_s": 5})
    first = WorkerProcess(path)
    try:
        wait_for(lambda: polls(runway) >= 3, what="the worker to poll the provider")
        before = service.get(job.id)
        assert before.status == "running" and before.worker and before.runs == 1
        first.kill()
    finally:
        first.stop()
    assert not ffmpeg_processes(str(tmp_path)), "a child of the killed worker is still running"
    [task_id] = runway.tasks
    runway.tasks[task_id]["states"] = [SUCCEEDED]
    second = WorkerProcess(path)
    try:
        done = wait_for(lambda: (j := service.get(job.id)).finished and j, what="the job to finish after restart")
    finally:
        second.stop()
    assert done.status == "succeeded", (done.error, second.output())
    assert submits(runway) == 1
    assert done.runs == 2 and done.result and Path(done.result["path"]).is_file()
    assert [a.provider_job_id for a in done.attempts if a.outcome == "succeeded"] == [task_id]
    assert not ffmpeg_processes(str(tmp_path))


def test_cancel_from_another_process_stops_the_job_and_the_provider_task(setup, runway: RunwayFake) -> None:
    _, path, service = setup
    job = service.submit("video", {"prompt": "a long take", "backend": "runway", "duration_s": 5})
    worker = WorkerProcess(path)
    try:
        wait_for(lambda: polls(runway) >= 2, what="the worker to poll the provider")
        assert service.cancel(job.id).action == "cancelling"
        assert service.cancel(job.id).action == "noop"
        done = wait_for(lambda: (j := service.get(job.id)).finished and j, what="the job to stop")
    finally:
        worker.stop()
    assert done.status == "cancelled", (done.error, worker.output())
    assert len(runway.server.seen("DELETE", "/v1/tasks/")) == 1  # the provider's cancel was called
    assert submits(runway) == 1
    assert service.cancel(job.id).message.endswith("already cancelled")


def test_gpu_jobs_go_only_to_the_gpu_worker(setup, tiny_mp4: Path) -> None:
    _, path, service = setup
    env = {"RF_TEST_CLIP": str(tiny_mp4), "RF_TEST_DELAY_S": "0.2"}
    cpu_jobs = [service.submit("video", {"prompt": f"cpu {i}", "backend": "sleepy"}) for i in range(4)]
    gpu_jobs = [service.submit("video", {"prompt": f"gpu {i}", "backend": "gpusleepy"}) for i in range(3)]
    cpu = WorkerProcess(path, "--queues", "default", "--name", "cpu-worker", env=env)
    gpu = WorkerProcess(path, "--queues", "gpu", "--name", "gpu-worker", env=env)
    try:
        ids = [j.id for j in cpu_jobs + gpu_jobs]
        wait_for(lambda: all(service.get(i).finished for i in ids), what="every job to finish")
    finally:
        cpu.stop()
        gpu.stop()
    for job in cpu_jobs:
        got = service.get(job.id)
        assert (got.status, got.queue, got.worker) == ("succeeded", "default", "cpu-worker"), cpu.output()
    for job in gpu_jobs:
        got = service.get(job.id)
        assert (got.status, got.queue, got.worker) == ("succeeded", "gpu", "gpu-worker"), gpu.output()
    spans = sorted((service.get(j.id).started_at, service.get(j.id).finished_at) for j in gpu_jobs)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), "gpu jobs overlapped on one worker"


def test_a_dead_workers_jobs_are_recovered_by_another_worker_within_the_lease(setup, runway: RunwayFake) -> None:
    _, path, service = setup
    job = service.submit("video", {"prompt": "a harbour", "backend": "runway", "duration_s": 5})
    doomed = WorkerProcess(path, "--name", "doomed")
    try:
        wait_for(lambda: polls(runway) >= 2, what="the first worker to poll")
        doomed.kill()
    finally:
        doomed.stop()
    [task_id] = runway.tasks
    runway.tasks[task_id]["states"] = [SUCCEEDED]
    rescuer = WorkerProcess(path, "--name", "rescuer")  # another machine's worker: a different executor id
    try:
        done = wait_for(lambda: (j := service.get(job.id)).finished and j, what="the reaper to recover the job")
    finally:
        rescuer.stop()
    assert (done.status, done.worker, done.runs) == ("succeeded", "rescuer", 2), rescuer.output()
    assert submits(runway) == 1


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to look for left-over processes")
def test_cli_worker_exits_cleanly_on_sigterm(setup) -> None:
    _, path, _ = setup
    worker = WorkerProcess(path)
    wait_for(lambda: "taking jobs" in worker.output(), what="the worker to start")
    worker.stop()
    assert worker.proc.returncode == 0 and "worker stopped" in worker.output()


def test_a_recovered_gpu_job_goes_back_through_its_concurrency_1_queue(setup, tiny_mp4: Path) -> None:
    _, path, service = setup
    env = {"RF_TEST_CLIP": str(tiny_mp4), "RF_TEST_DELAY_S": "1.5"}
    jobs = [service.submit("video", {"prompt": f"gpu {i}", "backend": "gpusleepy"}) for i in range(2)]
    first = WorkerProcess(path, "--queues", "gpu", env=env)
    try:
        running = wait_for(lambda: [j for j in jobs if service.get(j.id).status == "running"], what="a gpu job")
        assert len(running) == 1  # one at a time on the gpu queue
        first.kill()
    finally:
        first.stop()
    second = WorkerProcess(path, "--queues", "gpu", env=env)
    try:
        wait_for(lambda: all(service.get(j.id).finished for j in jobs), what="both gpu jobs to finish")
    finally:
        second.stop()
    done = [service.get(j.id) for j in jobs]
    assert [j.status for j in done] == ["succeeded", "succeeded"], second.output()
    assert sorted(j.runs for j in done) == [1, 2]
    spans = []
    for job in done:  # from its last start to its end
        events = service.events(job.id)
        last_start = max(e.at for e in events if e.status.value == "running")
        spans.append((last_start, max(e.at for e in events if e.status.value == "succeeded")))
    first_span, second_span = sorted(spans)
    assert first_span[1] <= second_span[0], "the recovered job ran beside the other one on a concurrency-1 queue"
