"""The LLM contract: one verb, ``chat(messages) -> text``, plus strict-JSON helpers shared by providers."""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar, Protocol

import httpx

from ... import http_errors
from ...errors import GenerationFailed, ProviderError

Message = dict[str, str]


class LLM(Protocol):
    """``chat`` returns the assistant's text. Providers whose ``structured_output`` is True also take
    ``schema=`` (a JSON schema the reply must follow) and pass it to the server's structured output."""

    name: str
    model: str

    async def chat(self, messages: list[Message], *, json_mode: bool = False) -> str: ...


class ChatServer:
    """The settings every HTTP chat server shares; a subclass sets the defaults and writes ``chat``."""

    name: ClassVar[str] = ""
    structured_output: ClassVar[bool] = True  # ``chat`` takes ``schema=``
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
    """Translate an HTTP failure into the error tree (the shared mapping) with the studio's hints."""
    if response.status_code == 404:
        raise ProviderError(
            f"{provider}: not found ({response.text[:300]}); check shorts.llm.model and base_url",
            status=404,
            submitted=True,
        )
    http_errors.raise_for_status(response, who=provider, auth_hint="check shorts.llm.api_key", refused=frozenset())


def transport_error(provider: str, base_url: str, exc: httpx.HTTPError) -> ProviderError:
    """A transport failure through the shared mapping, naming the server to check."""
    if isinstance(exc, httpx.TransportError):
        return http_errors.transport_error(exc, f"{provider} at {base_url}")
    return ProviderError(f"{provider} at {base_url} failed: {type(exc).__name__}", retryable=True, submitted=None)


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


def schema_name(schema: dict[str, Any]) -> str:
    """A name for a schema that OpenAI-compatible servers accept (letters, digits, ``_`` and ``-``)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", str(schema.get("title") or "reply"))[:64]


def empty_reply(provider: str) -> GenerationFailed:
    return GenerationFailed(f"{provider} returned an empty reply; try another model or pass --script", stage="script")


__all__ = [
    "LLM",
    "ChatServer",
    "Message",
    "empty_reply",
    "extract_json",
    "raise_for_status",
    "schema_name",
    "transport_error",
]
