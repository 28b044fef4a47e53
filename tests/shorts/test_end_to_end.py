"""The studio with the real renderer and the real offline engines, through the API and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from reelforge.cli import app
from reelforge.media import probe
from reelforge.shorts.demo import STILLS, demo_config
from reelforge.shorts.pipeline import run_short
from reelforge.shorts.request import ShortRequest

SCRIPT = """scenes:
  - text: Magma rises through the crust.
    search: [magma]
  - text: Then the volcano erupts!
    search: [volcano eruption]
"""


async def test_short_with_piper_karaoke_stills_and_music(tmp_path: Path) -> None:
    script = tmp_path / "s.yaml"
    script.write_text(SCRIPT)
    cfg = demo_config()
    cfg.output.resolution = 240
    cfg.output.quality = "draft"
    result = await run_short(ShortRequest(script=script, output=tmp_path / "short.mp4"), cfg, data_dir=tmp_path)
    info = probe(result.path)
    assert (info.width, info.height) == (result.width, result.height) and info.width == 240
    assert info.has_audio and abs(info.duration_s - (result.narration_s + 0.5)) < 0.1
    assert result.timing_source == "piper-alignment" and result.words == 9
    assert [s.source for s in result.scenes] == ["library", "library"]
    assert result.scenes[0].detail.startswith("magma") and "volcano" in result.scenes[1].detail
    for scene in result.scenes:  # each pick reports how it was chosen: its score, the ranker and the runner-up
        assert scene.score is not None and 0 < scene.score <= 1 and scene.ranker in ("semantic", "lexical")
        assert scene.runner_up is not None and scene.runner_up_score is not None
        assert scene.runner_up_score <= scene.score and scene.runner_up != scene.detail
    assert result.srt is not None and "Magma" in Path(result.srt).read_text()
    side = json.loads(Path(result.sidecar).read_text())
    assert side["short"]["metadata"]["title"] and side["short"]["timing_source"] == "piper-alignment"
    assert side["result"]["num_frames"] == info.num_frames and side["ffmpeg_args"][0] != ""
    assert side["timeline"]["title"] == result.metadata.title and len(side["script"]["scenes"]) == 2
    assert [s["score"] for s in side["short"]["scenes"]] == [s.score for s in result.scenes]


def test_cli_short_json_and_errors(tmp_path: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text("Lava flows downhill. Ash rises high.")
    config = tmp_path / "c.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "data_dir": str(tmp_path / "data"),
                "shorts": {"visuals": {"library": str(STILLS)}, "output": {"resolution": 240, "quality": "draft"}},
            }
        )
    )
    runner = CliRunner()
    out = tmp_path / "o.mp4"
    res = runner.invoke(
        app,
        [
            "--config",
            str(config),
            "short",
            "--script",
            str(script),
            "--tts",
            "espeak",
            "--music",
            "none",
            "--captions",
            "word",
            "-o",
            str(out),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout.strip().splitlines()[-1])
    assert Path(data["path"]) == out and out.is_file() and data["tts"] == "espeak" and data["music"] is None
    res = runner.invoke(app, ["--config", str(config), "short", "--topic", "volcanoes"])
    assert res.exit_code == 2 and "shorts.llm.provider" in res.stderr
    res = runner.invoke(app, ["--config", str(config), "short", "--script", str(script), "--aspect", "4:3"])
    assert res.exit_code == 2
    assert runner.invoke(app, ["demo", "--help"]).exit_code == 0


async def test_amake_short_with_studio_settings_and_a_pinned_work_dir(tmp_path: Path) -> None:
    from reelforge.config import Config
    from reelforge.shorts.api import amake_short

    shorts = demo_config()
    shorts.tts.engine = "espeak"
    shorts.music.source = "none"
    shorts.output.resolution, shorts.output.quality = 144, "draft"
    work = tmp_path / "work"
    request = ShortRequest(script_text="Lava flows downhill. Ash rises high.")
    result = await amake_short(request, config=Config(data_dir=tmp_path / "data"), shorts=shorts, work_dir=work)
    assert result.run_dir == work and result.path == work / "short.mp4" and probe(result.path).width == 144
    side = json.loads(Path(result.sidecar or "").read_text())
    assert side["short"]["tts"] == "espeak" and side["request"]["script_text"] == request.script_text
    assert not (tmp_path / "data" / "shorts" / "runs").exists()
