"""The error envelope ``{"error": {"type", "message", "fields"}}`` and the HTTP status of every error.

Errors of the one tree map to statuses by class; the few the service adds (not found, unauthorized, too large,
conflict, unsupported media) are subclasses of that tree's classes. Anything unexpected is a 500 whose body
says nothing about its cause (the cause goes to the log).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import (
    AuthError,
    BackendUnavailable,
    BudgetExceeded,
    Cancelled,
    ConfigError,
    ContentRejected,
    GenerationFailed,
    InvalidRequest,
    ProviderError,
    RateLimited,
    ReelforgeError,
    Timeout,
)

log = logging.getLogger("reelforge.server")


class NotFound(InvalidRequest):
    """No such job, batch, asset or upload (404)."""


class Conflict(InvalidRequest):
    """The request conflicts with the resource's state, e.g. resuming a running job (409)."""


class TooLarge(InvalidRequest):
    """A body or a fetched input past its size cap (413)."""


class UnsupportedMedia(InvalidRequest):
    """A body whose content type the route does not take (415)."""


class Unauthorized(AuthError):
    """A /v1 call without a valid bearer token (401)."""

    def __init__(self, message: str, problem: str) -> None:
        super().__init__(message)
        self.problems = {"authorization": problem}


#: most specific first
STATUS: list[tuple[type[ReelforgeError], int]] = [
    (NotFound, 404),
    (Conflict, 409),
    (TooLarge, 413),
    (UnsupportedMedia, 415),
    (Unauthorized, 401),
    (ContentRejected, 422),
    (InvalidRequest, 422),
    (BudgetExceeded, 402),
    (RateLimited, 429),
    (Cancelled, 409),
    (BackendUnavailable, 503),
    (ConfigError, 503),
    (AuthError, 503),  # a provider refused the server's own credentials: the service is unavailable
    (ProviderError, 503),
    (Timeout, 503),
    (GenerationFailed, 503),
]


class ErrorBody(BaseModel):
    type: str
    message: str
    fields: dict[str, str] = Field(default_factory=dict)


class ErrorEnvelope(BaseModel):
    """Every error the API returns."""

    error: ErrorBody


def status_of(exc: ReelforgeError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def envelope(status: int, type_: str, message: str, fields: dict[str, str] | None = None, **headers: str) -> Any:
    body = {"error": {"type": type_, "message": message, "fields": fields or {}}}
    return JSONResponse(body, status_code=status, headers=headers or None)


async def _reelforge_error(_: Request, exc: Exception) -> Any:
    assert isinstance(exc, ReelforgeError)
    status = status_of(exc)
    fields = dict(getattr(exc, "problems", None) or {})
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited) and exc.retry_after is not None:
        headers["Retry-After"] = str(max(1, int(exc.retry_after + 0.999)))
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if status == 500:
        log.error("unmapped error %s: %s", type(exc).__name__, exc.message)
    return envelope(status, type(exc).__name__, exc.message or type(exc).__name__, fields, **headers)


def _loc(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] or parts
    return ".".join(parts) or "request"


async def _validation_error(_: Request, exc: Exception) -> Any:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return envelope(400, "InvalidRequest", "the body is not valid JSON", {"body": "not valid JSON"})
    fields: dict[str, str] = {}
    for err in errors:
        fields.setdefault(_loc(tuple(err.get("loc", ()))), str(err.get("msg", "invalid")))
    message = "; ".join(f"{k}: {v}" for k, v in fields.items())
    return envelope(422, "InvalidRequest", message, fields)


_HTTP_TYPES = {400: "InvalidRequest", 401: "Unauthorized", 404: "NotFound", 405: "MethodNotAllowed", 413: "TooLarge"}


async def _http_error(_: Request, exc: Exception) -> Any:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    type_ = _HTTP_TYPES.get(exc.status_code, "HTTPError")
    return envelope(exc.status_code, type_, str(exc.detail), None, **headers)


async def _unexpected(_: Request, exc: Exception) -> Any:
    log.exception("unexpected error", exc_info=exc)
    return envelope(500, "InternalError", "the server failed to handle this request; see its log")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ReelforgeError, _reelforge_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


#: documented on every route that can answer with an error
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorEnvelope} for code in (400, 401, 402, 404, 409, 413, 422, 429, 503)
}

__all__ = [
    "ERROR_RESPONSES",
    "Conflict",
    "ErrorBody",
    "ErrorEnvelope",
    "NotFound",
    "TooLarge",
    "Unauthorized",
    "UnsupportedMedia",
    "envelope",
    "install_error_handlers",
    "status_of",
]
