"""Video backends: the contract (base), the registry and the router."""

from .base import Backend, HostedBackend, Plan, PollResult, RunContext, RunOutput
from .registry import available_backends, create_backend, register_backend

__all__ = [
    "Backend",
    "HostedBackend",
    "Plan",
    "PollResult",
    "RunContext",
    "RunOutput",
    "available_backends",
    "create_backend",
    "register_backend",
]
