"""Ollama's native chat API (``POST /api/chat``, non-streaming)."""

from __future__ import annotations

import httpx

from ...errors import ProviderError
from .base import Message, empty_reply, raise_for_status, transport_error

DEFAULT_URL = "http://127.0.0.1:11434"
DEFAULT_MODEL = "llama3.2"


class OllamaLLM:
    name = "ollama"

    def __init__(
        self,
        model: str | None = None,
        base_url: str | None = None,
        *,
        timeout_s: float = 120.0,
        temperature: float = 0.7,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.model = model or DEFAULT_MODEL
        self.base_url = (base_url or DEFAULT_URL).rstrip("/")
        self.timeout_s = timeout_s
        self.temperature = temperature
        self._transport = transport

    async def chat(self, messages: list[Message], *, json_mode: bool = False) -> str:
        body: dict = {
            "model": self.model,
            "messages": messages,
            "stream": False,
            "options": {"temperature": self.temperature},
        }
        if json_mode:
            body["format"] = "json"
        async with httpx.AsyncClient(timeout=self.timeout_s, transport=self._transport) as client:
            try:
                response = await client.post(f"{self.base_url}/api/chat", json=body)
            except httpx.HTTPError as exc:
                raise transport_error("Ollama", self.base_url, exc) from None
        if response.status_code == 404:
            detail = response.text[:200]
            raise ProviderError(
                f"Ollama: {detail}; pull it with `ollama pull {self.model}` or set shorts.llm.model",
                status=404,
                submitted=True,
            )
        raise_for_status("Ollama", response)
        try:
            content = response.json().get("message", {}).get("content", "")
        except ValueError:
            content = ""
        if not content or not content.strip():
            raise empty_reply("Ollama")
        return content
