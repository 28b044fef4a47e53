"""The staged pipeline: checkpoints and resume, cancellation, fallbacks, bad input (renderer stood in)."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest

from reelforge.errors import Cancelled, GenerationFailed, InvalidRequest
from reelforge.shorts.config import ShortsConfig
from reelforge.shorts.pipeline import run_short
from reelforge.shorts.request import ShortRequest
from reelforge.types import CancelToken, Cost, VideoRequest, VideoResult
from tests.fakes.llm_servers import OllamaFake
from tests.shorts.conftest import RecordingRender

TEXT = "Volcanoes are openings in the crust. Magma rises from below.\n\nLava flows downhill. Ash rises high."
PLAN = json.dumps(
    {
        "scenes": [
            {"search_terms": ["volcano"], "visual_prompt": "a volcano at dusk"},
            {"search_terms": ["lava"], "visual_prompt": "lava flowing"},
        ]
    }
)
META = json.dumps({"title": "Volcanoes in 20 seconds", "description": "Quick facts.", "tags": ["volcano"]})


def fast_config(**visuals: object) -> ShortsConfig:
    cfg = ShortsConfig()
    cfg.tts.engine = "espeak"
    cfg.visuals.source = visuals.pop("source", "library")  # type: ignore[assignment]
    cfg.visuals.library = Path("/nonexistent")
    return cfg


async def test_stages_resume_after_a_failed_render_without_paying_twice(tmp_path: Path, tiny_mp4: Path) -> None:
    calls: list[VideoRequest] = []

    async def generate(request: VideoRequest) -> VideoResult:
        calls.append(request)
        return VideoResult(
            path=tiny_mp4,
            width=64,
            height=64,
            fps=8,
            num_frames=8,
            duration_s=1,
            backend="procedural",
            cost=Cost(estimated_usd=0.25, actual_usd=0.25, billable=True),
        )

    with OllamaFake([PLAN, META]) as llm:
        cfg = fast_config(source="generate")
        cfg.llm.provider, cfg.llm.base_url = "ollama", llm.url
        request = ShortRequest(script_text=TEXT, output=tmp_path / "out.mp4")
        with pytest.raises(GenerationFailed):
            await run_short(
                request,
                cfg,
                data_dir=tmp_path,
                generate=generate,
                render=RecordingRender(GenerationFailed("encoder exploded", stage="render")),
            )
        assert len(calls) == 2 and len(llm.bodies) == 2 and not (tmp_path / "out.mp4").exists()
        render = RecordingRender()
        result = await run_short(request, cfg, data_dir=tmp_path, generate=generate, render=render)
    assert len(calls) == 2 and len(llm.bodies) == 2  # nothing generated or asked twice
    assert result.resumed == ["script", "plan", "narration", "visuals", "metadata"]
    assert result.metadata.title == "Volcanoes in 20 seconds" and result.metadata.source == "llm"
    assert result.cost_usd == pytest.approx(0.5)
    assert [s.source for s in result.scenes] == ["generate", "generate"]
    assert calls[0].prompt == "a volcano at dusk"
    timeline = render.timelines[0]
    assert timeline.captions.mode == "karaoke" and len(timeline.captions.words) == len(TEXT.split())
    assert timeline.duration_s == pytest.approx(result.narration_s + 0.5, abs=0.01)
    assert timeline.scenes[1].transition is not None and timeline.music is not None


async def test_cancel_names_the_stage_leaves_no_output_and_resumes(tmp_path: Path) -> None:
    cancel = CancelToken()

    def progress(fraction: float, message: str) -> None:
        if message.startswith("narration: sentence 2"):
            cancel.cancel()

    request = ShortRequest(script_text=TEXT, output=tmp_path / "out.mp4")
    with pytest.raises(Cancelled) as err:
        await run_short(
            request, fast_config(), data_dir=tmp_path, render=RecordingRender(), on_progress=progress, cancel=cancel
        )
    assert err.value.stage == "narration" and "narration stage" in err.value.message
    assert not (tmp_path / "out.mp4").exists()
    seen: list[tuple[float, str]] = []
    result = await run_short(
        request,
        fast_config(),
        data_dir=tmp_path,
        render=RecordingRender(),
        on_progress=lambda f, m: seen.append((f, m)),
    )
    assert result.resumed == ["script", "plan"]
    assert [f for f, _ in seen] == sorted(f for f, _ in seen) and seen[-1][0] == pytest.approx(1.0)
    assert all(s.source == "fallback" for s in result.scenes)  # empty library: styled scenes, recorded
    assert any("scene 1: fallback" in w for w in result.warnings)


async def test_changing_only_the_caption_style_reuses_every_paid_stage(tmp_path: Path) -> None:
    request = ShortRequest(script_text=TEXT, output=tmp_path / "a.mp4")
    await run_short(request, fast_config(), data_dir=tmp_path, render=RecordingRender())
    restyled = request.model_copy(update={"caption_style": "boxed", "captions": "word"})
    result = await run_short(restyled, fast_config(), data_dir=tmp_path, render=RecordingRender())
    assert {"script", "plan", "narration", "visuals"} <= set(result.resumed)
    revoiced = request.model_copy(update={"speed": 1.3})
    result = await run_short(revoiced, fast_config(), data_dir=tmp_path, render=RecordingRender())
    assert result.resumed == ["script", "plan"]


async def test_bad_requests_fail_fast(tmp_path: Path) -> None:
    render = RecordingRender()
    with pytest.raises(InvalidRequest, match="--script"):
        await run_short(ShortRequest(topic="volcanoes"), fast_config(), data_dir=tmp_path, render=render)
    with pytest.raises(InvalidRequest, match="only one"):
        await run_short(ShortRequest(topic="x", script_text="y"), fast_config(), data_dir=tmp_path, render=render)
    with pytest.raises(InvalidRequest, match="topic"):
        await run_short(ShortRequest(), fast_config(), data_dir=tmp_path, render=render)
    with pytest.raises(InvalidRequest, match="empty"):
        await run_short(ShortRequest(script_text="🔥 **"), fast_config(), data_dir=tmp_path, render=render)
    with pytest.raises(InvalidRequest, match="publish"):
        await run_short(
            ShortRequest(script_text="Hi.", upload="youtube"), fast_config(), data_dir=tmp_path, render=render
        )
    with pytest.raises(InvalidRequest, match="calm"):
        await run_short(ShortRequest(script_text="Hi.", music="polka"), fast_config(), data_dir=tmp_path, render=render)
    assert render.timelines == []


def write_wav(path: Path, samples: np.ndarray, rate: int = 16000) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((samples * 32767).astype("<i2").tobytes())
    return path


async def test_voiceover_silent_corrupt_and_real(tmp_path: Path) -> None:
    silent = write_wav(tmp_path / "silent.wav", np.zeros(16000, np.float32))
    corrupt = tmp_path / "corrupt.mp3"
    corrupt.write_bytes(b"ID3" + b"\x00garbage" * 50)
    for bad, match in ((silent, "silent"), (corrupt, "corrupt.mp3")):
        with pytest.raises(InvalidRequest, match=match):
            await run_short(
                ShortRequest(script_text=TEXT, voiceover=bad),
                fast_config(),
                data_dir=tmp_path,
                render=RecordingRender(),
            )
    from reelforge.shorts.tts.espeak import EspeakEngine

    seg = await EspeakEngine().synthesize("Lava flows downhill. Ash rises high.", [])
    voice = write_wav(tmp_path / "me.wav", seg.samples, seg.sample_rate)
    result = await run_short(
        ShortRequest(script_text="Lava flows downhill. Ash rises high.", voiceover=voice, music="none"),
        fast_config(),
        data_dir=tmp_path,
        render=RecordingRender(),
    )
    assert result.tts == "voiceover" and result.timing_source == "whisper" and result.music is None
    assert abs(result.narration_s - seg.duration_s) < 0.05


async def test_a_scene_duration_longer_than_its_speech_is_held(tmp_path: Path) -> None:
    text = '{"scenes": [{"text": "Short line.", "duration": 4}, {"text": "Next line."}]}'
    render = RecordingRender()
    result = await run_short(ShortRequest(script_text=text), fast_config(), data_dir=tmp_path, render=render)
    assert 3.6 <= result.scenes[1].start_s <= 4.0
    assert render.timelines[0].scenes[0].duration_s >= 3.6
