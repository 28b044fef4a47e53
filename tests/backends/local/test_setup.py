"""Availability (extra installed? which device?), lazy imports, missing models, memory-mode choices, encoding."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from reelforge.backends.base import RunContext
from reelforge.backends.diffusers import DiffusersBackend
from reelforge.backends.local.encode import encode_frames
from reelforge.backends.local.loader import GiB, pick_memory
from reelforge.errors import BackendUnavailable
from reelforge.media import probe
from reelforge.types import VideoRequest

WAN = "Wan-AI/Wan2.1-T2V-1.3B-Diffusers"


def test_configured_names_the_device() -> None:
    assert DiffusersBackend({"device": "cpu"}).configured() == (True, "runs on cpu")


@pytest.fixture
def no_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine as torch would see it without a GPU (these tests run on CUDA machines too)."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    if getattr(torch.backends, "mps", None) is not None:
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


@pytest.mark.usefixtures("no_gpu")
def test_auto_without_a_gpu_asks_to_insist_on_the_cpu() -> None:
    ok, why = DiffusersBackend({"device": "auto"}).configured()
    assert not ok and why is not None and "device: cpu" in why


@pytest.mark.usefixtures("no_gpu")
def test_cuda_asked_but_absent() -> None:
    ok, why = DiffusersBackend({"device": "cuda"}).configured()
    assert not ok and why is not None and "no CUDA device" in why


def test_auto_with_a_gpu_names_it() -> None:
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device on this machine")
    ok, why = DiffusersBackend({"device": "auto"}).configured()
    assert ok and why is not None and why.startswith("runs on cuda (")


def test_missing_extra_names_the_pip_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "diffusers" else real(name, *a))
    backend = DiffusersBackend({"device": "cpu"})
    ok, why = backend.configured()
    assert not ok and why is not None and "pip install 'reelforge[local]'" in why
    plan = backend.validate(VideoRequest(prompt="a cat", model=WAN, num_frames=17))
    with pytest.raises(BackendUnavailable) as err:
        import asyncio

        asyncio.run(backend.run(plan, RunContext(out_path=tmp_path / "x.mp4")))
    assert "reelforge[local]" in err.value.message


def test_importing_and_validating_needs_no_torch() -> None:
    code = (
        "import sys\n"
        "from reelforge.backends.registry import create_backend\n"
        "from reelforge.types import VideoRequest\n"
        f"b = create_backend('diffusers', {{'device': 'cpu'}})\n"
        f"p = b.validate(VideoRequest(prompt='a cat', model='{WAN}', num_frames=80))\n"
        "assert p.num_frames == 81, p\n"
        "assert 'torch' not in sys.modules and 'diffusers' not in sys.modules, 'heavy import'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


async def test_a_model_not_on_disk_says_how_to_get_it(tmp_path: Path) -> None:
    backend = DiffusersBackend({"device": "cpu"})
    plan = backend.validate(VideoRequest(prompt="a cat", model=WAN, num_frames=17))  # known: no disk needed
    with pytest.raises(BackendUnavailable) as err:
        await backend.run(plan, RunContext(out_path=tmp_path / "x.mp4"))
    assert WAN in err.value.message and f"huggingface-cli download {WAN}" in err.value.message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("free_gb", "expected"),
    [(40, "none"), (16, "model_offload"), (12, "group_offload")],
)
def test_auto_memory_mode_follows_free_gpu_memory(free_gb: int, expected: str) -> None:
    sizes = {"text_encoder": int(11.4 * GiB), "transformer": int(2.8 * GiB), "vae": int(0.5 * GiB)}
    mode, note = pick_memory("auto", "cuda", sizes, free_gb * GiB, 3 * GiB)
    assert mode == expected and note is not None and note.startswith(f"memory auto → {expected}")


def test_memory_modes_need_cuda() -> None:
    assert pick_memory("model_offload", "cpu", {"t": 1}, None, 0) == (
        "none",
        "memory model_offload ignored on cpu (offloading needs CUDA)",
    )
    assert pick_memory("sequential_offload", "cuda:1", {"t": 1}, 1, 0) == ("sequential_offload", None)


async def test_encode_float_frames_odd_size(tmp_path: Path) -> None:
    frames = np.random.default_rng(0).random((7, 15, 21, 3), dtype=np.float32)
    info = await encode_frames(frames, 12.0, tmp_path / "odd.mp4", preset="ultrafast")
    assert (info.width, info.height, info.num_frames, info.fps) == (22, 16, 7, 12.0)  # padded to even sides
    assert info.pix_fmt == "yuv420p" and probe(tmp_path / "odd.mp4").video_codec == "h264"


async def test_encode_uint8_frames_keeps_colour(tmp_path: Path) -> None:
    frames = np.zeros((5, 32, 32, 3), dtype=np.uint8)
    frames[..., 0] = 200
    info = await encode_frames(frames, 23.976, tmp_path / "red.mp4", preset="ultrafast")
    assert info.num_frames == 5 and abs(info.fps - 23.976) < 0.01
    import av

    with av.open(str(tmp_path / "red.mp4")) as c:
        first = next(c.decode(video=0)).to_ndarray(format="rgb24")
    assert abs(int(first[..., 0].mean()) - 200) < 8 and first[..., 1].mean() < 12
