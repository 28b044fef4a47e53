"""Video backends: the contract (``base``, ``hosted``), the shared provider client and the registry."""

from .base import Backend, BackendConfig, Plan, ProviderJob, RunContext, RunOutput
from .hosted import HostedBackend, HostedConfig, PollResult
from .http import ProviderClient, new_client
from .registry import available_backends, backend_names, create_backend, register_backend

__all__ = [
    "Backend",
    "BackendConfig",
    "HostedBackend",
    "HostedConfig",
    "Plan",
    "PollResult",
    "ProviderClient",
    "ProviderJob",
    "RunContext",
    "RunOutput",
    "available_backends",
    "backend_names",
    "create_backend",
    "new_client",
    "register_backend",
]
