"""Reading a ``POST /openai/v1/videos`` (JSON or multipart) into a reelforge video request.

``input_reference`` is an uploaded image (multipart), a ``{"image_url": "data:image/…;base64,…"}`` object, or an
https URL fetched through the server's SSRF-guarded fetcher. An image is typed by its bytes, capped by
``server.max_upload_mb``, and kept under ``data_dir/uploads/openai`` where the worker that runs the video reads it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import json
import math
import os
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from ..config import Config
from ..errors import InvalidRequest
from ..jobs.requests import problems_of
from ..types import VideoRequest
from .config import server_config
from .openai_models import PARAM_OF, OpenAIError, parse_size
from .sniff import HEAD_BYTES, extension_of, kind_of, sniff

# ---- reading a create request --------------------------------------------------------------------------
#: downloads an https input_reference through the server's guarded fetcher; returns the local file's path
UrlFetcher = Callable[[str], Awaitable[str | Path]]
#: where uploaded references are kept (under data_dir), readable by the worker that runs the video
UPLOADS = Path("uploads") / "openai"
FIELDS = ("prompt", "model", "seconds", "size", "input_reference")
#: reelforge's own request fields this surface passes through (``extra_body`` in the openai client)
EXTRAS = ("seed", "negative_prompt", "fps", "aspect_ratio", "max_cost_usd")


def image_suffix(head: bytes) -> str | None:
    """The file extension of an image judged by its first bytes; None for anything that is not an image."""
    mime = sniff(head)
    return extension_of(mime) if mime is not None and kind_of(mime) == "image" else None


def store_image(src: IO[bytes], folder: Path, cap_bytes: int) -> Path:
    """Copy an image into ``folder`` under a fresh name (typed by its bytes, capped); blocking."""
    head = src.read(HEAD_BYTES)
    suffix = image_suffix(head)
    if suffix is None:
        raise InvalidRequest({"input_reference": "not a PNG, JPEG, WebP or GIF image (judged by its bytes)"})
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
                    raise OpenAIError(413, f"input_reference is over {cap_bytes / 1e6:g} MB",
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
        return Path(await fetch(url))
    raise InvalidRequest({"input_reference": "image_url must be a data: or https URL; or upload the file instead"})


async def _read_body(request: Request, folder: Path, cap: int) -> tuple[dict[str, Any], Path | None]:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            form = await request.form(max_files=1, max_fields=len(FIELDS) + len(EXTRAS))
        except HTTPException as exc:  # too many fields or files, a malformed body: the client's mistake
            raise OpenAIError(exc.status_code, str(exc.detail), code="invalid_request") from None
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


#: numbers this surface takes, with the largest value that still makes sense (no model makes an hour of video)
LIMITS = {"seconds": 3600.0, "fps": 1000.0, "max_cost_usd": 1e9}


def _numbers(fields: dict[str, Any], problems: dict[str, str]) -> dict[str, float]:
    """The numeric fields as finite floats within ``LIMITS``; each bad one is added to ``problems``."""
    found: dict[str, float] = {}
    for name, high in LIMITS.items():
        raw = fields.get(name)
        if raw in (None, ""):
            continue
        try:
            value = float(str(raw)) if not isinstance(raw, bool) else math.nan
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            problems[name] = f"{raw!r} is not a number"
        elif value > high:
            problems[name] = f"must be at most {high:g}"
        else:
            found[name] = value
    return found


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
    numbers = _numbers(fields, problems)
    out.update({k: v for k, v in numbers.items() if k != "seconds"})
    if "seconds" in numbers:
        out["duration_s"] = numbers["seconds"]
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


async def read_create(
    request: Request, config: Config, fetch: UrlFetcher | None = None
) -> tuple[dict[str, Any], Path | None]:
    """The video request of a ``POST /videos`` (JSON or multipart), and the reference file stored for it under
    ``data_dir/uploads/openai``, if any (a file fetched by URL belongs to the server's upload store instead)."""
    cap = int(server_config(config).max_upload_mb * 1_000_000)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap + (1 << 16):
        raise OpenAIError(413, f"the request is over {cap / 1e6:g} MB", code="request_too_large")
    folder = Path(config.data_dir) / UPLOADS
    fields, stored = await _read_body(request, folder, cap)
    try:
        image = stored
        if stored is None and fields.get("input_reference"):
            image = await _reference(fields["input_reference"], folder, cap, fetch)
            stored = image if image.parent == folder else None
        fields.pop("input_reference", None)
        return video_request_of(fields, image), stored
    except BaseException:
        if stored is not None:
            stored.unlink(missing_ok=True)
        raise


__all__ = [
    "EXTRAS",
    "FIELDS",
    "UPLOADS",
    "UrlFetcher",
    "image_suffix",
    "read_create",
    "store_image",
    "video_request_of",
]
