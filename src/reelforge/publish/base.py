"""The publisher contract: sign in once, then upload a file with its metadata, resumably.

A platform is one subclass in one file (``youtube.py``, ``tiktok.py``): ``login`` stores a token under
``data_dir/publish/tokens/``, ``upload`` sends a file and returns ``Published``. An upload keeps its session
(the platform's upload URL and the offset the server confirmed) under ``data_dir/publish/sessions/`` before
sending bytes, so calling ``upload`` again after a crash continues it instead of starting from zero.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from ..types import CancelToken, ProgressCallback
from .config import PlatformConfig
from .store import PublishStore

#: shows the consent URL to the person signing in (prints it, or opens a browser)
Announce = Callable[[str], None]


class VideoMetadata(BaseModel):
    """What the platform shows with the video. ``privacy`` uses the platform's own words; None: the config's."""

    title: str
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    category_id: str | None = None
    privacy: str | None = None
    publish_at: datetime | None = None  # YouTube schedules a private video to go public then
    made_for_kids: bool | None = None
    thumbnail: Path | None = None
    duration_s: float | None = None  # checked against the platform's limit when known


class Published(BaseModel):
    """One finished upload."""

    platform: str
    video_id: str
    url: str | None = None
    privacy: str | None = None
    publish_at: datetime | None = None
    status: str = "uploaded"
    published_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    warnings: list[str] = Field(default_factory=list)


class Backoff:
    """Exponential backoff with jitter over consecutive failures; ``reset`` after a success."""

    def __init__(self, config: PlatformConfig) -> None:
        self.config = config
        self.failures = 0

    def reset(self) -> None:
        self.failures = 0

    @property
    def exhausted(self) -> bool:
        return self.failures > self.config.retries

    async def wait(self, cancel: CancelToken | None) -> None:
        """Count one failure and sleep; raise ``Cancelled`` when cancelled meanwhile."""
        self.failures += 1
        base = min(self.config.max_backoff_s, self.config.backoff_s * 2 ** (self.failures - 1))
        delay = base * (0.5 + random.random() / 2)
        if cancel is None:
            await asyncio.sleep(delay)
        elif await cancel.wait(delay):
            cancel.raise_if_cancelled("upload")


def file_digest(path: Path) -> str:
    """sha256 of the file, hex (blocking: call it in a thread)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Publisher(ABC):
    """One platform. Subclasses set ``name`` and ``config_model`` and implement ``login`` and ``upload``."""

    name: ClassVar[str]
    config_model: ClassVar[type[PlatformConfig]]

    def __init__(self, config: PlatformConfig, data_dir: Path | str) -> None:
        self.config = config
        self.store = PublishStore(data_dir)

    @abstractmethod
    async def login(self, announce: Announce, *, timeout_s: float = 300.0) -> str:
        """Run the OAuth sign-in: ``announce`` the consent URL, wait for the redirect on a loopback port,
        store the token (0600). Returns a short description of the signed-in account (no secrets)."""

    @abstractmethod
    async def upload(
        self,
        file: Path,
        metadata: VideoMetadata,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        *,
        key: str | None = None,
    ) -> Published:
        """Upload ``file``; continue a stored session for the same ``key`` (default: the file's sha256).

        With a caller's ``key`` a finished upload is remembered, so a second call returns the same result.
        """

    def signed_in(self) -> bool:
        return self.store.read_token(self.name) is not None

    async def session_key(self, file: Path, key: str | None) -> tuple[str, bool]:
        """The session key and whether the caller chose it (a finished session is then kept)."""
        if key:
            return key, True
        return await asyncio.to_thread(file_digest, file), False

    async def load_session(self, key: str) -> dict[str, Any]:
        return await asyncio.to_thread(self.store.read_session, self.name, key)

    async def save_session(self, key: str, state: dict[str, Any]) -> None:
        await asyncio.to_thread(self.store.write_session, self.name, key, dict(state))

    async def clear_session(self, key: str) -> None:
        await asyncio.to_thread(self.store.clear_session, self.name, key)

    async def finish_session(self, key: str, keep: bool, published: Published) -> Published:
        """Remember the result under a caller's key (a job step), else forget the session."""
        if keep:
            await self.save_session(key, {"done": published.model_dump(mode="json")})
        else:
            await self.clear_session(key)
        return published

    async def finished(self, key: str) -> Published | None:
        done = (await self.load_session(key)).get("done")
        return Published.model_validate(done) if isinstance(done, dict) else None


__all__ = ["Announce", "Backoff", "Published", "Publisher", "VideoMetadata", "file_digest"]
