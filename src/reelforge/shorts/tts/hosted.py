"""What the hosted TTS engines share: settings, the key check and one POST per sentence."""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from ...errors import AuthError
from ..llm.base import raise_for_status, transport_error
from .base import TTSEngine


class HostedTTSEngine(TTSEngine):
    """Subclasses set the defaults below and implement ``synthesize`` with ``self.post``."""

    who: ClassVar[str] = ""  # provider name in messages
    default_voice: ClassVar[str] = ""
    default_model: ClassVar[str] = ""
    default_base_url: ClassVar[str] = ""
    base_words_per_minute: ClassVar[float] = 160.0
    key_hint: ClassVar[str] = ""  # e.g. '"${OPENAI_API_KEY}"'

    def __init__(
        self,
        voice: str | None = None,
        speed: float = 1.0,
        api_key: str | None = None,
        base_url: str | None = None,
        model: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.voice = voice or self.default_voice
        self.speed = speed
        self.model = model or self.default_model
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.api_key = api_key
        self.words_per_minute = self.base_words_per_minute * speed
        self._transport = transport
        if not api_key:
            raise AuthError(f"the {self.name} TTS engine needs a key: set shorts.tts.api_key (e.g. {self.key_hint})")

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    async def post(self, url: str, body: dict[str, Any]) -> httpx.Response:
        """POST ``body`` with this engine's auth; transport failures and error statuses raise from the tree."""
        async with httpx.AsyncClient(timeout=120, transport=self._transport, headers=self.auth_headers()) as client:
            try:
                response = await client.post(url, json=body)
            except httpx.HTTPError as exc:
                raise transport_error(self.who, self.base_url, exc) from None
        if response.status_code == 401:
            raise AuthError(f"{self.who} refused the API key (401): check shorts.tts.api_key")
        raise_for_status(self.who, response)
        return response


__all__ = ["HostedTTSEngine"]
