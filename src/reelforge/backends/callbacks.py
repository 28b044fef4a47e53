"""Completion callbacks: how a hosted run learns early that its provider job has finished.

A provider that offers a completion callback (a webhook) is asked to call a URL when the job ends; the run
then waits on a ``CallbackChannel`` instead of polling every few seconds, and polls once whenever a callback
arrives (and, slowly, in case none ever does). A callback is only a hint to poll now: the result always comes
from the provider's own poll, so a forged or lost callback costs one extra poll or a slower finish, never a
wrong result.

The channel is made by the engine (one per attempt); this module only names what a backend sees of it, and
verifies the signature Replicate documents (Standard Webhooks: HMAC-SHA256 over ``id.timestamp.body``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from ..types import CancelToken
from .base import ProviderJob

SIGNATURE_TOLERANCE_S = 300.0  # a signed callback older or newer than this is refused (replays)


@runtime_checkable
class CallbackChannel(Protocol):
    """One attempt's callback address and the way to wait for a callback on it."""

    def url_for(self, backend: str) -> str:
        """The URL to give ``backend``'s submit (unguessable: it carries the attempt's token)."""
        ...

    async def wait(self, job: ProviderJob, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds; True as soon as a callback for this attempt arrived (consumed)."""
        ...


async def wait_or_cancel(
    channel: CallbackChannel, job: ProviderJob | None, timeout: float, cancel: CancelToken
) -> bool:
    """Wait for ``job``'s callback, ``timeout`` seconds or a cancel, whichever comes first; True when cancelled."""
    if job is None:
        return await cancel.wait(timeout)
    callback = asyncio.ensure_future(channel.wait(job, timeout))
    stop = asyncio.ensure_future(cancel.wait(timeout))
    try:
        done, _ = await asyncio.wait((callback, stop), return_when=asyncio.FIRST_COMPLETED)
        if callback in done and not callback.cancelled() and callback.exception() is not None and stop not in done:
            await stop  # the channel failed (a database hiccup): wait out the slow interval instead
    finally:
        for task in (callback, stop):
            task.cancel()
        await asyncio.gather(callback, stop, return_exceptions=True)
    return cancel.cancelled


def standard_webhook_signature(secret: str, webhook_id: str, timestamp: str, body: bytes) -> str:
    """The ``v1,<base64>`` signature of a Standard Webhooks delivery (``secret``: ``whsec_...``)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = webhook_id.encode() + b"." + timestamp.encode() + b"." + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_standard_webhook(secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None) -> bool:
    """True when ``webhook-signature`` holds a valid signature of this delivery, made within the tolerance."""
    webhook_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (webhook_id and timestamp and signatures):
        return False
    try:
        sent = float(timestamp)
        expected = standard_webhook_signature(secret, webhook_id, timestamp, body)
    except ValueError:  # a bad timestamp, or a secret that is not base64
        return False
    if abs((time.time() if now is None else now) - sent) > SIGNATURE_TOLERANCE_S:
        return False
    return any(hmac.compare_digest(expected, sig) for sig in signatures.split() if sig.startswith("v1,"))


__all__ = [
    "SIGNATURE_TOLERANCE_S",
    "CallbackChannel",
    "standard_webhook_signature",
    "verify_standard_webhook",
    "wait_or_cancel",
]
