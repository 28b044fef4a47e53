"""The one error tree. Every failure a user sees is a ``ReelforgeError``."""

from __future__ import annotations

from typing import Any


class ReelforgeError(Exception):
    """Base of every reelforge error."""

    exit_code = 1

    def __init__(self, message: str = "", **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": type(self).__name__, "message": self.message}
        data.update({k: v for k, v in self.details.items() if v is not None})
        return data


class InvalidRequest(ReelforgeError):
    """The request cannot be served. ``problems`` maps each field to what is wrong with it."""

    exit_code = 2

    def __init__(self, problems: dict[str, str] | str, message: str | None = None) -> None:
        if isinstance(problems, str):
            problems = {"request": problems}
        self.problems = dict(problems)
        text = message or "; ".join(f"{k}: {v}" for k, v in self.problems.items())
        super().__init__(text, fields=self.problems)


class ConfigError(ReelforgeError):
    exit_code = 2

    def __init__(self, message: str, key: str | None = None, line: int | None = None) -> None:
        super().__init__(message, key=key, line=line)
        self.key = key
        self.line = line


class AuthError(ReelforgeError):
    exit_code = 2


class BudgetExceeded(ReelforgeError):
    def __init__(self, message: str, limit: str | None = None, estimate_usd: float | None = None) -> None:
        super().__init__(message, limit=limit, estimate_usd=estimate_usd)
        self.limit = limit
        self.estimate_usd = estimate_usd


class RateLimited(ReelforgeError):
    def __init__(self, message: str = "rate limited", retry_after: float | None = None) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class ContentRejected(ReelforgeError):
    """The provider's safety filter refused the input (stage='input') or the output (stage='output')."""

    def __init__(self, message: str, stage: str = "output", billable: bool = False) -> None:
        super().__init__(message, stage=stage)
        self.stage = stage
        self.billable = billable


class ProviderError(ReelforgeError):
    def __init__(
        self, message: str, retryable: bool = False, status: int | None = None, submitted: bool | None = None
    ) -> None:
        super().__init__(message, retryable=retryable, status=status)
        self.retryable = retryable
        self.status = status
        # None: unknown whether the provider received the request. False: provably never arrived.
        self.submitted = submitted


class GenerationFailed(ReelforgeError):
    def __init__(self, message: str, billable: bool = False, stage: str | None = None) -> None:
        super().__init__(message, stage=stage)
        self.billable = billable
        self.stage = stage


class Timeout(ReelforgeError):
    pass


class Cancelled(ReelforgeError):
    exit_code = 130

    def __init__(self, message: str = "cancelled", stage: str | None = None) -> None:
        super().__init__(message, stage=stage)
        self.stage = stage


class BackendUnavailable(ReelforgeError):
    """A backend is unknown, not configured, missing an optional dependency, or cooling down."""

    exit_code = 2


__all__ = [
    "AuthError",
    "BackendUnavailable",
    "BudgetExceeded",
    "Cancelled",
    "ConfigError",
    "ContentRejected",
    "GenerationFailed",
    "InvalidRequest",
    "ProviderError",
    "RateLimited",
    "ReelforgeError",
    "Timeout",
]
