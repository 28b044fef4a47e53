"""The objects of the OpenAI-compatible video API (``/openai/v1``), and how a reelforge job reads as one.

Field names and types follow OpenAI's Videos API: a video is a ``video`` job (``id`` is the job id), its
status ``queued`` / ``in_progress`` / ``completed`` / ``failed`` (a cancelled job reads as ``failed`` with the
code ``cancelled``), ``progress`` a whole percentage, ``seconds`` and ``size`` strings (``"4"``, ``"1280x720"``)
measured from the written file once it is done, and ``model`` the backend or ``backend/model`` that made it.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import os
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Literal

from fastapi import Request
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import UploadFile

from ..config import Config
from ..errors import InvalidRequest, ReelforgeError
from ..jobs.models import Job
from ..jobs.requests import problems_of
from ..types import VideoRequest

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


# ---- reading a create request --------------------------------------------------------------------------
#: downloads an https input_reference through the server's guarded fetcher; returns the local file
UrlFetcher = Callable[[str], Awaitable[Path]]
#: where uploaded references are kept (under data_dir), readable by the worker that runs the video
UPLOADS = Path("uploads") / "openai"
FIELDS = ("prompt", "model", "seconds", "size", "input_reference")
#: reelforge's own request fields this surface passes through (``extra_body`` in the openai client)
EXTRAS = ("seed", "negative_prompt", "fps", "aspect_ratio", "max_cost_usd")


def image_suffix(head: bytes) -> str | None:
    """The file type of an image by its first bytes: PNG, JPEG or WebP; anything else is None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    return None


def store_image(src: IO[bytes], folder: Path, cap_bytes: int) -> Path:
    """Copy an image into ``folder`` under a fresh name (typed by its bytes, capped); blocking."""
    head = src.read(16)
    suffix = image_suffix(head)
    if suffix is None:
        raise InvalidRequest({"input_reference": "not a PNG, JPEG or WebP image (judged by its bytes)"})
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{uuid.uuid4().hex}{suffix}"
    part = dest.with_name(dest.name + ".part")
    size = len(head)
    try:
        with open(part, "wb") as out:
            out.write(head)
            while chunk := src.read(1 << 20):
                size += len(chunk)
                if size > cap_bytes:
                    raise OpenAIError(413, f"input_reference is over {cap_bytes // (1 << 20)} MB",
                                      param="input_reference", code="file_too_large")  # fmt: skip
                out.write(chunk)
        os.replace(part, dest)
    finally:
        part.unlink(missing_ok=True)
    return dest


def _data_url_bytes(url: str) -> bytes:
    header, _, payload = url.partition(",")
    if not header.endswith(";base64"):
        raise InvalidRequest({"input_reference": "a data: URL must be base64 (data:image/png;base64,…)"})
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest({"input_reference": "the data: URL is not valid base64"}) from None


async def _reference(ref: Any, folder: Path, cap: int, fetch: UrlFetcher | None) -> Path:
    """The local file of an ``input_reference`` object: ``{"image_url": "data:…" | "https://…"}``."""
    import asyncio

    if isinstance(ref, str):
        try:
            ref = json.loads(ref)
        except json.JSONDecodeError:
            ref = {"image_url": ref}
    url = ref.get("image_url") if isinstance(ref, dict) else None
    if isinstance(ref, dict) and ref.get("file_id"):
        raise InvalidRequest({"input_reference": "file ids are not kept here: upload the image as input_reference"})
    if not isinstance(url, str):
        raise InvalidRequest({"input_reference": 'give a file upload or {"image_url": "data:image/…;base64,…"}'})
    if url.startswith("data:"):
        return await asyncio.to_thread(store_image, io.BytesIO(_data_url_bytes(url)), folder, cap)
    if url.startswith("https://") and fetch is not None:
        return await fetch(url)
    raise InvalidRequest({"input_reference": "image_url must be a data: URL here; upload the file instead"})


async def _read_body(request: Request, folder: Path, cap: int) -> tuple[dict[str, Any], Path | None]:
    import asyncio

    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = await request.form(max_files=1, max_fields=len(FIELDS) + len(EXTRAS))
        fields: dict[str, Any] = {}
        upload: Path | None = None
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key != "input_reference":
                    raise InvalidRequest({key: "only input_reference may be a file"})
                upload = await asyncio.to_thread(store_image, value.file, folder, cap)
            else:
                fields[key] = value
        await form.close()
        return fields, upload
    if ctype not in ("", "application/json"):
        raise OpenAIError(415, f"send JSON or multipart/form-data, not {ctype}", code="unsupported_media_type")
    try:
        data = json.loads(await request.body() or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidRequest({"body": f"not JSON: {exc}"}) from None
    if not isinstance(data, dict):
        raise InvalidRequest({"body": "send a JSON object with at least a prompt"})
    return data, None


def video_request_of(fields: dict[str, Any], image: Path | None) -> dict[str, Any]:
    """A reelforge video request from this surface's fields, with every problem listed at once."""
    problems = {k: f"not a field of this API (use {', '.join(FIELDS + EXTRAS)})" for k in fields}
    problems = {k: v for k, v in problems.items() if k not in FIELDS + EXTRAS}
    prompt = fields.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        problems["prompt"] = "a prompt is required"
    out: dict[str, Any] = {"prompt": prompt, **{k: fields[k] for k in EXTRAS if fields.get(k) not in (None, "")}}
    model = fields.get("model")
    if model:
        backend, _, name = str(model).partition("/")
        out["backend"] = backend
        if name:
            out["model"] = name
    if fields.get("seconds") not in (None, ""):
        try:
            out["duration_s"] = float(str(fields["seconds"]))
        except ValueError:
            problems["seconds"] = f"{fields['seconds']!r} is not a number of seconds"
    if fields.get("size"):
        size = parse_size(str(fields["size"]))
        if size is None or 0 in size:
            problems["size"] = f"{fields['size']!r} is not a size such as 1280x720"
        else:
            out["resolution"] = f"{size[0]}x{size[1]}"
    if image is not None:
        out["image"] = str(image)
    if problems:
        raise InvalidRequest(problems)
    try:
        return VideoRequest.model_validate(out).model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    except ValidationError as exc:
        raise InvalidRequest({PARAM_OF.get(k, k): v for k, v in problems_of(exc).items()}) from None


PARAM_OF = {"duration_s": "seconds", "resolution": "size", "image": "input_reference", "backend": "model"}


async def read_create(
    request: Request, config: Config, fetch: UrlFetcher | None = None
) -> tuple[dict[str, Any], Path | None]:
    """The video request of a ``POST /videos`` (JSON or multipart), and the reference file it stored, if any."""
    cap = config.server.max_upload_mb * (1 << 20)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap + (1 << 16):
        raise OpenAIError(413, f"the request is over {config.server.max_upload_mb} MB", code="request_too_large")
    folder = Path(config.data_dir) / UPLOADS
    fields, stored = await _read_body(request, folder, cap)
    try:
        if stored is None and fields.get("input_reference"):
            stored = await _reference(fields["input_reference"], folder, cap, fetch)
        fields.pop("input_reference", None)
        return video_request_of(fields, stored), stored
    except BaseException:
        if stored is not None:
            stored.unlink(missing_ok=True)
        raise


__all__ = [
    "EXTRAS",
    "FIELDS",
    "PARAM_OF",
    "STATUS",
    "UPLOADS",
    "CreateVideoBody",
    "ErrorBody",
    "ErrorResponse",
    "OpenAIError",
    "UrlFetcher",
    "Video",
    "VideoDeleted",
    "VideoError",
    "VideoList",
    "VideoStatus",
    "error_code",
    "image_suffix",
    "model_name",
    "parse_size",
    "read_create",
    "seconds_text",
    "store_image",
    "video_of",
    "video_request_of",
]
