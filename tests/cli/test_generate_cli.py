"""The CLI surface: exit codes 0/1/2, one JSON object on stdout with --json, one-line reasons on stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reelforge.backends.registry import register_backend
from reelforge.cli import app
from reelforge.errors import GenerationFailed

from ..backends.scripted import make_backend


@pytest.fixture
def cli_config(tmp_path: Path, tiny_mp4: Path) -> Path:
    register_backend("clia", make_backend("clia", tiny_mp4, price=0.5))
    cfg = tmp_path / "reelforge.yaml"
    cfg.write_text(f"data_dir: {tmp_path / 'data'}\ndefault_backend: clia\nbudget: {{per_request_usd: 1}}\n")
    return cfg


def run(cfg: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--config", str(cfg), *args])
    return result.exit_code, result.stdout, result.stderr


def test_generate_json_is_one_object(cli_config: Path, tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    code, stdout, _ = run(
        cli_config, "generate", "a paper boat", "--duration", "1", "--seed", "3", "-o", str(out), "--json"
    )
    assert code == 0
    data = json.loads(stdout)
    assert data["width"] == 64 and data["backend"] == "clia" and data["path"] == str(out.resolve())
    assert out.exists()


def test_bad_input_exits_2_naming_the_field(cli_config: Path) -> None:
    code, _, stderr = run(cli_config, "generate", "", "--duration", "1")
    assert code == 2 and "prompt" in stderr and "Traceback" not in stderr
    assert stderr.count("\n") == 1
    code, _, stderr = run(cli_config, "generate", "x", "--aspect", "wide")
    assert code == 2 and "aspect_ratio" in stderr
    code, _, stderr = run(cli_config, "generate", "x", "--backend", "nosuch")
    assert code == 2 and "nosuch" in stderr


def test_budget_refusal_exits_1_with_json_error(cli_config: Path) -> None:
    code, stdout, stderr = run(cli_config, "generate", "x", "--max-cost", "0.1", "--json")
    assert code == 1
    assert json.loads(stdout)["error"]["type"] == "BudgetExceeded"
    assert "max_cost_usd" in stderr


def test_failure_exits_1(cli_config: Path, tiny_mp4: Path) -> None:
    register_backend("clif", make_backend("clif", tiny_mp4, script=[GenerationFailed("model crashed")]))
    code, _, stderr = run(cli_config, "generate", "x", "--backend", "clif")
    assert code == 1 and "model crashed" in stderr


def test_estimate_submits_nothing(cli_config: Path) -> None:
    code, stdout, _ = run(cli_config, "estimate", "x", "--duration", "4", "--resolution", "321x240", "--json")
    assert code == 0
    data = json.loads(stdout)
    assert data["estimated_usd"] == 0.5 and data["backend"] == "clia"
    assert any("snapped" in w for w in data["warnings"])


def test_config_check_and_show(cli_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, stdout, _ = run(cli_config, "config", "check")
    assert code == 0 and "ok" in stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("budget:\n  daily: 3\n")
    code, _, stderr = run(bad, "config", "check")
    assert code == 2 and "budget.daily" in stderr and "line 2" in stderr
    monkeypatch.setenv("MY_KEY", "sk-do-not-print")
    secret = tmp_path / "secret.yaml"
    secret.write_text("backends:\n  runway: {api_key: '${MY_KEY}'}\n")
    code, stdout, _ = run(secret, "config", "show")
    assert code == 0 and "sk-do-not-print" not in stdout and "***" in stdout


def test_backends_lists_every_backend(cli_config: Path) -> None:
    code, stdout, _ = run(cli_config, "backends", "--json")
    assert code == 0
    rows = {row["name"]: row for row in json.loads(stdout)["backends"]}
    assert {"procedural", "runway", "veo", "minimax", "fal", "replicate", "huggingface", "diffusers"} <= set(rows)
    assert rows["clia"]["configured"] is True and rows["clia"]["models"][0]["name"] == "s1"


def test_config_ffmpeg_is_used(cli_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reelforge.media import ffmpeg_exe

    monkeypatch.delenv("REELFORGE_FFMPEG", raising=False)
    cfg = tmp_path / "ff.yaml"
    cfg.write_text(f"data_dir: {tmp_path / 'd'}\nffmpeg: {ffmpeg_exe()}\n")
    try:
        code, _, _ = run(cfg, "config", "check")
        assert code == 0
        import os

        assert os.environ["REELFORGE_FFMPEG"] == ffmpeg_exe()
    finally:
        monkeypatch.delenv("REELFORGE_FFMPEG", raising=False)
        ffmpeg_exe.cache_clear()


def test_backends_table_keeps_brackets_in_install_hints(cli_config: Path, tiny_mp4: Path) -> None:
    cls = make_backend("clib", tiny_mp4)
    cls.configured = lambda self: (False, "pip install 'reelforge[google]' (google-auth)")  # type: ignore[method-assign]
    register_backend("clib", cls)
    code, stdout, _ = run(cli_config, "backends")
    assert code == 0
    assert "reelforge[google]" in stdout.replace("\n", "").replace(" ", "").replace("│", "")


def test_estimate_takes_no_output_or_cache_flags(cli_config: Path) -> None:
    code, _, _ = run(cli_config, "estimate", "x", "--no-cache")
    assert code == 2
    code, _, _ = run(cli_config, "estimate", "x", "-o", "out.mp4")
    assert code == 2
