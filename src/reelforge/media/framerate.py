"""Frame rates as exact fractions: parsing, the ffmpeg spelling, frame counts.

ffmpeg wants a rate as ``30`` or ``30000/1001``. :func:`frame_rate` reads an int, a float, a
:class:`~fractions.Fraction` or a string (``"25"``, ``"12.5"``, ``"30000/1001"``) and keeps the nearest
fraction with a denominator of at most 1001, so ``30000/1001`` written as a float comes back exact.
A rounded decimal stays what it says (``29.97`` is ``2997/100``, not ``30000/1001``): give NTSC rates
as fractions.
"""

from __future__ import annotations

import math
from fractions import Fraction

from ..errors import InvalidRequest

FrameRate = int | float | str | Fraction

MAX_DENOMINATOR = 1001


def _parse(fps: FrameRate) -> Fraction | float:
    if isinstance(fps, float):
        return fps
    try:
        return Fraction(fps.strip() if isinstance(fps, str) else fps)
    except (ValueError, ZeroDivisionError):
        raise InvalidRequest({"fps": f"cannot read {fps!r} as a frame rate (write 30, 12.5 or 30000/1001)"}) from None


def frame_rate(fps: FrameRate) -> Fraction:
    """``fps`` as an exact positive fraction (``30000/1001`` as float or text stays 30000/1001, 12.5 -> 25/2)."""
    value = _parse(fps)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidRequest({"fps": f"frame rate {fps!r} is not a finite number"})
        value = Fraction(value).limit_denominator(MAX_DENOMINATOR)
    if value <= 0:
        raise InvalidRequest({"fps": f"frame rate {fps!r} must be above zero"})
    return value


def rate_str(fps: FrameRate) -> str:
    """The rate as ffmpeg reads it: ``"30"`` or ``"30000/1001"``."""
    rate = frame_rate(fps)
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def frame_count(seconds: float, fps: FrameRate) -> int:
    """Whole frames in ``seconds`` at ``fps`` (nearest, never negative).

    Counted in floating point, as the request validation counts them, so a duration written in decimals
    (3.48 s at 12.5 fps: 43.5 frames) rounds the way it reads, not by its binary expansion.
    """
    return max(0, round(seconds * float(frame_rate(fps))))


__all__ = ["FrameRate", "frame_count", "frame_rate", "rate_str"]
