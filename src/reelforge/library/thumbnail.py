"""One JPEG frame from the middle of a video, at most 320 px on its long side (PyAV + Pillow, in-process).

The frame is the key frame at or before the middle: one frame decoded, however long the video.
"""

from __future__ import annotations

import io
from pathlib import Path

from ..errors import GenerationFailed
from ..media.probe import ProbeResult, open_media, probe_container

MAX_SIDE = 320
THREADED_PIXELS = 1920 * 1080


def _configure(container) -> None:  # type: ignore[no-untyped-def]
    """Decoder threads before the codec opens: they pay off on large frames only."""
    stream = container.streams.video[0]
    cc = stream.codec_context
    if cc.is_open:
        return
    if (cc.width or 0) * (cc.height or 0) >= THREADED_PIXELS:
        stream.thread_type = "AUTO"
    else:
        cc.thread_count = 1  # no decoder thread pool started and joined for a few small frames


def _frame_at(container, at: float):  # type: ignore[no-untyped-def]
    """The key frame at or before ``at``: one frame decoded, not the whole group of pictures up to ``at``."""
    stream = container.streams.video[0]
    _configure(container)
    stream.codec_context.skip_frame = "NONKEY"
    container.seek(int(at / stream.time_base) if at > 0 and stream.time_base else 0, stream=stream, backward=True)
    frame = next(iter(container.decode(stream)), None)
    return None if frame is None else frame.to_image(threads=1)  # no scaler thread pool either


def _jpeg(container, info: ProbeResult) -> bytes:  # type: ignore[no-untyped-def]
    for at in (max(0.0, info.duration_s / 2), 0.0):
        try:
            image = _frame_at(container, at)
        except Exception:
            image = None
        if image is None:
            continue
        if info.rotation:  # the display matrix turns counter-clockwise, as does Pillow
            image = image.rotate(info.rotation, expand=True)
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        w, h = image.size
        image = image.resize((max(2, w - w % 2), max(2, h - h % 2)))
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=85)
        if out.tell():
            return out.getvalue()
    raise GenerationFailed(f"no frame could be read for the thumbnail of {info.path}", stage="library")


def thumbnail_jpeg(src: Path, info: ProbeResult) -> bytes:
    """The thumbnail of ``src`` (probed as ``info``) as JPEG bytes: the middle frame, else the first."""
    with open_media(src) as container:
        return _jpeg(container, info)


def probe_with_thumbnail(src: Path) -> tuple[ProbeResult, bytes | None]:
    """Probe ``src`` and make its thumbnail (None without video), opening the file once."""
    with open_media(src) as container:
        if container.streams.video:
            _configure(container)
        info = probe_container(container, Path(src), decoder_set=bool(container.streams.video))
        return info, _jpeg(container, info) if info.has_video else None


__all__ = [
    "MAX_SIDE",
    "THREADED_PIXELS",
    "probe_with_thumbnail",
    "thumbnail_jpeg",
]
