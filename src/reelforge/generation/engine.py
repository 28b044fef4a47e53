"""``Engine``: the one way a generation runs, for the Python API, the CLI, the job service and the studio.

For a request: choose the backends (named, auto, then the fallback chain, skipping ones cooling down),
validate for each (snapping, with a warning per snapped value), look up the cache (a hit is free, so it is
served before the budget check), check the budget, make the attempts (each recorded in the usage ledger
before the call; the provider job stored before the first poll), fall back on rate limits, outages and
transient errors, and hand the finished file to the asset library. A request with an ``idempotency_key``
whose earlier run was interrupted resumes it: by polling the stored provider job, never by paying again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ..backends.base import Backend, Plan, ProviderJob
from ..config import Config
from ..errors import BackendUnavailable, InvalidRequest, ProviderError, RateLimited, ReelforgeError, Timeout
from ..library import Asset, Library
from ..types import CancelToken, Cost, ProgressCallback, VideoRequest, VideoResult
from .attempts import Attempts, Call, Stored
from .budget import BudgetGuard
from .callbacks import CallbackHub
from .pool import BackendPool
from .records import request_record

FALLBACK_ERRORS = (RateLimited, ProviderError, Timeout, BackendUnavailable)


class Engine:
    """Backends, budget, cache, attempts and the library for one ``Config``. Close with ``aclose``."""

    def __init__(
        self,
        config: Config,
        library: Library | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.config = config
        self._own_library = library is None
        self.library = library or Library.from_config(config)
        self.pool = BackendPool(config)
        self.budget = BudgetGuard(config.budget, self.library.ledger)
        self.callbacks = CallbackHub.from_config(config, self.library.engine)
        self.attempts = Attempts(
            self.library, self.budget, config.retry, lambda: self.pool.http, sleep or asyncio.sleep, self.callbacks
        )

    def backend(self, name: str) -> Backend:
        return self.pool.backend(name)

    async def aclose(self) -> None:
        if self.callbacks is not None:
            await self.callbacks.aclose()
        await self.pool.aclose()
        if self._own_library:
            self.library.close()

    async def __aenter__(self) -> Engine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- estimate --------------------------------------------------------------------------------------
    def plan(self, request: VideoRequest, name: str | None = None) -> tuple[Backend, Plan, float | None]:
        """The backend that would serve ``request``, its plan and its estimate (None: cost unknown)."""
        backend = self.pool.backend(name or self.pool.candidates(request)[0])
        plan = backend.validate(request)
        return backend, plan, backend.estimate_cost(plan)

    async def estimate(self, request: VideoRequest) -> dict[str, Any]:
        """Validation, price and budget check of a request, as data; nothing is submitted."""
        backend, plan, cost = await asyncio.to_thread(self.plan, request)  # validation may read input files
        counted = self.budget.priced(cost, request, backend.name, plan.model)
        await self.budget.check(counted, request)
        return {
            "backend": backend.name,
            "model": plan.model,
            "operation": plan.operation,
            "estimated_usd": cost,
            "price_rule": backend.price_rule(plan.model),
            "width": plan.width,
            "height": plan.height,
            "fps": plan.fps,
            "num_frames": plan.num_frames,
            "duration_s": plan.duration_s,
            "plan": plan.describe(),
            "warnings": plan.warnings,
        }

    # -- generate --------------------------------------------------------------------------------------
    async def generate(
        self,
        request: VideoRequest,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        use_cache: bool = True,
        resume: ProviderJob | str | None = None,
    ) -> VideoResult:
        """Generate one video; ``resume``: a provider job already submitted for it (poll, never submit)."""
        started = time.perf_counter()
        call = Call(request, request_record(request), cancel or CancelToken(), on_progress)
        chain = self.pool.candidates(request)
        if isinstance(resume, str):
            resume = ProviderJob(backend=chain[0], id=resume)
        call.resume = resume
        if resume is None and request.idempotency_key:
            done = await self._done_before(request.idempotency_key, started)
            if done is not None:
                return done
            chain = await self._pick_up(call, chain)
        last: ReelforgeError | None = None
        for index, name in enumerate(chain):
            call.cancel.raise_if_cancelled("routing")
            if self._skip_cooling(name, chain[index + 1 :], call):
                continue
            try:
                return await self._on(name, call, use_cache and self.config.cache, first=index == 0, started=started)
            except FALLBACK_ERRORS as exc:
                if isinstance(exc, ProviderError) and exc.submitted is None:
                    raise  # the answer to a submit was lost: a job may exist that we cannot see; never pay twice
                last = exc
                cool = exc.retry_after if isinstance(exc, RateLimited) and exc.retry_after else None
                self.pool.cool(name, cool or self.config.retry.cooldown_s)
                call.notes.append(f"{name} failed ({type(exc).__name__}: {exc.message}); trying the next backend")
            except _Skip as skip:
                call.notes.append(f"{name} skipped: {skip}")
        if last is not None:
            raise last
        raise BackendUnavailable("no backend could serve the request: " + "; ".join(call.notes))

    def _skip_cooling(self, name: str, later: list[str], call: Call) -> bool:
        if self.pool.cooling(name) and any(not self.pool.cooling(n) for n in later):
            call.notes.append(f"{name} skipped: cooling down for {self.pool.cooling(name):.0f}s")
            return True
        return False

    async def _done_before(self, key: str, started: float) -> VideoResult | None:
        """A request under ``key`` already succeeded (its process stopped before anyone saw the result): that
        result again, never a second generation. None when there is none or its asset was removed."""
        attempt = await self.library.ledger.succeeded(key)
        if attempt is None or attempt.asset_id is None:
            return None
        try:
            asset = await self.library.assets.get(attempt.asset_id)
        except InvalidRequest:
            return None
        cost = Cost(estimated_usd=attempt.estimated_usd, actual_usd=attempt.actual_usd, billable=attempt.billable)
        note = f"already generated under idempotency key {key!r}: the stored result is returned"
        return _result(asset, None, cost, [note], started)

    async def _pick_up(self, call: Call, chain: list[str]) -> list[str]:
        """An earlier run under this idempotency key stopped mid-way: resume it on the backend it used."""
        pending = await self.library.ledger.unfinished(call.request.idempotency_key or "")
        if pending is None:
            return chain
        if pending.provider_job_id:  # it reached the provider: poll that job, never pay again
            data = pending.provider_job or {"backend": pending.backend, "id": pending.provider_job_id}
            call.resume = ProviderJob.model_validate(data)
            message = "interrupted; resumed by polling the provider job"
        else:  # it stopped before the provider's answer was stored: the submit may or may not have arrived
            call.submit_uncertain = True
            message = "interrupted before the provider's answer was stored; resumed by looking the job up"
        await self.library.ledger.finish_attempt(
            pending.id, outcome="failed", billable=False, error={"type": "Interrupted", "message": message}
        )
        return [pending.backend, *[n for n in chain if n != pending.backend]]

    async def _on(self, name: str, call: Call, use_cache: bool, *, first: bool, started: float) -> VideoResult:
        """Validate, serve from the cache or check the budget, then make the attempts at backend ``name``."""
        try:
            backend = self.pool.backend(name)
            backend.require_configured()
            plan = await backend.avalidate(call.request)
        except (InvalidRequest, BackendUnavailable) as exc:
            if first:
                raise
            raise _Skip(exc.message) from None
        estimate = self.budget.priced(backend.estimate_cost(plan), call.request, backend.name, plan.model)
        key = plan.cache_key() if use_cache else None
        if key is not None:
            cached = await self.library.assets.find_cached(key)
            if cached is not None:
                cost = Cost(estimated_usd=estimate, actual_usd=0.0)
                return _result(cached, plan, cost, call.notes, started, cached=True)
        await self.budget.check(estimate, call.request)
        if not first:
            call.resume, call.submit_uncertain = None, False
        stored = await self.attempts.run(call, backend, plan, estimate, key)
        return _stored_result(stored, plan, call.notes, started)


class _Skip(Exception):
    """A later backend in the chain cannot serve the request (not configured, or refuses it)."""


def _stored_result(stored: Stored, plan: Plan, notes: list[str], started: float) -> VideoResult:
    output = stored.output
    job_id = output.provider_job.id if output.provider_job is not None else None
    return _result(stored.asset, plan, stored.cost, [*notes, *output.warnings], started, provider_job_id=job_id)


def _result(
    asset: Asset,
    plan: Plan | None,
    cost: Cost,
    notes: list[str],
    started: float,
    *,
    cached: bool = False,
    provider_job_id: str | None = None,
) -> VideoResult:
    """The result, every figure from the asset (measured from the file when it was stored)."""
    return VideoResult(
        path=asset.path,
        asset_id=asset.id,
        width=asset.width,
        height=asset.height,
        fps=asset.fps,
        num_frames=asset.num_frames,
        duration_s=asset.duration_s,
        backend=asset.backend,
        model=asset.model,
        provider_job_id=provider_job_id or asset.provider_job_id,
        seed=asset.seed,
        cost=cost,
        timings={"total_s": round(time.perf_counter() - started, 4)},
        warnings=list(dict.fromkeys([*(plan.warnings if plan else asset.warnings), *notes])),
        cached=cached,
    )


__all__ = ["FALLBACK_ERRORS", "Engine"]
