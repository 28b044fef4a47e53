"""A loopback fake of TikTok's Login Kit and Content Posting API v2, written from the public docs.

- ``GET /v2/auth/authorize/``: consent given at once: 302 to ``redirect_uri?code=...&state=...``
- ``POST /v2/oauth/token/``: ``authorization_code`` (with ``code_verifier``) and ``refresh_token`` grants
- ``POST /v2/post/publish/creator_info/query/``, ``/v2/post/publish/video/init/``,
  ``/v2/post/publish/inbox/video/init/``, ``/v2/post/publish/status/fetch/``: ``{"data", "error"}`` answers
- ``PUT /upload/?upload_id=...``: chunks in order with ``Content-Range``; 206 until the last, then 201

The init checks TikTok's chunk rules (5-64 MB chunks, count = size // chunk_size, a file under 5 MB whole).
Faults: ``init_faults``, ``put_faults`` (``Fault(drop=True)`` cuts the connection before the chunk is kept),
``status_faults``; ``statuses`` is the status sequence each publish plays (the last repeats).
"""

from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import parse_qs, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .kit import DropResponse, Fault, take
from .server import FakeServer, ServedFake

CLIENT_KEY = "awfakeclientkey0123"
CLIENT_SECRET = "fake-tiktok-client-secret-4567"
MB = 1024 * 1024
OPTIONS = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]


def tiktok_error(code: str, message: str = "", status: int = 400) -> Fault:
    return Fault(status, {"data": {}, "error": {"code": code, "message": message, "log_id": "202612010000fake"}})


UNAUDITED = tiktok_error(
    "unaudited_client_can_only_post_to_private_accounts",
    "Please review our integration guidelines at https://developers.tiktok.com/doc/content-sharing-guidelines/",
    403,
)


def ok(data: dict[str, Any]) -> JSONResponse:
    return JSONResponse({"data": data, "error": {"code": "ok", "message": "", "log_id": "202612010000fake"}})


def chunk_rule_problem(size: int, chunk: int, count: int) -> str | None:
    if size < 5 * MB:
        return None if chunk == size and count == 1 else "a video under 5 MB is uploaded whole"
    if not 5 * MB <= chunk <= 64 * MB and not (count == 1 and chunk == size <= 64 * MB):
        return "chunk_size must be 5-64 MB"
    if count != size // chunk or not 1 <= count <= 1000:
        return "total_chunk_count must be video_size // chunk_size"
    if size - (count - 1) * chunk > 128 * MB:
        return "the final chunk may be at most 128 MB"
    return None


class TikTokFake(ServedFake):
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.reset()
        app = Starlette(
            routes=[
                Route("/v2/auth/authorize/", self.consent, methods=["GET"]),
                Route("/v2/oauth/token/", self.token, methods=["POST"]),
                Route("/v2/post/publish/creator_info/query/", self.creator_info, methods=["POST"]),
                Route("/v2/post/publish/video/init/", self.init, methods=["POST"]),
                Route("/v2/post/publish/inbox/video/init/", self.init, methods=["POST"]),
                Route("/v2/post/publish/status/fetch/", self.status, methods=["POST"]),
                Route("/upload/", self.put, methods=["PUT"]),
            ]
        )
        self.server = FakeServer(app)

    def reset(self) -> None:
        self.valid_tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.codes: set[str] = set()
        self.uploads: dict[str, dict[str, Any]] = {}
        self.init_faults: list[Fault] = []
        self.put_faults: list[Fault | None] = []  # None: that PUT goes through
        self.status_faults: list[Fault] = []
        self.statuses = ["PROCESSING_UPLOAD", "PUBLISH_COMPLETE"]
        self.privacy_options = list(OPTIONS)
        self.max_duration_s = 600
        if hasattr(self, "server"):
            self.server.requests.clear()

    def issue(self) -> tuple[str, str]:
        n = next(self._ids)
        access, refresh = f"act.fake-access-{n}", f"rft.fake-refresh-{n}"
        self.valid_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return access, refresh

    def _token_body(self, access: str, refresh: str) -> dict[str, Any]:
        return {"access_token": access, "expires_in": 86400, "open_id": "fake-open-id", "refresh_token": refresh,
                "refresh_expires_in": 31536000, "scope": "user.info.basic,video.publish,video.upload",
                "token_type": "Bearer"}  # fmt: skip

    async def consent(self, request: Request) -> Response:
        q = request.query_params
        if q.get("client_key") != CLIENT_KEY or not q.get("code_challenge"):
            return JSONResponse({"error": "invalid_request"}, 400)
        code = f"fake-code-{next(self._ids)}"
        self.codes.add(code)
        return RedirectResponse(
            f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state'], 'scopes': q['scope']})}", 302
        )

    async def token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if form.get("client_key") != CLIENT_KEY or form.get("client_secret") != CLIENT_SECRET:
            return JSONResponse(
                {"error": "invalid_client", "error_description": "Client key or secret is incorrect."}, 401
            )
        if (
            form.get("grant_type") == "authorization_code"
            and form.get("code") in self.codes
            and form.get("code_verifier")
        ):
            self.codes.discard(form["code"])
            return JSONResponse(self._token_body(*self.issue()))
        if form.get("grant_type") == "refresh_token" and form.get("refresh_token") in self.refresh_tokens:
            access = f"act.fake-refreshed-{next(self._ids)}"
            self.valid_tokens.add(access)
            return JSONResponse(self._token_body(access, form["refresh_token"]))
        return JSONResponse({"error": "invalid_grant", "error_description": "Authorization code is expired."}, 400)

    def _unauthorized(self, request: Request) -> Response | None:
        auth = request.headers.get("authorization", "")
        if auth.startswith("Bearer ") and auth[7:] in self.valid_tokens:
            return None
        return tiktok_error(
            "access_token_invalid", "The access token is invalid or not found in the request.", 401
        ).response()

    async def creator_info(self, request: Request) -> Response:
        if denied := self._unauthorized(request):
            return denied
        return ok({"creator_avatar_url": "https://example.invalid/a.jpg", "creator_username": "fakecreator",
                   "creator_nickname": "Fake", "privacy_level_options": self.privacy_options,
                   "comment_disabled": False, "duet_disabled": False, "stitch_disabled": True,
                   "max_video_post_duration_sec": self.max_duration_s})  # fmt: skip

    async def init(self, request: Request) -> Response:
        if denied := self._unauthorized(request):
            return denied
        if fault := take(self.init_faults):
            return fault.response()
        body = json.loads(await request.body())
        src = body.get("source_info") or {}
        direct = "inbox" not in request.url.path
        if src.get("source") != "FILE_UPLOAD":
            return tiktok_error("invalid_params", "source must be FILE_UPLOAD here").response()
        if problem := chunk_rule_problem(src["video_size"], src["chunk_size"], src["total_chunk_count"]):
            return tiktok_error("invalid_params", problem).response()
        post = body.get("post_info") or {}
        if direct and post.get("privacy_level") not in self.privacy_options:
            return tiktok_error(
                "privacy_level_option_mismatch", "privacy_level is not in the creator's options"
            ).response()
        pid = f"v_pub_file~v2-1.{next(self._ids)}"
        self.uploads[pid] = {"source": src, "post": post, "direct": direct, "data": bytearray(), "puts": [],
                             "statuses": list(self.statuses)}  # fmt: skip
        return ok({"publish_id": pid, "upload_url": f"{self.url}/upload/?upload_id={pid}"})

    async def put(self, request: Request) -> Response:
        upload = self.uploads.get(request.query_params.get("upload_id", ""))
        if upload is None:
            return Response(status_code=404)
        body = await request.body()
        span, _, total = request.headers.get("content-range", "").removeprefix("bytes ").partition("/")
        start, end = (int(x) for x in span.split("-"))
        if start != len(upload["data"]) or end - start + 1 != len(body) or int(total) != upload["source"]["video_size"]:
            return tiktok_error("invalid_params", f"chunks go in order; expected byte {len(upload['data'])}").response()
        upload["puts"].append((start, len(body)))
        if fault := take(self.put_faults):
            return DropResponse() if fault.drop else fault.response()
        upload["data"] += body
        done = len(upload["data"]) == upload["source"]["video_size"]
        return Response(status_code=201 if done else 206)

    async def status(self, request: Request) -> Response:
        if denied := self._unauthorized(request):
            return denied
        if fault := take(self.status_faults):
            return fault.response()
        upload = self.uploads.get(json.loads(await request.body()).get("publish_id"))
        if upload is None:
            return tiktok_error("invalid_publish_id", "publish_id not found").response()
        states = upload["statuses"]
        status = states.pop(0) if len(states) > 1 else states[0]
        data: dict[str, Any] = {"status": status, "uploaded_bytes": len(upload["data"])}
        if status == "PUBLISH_COMPLETE" and upload["post"].get("privacy_level") == "PUBLIC_TO_EVERYONE":
            data["publicaly_available_post_id"] = [7300000000000000001]
        if status == "FAILED":
            data["fail_reason"] = "file_format_check_failed"
        return ok(data)

    def only_upload(self) -> dict[str, Any]:
        assert len(self.uploads) == 1, f"{len(self.uploads)} uploads"
        return next(iter(self.uploads.values()))


__all__ = ["CLIENT_KEY", "CLIENT_SECRET", "UNAUDITED", "TikTokFake", "chunk_rule_problem", "tiktok_error"]
