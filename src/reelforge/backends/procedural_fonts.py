"""Font lookup for the procedural backend's typography.

Order: the OFL fonts shipped in ``reelforge/render/fonts`` (bold first), then whatever fontconfig's
``fc-match`` offers for the text's characters, then DejaVu in the usual system places. A font is only
chosen when it has a glyph for every character of the text, so a word is either drawn properly or not
at all (the caller then reports that in ``warnings``).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "render" / "fonts"
DEJAVU = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    Path("/Library/Fonts/DejaVuSans-Bold.ttf"),
)
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")


def bundled_fonts(folder: Path = BUNDLED_DIR) -> list[Path]:
    """The shipped fonts, bold faces first, Latin (NotoSans) before other scripts."""
    if not folder.is_dir():
        return []
    fonts = [p for p in folder.iterdir() if p.suffix.lower() in FONT_SUFFIXES]
    return sorted(fonts, key=lambda p: ("Bold" not in p.stem, p.stem != "NotoSans-Bold", p.name))


@functools.cache
def _charset(path: Path) -> frozenset[int]:
    """Code points the font maps (empty when the file cannot be read as a font)."""
    try:
        from fontTools.ttLib import TTFont

        with TTFont(str(path), fontNumber=0, lazy=True) as font:
            return frozenset(font.getBestCmap() or {})
    except Exception:
        return frozenset()


def covers(path: Path, text: str) -> bool:
    """True when ``path`` has a glyph for every visible character of ``text``."""
    needed = {ord(c) for c in text if not c.isspace()}
    cmap = _charset(path)
    return bool(cmap) and needed <= cmap


@functools.cache
def _fc_match(text: str) -> Path | None:
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    pattern = "sans:bold"
    codes = sorted({ord(c) for c in text if not c.isspace()})
    if codes:
        pattern += ":charset=" + " ".join(f"{c:x}" for c in codes[:64])
    try:
        out = subprocess.run([exe, "-f", "%{file}", pattern], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None
    return path if path is not None and path.is_file() else None


def find_font(text: str = "", bundled_dir: Path = BUNDLED_DIR) -> Path | None:
    """A font file that can draw ``text`` (any font when empty), or None when there is none.

    Blocking (reads font files, may run ``fc-match``): call it from a worker thread in async code.
    """
    sample = text or "A"
    for path in bundled_fonts(bundled_dir):
        if covers(path, sample):
            return path
    fc = _fc_match(text)
    for path in ([fc] if fc is not None else []) + [p for p in DEJAVU if p.is_file()]:
        if covers(path, sample):
            return path
    return None


__all__ = ["BUNDLED_DIR", "bundled_fonts", "covers", "find_font"]
