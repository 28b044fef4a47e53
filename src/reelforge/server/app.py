"""``create_app(config)``: the FastAPI app ``reelforge serve`` runs.

Routes: the job service (``/v1/videos``, ``/v1/shorts``, ``/v1/estimate``, ``/v1/batches``, ``/v1/jobs``), the
library (``/v1/uploads``, ``/v1/assets``, ``/v1/usage``), ``/v1/backends``, the OpenAI-compatible surface
(``/openai/v1``) and ``/healthz``; OpenAPI at ``/openapi.json``. With ``server.api_tokens`` set, every ``/v1``
and ``/openai/v1`` call needs a bearer token. Every error is the envelope of ``errors.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from fastapi import Depends, FastAPI

from ..config import Config
from .auth import require_token
from .errors import install_error_handlers
from .routes_callbacks import router as provider_callbacks_router
from .routes_jobs import router as jobs_router
from .routes_library import health_router
from .routes_library import router as library_router
from .routes_ui_support import include_ui_support
from .ssrf import Resolver
from .state import Services

log = logging.getLogger("reelforge.server")
THREADS = 64  # database calls run in threads: enough that slow ones do not queue the fast ones


def _include_openai(app: FastAPI, services: Services) -> None:
    try:
        from .openai_compat import openai_router
    except ImportError as exc:  # the OpenAI-compatible surface is optional
        if exc.name and not exc.name.startswith("reelforge.server.openai"):
            log.info("the OpenAI-compatible API is off: %s", exc)
            return
        raise
    app.include_router(
        openai_router(services.config, services.jobs, auth=require_token, fetch=services.fetch_image),
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("reelforge")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"


def create_app(
    config: Config,
    *,
    background: bool = True,
    embedded_worker: str | None = None,
    resolve: Resolver | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The app over ``config``'s database. ``background=False`` leaves webhook delivery to the caller (tests);
    ``resolve`` and ``transport`` replace the DNS resolver and the HTTP transport of outbound requests."""
    services = Services(config, resolve=resolve, transport=transport, embedded_worker=embedded_worker)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        threads = ThreadPoolExecutor(THREADS, thread_name_prefix="reelforge")
        asyncio.get_running_loop().set_default_executor(threads)
        await services.start(background)
        try:
            yield
        finally:
            await services.close()
            threads.shutdown(wait=False)

    app = FastAPI(
        title="reelforge",
        version=_version(),
        description="Video generation jobs over every backend: submit, follow, cancel, fetch the files.",
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.tokens = services.settings.token_values()
    install_error_handlers(app)
    auth: list[Any] = [Depends(require_token)]
    app.include_router(jobs_router, dependencies=auth)
    app.include_router(library_router, dependencies=auth)
    app.include_router(health_router)
    app.include_router(provider_callbacks_router)  # no bearer token: the path's token (and a signature) is the key
    include_ui_support(app, auth)  # the web UI at / and the few routes it needs under /v1/ui
    _include_openai(app, services)
    return app


__all__ = ["create_app"]
