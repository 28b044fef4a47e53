"""YouTube (Data API v3) through google-api-python-client: a resumable ``videos.insert``, then ``thumbnails.set``.

Protocol (https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol):
1. ``POST {upload}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`` with the metadata; the
   answer's ``Location`` is the session URI. It is stored (``data_dir/publish/sessions/``) before any byte is sent.
2. ``PUT`` the file in chunks (multiples of 256 KiB) with ``Content-Range: bytes a-b/total``; ``308 Resume
   Incomplete`` with ``Range: bytes=0-N`` confirms N+1 bytes, ``200``/``201`` ends with the video resource.
3. After a 5xx, a dropped connection or a restart: ``PUT`` with ``Content-Range: bytes */total`` asks what
   the server holds, and the upload continues from there. A 404/410 there means the session expired: start over.

The client is blocking (httplib2), so each request runs in a worker thread; cancellation is checked between
chunks. Base URLs come from ``publish.youtube``: ``api_base_url`` for the API, ``upload_base_url`` for the
upload requests, ``oauth_base_url`` for the token endpoint.
"""

from __future__ import annotations

import asyncio
import http.client
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ..errors import AuthError, ProviderError, RateLimited, ReelforgeError
from ..types import CancelToken, ProgressCallback, report
from . import youtube_auth
from .base import Announce, Backoff, Published, Publisher, VideoMetadata
from .config import YouTubeConfig
from .youtube_api import error_reason, map_http_error, rebase, video_body


def _video_id(resource: dict[str, Any]) -> str:
    """The new video's id; a video YouTube rejected or failed to take is an error naming the reason."""
    status = resource.get("status") or {}
    if status.get("uploadStatus") in ("rejected", "failed"):
        reason = status.get("rejectionReason") or status.get("failureReason") or "no reason given"
        raise ProviderError(f"YouTube {status['uploadStatus']} the video ({reason})", status=None)
    return str(resource["id"])


@dataclass
class _Upload:
    """One upload's moving parts, shared by the loop and its error recovery."""

    service: Any
    creds: Any
    file: Path
    body: dict[str, Any]
    key: str
    state: dict[str, Any]
    backoff: Backoff
    cancel: CancelToken | None
    refreshed: bool = False


class _SessionHttp:
    """The authorized httplib2 object, noting the session URI the moment the server hands it out."""

    def __init__(self, inner: Any, on_session: Any) -> None:
        self.inner = inner
        self.on_session = on_session

    def request(self, uri: str, method: str = "GET", body: Any = None, headers: Any = None, **kw: Any) -> Any:
        resp, content = self.inner.request(uri, method=method, body=body, headers=headers, **kw)
        if method == "POST" and resp.status in (200, 201) and "location" in resp:
            self.on_session(resp["location"])
        return resp, content


def _transient() -> tuple[type[BaseException], ...]:
    """Dropped connections, timeouts and torn responses: the upload continues from the confirmed offset."""
    import httplib2
    from google.auth.exceptions import TransportError

    return (OSError, http.client.HTTPException, httplib2.HttpLib2Error, TransportError)


class YouTubePublisher(Publisher):
    name: ClassVar[str] = "youtube"
    config_model: ClassVar[type[YouTubeConfig]] = YouTubeConfig
    config: YouTubeConfig

    async def login(self, announce: Announce, *, timeout_s: float = 300.0) -> str:
        return await youtube_auth.login(self.config, self.store, announce, timeout_s)

    def _service(self) -> tuple[Any, Any, Any]:
        """(service, authorized http, credentials); blocking."""
        import google_auth_httplib2
        import httplib2
        from googleapiclient.discovery import build

        creds = youtube_auth.credentials(self.config, self.store)
        raw = httplib2.Http(timeout=self.config.timeout_s)
        raw.redirect_codes = raw.redirect_codes - {308}  # 308 is "Resume Incomplete" here, not a redirect
        # no silent refresh-and-resend on 401: a chunk's body is a stream read once; the loop refreshes instead
        authed = google_auth_httplib2.AuthorizedHttp(creds, http=raw, refresh_status_codes=())
        service = build(
            "youtube", "v3", http=authed, static_discovery=True, cache_discovery=False,
            client_options={"api_endpoint": self.config.api_base_url + "/"},
        )  # fmt: skip
        return service, authed, creds

    async def upload(
        self,
        file: Path,
        metadata: VideoMetadata,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        *,
        key: str | None = None,
    ) -> Published:
        youtube_auth.require_google()
        body, warnings = video_body(metadata, self.config)
        session_key, keep = await self.session_key(file, key)
        if done := await self.finished(session_key):
            return done
        service, authed, creds = await asyncio.to_thread(self._service)
        before = creds.token
        try:
            state = await self.load_session(session_key)
            if not state.get("video_id"):
                client = (service, authed, creds)
                state["video_id"] = await self._send(client, file, body, session_key, progress, cancel)
                await self.save_session(session_key, {"video_id": state["video_id"]})
            video_id = state["video_id"]
            thumb = Path(metadata.thumbnail) if metadata.thumbnail is not None else None
            if thumb is not None and await asyncio.to_thread(thumb.is_file):
                report(progress, 0.97, "setting the thumbnail")
                warnings += await self._thumbnail(service, authed, video_id, thumb)
        finally:
            await asyncio.to_thread(youtube_auth.save_if_refreshed, creds, before, self.store)
        report(progress, 1.0, "uploaded to YouTube")
        published = Published(
            platform=self.name, video_id=video_id, url=f"https://www.youtube.com/watch?v={video_id}",
            privacy=body["status"]["privacyStatus"], publish_at=metadata.publish_at, warnings=warnings,
            status="scheduled" if metadata.publish_at else "uploaded",
        )  # fmt: skip
        return await self.finish_session(session_key, keep, published)

    def _request(self, service: Any, file: Path, body: dict[str, Any], state: dict[str, Any]) -> Any:
        from googleapiclient.http import MediaFileUpload

        media = MediaFileUpload(str(file), mimetype="video/mp4", chunksize=self.config.chunk_size, resumable=True)
        request = service.videos().insert(part="snippet,status", body=body, media_body=media)
        request.uri = rebase(request.uri, self.config.upload_base_url)
        if state.get("session_uri"):  # an earlier run's session: ask the server what it holds first
            request.resumable_uri = state["session_uri"]
            request._in_error_state = True
        return request

    async def _send(
        self,
        client: tuple[Any, Any, Any],
        file: Path,
        body: dict[str, Any],
        key: str,
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
    ) -> str:
        """The resumable upload loop; returns the new video's id."""
        from googleapiclient.errors import HttpError

        service, authed, creds = client
        up = _Upload(service, creds, file, body, key, await self.load_session(key), Backoff(self.config), cancel)
        request = self._request(service, file, body, up.state)

        def on_session(uri: str) -> None:  # runs in the request's worker thread
            up.state.update(session_uri=uri, offset=0)
            self.store.write_session(self.name, key, dict(up.state))

        http = _SessionHttp(authed, on_session)
        total = request.resumable.size() or 1
        report(progress, 0.0, "uploading to YouTube" + (" (resuming)" if up.state.get("session_uri") else ""))
        while True:
            if cancel is not None:
                cancel.raise_if_cancelled("upload")
            try:
                response = await asyncio.to_thread(self._next_chunk, request, http, creds)
            except HttpError as exc:
                request = await self._recover(exc, request, up)
                continue
            except _transient() as exc:
                request._in_error_state = request.resumable_uri is not None
                failed = ProviderError(f"connection to YouTube failed ({type(exc).__name__})", retryable=True)
                await self._retry(up.backoff, cancel, failed)
                continue
            up.backoff.reset()
            up.refreshed = False
            if response is not None:
                return _video_id(response)
            up.state["offset"] = request.resumable_progress
            await self.save_session(key, up.state)
            report(progress, 0.95 * request.resumable_progress / total, "uploading to YouTube")

    async def _recover(self, exc: Any, request: Any, up: _Upload) -> Any:
        """After an HTTP error: refresh a lapsed token once, start over when the session expired, back off on
        5xx and rate limits (the next request asks the server what it holds); raise anything else."""
        status = exc.resp.status
        if status == 401 and not up.refreshed:
            await asyncio.to_thread(self._refresh, up.creds)
            up.refreshed = True
            request._in_error_state = request.resumable_uri is not None
            return request
        if status in (404, 410) and request.resumable_uri:  # the session expired on the server: start over
            up.state.clear()
            await self.save_session(up.key, up.state)
            return self._request(up.service, up.file, up.body, up.state)
        error = map_http_error(status, exc.content)
        if not (isinstance(error, RateLimited) or getattr(error, "retryable", False)):
            raise error from None
        request._in_error_state = request.resumable_uri is not None
        await self._retry(up.backoff, up.cancel, error)
        return request

    @staticmethod
    def _next_chunk(request: Any, http: Any, creds: Any) -> Any:
        """One request of the upload (blocking); a token about to expire is refreshed first."""
        if not creds.valid:
            YouTubePublisher._refresh(creds)
        return request.next_chunk(http=http, num_retries=0)[1]

    @staticmethod
    def _refresh(creds: Any) -> None:
        from google.auth.exceptions import RefreshError
        from google.auth.transport.requests import Request

        try:
            creds.refresh(Request())
        except RefreshError:
            raise AuthError(f"the YouTube sign-in expired or was revoked: {youtube_auth.LOGIN_HINT}") from None

    async def _retry(self, backoff: Backoff, cancel: CancelToken | None, error: ReelforgeError) -> None:
        if backoff.failures >= self.config.retries:
            raise ProviderError(
                f"the upload to YouTube stopped after {backoff.failures + 1} failed tries ({error.message}); "
                "publish again to resume from the last confirmed byte",
                retryable=True,
            )
        await backoff.wait(cancel)

    async def _thumbnail(self, service: Any, authed: Any, video_id: str, thumb: Path) -> list[str]:
        """Set the thumbnail; a refusal is a warning (custom thumbnails need a verified channel)."""
        from googleapiclient.errors import HttpError
        from googleapiclient.http import MediaFileUpload

        mime = "image/png" if thumb.suffix.lower() == ".png" else "image/jpeg"
        request = service.thumbnails().set(videoId=video_id, media_body=MediaFileUpload(str(thumb), mimetype=mime))
        request.uri = rebase(request.uri, self.config.upload_base_url)
        try:
            await asyncio.to_thread(request.execute, http=authed, num_retries=min(3, self.config.retries))
        except HttpError as exc:
            reason, message = error_reason(exc.content)
            return [f"thumbnail not set ({exc.resp.status} {reason}): {message or 'refused'}"]
        except _transient() as exc:
            return [f"thumbnail not set: connection failed ({type(exc).__name__})"]
        return []


__all__ = ["YouTubePublisher"]
