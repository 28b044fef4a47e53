from __future__ import annotations

import json

import pytest

from reelforge.errors import AuthError, GenerationFailed, InvalidRequest, ProviderError
from reelforge.shorts.config import LLMConfig
from reelforge.shorts.llm import create_llm
from reelforge.shorts.llm.prompts import ScriptReply
from reelforge.shorts.metadata import from_llm
from reelforge.shorts.models import Narration
from reelforge.shorts.plan import plan_with_llm, write_script
from reelforge.shorts.script import parse_script
from tests.fakes.kit import Fault
from tests.fakes.llm_servers import OllamaFake, OpenAIChatFake

SCRIPT_JSON = json.dumps(
    {
        "title": "Volcanoes",
        "scenes": [
            {
                "text": "Volcanoes are **openings** in the crust 🌋.",
                "search_terms": ["volcano"],
                "visual_prompt": "a volcano",
            },
            {"text": "Magma rises from below.", "search_terms": ["magma", "lava"], "visual_prompt": "glowing magma"},
        ],
    }
)


async def test_ollama_writes_a_clean_script_with_target_length_in_the_prompt() -> None:
    with OllamaFake([f"```json\n{SCRIPT_JSON}\n```"]) as fake:
        llm = create_llm(LLMConfig(provider="ollama", base_url=fake.url))
        script = await write_script(llm, "volcanoes", language="de", seconds=30, words_per_minute=160)
    assert script.source == "llm" and script.title == "Volcanoes"
    assert script.scenes[0].text == "Volcanoes are openings in the crust."
    assert script.scenes[1].search_terms == ["magma", "lava"]
    body = fake.bodies[0]
    assert body["format"] == ScriptReply.model_json_schema() and body["stream"] is False and body["model"] == "llama3.2"
    prompt = body["messages"][-1]["content"]
    assert "about 80 words" in prompt and "Language: de" in prompt and "volcanoes" in prompt


async def test_custom_prompt_replaces_the_default() -> None:
    with OllamaFake([SCRIPT_JSON]) as fake:
        llm = create_llm(LLMConfig(provider="ollama", base_url=fake.url))
        await write_script(
            llm,
            "cats",
            language="en",
            seconds=20,
            words_per_minute=150,
            prompt="Funny script on {topic} in {words} words",
        )
    assert fake.bodies[0]["messages"][-1]["content"] == "Funny script on cats in 50 words"


async def test_malformed_json_is_repaired_once() -> None:
    with OpenAIChatFake(["Sure! here it is: {not json", SCRIPT_JSON]) as fake:
        llm = create_llm(LLMConfig(provider="openai", base_url=fake.url + "/v1", api_key="sk-test-123"))
        script = await write_script(llm, "volcanoes", language="en", seconds=30, words_per_minute=160)
    assert len(script.scenes) == 2 and len(fake.bodies) == 2
    assert fake.bodies[0]["response_format"]["type"] == "json_schema"
    assert "not valid" in fake.bodies[1]["messages"][-1]["content"]


async def test_malformed_json_twice_fails_clearly() -> None:
    with OpenAIChatFake(['{"title": "x"}']) as fake:
        llm = create_llm(LLMConfig(provider="openai", base_url=fake.url + "/v1", api_key="sk-test-123"))
        with pytest.raises(GenerationFailed, match="malformed JSON twice"):
            await write_script(llm, "volcanoes", language="en", seconds=30, words_per_minute=160)
    assert len(fake.bodies) == 2


async def test_empty_reply_wrong_key_missing_model_and_no_server() -> None:
    with OllamaFake(["   "]) as fake:
        llm = create_llm(LLMConfig(provider="ollama", base_url=fake.url))
        with pytest.raises(GenerationFailed, match="empty reply"):
            await write_script(llm, "x", language="en", seconds=30, words_per_minute=160)
        llm = create_llm(LLMConfig(provider="ollama", base_url=fake.url, model="nope"))
        with pytest.raises(ProviderError, match="ollama pull nope"):
            await write_script(llm, "x", language="en", seconds=30, words_per_minute=160)
    with OpenAIChatFake([SCRIPT_JSON]) as fake:
        llm = create_llm(LLMConfig(provider="openai", base_url=fake.url + "/v1", api_key="wrong"))
        with pytest.raises(AuthError, match="api_key"):
            await write_script(llm, "x", language="en", seconds=30, words_per_minute=160)
    llm = create_llm(LLMConfig(provider="ollama", base_url="http://127.0.0.1:9"))
    with pytest.raises(ProviderError, match="cannot reach"):
        await write_script(llm, "x", language="en", seconds=30, words_per_minute=160)


async def test_server_error_is_reported() -> None:
    with OpenAIChatFake([Fault(503)]) as fake:
        llm = create_llm(LLMConfig(provider="openai", base_url=fake.url + "/v1", api_key="sk-test-123"))
        with pytest.raises(ProviderError) as err:
            await write_script(llm, "x", language="en", seconds=30, words_per_minute=160)
    assert err.value.retryable and err.value.status == 503


async def test_no_llm_means_topic_fails_fast_with_the_fix() -> None:
    assert create_llm(LLMConfig()) is None
    with pytest.raises(InvalidRequest, match="--script"):
        await write_script(None, "volcanoes", language="en", seconds=30, words_per_minute=160)
    with pytest.raises(AuthError, match="api_key"):
        create_llm(LLMConfig(provider="openai"))


async def test_scene_plan_must_match_the_scene_count() -> None:
    script = parse_script("One scene here.\n\nTwo scenes here.")
    wrong = json.dumps({"scenes": [{"search_terms": ["a"], "visual_prompt": "p"}]})
    right = json.dumps(
        {
            "scenes": [
                {"search_terms": ["boat"], "visual_prompt": "a boat"},
                {"search_terms": ["sea"], "visual_prompt": "the sea"},
            ]
        }
    )
    with OllamaFake([wrong, right]) as fake:
        planned = await plan_with_llm(create_llm(LLMConfig(provider="ollama", base_url=fake.url)), script)
    assert [s.search_terms for s in planned.scenes] == [["boat"], ["sea"]]
    assert "expected 2 scenes" in fake.bodies[1]["messages"][-1]["content"]


async def test_metadata_from_llm() -> None:
    script = parse_script("One scene here.\n\nTwo scenes here.")
    narration = Narration(
        path="n.wav", duration_s=4, engine="x", scene_spans=[(0, 1.5), (2, 3.5)], words=[], timing_source="even"
    )
    reply = json.dumps({"title": "Boats!", "description": "All about boats.", "tags": ["#boats", "sea"]})
    with OllamaFake([reply]) as fake:
        m = await from_llm(create_llm(LLMConfig(provider="ollama", base_url=fake.url)), script, narration)
    assert m.title == "Boats!" and m.tags == ["boats", "sea"] and m.source == "llm"
    assert m.chapters[0][0] == 0.0 and m.chapters[1][0] == 2.0
