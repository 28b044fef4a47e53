"""HTTP to providers: one place that maps transport failures and status codes onto the error tree."""

from __future__ import annotations

import email.utils
import time
from pathlib import Path
from typing import Any

import httpx

from ..errors import AuthError, InvalidRequest, ProviderError, RateLimited, ReelforgeError

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
QUICK_KWARGS = frozenset({"json", "params", "headers", "timeout"})


class ProviderClient(httpx.AsyncClient):
    """httpx's client over aiohttp's pool, with a short way for API calls and downloads.

    Submits, polls and cancels (``send``: JSON or no body, whole answer read) and downloads (``download``)
    go straight to aiohttp; uploads and redirected calls take httpx's full path. Either way the caller
    gets an ``httpx.Response`` and httpx's exceptions.
    """

    def __init__(self, wire: Any, **kwargs: Any) -> None:
        super().__init__(transport=wire, **kwargs)
        self.wire = wire

    def merged_headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        """The client's headers (as they are now) with the call's own on top, all names in lower case."""
        merged = {k.lower(): v for k, v in self.headers.items()}
        if headers:
            merged.update((k.lower(), v) for k, v in headers.items())
        return merged

    async def quick(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        timeout: Any = None,
        json: Any = None,
        params: Any = None,
    ) -> httpx.Response:
        merged = self.merged_headers(headers)
        spec = (
            self.timeout
            if timeout is None
            else (timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout))
        )
        response = await self.wire.quick(method, url, merged, spec, json=json, params=params)
        if response is None:  # a redirect: httpx follows it (and drops credentials across origins)
            response = await self.request(method, url, headers=headers, timeout=spec, json=json, params=params)
        return response

    async def download(self, url: str, dest: Path, *, headers: dict[str, str] | None = None) -> httpx.Response | None:
        """GET ``url`` into ``dest`` the short way; None when it redirects (then stream it through httpx).

        Returns the answer: 2xx with the body written to ``dest``, anything else with its body and no file.
        """
        return await self.wire.download(url, dest, self.merged_headers(headers), self.timeout)


def new_client(max_connections: int = 32, **kwargs: Any) -> ProviderClient:
    """The shared client for provider calls: httpx's API over aiohttp's connection pool.

    httpcore's own pool scans every queued request and pooled connection per assignment, which is
    quadratic with hundreds of concurrent polling jobs; aiohttp's pool is not.
    """
    from .aiohttp_transport import AiohttpTransport

    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    wire = AiohttpTransport(limits, trust_env=kwargs.get("trust_env", True))  # HTTP(S)_PROXY, NO_PROXY
    return ProviderClient(wire, timeout=DEFAULT_TIMEOUT, follow_redirects=True, **kwargs)


def _retry_info_delay(response: httpx.Response) -> float | None:
    """Google APIs put the wait in the body: error.details[] google.rpc.RetryInfo {"retryDelay": "37s"}."""
    try:
        details = response.json().get("error", {}).get("details") or []
    except (ValueError, AttributeError):
        return None
    for item in details if isinstance(details, list) else []:
        delay = item.get("retryDelay") if isinstance(item, dict) else None
        if isinstance(delay, str) and delay.endswith("s"):
            try:
                return max(0.0, float(delay[:-1]))
            except ValueError:
                return None
    return None


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return _retry_info_delay(response)
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict):
        for key in ("error", "message", "detail", "failure"):
            value = body.get(key)
            if isinstance(value, dict):
                value = value.get("message") or value
            if value:
                return str(value)[:300]
    return str(body)[:300]


def raise_for_status(response: httpx.Response, *, who: str, secret_env: str | None = None) -> None:
    """Raise the error-tree exception that fits a non-2xx response."""
    status = response.status_code
    if status < 400:
        return
    text = _message(response)
    if status in (401, 403):
        hint = f"; check {secret_env}" if secret_env else ""
        raise AuthError(f"{who} refused the credentials ({status}: {text}){hint}")
    if status == 429:
        raise RateLimited(f"{who} rate limit: {text}", retry_after=retry_after_seconds(response))
    if status in (400, 404, 405, 409, 413, 422):
        raise InvalidRequest({"provider": f"{who} rejected the request ({status}): {text}"})
    raise ProviderError(
        f"{who} error {status}: {text}", retryable=status >= 500 or status == 408, status=status, submitted=True
    )


async def send(
    client: httpx.AsyncClient, method: str, url: str, *, who: str, secret_env: str | None = None, **kwargs: Any
) -> httpx.Response:
    """Send one request; translate transport errors. ``submitted`` on the error says whether it arrived."""
    try:
        if isinstance(client, ProviderClient) and kwargs.keys() <= QUICK_KWARGS:
            response = await client.quick(method, url, **kwargs)
        else:
            response = await client.request(method, url, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise ProviderError(f"{who} unreachable: {type(exc).__name__}", retryable=True, submitted=False) from None
    except httpx.TransportError as exc:  # sent, but the answer was lost: it may have arrived
        raise ProviderError(f"{who} connection lost: {type(exc).__name__}", retryable=True, submitted=None) from None
    raise_for_status(response, who=who, secret_env=secret_env)
    return response


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, RateLimited) or (isinstance(exc, ProviderError) and exc.retryable)


__all__ = ["ReelforgeError", "new_client", "raise_for_status", "retry_after_seconds", "send"]
