"""One description of every registered backend, shared by the CLI, the REST API and MCP."""

from __future__ import annotations

import pytest

from reelforge.backends.describe import describe_backends
from reelforge.backends.registry import backend_names
from reelforge.config import Config
from reelforge.errors import BackendUnavailable

NEW = ("kling", "seedance", "xai", "wan", "luma", "ltx")


def test_every_registered_backend_has_a_row_with_its_models_and_price_rules() -> None:
    rows = {row["name"]: row for row in describe_backends(Config())}
    assert set(rows) == set(backend_names())
    for name in NEW:
        row = rows[name]
        assert row["kind"] == "hosted" and row["configured"] is False and "environment variable" in row["why_not"]
        assert row["models"] and row["default_model"] in [m["name"] for m in row["models"]]
        assert all(m["price_rule"] for m in row["models"]), name
    offline = rows["procedural"]
    assert offline["configured"] is True and offline["why_not"] is None
    assert {"durations_s", "resolutions", "frame_rule", "aspect_ratios"} <= set(offline["models"][0])


def test_a_backend_that_cannot_be_made_is_listed_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    import reelforge.backends.describe as describe

    real = describe.create_backend

    def make(name: str, config: object) -> object:
        if name == "runway":
            raise BackendUnavailable("runway needs the [hosted] extra: pip install 'reelforge[hosted]'")
        return real(name, config)

    monkeypatch.setattr(describe, "create_backend", make)
    rows = {row["name"]: row for row in describe_backends(Config())}
    bad = rows["runway"]
    assert bad["configured"] is False and bad["models"] == [] and "[hosted]" in bad["why_not"]
    assert rows["procedural"]["configured"] is True  # the others are still described
