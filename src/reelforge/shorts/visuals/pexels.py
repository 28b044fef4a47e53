"""Pexels video and photo search (https://www.pexels.com/api/documentation/#videos-search, #photos-search);
results ranked by how well their page slug, tags and alt text match the scene, then by how well the file fits.
Videos are searched first; a term whose videos all miss the score floor tries photos."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from .base import RankedVisual, SceneNeed
from .rank import Ranker
from .stock import StockSource, fit_score, get_json, rank_results, result_text, slug_words


def _best_file(video: dict[str, Any], need: SceneNeed) -> tuple[float, dict[str, Any]] | None:
    options = []
    for f in video.get("video_files") or []:
        if f.get("file_type") != "video/mp4" or not f.get("link") or not f.get("width"):
            continue
        fit = fit_score(
            int(f["width"]), int(f.get("height") or 0), float(video.get("duration") or 0), need.duration_s,
            need.orientation,
        )  # fmt: skip
        options.append((fit, f))
    return max(options, key=lambda o: o[0]) if options else None


class PexelsSource(StockSource):
    name = "pexels"

    def __init__(
        self,
        api_key: str,
        base_url: str = "https://api.pexels.com",
        transport: httpx.AsyncBaseTransport | None = None,
        ranker: Ranker | None = None,
        min_score: float | None = None,
    ) -> None:
        client = httpx.AsyncClient(timeout=60, transport=transport, headers={"Authorization": api_key})
        super().__init__(base_url, client, ranker, min_score)

    async def _video(self, need: SceneNeed, term: str, cache_dir: Path) -> RankedVisual | None:
        orientation = {"square": "square"}.get(need.orientation, need.orientation)
        data = await get_json(
            self._client,
            "Pexels",
            f"{self.base_url}/videos/search",
            params={"query": term, "orientation": orientation, "per_page": 15, "size": "medium"},
        )
        fits, items, texts = [], [], []
        for video in data.get("videos") or []:
            best = None if f"pexels:{video.get('id')}" in need.used else _best_file(video, need)
            if best is not None:
                fits.append(best[0])
                items.append((video, best[1]))
                texts.append(result_text(slug_words(video.get("url")), video.get("tags") or []))
        ranked = await rank_results(need, self.ranker, self.min_score, texts, fits, items)
        if not ranked:
            return None
        video, f = ranked[0].item
        target = cache_dir / "pexels" / f"{video['id']}-{f.get('id', 'f')}.mp4"
        author = (video.get("user") or {}).get("name", "")
        detail = f"pexels {video['id']} '{term}'" + (f" by {author}" if author else "")
        return await self._take(need, ranked, "clip", f["link"], target, f"pexels:{video['id']}", detail)

    async def _photo(self, need: SceneNeed, term: str, cache_dir: Path) -> RankedVisual | None:
        orientation = {"square": "square"}.get(need.orientation, need.orientation)
        data = await get_json(
            self._client,
            "Pexels",
            f"{self.base_url}/v1/search",
            params={"query": term, "orientation": orientation, "per_page": 15},
        )
        fits, items, texts = [], [], []
        for photo in data.get("photos") or []:
            src = photo.get("src") or {}
            link = src.get("large2x") or src.get("original")
            if f"pexels-photo:{photo.get('id')}" in need.used or not link or not photo.get("width"):
                continue
            width, height = int(photo["width"]), int(photo.get("height") or 0)
            fits.append(fit_score(width, height, need.duration_s, need.duration_s, need.orientation))
            items.append((photo, link))
            texts.append(result_text(photo.get("alt") or "", slug_words(photo.get("url"))))
        ranked = await rank_results(need, self.ranker, self.min_score, texts, fits, items)
        if not ranked:
            return None
        photo, link = ranked[0].item
        target = cache_dir / "pexels" / f"photo-{photo['id']}.jpg"
        author = photo.get("photographer") or ""
        detail = f"pexels photo {photo['id']} '{term}'" + (f" by {author}" if author else "")
        return await self._take(need, ranked, "image", link, target, f"pexels-photo:{photo['id']}", detail)


__all__ = ["PexelsSource"]
