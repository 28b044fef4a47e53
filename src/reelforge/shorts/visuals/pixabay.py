"""Pixabay video search (https://pixabay.com/api/docs/#api_search_videos)."""

from __future__ import annotations

from pathlib import Path

import httpx

from ..models import SceneVisual
from .base import SceneNeed
from .stock import download, fit_score, get_json


class PixabaySource:
    name = "pixabay"

    def __init__(
        self, api_key: str, base_url: str = "https://pixabay.com", transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self._client = httpx.AsyncClient(timeout=60, transport=transport)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def find(self, need: SceneNeed, cache_dir: Path) -> SceneVisual | None:
        for term in need.terms:
            data = await get_json(
                self._client,
                "Pixabay",
                f"{self.base_url}/api/videos/",
                params={"key": self.api_key, "q": term[:100], "per_page": 20, "safesearch": "true"},
            )
            options = []
            for hit in data.get("hits") or []:
                if f"pixabay:{hit.get('id')}" in need.used:
                    continue
                for size, f in (hit.get("videos") or {}).items():
                    if not isinstance(f, dict) or not f.get("url") or not f.get("width"):
                        continue
                    score = fit_score(
                        int(f["width"]),
                        int(f.get("height") or 0),
                        float(hit.get("duration") or 0),
                        need.duration_s,
                        need.orientation,
                    )
                    options.append((score, hit, size, f))
            if not options:
                continue
            _, hit, size, f = max(options, key=lambda o: o[0])
            target = cache_dir / "pixabay" / f"{hit['id']}-{size}.mp4"
            await download(self._client, "Pixabay", f["url"], target)
            need.used.add(f"pixabay:{hit['id']}")
            return SceneVisual(
                scene=need.index,
                source="pixabay",
                kind="clip",
                path=target,
                detail=f"pixabay {hit['id']} '{term}' by {hit.get('user', '')}".strip(),
            )
        return None


__all__ = ["PixabaySource"]
