"""A storyboard is a job's script too: planned here, rendered by a worker process, nothing spoken again."""

from __future__ import annotations

import asyncio
from pathlib import Path

from reelforge.config import Config
from reelforge.jobs import JobService
from reelforge.shorts.api import aplan_short
from reelforge.shorts.config import ShortsConfig
from reelforge.shorts.demo import STILLS
from reelforge.shorts.request import ShortRequest
from reelforge.shorts.storyboard import write_storyboard
from tests.jobs.helpers import WorkerProcess, wait_for, write_config

SHORTS = {
    "tts": {"engine": "espeak"},
    "visuals": {"source": "library", "library": str(STILLS)},
    "music": {"source": "none"},
    "output": {"resolution": 160, "quality": "draft"},
}
SCRIPT = "Magma glows deep underground.\n\nLava flows under a cloud of ash."


def plan(config: Config, folder: Path) -> Path:
    board = asyncio.run(aplan_short(ShortRequest(script_text=SCRIPT, tts="espeak"), config=config))
    assert config.section(ShortsConfig).tts.engine == "espeak"
    return write_storyboard(board, folder / "plan.yaml")


def test_a_job_renders_a_storyboard_without_speaking_it_again(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'data' / 'reelforge.db'}"
    config, path = write_config(tmp_path, db, shorts=SHORTS, default_backend="procedural")
    storyboard = plan(config, tmp_path)
    spoken = sorted((tmp_path / "data" / "shorts" / "tts").glob("*.npz"))
    assert len(spoken) == 2  # one sentence per scene
    with JobService(config) as service:
        job = service.submit("short", {"script": str(storyboard), "tts": "espeak"})
        worker = WorkerProcess(path)
        try:
            done = wait_for(lambda: (j := service.get(job.id)).finished and j, what="the short to finish")
        finally:
            worker.stop()
    assert done.status == "succeeded", (done.error, worker.output())
    assert done.result is not None and Path(done.result["path"]).is_file()
    assert sorted((tmp_path / "data" / "shorts" / "tts").glob("*.npz")) == spoken  # nothing synthesized again
