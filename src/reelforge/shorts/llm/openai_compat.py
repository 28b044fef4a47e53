"""Any OpenAI-compatible chat server: OpenAI, DeepSeek, Groq, OpenRouter, vLLM, LM Studio."""

from __future__ import annotations

from typing import Any

import httpx

from ...errors import AuthError
from .base import ChatServer, Message, empty_reply, raise_for_status, schema_name, transport_error


class OpenAICompatLLM(ChatServer):
    name = "openai"
    default_url = "https://api.openai.com/v1"
    default_model = "gpt-4o-mini"

    def __init__(
        self, model: str | None = None, base_url: str | None = None, api_key: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(model, base_url, **kwargs)
        self.api_key = api_key
        if not api_key and self.base_url == self.default_url:
            raise AuthError('the OpenAI API needs a key: set shorts.llm.api_key (e.g. "${OPENAI_API_KEY}")')

    async def chat(self, messages: list[Message], *, json_mode: bool = False, schema: dict | None = None) -> str:
        """One reply; with ``schema``, structured output (``response_format`` of type ``json_schema``).

        A server that refuses it (400) is asked again with ``json_object``, then with no ``response_format``.
        """
        body: dict = {"model": self.model, "messages": messages, "temperature": self.temperature}
        formats: list[dict] = []
        if schema:
            formats.append({"type": "json_schema", "json_schema": {"name": schema_name(schema), "schema": schema}})
        if json_mode or schema:
            formats.append({"type": "json_object"})
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        async with self.client(headers=headers) as client:
            try:
                response = await self._post(client, body, formats)
            except httpx.HTTPError as exc:
                raise transport_error("the OpenAI-compatible server", self.base_url, exc) from None
        raise_for_status("the OpenAI-compatible server", response)
        return self._content(response)

    async def _post(self, client: httpx.AsyncClient, body: dict, formats: list[dict]) -> httpx.Response:
        """Post with the first response format; on a 400, the next, then none (servers without support)."""
        for fmt in [*formats, None]:
            if fmt is None:
                body.pop("response_format", None)
            else:
                body["response_format"] = fmt
            response = await client.post(f"{self.base_url}/chat/completions", json=body)
            if response.status_code != 400 or fmt is None:
                return response
        return response  # pragma: no cover - the loop always returns

    @staticmethod
    def _content(response: httpx.Response) -> str:
        try:
            choices = response.json().get("choices") or []
            content = (choices[0].get("message") or {}).get("content") or "" if choices else ""
        except (ValueError, AttributeError, IndexError):
            content = ""
        if not content.strip():
            raise empty_reply("the OpenAI-compatible server")
        return content


__all__ = ["OpenAICompatLLM"]
