"""Records the library hands out: assets, ledger attempts and usage totals."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

Outcome = Literal["succeeded", "failed", "cancelled", "cached", "rejected"]
OUTCOMES: tuple[str, ...] = ("succeeded", "failed", "cancelled", "cached", "rejected")


class Asset(BaseModel):
    """One stored output. Size, frames and duration are probed from the file, never taken from the request."""

    id: str
    kind: str
    path: Path
    sidecar_path: Path
    thumbnail_path: Path | None = None
    created_at: datetime
    backend: str
    model: str | None = None
    seed: int | None = None
    cost_usd: float = 0.0
    billable: bool = False
    checksum: str  # sha256 of the file, hex
    size_bytes: int
    width: int
    height: int
    fps: float
    num_frames: int
    duration_s: float
    request: dict[str, Any] = Field(default_factory=dict)
    provider_job_id: str | None = None
    cache_key: str | None = None
    warnings: list[str] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)


class Attempt(BaseModel):
    """One call to a backend, recorded before it is made. ``outcome`` is None while it is in flight."""

    id: str
    created_at: datetime
    finished_at: datetime | None = None
    backend: str
    model: str | None = None
    operation: str
    estimated_usd: float
    actual_usd: float | None = None
    billable: bool = False
    outcome: str | None = None
    error: dict[str, Any] | None = None
    asset_id: str | None = None
    provider_job_id: str | None = None
    provider_job: dict[str, Any] | None = None  # the backend's ProviderJob, as JSON
    idempotency_key: str | None = None
    job_id: str | None = None
    request: dict[str, Any] = Field(default_factory=dict)

    @property
    def cost_usd(self) -> float:
        """What this attempt cost: the actual charge when known, else the estimate; 0 when not billable."""
        if not self.billable:
            return 0.0
        return self.actual_usd if self.actual_usd is not None else self.estimated_usd


class UsageRow(BaseModel):
    """Totals for one backend on one UTC day."""

    day: date
    backend: str
    attempts: int = 0
    succeeded: int = 0
    failed: int = 0  # failed or rejected
    cached: int = 0
    billable: int = 0
    cost_usd: float = 0.0


__all__ = [
    "OUTCOMES",
    "Asset",
    "Attempt",
    "Outcome",
    "UsageRow",
]
