"""The ``publish:`` config block: one sub-block per platform.

Base URLs are roots (``scheme://host[:port]``), so a proxy or a loopback test server can stand in for the
platform. Secrets (the TikTok client key and secret) are ``SecretStr``: never printed, logged or stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from ..config import register_section

YOUTUBE_CHUNK_UNIT = 256 * 1024  # YouTube wants every chunk but the last to be a multiple of 256 KiB
MIB = 1024 * 1024

TikTokPrivacy = Literal["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"]
YouTubePrivacy = Literal["private", "unlisted", "public"]


def _root(value: str | None) -> str | None:
    return value.rstrip("/") if isinstance(value, str) and value else value


class PlatformConfig(BaseModel):
    """What every platform block shares: retries with backoff on 5xx and dropped connections."""

    model_config = ConfigDict(extra="forbid")

    retries: int = Field(default=8, ge=0, le=100)  # consecutive failed requests before giving up (resume later)
    backoff_s: float = Field(default=1.0, ge=0)  # first wait; doubles each time, with jitter
    max_backoff_s: float = Field(default=60.0, ge=0)
    timeout_s: float = Field(default=120.0, gt=0)  # one request

    @field_validator("*", mode="before")
    @classmethod
    def _strip_roots(cls, v: Any, info: Any) -> Any:
        return _root(v) if str(info.field_name).endswith("base_url") else v


class YouTubeConfig(PlatformConfig):
    """YouTube Data API v3. ``client_secrets``: the OAuth client file (type "Desktop app") from Google Cloud."""

    client_secrets: Path | None = None
    privacy: YouTubePrivacy = "private"
    category_id: str = "22"  # People & Blogs
    made_for_kids: bool = False
    chunk_size: int = Field(default=8 * MIB, ge=YOUTUBE_CHUNK_UNIT)  # bytes per request, a multiple of 256 KiB
    api_base_url: str = "https://www.googleapis.com"
    upload_base_url: str = "https://www.googleapis.com"
    oauth_base_url: str | None = None  # replaces the client file's auth_uri/token_uri hosts when set

    @field_validator("chunk_size")
    @classmethod
    def _unit(cls, v: int) -> int:
        if v % YOUTUBE_CHUNK_UNIT:
            raise ValueError(f"must be a multiple of 262144 (256 KiB), e.g. {max(1, v // YOUTUBE_CHUNK_UNIT) * 262144}")
        return v


class TikTokConfig(PlatformConfig):
    """TikTok Content Posting API v2 with a Login Kit (desktop) client."""

    client_key: SecretStr | None = None
    client_secret: SecretStr | None = None
    privacy: TikTokPrivacy = "SELF_ONLY"
    mode: Literal["direct", "inbox"] = "direct"  # direct post, or a draft in the creator's TikTok inbox
    chunk_size: int = Field(default=10 * MIB, ge=5 * MIB, le=64 * MIB)  # TikTok: 5-64 MB per chunk
    redirect_port: int = Field(default=0, ge=0, le=65535)  # 0: any free port (register http://127.0.0.1:*/callback/)
    scopes: list[str] = Field(default_factory=lambda: ["user.info.basic", "video.publish", "video.upload"])
    api_base_url: str = "https://open.tiktokapis.com"
    oauth_base_url: str = "https://www.tiktok.com"
    poll_interval_s: float = Field(default=3.0, gt=0)
    poll_timeout_s: float = Field(default=900.0, gt=0)


class PublishConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    youtube: YouTubeConfig = Field(default_factory=YouTubeConfig)
    tiktok: TikTokConfig = Field(default_factory=TikTokConfig)


def publish_config(config: Any) -> PublishConfig:
    """The ``publish`` block of ``config``."""
    value = getattr(config, "publish", None)
    return value if isinstance(value, PublishConfig) else PublishConfig.model_validate(value or {})


register_section("publish", PublishConfig)

__all__ = [
    "MIB",
    "YOUTUBE_CHUNK_UNIT",
    "PlatformConfig",
    "PublishConfig",
    "TikTokConfig",
    "TikTokPrivacy",
    "YouTubeConfig",
    "YouTubePrivacy",
    "publish_config",
]
