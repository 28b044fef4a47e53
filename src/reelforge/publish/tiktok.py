"""TikTok (Content Posting API v2): creator info, init with ``FILE_UPLOAD``, chunk PUTs, then the status.

Protocol (https://developers.tiktok.com/doc/content-posting-api-reference-direct-post):
1. ``POST /v2/post/publish/creator_info/query/``: the privacy levels this creator may use and the longest video.
2. ``POST /v2/post/publish/video/init/`` (direct post, with ``post_info``) or ``/v2/post/publish/inbox/video/init/``
   (a draft in the creator's inbox) with ``source_info`` = FILE_UPLOAD, ``video_size``, ``chunk_size``,
   ``total_chunk_count`` -> ``publish_id`` and ``upload_url`` (valid for an hour). Both are stored before any byte.
3. ``PUT upload_url`` chunk by chunk, in order, ``Content-Range: bytes a-b/total``: ``206`` until the last, ``201``.
   Chunk rules: each 5-64 MB; ``total_chunk_count`` = size // chunk_size, the last chunk takes the trailing bytes
   (up to 128 MB); a file under 5 MB goes whole as one chunk; at most 1000 chunks.
4. ``POST /v2/post/publish/status/fetch/`` until ``PUBLISH_COMPLETE`` (``SEND_TO_USER_INBOX`` for a draft) or
   ``FAILED`` with its ``fail_reason``.
A confirmed chunk (206/201) is recorded, so a retry or a restarted process sends only the chunks after it.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, ClassVar

import httpx

from ..errors import AuthError, InvalidRequest, ProviderError, RateLimited, ReelforgeError, Timeout
from ..types import CancelToken, ProgressCallback, report
from . import tiktok_api
from .base import Announce, Backoff, Published, Publisher, VideoMetadata
from .config import MIB, TikTokConfig

MIN_CHUNK = 5 * MIB
MAX_CHUNKS = 1000


def chunk_plan(size: int, chunk_size: int) -> tuple[int, int]:
    """(chunk_size, total_chunk_count) following TikTok's chunk rules."""
    if size <= 0:
        raise InvalidRequest({"video": "the file is empty"})
    if size < MIN_CHUNK or size <= chunk_size:
        return size, 1
    chunk = max(chunk_size, -(-size // MAX_CHUNKS))
    return chunk, size // chunk


def chunk_range(index: int, chunk: int, count: int, size: int) -> tuple[int, int]:
    """The first and last byte of chunk ``index``; the last chunk takes the trailing bytes."""
    start = index * chunk
    return start, (size - 1 if index == count - 1 else start + chunk - 1)


def _read(path: Path, start: int, length: int) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(start)
        return fh.read(length)


class _Restart(Exception):
    """The upload URL expired: the upload starts over with a new init."""


class TikTokPublisher(Publisher):
    name: ClassVar[str] = "tiktok"
    config_model: ClassVar[type[TikTokConfig]] = TikTokConfig
    config: TikTokConfig

    async def login(self, announce: Announce, *, timeout_s: float = 300.0) -> str:
        return await tiktok_api.login(self.config, self.store, announce, timeout_s)

    async def _call(
        self, client: httpx.AsyncClient, path: str, body: dict[str, Any], cancel: CancelToken | None
    ) -> dict[str, Any]:
        """One API call with the bearer token; a refused token is refreshed once, 5xx and drops retried."""
        backoff, refreshed = Backoff(self.config), False
        while True:
            token = await tiktok_api.access_token(self.config, self.store)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json; charset=UTF-8"}
            try:
                resp = await client.post(f"{self.config.api_base_url}{path}", json=body, headers=headers)
                return tiktok_api.check(resp)
            except AuthError:
                if refreshed:
                    raise
                refreshed = True
                await tiktok_api.access_token(self.config, self.store, force_refresh=True)
            except (ProviderError, RateLimited, httpx.TransportError) as exc:
                if (isinstance(exc, ProviderError) and not exc.retryable) or backoff.failures >= self.config.retries:
                    raise self._as_error(exc) from None
                await backoff.wait(cancel)

    @staticmethod
    def _as_error(exc: Exception) -> ReelforgeError:
        if isinstance(exc, ReelforgeError):
            return exc
        return ProviderError(f"connection to TikTok failed ({type(exc).__name__}); publish again", retryable=True)

    async def upload(
        self,
        file: Path,
        metadata: VideoMetadata,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        *,
        key: str | None = None,
    ) -> Published:
        if metadata.publish_at is not None:
            raise InvalidRequest({"schedule": "TikTok's Content Posting API cannot schedule a post; publish it now"})
        session_key, keep = await self.session_key(file, key)
        if done := await self.finished(session_key):
            return done
        async with httpx.AsyncClient(timeout=self.config.timeout_s) as client:
            while True:
                state = await self.load_session(session_key)
                if not state.get("publish_id"):
                    state = await self._init(client, file, metadata, cancel)
                    await self.save_session(session_key, state)
                try:
                    await self._send(client, file, state, session_key, progress, cancel)
                    break
                except _Restart:
                    await self.clear_session(session_key)
            data = await self._wait(client, state, progress, cancel)
        published = self._published(state, data)
        report(progress, 1.0, "published on TikTok" if state["mode"] == "direct" else "sent to the TikTok inbox")
        return await self.finish_session(session_key, keep, published)

    async def _init(
        self, client: httpx.AsyncClient, file: Path, meta: VideoMetadata, cancel: CancelToken | None
    ) -> dict[str, Any]:
        info = await self._call(client, "/v2/post/publish/creator_info/query/", {}, cancel)
        mode = self.config.mode
        privacy = meta.privacy or self.config.privacy
        problems: dict[str, str] = {}
        options = [str(o) for o in info.get("privacy_level_options") or []]
        if mode == "direct" and options and privacy not in options:
            problems["privacy"] = f"this TikTok creator can post with {', '.join(options)}; got {privacy!r}"
        longest = info.get("max_video_post_duration_sec")
        if longest and meta.duration_s and meta.duration_s > float(longest):
            problems["video"] = f"the video is {meta.duration_s:.1f}s; this creator may post at most {longest}s"
        if problems:
            raise InvalidRequest(problems)
        size = (await asyncio.to_thread(file.stat)).st_size
        chunk, count = chunk_plan(size, self.config.chunk_size)
        source = {"source": "FILE_UPLOAD", "video_size": size, "chunk_size": chunk, "total_chunk_count": count}
        if mode == "direct":
            caption = meta.title if not meta.description else f"{meta.title}\n\n{meta.description}"
            post = {"title": caption[:2200], "privacy_level": privacy, "disable_duet": False,
                    "disable_comment": False, "disable_stitch": False, "video_cover_timestamp_ms": 1000}  # fmt: skip
            data = await self._call(client, "/v2/post/publish/video/init/", {"post_info": post, "source_info": source},
                                    cancel)  # fmt: skip
        else:
            data = await self._call(client, "/v2/post/publish/inbox/video/init/", {"source_info": source}, cancel)
        return {
            "publish_id": data["publish_id"], "upload_url": data["upload_url"], "mode": mode, "privacy": privacy,
            "size": size, "chunk_size": chunk, "chunks": count, "next_chunk": 0,
            "username": info.get("creator_username"), "started": time.time(),
        }  # fmt: skip

    async def _send(
        self,
        client: httpx.AsyncClient,
        file: Path,
        state: dict[str, Any],
        key: str,
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
    ) -> None:
        size, chunk, count = state["size"], state["chunk_size"], state["chunks"]
        backoff = Backoff(self.config)
        while state["next_chunk"] < count:
            if cancel is not None:
                cancel.raise_if_cancelled("upload")
            start, end = chunk_range(state["next_chunk"], chunk, count, size)
            data = await asyncio.to_thread(_read, file, start, end - start + 1)
            headers = {"Content-Type": "video/mp4", "Content-Range": f"bytes {start}-{end}/{size}"}
            try:
                resp = await client.put(state["upload_url"], content=data, headers=headers)
            except httpx.TransportError as exc:
                error: ReelforgeError = self._as_error(exc)
            else:
                if resp.status_code in (200, 201, 206):
                    backoff.reset()
                    state["next_chunk"] += 1
                    await self.save_session(key, state)
                    report(progress, 0.9 * (end + 1) / size, "uploading to TikTok")
                    continue
                if resp.status_code in (403, 404, 410):
                    raise _Restart()
                error = tiktok_api.api_error(*tiktok_api.error_of(resp), resp.status_code)
                if not getattr(error, "retryable", False):
                    raise error
            if backoff.failures >= self.config.retries:
                raise ProviderError(f"the upload to TikTok stopped ({error.message}); publish again to resume",
                                    retryable=True)  # fmt: skip
            await backoff.wait(cancel)

    async def _wait(
        self, client: httpx.AsyncClient, state: dict[str, Any], progress: ProgressCallback | None,
        cancel: CancelToken | None,
    ) -> dict[str, Any]:  # fmt: skip
        deadline = time.monotonic() + self.config.poll_timeout_s
        done = {"PUBLISH_COMPLETE"} if state["mode"] == "direct" else {"SEND_TO_USER_INBOX", "PUBLISH_COMPLETE"}
        while True:
            data = await self._call(client, "/v2/post/publish/status/fetch/", {"publish_id": state["publish_id"]},
                                    cancel)  # fmt: skip
            status = str(data.get("status") or "")
            if status in done:
                return data
            if status == "FAILED":
                reason = data.get("fail_reason") or "no reason given"
                raise ProviderError(f"TikTok could not publish the video ({reason})", status=None)
            report(progress, 0.95, f"TikTok is processing the video ({status.lower() or 'waiting'})")
            if time.monotonic() > deadline:
                raise Timeout("TikTok is still processing the video; publish again later to check on it")
            if cancel is not None and await cancel.wait(self.config.poll_interval_s):
                cancel.raise_if_cancelled("publish")
            elif cancel is None:
                await asyncio.sleep(self.config.poll_interval_s)

    def _published(self, state: dict[str, Any], data: dict[str, Any]) -> Published:
        posts = data.get("publicaly_available_post_id") or data.get("publicly_available_post_id") or []
        post_id = str(posts[0]) if posts else None
        user = state.get("username")
        url = f"https://www.tiktok.com/@{user}/video/{post_id}" if post_id and user else None
        return Published(
            platform=self.name, video_id=post_id or str(state["publish_id"]), url=url,
            privacy=state.get("privacy") if state["mode"] == "direct" else None,
            status="published" if state["mode"] == "direct" else "in the creator's TikTok inbox",
        )  # fmt: skip


__all__ = ["TikTokPublisher", "chunk_plan", "chunk_range"]
