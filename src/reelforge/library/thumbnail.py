"""One JPEG frame from the middle of a video, at most 320 px on its long side (PyAV + Pillow, in-process)."""

from __future__ import annotations

from pathlib import Path

from ..errors import GenerationFailed

MAX_SIDE = 320
THREADED_PIXELS = 1920 * 1080


def _frame_at(src: Path, at: float):  # type: ignore[no-untyped-def]
    import av

    with av.open(str(src)) as container:
        stream = container.streams.video[0]
        cc = stream.codec_context
        if (cc.width or 0) * (cc.height or 0) >= THREADED_PIXELS:  # threads pay off on large frames only
            stream.thread_type = "AUTO"
        else:
            cc.thread_count = 1  # no decoder thread pool started and joined for a few small frames
        if at > 0 and stream.time_base:
            container.seek(int(at / stream.time_base), stream=stream, backward=True)
        best = None
        for frame in container.decode(stream):
            best = frame
            if frame.time is None or frame.time >= at:
                break
        return None if best is None else best.to_image(threads=1)  # no scaler thread pool either


def write_thumbnail(src: Path, dst: Path, duration_s: float) -> None:
    for at in (max(0.0, duration_s / 2), 0.0):
        try:
            image = _frame_at(src, at)
        except Exception:
            image = None
        if image is None:
            continue
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        w, h = image.size
        image = image.resize((max(2, w - w % 2), max(2, h - h % 2)))
        image.convert("RGB").save(dst, "JPEG", quality=85)
        if dst.exists() and dst.stat().st_size > 0:
            return
    raise GenerationFailed(f"no frame could be read for the thumbnail of {src}", stage="library")

