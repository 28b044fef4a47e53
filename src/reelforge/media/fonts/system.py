"""Installed fonts: asked of fontconfig (``fc-list``) where it exists, else found in the usual folders.

Blocking (runs ``fc-list``, reads font files): call these from a worker thread in async code.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

from .faces import FONT_SUFFIXES, FontFace, try_face

SYSTEM_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.fonts",
    "~/.local/share/fonts",
    "/Library/Fonts",
    "/System/Library/Fonts",
    "C:/Windows/Fonts",
)
_FC_TIMEOUT_S = 20
_MAX_CHARSET = 200
_MAX_SCANNED = 3000


def _fc_list(pattern: str) -> list[FontFace]:
    """The faces ``fc-list PATTERN file index`` names (empty without fontconfig or on any failure)."""
    exe = shutil.which("fc-list")
    if exe is None:
        return []
    try:
        out = subprocess.run(
            [exe, pattern, "file", "index"], capture_output=True, text=True, timeout=_FC_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return []
    faces = []
    for line in out.stdout.splitlines():
        path, _, rest = line.partition(":")
        index = 0
        if "index=" in rest:
            try:
                index = int(rest.split("index=")[1].split(":")[0])
            except ValueError:
                index = 0
        if path and Path(path).suffix.lower() in FONT_SUFFIXES:
            found = try_face(path, index)
            if found is not None:
                faces.append(found)
    return faces


@functools.lru_cache(maxsize=256)
def _charset_faces(codes: tuple[int, ...]) -> tuple[FontFace, ...]:
    return tuple(_fc_list(":charset=" + " ".join(f"{c:x}" for c in codes)))


def fontconfig_faces(chars: str) -> list[FontFace]:
    """Installed faces that fontconfig says draw every character of ``chars`` (at most 200 are asked)."""
    if not chars:
        return []
    return list(_charset_faces(tuple(sorted({ord(c) for c in chars}))[:_MAX_CHARSET]))


@functools.cache
def scanned_faces() -> tuple[FontFace, ...]:
    """Without fontconfig: the font files in the usual folders (Noto first, at most 3000)."""
    files: list[Path] = []
    for d in SYSTEM_DIRS:
        root = Path(os.path.expanduser(d))
        if root.is_dir():
            files += [p for p in root.rglob("*") if p.suffix.lower() in FONT_SUFFIXES]
    files.sort(key=lambda p: ("noto" not in p.name.lower(), p.name))
    return tuple(f for f in map(try_face, files[:_MAX_SCANNED]) if f is not None)


def family_faces(family: str) -> list[FontFace]:
    """Installed faces of ``family`` (by fontconfig, else by scanning the usual folders)."""
    want = family.lower()
    pool = _fc_list(family) if shutil.which("fc-list") else list(scanned_faces())
    return [f for f in pool if f.family.lower() == want]


__all__ = ["SYSTEM_DIRS", "family_faces", "fontconfig_faces", "scanned_faces"]
