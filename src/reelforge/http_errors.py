"""HTTP answers and transport failures as errors of the one tree, for every client that talks HTTP.

One mapping serves the video providers (``backends/``), the LLM clients and the stock-footage sources
(``shorts/``): a refused credential is ``AuthError`` naming what to check, 429 is ``RateLimited`` with
the wait the provider asked for, a refused request is ``InvalidRequest``, anything else is
``ProviderError`` (retryable for 5xx and 408). Transport failures keep the one distinction that decides
whether a paid call may be sent again: ``submitted=False`` when the request provably never left
(refused connection, connect timeout), ``submitted=None`` when it was sent and the answer was lost.
"""

from __future__ import annotations

import contextlib
import email.utils
import time
from collections.abc import Iterator

import httpx

from .errors import AuthError, InvalidRequest, ProviderError, RateLimited

#: statuses that mean "this request, as sent, will never be served"
REFUSED = frozenset({400, 404, 405, 409, 413, 422})


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
    """The wait a 429/503 answer asks for: Retry-After (seconds or a date), else Google's RetryInfo."""
    value = response.headers.get("retry-after")
    if not value:
        return _retry_info_delay(response)
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def error_text(response: httpx.Response) -> str:
    """The provider's own words about a failure, at most 300 characters."""
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


def raise_for_code(
    status: int,
    text: str,
    *,
    who: str,
    secret_env: str | None = None,
    auth_hint: str | None = None,
    retry_after: float | None = None,
    refused: frozenset[int] = REFUSED,
) -> None:
    """Raise the error-tree exception for an HTTP-like status ``status`` (400 and up) with the provider's ``text``.

    Also for providers that put an HTTP-like code inside a 200 answer's body (e.g. WaveSpeed's envelope).
    """
    if status < 400:
        return
    if status in (401, 403):
        hint = auth_hint or (f"check {secret_env}" if secret_env else "")
        raise AuthError(f"{who} refused the credentials ({status}: {text})" + (f"; {hint}" if hint else ""))
    if status == 429:
        raise RateLimited(f"{who} rate limit: {text}", retry_after=retry_after)
    if status in refused:
        raise InvalidRequest({"provider": f"{who} rejected the request ({status}): {text}"})
    raise ProviderError(
        f"{who} error {status}: {text}", retryable=status >= 500 or status == 408, status=status, submitted=True
    )


def raise_for_status(
    response: httpx.Response,
    *,
    who: str,
    secret_env: str | None = None,
    auth_hint: str | None = None,
    refused: frozenset[int] = REFUSED,
) -> None:
    """Raise the error-tree exception that fits a non-2xx answer; return quietly for anything below 400.

    ``secret_env`` (or ``auth_hint``) says what to check when the credentials are refused; ``refused`` are
    the statuses mapped to ``InvalidRequest`` (the rest of 4xx/5xx become ``ProviderError``).
    """
    status = response.status_code
    if status < 400:
        return
    retry_after = retry_after_seconds(response) if status == 429 else None
    raise_for_code(
        status,
        error_text(response),
        who=who,
        secret_env=secret_env,
        auth_hint=auth_hint,
        retry_after=retry_after,
        refused=refused,
    )


def transport_error(exc: httpx.TransportError, who: str, doing: str = "") -> ProviderError:
    """httpx's transport exception as a ``ProviderError`` whose ``submitted`` says whether it may have arrived.

    False for a connection never made (refused, connect timeout, no pool slot), None for one lost after
    sending: a paid call must then not be sent again blindly.
    """
    what = f" {doing}" if doing else ""
    name = type(exc).__name__
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.UnsupportedProtocol):
        return ProviderError(f"cannot reach {who}{what}: {name}", retryable=True, submitted=False)
    return ProviderError(f"{who} connection lost{what}: {name}", retryable=True, submitted=None)


@contextlib.contextmanager
def map_transport_errors(who: str, doing: str = "") -> Iterator[None]:
    """Translate httpx's transport exceptions raised inside the block with ``transport_error``."""
    try:
        yield
    except httpx.TransportError as exc:
        raise transport_error(exc, who, doing) from None


def is_transient(exc: BaseException) -> bool:
    """Whether waiting and asking again may help: rate limits and retryable provider errors."""
    return isinstance(exc, RateLimited) or (isinstance(exc, ProviderError) and exc.retryable)


__all__ = [
    "REFUSED",
    "error_text",
    "is_transient",
    "map_transport_errors",
    "raise_for_code",
    "raise_for_status",
    "retry_after_seconds",
    "transport_error",
]
