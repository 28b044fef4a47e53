"""Loopback fakes of the Pexels video search and the Pixabay video API, with downloadable tiny clips.

``catalog`` maps a search term to a list of (id, width, height, duration); unknown terms find nothing.
``faults`` are returned (in order) before any search answer; ``downloads`` counts file fetches.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .kit import Fault, take, tiny_mp4
from .server import FakeServer, ServedFake

Entry = tuple[int, int, int, float]


class _StockFake(ServedFake):
    def __init__(self, catalog: dict[str, list[Entry]], api_key: str = "stock-key") -> None:
        self.catalog = catalog
        self.api_key = api_key
        self.faults: list[Fault] = []
        self.searches: list[str] = []
        self.downloads = 0
        self.server = FakeServer(Starlette(routes=self.routes()))

    def routes(self) -> list[Route]:  # pragma: no cover - overridden
        raise NotImplementedError

    async def file(self, request: Request) -> Response:
        self.downloads += 1
        return Response(tiny_mp4(), media_type="video/mp4")


class PexelsFake(_StockFake):
    def routes(self) -> list[Route]:
        return [Route("/videos/search", self.search), Route("/files/{name}", self.file)]

    async def search(self, request: Request) -> Response:
        if request.headers.get("authorization") != self.api_key:
            return JSONResponse({"error": "Unauthorized"}, status_code=401)
        if (fault := take(self.faults)) is not None:
            return fault.response()
        query = request.query_params.get("query", "")
        self.searches.append(query)
        videos: list[dict[str, Any]] = []
        for vid, w, h, dur in self.catalog.get(query, []):
            videos.append(
                {
                    "id": vid,
                    "width": w,
                    "height": h,
                    "duration": dur,
                    "user": {"name": "Fake Author"},
                    "video_files": [
                        {
                            "id": vid * 10,
                            "quality": "hd",
                            "file_type": "video/mp4",
                            "width": w,
                            "height": h,
                            "link": f"{self.url}/files/{vid}-hd.mp4",
                        },
                        {
                            "id": vid * 10 + 1,
                            "quality": "sd",
                            "file_type": "video/mp4",
                            "width": w // 4,
                            "height": h // 4,
                            "link": f"{self.url}/files/{vid}-sd.mp4",
                        },
                    ],
                }
            )
        return JSONResponse(
            {"page": 1, "per_page": 15, "total_results": len(videos), "videos": videos},
            headers={"X-Ratelimit-Remaining": "199"},
        )


class PixabayFake(_StockFake):
    def routes(self) -> list[Route]:
        return [Route("/api/videos/", self.search), Route("/files/{name}", self.file)]

    async def search(self, request: Request) -> Response:
        if request.query_params.get("key") != self.api_key:
            return Response("[ERROR 400] Invalid or missing API key", status_code=400)
        if (fault := take(self.faults)) is not None:
            return fault.response()
        query = request.query_params.get("q", "")
        self.searches.append(query)
        hits = []
        for vid, w, h, dur in self.catalog.get(query, []):
            hits.append(
                {
                    "id": vid,
                    "duration": dur,
                    "tags": query,
                    "user": "fakeuser",
                    "videos": {
                        "large": {"url": f"{self.url}/files/{vid}-large.mp4", "width": w, "height": h, "size": 1000},
                        "small": {
                            "url": f"{self.url}/files/{vid}-small.mp4",
                            "width": w // 3,
                            "height": h // 3,
                            "size": 100,
                        },
                    },
                }
            )
        return JSONResponse({"total": len(hits), "totalHits": len(hits), "hits": hits})
