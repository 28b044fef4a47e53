"""The backend contract every video generator implements.

A backend publishes ``ModelSpec``s, turns a ``VideoRequest`` into a normalized ``Plan`` (snapping to what
the model supports, with a warning per snap, or refusing with every problem at once), estimates the cost
of a plan (``None`` when it cannot be known), and runs it, writing the video to ``ctx.out_path``. Hosted
backends implement ``submit``/``poll``/``cancel``/``fetch`` and inherit ``run`` from ``HostedBackend``
(``hosted.py``); local backends implement ``run`` directly. What a run reports is typed (``RunOutput``);
probing and thumbnailing the written file is the library's job, not the backend's.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from ..errors import BackendUnavailable, InvalidRequest
from ..media.inputs import MediaRef
from ..types import CancelToken, ModelSpec, ProgressCallback, VideoRequest

if TYPE_CHECKING:
    from .callbacks import CallbackChannel
    from .http import ProviderClient


class BackendConfig(BaseModel):
    """Base of every backend's config block. Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model: str | None = None
    base_url: str | None = None
    timeout_s: float = 900.0  # bound on one generation, submit to download
    poll_interval_s: float = 5.0


class ProviderJob(BaseModel):
    """A job at a provider: what users see (``id``) and what the backend needs to poll, cancel and fetch it.

    Stored as ``job.model_dump(mode="json")`` and rebuilt with ``ProviderJob.model_validate`` to resume; a
    job carrying only ``id`` (an old record, a job id typed by a user) resumes wherever the provider allows.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    backend: str
    id: str
    data: dict[str, Any] = {}


@dataclass
class Plan:
    """A request normalized for one backend and model: what will actually be asked for."""

    backend: str
    model: str
    operation: str
    prompt: str | None
    negative_prompt: str | None
    width: int
    height: int
    aspect_ratio: str
    resolution: str
    fps: float
    num_frames: int
    duration_s: float
    seed: int | None
    image: MediaRef | None = None
    last_frame: MediaRef | None = None
    video: MediaRef | None = None
    audio: MediaRef | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    idempotency_key: str | None = None

    def describe(self) -> dict[str, Any]:
        """JSON-able view for records and cache keys (inputs by identity, never raw bytes)."""
        out: dict[str, Any] = {}
        for k, v in self.__dict__.items():
            if k in ("warnings", "idempotency_key"):
                continue
            out[k] = v.identity() if isinstance(v, MediaRef) else v
        return out

    def cache_key(self) -> str | None:
        """Content address of this plan; None when the seed is not explicit (results would differ)."""
        if self.seed is None:
            return None
        blob = json.dumps(self.describe(), sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass
class RunOutput:
    """What a backend reports about a finished run; the file itself is at ``RunContext.out_path``."""

    provider_job: ProviderJob | None = None
    actual_usd: float | None = None  # what the provider says it charged, when it says
    billable: bool = True
    warnings: list[str] = field(default_factory=list)
    seed: int | None = None  # the seed actually used (drawn by the backend when the plan had none)


@dataclass
class RunContext:
    """Everything a run needs from the caller. Backends never read global settings."""

    out_path: Path
    on_progress: ProgressCallback | None = None
    cancel: CancelToken = field(default_factory=CancelToken)
    # called with the provider job right after a successful submit, before the first poll
    on_submitted: Callable[[ProviderJob], Awaitable[None]] | None = None
    resume: ProviderJob | None = None  # poll this existing provider job instead of submitting
    # a previous attempt died inside the submit (the request may have been sent): look the job up first
    # and submit only when the provider says it provably does not exist
    submit_uncertain: bool = False
    http: ProviderClient | None = None  # the client shared across backends (None: the backend makes one)
    sleep: Callable[[float], Awaitable[None]] | None = None  # injectable for tests
    callback: CallbackChannel | None = None  # completion callbacks for this attempt (see callbacks.py)
    typical_s: float | None = None  # how long this model's jobs took before (the ledger): when to poll first

    def progress(self, fraction: float, message: str) -> None:
        if self.on_progress is not None:
            self.on_progress(max(0.0, min(1.0, fraction)), message)


class Backend(ABC):
    """One video generator. Subclass, set the class attributes, implement ``models`` and ``run``."""

    name: ClassVar[str] = ""
    kind: ClassVar[Literal["builtin", "hosted", "local"]] = "hosted"
    description: ClassVar[str] = ""
    config_model: ClassVar[type[BackendConfig]] = BackendConfig
    #: environment variables that hold this backend's secret, named in "not configured" messages
    secret_env: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: BackendConfig | dict[str, Any] | None = None) -> None:
        if config is None or isinstance(config, dict):
            config = self.config_model.model_validate(config or {})
        self.config = config

    # -- capabilities ---------------------------------------------------------------------
    @abstractmethod
    def models(self) -> list[ModelSpec]:
        """Every model this backend knows, with its rules."""

    @property
    def default_model(self) -> str:
        return self.config.model or self.models()[0].name

    def model_spec(self, model: str | None) -> ModelSpec:
        name = model or self.default_model
        for spec in self.models():
            if spec.name == name:
                return spec
        return self.unknown_model_spec(name)

    def unknown_model_spec(self, name: str) -> ModelSpec:
        """Spec for a model id not in ``models()``. Model-agnostic hosts override this."""
        known = ", ".join(s.name for s in self.models())
        raise InvalidRequest({"model": f"{self.name} has no model {name!r}; known: {known}"})

    def operations(self) -> set[str]:
        return {op for spec in self.models() for op in spec.operations}

    def configured(self) -> tuple[bool, str | None]:
        """(True, None) when usable now; else (False, how to fix it)."""
        return True, None

    def require_configured(self) -> None:
        ok, why = self.configured()
        if not ok:
            raise BackendUnavailable(f"{self.name} is not configured: {why}")

    # -- validation and cost ------------------------------------------------------------------
    def validate(self, request: VideoRequest) -> Plan:
        """Normalize ``request`` for this backend (snap + warn) or raise InvalidRequest listing every problem.

        Reads, hashes and decodes local input files: call it off the event loop (``avalidate`` does).
        """
        from .validate import plan_from_spec

        return plan_from_spec(self, request, self.model_spec(request.model))

    async def avalidate(self, request: VideoRequest) -> Plan:
        """``validate`` without blocking the event loop: in a worker thread when the request has local inputs
        to read, hash and decode; inline when it has none (a thread hop would cost more than the check)."""
        inputs = (request.image, request.last_frame, request.video, request.audio)
        remote = ("https://", "http://")
        local = any(v is not None and not (isinstance(v, str) and v.startswith(remote)) for v in inputs)
        if local or self.kind == "local":  # a local model's validation may look at its files on disk
            return await asyncio.to_thread(self.validate, request)
        return self.validate(request)

    def estimate_cost(self, plan: Plan) -> float | None:
        """Estimated USD for ``plan`` from its price rule; None when no rule prices it (cost unknown)."""
        from .prices import estimate

        return estimate(self.name, plan)

    def price_rule(self, model: str | None = None) -> str:
        """The price rule in words; says "unknown" when there is none."""
        from .prices import describe_rule

        return describe_rule(self.name, model or self.default_model)

    # -- running -------------------------------------------------------------------------
    @abstractmethod
    async def run(self, plan: Plan, ctx: RunContext) -> RunOutput:
        """Generate ``plan`` into ``ctx.out_path``. Raise errors from the tree; honour ``ctx.cancel``."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release clients or models."""


__all__ = ["Backend", "BackendConfig", "Plan", "ProviderJob", "RunContext", "RunOutput"]
