"""The one way to get an engine: ``open_engine`` for a block of work, ``shared_engine`` for a long-lived loop.

An engine holds an HTTP client and database connections bound to the event loop it was made in, so the
shared one is kept per (event loop, config) and dropped with its loop.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ..config import Config
from .engine import Engine

_per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, tuple[Config, Engine]]] = (
    weakref.WeakKeyDictionary()
)
_default_config: Config | None = None


def default_config() -> Config:
    """``Config()`` made once: the defaults (no file is read; the CLI and server load files themselves)."""
    global _default_config
    if _default_config is None:
        _default_config = Config()
    return _default_config


@asynccontextmanager
async def open_engine(config: Config | None = None) -> AsyncIterator[Engine]:
    """An engine for the duration of the block, closed (client, backends, library) when it ends."""
    engine = Engine(config or default_config())
    try:
        yield engine
    finally:
        await engine.aclose()


def shared_engine(config: Config | None = None) -> Engine:
    """The engine for ``config`` in the running event loop, made on first use and kept for the loop's life."""
    config = config or default_config()
    engines = _per_loop.setdefault(asyncio.get_running_loop(), {})
    entry = engines.get(id(config))
    if entry is None or entry[0] is not config:
        entry = (config, Engine(config))
        engines[id(config)] = entry
    return entry[1]


__all__ = ["default_config", "open_engine", "shared_engine"]
