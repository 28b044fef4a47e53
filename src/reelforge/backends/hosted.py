"""The shared template for hosted backends: one submit, bounded polling, download, a cheap check.

A provider file implements four verbs over a typed ``ProviderJob`` (no per-job state on the backend):
``submit(plan, client) -> ProviderJob`` (the one billable call; ``job.data`` carries what is needed later),
``poll(job, client) -> PollResult``, ``cancel(job, client)`` where the provider has it, and
``fetch(job, result, client, dest)`` (default: the result's bytes, else its first URL via ``client.download``).

Hooks for what providers do differently: ``response_error`` (codes in a body), ``lookup`` (the job a lost
submit may have made), ``resumable`` (complete a stored job holding only its id), ``start`` (a billable call
answering the result), ``download_headers``; callbacks: ``supports_callback``, ``callback_params``,
``verify_callback``. ``run`` is not overridden; the waits between polls come from ``pacing.py``."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import random
import time
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import httpx
from pydantic import AliasChoices, Field, SecretStr

from ..errors import Cancelled, GenerationFailed, ProviderError, RateLimited, ReelforgeError, Timeout
from ..http_errors import is_transient, map_transport_errors, raise_for_status
from ..media.atomic import atomic_path, part_path
from ..media.workers import in_file_thread
from .base import Backend, BackendConfig, Plan, ProviderJob, RunContext, RunOutput
from .callbacks import wait_or_cancel
from .http import ProviderClient, new_client
from .pacing import PollPacer, TaskTimes, pacer_for
from .scrub import scrub_secret

Status = Literal["queued", "running", "succeeded", "failed", "cancelled"]
_SECRET_WORDS = ("key", "token", "secret", "password")
_CALLBACK_URL: ContextVar[str | None] = ContextVar("reelforge_callback_url", default=None)  # the submit's


@dataclass
class PollResult:
    status: Status
    progress: float | None = None  # 0-1 as the provider reports it
    queue_position: int | None = None  # jobs ahead of this one, where the provider says
    output_urls: list[str] = field(default_factory=list)
    output_bytes: bytes | None = None
    output_file: Path | None = None  # the video already written locally (a provider that answers with it)
    error: ReelforgeError | None = None  # set when status is failed
    actual_usd: float | None = None
    billable: bool | None = None
    warnings: list[str] = field(default_factory=list)  # e.g. a fallback model served the job
    raw: dict[str, Any] = field(default_factory=dict)


class HostedConfig(BackendConfig):
    """Base of every hosted backend's config: the secret is a ``SecretStr`` here, so no backend can forget.

    ``api_key`` is also read from ``token`` or ``api_token`` (the names some providers use).
    """

    api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("api_key", "token", "api_token"))
    poll_interval_s: float = 5.0  # the shortest wait between polls (pacing.py picks each wait)
    max_poll_interval_s: float = Field(default=30.0, gt=0)  # the longest
    adaptive_polling: bool = True  # false: poll every poll_interval_s
    max_poll_errors: int = 8  # consecutive failed polls before giving up
    max_download_attempts: int = 4
    callbacks: bool = True  # ask for a completion callback where the provider offers one and a channel is set
    callback_poll_interval_s: float = Field(default=60.0, gt=0)  # the slow poll while waiting for a callback

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """Refuse a subclass that declares a secret-looking field as plain text."""
        super().__pydantic_init_subclass__(**kwargs)
        for name, info in cls.model_fields.items():
            words = name.lower()
            if any(w in words for w in _SECRET_WORDS) and "SecretStr" not in str(info.annotation):
                raise TypeError(f"{cls.__name__}.{name} looks like a secret: declare it SecretStr")


class HostedBackend(Backend):
    kind = "hosted"
    config_model: ClassVar[type[BackendConfig]] = HostedConfig
    default_base_url: ClassVar[str] = ""
    secret_field: ClassVar[str] = "api_key"  # the config key named in "not configured" messages
    supports_callback: ClassVar[bool] = False  # the provider calls a URL given at submit when the job ends

    @functools.cached_property
    def task_times(self) -> TaskTimes:  # how long this backend's jobs took here, per model and size
        return TaskTimes()

    # -- configuration --------------------------------------------------------------------
    @property
    def secret(self) -> str | None:
        value = getattr(self.config, "api_key", None)
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not text:
            for env in self.secret_env:
                text = os.environ.get(env)
                if text:
                    break
        return text or None

    @property
    def base_url(self) -> str:
        return (self.config.base_url or self.default_base_url).rstrip("/")

    def configured(self) -> tuple[bool, str | None]:
        if self.secret:
            return True, None
        env = " or ".join(self.secret_env) or "the API key"
        return False, f"set the {env} environment variable (or backends.{self.name}.{self.secret_field})"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}

    def job(self, job_id: str, **data: Any) -> ProviderJob:
        """A ``ProviderJob`` of this backend."""
        return ProviderJob(backend=self.name, id=job_id, data=data)

    async def call(self, client: ProviderClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One HTTP call with this provider's auth and the shared error mapping (the secret scrubbed)."""
        headers, where = {**self.headers(), **kwargs.pop("headers", {})}, kwargs.pop("where", method.lower())
        url = url if url.startswith(("http://", "https://")) else self.base_url + url
        try:
            with map_transport_errors(self.name):
                response = await client.call(method, url, headers=headers, **kwargs)
            if (error := self.response_error(response, where)) is not None:
                raise error
            raise_for_status(response, who=self.name, secret_env=self.secret_env[0] if self.secret_env else None)
            return response
        except ReelforgeError as exc:
            scrub_secret(exc, self.secret)  # a provider may echo the key back in its error text
            raise

    def response_error(self, response: httpx.Response, where: str) -> ReelforgeError | None:
        """The provider's own reading of an answer (codes in the body), before the shared status mapping."""
        return None

    # -- the provider's part ---------------------------------------------------------------------
    async def submit(self, plan: Plan, client: ProviderClient) -> ProviderJob:
        """The one billable call; returns the job the provider made."""
        raise NotImplementedError

    async def poll(self, job: ProviderJob, client: ProviderClient) -> PollResult:
        raise NotImplementedError

    async def cancel(self, job: ProviderJob, client: ProviderClient) -> None:
        """Ask the provider to stop the job, where it offers that."""

    async def lookup(self, plan: Plan, client: ProviderClient) -> ProviderJob | None:
        """Find the job an interrupted submit may have made: the job, or None when it provably does not exist.

        The default cannot tell, so it refuses rather than risk paying twice.
        """
        key = f" (idempotency key {plan.idempotency_key})" if plan.idempotency_key else ""
        raise ProviderError(
            f"an earlier {self.name} submit{key} was interrupted before its answer was stored: a task may exist "
            f"and be billed. Check the {self.name} console; to generate anyway, resubmit with a new idempotency key",
            retryable=False,
            submitted=None,
        )

    def resumable(self, job: ProviderJob, plan: Plan) -> ProviderJob:
        """Complete a stored job for polling (e.g. one carrying only its id). Default: as it is."""
        return job

    async def start(
        self, plan: Plan, client: ProviderClient, ctx: RunContext, part: Path
    ) -> tuple[ProviderJob, PollResult | None]:
        """The billable call: ``submit``, and no result yet. A provider whose answer to the call can hold
        the finished job overrides this to return that result too (writing a video to ``part`` if need be)."""
        return await self.submit(plan, client), None

    def callback_params(self, url: str) -> dict[str, Any]:
        """The submit fields asking the provider to call ``url`` when the job ends (placed by its ``submit``)."""
        return {}

    def callback_fields(self) -> dict[str, Any]:
        """``callback_params`` for the submit in progress; empty when this run asks for no callback."""
        url = _CALLBACK_URL.get()
        return self.callback_params(url) if url else {}

    async def verify_callback(self, headers: Mapping[str, str], body: bytes, client: ProviderClient) -> bool | None:
        """True: the provider's signature is valid; False: invalid (dropped); None: unsigned, a hint only."""
        return None

    def download_headers(self, job: ProviderJob, url: str) -> dict[str, str]:
        """Headers for the output download (sent to the URL's own origin only, never after a redirect)."""
        return {}

    async def fetch(self, job: ProviderJob, result: PollResult, client: ProviderClient, dest: Path) -> None:
        """Write the finished video to ``dest``: a local file, the result's bytes, or the first output URL."""
        if result.output_file is not None:
            await in_file_thread(os.replace, result.output_file, dest)
            return
        if result.output_bytes is not None:
            await in_file_thread(dest.write_bytes, result.output_bytes)
            return
        if not result.output_urls:
            raise GenerationFailed(f"{self.name} reported success but returned no video", billable=True)
        url = result.output_urls[0]
        with map_transport_errors(self.name, "during the download"):
            response = await client.download(url, dest, headers=self.download_headers(job, url))
        status = response.status_code
        if status in (403, 404, 410):
            raise ProviderError(f"{self.name} download URL expired or gone ({status})", retryable=True, status=status)
        raise_for_status(response, who=f"{self.name} download")
        if status >= 300:
            raise ProviderError(f"{self.name} download answered {status} with no video", retryable=True, status=status)

    # -- the template -------------------------------------------------------------------------------
    async def run(self, plan: Plan, ctx: RunContext) -> RunOutput:
        self.require_configured()
        own = ctx.http is None
        client = ctx.http or new_client()
        part = part_path(ctx.out_path)  # where a video answered by the billable call itself is written
        try:
            hinted = ctx.callback is not None and self.supports_callback and getattr(self.config, "callbacks", True)
            pacer = pacer_for(self.task_times, self.config, plan, ctx)
            job, early, hinted = await self._job(plan, client, ctx, part, hinted)
            pacer.submitted()
            try:
                result = await self._wait(job, client, ctx, early, hinted, pacer)
                if early is None:
                    pacer.learn()
                await self._download(job, result, client, ctx)
            except Cancelled:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.cancel(job, client), 10)
                raise
            return RunOutput(
                provider_job=job,
                actual_usd=result.actual_usd,
                billable=True if result.billable is None else result.billable,
                warnings=list(result.warnings),
            )
        finally:
            with contextlib.suppress(OSError):
                part.unlink(missing_ok=True)
            if own:
                await client.aclose()

    async def _job(
        self, plan: Plan, client: ProviderClient, ctx: RunContext, part: Path, hinted: bool
    ) -> tuple[ProviderJob, PollResult | None, bool]:
        """The job to poll (the stored one, the one a lost submit made, or a new one, then recorded) and
        whether its submit asked for a completion callback."""
        if ctx.resume is not None:
            return self.resumable(ctx.resume, plan), None, False
        if ctx.submit_uncertain:
            found = await self.lookup(plan, client)
            if found is not None:
                if ctx.on_submitted is not None:
                    await ctx.on_submitted(found)
                return found, None, False
        ctx.cancel.raise_if_cancelled("submit")
        ctx.progress(0.01, f"{self.name}: submitting")
        url = ctx.callback.url_for(self.name) if hinted and ctx.callback is not None else None
        token = _CALLBACK_URL.set(url)
        try:
            job, early = await self.start(plan, client, ctx, part)
        finally:
            _CALLBACK_URL.reset(token)
        if ctx.on_submitted is not None:
            await ctx.on_submitted(job)
        return job, early, url is not None

    async def _sleep(self, ctx: RunContext, seconds: float, wake: ProviderJob | None = None) -> None:
        """Wait ``seconds``, or less: a cancel ends it (raised), and so does ``wake``'s completion callback."""
        channel = ctx.callback if wake is not None else None
        if channel is None and ctx.sleep is not None:
            return await ctx.sleep(seconds)
        if await (ctx.cancel.wait(seconds) if channel is None else wait_or_cancel(channel, wake, seconds, ctx.cancel)):
            raise Cancelled(f"{self.name} job cancelled while waiting", stage="poll")

    async def _wait(
        self,
        job: ProviderJob,
        client: ProviderClient,
        ctx: RunContext,
        first: PollResult | None,
        hinted: bool,
        pacer: PollPacer,
    ) -> PollResult:
        """Poll until the job ends, waits chosen by ``pacer``; ``first``: a result the billable call answered
        (taken as a poll); ``hinted``: a callback was asked for: each triggers a poll, else the slow interval."""
        cfg: Any = self.config
        deadline = time.monotonic() + cfg.timeout_s
        errors = 0
        if first is None and not hinted and (lead := pacer.first()) > 0:
            await self._sleep(ctx, lead)
        while True:
            ctx.cancel.raise_if_cancelled("poll")
            if time.monotonic() > deadline:
                raise Timeout(f"{self.name} job {job.id} did not finish within {cfg.timeout_s:g}s")
            try:
                result = first if first is not None else await self.poll(job, client)
                first = None
                errors = 0
            except (ProviderError, RateLimited) as exc:
                if not is_transient(exc):
                    raise
                errors += 1
                if errors > cfg.max_poll_errors:
                    raise
                retry_after = getattr(exc, "retry_after", None)
                delay = retry_after if retry_after is not None else min(60.0, cfg.poll_interval_s * 2**errors)
                await self._sleep(ctx, delay * (1 + random.random() * 0.1))
                continue
            if result.status == "succeeded":
                return result
            if result.status == "failed":
                raise result.error or GenerationFailed(f"{self.name} job {job.id} failed")
            if result.status == "cancelled":
                raise Cancelled(f"{self.name} job {job.id} was cancelled at the provider", stage="poll")
            age = pacer.age()
            fraction = result.progress if result.progress is not None else min(0.9, age / (age + 60))
            ctx.progress(0.05 + 0.85 * fraction, f"{self.name}: {result.status}")
            delay = pacer.next(result.progress, result.queue_position)
            await self._sleep(ctx, cfg.callback_poll_interval_s if hinted else delay, job if hinted else None)

    async def _download(self, job: ProviderJob, result: PollResult, client: ProviderClient, ctx: RunContext) -> None:
        """Fetch the video to ``ctx.out_path``; an empty file fails here (billable: the provider ran it).

        The file is probed by the library that stores it, not here.
        """
        cfg: Any = self.config
        ctx.progress(0.92, f"{self.name}: downloading")
        for attempt in range(1, cfg.max_download_attempts + 1):
            try:
                with atomic_path(ctx.out_path) as tmp:
                    await self.fetch(job, result, client, tmp)
                    if not tmp.stat().st_size:
                        raise GenerationFailed(f"{self.name} returned an empty file", billable=True)
                return
            except ReelforgeError as exc:
                expired = getattr(exc, "status", None) in (403, 404, 410)
                if attempt == cfg.max_download_attempts or not (expired or is_transient(exc)):
                    raise
                if expired:  # signed URL expired: ask the provider for a fresh one
                    result = await self.poll(job, client)
                await self._sleep(ctx, min(30.0, 2.0**attempt))


__all__ = ["HostedBackend", "HostedConfig", "PollResult", "Status", "scrub_secret"]
