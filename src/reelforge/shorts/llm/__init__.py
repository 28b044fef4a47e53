"""LLM providers for scripts, scene plans and metadata: Ollama and any OpenAI-compatible server."""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ...errors import ConfigError, GenerationFailed
from ..config import LLMConfig
from .base import LLM, Message, extract_json
from .ollama import OllamaLLM
from .openai_compat import OpenAICompatLLM

T = TypeVar("T", bound=BaseModel)


def create_llm(config: LLMConfig) -> LLM | None:
    """The configured provider, or None when ``provider: none``."""
    if config.provider == "none":
        return None
    key = config.api_key.get_secret_value() if config.api_key else None
    if config.provider == "ollama":
        return OllamaLLM(config.model, config.base_url, timeout_s=config.timeout_s, temperature=config.temperature)
    if config.provider == "openai":
        return OpenAICompatLLM(
            config.model, config.base_url, key, timeout_s=config.timeout_s, temperature=config.temperature
        )
    raise ConfigError(f"unknown LLM provider {config.provider!r}", key="shorts.llm.provider")


async def ask_json(llm: LLM, messages: list[Message], shape: type[T], *, stage: str, check: object = None) -> T:
    """Ask for JSON, validate it against ``shape``; on a bad reply ask once to repair it, then fail.

    Providers with structured output get ``shape``'s JSON schema (``response_format``/``format``), so most
    servers reply in shape the first time; the repair request stays as the fallback for those that do not.
    """
    from .prompts import REPAIR

    history = list(messages)
    error = ""
    for attempt in range(2):
        if getattr(llm, "structured_output", False):
            reply = await llm.chat(history, json_mode=True, schema=shape.model_json_schema())  # type: ignore[call-arg]
        else:
            reply = await llm.chat(history, json_mode=True)
        try:
            value = shape.model_validate(extract_json(reply))
            if callable(check):
                problem = check(value)
                if problem:
                    raise ValueError(problem)
            return value
        except (json.JSONDecodeError, ValidationError, ValueError) as exc:
            error = str(exc).splitlines()[0][:300] if str(exc) else exc.__class__.__name__
            if attempt == 0:
                history += [
                    {"role": "assistant", "content": reply[:4000]},
                    {"role": "user", "content": REPAIR.format(error=error)},
                ]
    raise GenerationFailed(
        f"{llm.name} ({llm.model}) returned malformed JSON twice for the {stage}: {error}", stage=stage
    )


__all__ = ["LLM", "Message", "OllamaLLM", "OpenAICompatLLM", "ask_json", "create_llm"]
