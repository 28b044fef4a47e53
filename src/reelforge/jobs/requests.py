"""Turning what a user submits into a storable job request: validated, paths made absolute, no secrets, a queue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..config import Config, is_secret_key
from ..errors import BackendUnavailable, InvalidRequest
from ..types import VideoRequest

VIDEO_INPUTS = ("image", "last_frame", "video", "audio")
SHORT_PATHS = ("script", "voiceover", "output")


def problems_of(exc: ValidationError) -> dict[str, str]:
    return {".".join(str(p) for p in e["loc"]) or "request": e["msg"] for e in exc.errors()}


def _absolute(value: Any) -> Any:
    if isinstance(value, Path) or (isinstance(value, str) and not value.startswith(("http://", "https://", "data:"))):
        return str(Path(value).expanduser().resolve())
    return value


def _secret_keys(data: dict[str, Any], prefix: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in data.items():
        if is_secret_key(key.lower()):
            found[f"{prefix}.{key}"] = "secrets belong in the config file, not in a job request"
        elif isinstance(value, dict):
            found.update(_secret_keys(value, f"{prefix}.{key}"))
    return found


def _queue_for_backend(name: str, config: Config) -> str:
    from ..backends.registry import backend_class

    name = config.default_backend if name in ("", "auto") else name
    try:
        kind = backend_class(name).kind
    except BackendUnavailable as exc:
        if "unknown backend" in exc.message:
            raise InvalidRequest({"backend": exc.message}) from None
        return "gpu" if name == "diffusers" else "default"
    return "gpu" if kind == "local" else "default"


def video_job(data: dict[str, Any] | VideoRequest, config: Config) -> tuple[dict[str, Any], str]:
    """Validate a video request; return (stored request, queue)."""
    try:
        request = data if isinstance(data, VideoRequest) else VideoRequest.model_validate(data)
    except ValidationError as exc:
        raise InvalidRequest(problems_of(exc)) from None
    problems = {f: "raw bytes cannot be queued: pass a file path or an https URL" for f in VIDEO_INPUTS}
    problems = {f: p for f, p in problems.items() if isinstance(getattr(request, f), bytes)}
    problems.update(_secret_keys(request.extra, "extra"))
    if problems:
        raise InvalidRequest(problems)
    stored = request.model_dump(mode="json", exclude_none=True, exclude={"idempotency_key"})
    for field in VIDEO_INPUTS:
        if field in stored:
            stored[field] = _absolute(stored[field])
    return stored, _queue_for_backend(request.backend, config)


def short_job(data: dict[str, Any] | BaseModel, config: Config) -> tuple[dict[str, Any], str]:
    """Validate a short request; return (stored request, queue)."""
    from ..shorts.request import ShortRequest

    try:
        request = data if isinstance(data, ShortRequest) else ShortRequest.model_validate(data)
    except ValidationError as exc:
        raise InvalidRequest(problems_of(exc)) from None
    if request.topic is None and request.script is None and request.script_text is None:
        raise InvalidRequest({"request": "give a topic, a script file or script_text"})
    stored = request.model_dump(mode="json", exclude_none=True, exclude={"run_id"})
    for field in SHORT_PATHS:
        if field in stored:
            stored[field] = _absolute(stored[field])
    source = request.visuals or config.shorts.visuals.source
    queue = _queue_for_backend(config.shorts.visuals.backend, config) if source == "generate" else "default"
    return stored, queue


def job_request(kind: str, data: Any, config: Config) -> tuple[dict[str, Any], str]:
    if kind == "video":
        return video_job(data, config)
    if kind == "short":
        return short_job(data, config)
    raise InvalidRequest({"kind": f"unknown job kind {kind!r}: use video or short"})


def publish_steps(steps: Any) -> list[dict[str, Any]] | None:
    """A job's ``publish`` steps checked now (so a bad platform or privacy fails the submit, not the job)."""
    if steps is None:
        return None
    if not isinstance(steps, list):
        raise InvalidRequest({"publish": 'a list of steps like [{"to": "youtube", "privacy": "private"}]'})
    from ..publish.registry import publisher_names
    from ..publish.service import parse_target

    targets = [parse_target(step) for step in steps]
    for index, target in enumerate(targets):
        if target.to not in publisher_names():
            known = ", ".join(publisher_names())
            raise InvalidRequest({f"publish[{index}].to": f"unknown platform {target.to!r}; known: {known}"})
    return [t.model_dump(mode="json", exclude_defaults=True) for t in targets]


def batch_line(raw: str, config: Config) -> tuple[str, dict[str, Any], str, dict[str, Any]]:
    """One JSON Lines entry: ``{"kind": "video"|"short", ...request}`` (kind defaults to video), or
    ``{"kind": ..., "request": {...}, "callback_url": ..., "publish": [...]}``.
    Returns (kind, request, queue, extras)."""
    import json

    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidRequest({"line": f"not JSON: {exc.msg} at column {exc.colno}"}) from None
    if not isinstance(data, dict):
        raise InvalidRequest({"line": "each line must be a JSON object"})
    kind = data.pop("kind", "video")
    extras = {k: data.pop(k) for k in ("callback_url", "publish") if k in data}
    if "publish" in extras:
        extras["publish"] = publish_steps(extras["publish"])
    body = data.pop("request") if isinstance(data.get("request"), dict) and len(data) == 1 else data
    request, queue = job_request(str(kind), body, config)
    return str(kind), request, queue, extras


__all__ = ["batch_line", "job_request", "problems_of", "publish_steps", "short_job", "video_job"]
