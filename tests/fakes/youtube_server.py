"""A loopback fake of Google's OAuth endpoints and YouTube's resumable upload, written from the public docs.

- ``GET /o/oauth2/auth``: consent given at once: 302 to ``redirect_uri?code=...&state=...``
- ``POST /token``: ``authorization_code`` (with PKCE ``code_verifier``) and ``refresh_token`` grants;
  ``invalid_grant`` for a revoked refresh token
- ``POST /upload/youtube/v3/videos?uploadType=resumable``: metadata in, ``Location`` session URI out
- ``PUT`` the session URI: ``Content-Range: bytes a-b/total`` appends (``a`` must be the confirmed offset),
  ``bytes */total`` asks for the state; ``308 Resume Incomplete`` with ``Range: bytes=0-N`` until done, then
  ``200`` with the video resource
- ``POST /upload/youtube/v3/thumbnails/set?videoId=...``

Faults: ``init_faults`` (the session POST), ``put_faults`` (chunk PUTs; ``Fault(drop=True)`` keeps half the
chunk then cuts the connection), ``thumb_faults``; ``quota()`` makes the next init fail with ``quotaExceeded``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .kit import DropResponse, Fault, take
from .server import FakeServer, ServedFake

CLIENT_ID = "1234-fake.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-fake-client-secret-value"


def google_error(status: int, reason: str, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "errors": [{"message": message, "reason": reason}]}}


QUOTA = Fault(
    403, google_error(403, "quotaExceeded", "The request cannot be completed because you have exceeded your quota.")
)


class YouTubeFake(ServedFake):
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.reset()
        app = Starlette(
            routes=[
                Route("/o/oauth2/auth", self.consent, methods=["GET"]),
                Route("/token", self.token, methods=["POST"]),
                Route("/upload/youtube/v3/videos", self.videos, methods=["POST", "PUT"]),
                Route("/upload/youtube/v3/thumbnails/set", self.thumbnail, methods=["POST"]),
            ]
        )
        self.server = FakeServer(app)

    def reset(self) -> None:
        self.valid_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.codes: dict[str, str] = {}  # code -> PKCE challenge
        self.sessions: dict[str, dict[str, Any]] = {}
        self.init_faults: list[Fault] = []
        self.put_faults: list[Fault | None] = []  # None: that PUT goes through
        self.thumb_faults: list[Fault] = []
        self.thumbnails: dict[str, bytes] = {}
        self.chunk_delay_s = 0.0
        self.lapse_tokens_after_puts: int | None = None  # then every access token stops working (refresh needed)
        if hasattr(self, "server"):
            self.server.requests.clear()

    def issue(self, refresh: bool = True) -> tuple[str, str]:
        """A valid (access, refresh) token pair, as if someone had signed in."""
        n = next(self._ids)
        access, refresh_token = f"ya29.fake-access-{n}", f"1//fake-refresh-{n}"
        self.valid_tokens.add(access)
        if refresh:
            self.refresh_tokens.add(refresh_token)
        return access, refresh_token

    def _authorized(self, request: Request) -> bool:
        auth = request.headers.get("authorization", "")
        return auth.startswith("Bearer ") and auth[7:] in self.valid_tokens

    async def consent(self, request: Request) -> Response:
        q = request.query_params
        code = f"4/fake-code-{next(self._ids)}"
        self.codes[code] = q.get("code_challenge", "")
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}", 302)

    async def token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        basic = request.headers.get("authorization", "")
        if basic.startswith("Basic "):  # client credentials may come as HTTP Basic auth instead of form fields
            cid, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            form.setdefault("client_id", unquote_plus(cid))
            form.setdefault("client_secret", unquote_plus(secret))
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if form.get("grant_type") == "authorization_code" and form.get("code") in self.codes:
            self.codes.pop(form["code"])
            if not form.get("code_verifier"):
                return JSONResponse({"error": "invalid_grant", "error_description": "Missing code verifier."}, 400)
            access, refresh = self.issue()
            return JSONResponse(
                {
                    "access_token": access,
                    "expires_in": 3599,
                    "refresh_token": refresh,
                    "scope": "https://www.googleapis.com/auth/youtube.upload",
                    "token_type": "Bearer",
                }
            )
        if form.get("grant_type") == "refresh_token" and form.get("refresh_token") in self.refresh_tokens:
            access = f"ya29.fake-refreshed-{next(self._ids)}"
            self.valid_tokens.add(access)
            return JSONResponse({"access_token": access, "expires_in": 3599, "token_type": "Bearer",
                                 "scope": "https://www.googleapis.com/auth/youtube.upload"})  # fmt: skip
        return JSONResponse({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}, 400)

    async def videos(self, request: Request) -> Response:
        if not self._authorized(request):
            return JSONResponse(google_error(401, "authError", "Invalid Credentials"), status_code=401)
        if request.method == "POST":
            return await self._init(request)
        return await self._put(request)

    async def _init(self, request: Request) -> Response:
        if request.query_params.get("uploadType") != "resumable":
            return JSONResponse(google_error(400, "badRequest", "uploadType must be resumable"), status_code=400)
        if fault := take(self.init_faults):
            return fault.response()
        upload_id = f"fake-upload-{next(self._ids)}"
        self.sessions[upload_id] = {"metadata": json.loads(await request.body()), "data": bytearray(),
                                    "total": None, "video_id": None, "puts": []}  # fmt: skip
        location = f"{self.url}/upload/youtube/v3/videos?uploadType=resumable&upload_id={upload_id}"
        return Response(status_code=200, headers={"Location": location})

    def _state(self, session: dict[str, Any]) -> Response:
        if session["video_id"]:
            return JSONResponse(self.resource(session))
        have = len(session["data"])
        headers = {"Range": f"bytes=0-{have - 1}"} if have else {}
        return Response(status_code=308, headers=headers)

    async def _put(self, request: Request) -> Response:
        session = self.sessions.get(request.query_params.get("upload_id", ""))
        if session is None:
            return JSONResponse(google_error(404, "notFound", "upload session not found"), status_code=404)
        spec = request.headers.get("content-range", "")
        body = await request.body()
        unit, _, rest = spec.partition(" ")
        span, _, total = rest.partition("/")
        if unit != "bytes" or not total:
            return JSONResponse(google_error(400, "badRequest", f"bad Content-Range {spec!r}"), status_code=400)
        session["total"] = int(total)
        if span == "*":
            return self._state(session)
        start, end = (int(x) for x in span.split("-"))
        if start != len(session["data"]) or end - start + 1 != len(body):
            return JSONResponse(google_error(400, "badRequest", f"expected offset {len(session['data'])}"), 400)
        if self.chunk_delay_s:
            await asyncio.sleep(self.chunk_delay_s)
        session["puts"].append((start, len(body)))
        if fault := take(self.put_faults):
            if fault.drop:  # the server keeps what arrived before the connection died
                session["data"] += body[: len(body) // 2]
                return DropResponse()
            return fault.response()
        session["data"] += body
        if self.lapse_tokens_after_puts is not None and len(session["puts"]) == self.lapse_tokens_after_puts:
            self.valid_tokens.clear()
        if len(session["data"]) == session["total"]:
            session["video_id"] = f"fakeVid{next(self._ids):04d}"
        return self._state(session)

    def resource(self, session: dict[str, Any]) -> dict[str, Any]:
        meta = session["metadata"]
        return {"kind": "youtube#video", "id": session["video_id"], "snippet": meta.get("snippet", {}),
                "status": {**meta.get("status", {}), "uploadStatus": "uploaded"}}  # fmt: skip

    async def thumbnail(self, request: Request) -> Response:
        if not self._authorized(request):
            return JSONResponse(google_error(401, "authError", "Invalid Credentials"), status_code=401)
        if fault := take(self.thumb_faults):
            return fault.response()
        self.thumbnails[request.query_params["videoId"]] = await request.body()
        return JSONResponse({"kind": "youtube#thumbnailSetResponse", "items": [{"default": {"url": "x"}}]})

    # what tests look at
    def only_session(self) -> dict[str, Any]:
        assert len(self.sessions) == 1, f"{len(self.sessions)} upload sessions"
        return next(iter(self.sessions.values()))

    def sent_bytes(self) -> int:
        """Bytes of every chunk PUT the fake read, kept or not."""
        return sum(n for s in self.sessions.values() for _, n in s["puts"])

    @staticmethod
    def digest(data: bytes | bytearray) -> str:
        return hashlib.sha256(bytes(data)).hexdigest()


__all__ = ["CLIENT_ID", "CLIENT_SECRET", "QUOTA", "YouTubeFake", "google_error"]
