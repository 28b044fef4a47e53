"""Moved to :mod:`reelforge.media.fonts`, which the procedural backend and the renderer share."""

from ..media.fonts import SHIPPED_DIR, find_font

__all__ = ["SHIPPED_DIR", "find_font"]
