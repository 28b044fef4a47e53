"""Media toolkit: ffmpeg lookup and execution, probing, atomic writes, input resolution.

Shared by everything that draws pictures: fonts (``media.fonts``), filtergraph and subtitle escaping
(``media.filters``) and frame rates (``media.framerate``).
"""

from .atomic import atomic_path, atomic_write_bytes, atomic_write_text
from .ffmpeg import FfmpegError, ffmpeg_exe, has_encoder, run_ffmpeg
from .probe import ProbeResult, probe

__all__ = [
    "FfmpegError",
    "ProbeResult",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "ffmpeg_exe",
    "has_encoder",
    "probe",
    "run_ffmpeg",
]
