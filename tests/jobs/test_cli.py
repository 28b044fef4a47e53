"""`reelforge jobs ...` and its exit codes: 0 done, 1 the work failed, 2 bad input, 130 cancelled; --json is one
object on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reelforge.cli import app

from .helpers import write_config


@pytest.fixture
def cfg(tmp_path: Path, tiny_mp4: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RF_TEST_CLIP", str(tiny_mp4))
    monkeypatch.setenv("RF_TEST_DELAY_S", "0.05")
    return write_config(tmp_path, f"sqlite:///{tmp_path / 'data' / 'reelforge.db'}")[1]


def run(cfg: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--config", str(cfg), *args])
    return result.exit_code, result.stdout, result.stderr


def test_submit_run_show_logs_and_cancel(cfg: Path) -> None:
    code, out, _ = run(cfg, "jobs", "submit", "a paper boat", "--duration", "1", "--json")
    assert code == 0
    job = json.loads(out)
    assert job["status"] == "queued" and job["request"]["prompt"] == "a paper boat"
    assert run(cfg, "jobs", "run-embedded")[0] == 0
    code, out, _ = run(cfg, "jobs", "show", job["id"], "--json")
    shown = json.loads(out)
    assert code == 0 and shown["status"] == "succeeded" and shown["assets"] and shown["result"]["width"] == 64
    assert shown["attempts"][0]["backend"] == "sleepy" and shown["attempts"][0]["outcome"] == "succeeded"
    code, out, _ = run(cfg, "jobs", "logs", job["id"], "--follow")
    assert code == 0 and "succeeded" in out.splitlines()[-1]
    code, out, _ = run(cfg, "jobs", "cancel", job["id"])
    assert code == 0 and "already succeeded" in out
    code, out, _ = run(cfg, "jobs", "list", "--status", "succeeded", "--json")
    assert [j["id"] for j in json.loads(out)["jobs"]] == [job["id"]]


def test_cancelled_job_follow_exits_130_and_resume_requeues_it(cfg: Path) -> None:
    job = json.loads(run(cfg, "jobs", "submit", "x", "--json")[1])
    assert json.loads(run(cfg, "jobs", "cancel", job["id"], "--json")[1])["action"] == "cancelled"
    assert run(cfg, "jobs", "logs", job["id"], "--follow")[0] == 130
    code, out, _ = run(cfg, "jobs", "resume", job["id"], "--json")
    assert code == 0 and json.loads(out)["status"] == "queued"
    code, _, err = run(cfg, "jobs", "resume", job["id"])
    assert code == 2 and "only failed or cancelled jobs resume" in err


def test_batch_reports_bad_lines_by_number(cfg: Path, tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"prompt": "one"}\n{"prompt": 5}\n\n{"kind": "short"}\n{"prompt": "two", "duration_s": 1}\n')
    code, out, err = run(cfg, "jobs", "submit", "--batch", str(batch))
    assert code == 0 and "2 of 4 lines queued" in out
    assert err.splitlines() == [
        "line 2: prompt: Input should be a valid string",
        "line 4: request: give a topic, a script file or script_text",
    ]
    batch_id = out.split(":")[0]
    code, out, _ = run(cfg, "jobs", "batch", batch_id, "--json")
    assert code == 0 and json.loads(out)["counts"] == {"queued": 2}
    batch.write_text("nonsense\n")
    code, out, _ = run(cfg, "jobs", "submit", "--batch", str(batch), "--json")
    assert code == 2 and json.loads(out)["rejected"][0]["line"] == 1


def test_bad_input_exits_2_naming_the_field(cfg: Path) -> None:
    code, out, err = run(cfg, "jobs", "submit", "x", "--aspect", "wide", "--json")
    assert code == 2 and json.loads(out)["error"]["type"] == "InvalidRequest" and "aspect_ratio" in err
    code, _, err = run(cfg, "jobs", "show", "job_nosuch")
    assert code == 2 and "no job" in err
    code, _, err = run(cfg, "jobs", "prune", "--older-than", "soon")
    assert code == 2 and "--older-than" in err
    code, out, _ = run(cfg, "jobs", "prune", "--older-than", "0s", "--json")
    assert code == 0 and json.loads(out) == {"removed": 0}
    code, _, err = run(cfg, "worker", "--queues", "fast")
    assert code == 2 and "queues" in err
