"""Shared pieces of the service tests: configs, tiny media, a loopback HTTP receiver and `reelforge serve`
in a child process (with the test backends registered)."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import yaml

from reelforge.config import Config, parse_config
from reelforge.jobs import config as _jobs_config  # noqa: F401  (registers the jobs: block)
from tests.jobs.helpers import ROOT

TOKEN = "s3cret-token-for-tests-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_config(tmp: Path, db_url: str | None = None, **extra: Any) -> tuple[Config, Path]:
    server = {"events_poll_s": 0.05, "webhook_poll_s": 0.1, "webhook_backoff_s": 0.2, **extra.pop("server", {})}
    data: dict[str, Any] = {
        "data_dir": str(tmp / "data"),
        "default_backend": "sleepy",
        "cache": False,
        "backends": {"sleepy": {}, "procedural": {"preset": "ultrafast"}},
        "jobs": {"lease_s": 3, "poll_interval_s": 0.1, "progress_interval_s": 0.1},
        "server": server,
        **extra,
    }
    if db_url:
        data["database_url"] = db_url
    path = tmp / "reelforge.yaml"
    path.write_text(yaml.safe_dump(data))
    return parse_config(path.read_text()), path


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def sse_events(lines: Iterator[str]) -> Iterator[dict[str, str]]:
    """Parse a Server-Sent Events stream into {"id", "event", "data"} dicts (comments skipped)."""
    event: dict[str, str] = {}
    for line in lines:
        if not line:
            if event:
                yield event
            event = {}
        elif not line.startswith(":"):
            key, _, value = line.partition(":")
            event[key] = value[1:] if value.startswith(" ") else value


class Receiver:
    """A loopback HTTP server recording every request; ``answers`` is the status of each next reply."""

    def __init__(self, answers: list[int] | None = None, route: Callable[[str], tuple[int, dict[str, str], bytes]]
                 | None = None) -> None:  # fmt: skip
        self.answers = list(answers or [])
        self.route = route
        self.seen: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.seen.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                   "body": body})  # fmt: skip
                if outer.route is not None:
                    status, headers, payload = outer.route(self.path)
                else:
                    status, headers, payload = (outer.answers.pop(0) if outer.answers else 200), {}, b"ok"
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _reply

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Process:
    """``reelforge <args>`` in a child process, through tests/server/cli_main.py (test backends registered)."""

    def __init__(self, config_path: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.log = config_path.parent / f"proc-{time.monotonic_ns()}.log"
        cmd = [sys.executable, "-m", "tests.server.cli_main", "--config", str(config_path), *args]
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_http(self, url: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the process exited {self.proc.returncode}: {self.output()}")
            try:
                if httpx.get(url, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{url} did not answer: {self.output()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)


async def follow(client: httpx.AsyncClient, job_id: str, last: str | None = None) -> list[dict[str, str]]:
    """Every event of the job's stream, read until the server ends it (when the job ends)."""
    headers = {"Last-Event-ID": last} if last else {}
    async with client.stream("GET", f"/v1/jobs/{job_id}/events", headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line async for line in response.aiter_lines()]
    return list(sse_events(iter(lines)))


def job_json(event: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(event["data"])
    return data


__all__ = [
    "TOKEN",
    "Process",
    "Receiver",
    "follow",
    "free_port",
    "job_json",
    "png_bytes",
    "server_config",
    "sse_events",
]
