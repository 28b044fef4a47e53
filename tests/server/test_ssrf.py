"""The SSRF guard: loopback, private, link-local and other non-public targets are refused (names resolving to
them too, and redirects to them), the connection goes to the address that was checked (DNS rebinding), and
``server.allowed_hosts`` exempts what a deployment trusts. Input URLs are fetched with a size cap."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from reelforge.config import Config
from reelforge.errors import InvalidRequest
from reelforge.server.ssrf import Guard

from .conftest import open_client
from .helpers import Receiver, png_bytes

PUBLIC = "93.184.216.34"


def resolver(answers: dict[str, list[list[str]]]) -> Any:
    """A resolver answering from ``answers`` (each name's successive answers); calls are counted."""
    calls: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        queue = answers[host]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://127.0.0.1/a.png", "loopback"),
        ("https://[::1]/a.png", "loopback"),
        ("https://10.1.2.3/a.png", "private"),
        ("https://192.168.0.10/a.png", "private"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://[fe80::1]/a.png", "link-local"),
        ("https://[::ffff:127.0.0.1]/a.png", "loopback"),
        ("https://0.0.0.0/a.png", "unspecified"),
        ("https://100.64.1.1/a.png", "non-public"),
        ("https://240.0.0.1/a.png", "reserved"),
        ("https://internal.example/a.png", "loopback"),
        ("https://mixed.example/a.png", "private"),
        ("ftp://example.com/a.png", "https"),
        ("file:///etc/passwd", "https"),
        (f"http://{PUBLIC}/a.png", "https"),
    ],
)
async def test_non_public_targets_are_refused_before_any_connection(url: str, words: str) -> None:
    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"connected to {request.url}")

    resolve = resolver({"internal.example": [["127.0.0.1"]], "mixed.example": [[PUBLIC, "10.0.0.7"]]})
    guard = Guard([], resolve=resolve, transport=httpx.MockTransport(never))
    with pytest.raises(InvalidRequest) as err:
        await guard.open(url, "image", 3, httpx.Timeout(5))
    assert words in err.value.problems["image"]
    await guard.aclose()


async def test_localhost_by_name_is_refused_through_the_system_resolver() -> None:
    guard = Guard([])
    with pytest.raises(InvalidRequest) as err:
        await guard.vet("https://localhost:8443/x", "image")
    assert "resolves to a loopback address" in err.value.problems["image"]
    await guard.aclose()


async def test_the_connection_goes_to_the_checked_address_so_rebinding_cannot_redirect_it() -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"ok")

    resolve = resolver({"media.example": [[PUBLIC], ["127.0.0.1"]]})  # a public answer, then a rebinding one
    guard = Guard([], resolve=resolve, transport=httpx.MockTransport(record))
    response = await guard.open("https://media.example:8443/clip.mp4?sig=1", "video", 3, httpx.Timeout(5))
    await response.aclose()
    [request] = seen
    assert request.url.host == PUBLIC and request.url.port == 8443 and request.url.path == "/clip.mp4"
    assert request.headers["host"] == "media.example:8443"
    assert request.extensions["sni_hostname"] == "media.example"  # TLS checks the certificate against the name
    assert resolve.calls == ["media.example"]  # resolved once per connection
    with pytest.raises(InvalidRequest):  # the next lookup answers loopback: refused, not connected
        await guard.open("https://media.example/clip.mp4", "video", 3, httpx.Timeout(5))
    assert len(seen) == 1
    await guard.aclose()


async def test_allowed_hosts_exempt_names_and_networks_and_may_use_http() -> None:
    resolve = resolver({"store.internal": [["10.0.0.5"]], "other.internal": [["10.9.0.5"]]})
    guard = Guard(["store.internal", "192.168.0.0/16"], resolve=resolve)
    assert (await guard.vet("http://store.internal/a.png", "image")).address == "10.0.0.5"
    assert (await guard.vet("http://192.168.4.4/a.png", "image")).address == "192.168.4.4"
    with pytest.raises(InvalidRequest):
        await guard.vet("https://other.internal/a.png", "image")
    await guard.aclose()


@pytest.fixture
async def fetching(stack: tuple[Config, Any]) -> AsyncIterator[httpx.AsyncClient]:
    """The app with 127.0.0.1 allowed (the loopback servers below stand in for media stores) and a resolver
    that answers a loopback address not on the list for ``rebind.example``."""
    from reelforge.server import create_app

    base = stack[0]
    config = Config.from_dict({"data_dir": str(base.data_dir), "default_backend": "sleepy", "cache": False,
                               "backends": {"sleepy": {}},
                               "server": {"allowed_hosts": ["127.0.0.1"], "max_upload_mb": 0.2}})  # fmt: skip
    app = create_app(config, resolve=resolver({"rebind.example": [["127.0.0.53"]]}))
    async for client in open_client(app):
        yield client


def _media_route(path: str) -> tuple[int, dict[str, str], bytes]:
    if path.startswith("/still.png"):
        return 200, {"Content-Type": "text/plain"}, png_bytes()
    if path == "/to-metadata":
        return 302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""
    if path == "/to-private":
        return 307, {"Location": "https://10.0.0.1/still.png"}, b""
    if path == "/hop":
        return 302, {"Location": "/still.png"}, b""
    if path == "/huge.png":
        return 200, {}, png_bytes() + b"\0" * 400_000
    if path == "/notes.png":
        return 200, {"Content-Type": "image/png"}, b"hello, these are notes" * 10
    return 404, {}, b"no"


async def test_input_urls_are_fetched_capped_typed_and_every_redirect_rechecked(fetching: httpx.AsyncClient) -> None:
    with Receiver(route=_media_route) as media:
        ok = await fetching.post("/v1/videos", json={"prompt": "x", "image": f"{media.url}/still.png?token=abc"})
        assert ok.status_code == 202, ok.text
        hop = await fetching.post("/v1/videos", json={"prompt": "x", "image": f"{media.url}/hop"})
        assert hop.status_code == 202, hop.text
        refused = {
            f"{media.url}/to-metadata": (422, "link-local"),
            f"{media.url}/to-private": (422, "private"),
            "https://rebind.example/still.png": (422, "resolves to a loopback"),
            f"{media.url}/huge.png": (413, "limit"),
            f"{media.url}/notes.png": (422, "not an image"),
            f"{media.url}/missing.png": (422, "404"),
        }
        for url, (status, words) in refused.items():
            r = await fetching.post("/v1/videos", json={"prompt": "x", "image": url})
            assert r.status_code == status, (url, r.text)
            assert words in r.json()["error"]["fields"]["image"], (url, r.text)
        fetched = [s["path"] for s in media.seen]
    assert "/latest/meta-data/" not in fetched  # the redirect target was never contacted
    stored = ok.json()["request"]["image"]
    assert stored.endswith(".png")
    listing = await fetching.get("/v1/jobs", params={"limit": 500})
    assert "token=abc" not in listing.text  # signed query strings stay out of the records
