"""Keep a provider's secret out of the errors it causes (a provider may echo the key back in its error text)."""

from __future__ import annotations

from typing import Any

from ..errors import ReelforgeError


def scrub_secret(exc: ReelforgeError, secret: str | None) -> None:
    """Replace ``secret`` wherever it appears in an error's message, args and details."""
    if not secret or len(secret) < 6:
        return

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(secret, "***")
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        return value

    exc.message = clean(exc.message)
    exc.args = tuple(clean(a) for a in exc.args)
    exc.details = clean(exc.details)
    if isinstance(getattr(exc, "problems", None), dict):
        exc.problems = clean(exc.problems)  # type: ignore[attr-defined]


__all__ = ["scrub_secret"]
