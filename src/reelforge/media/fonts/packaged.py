"""Fonts installed from PyPI: Noto Sans CJK (OFL) for Chinese, Japanese and Korean on machines without system fonts.

``pip install 'reelforge[cjk]'`` brings ``cvttf-NotoSansCJK-Bold``, a wheel holding Noto Sans CJK TC Bold (the
SIL Open Font License 1.1 is embedded in the font's name table). One Noto Sans CJK face draws Chinese (simplified
and traditional), Japanese kana and Korean hangul. Without the extra, nothing here is found and lookup goes on to
the installed system fonts.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from .faces import FONT_SUFFIXES, FontFace, try_face

# Python packages whose folder holds an OFL CJK font file, in order of preference.
PACKAGES = ("cvttf_NotoSansCJK_Bold",)
CJK_EXTRA_HINT = "pip install 'reelforge[cjk]' (an OFL Noto Sans CJK font from PyPI)"


def _package_dir(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@functools.cache
def packaged_faces() -> tuple[FontFace, ...]:
    """Faces of the font packages in :data:`PACKAGES` that are installed (empty when none is)."""
    faces: list[FontFace] = []
    for name in PACKAGES:
        folder = _package_dir(name)
        if folder is None or not folder.is_dir():
            continue
        for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in FONT_SUFFIXES):
            found = try_face(path)
            if found is not None:
                faces.append(found)
    return tuple(faces)


__all__ = ["CJK_EXTRA_HINT", "PACKAGES", "packaged_faces"]
