"""Find and run ffmpeg: the imageio-ffmpeg wheel's binary by default, a system one when configured."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import Cancelled, GenerationFailed
from ..types import CancelToken

log = logging.getLogger(__name__)


class FfmpegError(GenerationFailed):
    """ffmpeg failed; ``reason`` is ffmpeg's own last error lines."""

    def __init__(self, message: str, reason: str = "", argv: Sequence[str] = (), returncode: int | None = None) -> None:
        super().__init__(f"{message}: {reason}" if reason else message, stage="render")
        self.reason = reason
        self.argv = list(argv)
        self.returncode = returncode


def _pdeathsig() -> Callable[[int], None] | None:
    """Linux: a function for ``preexec_fn`` that makes the child get SIGKILL when the process that started it
    dies (a SIGKILLed worker leaves no ffmpeg running). Resolved here, not in the forked child."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
        return None

    def die_with_parent(parent: int) -> None:
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before the line above ran
            os._exit(1)

    return die_with_parent


_DIE_WITH_PARENT = _pdeathsig()


@functools.cache
def ffmpeg_exe(preferred: str | None = None) -> str:
    """Path of the ffmpeg binary: ``preferred`` or $REELFORGE_FFMPEG, else the imageio-ffmpeg wheel's, else PATH."""
    explicit = preferred or os.environ.get("REELFORGE_FFMPEG")
    if explicit:
        found = shutil.which(explicit) or (explicit if Path(explicit).exists() else None)
        if not found:
            raise FfmpegError(f"configured ffmpeg not found: {explicit}")
        return found
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:  # pragma: no cover - wheel missing its binary
        found = shutil.which("ffmpeg")
        if not found:
            raise FfmpegError("no ffmpeg: install the imageio-ffmpeg wheel or put ffmpeg on PATH") from None
        return found


@functools.cache
def _encoders(exe: str) -> str:
    out = subprocess.run([exe, "-hide_banner", "-encoders"], capture_output=True, text=True, check=False)
    return out.stdout


@functools.cache
def _filters(exe: str) -> str:
    out = subprocess.run([exe, "-hide_banner", "-filters"], capture_output=True, text=True, check=False)
    return out.stdout


def has_encoder(name: str, exe: str | None = None) -> bool:
    return re.search(rf"^\s*\S+\s+{re.escape(name)}\s", _encoders(exe or ffmpeg_exe()), re.M) is not None


def has_filter(name: str, exe: str | None = None) -> bool:
    return re.search(rf"^\s*\S+\s+{re.escape(name)}\s", _filters(exe or ffmpeg_exe()), re.M) is not None


_GENERIC = (
    "Task finished with error",
    "Terminating thread",
    "Could not open encoder before EOF",
    "Nothing was written",
    "Conversion failed",
    "Error while filtering",
    "Error reinitializing filters",
    "Error opening output file",
    "Error opening output files",
    "frame=",
    "size=",
)


def libx264_args(preset: str, crf: int, profile: str | None = "high") -> list[str]:
    """libx264 at ``preset`` / ``crf`` writing yuv420p (the pixel format every player takes)."""
    return ["-c:v", "libx264", "-preset", preset, "-crf", str(crf),
            *(["-profile:v", profile] if profile else []), "-pix_fmt", "yuv420p"]  # fmt: skip


def _reason(stderr: str, lines: int = 6) -> str:
    all_lines = [ln.strip() for ln in stderr.strip().splitlines() if ln.strip()]
    # the root cause is usually the first specific error line, before the generic shutdown chatter
    specific = [
        ln
        for ln in all_lines
        if not any(g in ln for g in _GENERIC)
        and any(k in ln.lower() for k in ("error", "invalid", "no such", "unable", "failed", "not "))
    ]
    tail = all_lines[-lines:]
    return " | ".join(dict.fromkeys([*specific[:3], *tail]))


CRASH_CODES = {
    -signal.SIGSEGV,
    -signal.SIGBUS,
    -signal.SIGABRT,
    -signal.SIGILL,
    128 + signal.SIGSEGV,
    128 + signal.SIGBUS,
    128 + signal.SIGABRT,
}


async def run_ffmpeg(
    args: Sequence[str],
    *,
    total_s: float | None = None,
    on_progress: Callable[[float], None] | None = None,
    cancel: CancelToken | None = None,
    exe: str | None = None,
    stdin_data: bytes | None = None,
    crash_retries: int = 1,
) -> str:
    """Run ffmpeg; when the process itself crashes (a signal, not an error it reports), run it again.

    The bundled ffmpeg 9 build has been seen to die with SIGSEGV now and then in long filtergraph
    renders (not reproducible for a given input); every reelforge invocation overwrites its outputs, so
    running it again is safe. Errors ffmpeg reports itself are raised at once.
    """
    for attempt in range(crash_retries + 1):
        try:
            return await _run_once(
                args, total_s=total_s, on_progress=on_progress, cancel=cancel, exe=exe, stdin_data=stdin_data
            )
        except FfmpegError as exc:
            if exc.returncode not in CRASH_CODES or attempt == crash_retries:
                raise
            log.warning("ffmpeg crashed (code %s); running it again", exc.returncode)
    raise AssertionError("unreachable")  # pragma: no cover


# long: the process and its four readers (stderr, progress, stdin, cancel) share one scope and one cleanup
async def _run_once(
    args: Sequence[str],
    *,
    total_s: float | None,
    on_progress: Callable[[float], None] | None,
    cancel: CancelToken | None,
    exe: str | None,
    stdin_data: bytes | None,
) -> str:
    """Run ffmpeg with ``args`` (without the binary), report progress from ``-progress``, return stderr.

    Cancellation kills the process and raises ``Cancelled``; a failure raises ``FfmpegError`` with
    ffmpeg's own reason. The caller removes partial outputs (use ``atomic_path``).
    """
    argv = [exe or ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-progress", "pipe:1", "-nostats", *args]
    if stdin_data is not None:
        argv.remove("-nostdin")
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=functools.partial(_DIE_WITH_PARENT, os.getpid()) if _DIE_WITH_PARENT else None,
    )
    stderr_chunks: list[bytes] = []

    async def read_stderr() -> None:
        assert proc.stderr is not None
        while chunk := await proc.stderr.read(65536):
            stderr_chunks.append(chunk)
            if len(stderr_chunks) > 256:  # keep memory bounded: the tail holds the reason
                del stderr_chunks[:128]

    async def read_progress() -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            key, _, value = line.decode(errors="replace").strip().partition("=")
            if key == "out_time_us" and on_progress and total_s:
                with contextlib.suppress(ValueError):
                    on_progress(min(1.0, int(value) / 1e6 / total_s))

    async def feed() -> None:
        if stdin_data is not None and proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                proc.stdin.write(stdin_data)
                await proc.stdin.drain()
                proc.stdin.close()

    async def watch_cancel() -> None:
        while cancel is not None and proc.returncode is None:
            if cancel.cancelled:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                return
            await asyncio.sleep(0.05)

    watcher = asyncio.create_task(watch_cancel())
    try:
        await asyncio.gather(read_stderr(), read_progress(), feed())
        code = await proc.wait()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise
    finally:
        watcher.cancel()
    stderr = b"".join(stderr_chunks).decode(errors="replace")
    if cancel is not None and cancel.cancelled:
        raise Cancelled("cancelled while ffmpeg was running", stage="render")
    if code != 0:
        raise FfmpegError(f"ffmpeg exited with code {code}", _reason(stderr), argv, returncode=code)
    if on_progress:
        on_progress(1.0)
    return stderr


def run_ffmpeg_sync(args: Sequence[str], **kwargs: object) -> str:
    return asyncio.run(run_ffmpeg(args, **kwargs))  # type: ignore[arg-type]


__all__ = [
    "CRASH_CODES",
    "FfmpegError",
    "ffmpeg_exe",
    "has_encoder",
    "has_filter",
    "libx264_args",
    "run_ffmpeg",
    "run_ffmpeg_sync",
]
