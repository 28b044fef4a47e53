"""Pixabay video search (https://pixabay.com/api/docs/#api_search_videos); results ranked by how well their
tags and page slug match the scene, then by how well the file fits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from .base import RankedVisual, SceneNeed
from .rank import Ranker, default_ranker
from .stock import download, fit_score, get_json, rank_results, result_text, slug_words


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

    async def aclose(self) -> None:
        await self._client.aclose()

    async def find(self, need: SceneNeed, cache_dir: Path) -> RankedVisual | None:
        for term in need.terms:
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
                continue
            hit, size, f = ranked[0].item
            target = cache_dir / "pixabay" / f"{hit['id']}-{size}.mp4"
            await download(self._client, "Pixabay", f["url"], target)
            need.used.add(f"pixabay:{hit['id']}")
            runner = ranked[1] if len(ranked) > 1 else None
            return RankedVisual(
                scene=need.index,
                source="pixabay",
                kind="clip",
                path=target,
                detail=f"pixabay {hit['id']} '{term}' by {hit.get('user', '')}".strip(),
                score=None if ranked[0].text_score is None else round(ranked[0].text_score, 4),
                ranker=self.ranker.name,
                runner_up=f"pixabay {runner.item[0]['id']}" if runner else None,
                runner_up_score=round(runner.text_score, 4) if runner and runner.text_score is not None else None,
            )
        return None


__all__ = ["PixabaySource"]
