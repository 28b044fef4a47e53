"""Ollama's native chat API (``POST /api/chat``, non-streaming)."""

from __future__ import annotations

import httpx

from ...errors import ProviderError
from .base import ChatServer, Message, empty_reply, raise_for_status, transport_error


class OllamaLLM(ChatServer):
    name = "ollama"
    default_url = "http://127.0.0.1:11434"
    default_model = "llama3.2"

    async def chat(self, messages: list[Message], *, json_mode: bool = False) -> str:
        body: dict = {
            "model": self.model,
            "messages": messages,
            "stream": False,
            "options": {"temperature": self.temperature},
        }
        if json_mode:
            body["format"] = "json"
        async with self.client() as client:
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


__all__ = ["OllamaLLM"]
