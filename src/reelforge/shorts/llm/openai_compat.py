"""Any OpenAI-compatible chat server: OpenAI, DeepSeek, Groq, OpenRouter, vLLM, LM Studio."""

from __future__ import annotations

import httpx

from ...errors import AuthError
from .base import Message, empty_reply, raise_for_status, transport_error

DEFAULT_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"


class OpenAICompatLLM:
    name = "openai"

    def __init__(
        self,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout_s: float = 120.0,
        temperature: float = 0.7,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.model = model or DEFAULT_MODEL
        self.base_url = (base_url or DEFAULT_URL).rstrip("/")
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.temperature = temperature
        self._transport = transport
        if not api_key and self.base_url == DEFAULT_URL:
            raise AuthError('the OpenAI API needs a key: set shorts.llm.api_key (e.g. "${OPENAI_API_KEY}")')

    async def chat(self, messages: list[Message], *, json_mode: bool = False) -> str:
        body: dict = {"model": self.model, "messages": messages, "temperature": self.temperature}
        if json_mode:
            body["response_format"] = {"type": "json_object"}
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        async with httpx.AsyncClient(timeout=self.timeout_s, transport=self._transport, headers=headers) as client:
            try:
                response = await client.post(f"{self.base_url}/chat/completions", json=body)
                if response.status_code == 400 and json_mode:  # servers without response_format support
                    body.pop("response_format")
                    response = await client.post(f"{self.base_url}/chat/completions", json=body)
            except httpx.HTTPError as exc:
                raise transport_error("the OpenAI-compatible server", self.base_url, exc) from None
        raise_for_status("the OpenAI-compatible server", response)
        try:
            choices = response.json().get("choices") or []
            content = (choices[0].get("message") or {}).get("content") or "" if choices else ""
        except (ValueError, AttributeError, IndexError):
            content = ""
        if not content.strip():
            raise empty_reply("the OpenAI-compatible server")
        return content
