"""Pexels video search (https://www.pexels.com/api/documentation/#videos-search); results ranked by how well
their page slug and tags match the scene, then by how well the file fits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from .base import RankedVisual, SceneNeed
from .rank import Ranker, default_ranker
from .stock import download, fit_score, get_json, rank_results, result_text, slug_words


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


class PexelsSource:
    name = "pexels"

    def __init__(
        self,
        api_key: str,
        base_url: str = "https://api.pexels.com",
        transport: httpx.AsyncBaseTransport | None = None,
        ranker: Ranker | None = None,
        min_score: float | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.AsyncClient(timeout=60, transport=transport, headers={"Authorization": api_key})
        self.ranker = ranker or default_ranker()
        self.min_score = self.ranker.min_score if min_score is None else min_score

    async def aclose(self) -> None:
        await self._client.aclose()

    async def find(self, need: SceneNeed, cache_dir: Path) -> RankedVisual | None:
        orientation = {"square": "square"}.get(need.orientation, need.orientation)
        for term in need.terms:
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
                continue
            video, f = ranked[0].item
            target = cache_dir / "pexels" / f"{video['id']}-{f.get('id', 'f')}.mp4"
            await download(self._client, "Pexels", f["link"], target)
            need.used.add(f"pexels:{video['id']}")
            author = (video.get("user") or {}).get("name", "")
            runner = ranked[1] if len(ranked) > 1 else None
            return RankedVisual(
                scene=need.index,
                source="pexels",
                kind="clip",
                path=target,
                detail=f"pexels {video['id']} '{term}'" + (f" by {author}" if author else ""),
                score=None if ranked[0].text_score is None else round(ranked[0].text_score, 4),
                ranker=self.ranker.name,
                runner_up=f"pexels {runner.item[0]['id']}" if runner else None,
                runner_up_score=round(runner.text_score, 4) if runner and runner.text_score is not None else None,
            )
        return None


__all__ = ["PexelsSource"]
