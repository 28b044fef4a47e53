"""A local folder of clips and images, ranked by how well names, sidecar descriptions and tags match the scene
(semantic similarity where ``reelforge[semantic]`` is installed, shared words otherwise)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

from ...media import probe
from .base import IMAGE_EXTS, VIDEO_EXTS, RankedVisual, SceneNeed, orientation_of
from .rank import Ranker, default_ranker, doc_text

ORIENTATION_BONUS = 0.05  # breaks ties between equally good files: the one that fills the frame


@dataclass(frozen=True)
class Candidate:
    path: Path
    kind: str  # clip | image
    text: str
    orientation: str


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
                    str(data.get("caption") or data.get("description") or data.get("title") or ""),
                    " ".join(map(str, tags if isinstance(tags, list) else [tags])),
                ]
        else:
            parts.append(raw)
    return " ".join(p for p in parts if p)


def _orientation(path: Path, kind: str) -> str | None:
    """The file's orientation, or None when it holds no picture. Raises when it cannot be decoded."""
    if kind == "image":
        from PIL import Image

        with Image.open(path) as im:
            im.verify()
            return orientation_of(*im.size)
    info = probe(path)
    return orientation_of(*info.display_size) if info.has_video else None


def scan(folder: Path) -> tuple[list[Candidate], list[str]]:
    """Every picture in ``folder`` (recursively) with its text, and a warning naming each file that cannot be
    decoded (such files are never shown)."""
    items: list[Candidate] = []
    warnings: list[str] = []
    if not folder.is_dir():
        return items, warnings
    for path in sorted(folder.rglob("*")):
        ext = path.suffix.lower()
        if not path.is_file() or path.name.startswith(".") or ext not in IMAGE_EXTS | VIDEO_EXTS:
            continue
        kind = "image" if ext in IMAGE_EXTS else "clip"
        try:
            orient = _orientation(path, kind)
        except Exception as exc:  # any decoder failure: the file is named and skipped
            warnings.append(f"library: skipped {path.relative_to(folder)}, it cannot be decoded ({type(exc).__name__})")
            continue
        if orient is None:
            warnings.append(f"library: skipped {path.relative_to(folder)}, it has no video stream")
            continue
        folders = " ".join(path.relative_to(folder).parts[:-1])
        items.append(Candidate(path, kind, doc_text(path.stem, _sidecar_text(path), folders), orient))
    return items, warnings


class LibrarySource:
    """``ranker`` defaults to semantic when installed; a scene whose best match scores below ``min_score``
    (default: the ranker's own) falls through to the next source. ``clip`` (a ``ClipScorer``) also scores a
    frame of the shortlisted files against the scene text."""

    name = "library"

    def __init__(
        self, folder: Path, ranker: Ranker | None = None, min_score: float | None = None, clip: object | None = None
    ) -> None:
        self.folder = Path(folder).expanduser()
        self.ranker = ranker or default_ranker()
        self.min_score = self.ranker.min_score if min_score is None else min_score
        self.clip = clip
        self.warnings: list[str] = []
        self._index: list[Candidate] | None = None

    async def _candidates(self) -> list[Candidate]:
        if self._index is None:
            self._index, self.warnings = await asyncio.to_thread(scan, self.folder)
        return self._index

    async def find(self, need: SceneNeed, cache_dir: Path) -> RankedVisual | None:
        items = await self._candidates()
        if not items:
            return None
        queries = [" ".join([*need.terms, need.scene.visual_hint or ""]).strip(), need.scene.text]
        scores = await asyncio.to_thread(self.ranker.score, queries, [c.text for c in items])
        ranker = self.ranker.name
        if self.clip is not None:
            scores, ranker = await self._with_clip(need, items, scores, cache_dir)
        fits = [(s, c) for s, c in zip(scores, items, strict=True) if s >= self.min_score]
        fresh = [(s, c) for s, c in fits if str(c.path) not in need.used]
        pool = sorted(
            fresh or fits,  # a file is shown twice only when nothing else fits
            key=lambda sc: sc[0] + (ORIENTATION_BONUS if sc[1].orientation == need.orientation else 0.0),
            reverse=True,
        )
        if not pool:
            return None
        score, best = pool[0]
        runner = pool[1] if len(pool) > 1 else None
        return RankedVisual(
            scene=need.index,
            source="library",
            kind=best.kind,  # type: ignore[arg-type]
            path=best.path,
            detail=f"{best.path.name} ({ranker} {score:.2f})",
            score=round(score, 4),
            ranker=ranker,
            runner_up=runner[1].path.name if runner else None,
            runner_up_score=round(runner[0], 4) if runner else None,
        )

    async def _with_clip(
        self, need: SceneNeed, items: list[Candidate], scores: list[float], cache_dir: Path
    ) -> tuple[list[float], str]:
        """The text score averaged with CLIP's frame score for the shortlist (the best few by text)."""
        from .clip import SHORTLIST, ClipScorer

        assert isinstance(self.clip, ClipScorer)
        order = sorted(range(len(items)), key=lambda i: scores[i], reverse=True)[:SHORTLIST]
        frames = [(items[i].path, items[i].kind) for i in order]
        seen = await self.clip.score(need.scene.text, frames, cache_dir)
        out = list(scores)
        for i, s in zip(order, seen, strict=True):
            out[i] = (scores[i] + s) / 2
        return out, f"{self.ranker.name}+clip"


__all__ = ["Candidate", "LibrarySource", "scan"]
