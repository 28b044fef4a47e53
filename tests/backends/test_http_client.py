"""The shared provider client: aiohttp underneath httpx.

What the backends rely on: JSON bodies, headers and streamed downloads arrive intact; redirects are
followed; a refused connection is ``submitted=False`` and an answer lost mid-way is ``submitted=None``.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from reelforge.backends.aiohttp_transport import AiohttpTransport
from reelforge.backends.http import new_client, send
from reelforge.errors import ProviderError
from tests.fakes.kit import DropResponse
from tests.fakes.server import FakeServer

BLOB = bytes(range(256)) * 4096  # 1 MiB, streamed in several chunks


async def echo(request: Request) -> Response:
    body = await request.json() if await request.body() else None
    return JSONResponse({"got": body, "auth": request.headers.get("authorization"), "query": request.url.query,
                         "method": request.method, "agent": request.headers.get("user-agent"),
                         "type": request.headers.get("content-type")})  # fmt: skip


async def gzipped(request: Request) -> Response:
    import gzip

    return Response(gzip.compress(b'{"zipped": true}'), media_type="application/json",
                    headers={"Content-Encoding": "gzip"})  # fmt: skip


async def api_moved(request: Request) -> Response:
    return RedirectResponse(request.query_params["to"], status_code=307)


async def blob(request: Request) -> Response:
    return Response(BLOB, media_type="video/mp4")


async def moved(request: Request) -> Response:
    return RedirectResponse("/blob", status_code=302)


async def drop(request: Request) -> Response:
    return DropResponse()  # type: ignore[return-value]


@pytest.fixture
def server() -> Iterator[FakeServer]:
    app = Starlette(
        routes=[
            Route("/echo", echo, methods=["POST", "GET", "DELETE", "PUT"]),
            Route("/gzipped", gzipped),
            Route("/api-moved", api_moved, methods=["POST", "GET"]),
            Route("/blob", blob),
            Route("/moved", moved),
            Route("/drop", drop, methods=["POST"]),
            Route("/seen", echo_headers),
        ]
    )
    with FakeServer(app) as fake:
        yield fake


async def test_new_client_uses_aiohttp_and_round_trips(server: FakeServer) -> None:
    async with new_client() as client:
        assert isinstance(client._transport, AiohttpTransport)
        r = await send(client, "POST", f"{server.url}/echo?a=1", who="t", json={"x": [1, "é"]},
                       headers={"Authorization": "Bearer k"})  # fmt: skip
        assert (r.json()["got"], r.json()["auth"], r.json()["query"]) == ({"x": [1, "é"]}, "Bearer k", "a=1")
        chunks = []
        async with client.stream("GET", f"{server.url}/moved") as response:  # redirect, then a streamed body
            assert response.status_code == 200 and str(response.url).endswith("/blob")
            chunks = [c async for c in response.aiter_bytes(1 << 18)]
        assert b"".join(chunks) == BLOB and len(chunks) >= 4


async def test_refused_connection_was_not_submitted() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    async with new_client() as client:
        with pytest.raises(ProviderError) as err:
            await send(client, "POST", f"http://127.0.0.1:{port}/echo", who="t", json={})
    assert err.value.submitted is False and err.value.retryable


async def test_answer_lost_midway_may_have_arrived(server: FakeServer) -> None:
    async with new_client() as client:
        with pytest.raises(ProviderError) as err:
            await send(client, "POST", f"{server.url}/drop", who="t", json={})
        assert err.value.submitted is None
        r = await send(client, "POST", f"{server.url}/echo", who="t", json={"after": True})  # the pool recovers
        assert r.json()["got"] == {"after": True}


async def test_a_burst_of_requests_through_a_small_pool(server: FakeServer) -> None:
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    async with httpx.AsyncClient(transport=AiohttpTransport(limits)) as client:
        results = await asyncio.gather(*(client.post(f"{server.url}/echo", json={"i": i}) for i in range(60)))
        assert [r.json()["got"]["i"] for r in results] == list(range(60))


async def test_api_calls_take_the_short_path_and_keep_httpx_semantics(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with new_client(headers={"User-Agent": "reelforge-test"}) as client:
        slow = []
        monkeypatch.setattr(client, "request", lambda *a, **k: slow.append(a))  # the full path must not be used
        r = await send(client, "POST", f"{server.url}/echo?a=1", who="t", json={"x": [1, "é"]},
                       params={"b": "2"}, headers={"Authorization": "Bearer k"})  # fmt: skip
        data = r.json()
        assert data["got"] == {"x": [1, "é"]} and data["auth"] == "Bearer k" and data["method"] == "POST"
        assert data["query"] == "a=1&b=2" and data["agent"] == "reelforge-test" and data["type"] == "application/json"
        assert isinstance(r, httpx.Response) and r.status_code == 200
        r = await send(client, "DELETE", f"{server.url}/echo", who="t", timeout=5.0)
        assert r.json()["method"] == "DELETE" and r.json()["got"] is None
        assert (await send(client, "GET", f"{server.url}/gzipped", who="t")).json() == {"zipped": True}
        assert slow == []


async def test_a_redirected_api_call_goes_through_httpx_which_drops_credentials_across_origins(
    server: FakeServer,
) -> None:
    other = server.url.replace("127.0.0.1", "localhost")  # another origin, same server
    async with new_client() as client:
        same = await send(client, "POST", f"{server.url}/api-moved?to=/echo", who="t", json={"n": 1},
                          headers={"Authorization": "Bearer k"})  # fmt: skip
        assert same.json()["got"] == {"n": 1} and same.json()["auth"] == "Bearer k"
        away = await send(client, "GET", f"{server.url}/api-moved?to={other}/echo", who="t",
                          headers={"Authorization": "Bearer k"})  # fmt: skip
        assert away.status_code == 200 and away.json()["auth"] is None


async def test_short_path_errors_are_httpx_errors_with_their_request() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    async with new_client() as client:
        with pytest.raises(httpx.ConnectError) as err:
            await client.call("GET", f"http://127.0.0.1:{port}/echo")
        assert err.value.request.url.port == port


async def test_download_streams_to_disk_and_follows_redirects(server: FakeServer, tmp_path: Path) -> None:
    async with new_client() as client:
        r = await client.download(f"{server.url}/blob", tmp_path / "a.mp4")
        assert r.status_code == 200 and (tmp_path / "a.mp4").read_bytes() == BLOB
        moved = await client.download(f"{server.url}/moved", tmp_path / "b.mp4")
        assert moved.status_code == 200 and (tmp_path / "b.mp4").read_bytes() == BLOB
        gone = await client.download(f"{server.url}/nothing-here", tmp_path / "c.mp4")
        assert gone.status_code == 404 and not (tmp_path / "c.mp4").exists()
        await client.download(f"{server.url}/gzipped", tmp_path / "d.json")
        assert (tmp_path / "d.json").read_bytes() == b'{"zipped": true}'  # Content-Encoding undone


async def echo_headers(request: Request) -> Response:
    return Response(json.dumps({"auth": request.headers.get("x-api-key")}).encode(), media_type="video/mp4")


async def test_download_sends_its_headers_to_the_first_origin_only(server: FakeServer, tmp_path: Path) -> None:
    other = server.url.replace("127.0.0.1", "localhost")  # another origin, same server
    async with new_client() as client:
        await client.download(f"{server.url}/api-moved?to=/seen", tmp_path / "a", headers={"X-Api-Key": "k"})
        await client.download(f"{server.url}/api-moved?to={other}/seen", tmp_path / "b", headers={"X-Api-Key": "k"})
    assert json.loads((tmp_path / "a").read_bytes()) == {"auth": "k"}  # same origin: sent
    assert json.loads((tmp_path / "b").read_bytes()) == {"auth": None}  # a storage host never sees the key


def test_no_private_httpx_attributes_are_set() -> None:
    import inspect

    from reelforge.backends import aiohttp_transport, http

    for module in (aiohttp_transport, http):
        assert "._content" not in inspect.getsource(module) and "._request" not in inspect.getsource(module)


async def test_download_disk_errors_are_not_network_errors(server: FakeServer, tmp_path: Path) -> None:
    async with new_client() as client:
        with pytest.raises(FileNotFoundError):
            await client.download(f"{server.url}/blob", tmp_path / "no-such-folder" / "a.mp4")


class ForwardProxy:
    """A loopback HTTP forward proxy that answers every request itself and records its request line."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.url = ""
        self._server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> ForwardProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := await reader.readline():
            self.lines.append(line.decode().strip())
            length = 0
            while (header := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = header.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            body = b'{"via": "proxy"}'
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(body), body))  # fmt: skip
            await writer.drain()
        writer.close()


async def test_provider_calls_go_through_the_proxy_the_environment_names(
    server: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with ForwardProxy() as proxy:
        for name in ("HTTP_PROXY", "http_proxy"):
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        async with new_client() as client:  # the environment is read when the client is made
            r = await send(client, "POST", "http://api.provider.invalid/v1/jobs", who="t", json={"a": 1})
            assert r.json() == {"via": "proxy"}
            assert (await client.download("http://files.provider.invalid/v.mp4", tmp_path / "v.mp4")).status_code == 200
            r = await client.get("http://api.provider.invalid/v1/full-path")  # httpx's own path, same wire
            assert r.json() == {"via": "proxy"}
            direct = await send(client, "POST", f"{server.url}/echo", who="t", json={"b": 2})  # NO_PROXY
            assert direct.json()["got"] == {"b": 2}
        assert proxy.lines == [
            "POST http://api.provider.invalid/v1/jobs HTTP/1.1",
            "GET http://files.provider.invalid/v.mp4 HTTP/1.1",
            "GET http://api.provider.invalid/v1/full-path HTTP/1.1",
        ]
        assert (tmp_path / "v.mp4").read_bytes() == b'{"via": "proxy"}'
        async with new_client(trust_env=False) as client:  # told not to: straight to the host
            assert client.wire.proxy_for("http://api.provider.invalid/") is None
