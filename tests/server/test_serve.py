"""`reelforge serve` as a real process: the bind refusal, one machine (SQLite, embedded worker), and the
distributed path (an API-only process and two `reelforge worker` processes on PostgreSQL), with progress
followed over SSE for jobs that run in other processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.jobs.helpers import ROOT

from .helpers import TOKEN, Process, free_port, server_config, sse_events

pytestmark = pytest.mark.slow


def _follow(base: str, job_id: str, headers: dict[str, str]) -> tuple[list[dict[str, str]], int]:
    """The job's events read from a live socket, and how many heartbeat comments came with them."""
    with httpx.stream("GET", f"{base}/v1/jobs/{job_id}/events", headers=headers, timeout=60) as response:
        assert response.status_code == 200
        lines = list(response.iter_lines())
    pings = sum(1 for line in lines if line.startswith(":"))
    return list(sse_events(iter(lines))), pings


def _env(tiny_mp4: Path, delay: str) -> dict[str, str]:
    return {"RF_TEST_CLIP": str(tiny_mp4), "RF_TEST_DELAY_S": delay}


def test_serve_refuses_a_public_address_without_tokens(tmp_path: Path) -> None:
    _, path = server_config(tmp_path)
    cmd = [sys.executable, "-m", "tests.server.cli_main", "--config", str(path), "serve", "--host", "0.0.0.0"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "server.api_tokens" in done.stderr and "0.0.0.0" in done.stderr


def test_one_machine_serves_and_runs_jobs_with_its_embedded_worker(tmp_path: Path, tiny_mp4: Path) -> None:
    port = free_port()
    _, path = server_config(tmp_path, server={"api_tokens": [TOKEN], "sse_ping_s": 0.3})
    serve = Process(path, "serve", "--port", str(port), "--workers", "2", env=_env(tiny_mp4, "1.2"))
    base, auth = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {TOKEN}"}
    try:
        serve.wait_http(f"{base}/healthz")
        health = httpx.get(f"{base}/healthz").json()
        assert health["embedded_worker"] and health["workers"] == 1
        assert httpx.get(f"{base}/v1/jobs").status_code == 401
        job = httpx.post(f"{base}/v1/videos", json={"prompt": "served"}, headers=auth).json()
        events, pings = _follow(base, job["id"], auth)
        assert events[-1]["event"] == "job" and json.loads(events[-1]["data"])["status"] == "succeeded"
        assert pings >= 1  # heartbeats while the backend worked
        asset = json.loads(events[-1]["data"])["assets"][0]
        part = httpx.get(f"{base}/v1/assets/{asset}/file", headers={**auth, "Range": "bytes=0-99"})
        assert part.status_code == 206 and len(part.content) == 100
        assert httpx.get(f"{base}/openapi.json").json()["paths"]["/v1/videos"]["post"]
    finally:
        serve.stop()
    assert serve.proc.returncode == 0, serve.output()
    assert TOKEN not in serve.output()


@pytest.mark.postgres
def test_an_api_node_and_two_workers_share_jobs_on_postgresql(tmp_path: Path, pg_url: str, tiny_mp4: Path) -> None:
    port = free_port()
    _, path = server_config(tmp_path, pg_url)
    env = _env(tiny_mp4, "0.6")
    api = Process(path, "serve", "--port", str(port), "--no-worker", env=env)
    workers = [Process(path, "worker", "--concurrency", "1", env=env) for _ in range(2)]
    base = f"http://127.0.0.1:{port}"
    try:
        api.wait_http(f"{base}/healthz")
        deadline = time.monotonic() + 90
        while httpx.get(f"{base}/healthz").json()["workers"] < 2:
            assert time.monotonic() < deadline, [w.output() for w in workers]
            time.sleep(0.2)
        health: dict[str, Any] = httpx.get(f"{base}/healthz").json()
        assert health["embedded_worker"] is None and health["database"] is True
        ids = [httpx.post(f"{base}/v1/videos", json={"prompt": f"clip {n}"}).json()["id"] for n in range(6)]
        events, _ = _follow(base, ids[-1], {})
        assert [json.loads(e["data"])["status"] for e in events][-1] == "succeeded"
        deadline = time.monotonic() + 90
        while True:
            jobs = [httpx.get(f"{base}/v1/jobs/{i}").json() for i in ids]
            if all(j["status"] == "succeeded" for j in jobs):
                break
            assert time.monotonic() < deadline, jobs
            time.sleep(0.2)
        assert len({j["worker"] for j in jobs}) == 2  # both worker processes took jobs
    finally:
        for proc in (api, *workers):
            proc.stop()
    assert "Traceback" not in api.output(), api.output()


def test_serve_without_the_worker_flag_conflict(tmp_path: Path) -> None:
    _, path = server_config(tmp_path)
    cmd = [sys.executable, "-m", "tests.server.cli_main", "--config", str(path), "serve", "--workers", "2",
           "--no-worker"]  # fmt: skip
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, env=os.environ.copy())
    assert done.returncode == 2 and "--no-worker" in done.stderr
