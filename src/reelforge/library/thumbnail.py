"""One JPEG frame from the middle of a video, at most 320 px on its long side."""

from __future__ import annotations

from pathlib import Path

from ..errors import GenerationFailed
from ..media import run_ffmpeg

MAX_SIDE = 320
_SCALE = (
    f"scale=w='min({MAX_SIDE},iw)':h='min({MAX_SIDE},ih)':force_original_aspect_ratio=decrease:force_divisible_by=2"
)


async def make_thumbnail(src: Path, dst: Path, duration_s: float) -> None:
    """Write the thumbnail of ``src`` to ``dst``; seek to the middle, falling back to the first frame."""
    for at in (max(0.0, duration_s / 2), 0.0):
        args = [
            "-ss",
            f"{at:.3f}",
            "-i",
            str(src),
            "-frames:v",
            "1",
            "-an",
            "-vf",
            _SCALE,
            "-q:v",
            "4",
            "-update",
            "1",
            "-f",
            "image2",
            str(dst),
        ]
        await run_ffmpeg(args)
        if dst.exists() and dst.stat().st_size > 0:
            return
    raise GenerationFailed(f"ffmpeg wrote no thumbnail frame for {src}", stage="library")
