"""Empty files made ahead of an expected ``AssetStore.add``, for its thumbnail and sidecar.

On some disks creating a file costs up to a millisecond of CPU. A caller that knows an add is coming (the
router, when it starts an attempt) has these made on a file thread while the backend works, instead of when
hundreds of generations finish at once. The add writes into them and renames them into place; whatever is
not used is deleted by ``discard``.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from pathlib import Path

from ..media.workers import in_file_thread

COUNT = 2  # the thumbnail and the sidecar


class SpareFiles:
    def __init__(self, folder: Path) -> None:
        stem = uuid.uuid4().hex
        self._paths = [folder / f"{stem}.{i}.spare" for i in range(COUNT)]
        self._made: asyncio.Future[None] = asyncio.ensure_future(in_file_thread(self._create))

    def _create(self) -> None:
        for path in self._paths:
            path.open("wb").close()

    async def ready(self) -> None:
        """Wait until they are made (if making them failed, ``take`` gives nothing and adds create their own)."""
        with contextlib.suppress(OSError):
            await asyncio.shield(self._made)

    def take(self) -> Path | None:
        """One made and unused file, or None. Call after ``ready``; for the taker to fill and rename."""
        if not self._made.done() or self._made.cancelled() or self._made.exception() is not None:
            return None
        return self._paths.pop() if self._paths else None

    def discard(self) -> None:
        """Delete the unused files, now or as soon as they are made."""

        def remove(_: object = None) -> None:
            if not self._made.cancelled():
                self._made.exception()  # retrieved, so a failure to make them is not reported as unhandled
            for path in self._paths:
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)
            self._paths = []

        if self._made.done():
            remove()
        else:
            self._made.add_done_callback(remove)
