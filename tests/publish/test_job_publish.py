"""A job's ``publish`` steps: checked at submit, run as their own step after the render, resumed without
generating or uploading twice."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from reelforge.config import Config
from reelforge.errors import InvalidRequest
from reelforge.jobs import JobService, Worker, wait_idle
from tests.fakes.youtube_server import QUOTA, YouTubeFake

from .conftest import sign_in_youtube


def run_jobs(config: Config, service: JobService) -> None:
    with Worker(config):
        wait_idle(service.store, threading.Event(), 0.05)


def test_publish_steps_are_checked_when_the_job_is_submitted(config: Config) -> None:
    with JobService(config) as service:
        with pytest.raises(InvalidRequest) as info:
            service.submit("video", {"prompt": "x", "backend": "procedural"}, publish=[{"to": "myspace"}])
        assert "publish[0].to" in info.value.problems
        with pytest.raises(InvalidRequest):
            service.submit("video", {"prompt": "x", "backend": "procedural"}, publish=[{"to": "youtube", "x": 1}])


def test_a_video_job_publishes_after_its_render_and_resumes_a_failed_upload(
    config: Config, yt: YouTubeFake, tmp_path: Path
) -> None:
    sign_in_youtube(config, yt)
    request = {"prompt": "a paper boat", "backend": "procedural", "duration_s": 1, "resolution": "320x180"}
    with JobService(config) as service:
        yt.init_faults = [QUOTA]  # the first upload is refused: the job fails at its publish stage
        job = service.submit("video", request, publish=[{"to": "youtube", "privacy": "unlisted"}])
        run_jobs(config, service)
        failed = service.get(job.id)
        assert failed.status == "failed" and failed.error is not None and failed.error.stage == "publish"
        assert "quota" in failed.error.message.lower()
        service.resume(job.id)
        run_jobs(config, service)
        done = service.get(job.id)
    assert done.status == "succeeded", done.error
    [published] = done.result["published"]
    assert published["platform"] == "youtube" and published["privacy"] == "unlisted"
    finished = [s for s in yt.sessions.values() if s.get("video_id")]
    assert len(finished) == 1 and finished[0]["video_id"] == published["video_id"]  # posted once
    attempts = [a for a in done.attempts if a.outcome == "succeeded"]
    assert len(attempts) == 1  # rendered once: the resumed job took the stored result
