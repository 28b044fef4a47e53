"""How a request is kept in records: inputs by name or size, never raw bytes; secrets removed."""

from __future__ import annotations

from typing import Any

from ..config import redact
from ..types import VideoRequest


def request_record(request: VideoRequest) -> dict[str, Any]:
    """The request as stored in the ledger, the asset library and job records."""
    data = request.model_dump(mode="python")
    for key in ("image", "last_frame", "video", "audio"):
        value = data.get(key)
        if isinstance(value, bytes):
            data[key] = f"<{len(value)} bytes>"
        elif value is not None:
            data[key] = str(value)
    data["extra"] = redact(data.get("extra") or {})
    return data


__all__ = ["request_record"]
