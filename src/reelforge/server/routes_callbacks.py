"""``POST /v1/provider-callbacks/{backend}/{token}``: a provider says a job it runs for us has ended.

No bearer token (the provider has none): the path's token, unguessable and open only while its attempt runs,
is the key, and where the provider signs its callbacks (Replicate) the signature is checked too. A callback
only tells the waiting attempt to poll its job now; the result is always taken from the provider's own
answer, so a forged callback can cost one poll, never a wrong result.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import State

from ..backends.hosted import HostedBackend
from ..backends.http import new_client
from ..backends.registry import create_backend
from ..errors import ReelforgeError
from ..generation.callbacks import ROUTE, is_open, record_callback
from .errors import ERROR_RESPONSES, NotFound, TooLarge, Unauthorized
from .state import Svc

MAX_BODY = 4 * 1024 * 1024  # a prediction with its logs fits; the body is only read to check a signature

router = APIRouter(prefix=ROUTE, responses=ERROR_RESPONSES, tags=["provider callbacks"])


def _backend(state: State, svc: Any, name: str) -> HostedBackend | None:
    """The app's instance of backend ``name`` (kept: it caches what verifying needs), or None."""
    backends: dict[str, HostedBackend | None] = getattr(state, "callback_backends", None) or {}
    state.callback_backends = backends
    if name not in backends:
        try:
            backend = create_backend(name, svc.config.backend_config(name))
        except ReelforgeError:
            backend = None
        ok = isinstance(backend, HostedBackend) and backend.supports_callback
        backends[name] = backend if ok else None  # type: ignore[assignment]
    return backends[name]


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise TooLarge({"body": "a callback body over 4 MB"})
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise TooLarge({"body": "a callback body over 4 MB"})
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/{backend}/{token}", status_code=204, response_class=Response)
async def provider_callback(backend: str, token: str, request: Request, svc: Svc) -> Response:
    """A provider's completion callback: the attempt waiting on ``token`` polls its job now. 404 when no
    attempt of ``backend`` waits on it; 401 when the provider signs callbacks and this one's signature fails."""
    unknown = NotFound({"token": "no generation is waiting for this callback"})
    hosted = _backend(request.app.state, svc, backend)
    db = svc.library.engine
    if hosted is None or not await asyncio.to_thread(is_open, db, backend, token):
        raise unknown
    body = await _body(request)
    client = new_client(max_connections=2)
    try:
        verdict = await hosted.verify_callback(request.headers, body, client)
    finally:
        await client.aclose()
    if verdict is False:
        raise Unauthorized(f"{backend} callback refused", "the provider's signature is missing or does not match")
    if not await asyncio.to_thread(record_callback, db, backend, token):
        raise unknown
    return Response(status_code=204)


__all__ = ["MAX_BODY", "router"]
