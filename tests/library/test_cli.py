"""`reelforge usage` and `reelforge assets list/show/rm` through typer's CliRunner."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reelforge.cli import app
from reelforge.library import Library
from reelforge.types import Cost


@pytest.fixture
def filled(tmp_path: Path, sample_video: Path) -> tuple[Path, list[str]]:
    """A config file and a library holding three assets and a few ledger attempts."""
    data = tmp_path / "data"
    cfg = tmp_path / "reelforge.yaml"
    cfg.write_text(f"data_dir: {data}\n")

    async def fill() -> list[str]:
        with Library(data) as lib:
            ids = []
            for i in range(3):
                src = lib.assets.staging_path()
                shutil.copyfile(sample_video, src)
                asset = await lib.assets.add(src, kind="video", request={"prompt": f"p{i}"}, backend="procedural",
                                             model=None, seed=i, cost=Cost(), provider_job_id=None, cache_key=None,
                                             warnings=[])  # fmt: skip
                ids.append(asset.id)
            runs = [
                ("runway", "succeeded", True, 0.5),
                ("runway", "failed", False, 0.5),
                ("procedural", "succeeded", False, 0.0),
            ]
            for backend, outcome, billable, usd in runs:
                aid = await lib.ledger.start_attempt(backend=backend, model=None, operation="text-to-video",
                                                     estimated_usd=usd, request={})  # fmt: skip
                await lib.ledger.finish_attempt(aid, outcome=outcome, billable=billable)
            return ids

    return cfg, asyncio.run(fill())


def run(cfg: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--config", str(cfg), *args])
    return result.exit_code, result.stdout, result.stderr


def test_usage_json(filled: tuple[Path, list[str]]) -> None:
    cfg, _ = filled
    code, out, _ = run(cfg, "usage", "--json")
    assert code == 0
    data = json.loads(out)
    rows = {r["backend"]: r for r in data["rows"]}
    assert rows["runway"]["attempts"] == 2 and rows["runway"]["failed"] == 1 and rows["runway"]["cost_usd"] == 0.5
    assert rows["procedural"]["cost_usd"] == 0.0
    assert data["total"]["attempts"] == 3 and data["total"]["cost_usd"] == 0.5 and data["since"] is None
    code, out, _ = run(cfg, "usage", "--since", "2999-01-01", "--json")
    assert json.loads(out)["rows"] == []
    code, out, _ = run(cfg, "usage", "--since", "7d", "--json")
    assert len(json.loads(out)["rows"]) == 2


def test_usage_table_and_bad_since(filled: tuple[Path, list[str]]) -> None:
    cfg, _ = filled
    code, out, _ = run(cfg, "usage")
    assert code == 0 and "runway" in out and "total" in out and "0.5000" in out
    code, out, err = run(cfg, "usage", "--since", "last tuesday")
    assert code == 2 and "since" in err and err.count("\n") == 1 and out == ""


def test_assets_list_pages(filled: tuple[Path, list[str]]) -> None:
    cfg, ids = filled
    code, out, _ = run(cfg, "assets", "list", "--json")
    assert code == 0
    data = json.loads(out)
    assert [a["id"] for a in data["assets"]] == ids[::-1] and data["next_cursor"] is None
    code, out, _ = run(cfg, "assets", "list", "--limit", "2", "--json")
    first = json.loads(out)
    assert len(first["assets"]) == 2 and first["next_cursor"] == ids[1]
    code, out, _ = run(cfg, "assets", "list", "--limit", "2", "--cursor", first["next_cursor"], "--json")
    assert [a["id"] for a in json.loads(out)["assets"]] == [ids[0]]
    code, out, _ = run(cfg, "assets", "list")
    assert code == 0 and ids[0] in out and "96x54" in out


def test_assets_show(filled: tuple[Path, list[str]]) -> None:
    cfg, ids = filled
    code, out, _ = run(cfg, "assets", "show", ids[0], "--json")
    asset = json.loads(out)
    assert code == 0 and asset["id"] == ids[0] and asset["width"] == 96 and Path(asset["path"]).exists()
    code, out, _ = run(cfg, "assets", "show", ids[0])
    assert code == 0 and asset["checksum"] in out
    code, out, err = run(cfg, "assets", "show", "nosuchid")
    assert code == 2 and "asset_id" in err and "nosuchid" in err and "Traceback" not in err


def test_assets_rm(filled: tuple[Path, list[str]]) -> None:
    cfg, ids = filled
    path = Path(json.loads(run(cfg, "assets", "show", ids[0], "--json")[1])["path"])
    code, _, err = run(cfg, "assets", "rm", ids[0], "nosuchid")  # one bad id: nothing removed
    assert code == 2 and path.exists() and "nosuchid" in err
    code, out, _ = run(cfg, "assets", "rm", ids[0], "--json")
    assert code == 0 and json.loads(out) == {"removed": [ids[0]]}
    assert not path.exists() and not path.with_suffix(".json").exists() and not path.with_suffix(".jpg").exists()
    code, out, _ = run(cfg, "assets", "list", "--json")
    assert [a["id"] for a in json.loads(out)["assets"]] == [ids[2], ids[1]]
