"""Choose the H.264 encoder and its arguments; hardware encoders fall back to libx264 and say so."""

from __future__ import annotations

import functools
import subprocess
from dataclasses import dataclass, field

from ..errors import InvalidRequest
from ..media import ffmpeg_exe, has_encoder
from ..media.ffmpeg import libx264_args
from .timeline import OutputSpec

# preset, crf per quality for libx264; "veryfast" is where x264 stops paying much size for speed.
X264 = {"draft": ("superfast", 26), "standard": ("veryfast", 21), "high": ("medium", 19)}
_HW_Q = {"draft": 28, "standard": 23, "high": 20}
HARDWARE = ("h264_nvenc", "h264_qsv", "h264_videotoolbox", "h264_amf")


@dataclass
class Encoder:
    name: str
    args: list[str]
    warnings: list[str] = field(default_factory=list)


@functools.cache
def _works(name: str, exe: str) -> str | None:
    """None when ``name`` encodes a tiny frame on this machine, else ffmpeg's reason."""
    argv = [
        exe,
        "-hide_banner",
        "-nostdin",
        "-f",
        "lavfi",
        "-i",
        "color=c=black:s=256x256:r=30:d=0.1",
        "-frames:v",
        "2",
        "-c:v",
        name,
        "-pix_fmt",
        "yuv420p" if name != "h264_qsv" else "nv12",
        "-f",
        "null",
        "-",
    ]
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if out.returncode == 0:
        return None
    lines = [ln for ln in out.stderr.strip().splitlines() if ln.strip()]
    return " | ".join(lines[-2:]) or f"exit code {out.returncode}"


def _gop(spec: OutputSpec) -> list[str]:
    g = max(1, int(spec.fps * spec.keyframe_interval_s))
    return ["-g", str(g), "-keyint_min", str(min(g, max(1, int(spec.fps))))]


def x264_args(spec: OutputSpec) -> list[str]:
    preset, crf = X264[spec.quality]
    args = [*libx264_args(preset, crf), *_gop(spec)]
    if spec.threads:
        args += ["-threads", str(spec.threads)]
    return args


def hardware_args(name: str, spec: OutputSpec) -> list[str]:
    q = str(_HW_Q[spec.quality])
    per = {
        "h264_nvenc": ["-preset", "p5", "-tune", "hq", "-rc", "vbr", "-cq", q, "-b:v", "0", "-pix_fmt", "yuv420p"],
        "h264_qsv": ["-preset", "medium", "-global_quality", q, "-pix_fmt", "nv12"],
        "h264_videotoolbox": ["-q:v", str(100 - 2 * int(q)), "-pix_fmt", "yuv420p"],
        "h264_amf": ["-quality", "balanced", "-rc", "cqp", "-qp_i", q, "-qp_p", q, "-pix_fmt", "yuv420p"],
    }[name]
    return ["-c:v", name, *per, "-profile:v", "high", *_gop(spec)]


def choose_encoder(spec: OutputSpec) -> Encoder:
    """``auto``/``libx264`` → libx264; a hardware name is used when it works here, else libx264 + warning."""
    name = spec.encoder
    if name in ("auto", "libx264"):
        return Encoder("libx264", x264_args(spec))
    if name not in HARDWARE:
        raise InvalidRequest(
            {"output.encoder": (f"unsupported encoder {name!r}; use auto, libx264 or one of {', '.join(HARDWARE)}")}
        )
    exe = ffmpeg_exe()
    reason = "not in this ffmpeg build" if not has_encoder(name, exe) else _works(name, exe)
    if reason is None:
        return Encoder(name, hardware_args(name, spec))
    return Encoder("libx264", x264_args(spec), [f"encoder {name} unavailable ({reason}); used libx264"])


__all__ = [
    "HARDWARE",
    "X264",
    "Encoder",
    "choose_encoder",
    "hardware_args",
    "x264_args",
]
