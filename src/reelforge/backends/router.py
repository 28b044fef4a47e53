"""Choose a backend, check the budget, look up the cache, run with retries, fall back, record every attempt.

Retry rules: a rate-limited submit (the provider refused it, nothing was created) is retried on the same
backend after Retry-After; a failure that provably never reached the provider (connection refused) is
retried with exponential backoff and jitter; anything after a provider job exists is never re-submitted
to that backend: the chain moves to the next backend on rate limits, outages and transient errors, and the
failed backend cools down.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..errors import (
    BackendUnavailable,
    BudgetExceeded,
    Cancelled,
    ContentRejected,
    GenerationFailed,
    InvalidRequest,
    ProviderError,
    RateLimited,
    ReelforgeError,
    Timeout,
)
from ..media.probe import ProbeResult
from ..types import CancelToken, Cost, ProgressCallback, VideoRequest, VideoResult
from .base import Backend, Plan, RunContext, RunOutput
from .registry import backend_class, create_backend

if TYPE_CHECKING:
    from ..config import Config
    from ..library import Asset, Library
    from ..media.ahead import FilesAhead

FALLBACK_ERRORS = (RateLimited, ProviderError, Timeout, BackendUnavailable)


def request_record(request: VideoRequest) -> dict[str, Any]:
    """The request as stored in records: inputs by name or size, never raw bytes; secrets removed."""
    from ..config import redact

    data = request.model_dump(mode="python")
    for key in ("image", "last_frame", "video", "audio"):
        value = data.get(key)
        if isinstance(value, bytes):
            data[key] = f"<{len(value)} bytes>"
        elif value is not None:
            data[key] = str(value)
    data["extra"] = redact(data.get("extra") or {})
    return data


class Router:
    def __init__(
        self, config: Config, library: Library | None = None, *, sleep: Callable[[float], Awaitable[None]] | None = None
    ) -> None:
        from ..library import Library

        self.config = config
        self.library = library or Library.from_config(config)
        self._sleep = sleep or asyncio.sleep
        self._backends: dict[str, Backend] = {}
        self._cooldown_until: dict[str, float] = {}
        self._reserved_usd = 0.0  # estimates of attempts in flight, so concurrent requests share the budget
        self._http: Any = None

    # -- backends ------------------------------------------------------------------------------------
    def backend(self, name: str) -> Backend:
        if name not in self._backends:
            self._backends[name] = create_backend(name, self.config.backend_config(name))
        return self._backends[name]

    @property
    def http(self) -> Any:
        if self._http is None:
            from .http import new_client

            self._http = new_client()
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
        for backend in self._backends.values():
            await backend.aclose()

    def candidates(self, request: VideoRequest) -> list[str]:
        """The backends to try, in order: the named one (or the auto pick), then the fallback chain."""
        if request.backend != "auto":
            backend_class(request.backend)  # unknown name: BackendUnavailable now
            chain = [request.backend]
        else:
            chain = self._auto(request)
        chain += [name for name in self.config.fallback if name not in chain]
        return chain

    def _auto(self, request: VideoRequest) -> list[str]:
        op = request.inferred_operation()
        preference = [self.config.default_backend, *self.config.fallback, *self.config.backends, "procedural"]
        picked: list[str] = []
        for name in dict.fromkeys(preference):
            try:
                backend = self.backend(name)
            except ReelforgeError:
                continue
            if op not in backend.operations() or not backend.configured()[0]:
                continue
            if request.model and request.model not in {s.name for s in backend.models()}:
                continue
            picked.append(name)
        if not picked:
            raise BackendUnavailable(
                f"no configured backend does {op}" + (f" with model {request.model}" if request.model else "")
            )
        return picked[:1]

    def _cooling(self, name: str) -> float:
        return max(0.0, self._cooldown_until.get(name, 0.0) - time.monotonic())

    def _cool(self, name: str, seconds: float) -> None:
        self._cooldown_until[name] = max(self._cooldown_until.get(name, 0.0), time.monotonic() + seconds)

    # -- planning and budget ---------------------------------------------------------------------------
    def plan(self, request: VideoRequest, name: str | None = None) -> tuple[Backend, Plan, float]:
        backend = self.backend(name or self.candidates(request)[0])
        plan = backend.validate(request)
        return backend, plan, backend.estimate_cost(plan)

    def estimate(self, request: VideoRequest) -> dict[str, Any]:
        """Validation and price of a request, as data; nothing is submitted."""
        backend, plan, cost = self.plan(request)
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

    async def check_budget(self, estimate: float, request: VideoRequest) -> None:
        if request.max_cost_usd is not None and estimate > request.max_cost_usd:
            raise BudgetExceeded(
                f"estimated ${estimate:.2f} is over max_cost_usd ${request.max_cost_usd:.2f}",
                limit="max_cost_usd",
                estimate_usd=estimate,
            )
        budget = self.config.budget
        if budget.per_request_usd is not None and estimate > budget.per_request_usd:
            raise BudgetExceeded(
                f"estimated ${estimate:.2f} is over the per-request budget "
                f"${budget.per_request_usd:.2f} (budget.per_request_usd)",
                limit="budget.per_request_usd",
                estimate_usd=estimate,
            )
        if estimate <= 0:
            return
        now = datetime.now(UTC)
        periods = (
            ("budget.daily_usd", budget.daily_usd, now.replace(hour=0, minute=0, second=0, microsecond=0)),
            ("budget.monthly_usd", budget.monthly_usd, now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)),
        )
        for key, limit, since in periods:
            if limit is None:
                continue
            spent = await self.library.ledger.spent_usd(since) + self._reserved_usd
            if spent + estimate > limit:
                raise BudgetExceeded(
                    f"estimated ${estimate:.2f} with ${spent:.2f} already spent is over {key} ${limit:.2f}",
                    limit=key,
                    estimate_usd=estimate,
                )

    # -- generation ------------------------------------------------------------------------------------
    async def generate(
        self,
        request: VideoRequest,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        use_cache: bool = True,
        resume_job_id: str | None = None,
    ) -> VideoResult:
        cancel = cancel or CancelToken()
        started = time.perf_counter()
        chain = self.candidates(request)
        if resume_job_id is None and request.idempotency_key:
            pending = await self.library.ledger.unfinished(request.idempotency_key)
            if pending is not None and pending.provider_job_id:  # an interrupted run: poll it, never pay again
                resume_job_id = pending.provider_job_id
                chain = [pending.backend, *[n for n in chain if n != pending.backend]]
                await self.library.ledger.finish_attempt(
                    pending.id,
                    outcome="failed",
                    billable=False,
                    error={"type": "Interrupted", "message": "interrupted; resumed by polling the provider job"},
                )
        notes: list[str] = []
        last: ReelforgeError | None = None
        for index, name in enumerate(chain):
            cancel.raise_if_cancelled("routing")
            first = index == 0
            later_ready = any(not self._cooling(n) for n in chain[index + 1 :])
            if self._cooling(name) and later_ready:
                notes.append(f"{name} skipped: cooling down for {self._cooling(name):.0f}s")
                continue
            try:
                backend = self.backend(name)
                backend.require_configured()
                plan = backend.validate(request)
            except (InvalidRequest, BackendUnavailable) as exc:
                if first:
                    raise
                notes.append(f"{name} skipped: {exc.message}")
                continue
            estimate = backend.estimate_cost(plan)
            key = plan.cache_key() if use_cache and self.config.cache else None
            if key is not None:  # a cache hit costs nothing, so it is served before the budget check
                cached = await self.library.assets.find_cached(key)
                if cached is not None:
                    return self._result(
                        cached, plan, Cost(estimated_usd=estimate, actual_usd=0.0), notes, started, cached=True
                    )
            await self.check_budget(estimate, request)
            try:
                return await self._attempts(
                    backend,
                    plan,
                    estimate,
                    request,
                    key,
                    notes,
                    started,
                    on_progress,
                    cancel,
                    resume_job_id if first else None,
                )
            except FALLBACK_ERRORS as exc:
                if isinstance(exc, ProviderError) and exc.submitted is None:
                    raise  # the answer to a submit was lost: a job may exist that we cannot see; never pay twice
                last = exc
                cool = exc.retry_after if isinstance(exc, RateLimited) and exc.retry_after else None
                self._cool(name, cool or self.config.retry.cooldown_s)
                notes.append(f"{name} failed ({type(exc).__name__}: {exc.message}); trying the next backend")
        if last is not None:
            raise last
        raise BackendUnavailable("no backend could serve the request: " + "; ".join(notes))

    async def _attempts(
        self,
        backend: Backend,
        plan: Plan,
        estimate: float,
        request: VideoRequest,
        key: str | None,
        notes: list[str],
        started: float,
        on_progress: ProgressCallback | None,
        cancel: CancelToken,
        resume_job_id: str | None,
    ) -> VideoResult:
        retry = self.config.retry
        record = request_record(request)
        ledger = self.library.ledger
        for attempt in range(1, retry.max_attempts + 1):
            attempt_id = await ledger.start_attempt(
                backend=backend.name,
                model=plan.model,
                operation=plan.operation,
                estimated_usd=estimate,
                request=record,
                idempotency_key=request.idempotency_key,
            )
            submitted = resume_job_id is not None
            if resume_job_id:
                await ledger.set_provider_job(attempt_id, resume_job_id)

            async def on_submitted(job_id: str, attempt_id: str = attempt_id) -> None:
                nonlocal submitted
                submitted = True
                await ledger.set_provider_job(attempt_id, job_id)

            staging = self.library.assets.staging_path()
            # the thumbnail's and sidecar's files, made while the backend works; what is left is deleted
            with self.library.assets.spare_files() as spare:
                ctx = RunContext(
                    out_path=staging,
                    on_progress=on_progress,
                    cancel=cancel,
                    on_submitted=on_submitted,
                    resume_job_id=resume_job_id,
                    http=self.http if backend.kind == "hosted" else None,
                    probe_output=False,
                )  # the library probes it, in one pass with the thumbnail
                self._reserved_usd += estimate
                try:
                    output = await backend.run(plan, ctx)
                except BaseException as exc:
                    await self._finish_failed(attempt_id, exc, submitted)
                    staging.unlink(missing_ok=True)
                    retryable = (isinstance(exc, RateLimited) and not submitted) or (
                        isinstance(exc, ProviderError) and exc.retryable and exc.submitted is False and not submitted
                    )
                    if not retryable or attempt == retry.max_attempts:
                        raise
                    delay = (
                        exc.retry_after
                        if isinstance(exc, RateLimited) and exc.retry_after is not None
                        else min(retry.max_delay_s, retry.base_delay_s * 2 ** (attempt - 1)) * (0.5 + random.random())
                    )
                    if delay > retry.max_delay_s:
                        raise  # a long wait: let the chain move on
                    notes.append(f"{backend.name} attempt {attempt} {type(exc).__name__}; retrying in {delay:.1f}s")
                    await self._sleep(delay)
                    continue
                finally:
                    self._reserved_usd -= estimate
                return await self._store(
                    backend, plan, output, estimate, attempt_id, record, key, notes, started, staging, spare
                )
        raise AssertionError("unreachable")  # pragma: no cover

    async def _finish_failed(
        self, attempt_id: str, exc: BaseException, submitted: bool, billable: bool | None = None
    ) -> None:
        if isinstance(exc, Cancelled):
            outcome = "cancelled"
        elif isinstance(exc, ContentRejected):
            outcome = "rejected"
        else:
            outcome = "failed"
        if billable is None:
            billable = (
                bool(getattr(exc, "billable", False)) if isinstance(exc, ContentRejected | GenerationFailed) else False
            )
        error = (
            exc.to_dict()
            if isinstance(exc, ReelforgeError)
            else {"type": type(exc).__name__, "message": str(exc)[:300]}
        )
        with contextlib.suppress(Exception):
            await asyncio.shield(
                self.library.ledger.finish_attempt(attempt_id, outcome=outcome, billable=billable, error=error)
            )

    async def _store(
        self,
        backend: Backend,
        plan: Plan,
        output: RunOutput,
        estimate: float,
        attempt_id: str,
        record: dict[str, Any],
        key: str | None,
        notes: list[str],
        started: float,
        staging: Any,
        spare: FilesAhead | None = None,
    ) -> VideoResult:
        seed = output.extra.get("seed", plan.seed)
        cost = Cost(estimated_usd=estimate, actual_usd=output.actual_usd, billable=output.billable)
        probed = output.extra.get("probe")  # the backend's own probe of the file it wrote, if it made one
        if not (isinstance(probed, ProbeResult) and probed.path == staging):
            probed = None
        try:
            asset = await self.library.assets.add(
                staging,
                kind="video",
                request=record,
                backend=backend.name,
                model=plan.model,
                seed=seed,
                cost=cost,
                provider_job_id=output.provider_job_id,
                cache_key=key,
                warnings=[*plan.warnings, *output.warnings],
                extra={"plan": plan.describe()},
                probed=probed,
                spare=spare,
            )
        except BaseException as exc:  # the backend's work is done: it costs what the backend said either way
            staging.unlink(missing_ok=True)
            await self._finish_failed(attempt_id, exc, True, billable=output.billable)
            raise
        await self.library.ledger.finish_attempt(
            attempt_id, outcome="succeeded", billable=output.billable, actual_usd=output.actual_usd, asset_id=asset.id
        )
        return self._result(
            asset, plan, cost, [*notes, *output.warnings], started, provider_job_id=output.provider_job_id, seed=seed
        )

    def _result(
        self,
        asset: Asset,
        plan: Plan,
        cost: Cost,
        notes: list[str],
        started: float,
        *,
        cached: bool = False,
        provider_job_id: str | None = None,
        seed: int | None = None,
    ) -> VideoResult:
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
            seed=seed if seed is not None else asset.seed,
            cost=cost,
            timings={"total_s": round(time.perf_counter() - started, 4)},
            warnings=list(dict.fromkeys([*plan.warnings, *notes])),
            cached=cached,
        )
