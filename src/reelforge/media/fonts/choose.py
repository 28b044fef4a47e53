"""Choosing fonts for text: the shipped Noto faces first, then installed fonts, checked glyph by glyph.

:func:`plan_fonts` gives a primary face plus faces filling its gaps (libass switches with ``\\fn``), for
captions and titles; :func:`find_font` gives one file drawing a whole word (``drawtext`` takes one file).
Neither ever picks a face that would draw empty boxes.
"""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import InvalidRequest
from .faces import DEFAULT_FAMILY, SHIPPED_DIR, FontFace, folder_faces, shipped_faces, try_face
from .packaged import CJK_EXTRA_HINT, packaged_faces
from .system import family_faces, fontconfig_faces, scanned_faces

# Installed fonts before the packaged CJK face: a system Noto CJK JP/KR/SC draws the regional glyph forms.
_SOURCES = ("shipped", "fontconfig", "packaged", "fontconfig-partial", "scan")
_CJK_SCRIPTS = ("CJK (Chinese/Japanese/Korean)", "Japanese", "Korean")
_INSTALL_HINT = "install Noto fonts (Debian/Ubuntu: apt-get install fonts-noto-core fonts-noto-cjk)"


@dataclass(frozen=True)
class FontPlan:
    """The primary face for a style, faces that fill its gaps, and characters nothing could draw."""

    primary: FontFace
    fallbacks: tuple[FontFace, ...] = ()
    dropped: frozenset[str] = field(default_factory=frozenset)

    @property
    def faces(self) -> tuple[FontFace, ...]:
        return (self.primary, *self.fallbacks)

    def face_for(self, ch: str) -> FontFace:
        cp = ord(ch)
        for face in self.faces:
            if cp in face.codepoints:
                return face
        return self.primary

    @property
    def description(self) -> str:
        names = [self.primary.family, *(f.family for f in self.fallbacks)]
        return " + ".join(dict.fromkeys(names))


def script_name(ch: str) -> str:
    """A reader's name for the script of ``ch`` ("Arabic", "CJK (Chinese/Japanese/Korean)", "U+1234")."""
    name = unicodedata.name(ch, "")
    if not name:
        return f"U+{ord(ch):04X}"
    first = name.split()[0]
    return {
        "CJK": "CJK (Chinese/Japanese/Korean)",
        "HIRAGANA": "Japanese",
        "KATAKANA": "Japanese",
        "HANGUL": "Korean",
    }.get(first, first.title())


def _needs_glyph(ch: str) -> bool:
    return not (ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"))


def _droppable(ch: str) -> bool:
    """Emoji and pictographs: dropped with a warning rather than failing a whole render."""
    return unicodedata.category(ch) == "So" or 0x1F000 <= ord(ch) <= 0x1FAFF


def _rank(f: FontFace, bold: bool, text: str) -> tuple[bool, bool, bool, str]:
    fam = f.family.lower()
    scripts = {script_name(c) for c in text}
    pref = "jp" if "Japanese" in scripts else "kr" if "Korean" in scripts else "sc"
    cjk_mismatch = " cjk " in f" {fam} " and not fam.endswith(pref)
    return ("noto" not in fam, cjk_mismatch, f.bold != bold, fam)


def _candidates(source: str, missing: set[str]) -> list[FontFace]:
    if source == "shipped":
        return list(shipped_faces())
    if source == "fontconfig":
        return fontconfig_faces("".join(missing))
    if source == "packaged":
        return list(packaged_faces())
    if source == "fontconfig-partial":  # fonts covering at least the non-emoji characters
        return fontconfig_faces("".join(c for c in missing if not _droppable(c)))
    return list(scanned_faces())


def _fill(primary: FontFace, chars: set[str], bold: bool, text: str) -> tuple[list[FontFace], set[str]]:
    """Faces drawing what ``primary`` cannot, source by source; and what none of them draws."""
    missing = primary.missing(chars)
    fallbacks: list[FontFace] = []
    for source in _SOURCES:
        if not missing:
            break
        found = _candidates(source, missing)
        pool = sorted((f for f in found if f not in fallbacks and f != primary), key=lambda f: _rank(f, bold, text))
        for f in pool:
            covered = missing - f.missing(missing)
            if covered:
                fallbacks.append(f)
                missing -= covered
            if not missing:
                break
    return fallbacks, missing


def plan_fonts(
    texts: Iterable[str], family: str | None = None, bold: bool = True, *, what: str = "captions"
) -> tuple[FontPlan, list[str]]:
    """Choose faces drawing every character of ``texts``; raise ``InvalidRequest`` naming the script.

    Blocking (reads font files, may run ``fc-list``): call it from a worker thread in async code.
    """
    text = "".join(texts)
    chars = {c for c in text if _needs_glyph(c)}
    warnings: list[str] = []
    primary = _primary(family, bold, warnings)
    fallbacks, missing = _fill(primary, chars, bold, text)
    needed = chars - missing
    for f in fallbacks:  # one face drawing everything reads better than a patchwork
        if needed and not f.missing(needed) and primary.missing(needed):
            fallbacks = [g for g in fallbacks if g != f]
            primary = f
            break
    dropped = {c for c in missing if _droppable(c)}
    missing -= dropped
    if missing:
        scripts = ", ".join(sorted({script_name(c) for c in missing}))
        sample = "".join(sorted(missing))[:12]
        hint = f"{_INSTALL_HINT} or set the caption font to a family that has these glyphs"
        if any(script_name(c) in _CJK_SCRIPTS for c in missing):
            hint = f"{CJK_EXTRA_HINT}, or {hint}"
        raise InvalidRequest({what: f"no installed font covers the {scripts} text ({sample!r}); {hint}"})
    if dropped:
        warnings.append(f"{what}: no font has {''.join(sorted(dropped))!r} (emoji/symbols); left out")
    return FontPlan(primary, tuple(fallbacks), frozenset(dropped)), warnings


def _primary(family: str | None, bold: bool, warnings: list[str]) -> FontFace:
    ship = shipped_faces()
    if family:
        want = family.lower()
        pool = [f for f in ship if f.family.lower() == want] or family_faces(family)
        if pool:
            return sorted(pool, key=lambda f: f.bold != bold)[0]
        warnings.append(f"font {family!r} not found; used {DEFAULT_FAMILY}")
    latin = [f for f in ship if f.family == DEFAULT_FAMILY]
    return sorted(latin, key=lambda f: f.bold != bold)[0]


def find_font(text: str = "", bundled_dir: Path = SHIPPED_DIR, *, bold: bool = True) -> Path | None:
    """One font file whose first face draws every visible character of ``text`` (any font when empty).

    The shipped fonts first (bold first, Latin before other scripts), then installed fonts ranked as
    :func:`plan_fonts` ranks them. None when no font can draw the text. Only a file's first face is
    used, since ``drawtext`` cannot pick a face inside a collection.

    Blocking (reads font files, may run ``fc-list``): call it from a worker thread in async code.
    """
    sample = text or "A"
    needed = {c for c in sample if not c.isspace()}
    bundled = shipped_faces() if bundled_dir == SHIPPED_DIR else folder_faces(bundled_dir)
    for f in sorted(bundled, key=lambda f: f.bold != bold):
        if not f.missing(needed):
            return f.path
    found = fontconfig_faces("".join(needed)) if shutil.which("fc-list") else list(scanned_faces())
    if bundled_dir == SHIPPED_DIR:  # the [cjk] extra's font is part of the install, as the shipped ones are
        found += [f for f in packaged_faces() if f not in found]
    for f in sorted(found, key=lambda f: _rank(f, bold, sample)):
        first = f if f.index == 0 else try_face(f.path)
        if first is not None and not first.missing(needed):
            return first.path
    return None


__all__ = ["FontPlan", "find_font", "plan_fonts", "script_name"]
