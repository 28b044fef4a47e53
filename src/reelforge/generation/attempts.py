"""Attempts at one backend: recorded in the ledger before the call, retried where that is safe, and the
finished file handed to the asset library in one call.

Retry rules: a rate-limited submit (refused, nothing created) is retried on the same backend after
Retry-After; a failure that provably never reached the provider (``submitted is False``) with exponential
backoff and jitter. Once a provider job may exist, the same backend is never asked again for this request:
the error goes up to the chain, which moves on or stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from ..backends.base import Backend, Plan, ProviderJob, RunContext, RunOutput
from ..config import RetryConfig
from ..errors import Cancelled, ContentRejected, GenerationFailed, ProviderError, RateLimited, ReelforgeError
from ..library import Asset, Library, Slot
from ..types import CancelToken, Cost, ProgressCallback, VideoRequest
from .budget import BudgetGuard
from .callbacks import CallbackChannel, CallbackHub


@dataclass
class Call:
    """One request on its way through the chain: what each attempt needs to know."""

    request: VideoRequest
    record: dict[str, object]  # the request as stored (no secrets, no raw bytes)
    cancel: CancelToken
    on_progress: ProgressCallback | None = None
    resume: ProviderJob | None = None  # poll this job on the first backend instead of submitting
    submit_uncertain: bool = False  # a previous run died inside the submit: look the task up first
    notes: list[str] = field(default_factory=list)


@dataclass
class Stored:
    asset: Asset
    output: RunOutput
    cost: Cost


class Attempts:
    def __init__(
        self,
        library: Library,
        budget: BudgetGuard,
        retry: RetryConfig,
        http: Callable[[], object],
        sleep: Callable[[float], Awaitable[None]],
        callbacks: CallbackHub | None = None,
    ) -> None:
        self.library = library
        self.callbacks = callbacks  # completion callbacks, where the server's public URL is configured
        self.budget = budget
        self.retry = retry
        self._http = http
        self._sleep = sleep
        self._typicals: dict[tuple[str, str, str], float | None] = {}  # per process: the ledger is read once

    async def _typical(self, backend: Backend, plan: Plan) -> float | None:
        """How long this model's jobs took in earlier runs (a hosted backend's first poll waits about that)."""
        if backend.kind != "hosted":
            return None
        key = (backend.name, plan.model, plan.operation)
        if key not in self._typicals:
            self._typicals[key] = await self.library.ledger.typical_s(*key)
        return self._typicals[key]

    async def run(self, call: Call, backend: Backend, plan: Plan, estimate: float, key: str | None) -> Stored:
        """Up to ``retry.max_attempts`` attempts at ``backend``; the stored asset of the first that succeeds."""
        for attempt in range(1, self.retry.max_attempts + 1):
            submitted = [call.resume is not None]
            try:
                return await self._one(call, backend, plan, estimate, key, submitted)
            except BaseException as exc:
                delay = self._retry_delay(exc, submitted[0], attempt)
                if delay is None:
                    raise
                call.notes.append(f"{backend.name} attempt {attempt} {type(exc).__name__}; retrying in {delay:.1f}s")
                await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _retry_delay(self, exc: BaseException, submitted: bool, attempt: int) -> float | None:
        """Seconds to wait before trying the same backend again, or None when that is not safe or useful."""
        retry = self.retry
        never_arrived = isinstance(exc, ProviderError) and exc.retryable and exc.submitted is False
        if submitted or attempt == retry.max_attempts or not (isinstance(exc, RateLimited) or never_arrived):
            return None
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            delay = exc.retry_after
        else:
            delay = min(retry.max_delay_s, retry.base_delay_s * 2 ** (attempt - 1)) * (0.5 + random.random())
        return None if delay > retry.max_delay_s else delay  # a long wait: let the chain move on

    async def _one(
        self, call: Call, backend: Backend, plan: Plan, estimate: float, key: str | None, submitted: list[bool]
    ) -> Stored:
        ledger = self.library.ledger
        attempt_id = await ledger.start_attempt(
            backend=backend.name,
            model=plan.model,
            operation=plan.operation,
            estimated_usd=estimate,
            request=call.record,
            idempotency_key=call.request.idempotency_key,
        )
        resume, call.resume = call.resume, None  # the stored job is polled by the first attempt only
        uncertain, call.submit_uncertain = call.submit_uncertain, False
        if resume is not None:
            await ledger.set_provider_job(attempt_id, resume.id, resume.model_dump(mode="json"))

        async def on_submitted(job: ProviderJob) -> None:
            submitted[0] = True
            await ledger.set_provider_job(attempt_id, job.id, job.model_dump(mode="json"))

        async with self.library.assets.reserve() as slot:
            channel = await self._channel(backend, resume)
            ctx = RunContext(
                out_path=slot.path,
                on_progress=call.on_progress,
                cancel=call.cancel,
                on_submitted=on_submitted,
                resume=resume,
                submit_uncertain=uncertain,
                http=self._http() if backend.kind == "hosted" else None,
                callback=channel,
                typical_s=await self._typical(backend, plan) if resume is None else None,
            )
            self.budget.reserved_usd += estimate
            try:
                output = await backend.run(plan, ctx)
            except BaseException as exc:
                await self._finish_failed(attempt_id, exc)
                raise
            finally:
                self.budget.reserved_usd -= estimate
                if channel is not None:
                    await channel.close()
            return await self._store(slot, attempt_id, call, backend, plan, output, estimate, key)

    async def _channel(self, backend: Backend, resume: ProviderJob | None) -> CallbackChannel | None:
        """A callback channel for a new submit at a backend that offers callbacks and has them on."""
        wanted = getattr(backend, "supports_callback", False) and getattr(backend.config, "callbacks", True)
        if self.callbacks is None or resume is not None or not wanted:
            return None
        return await self.callbacks.open(backend.name)

    async def _store(
        self,
        slot: Slot,
        attempt_id: str,
        call: Call,
        backend: Backend,
        plan: Plan,
        output: RunOutput,
        estimate: float,
        key: str | None,
    ) -> Stored:
        """Hand the file to the library (probed, hashed and thumbnailed there) and close the attempt."""
        cost = Cost(estimated_usd=estimate, actual_usd=output.actual_usd, billable=output.billable)
        job_id = output.provider_job.id if output.provider_job is not None else None
        try:
            asset = await slot.store(
                kind="video",
                request=call.record,
                backend=backend.name,
                model=plan.model,
                seed=output.seed if output.seed is not None else plan.seed,
                cost=cost,
                provider_job_id=job_id,
                cache_key=key,
                warnings=[*plan.warnings, *output.warnings],
                extra={"plan": plan.describe()},
            )
        except BaseException as exc:  # the backend's work is done: it costs what the backend said either way
            await self._finish_failed(attempt_id, exc, billable=output.billable)
            raise
        await self.library.ledger.finish_attempt(
            attempt_id, outcome="succeeded", billable=output.billable, actual_usd=output.actual_usd, asset_id=asset.id
        )
        return Stored(asset, output, cost)

    async def _finish_failed(self, attempt_id: str, exc: BaseException, billable: bool | None = None) -> None:
        if isinstance(exc, Cancelled):
            outcome = "cancelled"
        elif isinstance(exc, ContentRejected):
            outcome = "rejected"
        else:
            outcome = "failed"
        if billable is None:
            billable = isinstance(exc, ContentRejected | GenerationFailed) and bool(getattr(exc, "billable", False))
        if isinstance(exc, ReelforgeError):
            error = exc.to_dict()
        else:
            error = {"type": type(exc).__name__, "message": str(exc)[:300]}
        with contextlib.suppress(Exception):  # recording must not hide the failure itself
            await asyncio.shield(
                self.library.ledger.finish_attempt(attempt_id, outcome=outcome, billable=billable, error=error)
            )


__all__ = ["Attempts", "Call", "Stored"]
