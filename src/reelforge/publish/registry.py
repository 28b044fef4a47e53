"""Publishers by name: the built-ins and third-party ones from the ``reelforge.publishers`` entry points."""

from __future__ import annotations

import functools
import importlib
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from ..errors import BackendUnavailable, ConfigError
from .base import Publisher
from .config import PlatformConfig, publish_config

# name -> "module:Class"; imported on first use
BUILTINS: dict[str, str] = {
    "youtube": "reelforge.publish.youtube:YouTubePublisher",
    "tiktok": "reelforge.publish.tiktok:TikTokPublisher",
}
_registered: dict[str, type[Publisher] | str] = {}


def register_publisher(name: str, target: type[Publisher] | str) -> None:
    """Register a publisher class (or "module:Class") under ``name``; later registrations win."""
    _registered[name] = target


@functools.cache
def _entry_points() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group="reelforge.publishers")}


def publisher_names() -> list[str]:
    return list(dict.fromkeys([*BUILTINS, *_entry_points(), *_registered]))


def publisher_class(name: str) -> type[Publisher]:
    target = _registered.get(name) or _entry_points().get(name) or BUILTINS.get(name)
    if target is None:
        raise BackendUnavailable(f"unknown platform {name!r}; known: {', '.join(publisher_names())}")
    if isinstance(target, type):
        return target
    module_name, _, attr = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except ModuleNotFoundError as exc:
        raise BackendUnavailable(
            f"publishing to {name} needs the optional dependency {exc.name!r}: pip install 'reelforge[publish]'"
        ) from None
    if not (isinstance(cls, type) and issubclass(cls, Publisher)):
        raise BackendUnavailable(f"{target} is not a reelforge Publisher")
    return cls


def platform_config(config: Any, name: str, cls: type[Publisher]) -> PlatformConfig:
    """The ``publish.<name>`` block validated by the publisher's own model."""
    block = getattr(publish_config(config), name, None)
    if isinstance(block, cls.config_model):
        return block
    try:
        return cls.config_model.model_validate(block.model_dump() if block is not None else {})
    except ValueError as exc:
        raise ConfigError(f"publish.{name}: {exc}", key=f"publish.{name}") from None


def get_publisher(config: Any, name: str) -> Publisher:
    """The publisher ``name`` configured from ``config`` (its ``publish`` block and ``data_dir``)."""
    cls = publisher_class(name)
    return cls(platform_config(config, name, cls), Path(config.data_dir))


__all__ = ["BUILTINS", "get_publisher", "platform_config", "publisher_class", "publisher_names", "register_publisher"]
