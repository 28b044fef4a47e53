"""The asset store: output files, JSON sidecars and thumbnails under ``data_dir/assets``, one row each."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
import shutil
import uuid
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..errors import GenerationFailed, InvalidRequest
from ..media import atomic_path, atomic_write_bytes, atomic_write_text
from ..media.ahead import FilesAhead
from ..media.workers import in_file_thread, in_media_thread
from ..types import Cost
from .ids import new_id
from .models import Asset
from .tables import assets as t
from .thumbnail import probe_with_thumbnail
from .writer import BatchWriter

if TYPE_CHECKING:
    from .slot import Slot

_INSERT = t.insert()  # built once: each add only binds values (no per-call statement or cache-key building)


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class AssetStore:
    """Files and rows of stored outputs. Every method does its blocking work off the event loop."""

    def __init__(self, engine: Engine, data_dir: Path, writer: BatchWriter | None = None) -> None:
        self._engine = engine
        self._writer = writer or BatchWriter(engine)  # rows join the transactions of concurrent writes
        self.data_dir = Path(data_dir)
        self.assets_dir = self.data_dir / "assets"
        self.tmp_dir = self.data_dir / "tmp"
        self.assets_dir.mkdir(parents=True, exist_ok=True)
        self.tmp_dir.mkdir(parents=True, exist_ok=True)

    # ---- paths -------------------------------------------------------------------------------------
    def staging_path(self, suffix: str = ".mp4") -> Path:
        """A fresh path under ``data_dir/tmp`` (same filesystem as the assets, so ``add`` moves by renaming)."""
        return self.tmp_dir / f"{uuid.uuid4().hex}{suffix}"

    def _rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.data_dir).as_posix()
        except ValueError:
            return str(path)

    def _abs(self, stored: str | None) -> Path | None:
        if stored is None:
            return None
        p = Path(stored)
        return p if p.is_absolute() else self.data_dir / p

    def _is_staged(self, path: Path) -> bool:
        return path.resolve().parent == self.tmp_dir.resolve()

    # ---- add ---------------------------------------------------------------------------------------
    async def add(
        self,
        src: Path,
        *,
        kind: str,
        request: dict[str, Any],
        backend: str,
        model: str | None,
        seed: int | None,
        cost: Cost,
        provider_job_id: str | None,
        cache_key: str | None,
        warnings: list[str],
        extra: dict[str, Any] | None = None,
        spare: FilesAhead | None = None,
    ) -> Asset:
        """Probe, hash and thumbnail ``src``, then move it into the library with its sidecar and row.

        All or nothing: on any failure no file, thumbnail, sidecar or row is left in the library, and a
        staged ``src`` (from ``staging_path``) is deleted; any other ``src`` is left where it was.
        ``spare``: files made ahead by ``spare_files()`` for the thumbnail and sidecar (the caller discards
        what is left); ``reserve()`` does this for you.
        """
        src = Path(src)
        fields = dict(
            kind=kind,
            request=request,
            backend=backend,
            model=model,
            seed=seed,
            cost_usd=cost.actual_usd if cost.actual_usd is not None else cost.estimated_usd,
            billable=cost.billable,
            provider_job_id=provider_job_id,
            cache_key=cache_key,
            warnings=list(warnings),
            extra=dict(extra or {}),
        )
        # decoding on a media thread, creating and moving files on a file thread (media/workers.py), then the
        # row joins the writer's next transaction
        try:
            asset, thumb, sidecar = await in_media_thread(self._prepare, src, fields)
        except BaseException:
            if self._is_staged(src):
                await asyncio.shield(in_file_thread(src.unlink, missing_ok=True))
            raise
        if spare is not None:
            await spare.ready()
        renamed = await in_file_thread(self._place_all, asset, src, thumb, sidecar, spare)
        try:
            await self._writer.run(partial(self._insert_row, asset=asset))
        except BaseException:
            await asyncio.shield(in_file_thread(self._unplace, asset, src, renamed, asset.path.exists()))
            raise
        return asset

    def _prepare(self, src: Path, fields: dict[str, Any]) -> tuple[Asset, bytes | None, str]:
        """Probe, hash and thumbnail ``src``: the asset record, its thumbnail and its sidecar text."""
        if not src.is_file():
            raise InvalidRequest({"src": f"{src} is not a file"})
        info, thumb = probe_with_thumbnail(src)  # one pass over the file for both
        if not info.has_video and fields["kind"] == "video":
            raise GenerationFailed(f"{src.name} holds no video stream", stage="library")
        asset_id = new_id()
        width, height = info.display_size
        asset = Asset(
            id=asset_id,
            path=self.assets_dir / f"{asset_id}{src.suffix or '.mp4'}",
            sidecar_path=self.assets_dir / f"{asset_id}.json",
            thumbnail_path=self.assets_dir / f"{asset_id}.jpg" if thumb else None,
            created_at=datetime.now(UTC),
            checksum=_sha256(src),
            size_bytes=src.stat().st_size,
            width=width,
            height=height,
            fps=info.fps,
            num_frames=info.num_frames,
            duration_s=round(info.duration_s, 6),
            **fields,
        )
        return asset, thumb, asset.model_dump_json(indent=2) + "\n"  # serialized in Rust, not json.dumps

    def _place(self, src: Path, dst: Path) -> bool:
        """Move ``src`` to ``dst``: a rename when possible (True), else an atomic copy (False, src kept)."""
        try:
            os.replace(src, dst)
            return True
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
        with atomic_path(dst) as tmp:
            shutil.copyfile(src, tmp)
        return False

    def reserve(self, suffix: str = ".mp4") -> Slot:
        """A staging path for an output about to be written, and the one call that stores it (see ``Slot``)."""
        from .slot import Slot

        return Slot(self, suffix)

    def spare_files(self) -> FilesAhead:
        """Start making the files a coming ``add`` will need, for its thumbnail and sidecar (call from the
        event loop; ``discard`` after)."""
        stem = uuid.uuid4().hex
        return FilesAhead([self.tmp_dir / f"{stem}.{i}.spare" for i in range(2)])

    def _place_all(
        self, asset: Asset, src: Path, thumb: bytes | None, sidecar: str, spare: FilesAhead | None = None
    ) -> bool:
        """Move the file in, write the thumbnail and sidecar; undone on failure (a staged ``src`` deleted).

        True if ``src`` was renamed (not copied)."""
        placed = renamed = False
        try:
            renamed = self._place(src, asset.path)
            placed = True
            if thumb is not None and asset.thumbnail_path is not None:
                atomic_write_bytes(asset.thumbnail_path, thumb, tmp=spare.take() if spare else None)
            self._write_sidecar(asset, sidecar, spare)
        except BaseException:
            self._unplace(asset, src, renamed, placed)
            raise
        return renamed

    def _unplace(self, asset: Asset, src: Path, renamed: bool, file_placed: bool) -> None:
        """Take a half-added asset's files out again: the caller's own (unstaged) file goes back, a staged
        one is deleted."""
        for p in (asset.sidecar_path, asset.thumbnail_path):
            if p is not None:
                p.unlink(missing_ok=True)
        if file_placed:
            if renamed and not self._is_staged(src):
                with contextlib.suppress(OSError):
                    os.replace(asset.path, src)  # give the caller's own file back
            asset.path.unlink(missing_ok=True)
        if self._is_staged(src):
            src.unlink(missing_ok=True)

    def _write_sidecar(self, asset: Asset, text: str, spare: FilesAhead | None = None) -> None:
        atomic_write_text(asset.sidecar_path, text, tmp=spare.take() if spare else None)

    def _insert_row(self, conn: Connection, asset: Asset) -> None:
        row = asset.model_dump()
        row.update(
            path=self._rel(asset.path),
            sidecar_path=self._rel(asset.sidecar_path),
            thumbnail_path=self._rel(asset.thumbnail_path) if asset.thumbnail_path else None,
        )
        conn.execute(_INSERT, row)

    # ---- read --------------------------------------------------------------------------------------
    def _to_asset(self, row: sa.Row[Any]) -> Asset:
        data = dict(row._mapping)
        data.update(
            path=self._abs(data["path"]),
            sidecar_path=self._abs(data["sidecar_path"]),
            thumbnail_path=self._abs(data["thumbnail_path"]),
        )
        return Asset.model_validate(data)

    def _get(self, asset_id: str) -> Asset:
        with self._engine.connect() as conn:
            row = conn.execute(t.select().where(t.c.id == asset_id)).first()
        if row is None:
            raise InvalidRequest({"asset_id": f"no asset {asset_id!r}; `reelforge assets list` shows the stored ones"})
        return self._to_asset(row)

    async def get(self, asset_id: str) -> Asset:
        return await asyncio.to_thread(self._get, asset_id)

    def _list(self, limit: int, cursor: str | None, kind: str | None) -> list[Asset]:
        if not 1 <= limit <= 1000:
            raise InvalidRequest({"limit": f"must be between 1 and 1000, got {limit}"})
        query = t.select().order_by(t.c.id.desc()).limit(limit)
        if cursor:
            query = query.where(t.c.id < cursor)
        if kind:
            query = query.where(t.c.kind == kind)
        with self._engine.connect() as conn:
            return [self._to_asset(r) for r in conn.execute(query)]

    async def list(self, *, limit: int = 50, cursor: str | None = None, kind: str | None = None) -> list[Asset]:
        """Newest first. Pass the last id of one page as ``cursor`` to get the next page."""
        return await asyncio.to_thread(self._list, limit, cursor, kind)

    # ---- publishing records -------------------------------------------------------------------------
    def _set_published(self, asset_id: str, record: dict[str, Any]) -> Asset:
        asset = self._get(asset_id)
        same = (record.get("platform"), record.get("video_id"))
        kept = [p for p in asset.extra.get("published", []) if (p.get("platform"), p.get("video_id")) != same]
        asset = asset.model_copy(update={"extra": {**asset.extra, "published": [*kept, record]}})
        with self._engine.begin() as conn:
            conn.execute(t.update().where(t.c.id == asset_id).values(extra=asset.extra))
        self._write_sidecar(asset, asset.model_dump_json(indent=2) + "\n")
        return asset

    async def set_published(self, asset_id: str, record: dict[str, Any]) -> Asset:
        """Record where the asset was published (``extra["published"]``, one entry per platform and video id),
        in its row and its sidecar."""
        return await asyncio.to_thread(self._set_published, asset_id, record)

    # ---- remove ------------------------------------------------------------------------------------
    def _delete(self, asset: Asset) -> None:
        with self._engine.begin() as conn:
            conn.execute(t.delete().where(t.c.id == asset.id))
        for p in (asset.path, asset.sidecar_path, asset.thumbnail_path):
            if p is not None:
                p.unlink(missing_ok=True)

    def _remove(self, asset_id: str) -> None:
        self._delete(self._get(asset_id))

    async def remove(self, asset_id: str) -> None:
        """Delete the asset's row, file, sidecar and thumbnail. Unknown ids raise ``InvalidRequest``."""
        await asyncio.to_thread(self._remove, asset_id)

    # ---- cache -------------------------------------------------------------------------------------
    def _find_cached(self, cache_key: str) -> Asset | None:
        query = t.select().where(t.c.cache_key == cache_key).order_by(t.c.id.desc())
        with self._engine.connect() as conn:
            rows = conn.execute(query).fetchall()
        for row in rows:
            asset = self._to_asset(row)
            try:
                intact = asset.path.stat().st_size == asset.size_bytes
            except OSError:
                intact = False
            if intact:
                return asset
            self._delete(asset)  # the file is gone or changed: the row is stale
        return None

    async def find_cached(self, cache_key: str) -> Asset | None:
        """The newest intact asset stored under ``cache_key``; stale rows (file gone or resized) are dropped."""
        return await asyncio.to_thread(self._find_cached, cache_key)


__all__ = ["AssetStore"]
