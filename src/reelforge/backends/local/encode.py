"""Encode generated frames to H.264 (yuv420p) at the model's fps with the shared ffmpeg, then probe.

Frames go to ffmpeg as raw RGB on stdin: no temporary image files, no ``export_to_video``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import GenerationFailed
from ...media import ProbeResult, atomic_path, probe, run_ffmpeg
from ...media.ffmpeg import libx264_args
from ...media.framerate import rate_str
from ...types import CancelToken


def to_uint8(frames: Any) -> np.ndarray:
    """(F, H, W, 3) uint8 from a pipeline's output: floats in [0, 1], uint8, a list of PIL images or a tensor."""
    if hasattr(frames, "detach"):  # a torch tensor
        frames = frames.detach().float().cpu().numpy()
    if isinstance(frames, list | tuple):
        frames = np.stack([np.asarray(f) for f in frames])
    arr = np.asarray(frames)
    if arr.ndim == 5 and arr.shape[0] == 1:  # a batch of one video
        arr = arr[0]
    if arr.ndim != 4 or arr.shape[-1] not in (3, 4):
        raise GenerationFailed(
            f"the pipeline returned frames of shape {arr.shape}, not (frames, H, W, 3)", stage="encode"
        )
    arr = arr[..., :3]
    if arr.dtype != np.uint8:
        arr = (np.clip(arr.astype(np.float32), 0.0, 1.0) * 255.0).round().astype(np.uint8)
    return np.ascontiguousarray(arr)


def encode_args(width: int, height: int, fps: float, out: Path, crf: int = 18, preset: str = "medium") -> list[str]:
    vf = ["pad=ceil(iw/2)*2:ceil(ih/2)*2"] if width % 2 or height % 2 else []  # yuv420p needs even sides
    return [
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{width}x{height}",
        "-r",
        rate_str(fps),
        "-i",
        "pipe:0",
        *(["-vf", ",".join(vf)] if vf else []),
        *libx264_args(preset, crf, profile=None),
        "-movflags",
        "+faststart",
        "-an",
        str(out),
    ]


async def encode_frames(
    frames: Any,
    fps: float,
    out_path: Path,
    *,
    cancel: CancelToken | None = None,
    on_progress: Callable[[float], None] | None = None,
    crf: int = 18,
    preset: str = "medium",
) -> ProbeResult:
    """Write ``frames`` to ``out_path`` atomically as H.264 yuv420p MP4 and return the probe of the file."""
    arr = to_uint8(frames)
    n, h, w, _ = arr.shape
    with atomic_path(out_path) as tmp:
        await run_ffmpeg(
            encode_args(w, h, fps, tmp, crf, preset),
            total_s=n / fps,
            on_progress=on_progress,
            cancel=cancel,
            stdin_data=arr.tobytes(),
        )
        info = probe(tmp, count_frames=True)
        if not info.has_video or info.num_frames != n:
            raise GenerationFailed(f"encoded {info.num_frames} frames of the {n} generated", stage="encode")
    return replace(info, path=Path(out_path))


__all__ = [
    "encode_args",
    "encode_frames",
    "to_uint8",
]
