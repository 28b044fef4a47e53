"""``GET /v1/backends``: every registered backend, its operations and models, configured or not and why not."""

from __future__ import annotations

from typing import Any

from ..backends.registry import backend_class, backend_names, create_backend
from ..errors import ReelforgeError
from .models import BackendInfo, ModelInfo


def _model(backend: Any, spec: Any) -> ModelInfo:
    durations = (
        ", ".join(f"{d:g}" for d in spec.durations)
        if spec.durations
        else f"{spec.min_duration_s:g}-{spec.max_duration_s:g}"
    )
    sizes = "any WxH" if spec.any_size else ", ".join(spec.resolutions) or "any"
    return ModelInfo(
        name=spec.name,
        operations=list(spec.operations),
        durations_s=durations,
        resolutions=sizes,
        price_rule=backend.price_rule(spec.name),
    )


def describe(config: Any) -> list[BackendInfo]:
    """One entry per backend; a backend that cannot be created says why (missing extra, bad config)."""
    rows: list[BackendInfo] = []
    for name in backend_names():
        try:
            cls = backend_class(name)
            backend = create_backend(name, config.backend_config(name))
            ok, why = backend.configured()
            models = [_model(backend, spec) for spec in backend.models()]
        except ReelforgeError as exc:
            rows.append(BackendInfo(name=name, configured=False, why_not=exc.message))
            continue
        rows.append(
            BackendInfo(
                name=name,
                kind=str(cls.kind),
                description=cls.description,
                configured=ok,
                why_not=why,
                operations=sorted(backend.operations()),
                models=models,
            )
        )
    return rows


__all__ = ["describe"]
