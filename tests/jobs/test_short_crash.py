"""A short whose worker is SIGKILLed inside the render: ffmpeg dies with it, and the restarted job renders again
from the studio's checkpoints without synthesizing the narration a second time."""

from __future__ import annotations

from pathlib import Path

from reelforge.jobs import JobService
from reelforge.jobs.runner import work_dir_of
from reelforge.shorts.demo import STILLS

from .helpers import WorkerProcess, ffmpeg_processes, wait_for, write_config

SCRIPT = (
    "Volcanoes are openings in the crust of the earth. Hot magma rises from deep below. "
    "When the pressure builds, the mountain erupts with ash and lava. Then the lava cools into new rock."
)
SHORTS = {
    "tts": {"engine": "espeak"},
    "visuals": {"source": "library", "library": str(STILLS)},
    "music": {"source": "none"},
    "output": {"resolution": 480},
}


def test_kill_inside_the_render_resumes_without_new_narration(tmp_path: Path) -> None:
    # SQLite only: the crash path is the same on PostgreSQL (test_workers covers it there) and a short is slow
    config, path = write_config(tmp_path, f"sqlite:///{tmp_path / 'data' / 'reelforge.db'}", shorts=SHORTS)
    with JobService(config) as service:
        job = service.submit("short", {"script_text": SCRIPT})
        wav = work_dir_of(config, job.id) / "narration.wav"
        first = WorkerProcess(path)
        try:
            wait_for(
                lambda: service.get(job.id).stage == "render" and ffmpeg_processes(str(tmp_path)),
                what="ffmpeg to render the short",
            )
            narrated = wav.stat()
            first.kill()
        finally:
            first.stop()
        assert not ffmpeg_processes(str(tmp_path)), "ffmpeg outlived its killed worker"
        second = WorkerProcess(path)
        try:
            done = wait_for(lambda: (j := service.get(job.id)).finished and j, what="the short to finish")
        finally:
            second.stop()
    assert done.status == "succeeded", (done.error, second.output())
    assert done.runs == 2 and done.result is not None
    assert "narration" in done.result["resumed"]
    kept = wav.stat()
    assert (kept.st_ino, kept.st_mtime_ns) == (narrated.st_ino, narrated.st_mtime_ns)  # not synthesized again
    assert Path(done.result["path"]).is_file() and done.result["width"] == 480


def test_cancel_during_the_render_from_another_process_kills_ffmpeg(tmp_path: Path) -> None:
    config, path = write_config(tmp_path, f"sqlite:///{tmp_path / 'data' / 'reelforge.db'}", shorts=SHORTS)
    with JobService(config) as service:
        job = service.submit("short", {"script_text": SCRIPT})
        worker = WorkerProcess(path)
        try:
            wait_for(
                lambda: service.get(job.id).stage == "render" and ffmpeg_processes(str(tmp_path)),
                what="ffmpeg to render the short",
            )
            assert service.cancel(job.id).action == "cancelling"
            done = wait_for(lambda: (j := service.get(job.id)).finished and j, what="the short to stop")
            assert not ffmpeg_processes(str(tmp_path)), "ffmpeg still runs after the cancel"
            assert worker.proc.poll() is None  # the worker itself goes on
        finally:
            worker.stop()
    assert done.status == "cancelled" and done.stage == "render" and done.error is None
    assert "render" in (done.message or "")
