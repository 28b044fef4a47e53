"""`reelforge short --plan-only -o plan.yaml`, then `reelforge short --plan plan.yaml`: a real (tiny) render."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from PIL import Image
from typer.testing import CliRunner

from reelforge.cli import app

SCRIPT = "A red kite climbs over a windy beach.\n\nAt night the lighthouse sweeps the dark sea."


def setup(tmp_path: Path) -> tuple[Path, Path]:
    media = tmp_path / "media"
    media.mkdir()
    for name, colour in (("kite_flying_on_the_beach", (200, 60, 40)), ("lighthouse_at_night", (20, 30, 80))):
        Image.new("RGB", (90, 160), colour).save(media / f"{name}.png")
    config = tmp_path / "reelforge.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "data_dir": str(tmp_path / "data"),
                "shorts": {
                    "tts": {"engine": "espeak"},
                    "visuals": {"source": "library", "library": str(media)},
                    "music": {"source": "none"},
                    "output": {"resolution": 160, "quality": "draft"},
                },
            }
        )
    )
    script = tmp_path / "script.txt"
    script.write_text(SCRIPT)
    return config, script


def test_plan_only_then_render_the_edited_plan(tmp_path: Path) -> None:
    config, script = setup(tmp_path)
    plan = tmp_path / "plan.yaml"
    runner = CliRunner()
    res = runner.invoke(
        app, ["--config", str(config), "short", "--script", str(script), "--plan-only", "-o", str(plan)]
    )
    assert res.exit_code == 0, res.stderr
    assert "reelforge short --plan" in res.stdout and not (tmp_path / "short.mp4").exists()
    board = yaml.safe_load(plan.read_text())
    assert [Path(s["visual"]["path"]).name for s in board["scenes"]] == [
        "kite_flying_on_the_beach.png",
        "lighthouse_at_night.png",
    ]
    assert all(s["visual"]["score"] > 0 and s["visual"]["ranker"] for s in board["scenes"])
    assert board["request"]["language"] == "en"

    board["scenes"][0]["text"] = "A red kite dives over the sand."
    plan.write_text(yaml.safe_dump(board, sort_keys=False))
    out = tmp_path / "short.mp4"
    res = runner.invoke(app, ["--config", str(config), "short", "--plan", str(plan), "-o", str(out), "--json"])
    assert res.exit_code == 0, res.stderr
    result = json.loads(res.stdout)
    assert result["height"] > result["width"] > 0 and Path(result["path"]).is_file()
    assert result["scenes"][0]["text"] == "A red kite dives over the sand."
    assert [s["source"] for s in result["scenes"]] == ["library", "library"]
    side = json.loads(Path(result["sidecar"]).read_text())
    scenes = side["storyboard"]["scenes"]
    assert Path(scenes[0]["visual"]["path"]).name == "kite_flying_on_the_beach.png"
    assert scenes[1]["visual"]["score"] > 0.3 and "runner_up" in scenes[1]["visual"]


def test_plan_flags_refuse_what_does_not_fit(tmp_path: Path) -> None:
    config, script = setup(tmp_path)
    runner = CliRunner()
    res = runner.invoke(app, ["--config", str(config), "short", "--script", str(script), "--plan-only", "-o", "x.mp4"])
    assert res.exit_code == 2 and "plan.yaml" in res.stderr
    res = runner.invoke(app, ["--config", str(config), "short", "--plan", str(script)])
    assert res.exit_code == 2 and "not a storyboard" in res.stderr
