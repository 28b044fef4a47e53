"""What the web UI needs beyond the job and library routes: a job's output files and metadata, links a
``<video>`` or ``<img>`` element can open without a bearer header, and spend with the budgets' headroom.

A browser sends no ``Authorization`` header for media elements, so the files are served under ``/ui/files``
behind short-lived signed links: ``GET /v1/ui/...`` (token checked) hands them out, each naming one file of
one job or asset and an expiry, signed with HMAC-SHA256. The key is derived from the server's API tokens (so
every process of one deployment agrees) or drawn at random when it has none. The link carries no token.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from ..errors import InvalidRequest
from .errors import ERROR_RESPONSES, NotFound, Unauthorized
from .state import Services, Svc

router = APIRouter(prefix="/v1/ui", responses=ERROR_RESPONSES, tags=["ui"])
files_router = APIRouter(prefix="/ui/files", include_in_schema=False)

LINK_TTL_S = 6 * 3600
WEB_DIR = Path(__file__).parent / "web"
FileName = Literal["video", "thumbnail", "srt", "vtt"]
MEDIA = {"video": "video/mp4", "thumbnail": "image/jpeg", "srt": "application/x-subrip", "vtt": "text/vtt"}


class Metadata(BaseModel):
    title: str | None = None
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    chapters: list[tuple[float, str]] = Field(default_factory=list)


class Outputs(BaseModel):
    """A finished job's files as signed links (absent when the job wrote no such file) and its metadata."""

    job_id: str
    video: str | None = None
    thumbnail: str | None = None
    srt: str | None = None
    vtt: str | None = None
    download_name: str | None = None
    metadata: Metadata | None = None


class AssetLinks(BaseModel):
    links: dict[str, dict[str, str]] = Field(description="asset id -> {video, thumbnail}")


class Headroom(BaseModel):
    limit_usd: float | None
    spent_usd: float
    left_usd: float | None


class Spend(BaseModel):
    since: date
    days: list[date]
    backends: list[str]
    cost: dict[str, dict[str, float]] = Field(description="backend -> day (ISO) -> USD")
    total_usd: float
    per_request_usd: float | None
    daily: Headroom
    monthly: Headroom


def link_key(tokens: list[bytes]) -> bytes:
    if not tokens:
        return secrets.token_bytes(32)
    return hashlib.sha256(b"reelforge ui links\0" + b"\0".join(sorted(tokens))).digest()


def _signature(key: bytes, owner: str, item_id: str, name: str, expires: int) -> str:
    return hmac.new(key, f"{owner}/{item_id}/{name}/{expires}".encode(), hashlib.sha256).hexdigest()


def sign(key: bytes, owner: str, item_id: str, name: str, now: float | None = None) -> str:
    expires = int((now or time.time()) + LINK_TTL_S)
    return f"/ui/files/{owner}/{item_id}/{name}?exp={expires}&sig={_signature(key, owner, item_id, name, expires)}"


def _key(request: Request) -> bytes:
    key: bytes = request.app.state.ui_link_key
    return key


def _short_files(path: Path) -> dict[str, Path]:
    """A short's files sit next to it: ``short.mp4``, ``short.jpg``, ``short.srt``, ``short.vtt``."""
    found = {"video": path, "thumbnail": path.with_suffix(".jpg"), "srt": path.with_suffix(".srt")}
    found["vtt"] = path.with_suffix(".vtt")
    return _existing(found)


def _short_metadata(path: Path) -> Metadata | None:
    sidecar = path.with_suffix(".json")
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        return Metadata.model_validate(data["short"]["metadata"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


async def _asset_files(svc: Services, asset_id: str) -> dict[str, Path]:
    try:
        asset = await svc.library.assets.get(asset_id)
    except InvalidRequest:
        return {}
    found = {"video": asset.path}
    if asset.thumbnail_path is not None:
        found["thumbnail"] = asset.thumbnail_path
    return await asyncio.to_thread(_existing, found)


def _existing(files: dict[str, Path]) -> dict[str, Path]:
    return {name: p for name, p in files.items() if p.is_file()}


async def _job_files(svc: Services, job_id: str) -> tuple[dict[str, Path], Metadata | None]:
    job = await svc.job(job_id)
    if job.assets:
        files = await _asset_files(svc, job.assets[0])
        title = (job.request.get("prompt") or "")[:80] or None
        return files, Metadata(title=title, description=job.request.get("prompt"))
    raw = (job.result or {}).get("path")
    if not raw:
        return {}, None
    path = Path(raw)
    return await asyncio.to_thread(_short_files, path), await asyncio.to_thread(_short_metadata, path)


@router.get("/jobs/{job_id}/outputs", response_model=Outputs, summary="A job's files (signed links) and metadata")
async def job_outputs(job_id: str, request: Request, svc: Svc) -> Outputs:
    files, metadata = await _job_files(svc, job_id)
    links = {name: sign(_key(request), "job", job_id, name) for name in files}
    download = f"{job_id}{files['video'].suffix}" if "video" in files else None
    return Outputs(job_id=job_id, download_name=download, metadata=metadata, **links)


@router.get("/assets/links", response_model=AssetLinks, summary="Signed links to assets' files and thumbnails")
async def asset_links(
    request: Request, svc: Svc, ids: Annotated[list[str], Query(alias="id", max_length=500)]
) -> AssetLinks:
    links: dict[str, dict[str, str]] = {}
    for asset_id in ids[:500]:
        files = await _asset_files(svc, asset_id)
        links[asset_id] = {name: sign(_key(request), "asset", asset_id, name) for name in files}
    return AssetLinks(links=links)


def _headroom(limit: float | None, spent: float) -> Headroom:
    left = None if limit is None else round(max(0.0, limit - spent), 6)
    return Headroom(limit_usd=limit, spent_usd=round(spent, 6), left_usd=left)


@router.get("/spend", response_model=Spend, summary="Spend per backend and day, and the budgets' headroom")
async def spend(svc: Svc, days: Annotated[int, Query(ge=1, le=366)] = 30) -> Spend:
    now = datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    since = (today - timedelta(days=days - 1)).date()
    rows = await svc.library.ledger.totals(since=since)
    cost: dict[str, dict[str, float]] = {}
    for row in rows:
        by_day = cost.setdefault(row.backend, {})
        by_day[row.day.isoformat()] = round(by_day.get(row.day.isoformat(), 0.0) + row.cost_usd, 6)
    budget = svc.config.budget
    spent_day = await svc.library.ledger.spent_usd(today)
    spent_month = await svc.library.ledger.spent_usd(today.replace(day=1))
    return Spend(
        since=since,
        days=[since + timedelta(days=n) for n in range(days)],
        backends=sorted(cost),
        cost=cost,
        total_usd=round(sum(r.cost_usd for r in rows), 6),
        per_request_usd=budget.per_request_usd,
        daily=_headroom(budget.daily_usd, spent_day),
        monthly=_headroom(budget.monthly_usd, spent_month),
    )


def _check(key: bytes, owner: str, item_id: str, name: str, exp: int, sig: str) -> None:
    if exp < time.time():
        raise Unauthorized("this link has expired", "reload the page for a fresh link")
    if not hmac.compare_digest(sig.encode(), _signature(key, owner, item_id, name, exp).encode()):
        raise Unauthorized("this link is not valid", "reload the page for a fresh link")


@files_router.get("/{owner}/{item_id}/{name}")
async def signed_file(
    owner: Literal["job", "asset"],
    item_id: Annotated[str, PathParam(max_length=64)],
    name: FileName,
    request: Request,
    svc: Svc,
    exp: Annotated[int, Query(ge=0, le=2**40)],
    sig: Annotated[str, Query(max_length=64)],
) -> FileResponse:
    """One file behind a signed link; videos answer ``Range`` requests with 206 (seeking)."""
    _check(_key(request), owner, item_id, name, exp, sig)
    files = await _asset_files(svc, item_id) if owner == "asset" else (await _job_files(svc, item_id))[0]
    path = files.get(name)
    if path is None:
        raise NotFound({name: f"the {owner} {item_id} has no {name} file"})
    return FileResponse(path, media_type=MEDIA[name], filename=f"{item_id}{path.suffix}")


files_router.add_api_route("/{owner}/{item_id}/{name}", signed_file, methods=["HEAD"], response_class=FileResponse)


def include_ui_support(app: FastAPI, auth: list[Any]) -> None:
    """Mount the UI: its routes under ``/v1/ui`` behind ``auth``, the signed files under ``/ui/files``, the
    page at ``/`` and its static files under ``/web``."""
    from fastapi.responses import RedirectResponse
    from fastapi.staticfiles import StaticFiles

    app.state.ui_link_key = link_key(app.state.tokens)
    app.include_router(router, dependencies=auth)
    app.include_router(files_router)
    app.mount("/web", StaticFiles(directory=WEB_DIR), name="web")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html", headers={"Cache-Control": "no-cache"})

    @app.get("/ui", include_in_schema=False)
    async def ui() -> RedirectResponse:
        return RedirectResponse("/")


__all__ = ["AssetLinks", "Headroom", "Metadata", "Outputs", "Spend", "include_ui_support", "link_key", "sign"]
