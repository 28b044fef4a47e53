"""Pick fonts that cover caption text: the shipped Noto fonts first, then system fonts (fontconfig).

Coverage is checked glyph by glyph with fontTools, so a caption never renders as empty boxes: if no
font has a character, the render is refused with a message naming the script and how to fix it.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidRequest

SHIPPED_DIR = Path(__file__).parent / "fonts"
DEFAULT_FAMILY = "Noto Sans"
_SYSTEM_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.fonts",
    "~/.local/share/fonts",
    "/Library/Fonts",
    "/System/Library/Fonts",
    "C:/Windows/Fonts",
)
_FONT_EXT = (".ttf", ".otf", ".ttc", ".otc")


@dataclass(frozen=True)
class FontFace:
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
        sub = str(name.getDebugName(2) or "")
        bold = "bold" in sub.lower() or "black" in sub.lower()
        return family, bold
    finally:
        font.close()


def face(path: str | Path, index: int = 0) -> FontFace:
    family, bold = _face_info(str(path), index)
    return FontFace(family=family, path=Path(path), index=index, bold=bold)


@functools.cache
def shipped_faces() -> tuple[FontFace, ...]:
    files = sorted(p for p in SHIPPED_DIR.iterdir() if p.suffix.lower() in _FONT_EXT)
    # Latin first, then the script fonts, so Latin text lands on Noto Sans.
    files.sort(key=lambda p: (not p.name.startswith("NotoSans-"), p.name))
    return tuple(face(p) for p in files)


def _fc_list(chars: str) -> list[FontFace]:
    exe = shutil.which("fc-list")
    if not exe or not chars:
        return []
    spec = ":charset=" + " ".join(f"{ord(c):x}" for c in sorted(set(chars))[:200])
    try:
        out = subprocess.run([exe, spec, "file", "index"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
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
        if path and Path(path).suffix.lower() in _FONT_EXT:
            try:
                faces.append(face(path, index))
            except Exception:  # unreadable font file: skip it
                continue
    return faces


def _scan_dirs() -> list[FontFace]:
    """Without fontconfig: list font files in the usual folders (Noto first)."""
    files: list[Path] = []
    for d in _SYSTEM_DIRS:
        root = Path(os.path.expanduser(d))
        if root.is_dir():
            files += [p for p in root.rglob("*") if p.suffix.lower() in _FONT_EXT]
    files.sort(key=lambda p: ("noto" not in p.name.lower(), p.name))
    out = []
    for p in files[:3000]:
        try:
            out.append(face(p))
        except Exception:
            continue
    return out


def _script(ch: str) -> str:
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
    scripts = {_script(c) for c in text}
    pref = "jp" if "Japanese" in scripts else "kr" if "Korean" in scripts else "sc"
    cjk_mismatch = " cjk " in f" {fam} " and not fam.endswith(pref)
    return ("noto" not in fam, cjk_mismatch, f.bold != bold, fam)


def _candidates(source: str, missing: set[str]) -> list[FontFace]:
    if source == "shipped":
        return list(shipped_faces())
    if source == "fontconfig":
        return _fc_list("".join(missing))
    if source == "fontconfig-partial":  # fonts covering at least the non-emoji characters
        return _fc_list("".join(c for c in missing if not _droppable(c)))
    return _scan_dirs()


def plan_fonts(
    texts: Iterable[str], family: str | None = None, bold: bool = True, *, what: str = "captions"
) -> tuple[FontPlan, list[str]]:
    """Choose faces drawing every character of ``texts``; raise ``InvalidRequest`` naming the script."""
    text = "".join(texts)
    chars = {c for c in text if _needs_glyph(c)}
    warnings: list[str] = []
    primary = _primary(family, bold, warnings)
    missing = primary.missing(chars)
    fallbacks: list[FontFace] = []
    for source in ("shipped", "fontconfig", "fontconfig-partial", "scan"):
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
    needed = chars - missing
    for f in fallbacks:  # one face drawing everything reads better than a patchwork
        if needed and not f.missing(needed) and primary.missing(needed):
            fallbacks = [g for g in fallbacks if g != f]
            primary = f
            break
    dropped = {c for c in missing if _droppable(c)}
    missing -= dropped
    if missing:
        scripts = sorted({_script(c) for c in missing})
        sample = "".join(sorted(missing))[:12]
        raise InvalidRequest(
            {
                what: (
                    f"no installed font covers the {', '.join(scripts)} text ({sample!r}); install Noto fonts "
                    "(Debian/Ubuntu: apt-get install fonts-noto-core fonts-noto-cjk) or set the caption font "
                    "to a family that has these glyphs"
                )
            }
        )
    if dropped:
        warnings.append(f"{what}: no font has {''.join(sorted(dropped))!r} (emoji/symbols); left out")
    return FontPlan(primary, tuple(fallbacks), frozenset(dropped)), warnings


def _primary(family: str | None, bold: bool, warnings: list[str]) -> FontFace:
    ship = shipped_faces()
    if family:
        want = family.lower()
        pool = [f for f in ship if f.family.lower() == want]
        if not pool:
            pool = [f for f in _family_faces(family) if f.family.lower() == want]
        if pool:
            return sorted(pool, key=lambda f: f.bold != bold)[0]
        warnings.append(f"font {family!r} not found; used {DEFAULT_FAMILY}")
    latin = [f for f in ship if f.family == DEFAULT_FAMILY]
    return sorted(latin, key=lambda f: f.bold != bold)[0]


def _family_faces(family: str) -> list[FontFace]:
    exe = shutil.which("fc-list")
    if exe:
        try:
            out = subprocess.run([exe, family, "file", "index"], capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            return []
        faces = []
        for line in out.stdout.splitlines():
            path, _, rest = line.partition(":")
            idx = int(rest.split("index=")[1].split(":")[0]) if "index=" in rest else 0
            try:
                faces.append(face(path, idx))
            except Exception:
                continue
        return faces
    return [f for f in _scan_dirs() if f.family.lower() == family.lower()]


def link_fonts(plan_faces: Iterable[FontFace], folder: Path) -> Path:
    """Gather the chosen font files into ``folder`` (libass's ``fontsdir``): symlink, else copy."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in dict.fromkeys(p.path for p in plan_faces):
        dest = folder / f.name
        if dest.exists():
            continue
        try:
            dest.symlink_to(f.resolve())
        except OSError:
            shutil.copyfile(f, dest)
    return folder
