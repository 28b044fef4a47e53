"""Empty files made ahead, on a file thread, for writes that are expected later.

On some disks creating a file costs up to a millisecond of CPU. A caller that knows it will write files
(a hosted backend its download while the provider works; the asset library the thumbnail and sidecar of an asset
while the backend works) has them made early, instead of when hundreds of generations finish at once. The
writer fills them (``open(..., "wb")`` on an existing empty file is cheap) and renames them into place, or
``take``s one; ``discard`` (or leaving a ``with`` block) deletes whatever is still there, also when it is
still being made.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from .workers import in_file_thread


class FilesAhead:
    def __init__(self, paths: list[Path]) -> None:
        """Start making ``paths`` (call from the event loop)."""
        self._paths = list(paths)
        self._made: asyncio.Future[None] = asyncio.ensure_future(in_file_thread(self._create))

    def _create(self) -> None:
        for path in self._paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.open("wb").close()

    async def ready(self) -> None:
        """Wait until they are made (if making them failed, ``take`` gives nothing and writers create their own)."""
        with contextlib.suppress(OSError):
            await asyncio.shield(self._made)

    def take(self) -> Path | None:
        """One made and untaken file, or None. Call after ``ready``; the taker fills and renames it."""
        if not self._made.done() or self._made.cancelled() or self._made.exception() is not None:
            return None
        return self._paths.pop() if self._paths else None

    def __enter__(self) -> FilesAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def discard(self) -> None:
        """Delete the untaken files (a file renamed away meanwhile is simply gone), now or once made."""

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


__all__ = [
    "FilesAhead",
]
