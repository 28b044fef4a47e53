"""TikTok's HTTP surface: Login Kit for Desktop (OAuth with PKCE), the token refresh, and the Content Posting
API's JSON calls with their error shape mapped to the error tree.

Every API answer is ``{"data": {...}, "error": {"code": "ok" | "<reason>", "message": "...", "log_id": "..."}}``;
the token endpoint answers ``{"access_token", "expires_in", "refresh_token", "refresh_expires_in", "open_id",
"scope", "token_type"}`` or ``{"error", "error_description", "log_id"}``.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import httpx

from ..errors import AuthError, ConfigError, InvalidRequest, ProviderError, RateLimited, ReelforgeError
from .base import Announce
from .config import TikTokConfig
from .loopback import RedirectReceiver
from .store import PublishStore

LOGIN_HINT = "run `reelforge publish login tiktok`"
UNAUDITED_HELP = (
    "this TikTok app is not audited yet, so TikTok only lets it post privately (SELF_ONLY) to an account set to "
    "private: make the TikTok account private and publish with --privacy SELF_ONLY (publish.tiktok.privacy), or "
    "have the app audited in the TikTok developer portal"
)
_AUTH_CODES = {"access_token_invalid", "scope_not_authorized", "scope_permission_missed", "token_not_authorized"}
_REFUSED_HELP = {
    "privacy_level_option_mismatch": "the privacy level is not one this creator allows (see creator info)",
    "spam_risk_too_many_posts": "this account posted too many times today; try again tomorrow",
    "spam_risk_user_banned_from_posting": "TikTok has banned this account from posting",
    "reached_active_user_cap": "this app reached its daily cap of posting users; try again tomorrow",
    "url_ownership_unverified": "the video URL's domain is not verified for this app",
    "duration_exceeded": "the video is longer than this creator may post",
}


def _credentials(config: TikTokConfig) -> tuple[str, str]:
    if config.client_key is None or config.client_secret is None:
        raise ConfigError(
            "publish.tiktok.client_key and client_secret are not set: create an app with Login Kit and the Content "
            "Posting API at developers.tiktok.com and set TIKTOK_CLIENT_KEY / TIKTOK_CLIENT_SECRET",
            key="publish.tiktok.client_key",
        )
    return config.client_key.get_secret_value(), config.client_secret.get_secret_value()


def api_error(code: str, message: str, status: int) -> ReelforgeError:
    """One TikTok error (its ``error.code``) in the error tree, with what to do."""
    if code == "unaudited_client_can_only_post_to_private_accounts":
        return InvalidRequest({"privacy": UNAUDITED_HELP})
    if code in _AUTH_CODES or status == 401:
        return AuthError(f"TikTok refused the sign-in ({code}): {LOGIN_HINT}")
    if code == "rate_limit_exceeded" or status == 429:
        return RateLimited("TikTok asks to slow down (rate limit); try again in a minute")
    if code == "privacy_level_option_mismatch":
        return InvalidRequest({"privacy": _REFUSED_HELP[code]})
    if code in _REFUSED_HELP:
        return ProviderError(f"TikTok refused the post ({code}): {_REFUSED_HELP[code]}", status=status)
    if status >= 500 or code == "internal_error":
        return ProviderError(f"TikTok answered {status} ({code}); retrying", retryable=True, status=status)
    if code in ("invalid_params", "invalid_file_upload"):
        return InvalidRequest({"video": f"TikTok refused the request ({code}): {message}"})
    return ProviderError(f"TikTok answered {status} ({code or 'no code'}): {message}", status=status)


def _decode(resp: httpx.Response) -> dict[str, Any]:
    try:
        data = resp.json()
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


def error_of(resp: httpx.Response) -> tuple[str, str]:
    """(``error.code``, ``error.message``) of an answer; ``ok`` for a success without an error object."""
    error = _decode(resp).get("error")
    if not isinstance(error, dict):
        return ("ok" if resp.is_success else ""), str(error or "")
    return str(error.get("code") or ("ok" if resp.is_success else "")), str(error.get("message") or "")


def check(resp: httpx.Response) -> dict[str, Any]:
    """The ``data`` of a Content Posting API answer; the mapped error otherwise."""
    code, message = error_of(resp)
    if resp.is_success and code == "ok":
        data = _decode(resp).get("data")
        return data if isinstance(data, dict) else {}
    raise api_error(code, message, resp.status_code)


def _token_record(body: dict[str, Any]) -> dict[str, Any]:
    now = time.time()
    return {
        "access_token": body["access_token"],
        "refresh_token": body.get("refresh_token"),
        "open_id": body.get("open_id"),
        "scope": body.get("scope"),
        "expires_at": now + float(body.get("expires_in") or 0),
        "refresh_expires_at": now + float(body.get("refresh_expires_in") or 0),
    }


async def _token_call(config: TikTokConfig, form: dict[str, str], what: str) -> dict[str, Any]:
    key, secret = _credentials(config)
    form = {"client_key": key, "client_secret": secret, **form}
    try:
        async with httpx.AsyncClient(timeout=config.timeout_s) as client:
            resp = await client.post(f"{config.api_base_url}/v2/oauth/token/", data=form)
    except httpx.HTTPError as exc:
        raise ProviderError(f"cannot reach TikTok's token endpoint ({type(exc).__name__})", retryable=True) from None
    body = _decode(resp)
    if resp.status_code >= 500:
        raise ProviderError(f"TikTok's token endpoint answered {resp.status_code}", retryable=True)
    if "access_token" not in body:
        raise AuthError(f"TikTok refused the {what} ({body.get('error') or resp.status_code}): {LOGIN_HINT}")
    return _token_record(body)


async def login(config: TikTokConfig, store: PublishStore, announce: Announce, timeout_s: float) -> str:
    """Login Kit for Desktop: PKCE, a redirect to ``http://127.0.0.1:PORT/callback/``, the code exchanged."""
    key, _ = _credentials(config)
    verifier = secrets.token_urlsafe(48)
    challenge = hashlib.sha256(verifier.encode()).hexdigest()  # TikTok's desktop flow: hex-encoded SHA256
    state = secrets.token_urlsafe(16)
    async with RedirectReceiver(config.redirect_port, "/callback/") as rx:
        query = {
            "client_key": key, "scope": ",".join(config.scopes), "response_type": "code",
            "redirect_uri": rx.redirect_uri, "state": state, "code_challenge": challenge,
            "code_challenge_method": "S256",
        }  # fmt: skip
        announce(f"{config.oauth_base_url}/v2/auth/authorize/?{urlencode(query)}")
        code = await rx.wait(state, timeout_s)
        form = {"code": code, "grant_type": "authorization_code", "redirect_uri": rx.redirect_uri}
    token = await _token_call(config, {**form, "code_verifier": verifier}, "sign-in")
    await asyncio.to_thread(store.write_token, "tiktok", token)
    return "TikTok: signed in"


async def access_token(config: TikTokConfig, store: PublishStore, *, force_refresh: bool = False) -> str:
    """The stored access token, refreshed (and stored again) when it expires within a minute."""
    token = await asyncio.to_thread(store.read_token, "tiktok")
    if not token or not token.get("access_token"):
        raise AuthError(f"not signed in to TikTok: {LOGIN_HINT}")
    if force_refresh or float(token.get("expires_at") or 0) < time.time() + 60:
        if not token.get("refresh_token"):
            raise AuthError(f"the TikTok sign-in expired: {LOGIN_HINT}")
        token = await _token_call(
            config, {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}, "token refresh"
        )
        await asyncio.to_thread(store.write_token, "tiktok", token)
    return str(token["access_token"])


__all__ = ["LOGIN_HINT", "UNAUDITED_HELP", "access_token", "api_error", "check", "error_of", "login"]
