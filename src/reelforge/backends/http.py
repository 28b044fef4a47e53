"""The shared client for provider calls: two documented verbs, ``call`` and ``download``, over aiohttp's pool.

``ProviderClient`` is an ``httpx.AsyncClient`` (anything httpx does still works on it), built on a transport
that sends over aiohttp (``aiohttp_transport.py``). Backends use its two verbs:

- ``await client.call(method, url, headers=..., json=..., params=..., timeout=...)``: one API call, the
  answer read whole. JSON or empty bodies take the short way straight to aiohttp; uploads (``files``,
  ``content``) and redirected calls take httpx's full path, which follows redirects and drops
  credentials across origins.
- ``await client.download(url, dest, headers=...)``: a file streamed to ``dest``; redirects are followed
  here and the call's headers go to the first origin only (a storage host never sees an API key).

Both answer ``httpx.Response`` and raise httpx's exceptions; ``reelforge.http_errors`` maps both onto the
error tree (an answer that took the short way carries no ``request``: use ``http_errors.raise_for_status``,
not httpx's). Which path a call takes is this module's business, never a backend's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import httpx

from ..errors import GenerationFailed, ReelforgeError
from ..http_errors import is_transient, map_transport_errors, raise_for_status, retry_after_seconds
from ..media.workers import in_file_thread

if TYPE_CHECKING:  # aiohttp is imported when the first client is made, not with this module
    from .aiohttp_transport import AiohttpTransport

REDIRECTS = frozenset({301, 302, 303, 307, 308})
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
MAX_REDIRECTS = 6


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


class ProviderClient(httpx.AsyncClient):
    """httpx's client over aiohttp's connection pool, with one verb for API calls and one for files."""

    def __init__(self, wire: AiohttpTransport, **kwargs: Any) -> None:
        super().__init__(transport=wire, **kwargs)
        self.wire = wire

    def _call_headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        """The client's headers (as they are now) with the call's own on top, all names in lower case."""
        merged = {k.lower(): v for k, v in self.headers.items()}
        if headers:
            merged.update((k.lower(), v) for k, v in headers.items())
        return merged

    def _call_timeout(self, timeout: float | httpx.Timeout | None) -> httpx.Timeout:
        if timeout is None:
            return self.timeout
        return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)

    async def call(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        json: Any = None,
        params: Any = None,
        timeout: float | httpx.Timeout | None = None,
        **body: Any,
    ) -> httpx.Response:
        """One API call; the answer is read whole. ``body`` takes httpx's ``files``/``data``/``content``."""
        spec = self._call_timeout(timeout)
        if not body:
            response = await self.wire.whole(method, url, self._call_headers(headers), spec, json=json, params=params)
            if response.status_code not in REDIRECTS:
                return response
            # a redirected call was not served: httpx sends it again, following the redirect
        return await self.request(method, url, headers=headers, json=json, params=params, timeout=spec, **body)

    async def download(
        self,
        url: str,
        dest: Path,
        *,
        headers: dict[str, str] | None = None,
        timeout: float | httpx.Timeout | None = None,
    ) -> httpx.Response:
        """GET ``url`` into ``dest``: a 2xx answer is written there, any other is returned with its body.

        Redirects are followed here; ``headers`` are sent to ``url``'s own origin only.
        """
        spec = self._call_timeout(timeout)
        origin = _origin(url)
        for _ in range(MAX_REDIRECTS + 1):
            sent = headers if _origin(url) == origin else None
            response = await self.wire.download(url, dest, self._call_headers(sent), spec)
            location = response.headers.get("location")
            if response.status_code not in REDIRECTS or not location:
                return response
            url = urljoin(url, location)
        raise httpx.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects", request=httpx.Request("GET", url))


def new_client(max_connections: int = 32, **kwargs: Any) -> ProviderClient:
    """The shared client for provider calls: httpx's API over aiohttp's connection pool.

    httpcore's own pool scans every queued request and pooled connection per assignment, which is
    quadratic with hundreds of concurrent polling jobs; aiohttp's pool is not.
    """
    from .aiohttp_transport import AiohttpTransport

    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    wire = AiohttpTransport(limits, trust_env=kwargs.get("trust_env", True))  # HTTP(S)_PROXY, NO_PROXY
    return ProviderClient(wire, timeout=DEFAULT_TIMEOUT, follow_redirects=True, **kwargs)


async def send(
    client: ProviderClient, method: str, url: str, *, who: str, secret_env: str | None = None, **kwargs: Any
) -> httpx.Response:
    """``client.call`` with transport failures and error statuses mapped onto the error tree."""
    with map_transport_errors(who):
        response = await client.call(method, url, **kwargs)
    raise_for_status(response, who=who, secret_env=secret_env)
    return response


async def save_body(response: httpx.Response, out: Path, max_bytes: int, who: str) -> None:
    """Stream a video answered in ``response``'s body to ``out`` (written on a file thread), refusing one over
    ``max_bytes``: the provider already ran the job, so that failure is billable."""
    size = 0
    fh = await in_file_thread(out.open, "wb")
    with fh:
        async for chunk in response.aiter_bytes(1 << 20):
            size += len(chunk)
            if size > max_bytes:
                raise GenerationFailed(
                    f"{who} answer is larger than max_output_bytes ({max_bytes} bytes)", billable=True
                )
            await in_file_thread(fh.write, chunk)


__all__ = [
    "DEFAULT_TIMEOUT",
    "ProviderClient",
    "ReelforgeError",
    "is_transient",
    "new_client",
    "raise_for_status",
    "retry_after_seconds",
    "save_body",
    "send",
]
