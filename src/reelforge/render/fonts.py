"""Moved to :mod:`reelforge.media.fonts`, which the renderer and the procedural backend share."""

from ..media.fonts import SHIPPED_DIR, FontFace, FontPlan, link_fonts, plan_fonts

__all__ = ["SHIPPED_DIR", "FontFace", "FontPlan", "link_fonts", "plan_fonts"]
