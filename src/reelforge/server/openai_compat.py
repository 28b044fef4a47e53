"""The OpenAI-compatible video API under ``/openai/v1``: a program written for OpenAI's Videos API works against
reelforge by changing ``base_url``, with every backend behind it and reelforge's budgets, fallback and ledger.

``model`` names a backend (``procedural``) or ``backend/model`` (``runway/gen4_turbo``); a video is a ``video``
job run by the job service (so any worker on the database may run it), and its content is the library's file.
Every failure on this surface, auth included, is answered in OpenAI's error shape
``{"error": {"message", "type", "param", "code"}}``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from fastapi.routing import APIRoute

from ..config import Config
from ..errors import InvalidRequest
from ..jobs.models import Job
from ..jobs.service import JobService
from ..library.assets import AssetStore
from .auth import token_ok
from .config import server_config
from .openai_inputs import UPLOADS, UrlFetcher, read_create
from .openai_models import (
    CreateVideoBody,
    ErrorResponse,
    OpenAIError,
    Video,
    VideoDeleted,
    VideoList,
    error_response,
    not_found,
    video_of,
)

PREFIX = "/openai/v1"
#: how long a client's poll helper waits between retrievals (OpenAI's ``openai-poll-after-ms`` header)
POLL_AFTER_MS = 500
#: how long DELETE waits for a running video to stop after cancelling it
DELETE_WAIT_S = 15.0
Auth = Callable[..., Any]


class OpenAIRoute(APIRoute):
    """A route whose every failure (its dependencies' too, such as auth) is answered in OpenAI's error shape."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # every failure leaves as an OpenAI error, never as a bare 500
                return error_response(exc)

        return route


def token_auth(config: Config) -> Auth:
    """Bearer tokens from ``server.api_tokens`` (compared in constant time); none configured: open."""
    tokens = server_config(config).token_values()

    async def require_token(request: Request) -> None:
        if not tokens:
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token_ok(given.strip().encode(), tokens):
            raise OpenAIError(401, "a valid bearer token is required (Authorization: Bearer …)", code="invalid_api_key")

    return require_token


class VideoService:
    """The operations behind the routes, over one job service and the library's assets."""

    def __init__(self, config: Config, jobs: JobService, fetch: UrlFetcher | None = None) -> None:
        self.config, self.jobs, self.fetch = config, jobs, fetch
        self.assets = AssetStore(jobs.engine, Path(config.data_dir))  # the library's files, on the jobs' database

    async def job(self, video_id: str) -> Job:
        try:
            job = await asyncio.to_thread(self.jobs.get, video_id)
        except InvalidRequest:
            raise not_found(video_id) from None
        if job.kind != "video":
            raise not_found(video_id)
        return job

    async def create(self, request: Request) -> Video:
        from ..api import aestimate
        from ..types import VideoRequest

        video_request, upload = await read_create(request, self.config, self.fetch)
        try:
            planned = await aestimate(VideoRequest.model_validate(video_request), config=self.config)
            # the request is pinned to what was planned, so a queued video already reports its size and seconds
            video_request.update(backend=planned["backend"], duration_s=planned["duration_s"])
            video_request.setdefault("resolution", f"{planned['width']}x{planned['height']}")
            job = await asyncio.to_thread(self.jobs.submit, "video", video_request)
        except BaseException:
            if upload is not None:
                upload.unlink(missing_ok=True)
            raise
        return video_of(job)

    async def page(self, after: str | None, limit: int, order: str) -> VideoList:
        if after:
            await self.job(after)  # an unknown cursor is a 404, as on OpenAI
        jobs = await asyncio.to_thread(self._list, after, limit + 1, order)
        data = [video_of(j) for j in jobs[:limit]]
        return VideoList(
            data=data,
            first_id=data[0].id if data else None,
            last_id=data[-1].id if data else None,
            has_more=len(jobs) > limit,
        )

    def _list(self, after: str | None, limit: int, order: str) -> list[Job]:
        return self.jobs.list(kind="video", limit=limit, before=after, oldest_first=order == "asc")

    async def content(self, video_id: str, variant: str) -> FileResponse:
        if variant not in ("video", "thumbnail"):
            raise OpenAIError(400, f"variant {variant!r} is not offered: use video or thumbnail", param="variant",
                              code="invalid_value")  # fmt: skip
        job = await self.job(video_id)
        if job.status != "succeeded":
            state = video_of(job).status
            raise OpenAIError(409, f"video {video_id} is {state}: its content is ready once it is completed",
                              code="video_not_ready")  # fmt: skip
        asset = None
        if job.assets:
            try:
                asset = await self.assets.get(job.assets[0])
            except InvalidRequest:
                asset = None
        path = asset.path if asset else Path(str((job.result or {}).get("path", "")))
        if variant == "thumbnail":
            thumb = asset.thumbnail_path if asset else None
            if thumb is None or not await asyncio.to_thread(thumb.is_file):
                raise OpenAIError(404, f"video {video_id} has no thumbnail", param="variant", code="not_found")
            return FileResponse(thumb, media_type="image/jpeg", filename=f"{video_id}.jpg")
        if not str(path) or not await asyncio.to_thread(path.is_file):
            raise OpenAIError(404, f"the file of video {video_id} is gone from the library", code="not_found")
        return FileResponse(path, media_type="video/mp4", filename=f"{video_id}.mp4")

    async def delete(self, video_id: str) -> VideoDeleted:
        """Cancel it if it is still running (waiting until it stops), then remove its file and its record."""
        job = await self.job(video_id)
        if not job.finished:
            await asyncio.to_thread(self.jobs.cancel, video_id)
            waited = 0.0
            while not job.finished and waited < DELETE_WAIT_S:
                await asyncio.sleep(0.2)
                waited += 0.2
                job = await self.job(video_id)
            if not job.finished:
                raise OpenAIError(409, f"video {video_id} is being cancelled; delete it again once it has stopped",
                                  code="video_busy")  # fmt: skip
        for asset_id in job.assets:
            with contextlib.suppress(InvalidRequest):  # already removed from the library
                await self.assets.remove(asset_id)
        await asyncio.to_thread(self._forget, job)
        return VideoDeleted(id=video_id)

    def _forget(self, job: Job) -> None:
        """Delete the job's record, its events, its workflow and the reference image this surface stored."""
        job_id = job.id
        image = Path(str(job.request.get("image", "")))
        if image.parent == (Path(self.config.data_dir) / UPLOADS).resolve():
            image.unlink(missing_ok=True)
        self.jobs.delete(job_id)


def _int_param(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise OpenAIError(400, f"{name} must be a whole number", param=name, code="invalid_value") from None
    if not low <= number <= high:
        raise OpenAIError(400, f"{name} must be between {low} and {high}", param=name, code="invalid_value")
    return number


def openai_router(
    config: Config, jobs: JobService, *, auth: Auth | None = None, fetch: UrlFetcher | None = None
) -> APIRouter:
    """The ``/openai/v1`` routes over ``jobs``. ``auth``: the server's bearer-token dependency (default: one
    reading ``server.api_tokens``); ``fetch``: downloads an https ``input_reference`` through the server's
    SSRF guard (without one, https references are refused; uploads and data: URLs are always taken)."""
    service = VideoService(config, jobs, fetch)
    router = APIRouter(
        prefix=PREFIX,
        tags=["openai"],
        route_class=OpenAIRoute,
        dependencies=[Depends(auth or token_auth(config))],
        responses={400: {"model": ErrorResponse}, 401: {"model": ErrorResponse}, 404: {"model": ErrorResponse}},
    )
    create_body = {"requestBody": {"content": {
        "application/json": {"schema": CreateVideoBody.model_json_schema()},
        "multipart/form-data": {"schema": {"type": "object", "required": ["prompt"], "properties": {
            "prompt": {"type": "string"}, "model": {"type": "string"}, "seconds": {"type": "string"},
            "size": {"type": "string"}, "input_reference": {"type": "string", "format": "binary"}}}},
    }}}  # fmt: skip

    @router.post("/videos", response_model=Video, openapi_extra=create_body, summary="Create a video")
    async def create_video(request: Request) -> Video:
        return await service.create(request)

    @router.get("/videos", response_model=VideoList, summary="List videos")
    async def list_videos(after: str | None = None, limit: str | None = None, order: str = "desc") -> VideoList:
        if order not in ("asc", "desc"):
            raise OpenAIError(400, "order must be asc or desc", param="order", code="invalid_value")
        return await service.page(after, _int_param(limit, "limit", 20, 1, 100), order)

    @router.get("/videos/{video_id}", response_model=Video, summary="Retrieve a video")
    async def retrieve_video(video_id: str, response: Response) -> Video:
        response.headers["openai-poll-after-ms"] = str(POLL_AFTER_MS)
        return video_of(await service.job(video_id))

    @router.get(
        "/videos/{video_id}/content",
        summary="Download a video's content",
        response_class=FileResponse,
        responses={200: {"content": {"video/mp4": {}, "image/jpeg": {}}}, 409: {"model": ErrorResponse}},
    )
    async def video_content(video_id: str, variant: str = "video") -> FileResponse:
        return await service.content(video_id, variant)

    @router.delete("/videos/{video_id}", response_model=VideoDeleted, summary="Delete a video")
    async def delete_video(video_id: str) -> VideoDeleted:
        return await service.delete(video_id)

    return router


__all__ = [
    "PREFIX",
    "OpenAIError",
    "OpenAIRoute",
    "VideoService",
    "error_response",
    "openai_router",
    "token_auth",
]
