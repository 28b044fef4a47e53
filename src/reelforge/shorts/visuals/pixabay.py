"""Pixabay video and photo search (https://pixabay.com/api/docs/#api_search_videos, #api_search_images); results
ranked by how well their tags and page slug match the scene, then by how well the file fits. Videos are searched
first; a term whose videos all miss the score floor tries photos."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from .base import RankedVisual, SceneNeed
from .rank import Ranker
from .stock import StockSource, fit_score, get_json, rank_results, result_text, slug_words


def _best_file(hit: dict[str, Any], need: SceneNeed) -> tuple[float, tuple[str, dict[str, Any]]] | None:
    options = []
    for size, f in (hit.get("videos") or {}).items():
        if not isinstance(f, dict) or not f.get("url") or not f.get("width"):
            continue
        fit = fit_score(
            int(f["width"]), int(f.get("height") or 0), float(hit.get("duration") or 0), need.duration_s,
            need.orientation,
        )  # fmt: skip
        options.append((fit, (size, f)))
    return max(options, key=lambda o: o[0]) if options else None


class PixabaySource(StockSource):
    name = "pixabay"

    def __init__(
        self,
        api_key: str,
        base_url: str = "https://pixabay.com",
        transport: httpx.AsyncBaseTransport | None = None,
        ranker: Ranker | None = None,
        min_score: float | None = None,
    ) -> None:
        super().__init__(base_url, httpx.AsyncClient(timeout=60, transport=transport), ranker, min_score)
        self.api_key = api_key

    async def _video(self, need: SceneNeed, term: str, cache_dir: Path) -> RankedVisual | None:
        data = await get_json(
            self._client,
            "Pixabay",
            f"{self.base_url}/api/videos/",
            params={"key": self.api_key, "q": term[:100], "per_page": 20, "safesearch": "true"},
        )
        fits, items, texts = [], [], []
        for hit in data.get("hits") or []:
            best = None if f"pixabay:{hit.get('id')}" in need.used else _best_file(hit, need)
            if best is not None:
                fits.append(best[0])
                items.append((hit, *best[1]))
                texts.append(result_text(str(hit.get("tags") or ""), slug_words(hit.get("pageURL"))))
        ranked = await rank_results(need, self.ranker, self.min_score, texts, fits, items)
        if not ranked:
            return None
        hit, size, f = ranked[0].item
        target = cache_dir / "pixabay" / f"{hit['id']}-{size}.mp4"
        detail = f"pixabay {hit['id']} '{term}' by {hit.get('user', '')}".strip()
        return await self._take(need, ranked, "clip", f["url"], target, f"pixabay:{hit['id']}", detail)

    async def _photo(self, need: SceneNeed, term: str, cache_dir: Path) -> RankedVisual | None:
        orientation = {"portrait": "vertical", "landscape": "horizontal"}.get(need.orientation, "all")
        params = {"key": self.api_key, "q": term[:100], "image_type": "photo", "orientation": orientation}
        data = await get_json(
            self._client, "Pixabay", f"{self.base_url}/api/", params={**params, "per_page": 20, "safesearch": "true"}
        )
        fits, items, texts = [], [], []
        for hit in data.get("hits") or []:
            link = hit.get("largeImageURL") or hit.get("webformatURL")
            if f"pixabay-photo:{hit.get('id')}" in need.used or not link or not hit.get("imageWidth"):
                continue
            width, height = int(hit["imageWidth"]), int(hit.get("imageHeight") or 0)
            fits.append(fit_score(width, height, need.duration_s, need.duration_s, need.orientation))
            items.append((hit, link))
            texts.append(result_text(str(hit.get("tags") or ""), slug_words(hit.get("pageURL"))))
        ranked = await rank_results(need, self.ranker, self.min_score, texts, fits, items)
        if not ranked:
            return None
        hit, link = ranked[0].item
        target = cache_dir / "pixabay" / f"photo-{hit['id']}.jpg"
        detail = f"pixabay photo {hit['id']} '{term}' by {hit.get('user', '')}".strip()
        return await self._take(need, ranked, "image", link, target, f"pixabay-photo:{hit['id']}", detail)


__all__ = ["PixabaySource"]
