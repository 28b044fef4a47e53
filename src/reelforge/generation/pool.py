"""The backends one engine uses: made once per name, sharing one HTTP client, with cooldowns and the pick.

Choice rules: a named backend first (an unknown name is an error now), else the auto pick (the configured
default, the fallback chain, every configured block, then ``procedural``: the first that is configured,
does the operation and knows the requested model); then the ``fallback`` chain in order. A backend that
failed transiently cools down for ``retry.cooldown_s`` (or the provider's Retry-After) and is skipped
while a later one in the chain is ready.
"""

from __future__ import annotations

import time

from ..backends.base import Backend
from ..backends.http import ProviderClient, new_client
from ..backends.registry import backend_class, create_backend
from ..config import Config
from ..errors import BackendUnavailable, ReelforgeError
from ..types import VideoRequest


class BackendPool:
    def __init__(self, config: Config) -> None:
        self.config = config
        self._backends: dict[str, Backend] = {}
        self._cooldown_until: dict[str, float] = {}
        self._http: ProviderClient | None = None

    def backend(self, name: str) -> Backend:
        if name not in self._backends:
            self._backends[name] = create_backend(name, self.config.backend_config(name))
        return self._backends[name]

    @property
    def http(self) -> ProviderClient:
        """One client for every hosted backend (connection pools shared), made on first use."""
        if self._http is None:
            self._http = new_client()
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        for backend in self._backends.values():
            await backend.aclose()
        self._backends.clear()

    # -- choice ----------------------------------------------------------------------------------------
    def candidates(self, request: VideoRequest) -> list[str]:
        """The backends to try, in order: the named one (or the auto pick), then the fallback chain."""
        if request.backend != "auto":
            backend_class(request.backend)  # an unknown name: BackendUnavailable now
            chain = [request.backend]
        else:
            chain = self._auto(request)
        chain += [name for name in self.config.fallback if name not in chain]
        return chain

    def _auto(self, request: VideoRequest) -> list[str]:
        op = request.inferred_operation()
        config = self.config
        preference = [config.default_backend, *config.fallback, *config.backends, "procedural"]
        for name in dict.fromkeys(preference):
            try:
                backend = self.backend(name)
            except ReelforgeError:
                continue
            if op not in backend.operations() or not backend.configured()[0]:
                continue
            if request.model and request.model not in {s.name for s in backend.models()}:
                continue
            return [name]
        with_model = f" with model {request.model}" if request.model else ""
        raise BackendUnavailable(f"no configured backend does {op}{with_model}")

    # -- cooldowns -------------------------------------------------------------------------------------
    def cooling(self, name: str) -> float:
        """Seconds left before ``name`` is tried again (0: ready)."""
        return max(0.0, self._cooldown_until.get(name, 0.0) - time.monotonic())

    def cool(self, name: str, seconds: float) -> None:
        self._cooldown_until[name] = max(self._cooldown_until.get(name, 0.0), time.monotonic() + seconds)


__all__ = ["BackendPool"]
