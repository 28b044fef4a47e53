"""The OAuth redirect receiver: a one-shot HTTP listener on 127.0.0.1 for the consent page's redirect.

It works over SSH too: the consent URL is printed, the person opens it anywhere, and the browser's final
redirect to ``http://127.0.0.1:PORT/`` reaches this listener (forward the port with ``ssh -L PORT:127.0.0.1:PORT``
when the browser runs on another machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from ..errors import AuthError, Timeout

_PAGE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n\r\n"
    b"<!doctype html><title>reelforge</title><p>Done: you can close this tab and go back to reelforge.</p>"
)
_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def is_loopback_url(url: str) -> bool:
    """True for http(s) URLs whose host is this machine (127.0.0.0/8, ::1, localhost)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RedirectReceiver:
    """``async with RedirectReceiver(port) as rx: ... await rx.wait(state, timeout)`` -> the query parameters."""

    def __init__(self, port: int = 0, path: str = "/") -> None:
        self.port = port
        self.path = path
        self._server: asyncio.Server | None = None
        self._result: asyncio.Future[dict[str, str]] | None = None

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    async def __aenter__(self) -> RedirectReceiver:
        self._result = asyncio.get_running_loop().create_future()
        try:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        except OSError as exc:
            where = f"127.0.0.1:{self.port}"
            raise AuthError(f"cannot listen on {where} for the sign-in redirect: {exc.strerror}") from None
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
            target = head.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")
            parts = urlsplit(target)
            params = {k: v[0] for k, v in parse_qs(parts.query).items()}
            wanted = parts.path.rstrip("/") == self.path.rstrip("/") and ("code" in params or "error" in params)
            writer.write(_PAGE if wanted else _NOT_FOUND)
            await writer.drain()
            if wanted and self._result is not None and not self._result.done():
                self._result.set_result(params)
        except (TimeoutError, OSError, IndexError, ValueError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def wait(self, state: str, timeout_s: float) -> str:
        """The authorization code of the redirect carrying ``state``; AuthError on a refusal or a wrong state."""
        assert self._result is not None, "use inside 'async with'"
        try:
            params = await asyncio.wait_for(asyncio.shield(self._result), timeout=timeout_s)
        except TimeoutError:
            raise Timeout(f"no sign-in redirect arrived within {timeout_s:g}s; run the login again") from None
        if "error" in params:
            reason = params.get("error_description") or params["error"]
            raise AuthError(f"the sign-in was refused: {reason}")
        if params.get("state") != state:
            raise AuthError("the sign-in redirect carried the wrong state (a stale or forged redirect); log in again")
        return params["code"]


__all__ = ["RedirectReceiver", "is_loopback_url"]
