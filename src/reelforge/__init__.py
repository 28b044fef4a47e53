"""reelforge: one entry point to every video generator, a short-video studio and a job service."""

from .api import aestimate, agenerate, aresume, estimate, generate
from .backends import config_check as _backend_config_check  # noqa: F401  (registers the backends: check)
from .errors import (
    AuthError,
    BackendUnavailable,
    BudgetExceeded,
    Cancelled,
    ConfigError,
    ContentRejected,
    GenerationFailed,
    InvalidRequest,
    ProviderError,
    RateLimited,
    ReelforgeError,
    Timeout,
)
from .jobs import config as _jobs_config  # noqa: F401  (registers the jobs: section)
from .publish import config as _publish_config  # noqa: F401  (registers the publish: section)
from .server import config as _server_config  # noqa: F401  (registers the server: section; needs no web framework)
from .shorts import config as _shorts_config  # noqa: F401  (registers the shorts: section)
from .types import CancelToken, Cost, JobStatus, ModelSpec, VideoRequest, VideoResult

__version__ = "0.1.0"

_LAZY = {  # the studio pulls in TTS and rendering: imported on first use
    "make_short": "reelforge.shorts.api",
    "amake_short": "reelforge.shorts.api",
    "ShortRequest": "reelforge.shorts.request",
    "ShortResult": "reelforge.shorts.request",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'reelforge' has no attribute {name!r}")


__all__ = [
    "AuthError",
    "BackendUnavailable",
    "BudgetExceeded",
    "CancelToken",
    "Cancelled",
    "ConfigError",
    "ContentRejected",
    "Cost",
    "GenerationFailed",
    "InvalidRequest",
    "JobStatus",
    "ModelSpec",
    "ProviderError",
    "RateLimited",
    "ReelforgeError",
    "ShortRequest",
    "ShortResult",
    "Timeout",
    "VideoRequest",
    "VideoResult",
    "__version__",
    "aestimate",
    "agenerate",
    "amake_short",
    "aresume",
    "estimate",
    "generate",
    "make_short",
]
