"""Every registered backend described once, for ``reelforge backends``, ``GET /v1/backends`` and MCP."""

from __future__ import annotations

from typing import Any

from ..errors import ReelforgeError
from .registry import backend_class, backend_names, create_backend


def model_row(backend: Any, spec: Any) -> dict[str, Any]:
    """One model's rules as plain values: operations, durations, sizes, frame rule, price rule, notes."""
    durations = (
        ", ".join(f"{d:g}" for d in spec.durations)
        if spec.durations
        else f"{spec.min_duration_s:g}-{spec.max_duration_s:g}"
    )
    rule = spec.frame_rule
    return {
        "name": spec.name,
        "operations": list(spec.operations),
        "durations_s": durations,
        "resolutions": "any WxH" if spec.any_size else ", ".join(spec.resolutions) or "any",
        "aspect_ratios": list(spec.aspect_ratios) or "any",
        "fps": list(spec.fps) or "any",
        "last_frame": spec.last_frame,
        "frame_rule": None if rule is None else f"{rule.multiple}k+{rule.offset}",
        "prompt_max_chars": spec.prompt_max_chars,
        "price_rule": backend.price_rule(spec.name),
        "notes": spec.notes,
    }


def describe_backends(config: Any) -> list[dict[str, Any]]:
    """One row per registered backend: kind, description, configured or not and why, default model,
    operations and every model's rules. A backend that cannot be made (a missing extra, a bad config block)
    is listed too, with the reason."""
    rows: list[dict[str, Any]] = []
    for name in backend_names():
        try:
            cls = backend_class(name)
            backend = create_backend(name, config.backend_config(name))
            ok, why = backend.configured()
            models = [model_row(backend, spec) for spec in backend.models()]
        except ReelforgeError as exc:
            rows.append(
                {
                    "name": name,
                    "kind": None,
                    "configured": False,
                    "why_not": exc.message,
                    "models": [],
                    "operations": [],
                }
            )
            continue
        rows.append(
            {
                "name": name,
                "kind": cls.kind if isinstance(cls.kind, str) else None,
                "description": cls.description,
                "configured": ok,
                "why_not": why,
                "default_model": backend.default_model if models else None,
                "operations": sorted(backend.operations()),
                "models": models,
            }
        )
    return rows


__all__ = ["describe_backends", "model_row"]
