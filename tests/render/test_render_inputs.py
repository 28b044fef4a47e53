"""Bad inputs are refused before rendering, naming the file; cancellation leaves nothing behind."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from reelforge.errors import Cancelled, InvalidRequest
from reelforge.render import (
    ClipVisual,
    ColorVisual,
    GeneratedVisual,
    ImageVisual,
    Music,
    OutputSpec,
    Scene,
    Timeline,
    render_timeline,
)
from reelforge.render.encode import choose_encoder
from reelforge.types import CancelToken, VideoRequest

OUT = OutputSpec(width=64, height=64, fps=10, quality="draft")


@pytest.mark.parametrize(
    "name,words",
    [
        ("garbage", "not readable media"),
        ("truncated", "not readable"),
        ("audio_only", "no video stream"),
        ("bad_image", "unsupported image format"),
    ],
)
async def test_bad_visual_is_refused_naming_the_file(
    media: dict[str, Path], tmp_path: Path, name: str, words: str
) -> None:
    path = media[name]
    visual = ImageVisual(path=path) if name == "bad_image" else ClipVisual(path=path)
    tl = Timeline(output=OUT, scenes=[Scene(duration_s=1, visual=visual)])
    with pytest.raises(InvalidRequest) as exc:
        await render_timeline(tl, tmp_path / "x.mp4")
    assert str(path) in str(exc.value) and words in str(exc.value)
    assert not (tmp_path / "x.mp4").exists()


async def test_bad_audio_is_refused(media: dict[str, Path], tmp_path: Path) -> None:
    tl = Timeline(
        output=OUT,
        scenes=[Scene(duration_s=1, visual=ColorVisual())],
        narration=media["empty_audio"],
        music=Music(path=media["clip60"]),
    )
    with pytest.raises(InvalidRequest) as exc:
        await render_timeline(tl, tmp_path / "x.mp4")
    msg = str(exc.value)
    assert str(media["empty_audio"]) in msg and "zero-length" in msg
    assert str(media["clip60"]) in msg and "no audio stream" in msg


async def test_cancel_kills_ffmpeg_and_removes_partial_output(tmp_path: Path) -> None:
    tl = Timeline(
        output=OutputSpec(width=640, height=360, fps=30, quality="high"),
        scenes=[Scene(duration_s=120, visual=ColorVisual(color="#336699", gradient_to="#000000"))],
    )
    token = CancelToken()

    def progress(f: float, msg: str) -> None:
        if msg == "rendering" and f > 0.1:
            token.cancel()

    with pytest.raises(Cancelled):
        await asyncio.wait_for(render_timeline(tl, tmp_path / "c.mp4", on_progress=progress, cancel=token), 60)
    assert list(tmp_path.iterdir()) == []


async def test_generated_visual_uses_the_injected_generator(media: dict[str, Path], tmp_path: Path) -> None:
    calls: list[VideoRequest] = []

    async def generate(req: VideoRequest) -> Path:
        calls.append(req)
        return media["vfr"]

    tl = Timeline(
        output=OUT, scenes=[Scene(duration_s=1, visual=GeneratedVisual(request=VideoRequest(prompt="a paper boat")))]
    )
    res = await render_timeline(tl, tmp_path / "g.mp4", generate=generate)
    assert [c.prompt for c in calls] == ["a paper boat"] and res.num_frames == 10
    with pytest.raises(InvalidRequest, match="generate"):
        await render_timeline(tl, tmp_path / "g2.mp4")


def test_missing_hardware_encoder_falls_back_and_says_so() -> None:
    enc = choose_encoder(OutputSpec(encoder="h264_nvenc"))
    if enc.name == "h264_nvenc":
        pytest.skip("a working NVENC is present here")
    assert enc.name == "libx264" and "h264_nvenc" in enc.warnings[0] and "libx264" in enc.warnings[0]
    with pytest.raises(InvalidRequest, match=r"output\.encoder"):
        choose_encoder(OutputSpec(encoder="libx265"))


def test_output_spec_sizes() -> None:
    assert OutputSpec().size == (1080, 1920)
    assert OutputSpec(aspect_ratio="16:9", resolution=720).size == (1280, 720)
    assert OutputSpec(aspect_ratio="1:1").size == (1080, 1080)
    with pytest.raises(ValueError, match="even"):
        OutputSpec(width=101, height=100)
