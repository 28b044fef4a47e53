"""An httpx transport that sends over aiohttp's connection pool.

Backends keep talking to an ``httpx.AsyncClient`` (auth, redirects, timeouts, streaming and the error
mapping in ``http.py`` stay httpx's); only the wire work moves to aiohttp, whose pool and C HTTP parser
cost a fraction of httpcore's per request when hundreds of jobs poll through one client. aiohttp's
exceptions are translated into httpx's where they enter, keeping the one distinction ``send`` relies on:
``ConnectError``/``ConnectTimeout`` mean the request never left; anything later may have arrived.

``whole`` is the short way for small API calls (submit, poll, cancel) and ``download`` for files: the request
goes straight to aiohttp and the answer comes back as one ``httpx.Response``, skipping httpx's per-request
machinery (URL merging, cookie jar, auth and redirect wrappers), which costs three times aiohttp's own work
per call. Neither follows redirects: ``ProviderClient`` (``http.py``) decides what a redirect may carry.
"""

from __future__ import annotations

import contextlib
import json as jsonlib
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from ..media.workers import in_file_thread

CHUNK = 1 << 16
MAX_HEADER = 1 << 16  # long signed download URLs in Location headers must fit
REDIRECTS = frozenset({301, 302, 303, 307, 308})


@contextlib.contextmanager
def map_aiohttp_errors(request: httpx.Request | Callable[[], httpx.Request]) -> Iterator[None]:
    """Raise the httpx exception that says as much as aiohttp's does about whether the request arrived.

    ``request`` may be a function that builds it, so the short path pays for it only when something fails.
    """
    try:
        yield
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        if callable(request):
            request = request()
        _raise_mapped(exc, request)


def _raise_mapped(error: BaseException, request: httpx.Request) -> None:
    try:
        raise error
    except aiohttp.ConnectionTimeoutError as exc:  # waiting for a pool slot or for the TCP/TLS handshake
        raise httpx.ConnectTimeout(str(exc) or "connect timeout", request=request) from exc
    except aiohttp.ClientConnectorError as exc:  # refused, DNS, TLS: nothing was sent
        raise httpx.ConnectError(str(exc) or "connect error", request=request) from exc
    except aiohttp.SocketTimeoutError as exc:
        raise httpx.ReadTimeout(str(exc) or "read timeout", request=request) from exc
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as exc:
        raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request) from exc
    except aiohttp.ClientResponseError as exc:  # a malformed answer (header too long, bad status line)
        raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request) from exc
    except (aiohttp.InvalidUrlClientError, aiohttp.NonHttpUrlClientError) as exc:
        raise httpx.UnsupportedProtocol(str(exc), request=request) from exc
    except (aiohttp.ClientError, OSError) as exc:  # reset or broken pipe mid-request: it may have arrived
        raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
    except TimeoutError as exc:
        raise httpx.ReadTimeout(str(exc) or "timeout", request=request) from exc


def _decoded_headers(response: aiohttp.ClientResponse) -> list[tuple[bytes, bytes]]:
    """The answer's headers less Content-Encoding: aiohttp has decoded the body already."""
    return [(k, v) for k, v in response.raw_headers if k.lower() != b"content-encoding"]


class _DiskError(Exception):
    """Carries an error from writing the local file past the network error mapping."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


async def _save(response: aiohttp.ClientResponse, dest: Path) -> None:
    try:
        fh = await in_file_thread(dest.open, "wb")  # creating a file can block: not on the loop
    except OSError as exc:
        raise _DiskError(exc) from exc
    with fh:
        async for chunk in response.content.iter_chunked(CHUNK):
            try:
                fh.write(chunk)
            except OSError as exc:
                raise _DiskError(exc) from exc


def answer(status: int, headers: list[tuple[bytes, bytes]], content: bytes) -> httpx.Response:
    """A whole answer as an ``httpx.Response`` built through httpx's public constructor.

    It carries no ``request``: building one parses the URL again, which costs as much as the rest of a poll.
    """
    return httpx.Response(status, headers=headers, content=content)


class _Body(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._sent = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with map_aiohttp_errors(self._sent):
            async for chunk in self._response.content.iter_chunked(CHUNK):
                yield chunk

    async def aclose(self) -> None:
        self._response.release()  # back to the pool when fully read, else the connection is closed


class AiohttpTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 over one lazily created ``aiohttp.ClientSession`` (it must be made inside the running loop)."""

    def __init__(self, limits: httpx.Limits | None = None, verify: Any = True, trust_env: bool = True) -> None:
        self._limits = limits or httpx.Limits()
        self._verify = verify
        self._session: aiohttp.ClientSession | None = None
        # proxies from HTTP_PROXY / HTTPS_PROXY / ALL_PROXY, read once (httpx mounts none over a custom
        # transport, and aiohttp's own trust_env would ask the environment and ~/.netrc on a thread per request)
        self._env_proxies = (
            {k: v for k, v in urllib.request.getproxies().items() if k in ("http", "https", "all")} if trust_env else {}
        )
        self._proxies: dict[tuple[str, str], str | None] = {}  # (scheme, host) -> proxy URL or None
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}  # (pool, connect, read) ->

    def _session_now(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = self._open()
        return self._session

    def proxy_for(self, url: str) -> str | None:
        """The proxy to reach ``url`` through (NO_PROXY honoured), or None to connect directly."""
        if not self._env_proxies:
            return None
        parts = urllib.parse.urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            bypass = bool(key[1]) and urllib.request.proxy_bypass(key[1])
            self._proxies[key] = None if bypass else self._env_proxies.get(key[0]) or self._env_proxies.get("all")
        return self._proxies[key]

    def _timeout(self, pool: float | None, connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
        """httpx's timeouts as aiohttp's: waiting for a pool slot, connecting, and between reads."""
        key = (pool, connect, read)
        cached = self._timeouts.get(key)
        if cached is None:
            cached = self._timeouts[key] = aiohttp.ClientTimeout(
                total=None, connect=pool, sock_connect=connect, sock_read=read
            )
        return cached

    async def whole(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """Send one small request and read the whole answer (a redirect is returned, not followed).

        ``headers`` are the complete headers to send, names in lower case (the caller merges its client's
        defaults).
        """
        session = self._session_now()
        body = None
        if json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
            headers = {**headers, "content-type": "application/json"}
        headers = {**headers, "accept-encoding": "gzip, deflate"}  # what aiohttp itself decodes
        with map_aiohttp_errors(lambda: httpx.Request(method, url, params=params, headers=headers)):
            async with session.request(
                method,
                url,
                proxy=self.proxy_for(url),
                params=params,
                headers=headers,
                data=body,
                allow_redirects=False,
                auto_decompress=True,
                compress=None,
                timeout=self._timeout(timeout.pool, timeout.connect, timeout.read),
                skip_auto_headers=("Accept-Encoding", "User-Agent", "Accept", "Content-Type"),
            ) as response:
                content = b"" if response.status in REDIRECTS else await response.read()
                status, raw_headers = response.status, _decoded_headers(response)
        return answer(status, raw_headers, content)

    def _open(self) -> aiohttp.ClientSession:
        limits = self._limits
        connector = aiohttp.TCPConnector(
            limit=limits.max_connections or 0,
            limit_per_host=0,
            keepalive_timeout=limits.keepalive_expiry if limits.keepalive_expiry is not None else 5.0,
            ssl=httpx.create_ssl_context(verify=self._verify),
        )
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),  # httpx keeps the cookies
            auto_decompress=False,  # httpx decodes Content-Encoding itself
            trust_env=False,  # proxies are chosen per request by proxy_for; no ~/.netrc credentials are added
            timeout=aiohttp.ClientTimeout(total=None),
            max_line_size=MAX_HEADER,
            max_field_size=MAX_HEADER,
        )

    async def download(
        self, url: str, dest: Path, headers: Mapping[str, str], timeout: httpx.Timeout
    ) -> httpx.Response:
        """GET ``url`` into ``dest``, streamed; a redirect is returned (with its Location), not followed.

        A 2xx answer is written to ``dest`` (Content-Encoding undone) and returned without its body; any
        other answer is returned with its body read (none for a redirect) and nothing written.
        """
        session = self._session_now()
        try:
            with map_aiohttp_errors(lambda: httpx.Request("GET", url, headers=headers)):
                async with session.get(
                    url,
                    proxy=self.proxy_for(url),
                    headers=headers,
                    allow_redirects=False,
                    auto_decompress=True,
                    timeout=self._timeout(timeout.pool, timeout.connect, timeout.read),
                    skip_auto_headers=("User-Agent", "Accept"),
                ) as response:
                    status, raw_headers = response.status, _decoded_headers(response)
                    content = b""
                    if status < 300:
                        await _save(response, dest)
                    elif status not in REDIRECTS:
                        content = await response.read()
        except _DiskError as exc:  # our own file failed (disk full): not a network error, raised as it was
            raise exc.error from None
        return answer(status, raw_headers, content)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._session_now()
        timeout = request.extensions.get("timeout", {})
        body = await request.aread()  # bodies here are JSON or in-memory uploads; aiohttp sets the length
        headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() != "transfer-encoding"]
        with map_aiohttp_errors(request):
            url = str(request.url)
            response = await session.request(
                request.method,
                url,
                proxy=self.proxy_for(url),
                headers=headers,
                data=body or None,
                allow_redirects=False,  # httpx follows redirects (and drops auth across origins)
                compress=None,
                timeout=self._timeout(timeout.get("pool"), timeout.get("connect"), timeout.get("read")),
                skip_auto_headers=("Accept-Encoding", "User-Agent", "Accept", "Content-Type"),
            )
        extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode("latin-1", "replace")
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_Body(response, request),
            request=request,
            extensions=extensions,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


__all__ = ["AiohttpTransport", "answer", "map_aiohttp_errors"]
