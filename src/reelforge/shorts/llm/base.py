"""The LLM contract: one verb, ``chat(messages) -> text``, plus strict-JSON helpers shared by providers."""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar, Protocol

import httpx

from ...errors import AuthError, GenerationFailed, ProviderError, RateLimited

Message = dict[str, str]


class LLM(Protocol):
    name: str
    model: str

    async def chat(self, messages: list[Message], *, json_mode: bool = False) -> str: ...


class ChatServer:
    """The settings every HTTP chat server shares; a subclass sets the defaults and writes ``chat``."""

    name: ClassVar[str] = ""
    default_url: ClassVar[str] = ""
    default_model: ClassVar[str] = ""

    def __init__(
        self,
        model: str | None = None,
        base_url: str | None = None,
        *,
        timeout_s: float = 120.0,
        temperature: float = 0.7,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.model = model or self.default_model
        self.base_url = (base_url or self.default_url).rstrip("/")
        self.timeout_s = timeout_s
        self.temperature = temperature
        self._transport = transport

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self.timeout_s, transport=self._transport, **kwargs)


def raise_for_status(provider: str, response: httpx.Response) -> None:
    """Translate an HTTP failure into the error tree with a message that says how to fix it."""
    if response.status_code < 400:
        return
    body = response.text[:300]
    if response.status_code in (401, 403):
        raise AuthError(f"{provider} refused the API key ({response.status_code}): check shorts.llm.api_key")
    if response.status_code == 404:
        raise ProviderError(
            f"{provider}: not found ({body}); check shorts.llm.model and base_url", status=404, submitted=True
        )
    if response.status_code == 429:
        retry = response.headers.get("retry-after")
        raise RateLimited(
            f"{provider} rate limited the request",
            retry_after=float(retry) if retry and retry.replace(".", "", 1).isdigit() else None,
        )
    raise ProviderError(
        f"{provider} returned HTTP {response.status_code}: {body}",
        retryable=response.status_code >= 500,
        status=response.status_code,
        submitted=True,
    )


def transport_error(provider: str, base_url: str, exc: httpx.HTTPError) -> ProviderError:
    return ProviderError(
        f"cannot reach {provider} at {base_url}: {exc.__class__.__name__} {exc}; is it running?",
        retryable=True,
        submitted=False,
    )


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.M)


def extract_json(text: str) -> Any:
    """The JSON value in an LLM reply (tolerates code fences and prose around one object)."""
    text = _FENCE.sub("", text.strip()).strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
    end = max(text.rfind("}"), text.rfind("]"))
    if start >= 0 and end > start:
        return json.loads(text[start : end + 1])
    raise json.JSONDecodeError("no JSON object in the reply", text, 0)


def empty_reply(provider: str) -> GenerationFailed:
    return GenerationFailed(f"{provider} returned an empty reply; try another model or pass --script", stage="script")
