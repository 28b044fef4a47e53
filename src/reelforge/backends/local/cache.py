"""Keep loaded pipelines for the next request; evict the least recently used when memory is needed.

One cache per worker process (``shared_cache()``): a model is loaded once per worker, not per request.
Entries record how many bytes they hold in each memory pool ("cuda:0", "cpu"); before a new model is
loaded, entries are evicted oldest-first until the pool it needs has room, or while more than
``max_models`` are kept. Room is the configured ``limit_bytes`` minus what the cache holds, or, with no
limit, the memory the pool reports free right now (measured again after each eviction).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FreeBytes = Callable[[str], int | None]


@dataclass
class CacheEntry:
    key: tuple[str, ...]
    pipe: Any
    footprint: dict[str, int]  # pool -> bytes held there
    device: str
    info: dict[str, Any] = field(default_factory=dict)
    variants: dict[str, Any] = field(default_factory=dict)  # derived pipelines sharing these components


def _host_free(_pool: str) -> int | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _live_free(pool: str) -> int | None:
    if pool.startswith("cuda"):
        from .loader import free_device_bytes

        return free_device_bytes(pool)
    return _host_free(pool)


class PipelineCache:
    """An LRU of loaded pipelines. Thread-safe; ``evicted`` lists keys dropped, oldest first."""

    def __init__(
        self,
        max_models: int = 2,
        limit_bytes: int | None = None,
        free_bytes: FreeBytes = _live_free,
        on_evict: Callable[[CacheEntry], None] | None = None,
    ) -> None:
        self.max_models = max_models
        self.limit_bytes = limit_bytes
        self._free_bytes = free_bytes
        self._on_evict = on_evict
        self._entries: OrderedDict[tuple[str, ...], CacheEntry] = OrderedDict()
        self._lock = threading.RLock()
        self.run_lock = threading.Lock()  # one generation at a time on the pipelines of this cache
        self.evicted: list[tuple[str, ...]] = []
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def loaded_keys(self) -> list[tuple[str, ...]]:
        return list(self._entries)

    def get(self, key: tuple[str, ...]) -> CacheEntry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def held(self, pool: str) -> int:
        return sum(e.footprint.get(pool, 0) for e in self._entries.values())

    def room(self, pool: str) -> int | None:
        """Bytes a new entry may still take in ``pool`` (None: unknown, so unlimited)."""
        if self.limit_bytes is not None:
            return self.limit_bytes - self.held(pool)
        return self._free_bytes(pool)

    def make_room(self, need: dict[str, int], keep: tuple[str, ...] | None = None) -> list[tuple[str, ...]]:
        """Evict least recently used entries until ``need`` (pool -> bytes) fits and one more model is allowed."""
        dropped: list[tuple[str, ...]] = []
        with self._lock:
            while self._entries:
                over_count = len(self._entries) >= self.max_models
                short = any(
                    (room := self.room(pool)) is not None and room < nbytes
                    for pool, nbytes in need.items()
                    if nbytes > 0
                )
                candidates = [k for k in self._entries if k != keep]
                if not (over_count or short) or not candidates:
                    break
                dropped.append(candidates[0])
                self._evict(candidates[0])
        return dropped

    def put(self, entry: CacheEntry) -> None:
        with self._lock:
            self._entries[entry.key] = entry
            self._entries.move_to_end(entry.key)

    def _evict(self, key: tuple[str, ...]) -> None:
        entry = self._entries.pop(key)
        self.evicted.append(key)
        entry.variants.clear()
        if self._on_evict is not None:
            self._on_evict(entry)
        device = entry.device
        entry.pipe = None
        del entry
        from .loader import release

        release(device)

    def clear(self) -> None:
        with self._lock:
            for key in list(self._entries):
                self._evict(key)


_shared: PipelineCache | None = None
_shared_lock = threading.Lock()


def shared_cache() -> PipelineCache:
    """The process-wide cache (one per worker)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = PipelineCache()
        return _shared


__all__ = [
    "CacheEntry",
    "PipelineCache",
    "shared_cache",
]
