"""CLIP frame scoring: how well a frame of each shortlisted file shows the scene's text (``reelforge[local]``).

Configured with ``shorts.visuals.clip_model``: any Hugging Face id or a local folder holding a CLIP model and
its processor. The library source averages this with the text score of its best few candidates.
"""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from typing import Any

from ...errors import BackendUnavailable, InvalidRequest

SHORTLIST = 4  # candidates whose frame is scored
MATCH_COSINE = 0.35  # a CLIP image-text cosine this high counts as a full match (1.0)


@functools.lru_cache(maxsize=2)
def _load(model: str) -> tuple[Any, Any]:
    try:
        from transformers import CLIPModel, CLIPProcessor
    except ImportError:
        raise BackendUnavailable("CLIP frame scoring needs transformers: pip install 'reelforge[local]'") from None
    try:
        return CLIPModel.from_pretrained(model).eval(), CLIPProcessor.from_pretrained(model)
    except (OSError, ValueError) as exc:
        raise InvalidRequest({"shorts.visuals.clip_model": f"cannot load CLIP model {model!r}: {exc}"}) from None


def frame_of(path: Path, kind: str) -> Any:
    """A PIL image of the file: the image itself, or a frame a second into the clip (its first for short ones)."""
    from PIL import Image

    if kind == "image":
        with Image.open(path) as im:
            return im.convert("RGB")
    import av

    with av.open(str(path)) as container:
        frames = container.decode(video=0)
        first = None
        for frame in frames:
            first = first or frame
            if frame.time is not None and frame.time >= 1.0:
                return frame.to_image()
        if first is None:
            raise ValueError(f"{path.name} has no frames")
        return first.to_image()


def _features(out: Any) -> Any:
    """transformers returns a tensor, or an output whose pooled embedding is the projection."""
    return out if hasattr(out, "norm") else getattr(out, "pooler_output", out[0])


class ClipScorer:
    def __init__(self, model: str) -> None:
        self.model = model

    def score_frames(self, text: str, frames: list[tuple[Path, str]]) -> list[float]:
        """One score in [0, 1] per (path, kind); an undecodable file scores 0. Blocking."""
        import torch

        model, processor = _load(self.model)
        images, ok = [], []
        for path, kind in frames:
            try:
                images.append(frame_of(path, kind))
                ok.append(True)
            except Exception:  # a file that cannot be decoded is not shown
                ok.append(False)
        if not images:
            return [0.0] * len(frames)
        with torch.no_grad():
            t = processor(text=[text], return_tensors="pt", padding=True, truncation=True)
            i = processor(images=images, return_tensors="pt")
            text_emb = _features(model.get_text_features(**t))
            image_emb = _features(model.get_image_features(**i))
        text_emb = text_emb / text_emb.norm(dim=-1, keepdim=True)
        image_emb = image_emb / image_emb.norm(dim=-1, keepdim=True)
        cos = (image_emb @ text_emb.T).squeeze(-1).tolist()
        scores = iter(max(0.0, min(1.0, c / MATCH_COSINE)) for c in cos)
        return [next(scores) if good else 0.0 for good in ok]

    async def score(self, text: str, frames: list[tuple[Path, str]], cache_dir: Path) -> list[float]:
        return await asyncio.to_thread(self.score_frames, text, frames)


__all__ = ["MATCH_COSINE", "SHORTLIST", "ClipScorer", "frame_of"]
