"""The public entry points across event loops."""

from __future__ import annotations

import asyncio
from pathlib import Path

import reelforge as rf
from reelforge.config import Config


def test_one_config_across_event_loops(tmp_path: Path) -> None:
    config = Config.from_dict({"data_dir": str(tmp_path / "data")})
    request = rf.VideoRequest(
        prompt="a red kite over green hills", duration_s=0.5, resolution="96x64", backend="procedural", fps=8
    )
    first = asyncio.run(rf.agenerate(request, config=config))
    second = asyncio.run(rf.agenerate(request, config=config))  # a new loop: a new engine, no closed client
    assert (first.width, first.height, first.num_frames) == (96, 64, 4)
    assert second.path.exists()


def test_sync_generate_and_estimate(tmp_path: Path) -> None:
    config = Config.from_dict({"data_dir": str(tmp_path / "data")})
    request = rf.VideoRequest(prompt="neon city at night", duration_s=0.5, resolution="64x64", seed=5, fps=8)
    result = rf.generate(request, config=config)
    assert result.backend == "procedural" and result.seed == 5 and result.cost.estimated_usd == 0
    again = rf.generate(request, config=config)
    assert again.cached and again.asset_id == result.asset_id
    assert rf.estimate(request, config=config)["estimated_usd"] == 0
