"""What stands behind the captions: representative colours of each scene's caption band, for contrast checks.

Blocking (decodes an image or one video frame): called from ``write_captions``, which runs in a worker thread.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .styles import rgb_of
from .timeline import ClipVisual, ColorVisual, ImageVisual, Visual

RGB = tuple[float, float, float]
_SAMPLE_SHORT_SIDE = 270  # measure on a small copy: statistics need no detail


def _frame_of_clip(path: Path, at_s: float) -> np.ndarray | None:
    import av

    try:
        with av.open(str(path)) as c:
            stream = c.streams.video[0]
            if stream.time_base is not None and at_s > 0:
                c.seek(int(at_s / stream.time_base), stream=stream)
            for frame in c.decode(video=0):
                return frame.to_ndarray(format="rgb24")
    except (av.error.FFmpegError, IndexError, OSError):
        return None
    return None


def _frame_of_image(path: Path, size: tuple[int, int]) -> np.ndarray | None:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.draft("RGB", _draft_size(img.size, size))
            return np.asarray(ImageOps.exif_transpose(img).convert("RGB"))
    except (OSError, UnidentifiedImageError):
        return None


def _draft_size(image: tuple[int, int], size: tuple[int, int]) -> tuple[int, int]:
    """The smallest decode of ``image`` whose cover-fit crop to ``size``'s aspect still holds the sample: a JPEG
    then decodes at 1/2, 1/4 or 1/8 scale (a fraction of the time; the statistics need no detail)."""
    (iw, ih), (w, h) = image, size
    k = _SAMPLE_SHORT_SIDE / min(w, h)
    crop_w, crop_h = min(iw, ih * w / h), min(ih, iw * h / w)
    scale = min(1.0, max(w * k / crop_w, h * k / crop_h))
    return max(1, math.ceil(iw * scale)), max(1, math.ceil(ih * scale))


def _band_colours(frame: np.ndarray, size: tuple[int, int], band: tuple[float, float]) -> list[RGB]:
    """Cover-fit ``frame`` to the output's aspect, keep the caption band, and give its dark and light ends:
    the mean colour of its darkest and of its lightest tenth."""
    from PIL import Image, ImageOps

    w, h = size
    k = _SAMPLE_SHORT_SIDE / min(w, h)
    small = ImageOps.fit(Image.fromarray(frame), (max(2, round(w * k)), max(2, round(h * k))))
    arr = np.asarray(small, dtype=float)
    y0, y1 = round(band[0] * arr.shape[0]), max(round(band[0] * arr.shape[0]) + 1, round(band[1] * arr.shape[0]))
    px = arr[y0:y1].reshape(-1, 3)
    lum = px @ np.array([0.2126, 0.7152, 0.0722])
    lo, hi = np.percentile(lum, 10), np.percentile(lum, 90)
    return [tuple(px[lum <= lo].mean(axis=0)), tuple(px[lum >= hi].mean(axis=0))]  # type: ignore[list-item]


def scene_backdrops(visual: Visual, size: tuple[int, int], band: tuple[float, float], duration_s: float) -> list[RGB]:
    """Colours behind the caption band of one scene (empty where it cannot be known before rendering)."""
    if isinstance(visual, ColorVisual):
        return [rgb_of(c) for c in (visual.color, visual.gradient_to) if c]  # type: ignore[misc]
    frame = None
    if isinstance(visual, ImageVisual):
        frame = _frame_of_image(visual.path, size)
    elif isinstance(visual, ClipVisual):
        frame = _frame_of_clip(visual.path, visual.start_s + duration_s / 2)
    return [] if frame is None else _band_colours(frame, size, band)


__all__ = ["scene_backdrops"]
