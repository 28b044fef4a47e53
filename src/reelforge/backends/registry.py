"""Backends by name: the built-ins and third-party ones from the ``reelforge.backends`` entry points."""

from __future__ import annotations

import functools
import importlib
from importlib.metadata import entry_points
from typing import Any

from ..errors import BackendUnavailable, ConfigError
from .base import Backend

# name -> "module:Class"; imported lazily so a missing optional dependency only hurts its own backend
BUILTINS: dict[str, str] = {
    "procedural": "reelforge.backends.procedural:ProceduralBackend",
    "runway": "reelforge.backends.runway:RunwayBackend",
    "veo": "reelforge.backends.veo:VeoBackend",
    "vertex": "reelforge.backends.vertex:VertexBackend",
    "minimax": "reelforge.backends.minimax:MinimaxBackend",
    "wavespeed": "reelforge.backends.wavespeed:WavespeedBackend",
    "fal": "reelforge.backends.fal:FalBackend",
    "replicate": "reelforge.backends.replicate:ReplicateBackend",
    "huggingface": "reelforge.backends.huggingface:HuggingFaceBackend",
    "kling": "reelforge.backends.kling:KlingBackend",
    "seedance": "reelforge.backends.seedance:SeedanceBackend",
    "xai": "reelforge.backends.xai:XaiBackend",
    "diffusers": "reelforge.backends.diffusers:DiffusersBackend",
    "wan": "reelforge.backends.wan:WanBackend",
    "luma": "reelforge.backends.luma:LumaBackend",
    "ltx": "reelforge.backends.ltx:LtxBackend",
}
_registered: dict[str, type[Backend] | str] = {}
_classes: dict[str, type[Backend]] = {}
_failed: dict[str, BackendUnavailable] = {}


def register_backend(name: str, target: type[Backend] | str) -> None:
    """Register a backend class (or "module:Class") under ``name``; later registrations win."""
    _registered[name] = target
    _classes.pop(name, None)
    _failed.pop(name, None)


@functools.cache
def _entry_point_targets() -> dict[str, str]:
    """Third-party backends (read once per process: scanning installed packages is slow)."""
    return {ep.name: ep.value for ep in entry_points(group="reelforge.backends")}


def backend_names() -> list[str]:
    names = dict.fromkeys([*BUILTINS, *_entry_point_targets(), *_registered])
    return list(names)


def _import(target: str, name: str) -> type[Backend]:
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("reelforge.backends.") and exc.name == module_name:
            raise BackendUnavailable(f"backend {name!r} is not built into this version") from None
        raise BackendUnavailable(
            f"backend {name!r} needs the optional dependency {exc.name!r}: "
            f"pip install 'reelforge[{_EXTRAS.get(name, name)}]'"
        ) from None
    cls = getattr(module, attr)
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise BackendUnavailable(f"{target} is not a reelforge Backend")
    return cls


_EXTRAS = {"diffusers": "local", "vertex": "google"}


def backend_class(name: str) -> type[Backend]:
    if name in _classes:
        return _classes[name]
    if name in _failed:
        raise _failed[name]
    target: type[Backend] | str | None = _registered.get(name) or _entry_point_targets().get(name) or BUILTINS.get(name)
    if target is None:
        raise BackendUnavailable(f"unknown backend {name!r}; known: {', '.join(backend_names())}")
    try:
        cls = target if isinstance(target, type) else _import(target, name)
    except BackendUnavailable as exc:
        _failed[name] = exc  # a missing optional dependency stays missing for this process
        raise
    _classes[name] = cls
    return cls


def create_backend(name: str, config: dict[str, Any] | Any | None = None) -> Backend:
    """Build backend ``name`` from its config block (a dict is validated by the backend's config model)."""
    cls = backend_class(name)
    if isinstance(config, dict) or config is None:
        from pydantic import ValidationError

        try:
            config = cls.config_model.model_validate(config or {})
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(p) for p in ("backends", name, *err["loc"]))
            raise ConfigError(f"{key}: {err['msg']}", key=key) from None
    return cls(config)


def available_backends() -> list[str]:
    """Names whose class imports (optional dependencies present)."""
    out = []
    for name in backend_names():
        try:
            backend_class(name)
        except BackendUnavailable:
            continue
        out.append(name)
    return out


__all__ = [
    "BUILTINS",
    "available_backends",
    "backend_class",
    "backend_names",
    "create_backend",
    "register_backend",
]
