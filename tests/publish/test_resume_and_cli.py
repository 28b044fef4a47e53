"""A process killed mid-upload and publishing again; library assets as the source; the CLI's exit codes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from reelforge.cli import app
from reelforge.config import Config
from reelforge.library import Library
from reelforge.publish import publish, published_for
from reelforge.types import Cost
from tests.fakes.youtube_server import QUOTA, YouTubeFake

from .conftest import CHUNK, config_dict, sign_in_youtube, video_file


def write_config(tmp_path: Path, yt: YouTubeFake) -> tuple[Path, Config]:
    data = config_dict(tmp_path, yt.url)
    path = tmp_path / "reelforge.yaml"
    path.write_text(yaml.safe_dump(data))
    return path, Config.from_dict(data)


def test_killed_mid_upload_then_publish_again_finishes(tmp_path: Path, yt: YouTubeFake) -> None:
    cfg_path, config = write_config(tmp_path, yt)
    sign_in_youtube(config, yt)
    size = 8 * CHUNK
    video = video_file(tmp_path, size)
    yt.chunk_delay_s = 0.3
    cmd = [sys.executable, "-c", "from reelforge.cli import app; app()", "--config", str(cfg_path),
           "publish", str(video), "--to", "youtube", "--json"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not (yt.sessions and len(next(iter(yt.sessions.values()))["data"]) >= 2 * CHUNK):
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "the upload never got going"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    time.sleep(3 * yt.chunk_delay_s)  # let the fake finish the chunk it was holding when the client died
    yt.chunk_delay_s = 0.0
    held = len(yt.only_session()["data"])
    assert 0 < held < size
    sessions = list((config.data_dir / "publish" / "sessions").glob("*.json"))
    assert len(sessions) == 1 and json.loads(sessions[0].read_text())["session_uri"]

    published = asyncio.run(publish(config, video, {"to": "youtube"}))
    session = yt.only_session()  # the same session, continued
    assert published.video_id == session["video_id"]
    assert hashlib.sha256(bytes(session["data"])).hexdigest() == hashlib.sha256(video.read_bytes()).hexdigest()
    assert sum(n for _, n in session["puts"]) == size  # every byte sent once, none again after the restart


async def test_a_library_asset_is_published_and_recorded(
    config: Config, yt: YouTubeFake, tmp_path: Path, tiny_mp4: Path
) -> None:
    sign_in_youtube(config, yt)
    src = tmp_path / "staged.mp4"
    shutil.copy(tiny_mp4, src)
    with Library.from_config(config) as lib:
        asset = await lib.assets.add(
            src, kind="video", request={"prompt": "a paper boat on a rainy street"}, backend="procedural",
            model=None, seed=1, cost=Cost(), provider_job_id=None, cache_key=None, warnings=[],
        )  # fmt: skip
    published = await publish(config, asset.id, {"to": "youtube"})
    meta = yt.only_session()["metadata"]
    assert meta["snippet"]["title"] == "a paper boat on a rainy street"
    assert asset.thumbnail_path is not None and yt.thumbnails[published.video_id] == asset.thumbnail_path.read_bytes()
    with Library.from_config(config) as lib:
        stored = await lib.assets.get(asset.id)
    records = published_for(stored)
    assert json.loads(stored.sidecar_path.read_text())["extra"]["published"][0]["video_id"] == published.video_id
    assert [(r.platform, r.video_id, r.url) for r in records] == [("youtube", published.video_id, published.url)]


def invoke(cfg_path: Path, *args: str) -> object:
    return CliRunner().invoke(app, ["--config", str(cfg_path), "publish", *args])


def test_cli_publishes_with_json(tmp_path: Path, yt: YouTubeFake) -> None:
    cfg_path, config = write_config(tmp_path, yt)
    sign_in_youtube(config, yt)
    video = video_file(tmp_path, 2 * CHUNK)
    result = invoke(cfg_path, str(video), "--to", "youtube", "--title", "From the shell", "--json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    out = json.loads(result.stdout.strip())  # type: ignore[attr-defined]
    assert out["platform"] == "youtube" and out["video_id"] == yt.only_session()["video_id"]
    assert yt.only_session()["metadata"]["snippet"]["title"] == "From the shell"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["missing.mp4", "--to", "youtube"], 2),
        (["{video}", "--to", "vimeo"], 2),
        (["{video}"], 2),
        (["{video}", "--to", "youtube", "--schedule", "tomorrow"], 2),
        (["login"], 2),
    ],
)
def test_cli_bad_input_exits_2(tmp_path: Path, yt: YouTubeFake, args: list[str], code: int) -> None:
    cfg_path, config = write_config(tmp_path, yt)
    sign_in_youtube(config, yt)
    video = video_file(tmp_path, CHUNK)
    result = invoke(cfg_path, *(a.format(video=video) for a in args))
    assert result.exit_code == code, result.output  # type: ignore[attr-defined]
    assert not yt.sessions


def test_cli_not_signed_in_and_quota(tmp_path: Path, yt: YouTubeFake) -> None:
    cfg_path, config = write_config(tmp_path, yt)
    video = video_file(tmp_path, CHUNK)
    result = invoke(cfg_path, str(video), "--to", "youtube")
    assert result.exit_code == 2 and "publish login youtube" in result.stderr  # type: ignore[attr-defined]
    sign_in_youtube(config, yt)
    yt.init_faults = [QUOTA]
    result = invoke(cfg_path, str(video), "--to", "youtube")
    assert result.exit_code == 1 and "quota" in result.stderr  # type: ignore[attr-defined]
