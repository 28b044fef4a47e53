"""HTTP to providers: one place that maps transport failures and status codes onto the error tree."""

from __future__ import annotations

import asyncio
import email.utils
import time
from typing import Any

import httpcore
import httpx

from ..errors import AuthError, InvalidRequest, ProviderError, RateLimited, ReelforgeError

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


class _FairPool(httpcore.AsyncConnectionPool):
    """httpcore's pool with a fair, linear request assignment (for HTTP/1.1 pools).

    httpcore 1.0 hands every queued request to the first idle connection, even one already promised to
    another request that has not started yet: all but one then fail with ConnectionNotAvailable and
    retry, so a burst of n requests costs O(n^2) attempts; it also counts idle connections once per idle
    connection and polls every idle socket on every assignment. Here each idle connection is promised
    once, only the connection about to be used is checked for a server-side close, and the scan stops
    when nothing is free.
    """

    def _assign_requests_to_connections(self) -> list[Any]:
        closing: list[Any] = []
        self._connections = [c for c in self._connections if not c.is_closed()]
        idle = [c for c in self._connections if c.is_idle()]
        keep = self._max_keepalive_connections
        while keep is not None and len(idle) > keep:  # surplus idle connections
            surplus = idle.pop(0)
            self._connections.remove(surplus)
            closing.append(surplus)
        promised = {id(r.connection) for r in self._requests if r.connection is not None}
        for pool_request in [r for r in self._requests if r.is_queued()]:
            origin = pool_request.request.url.origin
            chosen = None
            for connection in list(self._connections):
                if id(connection) in promised or not connection.can_handle_request(origin):
                    continue
                if not connection.is_available():
                    continue
                if connection.has_expired():  # keep-alive ran out, or the server closed it
                    self._connections.remove(connection)
                    closing.append(connection)
                    continue
                chosen = connection
                break
            if chosen is None:
                if len(self._connections) >= self._max_connections:
                    spare = next((c for c in self._connections if c.is_idle() and id(c) not in promised), None)
                    if spare is None:
                        break  # every connection is busy or promised: the rest wait for a release
                    self._connections.remove(spare)
                    closing.append(spare)
                chosen = self.create_connection(origin)
                self._connections.append(chosen)
            pool_request.assign_to_connection(chosen)
            promised.add(id(chosen))
        return closing


def _fair_pool_fits(pool: Any) -> bool:
    """Only swap in ``_FairPool`` for the httpcore pool layout it was written against (HTTP/1.1 only)."""
    names = ("_requests", "_connections", "_max_connections", "_max_keepalive_connections", "_http2")
    return type(pool) is httpcore.AsyncConnectionPool and all(hasattr(pool, n) for n in names) and not pool._http2


class GatedClient(httpx.AsyncClient):
    """An AsyncClient that admits at most ``max_in_flight`` requests into its connection pool at once.

    httpcore scans its whole request queue and every pooled connection for each request it assigns, so
    hundreds of concurrent jobs polling through one client cost O(n^2); queueing them here is O(1).
    """

    def __init__(self, *, max_in_flight: int = 32, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._gate = asyncio.Semaphore(max_in_flight)
        pool = getattr(self._transport, "_pool", None)
        if _fair_pool_fits(pool):
            pool.__class__ = _FairPool

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        async with self._gate:
            return await super().send(request, **kwargs)


def new_client(max_connections: int = 32, **kwargs: Any) -> httpx.AsyncClient:
    """The shared client for provider calls: aiohttp's pool underneath (httpcore's when aiohttp is missing)."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    try:
        from .aiohttp_transport import AiohttpTransport
    except ImportError:  # pragma: no cover - aiohttp is a dependency; keep working without it
        return GatedClient(
            max_in_flight=max_connections, timeout=DEFAULT_TIMEOUT, limits=limits, follow_redirects=True, **kwargs
        )
    return httpx.AsyncClient(
        transport=AiohttpTransport(limits), timeout=DEFAULT_TIMEOUT, follow_redirects=True, **kwargs
    )


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
