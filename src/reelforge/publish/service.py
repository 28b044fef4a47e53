"""``publish``: one upload of a library asset or a file, the call the CLI and a job's publish step make.

The title, description and tags come from the target, else from the sidecar the studio wrote beside the
video (its ``short.metadata``), else from the request's prompt, else from the file name. The thumbnail is the
asset's (or ``VIDEO.jpg`` beside a file). The result is recorded for the asset under ``data_dir/publish/``.

Resumable: the upload session is kept under ``data_dir/publish/sessions/``; calling ``publish`` again after a
crash continues it from the last byte the platform confirmed. With ``key`` (a job id and step), a finished
upload is remembered too, so repeating the call returns the same ``Published`` instead of posting twice.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InvalidRequest
from ..library import Asset, Library
from ..types import CancelToken, ProgressCallback
from .base import Published, VideoMetadata
from .registry import get_publisher


class PublishTarget(BaseModel):
    """One publish step: ``{"to": "youtube", "privacy": "private", ...}`` (the job option and REST field)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    to: str
    privacy: str | None = None  # the platform's words: private|unlisted|public, or TikTok's SELF_ONLY etc.
    schedule: datetime | None = Field(default=None, alias="publish_at")
    title: str | None = None
    description: str | None = None
    tags: list[str] | None = None
    category_id: str | None = None
    made_for_kids: bool | None = None
    thumbnail: bool = True


class Source(BaseModel):
    """What gets uploaded: the file, its asset id (None for a plain file), and its metadata defaults."""

    path: Path
    asset_id: str | None = None
    checksum: str | None = None
    thumbnail: Path | None = None
    duration_s: float | None = None
    title: str
    description: str = ""
    tags: list[str] = Field(default_factory=list)


def _sidecar_meta(sidecar: Path | None) -> dict[str, Any]:
    if sidecar is None or not sidecar.is_file():
        return {}
    try:
        doc = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict):
        return {}
    meta = (doc.get("short") or {}).get("metadata") if isinstance(doc.get("short"), dict) else None
    if isinstance(meta, dict) and meta.get("title"):
        return {k: meta[k] for k in ("title", "description", "tags") if meta.get(k)}
    prompt = (doc.get("request") or {}).get("prompt") if isinstance(doc.get("request"), dict) else None
    return {"title": str(prompt)} if prompt else {}


def _title_from(prompt: Any, path: Path) -> str:
    text = " ".join(str(prompt).split()) if prompt else path.stem.replace("_", " ").replace("-", " ")
    return text[:100] or "Untitled"


def _from_file(path: Path) -> Source:
    meta = _sidecar_meta(path.with_suffix(".json"))
    thumb = path.with_suffix(".jpg")
    duration = None
    try:
        from ..media import probe

        duration = probe(path).duration_s
    except Exception:  # not probeable here: the platform checks it
        duration = None
    return Source(
        path=path, thumbnail=thumb if thumb.is_file() else None, duration_s=duration,
        title=_title_from(meta.get("title"), path), description=meta.get("description", ""),
        tags=list(meta.get("tags") or []),
    )  # fmt: skip


async def _from_asset(config: Any, asset_id: str) -> Source:
    lib = await asyncio.to_thread(Library.from_config, config)
    try:
        asset = await lib.assets.get(asset_id)
    finally:
        await asyncio.to_thread(lib.close)
    meta = await asyncio.to_thread(_sidecar_meta, asset.sidecar_path)
    return Source(
        path=asset.path, asset_id=asset.id, checksum=asset.checksum, thumbnail=asset.thumbnail_path,
        duration_s=asset.duration_s, title=_title_from(meta.get("title") or asset.request.get("prompt"), asset.path),
        description=meta.get("description", ""), tags=list(meta.get("tags") or []),
    )  # fmt: skip


async def resolve_source(config: Any, source: str | Path) -> Source:
    """A path to an existing file, else a library asset id."""
    path = Path(source).expanduser()
    if await asyncio.to_thread(path.is_file):
        return await asyncio.to_thread(_from_file, path.resolve())
    if isinstance(source, Path) or "/" in str(source) or path.suffix:
        raise InvalidRequest({"source": f"file not found: {source}"})
    return await _from_asset(config, str(source))


def metadata_for(source: Source, target: PublishTarget) -> VideoMetadata:
    return VideoMetadata(
        title=target.title or source.title,
        description=source.description if target.description is None else target.description,
        tags=source.tags if target.tags is None else target.tags,
        category_id=target.category_id,
        privacy=target.privacy,
        publish_at=target.schedule,
        made_for_kids=target.made_for_kids,
        thumbnail=source.thumbnail if target.thumbnail else None,
        duration_s=source.duration_s,
    )


def parse_target(target: PublishTarget | dict[str, Any]) -> PublishTarget:
    if isinstance(target, PublishTarget):
        return target
    try:
        return PublishTarget.model_validate(target)
    except ValidationError as exc:
        raise InvalidRequest(
            {"publish." + ".".join(str(p) for p in e["loc"]): e["msg"] for e in exc.errors()}
        ) from None


async def publish(
    config: Any,
    source: str | Path,
    target: PublishTarget | dict[str, Any],
    on_progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    *,
    key: str | None = None,
) -> Published:
    """Upload ``source`` (an asset id or a file path) to ``target["to"]``; resumable, see the module docstring.

    ``key``: a stable name for this step (e.g. ``f"{job_id}:publish:{index}"``); with it, calling again after the
    upload finished returns the stored result instead of uploading again.
    """
    step = parse_target(target)
    publisher = get_publisher(config, step.to)
    src = await resolve_source(config, source)
    meta = metadata_for(src, step)
    published = await publisher.upload(src.path, meta, on_progress, cancel, key=key)
    if src.asset_id is not None:  # kept on the asset: its row and sidecar (``assets show`` prints it)
        lib = await asyncio.to_thread(Library.from_config, config)
        try:
            await lib.assets.set_published(src.asset_id, published.model_dump(mode="json"))
        finally:
            await asyncio.to_thread(lib.close)
    return published


def published_for(asset: Asset) -> list[Published]:
    """Every recorded upload of ``asset``."""
    return [Published.model_validate(r) for r in asset.extra.get("published", [])]


__all__ = ["PublishTarget", "Source", "metadata_for", "parse_target", "publish", "published_for", "resolve_source"]
