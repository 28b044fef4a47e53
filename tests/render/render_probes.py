"""Frame and loudness probes for the renderer tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from reelforge.media import ffmpeg_exe


def frames_at(path: Path, times: list[float]) -> list[np.ndarray]:
    """RGB frames (H, W, 3) nearest to ``times`` (seconds)."""
    import av

    out: list[np.ndarray] = []
    with av.open(str(path)) as c:
        frames = [(float(f.pts * f.time_base), f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
    for t in times:
        out.append(min(frames, key=lambda x: abs(x[0] - t))[1])
    return out


def ebur128(path: Path) -> tuple[float, float]:
    """Integrated loudness and true peak of ``path``'s audio, measured by ffmpeg."""
    import re

    out = subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-map",
            "0:a",
            "-af",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
    )
    summary = out.stderr[out.stderr.rfind("Summary:") :]
    i = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))  # type: ignore[union-attr]
    tp = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))  # type: ignore[union-attr]
    return i, tp
