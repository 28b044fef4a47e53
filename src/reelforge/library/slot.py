"""``Slot``: a staging path for a coming output and the one call that stores it in the library."""

from __future__ import annotations

import asyncio
from typing import Any

from ..media.ahead import FilesAhead
from ..media.workers import in_file_thread
from .assets import AssetStore
from .models import Asset


class Slot:
    """Where a coming output is written (``path``), and ``store`` to hand it to the library in one call.

    While the caller works (a backend generating into ``path``), the files the thumbnail and sidecar will
    need are made ahead on a file thread, so their cost does not fall when many outputs finish at once.
    Use as ``async with store.reserve() as slot``: leaving the block deletes whatever was not stored.
    """

    def __init__(self, store: AssetStore, suffix: str) -> None:
        self._store = store
        self.path = store.staging_path(suffix)
        self._spare: FilesAhead | None = None
        self.asset: Asset | None = None

    async def __aenter__(self) -> Slot:
        self._spare = self._store.spare_files()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._spare is not None:
            self._spare.discard()
        if self.asset is None:
            await asyncio.shield(in_file_thread(self.path.unlink, missing_ok=True))

    async def store(self, **fields: Any) -> Asset:
        """``AssetStore.add`` of ``path`` with ``fields`` (all or nothing; the staged file is gone either way)."""
        self.asset = await self._store.add(self.path, spare=self._spare, **fields)
        return self.asset


__all__ = ["Slot"]
