"""Structured output: the reply's JSON schema goes to the server (OpenAI ``response_format``, Ollama ``format``);
servers that refuse it are asked again without, and the repair retry stays the last fallback."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reelforge.shorts.config import LLMConfig
from reelforge.shorts.llm import create_llm
from reelforge.shorts.llm.prompts import ScriptReply
from reelforge.shorts.plan import write_script
from tests.fakes.llm_servers import OllamaFake, OpenAIChatFake

SCRIPT_JSON = json.dumps(
    {
        "title": "Tides",
        "scenes": [
            {"text": "The moon pulls the sea.", "search_terms": ["moon"], "visual_prompt": "moon over sea"},
            {"text": "Twice a day the water rises.", "search_terms": ["tide"], "visual_prompt": "rising tide"},
        ],
    }
)


class _NoSchemaOpenAI(OpenAIChatFake):
    """A server that knows ``json_object`` but refuses ``json_schema`` with 400, as older ones do."""

    async def chat(self, request: Request) -> Response:
        body = json.loads(await request.body())
        if (body.get("response_format") or {}).get("type") == "json_schema":
            self.bodies.append(body)
            return JSONResponse({"error": {"message": "response_format json_schema unsupported"}}, status_code=400)
        return await super().chat(request)


class _OldOllama(OllamaFake):
    async def chat(self, request: Request) -> Response:
        body = json.loads(await request.body())
        if isinstance(body.get("format"), dict):
            self.bodies.append(body)
            return JSONResponse({"error": "invalid format"}, status_code=400)
        return await super().chat(request)


def _llm(provider: str, url: str):  # type: ignore[no-untyped-def]
    key = "sk-test-123" if provider == "openai" else None
    return create_llm(LLMConfig(provider=provider, base_url=url, api_key=key))


async def test_openai_compatible_servers_get_the_reply_schema() -> None:
    with OpenAIChatFake([SCRIPT_JSON]) as fake:
        script = await write_script(
            _llm("openai", fake.url + "/v1"), "tides", language="en", seconds=20, words_per_minute=160
        )
    assert script.title == "Tides" and len(fake.bodies) == 1
    fmt = fake.bodies[0]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "ScriptReply"
    assert fmt["json_schema"]["schema"] == ScriptReply.model_json_schema()


async def test_ollama_gets_the_schema_as_format() -> None:
    with OllamaFake([SCRIPT_JSON]) as fake:
        await write_script(_llm("ollama", fake.url), "tides", language="en", seconds=20, words_per_minute=160)
    assert fake.bodies[0]["format"] == ScriptReply.model_json_schema()


async def test_a_server_refusing_the_schema_is_asked_with_plain_json() -> None:
    with _NoSchemaOpenAI([SCRIPT_JSON]) as fake:
        script = await write_script(
            _llm("openai", fake.url + "/v1"), "tides", language="en", seconds=20, words_per_minute=160
        )
    assert script.title == "Tides"
    assert [b["response_format"]["type"] for b in fake.bodies] == ["json_schema", "json_object"]
    with _OldOllama([SCRIPT_JSON]) as old:
        script = await write_script(_llm("ollama", old.url), "tides", language="en", seconds=20, words_per_minute=160)
    assert script.title == "Tides" and [type(b["format"]).__name__ for b in old.bodies] == ["dict", "str"]


async def test_the_repair_retry_still_follows_a_reply_out_of_shape() -> None:
    with OpenAIChatFake(['{"title": "Tides"}', SCRIPT_JSON]) as fake:
        script = await write_script(
            _llm("openai", fake.url + "/v1"), "tides", language="en", seconds=20, words_per_minute=160
        )
    assert script.title == "Tides" and len(fake.bodies) == 2
    assert "response_format" in fake.bodies[1] and fake.bodies[1]["messages"][-1]["role"] == "user"
