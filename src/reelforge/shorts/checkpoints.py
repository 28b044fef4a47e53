"""The run folder: each finished stage's output is stored with a fingerprint of its inputs, so a failed or
cancelled run resumes from the last finished stage and never pays twice for a finished generation."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..media import atomic_write_text


def fingerprint(*parts: Any) -> str:
    blob = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def file_digest(path: Path | None) -> str | None:
    if path is None or not Path(path).is_file():
        return None
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class RunFolder:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def _file(self, stage: str) -> Path:
        return self.root / f"{stage}.json"

    def _record(self, stage: str, key: str) -> dict[str, Any] | None:
        """The stage's stored record when it was made from the same inputs, else None."""
        path = self._file(stage)
        if not path.is_file():
            return None
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None
        return record if isinstance(record, dict) and record.get("key") == key else None

    def load(self, stage: str, key: str) -> Any | None:
        """The stage's stored output when it was made from the same inputs and finished, else None."""
        record = self._record(stage, key)
        return record.get("data") if record is not None and record.get("complete", True) else None

    def partial(self, stage: str, key: str) -> Any | None:
        """Output of a stage that stopped half-way (e.g. the scenes already paid for)."""
        record = self._record(stage, key)
        return record.get("data") if record is not None else None

    def save(self, stage: str, key: str, data: Any, *, complete: bool = True) -> None:
        record = {"stage": stage, "key": key, "complete": complete, "data": data}
        atomic_write_text(self._file(stage), json.dumps(record, indent=1, default=str))


__all__ = ["RunFolder", "file_digest", "fingerprint"]
