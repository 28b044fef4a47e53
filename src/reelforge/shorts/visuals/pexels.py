"""Pexels video search (https://www.pexels.com/api/documentation/#videos-search)."""

from __future__ import annotations

from pathlib import Path

import httpx

from ..models import SceneVisual
from .base import SceneNeed
from .stock import download, fit_score, get_json


class PexelsSource:
    name = "pexels"

    def __init__(
        self, api_key: str, base_url: str = "https://api.pexels.com", transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.AsyncClient(timeout=60, transport=transport, headers={"Authorization": api_key})

    async def aclose(self) -> None:
        await self._client.aclose()

    async def find(self, need: SceneNeed, cache_dir: Path) -> SceneVisual | None:
        orientation = {"square": "square"}.get(need.orientation, need.orientation)
        for term in need.terms:
            data = await get_json(
                self._client,
                "Pexels",
                f"{self.base_url}/videos/search",
                params={"query": term, "orientation": orientation, "per_page": 15, "size": "medium"},
            )
            options = []
            for video in data.get("videos") or []:
                if f"pexels:{video.get('id')}" in need.used:
                    continue
                for f in video.get("video_files") or []:
                    if f.get("file_type") != "video/mp4" or not f.get("link") or not f.get("width"):
                        continue
                    score = fit_score(
                        int(f["width"]),
                        int(f.get("height") or 0),
                        float(video.get("duration") or 0),
                        need.duration_s,
                        need.orientation,
                    )
                    options.append((score, video, f))
            if not options:
                continue
            _, video, f = max(options, key=lambda o: o[0])
            target = cache_dir / "pexels" / f"{video['id']}-{f.get('id', 'f')}.mp4"
            await download(self._client, "Pexels", f["link"], target)
            need.used.add(f"pexels:{video['id']}")
            author = (video.get("user") or {}).get("name", "")
            return SceneVisual(
                scene=need.index,
                source="pexels",
                kind="clip",
                path=target,
                detail=f"pexels {video['id']} '{term}'" + (f" by {author}" if author else ""),
            )
        return None


__all__ = ["PexelsSource"]
