"""The shared template for hosted backends: one submit, bounded polling, download, verify.

A provider file implements ``submit`` (one billable call, returning the provider job id), ``poll``
(map the provider's status onto a ``PollResult``), and optionally ``cancel`` and ``fetch``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import httpx

from ..errors import Cancelled, GenerationFailed, ProviderError, RateLimited, ReelforgeError, Timeout
from ..media import probe
from ..media.ahead import FilesAhead
from ..media.atomic import atomic_path, part_path
from ..media.probe import ProbeResult
from ..media.workers import in_file_thread, in_media_thread
from .base import Backend, BackendConfig, Plan, RunContext, RunOutput
from .http import ProviderClient, is_transient, new_client, raise_for_status, send

Status = Literal["queued", "running", "succeeded", "failed", "cancelled"]


@dataclass
class PollResult:
    status: Status
    progress: float | None = None  # 0-1 as the provider reports it
    output_urls: list[str] = field(default_factory=list)
    output_bytes: bytes | None = None
    error: ReelforgeError | None = None  # set when status is failed
    actual_usd: float | None = None
    billable: bool | None = None
    raw: dict[str, Any] = field(default_factory=dict)


class HostedConfig(BackendConfig):
    api_key: str | None = None
    poll_interval_s: float = 5.0
    max_poll_errors: int = 8  # consecutive failed polls before giving up
    max_download_attempts: int = 4


def scrub_secret(exc: ReelforgeError, secret: str | None) -> None:
    """Replace ``secret`` wherever it appears in an error's message, args and details."""
    if not secret or len(secret) < 6:
        return

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(secret, "***")
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        return value

    exc.message = clean(exc.message)
    exc.args = tuple(clean(a) for a in exc.args)
    exc.details = clean(exc.details)
    if isinstance(getattr(exc, "problems", None), dict):
        exc.problems = clean(exc.problems)  # type: ignore[attr-defined]


class HostedBackend(Backend):
    kind = "hosted"
    config_model: ClassVar[type[BackendConfig]] = HostedConfig
    default_base_url: ClassVar[str] = ""
    secret_field: ClassVar[str] = "api_key"

    # -- configuration --------------------------------------------------------------------
    @property
    def secret(self) -> str | None:
        value = getattr(self.config, self.secret_field, None)
        if hasattr(value, "get_secret_value"):  # pydantic SecretStr keeps the key out of config reprs
            value = value.get_secret_value()
        if not value:
            for env in self.secret_env:
                value = os.environ.get(env)
                if value:
                    break
        return value or None

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

    async def call(self, client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One HTTP call with this provider's auth and error mapping."""
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        if not url.startswith(("http://", "https://")):
            url = self.base_url + url
        env = self.secret_env[0] if self.secret_env else None
        try:
            return await send(client, method, url, who=self.name, secret_env=env, headers=headers, **kwargs)
        except ReelforgeError as exc:
            scrub_secret(exc, self.secret)  # a provider may echo the key back in its error text
            raise

    # -- the provider's part ---------------------------------------------------------------------
    async def submit(self, plan: Plan, client: httpx.AsyncClient) -> str:
        raise NotImplementedError

    async def poll(self, job_id: str, client: httpx.AsyncClient) -> PollResult:
        raise NotImplementedError

    async def cancel(self, job_id: str, client: httpx.AsyncClient) -> None:
        """Ask the provider to stop the job, where it offers that."""

    def download_headers(self, url: str) -> dict[str, str]:
        return {}

    async def fetch(self, result: PollResult, client: httpx.AsyncClient, dest: Path) -> None:
        """Write the finished video to ``dest`` (bytes in the poll result, else stream the first URL)."""
        if result.output_bytes is not None:
            dest.write_bytes(result.output_bytes)
            return
        if not result.output_urls:
            raise GenerationFailed(f"{self.name} reported success but returned no video", billable=True)
        url = result.output_urls[0]
        if isinstance(client, ProviderClient):
            response = await client.download(url, dest, headers=self.download_headers(url))
            if response is not None:  # None: redirected, so httpx follows it below
                self._check_download(response)
                return
        async with client.stream("GET", url, headers=self.download_headers(url)) as response:
            if response.status_code >= 400:
                await response.aread()
                self._check_download(response)
            fh = await in_file_thread(dest.open, "wb")  # creating a file can block: not on the loop
            with fh:
                async for chunk in response.aiter_bytes(1 << 20):
                    fh.write(chunk)

    def _check_download(self, response: httpx.Response) -> None:
        """Raise for a failed download: an expired or vanished URL is retryable (poll for a fresh one)."""
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
        client: httpx.AsyncClient = ctx.http or new_client()
        part = part_path(ctx.out_path)  # the download's temporary file, renamed onto out_path when verified
        ahead: FilesAhead | None = None
        try:
            if ctx.resume_job_id:
                job_id = ctx.resume_job_id
            else:
                ctx.cancel.raise_if_cancelled("submit")
                ctx.progress(0.01, f"{self.name}: submitting")
                job_id = await self.submit(plan, client)
                if ctx.on_submitted is not None:
                    await ctx.on_submitted(job_id)
            # create the file while the provider works: on some disks creating a file costs up to a
            # millisecond of CPU, which would otherwise fall where hundreds of jobs finish at once
            ahead = FilesAhead([part])
            try:
                result = await self._wait(job_id, plan, client, ctx)
                await ahead.ready()  # if making it failed, the download creates the file itself
                info = await self._download(job_id, result, plan, client, ctx, part)
            except Cancelled:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.cancel(job_id, client), 10)
                raise
            return RunOutput(
                provider_job_id=job_id,
                actual_usd=result.actual_usd,
                billable=True if result.billable is None else result.billable,
                extra={"probe": info},
            )  # the library stores the file without probing it again
        finally:
            if ahead is not None:
                ahead.discard()  # nothing left behind when the run failed or was cancelled
            if own:
                await client.aclose()

    async def _sleep(self, ctx: RunContext, seconds: float) -> None:
        if ctx.sleep is not None:
            await ctx.sleep(seconds)
        elif await ctx.cancel.wait(seconds):
            raise Cancelled(f"{self.name} job cancelled while waiting", stage="poll")

    async def _wait(self, job_id: str, plan: Plan, client: httpx.AsyncClient, ctx: RunContext) -> PollResult:
        cfg: Any = self.config
        deadline = time.monotonic() + cfg.timeout_s
        started = time.monotonic()
        errors = 0
        delay = cfg.poll_interval_s
        while True:
            ctx.cancel.raise_if_cancelled("poll")
            if time.monotonic() > deadline:
                raise Timeout(f"{self.name} job {job_id} did not finish within {cfg.timeout_s:g}s")
            try:
                result = await self.poll(job_id, client)
                errors = 0
                delay = cfg.poll_interval_s
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
                raise result.error or GenerationFailed(f"{self.name} job {job_id} failed")
            if result.status == "cancelled":
                raise Cancelled(f"{self.name} job {job_id} was cancelled at the provider", stage="poll")
            elapsed = time.monotonic() - started
            fraction = result.progress if result.progress is not None else min(0.9, elapsed / (elapsed + 60))
            ctx.progress(0.05 + 0.85 * fraction, f"{self.name}: {result.status}")
            await self._sleep(ctx, delay)

    async def _download(
        self, job_id: str, result: PollResult, plan: Plan, client: httpx.AsyncClient, ctx: RunContext, part: Path
    ) -> ProbeResult | None:
        """Fetch the video to ``ctx.out_path`` and verify it; returns the probe of the written file.

        With ``ctx.probe_output`` off the caller probes the file itself; an empty download still fails here.
        """
        cfg: Any = self.config
        ctx.progress(0.92, f"{self.name}: downloading")
        for attempt in range(1, cfg.max_download_attempts + 1):
            try:
                with atomic_path(ctx.out_path, tmp=part) as tmp:  # the file made ahead, written over in full
                    await self.fetch(result, client, tmp)
                    if not ctx.probe_output:
                        if not tmp.stat().st_size:
                            raise GenerationFailed(f"{self.name} returned an empty file", billable=True)
                        info = None
                    else:
                        info = await in_media_thread(probe, tmp)
                        if not info.has_video:
                            raise GenerationFailed(f"{self.name} returned a file with no video", billable=True)
                return None if info is None else dataclasses.replace(info, path=ctx.out_path)
            except ReelforgeError as exc:
                expired = getattr(exc, "status", None) in (403, 404, 410)
                if attempt == cfg.max_download_attempts or not (expired or is_transient(exc)):
                    raise
                if expired:  # signed URL expired: ask the provider for a fresh one
                    result = await self.poll(job_id, client)
                await self._sleep(ctx, min(30.0, 2.0**attempt))
            except httpx.TransportError:
                if attempt == cfg.max_download_attempts:
                    raise ProviderError(f"{self.name} download kept failing", retryable=True) from None
                await self._sleep(ctx, min(30.0, 2.0**attempt))
