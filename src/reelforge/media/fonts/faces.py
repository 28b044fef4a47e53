"""Font faces: the shipped Noto files, reading a face's name and character map, linking files for libass."""

from __future__ import annotations

import functools
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SHIPPED_DIR = Path(__file__).resolve().parent
DEFAULT_FAMILY = "Noto Sans"
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")


@dataclass(frozen=True)
class FontFace:
    """One face of a font file (``index`` picks the face inside a collection)."""

    family: str
    path: Path
    index: int = 0
    bold: bool = False

    @property
    def codepoints(self) -> frozenset[int]:
        return _cmap(str(self.path), self.index)

    def missing(self, chars: Iterable[str]) -> set[str]:
        cps = self.codepoints
        return {c for c in chars if ord(c) not in cps}


@functools.cache
def _cmap(path: str, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


@functools.cache
def _face_info(path: str, index: int) -> tuple[str, bool]:
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        name = font["name"]
        family = str(name.getDebugName(1) or Path(path).stem)
        sub = str(name.getDebugName(17) or name.getDebugName(2) or "").lower()
        weight = font["OS/2"].usWeightClass if "OS/2" in font else 400
        return family, "bold" in sub or "black" in sub or weight >= 600
    finally:
        font.close()


def face(path: str | Path, index: int = 0) -> FontFace:
    """The face at ``index`` of the font file ``path`` (raises when the file is not a font)."""
    family, bold = _face_info(str(path), index)
    return FontFace(family=family, path=Path(path), index=index, bold=bold)


def try_face(path: str | Path, index: int = 0) -> FontFace | None:
    """Like :func:`face`, None for a file that cannot be read as a font."""
    try:
        return face(path, index)
    except Exception:  # fontTools raises many kinds on a damaged or foreign file
        return None


def folder_faces(folder: Path) -> tuple[FontFace, ...]:
    """Every readable font in ``folder`` (not its subfolders), Latin Noto Sans first, then by file name."""
    if not folder.is_dir():
        return ()
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in FONT_SUFFIXES)
    # Latin first, then the script fonts, so Latin text lands on Noto Sans.
    files.sort(key=lambda p: (not p.name.startswith("NotoSans-"), p.name))
    return tuple(f for f in map(try_face, files) if f is not None)


@functools.cache
def shipped_faces() -> tuple[FontFace, ...]:
    """The OFL Noto fonts shipped with reelforge (Latin, Arabic, Hebrew, Devanagari)."""
    return folder_faces(SHIPPED_DIR)


def link_fonts(faces: Iterable[FontFace], folder: Path) -> Path:
    """Gather the chosen font files into ``folder`` (libass's ``fontsdir``): symlink, else copy."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in dict.fromkeys(p.path for p in faces):
        dest = folder / f.name
        if dest.exists():
            continue
        try:
            dest.symlink_to(f.resolve())
        except OSError:
            shutil.copyfile(f, dest)
    return folder


__all__ = [
    "DEFAULT_FAMILY",
    "FONT_SUFFIXES",
    "SHIPPED_DIR",
    "FontFace",
    "face",
    "folder_faces",
    "link_fonts",
    "shipped_faces",
    "try_face",
]
