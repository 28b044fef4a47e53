"""Bearer tokens: with ``server.api_tokens`` set, every /v1 call needs ``Authorization: Bearer <token>``.

Tokens are compared in constant time (``hmac.compare_digest``) against every configured token, so the time a
refusal takes says nothing about how close a guess was. No token is ever echoed, logged or stored.
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import Request

from .errors import Unauthorized


def token_ok(presented: bytes, tokens: list[bytes]) -> bool:
    ok = False
    for token in tokens:  # every token is compared: no early exit
        ok |= hmac.compare_digest(presented, token)
    return ok


async def require_token(request: Request) -> None:
    """FastAPI dependency: refuse the call unless it carries one of the configured tokens (or none are set)."""
    tokens: list[bytes] = request.app.state.tokens
    if not tokens:
        return
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("a bearer token is required", "send Authorization: Bearer <token>")
    if not token_ok(value.strip().encode(), tokens):
        raise Unauthorized("invalid bearer token", "the token is not one of server.api_tokens")


def is_loopback_host(host: str) -> bool:
    """True for names and addresses that only this machine can reach (the only binds allowed without tokens)."""
    name = host.strip("[]").lower()
    if name in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


__all__ = ["is_loopback_host", "require_token", "token_ok"]
