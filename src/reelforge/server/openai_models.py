"""The objects of the OpenAI-compatible video API (``/openai/v1``), and how a reelforge job reads as one.

Field names and types follow OpenAI's Videos API: a video is a ``video`` job (``id`` is the job id), its
status ``queued`` / ``in_progress`` / ``completed`` / ``failed`` (a cancelled job reads as ``failed`` with the
code ``cancelled``), ``progress`` a whole percentage, ``seconds`` and ``size`` strings (``"4"``, ``"1280x720"``)
measured from the written file once it is done, and ``model`` the backend or ``backend/model`` that made it.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any, Literal

from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ..errors import AuthError, BackendUnavailable, BudgetExceeded, InvalidRequest, RateLimited, ReelforgeError
from ..jobs.models import Job
from .errors import status_of

log = logging.getLogger("reelforge.server")
#: reelforge request fields -> the parameter a client sent on this surface
PARAM_OF = {"duration_s": "seconds", "resolution": "size", "image": "input_reference", "backend": "model"}

VideoStatus = Literal["queued", "in_progress", "completed", "failed"]
STATUS: dict[str, VideoStatus] = {
    "queued": "queued",
    "running": "in_progress",
    "succeeded": "completed",
    "failed": "failed",
    "cancelled": "failed",
}


class VideoError(BaseModel):
    """Why a video failed: a machine-readable ``code`` and a sentence."""

    code: str
    message: str


class Video(BaseModel):
    """OpenAI's video object."""

    id: str
    object: Literal["video"] = "video"
    status: VideoStatus
    progress: int = Field(ge=0, le=100)
    model: str
    seconds: str
    size: str
    prompt: str | None = None
    created_at: int
    completed_at: int | None = None
    expires_at: int | None = None
    remixed_from_video_id: str | None = None
    error: VideoError | None = None


class VideoList(BaseModel):
    """One page of videos, in OpenAI's list shape; pass ``last_id`` as ``after`` for the next page."""

    object: Literal["list"] = "list"
    data: list[Video]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False


class VideoDeleted(BaseModel):
    id: str
    object: Literal["video.deleted"] = "video.deleted"
    deleted: bool = True


class ErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    """OpenAI's error shape, used for every failure on this surface."""

    error: ErrorBody


class CreateVideoBody(BaseModel):
    """``POST /videos`` as JSON (the same fields as multipart, ``input_reference`` as a data: URL object)."""

    prompt: str
    model: str | None = Field(default=None, description="a backend (procedural) or backend/model (runway/gen4_turbo)")
    seconds: str | None = Field(default=None, description="duration in seconds, such as 4")
    size: str | None = Field(default=None, description="WIDTHxHEIGHT, such as 1280x720")
    input_reference: dict[str, str] | None = Field(default=None, description='{"image_url": "data:image/png;base64,…"}')
    seed: int | None = None
    negative_prompt: str | None = None
    fps: float | None = None
    aspect_ratio: str | None = None
    max_cost_usd: float | None = None


class OpenAIError(ReelforgeError):
    """A failure with the HTTP status and OpenAI error fields it is answered with."""

    def __init__(
        self, status: int, message: str, *, type: str = "invalid_request_error", param: str | None = None, code: str
    ) -> None:
        super().__init__(message)
        self.status, self.type, self.param, self.code = status, type, param, code


def model_name(backend: str | None, model: str | None) -> str:
    """``backend`` or ``backend/model``, the way ``model`` names them on this surface."""
    name = backend or "auto"
    return f"{name}/{model}" if model else name


def seconds_text(value: Any) -> str:
    """``4.0`` -> ``"4"``, ``4.04`` -> ``"4.04"``; unknown -> ``""``."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return ""
    return f"{round(float(value), 2):g}"


_SIZE = re.compile(r"^\s*(\d+)\s*[xX]\s*(\d+)\s*$")


def parse_size(text: str) -> tuple[int, int] | None:
    match = _SIZE.match(text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _stamp(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def error_code(job: Job) -> VideoError | None:
    """The job's failure as OpenAI's ``{code, message}``: ``GenerationFailed`` -> ``generation_failed``."""
    if job.status == "cancelled":
        return VideoError(code="cancelled", message=job.message or "the video was cancelled")
    if job.status != "failed":
        return None
    kind = job.error.type if job.error else "GenerationFailed"
    code = re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower()
    return VideoError(code=code, message=job.error.message if job.error else (job.message or "failed"))


def video_of(job: Job) -> Video:
    """A video job as OpenAI's video object; every figure of a finished one is read from its result."""
    request, result = job.request, job.result or {}
    status = STATUS[job.status.value]
    done = status == "completed"
    if result.get("width") and result.get("height"):
        size = f"{result['width']}x{result['height']}"
    else:
        size = str(request.get("resolution") or "")
    return Video(
        id=job.id,
        status=status,
        progress=100 if done else max(0, min(99, int(job.progress * 100))),
        model=model_name(result.get("backend") or request.get("backend"), result.get("model") or request.get("model")),
        seconds=seconds_text(result.get("duration_s") if done else request.get("duration_s")),
        size=size,
        prompt=request.get("prompt"),
        created_at=_stamp(job.created_at) or 0,
        completed_at=_stamp(job.finished_at) if job.finished else None,
        error=error_code(job),
    )


# ---- errors ----------------------------------------------------------------------------------------------
def not_found(video_id: str) -> OpenAIError:
    return OpenAIError(404, f"no video {video_id!r}", param="video_id", code="video_not_found")


def _code(exc: ReelforgeError) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()


def _from_reelforge(exc: ReelforgeError) -> OpenAIError:
    """A reelforge error as OpenAI's: the status the service gives it (400 where it gives 422)."""
    if isinstance(exc, OpenAIError):
        return exc
    status = status_of(exc)
    if isinstance(exc, InvalidRequest):
        named = {PARAM_OF.get(k.split(".")[0], k): v for k, v in exc.problems.items()}  # in this API's words
        param = next(iter(named), None)
        message = "; ".join(f"{k}: {v}" for k, v in named.items()) if named else exc.message
        code = "model_not_found" if "unknown backend" in exc.message else "invalid_value"
        return OpenAIError(400 if status == 422 else status, message, param=param, code=code)
    if isinstance(exc, BackendUnavailable):
        code = "model_not_found" if "unknown backend" in exc.message else "model_unavailable"
        return OpenAIError(400, exc.message, param="model", code=code)
    if isinstance(exc, AuthError) and status == 401:
        return OpenAIError(401, exc.message, code="invalid_api_key")
    if isinstance(exc, BudgetExceeded):
        return OpenAIError(402, exc.message, type="insufficient_quota", code="budget_exceeded")
    if isinstance(exc, RateLimited):
        return OpenAIError(429, exc.message, type="rate_limit_error", code="rate_limit_exceeded")
    kind = "invalid_request_error" if status < 500 else "server_error"
    return OpenAIError(status, exc.message or type(exc).__name__, type=kind, code=_code(exc))


def error_response(exc: Exception) -> JSONResponse:
    """Any failure as OpenAI's error shape, with the status that fits."""
    if isinstance(exc, RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        err = OpenAIError(400, f"{'.'.join(loc) or 'request'}: {first.get('msg', 'invalid')}", code="invalid_value")
        err.param = loc[0] if loc else None
    elif isinstance(exc, HTTPException):
        kind = "invalid_request_error" if exc.status_code < 500 else "server_error"
        err = OpenAIError(exc.status_code, str(exc.detail), type=kind, code=f"http_{exc.status_code}")
    elif isinstance(exc, ReelforgeError):
        err = _from_reelforge(exc)
    else:
        log.exception("OpenAI-compatible route failed", exc_info=exc)
        err = OpenAIError(500, "internal server error", type="server_error", code="server_error")
    body = ErrorResponse(error=ErrorBody(message=err.message, type=err.type, param=err.param, code=err.code))
    headers = {"WWW-Authenticate": "Bearer"} if err.status == 401 else None
    return JSONResponse(body.model_dump(), status_code=err.status, headers=headers)


__all__ = [
    "PARAM_OF",
    "STATUS",
    "CreateVideoBody",
    "ErrorBody",
    "ErrorResponse",
    "OpenAIError",
    "Video",
    "VideoDeleted",
    "VideoError",
    "VideoList",
    "VideoStatus",
    "error_code",
    "error_response",
    "model_name",
    "not_found",
    "parse_size",
    "seconds_text",
    "video_of",
]
