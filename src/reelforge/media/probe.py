"""Probe media with PyAV (the wheel's ffmpeg ships no ffprobe)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..errors import InvalidRequest


@dataclass(frozen=True)
class ProbeResult:
    path: Path
    duration_s: float
    has_video: bool
    has_audio: bool
    width: int = 0
    height: int = 0
    fps: float = 0.0
    num_frames: int = 0
    video_codec: str | None = None
    pix_fmt: str | None = None
    profile: str | None = None
    rotation: int = 0
    vfr: bool = False
    audio_codec: str | None = None
    sample_rate: int = 0
    channels: int = 0
    audio_duration_s: float = 0.0
    video_duration_s: float = 0.0
    bit_depth: int = 8

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height after applying the rotation metadata."""
        if self.rotation % 180:
            return self.height, self.width
        return self.width, self.height


def _seconds(value: int | None, tb: Fraction | None) -> float:
    if value is None or tb is None:
        return 0.0
    return float(value * tb)


def open_media(path: str | Path):  # type: ignore[no-untyped-def]
    """``av.open`` for reading. Raises ``InvalidRequest`` naming the file when it is not readable media."""
    import av

    path = Path(path)
    if not path.exists():
        raise InvalidRequest({str(path): "file not found"})
    try:
        return av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise InvalidRequest({str(path): f"not readable media ({exc})"}) from None


def probe(path: str | Path, count_frames: bool = False) -> ProbeResult:
    """Probe ``path``. Raises ``InvalidRequest`` naming the file when it is not readable media."""
    with open_media(path) as container:
        return probe_container(container, Path(path), count_frames)


def probe_container(
    container,
    path: Path,
    count_frames: bool = False,  # type: ignore[no-untyped-def]
    decoder_set: bool = False,
) -> ProbeResult:
    """Probe an open PyAV input container (left open, rewound to the start).

    ``decoder_set``: the caller has set the video decoder's threads (it decodes more frames afterwards).
    """
    vs = container.streams.video[0] if container.streams.video else None
    aus = container.streams.audio[0] if container.streams.audio else None
    fmt_duration = (container.duration or 0) / 1_000_000
    info: dict = {"path": path, "has_video": vs is not None, "has_audio": aus is not None}
    if vs is not None:
        cc = vs.codec_context
        rate = vs.average_rate or vs.guessed_rate or vs.base_rate
        fps = float(rate) if rate else 0.0
        vdur = _seconds(vs.duration, vs.time_base) or fmt_duration
        frames = vs.frames
        rotation = _rotation(container, vs, own_decoder=not decoder_set)
        rf, gf = vs.average_rate, vs.guessed_rate or vs.base_rate
        vfr = bool(rf and gf and abs(float(rf) - float(gf)) > 0.01 * float(gf))
        if count_frames or not frames:
            frames, vdur_counted = _count_frames(container, vs)
            if vdur_counted:
                vdur = vdur_counted
        pix_fmt = cc.format.name if cc.format else None
        info.update(
            width=cc.width,
            height=cc.height,
            fps=round(fps, 3),
            num_frames=int(frames or 0),
            video_codec=cc.name,
            pix_fmt=pix_fmt,
            profile=cc.profile,
            rotation=rotation,
            vfr=vfr,
            video_duration_s=vdur,
            bit_depth=10 if pix_fmt and ("10" in pix_fmt or "12" in pix_fmt) else 8,
        )
    if aus is not None:
        acc = aus.codec_context
        adur = _seconds(aus.duration, aus.time_base) or fmt_duration
        info.update(
            audio_codec=acc.name, sample_rate=acc.sample_rate or 0, channels=acc.channels or 0, audio_duration_s=adur
        )
    info["duration_s"] = fmt_duration or max(info.get("video_duration_s", 0), info.get("audio_duration_s", 0))
    return ProbeResult(**info)


def _rotation(container, vs, own_decoder: bool = True) -> int:  # type: ignore[no-untyped-def]
    """Display rotation in degrees (counter-clockwise), read from the first decoded frame's matrix."""
    meta = dict(vs.metadata or {})
    if "rotate" in meta:
        try:
            return int(meta["rotate"]) % 360
        except ValueError:
            return 0
    try:
        if own_decoder:  # one frame: a decoder thread pool would only be started and joined
            vs.codec_context.thread_count = 1
        for frame in container.decode(vs):
            return round(getattr(frame, "rotation", 0) or 0) % 360
    except Exception:
        return 0
    finally:
        container.seek(0)
    return 0


def _count_frames(container, vs) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    """Count video packets (cheap: no decoding) and measure the last pts."""
    container.seek(0)
    n = 0
    last = 0.0
    first: float | None = None
    for packet in container.demux(vs):
        if packet.size == 0 or packet.pts is None:
            continue
        n += 1
        t = float(packet.pts * packet.time_base)
        dur = float((packet.duration or 0) * packet.time_base)
        first = t if first is None else min(first, t)
        last = max(last, t + dur)
    return n, (last - (first or 0.0)) if n else 0.0


__all__ = [
    "ProbeResult",
    "open_media",
    "probe",
    "probe_container",
]
