"""Requests snapped to each family's rules, with a warning per snapped value; unknown models refused clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reelforge.backends.diffusers import DiffusersBackend
from reelforge.backends.registry import create_backend
from reelforge.errors import ConfigError, InvalidRequest
from reelforge.types import VideoRequest

WAN = "Wan-AI/Wan2.1-T2V-1.3B-Diffusers"


def plan(model: str, **req: object):  # type: ignore[no-untyped-def]
    backend = DiffusersBackend({"device": "cpu"})
    return backend.validate(VideoRequest(prompt="a paper boat on a rainy street", model=model, **req))


def test_wan_frames_snap_to_4k_plus_1_with_a_warning() -> None:
    p = plan(WAN, num_frames=80, resolution="480p")
    assert p.num_frames == 81 and (p.width, p.height) == (832, 480) and p.fps == 16
    assert any("num_frames 80 snapped to 81" in w for w in p.warnings)


def test_wan_size_snaps_to_multiples_of_16_and_fps_to_16() -> None:
    p = plan(WAN, resolution="650x500", fps=24, num_frames=33)
    assert (p.width, p.height) == (656, 496) and p.fps == 16
    assert any("650x500 snapped to 656x496" in w for w in p.warnings)
    assert any("fps 24 snapped to 16" in w for w in p.warnings)


def test_wan_portrait_tier_uses_the_trained_size() -> None:
    p = plan(WAN, resolution="480p", aspect_ratio="9:16", num_frames=17)
    assert (p.width, p.height) == (480, 832) and p.warnings == []


def test_ltx_frames_8k_plus_1_and_sides_multiple_of_32() -> None:
    p = plan("Lightricks/LTX-Video", resolution="700x500", num_frames=100, fps=25)
    assert p.num_frames == 97 and (p.width, p.height) == (704, 512) and p.fps == 25
    assert any("num_frames 100 snapped to 97" in w for w in p.warnings)


def test_cogvideox_takes_49_frames_at_8_fps() -> None:
    p = plan("THUDM/CogVideoX-5b", duration_s=3)
    assert p.num_frames == 49 and p.fps == 8 and (p.width, p.height) == (720, 480)
    assert any("snapped to 49" in w for w in p.warnings)


def test_cogvideox_15_takes_81_frames_at_16_fps() -> None:
    p = plan("THUDM/CogVideoX1.5-5B", duration_s=5)
    assert p.num_frames == 81 and p.fps == 16


def test_mochi_is_848x480_only() -> None:
    p = plan("genmo/mochi-1-preview", resolution="1280x720", num_frames=30)
    assert (p.width, p.height) == (848, 480) and p.num_frames == 31
    assert any("snapped to 480p" in w for w in p.warnings)


def test_hunyuan_is_4k_plus_1_at_24_fps() -> None:
    p = plan("hunyuanvideo-community/HunyuanVideo", num_frames=60, fps=30)
    assert p.num_frames == 61 and p.fps == 24


def test_svd_is_image_only_and_ignores_the_negative_prompt(tmp_path: Path) -> None:
    backend = DiffusersBackend({"device": "cpu"})
    with pytest.raises(InvalidRequest) as err:
        backend.validate(VideoRequest(prompt="x", model="stabilityai/stable-video-diffusion-img2vid-xt"))
    assert "does not do text-to-video" in err.value.problems["operation"]
    from PIL import Image

    Image.new("RGB", (1024, 576), (10, 80, 160)).save(tmp_path / "in.png")
    p = backend.validate(
        VideoRequest(
            image=tmp_path / "in.png",
            negative_prompt="blur",
            num_frames=20,
            model="stabilityai/stable-video-diffusion-img2vid-xt",
        )
    )
    assert p.num_frames == 25 and (p.width, p.height) == (1024, 576)
    assert any("negative_prompt ignored" in w for w in p.warnings)
    p = backend.validate(
        VideoRequest(image=tmp_path / "in.png", prompt="slow zoom", model="stabilityai/stable-video-diffusion-img2vid")
    )
    assert p.num_frames == 14 and p.prompt is None and any("prompt ignored" in w for w in p.warnings)


def test_keyframes_only_for_ltx() -> None:
    p = plan(WAN, num_frames=17, extra={"keyframes": []})
    assert "keyframes" not in p.extra and any("only LTX-Video takes keyframes" in w for w in p.warnings)


def test_any_local_folder_is_read_from_its_model_index(tiny_models: dict[str, Path]) -> None:
    p = plan(str(tiny_models["ltx"]), resolution="100x60", num_frames=10)
    assert (p.width, p.height) == (96, 64) and p.num_frames == 9 and p.model == str(tiny_models["ltx"])


def test_missing_hub_model_says_how_to_get_it() -> None:
    with pytest.raises(InvalidRequest) as err:
        plan("someone/not-downloaded-video-model")
    message = err.value.problems["model"]
    assert "someone/not-downloaded-video-model" in message
    assert "huggingface-cli download someone/not-downloaded-video-model" in message


def test_folder_without_model_index_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest) as err:
        plan(str(tmp_path))
    assert "model_index.json" in err.value.problems["model"]


def test_an_image_pipeline_is_not_a_video_model(tmp_path: Path) -> None:
    (tmp_path / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionPipeline"}))
    with pytest.raises(InvalidRequest) as err:
        plan(str(tmp_path))
    assert "StableDiffusionPipeline" in err.value.problems["model"] and "WanPipeline" in err.value.problems["model"]


def test_config_is_checked() -> None:
    with pytest.raises(ConfigError) as err:
        create_backend("diffusers", {"device": "tpu"})
    assert "backends.diffusers.device" in err.value.message
    with pytest.raises(ConfigError):
        create_backend("diffusers", {"memory": "lots"})
    backend = create_backend("diffusers", {"memory": "group_offload", "dtype": "bfloat16"})
    assert backend.kind == "local" and backend.default_model == WAN


def test_cogvideox_takes_the_length_its_transformer_was_trained_at(tiny_models: dict[str, Path]) -> None:
    p = plan(str(tiny_models["cogvideox"]), resolution="32x32", num_frames=12)
    assert p.num_frames == 9 and p.fps == 8  # the tiny transformer's sample_frames is 9 (real CogVideoX: 49)
    assert any("snapped" in w for w in p.warnings)
