"""Pixabay video and photo search (https://pixabay.com/api/docs/#api_search_videos, #api_search_images); results
ranked by how well their tags and page slug match the scene, then by how well the file fits. Videos are searched
first; a term whose videos all miss the score floor tries photos."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from ...errors import AuthError, Cancelled, RateLimited, ReelforgeError
from .base import RankedVisual, SceneNeed
from .rank import Ranker, default_ranker
from .stock import Ranked, download, fit_score, get_json, rank_results, result_text, slug_words


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


class PixabaySource:
    name = "pixabay"

    def __init__(
        self,
        api_key: str,
        base_url: str = "https://pixabay.com",
        transport: httpx.AsyncBaseTransport | None = None,
        ranker: Ranker | None = None,
        min_score: float | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self._client = httpx.AsyncClient(timeout=60, transport=transport)
        self.ranker = ranker or default_ranker()
        self.min_score = self.ranker.min_score if min_score is None else min_score
        self.warnings: list[str] = []

    async def aclose(self) -> None:
        await self._client.aclose()

    async def find(self, need: SceneNeed, cache_dir: Path) -> RankedVisual | None:
        for term in need.terms:
            chosen = await self._video(need, term, cache_dir) or await self._photo_or_note(need, term, cache_dir)
            if chosen is not None:
                return chosen
        return None

    async def _photo_or_note(self, need: SceneNeed, term: str, cache_dir: Path) -> RankedVisual | None:
        """Photos are the second try: a failed photo search is noted in the warnings, and the scene moves on."""
        try:
            return await self._photo(need, term, cache_dir)
        except (AuthError, RateLimited, Cancelled):
            raise
        except ReelforgeError as exc:
            note = f"pixabay: photo search failed ({exc.message})"
            if note not in self.warnings:
                self.warnings.append(note)
            return None

    def _picked(self, need: SceneNeed, ranked: list[Ranked], kind: str, path: Path, detail: str) -> RankedVisual:
        runner = ranked[1] if len(ranked) > 1 else None
        return RankedVisual(
            scene=need.index,
            source="pixabay",
            kind=kind,  # type: ignore[arg-type]
            path=path,
            detail=detail,
            score=None if ranked[0].text_score is None else round(ranked[0].text_score, 4),
            ranker=self.ranker.name,
            runner_up=f"pixabay {runner.item[0]['id']}" if runner else None,
            runner_up_score=round(runner.text_score, 4) if runner and runner.text_score is not None else None,
        )

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
        await download(self._client, "Pixabay", f["url"], target)
        need.used.add(f"pixabay:{hit['id']}")
        detail = f"pixabay {hit['id']} '{term}' by {hit.get('user', '')}".strip()
        return self._picked(need, ranked, "clip", target, detail)

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
        await download(self._client, "Pixabay", link, target)
        need.used.add(f"pixabay-photo:{hit['id']}")
        detail = f"pixabay photo {hit['id']} '{term}' by {hit.get('user', '')}".strip()
        return self._picked(need, ranked, "image", target, detail)


__all__ = ["PixabaySource"]
