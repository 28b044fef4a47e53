"""What the routes share: the job service, the library, the upload store, the SSRF guard, the event hub and the
webhook dispatcher, opened when the app starts and closed when it stops."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
from fastapi import Depends, Request

from ..config import Config
from ..errors import InvalidRequest
from .config import ServerConfig, server_config
from .errors import NotFound
from .events import EventHub
from .inputs import Inputs
from .ssrf import Guard, Resolver
from .uploads import UploadStore
from .webhooks import Dispatcher

BACKENDS_TTL_S = 10.0


class Services:
    """Opened with the app (blocking), started and closed in its lifespan; routes run blocking calls in threads."""

    def __init__(
        self,
        config: Config,
        *,
        resolve: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        embedded_worker: str | None = None,
    ) -> None:
        self.config = config
        self.settings: ServerConfig = server_config(config)
        self.embedded_worker = embedded_worker
        self.guard = Guard(self.settings.allowed_hosts, resolve=resolve, transport=transport)
        self.uploads = UploadStore(Path(config.data_dir) / "uploads")
        self.inputs = Inputs(self.uploads, self.guard, self.settings)
        from ..jobs import JobService
        from ..library import Library

        self.jobs: Any = JobService(config)  # blocking: migrates the job tables on first use
        self.library: Any = Library.from_config(config)
        self.hub = EventHub(self.jobs.engine, self.settings.events_poll_s)
        self.webhooks = Dispatcher(self.jobs.engine, self.jobs, self.guard, self.settings)
        self._backends: tuple[float, Any] | None = None

    async def start(self, background: bool = True) -> None:
        """Start following progress and, with ``background``, delivering webhooks."""
        self.hub.start()
        if background:
            self.webhooks.start()

    async def backends(self, describe: Any) -> Any:
        """The backend list, described at most every ``BACKENDS_TTL_S`` (describing creates every backend)."""
        now = time.monotonic()
        if self._backends is None or now - self._backends[0] > BACKENDS_TTL_S:
            self._backends = (now, await asyncio.to_thread(describe, self.config))
        return self._backends[1]

    async def fetch_image(self, url: str) -> str:
        """An https image fetched through the guard (the OpenAI-compatible input_reference)."""
        return await self.inputs.path_of(url, "input_reference", "image")

    async def close(self) -> None:
        await self.hub.stop()
        await self.webhooks.stop()
        await self.guard.aclose()
        await asyncio.to_thread(self.library.close)
        await asyncio.to_thread(self.jobs.close)

    async def job(self, job_id: str) -> Any:
        """The job, or 404."""
        try:
            return await asyncio.to_thread(self.jobs.get, job_id)
        except InvalidRequest as exc:
            raise NotFound({"job_id": f"no job {job_id!r}"}) from exc

    async def check_callback(self, url: str | None) -> None:
        """Refuse a callback_url this server could never deliver to (no secret, or a refused host)."""
        if url is None:
            return
        if self.settings.webhook_secret is None:
            raise InvalidRequest({"callback_url": "this server signs no webhooks: set server.webhook_secret"})
        await self.guard.vet(url, "callback_url")


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


Svc = Annotated[Services, Depends(get_services)]

__all__ = ["Services", "Svc", "get_services"]
