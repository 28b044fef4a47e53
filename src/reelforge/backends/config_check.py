"""The ``backends:``, ``default_backend`` and ``fallback`` keys of the config, checked by the backends layer.

Registered with ``reelforge.config.register_check`` so the config module itself imports nothing above it.
"""

from __future__ import annotations

from pydantic import ValidationError

from ..config import Config, config_error, register_check
from ..errors import BackendUnavailable, ConfigError
from .registry import backend_class


def check_backend_blocks(config: Config, lines: dict[str, int]) -> None:
    """Each named backend must exist; each ``backends.<name>`` block must fit that backend's config model."""
    for name in [*config.backends, config.default_backend, *config.fallback]:
        if name == "auto":
            continue
        if name in config.backends:
            key = f"backends.{name}"
        else:
            key = "default_backend" if name == config.default_backend else "fallback"
        try:
            cls = backend_class(name)
        except BackendUnavailable as exc:
            if "unknown backend" in exc.message:
                line = lines.get(key)
                where = f" (line {line})" if line else ""
                raise ConfigError(f"{key}: {exc.message}{where}", key=key, line=line) from None
            continue  # known but its optional extra is missing: reported by `reelforge backends`
        if name in config.backends:
            try:
                cls.config_model.model_validate(config.backends[name])
            except ValidationError as exc:
                raise config_error(exc, lines, prefix=("backends", name)) from None


register_check(check_backend_blocks)

__all__ = ["check_backend_blocks"]
