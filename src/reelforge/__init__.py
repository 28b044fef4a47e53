"""reelforge: one entry point to every video generator, a short-video studio and a job service."""

from .api import agenerate, aresume, estimate, generate
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
from .types import CancelToken, Cost, JobStatus, ModelSpec, VideoRequest, VideoResult

__version__ = "0.1.0"

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
    "Timeout",
    "VideoRequest",
    "VideoResult",
    "__version__",
    "agenerate",
    "aresume",
    "estimate",
    "generate",
]
