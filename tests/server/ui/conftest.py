"""Fixtures of the browser tests: ``reelforge serve`` in a child process (embedded worker, the procedural and
the slow test backends) and Debian's Chromium driven by Playwright. Skips, saying why, where either is missing."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.helpers import Process, free_port, server_config

CHROMIUM = os.environ.get("RF_CHROMIUM", "/usr/bin/chromium")
SLOW_S = "120"  # the sleepy backend's wait: long enough to cancel from the page


def chromium_path() -> str:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    found = shutil.which("chromium")
    if found is None:
        pytest.skip(f"no Chromium at {CHROMIUM} or on PATH (apt-get install chromium); the browser tests need it")
    return found


class Served:
    def __init__(self, base: str, out: Path, token: str | None) -> None:
        self.base = base
        self.out = out
        self.token = token

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def serve(tmp: Path, tiny_mp4: Path, **server: Any) -> Iterator[Served]:
    chromium_path()  # skip before starting a server no browser will visit
    port = free_port()
    _, path = server_config(tmp, server={"sse_ping_s": 1, **server})
    env = {"RF_TEST_CLIP": str(tiny_mp4), "RF_TEST_DELAY_S": SLOW_S}
    proc = Process(path, "serve", "--port", str(port), "--workers", "2", env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        proc.wait_http(f"{base}/healthz", timeout=120)
        tokens = server.get("api_tokens") or [None]
        yield Served(base, tmp / "screenshots", tokens[0])
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)  # the first page waits for the server to describe every backend
    executable = chromium_path()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable,
            headless=True,
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
        )
        try:
            yield browser
        finally:
            browser.close()
