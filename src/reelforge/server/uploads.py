"""Uploaded and fetched input files: streamed to disk under a cap, typed by their bytes, checked by decoding.

Each file lives in ``data_dir/uploads`` as ``<id><ext>`` next to ``<id>.json`` (its record). A request names
it by its id (``"image": "upl_…"``); the server swaps in the path before the job is queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from ..errors import InvalidRequest
from .errors import NotFound, TooLarge
from .sniff import HEAD_BYTES, MediaKind, extension_of, kind_of, sniff

UPLOAD_ID = re.compile(r"upl_[0-9a-f]{32}")
FLUSH_BYTES = 1 << 20


class Upload(BaseModel):
    """An input file the server holds: pass its ``id`` as a request's image, last_frame, video or audio."""

    id: str
    kind: MediaKind
    mime: str
    size_bytes: int
    sha256: str
    created_at: datetime
    filename: str | None = None
    source_url: str | None = None


def _verify(path: Path, kind: MediaKind) -> str | None:
    """Decode enough of the file to know it is what its magic number says; the problem, or None."""
    try:
        if kind == "image":
            from PIL import Image

            with Image.open(path) as im:
                im.verify()
            return None
        import av

        with av.open(str(path)) as container:
            streams = container.streams.video if kind == "video" else container.streams.audio
            if not streams:
                return f"the file holds no {kind} stream"
        return None
    except Exception as exc:  # any decoder failure means the bytes are not a usable file of that type
        return f"the file is not a readable {kind}: {type(exc).__name__}"


class UploadStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _ensure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    async def write(self, chunks: AsyncIterator[bytes], max_bytes: int, field: str) -> tuple[Path, int, str, bytes]:
        """Stream ``chunks`` to a part file; TooLarge past ``max_bytes``. Returns (part, size, sha256, head)."""
        await asyncio.to_thread(self._ensure)
        part = self.root / f"tmp-{uuid.uuid4().hex}.part"
        digest = hashlib.sha256()
        size, head, buffer = 0, b"", bytearray()
        fh = await asyncio.to_thread(open, part, "wb")
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge({field: f"larger than the limit of {max_bytes / 1e6:g} MB (server.max_upload_mb)"})
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                digest.update(chunk)
                buffer += chunk
                if len(buffer) >= FLUSH_BYTES:
                    await asyncio.to_thread(fh.write, bytes(buffer))
                    buffer.clear()
            await asyncio.to_thread(fh.write, bytes(buffer))
        except BaseException:
            await asyncio.to_thread(fh.close)
            await asyncio.to_thread(part.unlink, True)
            raise
        await asyncio.to_thread(fh.close)
        return part, size, digest.hexdigest(), head

    async def store(
        self,
        part: Path,
        size: int,
        sha256: str,
        head: bytes,
        field: str,
        *,
        filename: str | None = None,
        source_url: str | None = None,
        want: MediaKind | None = None,
    ) -> Upload:
        """Type the part file by its bytes, check it decodes, and keep it under a new upload id."""
        try:
            mime = sniff(head)
            if size == 0 or mime is None:
                raise InvalidRequest({field: "not an image, video or audio file this server takes (read by content)"})
            kind = kind_of(mime)
            if want is not None and kind != want:
                raise InvalidRequest({field: f"expected {want}, got {kind} ({mime})"})
            problem = await asyncio.to_thread(_verify, part, kind)
            if problem:
                raise InvalidRequest({field: problem})
        except BaseException:
            await asyncio.to_thread(part.unlink, True)
            raise
        upload = Upload(
            id=f"upl_{uuid.uuid4().hex}",
            kind=kind,
            mime=mime,
            size_bytes=size,
            sha256=sha256,
            created_at=datetime.now(UTC),
            filename=filename,
            source_url=source_url,
        )
        await asyncio.to_thread(self._keep, part, upload)
        return upload

    def _keep(self, part: Path, upload: Upload) -> None:
        part.rename(self.root / f"{upload.id}{extension_of(upload.mime)}")
        (self.root / f"{upload.id}.json").write_text(upload.model_dump_json(), encoding="utf-8")

    def get(self, upload_id: str, field: str = "upload_id") -> Upload:
        """The upload's record (blocking: a small file read)."""
        record = self.root / f"{upload_id}.json"
        if not UPLOAD_ID.fullmatch(upload_id) or not record.is_file():
            raise NotFound({field: f"no upload {upload_id!r}"})
        return Upload.model_validate(json.loads(record.read_text(encoding="utf-8")))

    def path(self, upload: Upload) -> Path:
        return self.root / f"{upload.id}{extension_of(upload.mime)}"

    def delete(self, upload_id: str) -> None:
        upload = self.get(upload_id)
        for path in (self.path(upload), self.root / f"{upload.id}.json"):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


__all__ = ["UPLOAD_ID", "Upload", "UploadStore"]
