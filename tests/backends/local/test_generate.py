"""Tiny Wan, LTX-Video and CogVideoX models generate through the backend; the MP4 is probed."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from reelforge.backends.base import RunContext
from reelforge.backends.local.executor import InProcessExecutor
from reelforge.media import probe
from reelforge.types import VideoRequest

from .conftest import last_info, make_backend

CASES = [  # family, request size, frames asked, frames expected, fps expected
    ("wan", "16x16", 6, 5, 16.0),
    ("ltx", "64x32", 10, 9, 24.0),
    ("cogvideox", "32x32", 12, 9, 8.0),  # the tiny transformer was "trained" at 9 frames (sample_frames)
]


@pytest.mark.parametrize(("family", "size", "asked", "frames", "fps"), CASES)
async def test_generates_h264_at_the_model_rules(
    family: str,
    size: str,
    asked: int,
    frames: int,
    fps: float,
    tiny_models: dict[str, Path],
    shared_executor: InProcessExecutor,
    tmp_path: Path,
) -> None:
    backend = make_backend(tiny_models[family], shared_executor)
    plan = backend.validate(VideoRequest(prompt="a red boat on the sea", resolution=size, num_frames=asked, seed=5))
    out_path = tmp_path / "out.mp4"
    output = await backend.run(plan, RunContext(out_path=out_path))
    info = probe(out_path, count_frames=True)
    w, h = (int(x) for x in size.split("x"))
    assert (info.width, info.height) == (w, h)
    assert info.num_frames == frames == plan.num_frames
    assert info.fps == fps
    assert info.video_codec == "h264" and info.pix_fmt == "yuv420p" and not info.has_audio
    assert output.billable is False and output.actual_usd == 0.0 and output.seed == 5
    assert (
        last_info(backend)["device"] == "cpu"
        and last_info(backend)["memory"] == "none"
        and last_info(backend)["steps"] == 2
    )
    if asked != frames:
        assert any("snapped" in w for w in plan.warnings)
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]  # no temp files left beside it


def _frames(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


async def test_ltx_image_to_video_starts_from_the_image(
    tiny_models: dict[str, Path], shared_executor: InProcessExecutor, tmp_path: Path
) -> None:
    Image.new("RGB", (96, 48), (220, 30, 30)).save(tmp_path / "first.png")
    backend = make_backend(tiny_models["ltx"], shared_executor)
    plan = backend.validate(
        VideoRequest(prompt="a cat", image=tmp_path / "first.png", resolution="64x32", num_frames=9, seed=1)
    )
    assert plan.operation == "image-to-video"
    await backend.run(plan, RunContext(out_path=tmp_path / "i2v.mp4"))
    assert last_info(backend)["pipeline"] == "LTXImageToVideoPipeline"
    info = probe(tmp_path / "i2v.mp4", count_frames=True)
    assert (info.width, info.height, info.num_frames) == (64, 32, 9)


async def test_ltx_first_and_last_frame(
    tiny_models: dict[str, Path], shared_executor: InProcessExecutor, tmp_path: Path
) -> None:
    Image.new("RGB", (64, 32), (220, 30, 30)).save(tmp_path / "first.png")
    Image.new("RGB", (64, 32), (30, 30, 220)).save(tmp_path / "last.png")
    backend = make_backend(tiny_models["ltx"], shared_executor)
    plan = backend.validate(
        VideoRequest(
            prompt="a cat",
            image=tmp_path / "first.png",
            last_frame=tmp_path / "last.png",
            resolution="64x32",
            num_frames=9,
            seed=1,
        )
    )
    await backend.run(plan, RunContext(out_path=tmp_path / "flf.mp4"))
    assert last_info(backend)["pipeline"] == "LTXConditionPipeline"
    assert _frames(tmp_path / "flf.mp4").shape == (9, 32, 64, 3)


async def test_unknown_extra_is_reported_and_steps_come_from_extra(
    tiny_models: dict[str, Path], shared_executor: InProcessExecutor, tmp_path: Path
) -> None:
    backend = make_backend(tiny_models["wan"], shared_executor)
    plan = backend.validate(
        VideoRequest(
            prompt="a dog",
            resolution="32x32",
            num_frames=5,
            seed=2,
            extra={"num_inference_steps": 1, "motion_bucket_id": 3, "height": 64},
        )
    )
    output = await backend.run(plan, RunContext(out_path=tmp_path / "x.mp4"))
    assert last_info(backend)["steps"] == 1
    assert any("extra.motion_bucket_id ignored: WanPipeline does not take it" in w for w in output.warnings)
    assert any("extra.height ignored" in w for w in output.warnings)
    assert probe(tmp_path / "x.mp4").height == 32
