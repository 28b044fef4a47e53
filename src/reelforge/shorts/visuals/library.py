"""A local folder of clips and images, ranked by how well names, captions and tags match the scene."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from ...media import probe
from ..models import SceneVisual
from ..plan import STOPWORDS
from .base import IMAGE_EXTS, VIDEO_EXTS, SceneNeed, orientation_of


def _tokens(text: str) -> set[str]:
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    words = {w.lower() for w in re.findall(r"[^\W\d_]+", text)}
    out = set()
    for w in words - STOPWORDS:
        out.add(w)
        if len(w) > 3 and w.endswith("s"):
            out.add(w[:-1])  # plural: "volcanoes" also matches "volcano"
        if w.endswith("es") and len(w) > 4:
            out.add(w[:-2])
    return out


def _sidecar_text(path: Path) -> str:
    parts = []
    for side in (path.with_suffix(".txt"), path.with_suffix(path.suffix + ".txt"), path.with_suffix(".json")):
        if not side.is_file():
            continue
        try:
            raw = side.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if side.suffix == ".json":
            try:
                data = json.loads(raw)
            except json.JSONDecodeError:
                continue
            if isinstance(data, dict):
                tags = data.get("tags") or []
                parts += [
                    str(data.get("caption") or data.get("description") or ""),
                    " ".join(map(str, tags if isinstance(tags, list) else [tags])),
                ]
        else:
            parts.append(raw)
    return " ".join(parts)


class LibrarySource:
    name = "library"

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder).expanduser()
        self._index: list[tuple[Path, str, set[str], str]] | None = None

    def _build(self) -> list[tuple[Path, str, set[str], str]]:
        items = []
        if not self.folder.is_dir():
            return items
        for path in sorted(self.folder.rglob("*")):
            ext = path.suffix.lower()
            if not path.is_file() or path.name.startswith(".") or ext not in IMAGE_EXTS | VIDEO_EXTS:
                continue
            kind = "image" if ext in IMAGE_EXTS else "clip"
            tokens = _tokens(path.stem.replace("_", " ").replace("-", " ")) | _tokens(_sidecar_text(path))
            tokens |= _tokens(" ".join(path.relative_to(self.folder).parts[:-1]))
            try:
                if kind == "image":
                    from PIL import Image

                    with Image.open(path) as im:
                        orient = orientation_of(*im.size)
                else:
                    info = probe(path)
                    if not info.has_video:
                        continue
                    orient = orientation_of(*info.display_size)
            except Exception:  # unreadable media is skipped, never shown
                continue
            items.append((path, kind, tokens, orient))
        return items

    async def find(self, need: SceneNeed, cache_dir: Path) -> SceneVisual | None:
        if self._index is None:
            self._index = await asyncio.to_thread(self._build)
        wanted = _tokens(" ".join(need.terms) + " " + (need.scene.visual_hint or ""))
        spoken = _tokens(need.scene.text)
        best: tuple[float, Path, str] | None = None
        for path, kind, tokens, orient in self._index:
            score = 3.0 * len(wanted & tokens) + 1.0 * len(spoken & tokens)
            if score <= 0:
                continue
            if orient == need.orientation:
                score += 0.5
            if str(path) in need.used:
                score -= 100  # reuse only when nothing else fits
            if best is None or score > best[0]:
                best = (score, path, kind)
        if best is None or best[0] <= 0:
            return None
        _, path, kind = best
        return SceneVisual(scene=need.index, source="library", kind=kind, path=path, detail=path.name)


__all__ = ["LibrarySource"]
