"""Files under ``data_dir/publish/``: sign-in tokens, upload sessions and what was published.

Every file is written to a temporary name and renamed, with mode 0600 (the folder 0700): tokens are secrets,
and an upload session's URL lets its holder finish the upload. Nothing here is ever logged.

- ``tokens/<platform>.json``: the OAuth token of the signed-in account
- ``sessions/<platform>-<key>.json``: an upload in progress (session URL, confirmed offset), so a restarted
  process continues it; a finished one keeps its result when the caller gave a key (a job step)
- ``published/<asset_id>.json``: every upload of a library asset, until the library records it itself
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        path.chmod(0o700)
    return path


def write_private_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` with mode 0600, atomically (temp file in the same folder, renamed)."""
    _private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, default=str)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_json(path: Path) -> Any | None:
    """The JSON in ``path``, or None when it is missing or unreadable (a torn file counts as missing)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class PublishStore:
    """The ``publish/`` folder of one data dir."""

    def __init__(self, data_dir: Path | str) -> None:
        self.root = Path(data_dir).expanduser() / "publish"

    # tokens
    def token_path(self, platform: str) -> Path:
        return self.root / "tokens" / f"{platform}.json"

    def read_token(self, platform: str) -> dict[str, Any] | None:
        data = read_json(self.token_path(platform))
        return data if isinstance(data, dict) else None

    def write_token(self, platform: str, token: dict[str, Any]) -> Path:
        path = self.token_path(platform)
        write_private_json(path, token)
        return path

    # upload sessions
    def session_path(self, platform: str, key: str) -> Path:
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return self.root / "sessions" / f"{platform}-{digest}.json"

    def read_session(self, platform: str, key: str) -> dict[str, Any]:
        data = read_json(self.session_path(platform, key))
        return data if isinstance(data, dict) else {}

    def write_session(self, platform: str, key: str, state: dict[str, Any]) -> None:
        write_private_json(self.session_path(platform, key), state)

    def clear_session(self, platform: str, key: str) -> None:
        self.session_path(platform, key).unlink(missing_ok=True)

    # published records of library assets


__all__ = ["PublishStore", "read_json", "write_private_json"]
