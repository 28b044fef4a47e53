"""Outbound requests to user-given URLs (input media, webhooks) that cannot reach private networks.

Each hop resolves the name once, refuses it unless every address is public (not loopback, private, link-local,
shared, multicast, reserved or unspecified), and connects to that vetted address itself, sending the name in
the ``Host`` header and as TLS SNI (the certificate is checked against the name). A name whose DNS answer
changes between the check and the connection (DNS rebinding) therefore cannot steer the connection elsewhere.
Redirects are followed by hand, each hop checked again. ``server.allowed_hosts`` lists names, addresses or
networks a deployment trusts (an internal media store, a webhook receiver); those may be private and may use
plain http. Everything else must be https. Proxies from the environment are ignored.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import httpx

from ..errors import InvalidRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
REDIRECTS = frozenset({301, 302, 303, 307, 308})


async def system_resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the event loop's resolver: no blocking call)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback or address.is_private or address.is_link_local or address.is_multicast:
        return False
    if address.is_reserved or address.is_unspecified:
        return False
    return address.is_global


def describe(address: IPAddress) -> str:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for attr, word in (
        ("is_loopback", "a loopback"),
        ("is_link_local", "a link-local"),
        ("is_multicast", "a multicast"),
        ("is_unspecified", "an unspecified"),
        ("is_reserved", "a reserved"),
        ("is_private", "a private"),
    ):
        if getattr(address, attr):
            return f"{word} address ({address})"
    return f"a non-public address ({address})"


@dataclass(frozen=True)
class Target:
    """Where one hop connects: the vetted address, and the name for Host and SNI."""

    url: httpx.URL
    address: str


class Guard:
    """Vets URLs against the SSRF rules and sends requests to the vetted addresses."""

    def __init__(
        self,
        allowed_hosts: Sequence[str] = (),
        *,
        resolve: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.names = {h.strip().lower().rstrip(".") for h in allowed_hosts if h.strip()}
        self.networks = []
        for host in self.names:
            try:
                self.networks.append(ipaddress.ip_network(host.strip("[]"), strict=False))
            except ValueError:
                continue
        self.resolve = resolve or system_resolve
        self.client = httpx.AsyncClient(transport=transport, trust_env=False, follow_redirects=False)

    async def aclose(self) -> None:
        await self.client.aclose()

    def exempt(self, host: str, address: IPAddress | None = None) -> bool:
        if host.lower().rstrip(".") in self.names:
            return True
        return address is not None and any(address in net for net in self.networks)

    async def vet(self, url: str | httpx.URL, field: str) -> Target:
        """The address to connect to for ``url``; ``InvalidRequest`` naming ``field`` when it is refused."""
        try:
            parsed = httpx.URL(str(url))
        except (httpx.InvalidURL, TypeError, ValueError):
            raise InvalidRequest({field: "not a valid URL"}) from None
        host = parsed.host
        if parsed.scheme not in ("http", "https") or not host:
            raise InvalidRequest({field: "only https URLs are fetched"})
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses: list[IPAddress] = [literal]
        else:
            try:
                found = await self.resolve(host, port)
            except (OSError, UnicodeError):
                raise InvalidRequest({field: f"the host {host!r} does not resolve"}) from None
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
            if not addresses:
                raise InvalidRequest({field: f"the host {host!r} does not resolve"})
        trusted = all(self.exempt(host, a) for a in addresses)
        if not trusted:
            for address in addresses:
                if not is_public(address):
                    what = describe(address)
                    problem = f"refused: {host!r} is {what}" if literal else f"refused: {host!r} resolves to {what}"
                    raise InvalidRequest({field: f"{problem}; list it in server.allowed_hosts to allow it"})
            if parsed.scheme != "https":
                raise InvalidRequest({field: "only https URLs are fetched (plain http only for server.allowed_hosts)"})
        return Target(url=parsed, address=str(addresses[0]))

    def build(self, target: Target, method: str, **kwargs: object) -> httpx.Request:
        """A request to the vetted address carrying the original name in Host and SNI."""
        url = target.url
        connect = url.copy_with(host=target.address)
        default_port = 443 if url.scheme == "https" else 80
        host_header = url.host if url.port in (None, default_port) else f"{url.host}:{url.port}"
        if ":" in url.host and url.port not in (None, default_port):
            host_header = f"[{url.host}]:{url.port}"
        headers = dict(kwargs.pop("headers", None) or {})  # type: ignore[call-overload]
        headers["Host"] = host_header
        extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
        return self.client.build_request(method, connect, headers=headers, extensions=extensions, **kwargs)  # type: ignore[arg-type]

    async def open(self, url: str, field: str, max_redirects: int, timeout: httpx.Timeout) -> httpx.Response:
        """GET ``url`` following redirects (each hop vetted); returns the open streamed response."""
        current = httpx.URL(url) if isinstance(url, str) else url
        for _ in range(max_redirects + 1):
            target = await self.vet(current, field)
            request = self.build(target, "GET", timeout=timeout)
            response = await self.client.send(request, stream=True)
            if response.status_code not in REDIRECTS:
                return response
            location = response.headers.get("location")
            await response.aclose()
            if not location:
                raise InvalidRequest({field: f"the server answered {response.status_code} without a Location"})
            current = target.url.join(location)
        raise InvalidRequest({field: f"more than {max_redirects} redirects"})


__all__ = ["Guard", "Resolver", "Target", "describe", "is_public", "system_resolve"]
