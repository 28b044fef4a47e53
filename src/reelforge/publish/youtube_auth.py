"""YouTube sign-in: the OAuth installed-app flow (google-auth-oauthlib) and the stored, refreshed token.

The OAuth client file is the JSON Google Cloud gives for a "Desktop app" client; its ``auth_uri`` and
``token_uri`` are used as written unless ``publish.youtube.oauth_base_url`` replaces them
(``{base}/o/oauth2/auth`` and ``{base}/token``). The token lands in ``data_dir/publish/tokens/youtube.json``
with mode 0600 and is refreshed (and stored again) when it has expired.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import AuthError, BackendUnavailable, ConfigError, ProviderError
from .base import Announce
from .config import YouTubeConfig
from .loopback import RedirectReceiver, is_loopback_url
from .store import PublishStore

SCOPES = ["https://www.googleapis.com/auth/youtube.upload"]
LOGIN_HINT = "run `reelforge publish login youtube`"


class _DropDebug(logging.Filter):
    """requests-oauthlib's DEBUG lines print the token response and the client secret: they are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


logging.getLogger("requests_oauthlib.oauth2_session").addFilter(_DropDebug())


def require_google() -> None:
    """Raise BackendUnavailable naming the extra when the Google client libraries are missing."""
    try:
        import google_auth_oauthlib  # noqa: F401
        import googleapiclient  # noqa: F401
    except ModuleNotFoundError:
        raise BackendUnavailable(
            "publishing to YouTube needs the Google client libraries: pip install 'reelforge[publish]'"
        ) from None


def client_config(config: YouTubeConfig) -> dict[str, Any]:
    """The OAuth client file's content (``{"installed": {...}}``), with ``oauth_base_url`` applied."""
    if config.client_secrets is None:
        raise ConfigError(
            "publish.youtube.client_secrets is not set: download the OAuth client file of a 'Desktop app' "
            "client from the Google Cloud console and give its path (see docs/publishing.md)",
            key="publish.youtube.client_secrets",
        )
    path = Path(config.client_secrets).expanduser()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"publish.youtube.client_secrets: cannot read {path} as JSON ({type(exc).__name__})",
            key="publish.youtube.client_secrets",
        ) from None
    kind = "installed" if "installed" in data else "web" if "web" in data else None
    if kind is None or not data[kind].get("client_id"):
        raise ConfigError(
            f"publish.youtube.client_secrets: {path} is not an OAuth client file (no 'installed' client)",
            key="publish.youtube.client_secrets",
        )
    client = dict(data[kind])
    client.setdefault("auth_uri", "https://accounts.google.com/o/oauth2/auth")
    client.setdefault("token_uri", "https://oauth2.googleapis.com/token")
    if config.oauth_base_url:
        client["auth_uri"] = f"{config.oauth_base_url}/o/oauth2/auth"
        client["token_uri"] = f"{config.oauth_base_url}/token"
    return {"installed": client}


@contextlib.contextmanager
def _loopback_http_allowed(url: str) -> Iterator[None]:
    """oauthlib refuses plain http; a token endpoint on this machine (a proxy, a test server) is allowed."""
    if not (url.startswith("http://") and is_loopback_url(url)) or os.environ.get("OAUTHLIB_INSECURE_TRANSPORT"):
        yield
        return
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    try:
        yield
    finally:
        os.environ.pop("OAUTHLIB_INSECURE_TRANSPORT", None)


async def login(config: YouTubeConfig, store: PublishStore, announce: Announce, timeout_s: float) -> str:
    """The consent URL is announced; the redirect is awaited on 127.0.0.1; the token is stored (0600)."""
    require_google()
    from google_auth_oauthlib.flow import Flow

    client = await asyncio.to_thread(client_config, config)
    async with RedirectReceiver(0) as rx:
        flow = Flow.from_client_config(client, scopes=SCOPES, redirect_uri=rx.redirect_uri)
        flow.autogenerate_code_verifier = True
        with _loopback_http_allowed(client["installed"]["auth_uri"]):
            url, state = flow.authorization_url(access_type="offline", prompt="consent", include_granted_scopes="true")
        announce(url)
        code = await rx.wait(state, timeout_s)
    token_uri = client["installed"]["token_uri"]
    try:
        with _loopback_http_allowed(token_uri):
            await asyncio.to_thread(flow.fetch_token, code=code)
    except Exception as exc:  # oauthlib and requests errors: translated here, where they enter
        name = getattr(exc, "error", None) or type(exc).__name__
        raise AuthError(f"the YouTube token exchange failed ({name}); {LOGIN_HINT} again") from None
    creds = flow.credentials
    if not creds.refresh_token:
        raise AuthError("Google sent no refresh token: remove reelforge's access at myaccount.google.com, log in again")
    await asyncio.to_thread(store.write_token, "youtube", json.loads(creds.to_json()))
    return "YouTube: signed in"


def credentials(config: YouTubeConfig, store: PublishStore) -> Any:
    """Valid credentials from the stored token, refreshed (and stored again) when expired. Blocking."""
    require_google()
    from google.auth.exceptions import RefreshError, TransportError
    from google.auth.transport.requests import Request
    from google.oauth2.credentials import Credentials

    data = store.read_token("youtube")
    if not data:
        raise AuthError(f"not signed in to YouTube: {LOGIN_HINT}")
    if config.oauth_base_url:
        data["token_uri"] = f"{config.oauth_base_url}/token"
    try:
        loaded = Credentials.from_authorized_user_info(data)
        # from_authorized_user_info always puts Google's own token endpoint in: honour the stored one
        creds = Credentials(
            token=loaded.token, refresh_token=loaded.refresh_token, token_uri=data.get("token_uri") or loaded.token_uri,
            client_id=loaded.client_id, client_secret=loaded.client_secret, scopes=loaded.scopes, expiry=loaded.expiry,
        )  # fmt: skip
    except ValueError:
        raise AuthError(f"the stored YouTube token is incomplete: {LOGIN_HINT}") from None
    if creds.valid:
        return creds
    try:
        creds.refresh(Request())
    except RefreshError as exc:
        if getattr(exc, "retryable", False):
            raise ProviderError("Google's token endpoint failed for now; try again", retryable=True) from None
        detail = exc.args[1].get("error") if len(exc.args) > 1 and isinstance(exc.args[1], dict) else None
        raise AuthError(
            f"the YouTube sign-in expired or was revoked ({detail or 'refresh refused'}): {LOGIN_HINT}"
        ) from None
    except TransportError:
        raise ProviderError("cannot reach Google's token endpoint; try again", retryable=True) from None
    store.write_token("youtube", json.loads(creds.to_json()))
    return creds


def save_if_refreshed(creds: Any, before: str | None, store: PublishStore) -> None:
    """Store the token again when the HTTP layer refreshed it during the upload."""
    if creds.token and creds.token != before:
        store.write_token("youtube", json.loads(creds.to_json()))


__all__ = ["LOGIN_HINT", "SCOPES", "client_config", "credentials", "login", "require_google", "save_if_refreshed"]
