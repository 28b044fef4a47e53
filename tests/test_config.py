"""Config file: interpolation, validation errors naming key and line, lookup order, redaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelforge.config import Config, load_config, parse_config, redact
from reelforge.errors import ConfigError

SAMPLE = """\
data_dir: /tmp/rf-data
database_url: sqlite:///{data_dir}/x.db
default_backend: procedural
fallback: [runway]
budget: {per_request_usd: 2, daily_usd: "${DAILY:-20}", monthly_usd: 100}
backends:
  procedural: {}
  runway: {api_key: "${RUNWAY_API_KEY}", model: gen4_turbo}
server:
  api_tokens: ["${REELFORGE_API_TOKEN}"]
"""


def test_interpolation_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNWAY_API_KEY", "rk-123")
    monkeypatch.delenv("DAILY", raising=False)
    monkeypatch.delenv("REELFORGE_API_TOKEN", raising=False)
    config = parse_config(SAMPLE)
    assert config.budget.daily_usd == 20
    assert config.backends["runway"]["api_key"] == "rk-123"
    assert config.resolved_database_url == "sqlite:////tmp/rf-data/x.db"
    assert config.server.api_tokens == []  # an unset ${VAR} is no token at all


def test_unset_secret_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUNWAY_API_KEY", raising=False)
    assert parse_config(SAMPLE).backends["runway"]["api_key"] is None


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ("budget:\n  per_request_usd: 1\n  weekly_usd: 3\n", "budget.weekly_usd", 3),
        ("data_dir: /x\nbudget: {daily_usd: -5}\n", "budget.daily_usd", 2),
        ("colour: red\n", "colour", 1),
        ("backends:\n  runway:\n    api_kee: x\n", "backends.runway.api_kee", 3),
        ("backends:\n  nosuch: {}\n", "backends.nosuch", 2),
        ("data_dir: /x\nshorts:\n  tts: {engine: nope}\n", "shorts.tts.engine", 3),
    ],
)
def test_errors_name_key_and_line(text: str, key: str, line: int) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert info.value.key == key and info.value.line == line
    assert key in info.value.message and f"line {line}" in info.value.message


def test_malformed_yaml() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("budget: [1, 2\nx: 3\n")
    assert "malformed YAML" in info.value.message and info.value.line


def test_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REELFORGE_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert load_config() == Config()
    (tmp_path / "reelforge.yaml").write_text("default_backend: procedural\ncache: false\n")
    assert load_config().cache is False
    other = tmp_path / "other.yaml"
    other.write_text("cache: true\nfallback: []\n")
    monkeypatch.setenv("REELFORGE_CONFIG", str(other))
    assert load_config().cache is True
    with pytest.raises(ConfigError):
        load_config(tmp_path / "missing.yaml")


def test_redaction_hides_every_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNWAY_API_KEY", "rk-supersecret")
    monkeypatch.setenv("REELFORGE_API_TOKEN", "tok-supersecret")
    shown = redact(parse_config(SAMPLE))
    assert "supersecret" not in repr(shown)
    assert shown["backends"]["runway"]["api_key"] == "***"
    assert shown["server"]["api_tokens"] == ["***"]


def test_sections_are_registered_by_their_owners() -> None:
    from reelforge.shorts.config import ShortsConfig

    config = parse_config("shorts:\n  tts: {engine: espeak}\n")
    assert isinstance(config.shorts, ShortsConfig) and config.shorts.tts.engine == "espeak"
    assert config.section(ShortsConfig) is config.shorts
    assert config.model_dump()["shorts"]["tts"]["engine"] == "espeak"
    assert Config(shorts={"tts": {"engine": "espeak"}}).shorts.tts.engine == "espeak"


def test_visual_matching_settings_are_read_from_the_shorts_block() -> None:
    config = parse_config("shorts:\n  visuals: {min_score: 0.4, clip_model: ./models/clip}\n")
    assert config.shorts.visuals.min_score == 0.4 and config.shorts.visuals.clip_model == "./models/clip"
    with pytest.raises(ConfigError) as info:
        parse_config("shorts:\n  visuals: {min_score: 2}\n")
    assert info.value.key == "shorts.visuals.min_score"
