"""`reelforge short --upload`: the finished short is published with the studio's title, or refused up front."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from reelforge.cli import app
from reelforge.config import Config
from reelforge.shorts.demo import STILLS
from tests.fakes.youtube_server import YouTubeFake

from .conftest import config_dict, sign_in_youtube


def short_config(tmp_path: Path, yt: YouTubeFake) -> tuple[Path, Config]:
    data = config_dict(tmp_path, yt.url)
    data["shorts"] = {"visuals": {"library": str(STILLS)}, "output": {"resolution": 240, "quality": "draft"}}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    return path, Config.from_dict(data)


def short_args(tmp_path: Path, cfg: Path, out: Path) -> list[str]:
    script = tmp_path / "s.txt"
    script.write_text("Lava flows downhill. Ash rises high.")
    return ["--config", str(cfg), "short", "--script", str(script), "--tts", "espeak", "--music", "none",
            "--captions", "word", "-o", str(out), "--upload", "youtube", "--json"]  # fmt: skip


def test_short_upload_publishes_the_finished_short(tmp_path: Path, yt: YouTubeFake) -> None:
    cfg, config = short_config(tmp_path, yt)
    sign_in_youtube(config, yt)
    out = tmp_path / "o.mp4"
    res = CliRunner().invoke(app, short_args(tmp_path, cfg, out))
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout.strip().splitlines()[-1])
    session = yt.only_session()
    assert data["published"]["video_id"] == session["video_id"] and Path(data["path"]) == out
    assert hashlib.sha256(bytes(session["data"])).hexdigest() == hashlib.sha256(out.read_bytes()).hexdigest()
    assert session["metadata"]["snippet"]["title"] == data["metadata"]["title"]
    assert yt.thumbnails[session["video_id"]] == out.with_suffix(".jpg").read_bytes()


def test_short_upload_without_sign_in_is_refused_before_rendering(tmp_path: Path, yt: YouTubeFake) -> None:
    cfg, _ = short_config(tmp_path, yt)
    out = tmp_path / "o.mp4"
    res = CliRunner().invoke(app, short_args(tmp_path, cfg, out))
    assert res.exit_code == 2 and "publish login youtube" in res.stderr
    assert not out.exists() and not yt.sessions
