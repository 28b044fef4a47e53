"""Fonts for everything reelforge draws: caption and title text (libass) and the procedural backend's words.

This folder also holds the shipped OFL fonts (Noto Sans regular and bold, Noto Sans Arabic, Hebrew and
Devanagari bold; licence in ``OFL.txt``). Lookup order: those files, then what fontconfig offers for
the text's characters, then font files in the usual system folders (Noto CJK, DejaVu, ...). Coverage is
checked glyph by glyph with fontTools; when no font has a character, captions are refused with a
message naming the script and how to fix it, and ``find_font`` returns None.
"""

from .choose import FontPlan, find_font, plan_fonts, script_name
from .faces import DEFAULT_FAMILY, SHIPPED_DIR, FontFace, face, link_fonts, shipped_faces
from .packaged import CJK_EXTRA_HINT, packaged_faces

__all__ = [
    "CJK_EXTRA_HINT",
    "DEFAULT_FAMILY",
    "SHIPPED_DIR",
    "FontFace",
    "FontPlan",
    "face",
    "find_font",
    "link_fonts",
    "packaged_faces",
    "plan_fonts",
    "script_name",
    "shipped_faces",
]
