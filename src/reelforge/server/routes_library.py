"""Routes of the library and the server itself: uploads, assets (served with Range), backends, usage, health."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse

from ..errors import InvalidRequest
from ..jobs import tables as t
from ..jobs.store import utcnow
from .catalog import describe
from .errors import ERROR_RESPONSES, NotFound, TooLarge
from .models import AssetList, AssetOut, BackendList, Health, UsageOut, UsageRowOut
from .multipart import file_part
from .state import Services, Svc
from .uploads import Upload

router = APIRouter(prefix="/v1", responses=ERROR_RESPONSES)
health_router = APIRouter()

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
            },
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post("/uploads", status_code=201, response_model=Upload, tags=["uploads"], openapi_extra=UPLOAD_BODY)
async def upload(request: Request, svc: Svc, filename: Annotated[str | None, Query(max_length=255)] = None) -> Upload:
    """Upload an input image, video or audio: the raw bytes, or a form part named ``file``. Typed by content,
    capped by ``server.max_upload_mb`` (413 past it). Pass the returned id as a request's input."""
    cap = svc.inputs.max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise TooLarge({"file": f"{int(declared) / 1e6:g} MB is over the limit of {cap / 1e6:g} MB"})
    content_type = request.headers.get("content-type", "")
    names: dict[str, str | None] = {"filename": filename}
    chunks = request.stream()
    if content_type.lower().startswith("multipart/form-data"):
        chunks = file_part(content_type, request.stream(), names)
    part, size, sha, head = await svc.uploads.write(chunks, cap, "file")
    return await svc.uploads.store(part, size, sha, head, "file", filename=names["filename"] or filename)


@router.get("/uploads/{upload_id}", response_model=Upload, tags=["uploads"])
async def get_upload(upload_id: str, svc: Svc) -> Upload:
    return await asyncio.to_thread(svc.uploads.get, upload_id)


@router.delete("/uploads/{upload_id}", status_code=204, tags=["uploads"])
async def delete_upload(upload_id: str, svc: Svc) -> Response:
    await asyncio.to_thread(svc.uploads.delete, upload_id)
    return Response(status_code=204)


def _asset(asset: Any) -> AssetOut:
    data = asset.model_dump(exclude={"path", "sidecar_path", "thumbnail_path", "request", "extra"})
    return AssetOut(**data, file_url=f"/v1/assets/{asset.id}/file")


async def _get_asset(svc: Services, asset_id: str) -> Any:
    try:
        return await svc.library.assets.get(asset_id)
    except InvalidRequest as exc:
        raise NotFound({"asset_id": f"no asset {asset_id!r}"}) from exc


@router.get("/assets", response_model=AssetList, tags=["assets"])
async def list_assets(
    svc: Svc,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
) -> AssetList:
    assets = await svc.library.assets.list(limit=limit, cursor=cursor, kind=kind)
    return AssetList(assets=[_asset(a) for a in assets], next_cursor=assets[-1].id if len(assets) == limit else None)


@router.get("/assets/{asset_id}", response_model=AssetOut, tags=["assets"])
async def get_asset(asset_id: str, svc: Svc) -> AssetOut:
    return _asset(await _get_asset(svc, asset_id))


@router.get(
    "/assets/{asset_id}/file",
    tags=["assets"],
    response_class=FileResponse,
    responses={
        200: {"content": {"video/mp4": {}}, "description": "the file"},
        206: {"content": {"video/mp4": {}}, "description": "the requested byte range"},
        416: {"description": "the range is outside the file"},
    },
)
async def asset_file(asset_id: str, svc: Svc) -> FileResponse:
    """The asset's file; seekable players send ``Range: bytes=start-end`` and get 206."""
    asset = await _get_asset(svc, asset_id)
    if not await asyncio.to_thread(asset.path.is_file):
        raise NotFound({"asset_id": f"the file of asset {asset_id} is missing"})
    return FileResponse(asset.path, media_type="video/mp4", filename=f"{asset.id}{asset.path.suffix}")


router.add_api_route(
    "/assets/{asset_id}/file", asset_file, methods=["HEAD"], include_in_schema=False, response_class=FileResponse
)


@router.delete("/assets/{asset_id}", status_code=204, tags=["assets"])
async def delete_asset(asset_id: str, svc: Svc) -> Response:
    await _get_asset(svc, asset_id)
    await svc.library.assets.remove(asset_id)
    return Response(status_code=204)


@router.get("/backends", response_model=BackendList, tags=["backends"])
async def backends(svc: Svc) -> BackendList:
    return BackendList(backends=await svc.backends(describe))


@router.get("/usage", response_model=UsageOut, tags=["usage"])
async def usage(svc: Svc, since: date | None = None) -> UsageOut:
    rows = [UsageRowOut.model_validate(r.model_dump()) for r in await svc.library.ledger.totals(since=since)]
    return UsageOut(
        rows=rows, total_cost_usd=round(sum(r.cost_usd for r in rows), 6), total_attempts=sum(r.attempts for r in rows)
    )


def _health(svc: Services) -> Health:
    from datetime import timedelta

    from ..jobs.config import jobs_config

    fresh = utcnow() - timedelta(seconds=jobs_config(svc.config).lease_s)
    try:
        with svc.jobs.engine.connect() as conn:
            workers = conn.execute(
                sa.select(sa.func.count())
                .select_from(t.workers)
                .where(t.workers.c.stopped.is_(False), t.workers.c.heartbeat_at >= fresh)
            ).scalar_one()
        counts = svc.jobs.store.counts()
    except sa.exc.SQLAlchemyError:
        return Health(status="degraded", database=False, workers=0, embedded_worker=svc.embedded_worker)
    return Health(status="ok", database=True, workers=int(workers), embedded_worker=svc.embedded_worker, queue=counts)


@health_router.get("/healthz", response_model=Health, tags=["health"], responses={503: {"model": Health}})
async def healthz(svc: Svc) -> Any:
    """Liveness: the database answers, and the workers and jobs it holds."""
    health = await asyncio.to_thread(_health, svc)
    if not health.database:
        return JSONResponse(health.model_dump(), status_code=503)
    return health


__all__ = ["health_router", "router"]
