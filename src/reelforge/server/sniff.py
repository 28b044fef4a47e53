"""What a file is, read from its bytes (magic numbers), never from its name or a Content-Type header."""

from __future__ import annotations

from typing import Literal

MediaKind = Literal["image", "video", "audio"]

#: mime -> (kind, file extension)
TYPES: dict[str, tuple[MediaKind, str]] = {
    "image/png": ("image", ".png"),
    "image/jpeg": ("image", ".jpg"),
    "image/webp": ("image", ".webp"),
    "image/gif": ("image", ".gif"),
    "video/mp4": ("video", ".mp4"),
    "video/quicktime": ("video", ".mov"),
    "video/webm": ("video", ".webm"),
    "video/x-matroska": ("video", ".mkv"),
    "audio/wav": ("audio", ".wav"),
    "audio/mpeg": ("audio", ".mp3"),
    "audio/ogg": ("audio", ".ogg"),
    "audio/flac": ("audio", ".flac"),
    "audio/mp4": ("audio", ".m4a"),
}
HEAD_BYTES = 64
_AUDIO_BRANDS = (b"M4A ", b"M4B ", b"M4P ", b"F4A ")


def _mp3_frame(head: bytes) -> bool:
    if len(head) < 3 or head[0] != 0xFF or (head[1] & 0xE0) != 0xE0:
        return False
    version, layer, bitrate = (head[1] >> 3) & 0x3, (head[1] >> 1) & 0x3, head[2] >> 4
    return version != 1 and layer != 0 and bitrate not in (0, 15)


def sniff(head: bytes) -> str | None:
    """The mime type of a file from its first bytes (at least ``HEAD_BYTES``), or None when not a known type."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AUDIO_BRANDS:
            return "audio/mp4"
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:HEAD_BYTES] else "video/x-matroska"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"ID3") or _mp3_frame(head):
        return "audio/mpeg"
    return None


def kind_of(mime: str) -> MediaKind:
    return TYPES[mime][0]


def extension_of(mime: str) -> str:
    return TYPES[mime][1]


__all__ = ["HEAD_BYTES", "TYPES", "MediaKind", "extension_of", "kind_of", "sniff"]
