"""Fixtures for publishing: the loopback fakes, a config pointing at them, signed-in tokens, video files."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from reelforge.config import Config
from reelforge.publish import PublishStore
from tests.fakes.tiktok_server import CLIENT_KEY as TT_KEY
from tests.fakes.tiktok_server import CLIENT_SECRET as TT_SECRET
from tests.fakes.tiktok_server import TikTokFake
from tests.fakes.youtube_server import CLIENT_ID, CLIENT_SECRET, YouTubeFake

CHUNK = 256 * 1024
FUTURE = "2099-01-01T00:00:00Z"
PAST = "2020-01-01T00:00:00Z"


@pytest.fixture(scope="module")
def youtube_server() -> Iterator[YouTubeFake]:
    with YouTubeFake() as fake:
        yield fake


@pytest.fixture
def yt(youtube_server: YouTubeFake) -> YouTubeFake:
    youtube_server.reset()
    return youtube_server


@pytest.fixture(scope="module")
def tiktok_server() -> Iterator[TikTokFake]:
    with TikTokFake() as fake:
        yield fake


@pytest.fixture
def tt(tiktok_server: TikTokFake) -> TikTokFake:
    tiktok_server.reset()
    return tiktok_server


NOWHERE = "http://127.0.0.1:9"


def config_dict(tmp_path: Path, yt_url: str = NOWHERE, tt_url: str = NOWHERE) -> dict[str, Any]:
    secrets = tmp_path / "client_secret.json"
    secrets.write_text(json.dumps({"installed": {
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": ["http://localhost"],
        "auth_uri": f"{yt_url}/o/oauth2/auth", "token_uri": f"{yt_url}/token",
    }}))  # fmt: skip
    fast = {"backoff_s": 0.01, "max_backoff_s": 0.05, "timeout_s": 10}
    return {
        "data_dir": str(tmp_path / "data"),
        "publish": {
            "youtube": {"client_secrets": str(secrets), "api_base_url": yt_url, "upload_base_url": yt_url,
                        "chunk_size": CHUNK, **fast},
            "tiktok": {"client_key": TT_KEY, "client_secret": TT_SECRET, "api_base_url": tt_url,
                       "oauth_base_url": tt_url, "chunk_size": 5 * 1024 * 1024, "poll_interval_s": 0.01, **fast},
        },
    }  # fmt: skip


@pytest.fixture
def config(tmp_path: Path, yt: YouTubeFake, tt: TikTokFake) -> Config:
    return Config.from_dict(config_dict(tmp_path, yt.url, tt.url))


def sign_in_youtube(config: Config, yt: YouTubeFake, expiry: str = FUTURE, revoked: bool = False) -> dict[str, Any]:
    access, refresh = yt.issue(refresh=not revoked)
    token = {"token": access, "refresh_token": refresh, "token_uri": f"{yt.url}/token", "client_id": CLIENT_ID,
             "client_secret": CLIENT_SECRET, "scopes": ["https://www.googleapis.com/auth/youtube.upload"],
             "expiry": expiry}  # fmt: skip
    PublishStore(config.data_dir).write_token("youtube", token)
    return token


def sign_in_tiktok(config: Config, tt: TikTokFake, expires_at: float = 4e9, valid: bool = True) -> dict[str, Any]:
    access, refresh = tt.issue()
    if not valid:
        tt.valid_tokens.discard(access)
    token = {"access_token": access, "refresh_token": refresh, "open_id": "fake-open-id", "expires_at": expires_at}
    PublishStore(config.data_dir).write_token("tiktok", token)
    return token


def video_file(tmp_path: Path, size: int, name: str = "clip.mp4", thumb: bool = True) -> Path:
    path = tmp_path / name
    path.write_bytes(os.urandom(size))
    if thumb:
        path.with_suffix(".jpg").write_bytes(b"\xff\xd8\xff\xe0fake-jpeg" + os.urandom(512))
    return path


def browser() -> Any:
    """A stand-in for the person at the browser: follows the consent URL to the loopback redirect."""

    def announce(url: str) -> None:
        threading.Thread(target=lambda: httpx.get(url, follow_redirects=True, timeout=10), daemon=True).start()

    return announce


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777
