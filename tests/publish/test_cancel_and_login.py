"""Cancelling mid-upload and resuming, an expired upload session, and `publish login` from the CLI."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from reelforge.cli import app
from reelforge.cli import publish as cli_publish
from reelforge.config import Config
from reelforge.errors import Cancelled, ProviderError
from reelforge.publish import PublishStore, publish
from reelforge.types import CancelToken
from tests.fakes.kit import Fault
from tests.fakes.youtube_server import YouTubeFake

from .conftest import CHUNK, browser, config_dict, mode, sign_in_youtube, video_file


def sha(data: bytes | bytearray) -> str:
    return hashlib.sha256(bytes(data)).hexdigest()


async def test_cancel_stops_between_chunks_and_the_next_call_resumes(
    config: Config, yt: YouTubeFake, tmp_path: Path
) -> None:
    sign_in_youtube(config, yt)
    video = video_file(tmp_path, 6 * CHUNK)
    cancel = CancelToken()

    def progress(fraction: float, message: str) -> None:
        if fraction > 0.3:
            cancel.cancel()

    with pytest.raises(Cancelled):
        await publish(config, video, {"to": "youtube"}, progress, cancel)
    held = len(yt.only_session()["data"])
    assert 0 < held < 6 * CHUNK
    await publish(config, video, {"to": "youtube"})
    session = yt.only_session()
    assert sha(session["data"]) == sha(video.read_bytes()) and sum(n for _, n in session["puts"]) == 6 * CHUNK


async def test_a_session_the_server_forgot_starts_over(config: Config, yt: YouTubeFake, tmp_path: Path) -> None:
    config.publish.youtube.retries = 0
    sign_in_youtube(config, yt)
    video = video_file(tmp_path, 4 * CHUNK)
    yt.put_faults = [None, Fault(503)]
    with pytest.raises(ProviderError):
        await publish(config, video, {"to": "youtube"})
    yt.sessions.clear()  # the session expired on the server
    published = await publish(config, video, {"to": "youtube"})
    session = yt.only_session()
    assert session["video_id"] == published.video_id and sha(session["data"]) == sha(video.read_bytes())


def test_cli_login_prints_the_url_and_stores_the_token(
    tmp_path: Path, yt: YouTubeFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump(config_dict(tmp_path, yt.url)))
    shown: list[str] = []
    original = cli_publish._announcer

    def announcer(no_browser: bool) -> Any:
        assert no_browser
        printed, click = original(True), browser()

        def announce(url: str) -> None:
            shown.append(url)
            printed(url)
            click(url)

        return announce

    monkeypatch.setattr(cli_publish, "_announcer", announcer)
    res = CliRunner().invoke(app, ["--config", str(cfg), "publish", "login", "youtube", "--no-browser"])
    assert res.exit_code == 0, res.output
    assert shown and shown[0].startswith(f"{yt.url}/o/oauth2/auth?") and shown[0] in res.stderr
    token_path = PublishStore(tmp_path / "data").token_path("youtube")
    assert str(token_path) in res.stdout and mode(token_path) == 0o600
    token = PublishStore(tmp_path / "data").read_token("youtube")
    assert token is not None and token["token"] not in res.output


def test_announce_without_browser_only_prints(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(cli_publish.webbrowser, "open", lambda url, new=0: opened.append(url) or True)
    cli_publish._announcer(True)("https://accounts.example/consent?x=1")
    assert opened == [] and "https://accounts.example/consent?x=1" in capsys.readouterr().err
