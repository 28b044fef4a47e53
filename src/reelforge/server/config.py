"""The ``server:`` config block: bind address, API tokens, upload and fetch limits, webhooks, the SSRF allow list.

Registered with ``reelforge.config`` when the package is imported; it imports no web framework, so a config
file with a ``server:`` block loads where the ``server`` extra is not installed.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from ..config import register_section


class ServerConfig(BaseModel):
    """Settings of ``reelforge serve``."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    api_tokens: list[SecretStr] = Field(default_factory=list)  # with any set, every /v1 call needs one
    max_upload_mb: float = Field(default=100, gt=0)  # uploads and inputs fetched by URL
    public_url: str | None = None  # how clients reach this server (links in webhooks)
    webhook_secret: SecretStr | None = None  # signs webhook bodies (HMAC-SHA256)
    allowed_hosts: list[str] = Field(default_factory=list)  # names or addresses exempt from the SSRF refusal
    fetch_timeout_s: float = Field(default=30.0, gt=0, le=3600)  # whole download of one input URL
    max_redirects: int = Field(default=5, ge=0, le=20)
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=300)
    webhook_max_attempts: int = Field(default=8, ge=1, le=50)
    webhook_backoff_s: float = Field(default=2.0, gt=0, le=3600)  # first retry delay; tripled each time
    webhook_poll_s: float = Field(default=1.0, gt=0, le=60)  # how often finished jobs are looked for
    sse_ping_s: float = Field(default=15.0, gt=0, le=300)  # heartbeat comments keep proxies from closing streams
    events_poll_s: float = Field(default=0.25, gt=0, le=30)  # how often progress is read from the database

    @field_validator("api_tokens", mode="before")
    @classmethod
    def _drop_empty(cls, v: Any) -> Any:
        return [t for t in v if t] if isinstance(v, list) else v

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _empty_secret(cls, v: Any) -> Any:
        return v or None

    def token_values(self) -> list[bytes]:
        return [t.get_secret_value().encode() for t in self.api_tokens if t.get_secret_value()]


def server_config(config: Any) -> ServerConfig:
    """The ``server`` block of ``config``."""
    value = getattr(config, "server", None)
    return value if isinstance(value, ServerConfig) else ServerConfig.model_validate(value or {})


register_section("server", ServerConfig)

__all__ = ["ServerConfig", "server_config"]
