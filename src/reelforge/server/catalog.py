"""``GET /v1/backends``: every registered backend, its operations and models, configured or not and why not."""

from __future__ import annotations

from typing import Any

from ..backends.describe import describe_backends
from .models import BackendInfo


def describe(config: Any) -> list[BackendInfo]:
    """One entry per backend; a backend that cannot be created says why (missing extra, bad config)."""
    return [BackendInfo.model_validate({**row, "kind": row.get("kind") or None}) for row in describe_backends(config)]


__all__ = ["describe"]
