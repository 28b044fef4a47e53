"""Write to a temporary name beside the target and rename: readers never see half a file."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path


def part_path(target: str | Path, suffix: str | None = None) -> Path:
    """A fresh temporary name beside ``target`` (``.name.xxxxxxxx.part.ext``), to rename onto it when done."""
    target = Path(target)
    ext = suffix if suffix is not None else target.suffix
    return target.with_name(f".{target.stem}.{uuid.uuid4().hex[:8]}.part{ext}")


@contextlib.contextmanager
def atomic_path(target: str | Path, suffix: str | None = None, *, tmp: Path | None = None) -> Iterator[Path]:
    """Yield a temp path in the target's folder; rename it onto ``target`` on success, delete on error.

    ``tmp``: the temporary file to use (e.g. one made ahead, on the same filesystem) instead of a new name.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp or part_path(target, suffix)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def atomic_write_bytes(target: str | Path, data: bytes, *, tmp: Path | None = None) -> Path:
    with atomic_path(target, tmp=tmp) as path:
        path.write_bytes(data)
    return Path(target)


def atomic_write_text(target: str | Path, text: str, *, tmp: Path | None = None) -> Path:
    return atomic_write_bytes(target, text.encode("utf-8"), tmp=tmp)


__all__ = [
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "part_path",
]
