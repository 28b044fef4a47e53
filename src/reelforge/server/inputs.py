"""Request inputs as the API takes them: an upload id or an https URL (fetched here, SSRF-guarded, capped).

Server paths are never read on a client's word: a request that names a local file is refused. What a job
stores is the path of the fetched or uploaded copy under ``data_dir/uploads``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from ..errors import InvalidRequest
from .config import ServerConfig
from .errors import TooLarge
from .sniff import MediaKind
from .ssrf import Guard
from .uploads import UPLOAD_ID, Upload, UploadStore

VIDEO_INPUTS: dict[str, MediaKind] = {"image": "image", "last_frame": "image", "video": "video", "audio": "audio"}
HOW = "pass an upload id (POST /v1/uploads) or an https URL; the server does not read its own files for clients"


class Inputs:
    def __init__(self, uploads: UploadStore, guard: Guard, settings: ServerConfig) -> None:
        self.uploads, self.guard, self.settings = uploads, guard, settings

    @property
    def max_bytes(self) -> int:
        return int(self.settings.max_upload_mb * 1_000_000)

    async def fetch(self, url: str, field: str, want: MediaKind | None = None) -> Upload:
        """Download ``url`` into the upload store (size-capped, timed out, every hop vetted)."""
        timeout = httpx.Timeout(self.settings.fetch_timeout_s)
        try:
            async with asyncio.timeout(self.settings.fetch_timeout_s):
                response = await self.guard.open(url, field, self.settings.max_redirects, timeout)
                try:
                    if response.status_code != 200:
                        raise InvalidRequest({field: f"fetching the URL answered HTTP {response.status_code}"})
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > self.max_bytes:
                        limit = f"{self.max_bytes / 1e6:g} MB"
                        raise TooLarge({field: f"the file is {int(declared) / 1e6:g} MB; the limit is {limit}"})
                    part, size, sha, head = await self.uploads.write(response.aiter_bytes(), self.max_bytes, field)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise InvalidRequest({field: f"fetching took longer than {self.settings.fetch_timeout_s:g} s"}) from None
        except httpx.HTTPError as exc:
            raise InvalidRequest({field: f"could not fetch the URL: {type(exc).__name__}"}) from None
        source = str(httpx.URL(url).copy_with(query=None, fragment=None))  # signed query strings stay out of records
        return await self.uploads.store(part, size, sha, head, field, source_url=source, want=want)

    async def path_of(self, value: Any, field: str, want: MediaKind) -> str:
        if not isinstance(value, str):
            raise InvalidRequest({field: HOW})
        if UPLOAD_ID.fullmatch(value):
            upload = await asyncio.to_thread(self.uploads.get, value, field)
            if upload.kind != want:
                raise InvalidRequest({field: f"upload {value} is {upload.kind}, not {want}"})
            return str(self.uploads.path(upload))
        if value.lower().startswith(("https://", "http://")):
            return str(self.uploads.path(await self.fetch(value, field, want)))
        raise InvalidRequest({field: HOW})

    async def video(self, data: dict[str, Any]) -> dict[str, Any]:
        """The video request with every input replaced by the path of the server's copy."""
        out = dict(data)
        problems: dict[str, str] = {}
        for field, want in VIDEO_INPUTS.items():
            if out.get(field) is None:
                continue
            try:
                out[field] = await self.path_of(out[field], field, want)
            except InvalidRequest as exc:
                if isinstance(exc, TooLarge):
                    raise
                problems.update(exc.problems)
        if problems:
            raise InvalidRequest(problems)
        return out

    async def short(self, data: dict[str, Any]) -> dict[str, Any]:
        """The short request with its voiceover and music files resolved; server paths refused."""
        out = dict(data)
        problems = {f: f"not taken over the API: {hint}" for f, hint in _SHORT_REFUSED.items() if out.get(f)}
        if problems:
            raise InvalidRequest(problems)
        if out.get("voiceover") is not None:
            out["voiceover"] = await self.path_of(out["voiceover"], "voiceover", "audio")
        music = out.get("music")
        if isinstance(music, str) and (UPLOAD_ID.fullmatch(music) or "://" in music):
            out["music"] = await self.path_of(music, "music", "audio")
        elif isinstance(music, str) and ("/" in music or "\\" in music or Path(music).suffix):
            raise InvalidRequest({"music": f"a bundled mood, 'none', or an audio file: {HOW}"})
        return out


_SHORT_REFUSED = {
    "script": "send the script itself as script_text",
    "output": "the server chooses where the short is written",
}

__all__ = ["HOW", "VIDEO_INPUTS", "Inputs"]
