"""Short, sortable, URL-safe ids: 10 characters of millisecond time, then 8 random ones (Crockford base32)."""

from __future__ import annotations

import secrets
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_lock = threading.Lock()
_last: tuple[int, int] = (0, 0)


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def new_id() -> str:
    """A new id, e.g. ``01jb3f5k2m7q9x4a8c0d``. Ids made later sort after earlier ones, even within one millisecond."""
    global _last
    with _lock:
        ms = time.time_ns() // 1_000_000
        last_ms, last_rand = _last
        if ms <= last_ms:  # same millisecond (or a clock step back): keep order by incrementing the random part
            ms, rand = last_ms, last_rand + 1
        else:
            rand = secrets.randbits(39)  # leaves headroom below 32**8 for increments
        _last = (ms, rand)
    return _encode(ms, 10) + _encode(rand, 8)


__all__ = [
    "new_id",
]
