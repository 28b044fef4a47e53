"""YouTube's request shapes and answers: the ``videos.insert`` body from the metadata, and YouTube's errors
mapped to the error tree, each with what to do."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import AuthError, InvalidRequest, ProviderError, RateLimited, ReelforgeError
from .base import VideoMetadata
from .config import YouTubeConfig
from .youtube_auth import LOGIN_HINT

PRIVACY = ("private", "unlisted", "public")
QUOTA_HELP = (
    "the YouTube Data API quota of this Google Cloud project is used up for today (an upload costs about 1,600 of "
    "the default 10,000 units a day); it resets at midnight Pacific time, or ask for more quota in the Google "
    "Cloud console (IAM & Admin > Quotas)"
)


def rebase(uri: str, base: str) -> str:
    """``uri`` with its scheme and host (and a path prefix) taken from ``base``."""
    u, b = urlsplit(uri), urlsplit(base)
    return urlunsplit((b.scheme, b.netloc, b.path.rstrip("/") + u.path, u.query, u.fragment))


def error_reason(content: bytes | str | None) -> tuple[str, str]:
    try:
        error = json.loads(content or b"{}").get("error") or {}
    except (ValueError, AttributeError):
        return "", ""
    if not isinstance(error, dict):
        return "", str(error)
    errors = error.get("errors") or [{}]
    first = errors[0] if isinstance(errors, list) and isinstance(errors[0], dict) else {}
    return str(first.get("reason") or error.get("status") or ""), str(error.get("message") or "")


def map_http_error(status: int, content: bytes | str | None) -> ReelforgeError:
    """YouTube's answer to the error tree, each with what to do."""
    reason, message = error_reason(content)
    if status == 401:
        return AuthError(f"YouTube refused the sign-in (expired or revoked): {LOGIN_HINT}")
    if reason in ("quotaExceeded", "dailyLimitExceeded"):
        return ProviderError(QUOTA_HELP, retryable=False, status=status)
    if reason == "uploadLimitExceeded":
        return ProviderError("this channel reached YouTube's upload limit; try again in 24 hours", status=status)
    if status == 429 or reason in ("rateLimitExceeded", "userRateLimitExceeded"):
        return RateLimited("YouTube asks to slow down (rate limit); retrying later helps")
    if status >= 500:
        return ProviderError(f"YouTube answered {status}; retrying", retryable=True, status=status)
    if reason in ("youtubeSignupRequired", "forbidden", "insufficientPermissions"):
        return AuthError(f"the signed-in Google account cannot upload to a YouTube channel ({reason}): {message}")
    if status == 400:
        return InvalidRequest({"metadata": f"YouTube refused the video's details ({reason}): {message}"})
    return ProviderError(f"YouTube answered {status} ({reason or 'no reason'}): {message}", status=status)


def video_body(meta: VideoMetadata, config: YouTubeConfig) -> tuple[dict[str, Any], list[str]]:
    """The ``videos.insert`` body and warnings; every problem with the metadata raised at once."""
    problems: dict[str, str] = {}
    warnings: list[str] = []
    privacy = meta.privacy or config.privacy
    if privacy not in PRIVACY:
        problems["privacy"] = f"YouTube privacy is one of {', '.join(PRIVACY)}, got {privacy!r}"
    title = " ".join(meta.title.replace("<", "").replace(">", "").split()) or "Untitled"
    if len(title) > 100:
        title = title[:99] + "…"
        warnings.append("title shortened to YouTube's 100 characters")
    status: dict[str, Any] = {
        "privacyStatus": privacy,
        "selfDeclaredMadeForKids": config.made_for_kids if meta.made_for_kids is None else meta.made_for_kids,
    }
    if meta.publish_at is not None:
        at = meta.publish_at if meta.publish_at.tzinfo else meta.publish_at.replace(tzinfo=UTC)
        if at <= datetime.now(UTC):
            problems["schedule"] = f"the publish time {at.isoformat()} is in the past"
        if privacy != "private":
            warnings.append(f"scheduled videos stay private until their publish time (not {privacy})")
            status["privacyStatus"] = "private"
        status["publishAt"] = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if problems:
        raise InvalidRequest(problems)
    tags, total = [], 0
    for tag in meta.tags:
        total += len(tag) + 1
        if total <= 500:  # YouTube's limit for all tags together
            tags.append(tag.replace("<", "").replace(">", ""))
    snippet = {
        "title": title,
        "description": meta.description.replace("<", "").replace(">", "")[:5000],
        "tags": tags,
        "categoryId": meta.category_id or config.category_id,
    }
    return {"snippet": snippet, "status": status}, warnings


__all__ = ["PRIVACY", "QUOTA_HELP", "error_reason", "map_http_error", "rebase", "video_body"]
