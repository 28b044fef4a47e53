"""Resolve request inputs (path, bytes or https URL) into checked, typed references."""

from __future__ import annotations

import base64
import hashlib
import io
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from ..types import MediaInput

IMAGE_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "BMP": "image/bmp",
    "TIFF": "image/tiff",
}


@dataclass(frozen=True)
class MediaRef:
    """One input file: exactly one of ``path``/``url`` is set (bytes are written to ``path``'s data)."""

    field: str
    path: Path | None = None
    url: str | None = None
    data: bytes | None = None
    mime: str | None = None
    size: int = 0
    width: int = 0
    height: int = 0
    sha256: str = ""

    def read_bytes(self) -> bytes:
        if self.data is not None:
            return self.data
        if self.path is not None:
            return self.path.read_bytes()
        raise ValueError(f"{self.field} is a URL; download it first")

    def data_uri(self) -> str:
        return f"data:{self.mime or 'application/octet-stream'};base64," + base64.b64encode(self.read_bytes()).decode()

    def identity(self) -> str:
        """Stable identity for cache keys: content hash, or the URL itself."""
        return self.sha256 or (self.url or "")


def _check_image(field: str, data: bytes, max_bytes: int) -> tuple[str, int, int] | str:
    if len(data) > max_bytes:
        return f"image is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB"
    try:
        from PIL import Image, UnidentifiedImageError

        with Image.open(io.BytesIO(data)) as im:
            fmt = im.format or ""
            im.verify()
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            w, h = im.size
            if im.getexif().get(0x0112) in (5, 6, 7, 8):  # EXIF orientation turns it 90 degrees on display
                w, h = h, w
    except UnidentifiedImageError:
        return "not an image (unrecognised format)"
    except Exception as exc:
        return f"corrupt image ({exc})"
    if fmt not in IMAGE_FORMATS:
        return f"unsupported image format {fmt or 'unknown'} (use JPEG, PNG or WebP)"
    return IMAGE_FORMATS[fmt], w, h


def _url_ref(field: str, value: str, problems: dict[str, str]) -> MediaRef | None:
    if value.startswith("http://") and not value.startswith(("http://127.0.0.1", "http://localhost")):
        problems[field] = "URLs must use https"
        return None
    return MediaRef(field=field, url=value, mime=mimetypes.guess_type(value.split("?")[0])[0])


def _media_problem(path: Path, kind: str) -> str | None:
    """Why a video or audio file cannot be used, or None."""
    from .probe import probe

    try:
        info = probe(path)
    except Exception as exc:
        return f"{path.name}: {getattr(exc, 'message', exc)}"
    if kind == "video" and not info.has_video:
        return f"{path.name} has no video stream"
    if kind == "audio" and (not info.has_audio or info.duration_s <= 0):
        return f"{path.name} has no audio (or zero length)"
    return None


def resolve_input(
    field: str, value: MediaInput, *, kind: str, max_bytes: int = 20 * 1024 * 1024, problems: dict[str, str]
) -> MediaRef | None:
    """Check one input; add a message to ``problems`` and return None when it is unusable."""
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return _url_ref(field, value, problems)
    data: bytes
    path: Path | None = None
    if isinstance(value, bytes):
        data = value
    else:
        path = Path(value).expanduser()
        if not path.is_file():
            problems[field] = f"file not found: {path}"
            return None
        if path.stat().st_size > max_bytes:
            size_mb = path.stat().st_size / 1e6
            problems[field] = f"{path.name} is {size_mb:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB"
            return None
        data = path.read_bytes()
    if not data:
        problems[field] = "empty file"
        return None
    digest = hashlib.sha256(data).hexdigest()
    if kind == "image":
        checked = _check_image(field, data, max_bytes)
        if isinstance(checked, str):
            problems[field] = f"{path.name + ': ' if path else ''}{checked}"
            return None
        mime, w, h = checked
        return MediaRef(
            field=field,
            path=path,
            data=None if path else data,
            mime=mime,
            size=len(data),
            width=w,
            height=h,
            sha256=digest,
        )
    if path is not None and kind in ("video", "audio") and (problem := _media_problem(path, kind)):
        problems[field] = problem
        return None
    mime = mimetypes.guess_type(str(path))[0] if path else None
    if path is None:
        mime = "video/mp4" if kind == "video" else "audio/wav" if kind == "audio" else None
    return MediaRef(field=field, path=path, data=None if path else data, mime=mime, size=len(data), sha256=digest)


__all__ = [
    "IMAGE_FORMATS",
    "MediaRef",
    "resolve_input",
]
