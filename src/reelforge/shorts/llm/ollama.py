"""Ollama's native chat API (``POST /api/chat``, non-streaming)."""

from __future__ import annotations

import httpx

from ...errors import ProviderError
from .base import ChatServer, Message, empty_reply, raise_for_status, transport_error


class OllamaLLM(ChatServer):
    name = "ollama"
    default_url = "http://127.0.0.1:11434"
    default_model = "llama3.2"

    async def chat(self, messages: list[Message], *, json_mode: bool = False, schema: dict | None = None) -> str:
        """One reply; with ``schema``, Ollama's structured output (``format``: the schema, Ollama 0.5 and later),
        falling back to ``format: "json"`` where the server refuses a schema."""
        body: dict = {
            "model": self.model,
            "messages": messages,
            "stream": False,
            "options": {"temperature": self.temperature},
        }
        if json_mode or schema:
            body["format"] = schema or "json"
        async with self.client() as client:
            try:
                response = await client.post(f"{self.base_url}/api/chat", json=body)
                if response.status_code == 400 and schema:  # servers before Ollama 0.5 take a format string only
                    body["format"] = "json"
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
