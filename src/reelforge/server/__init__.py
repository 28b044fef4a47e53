"""The service: a FastAPI app over the job service (REST API, live progress, uploads, webhooks).

``create_app(config)`` builds the app ``reelforge serve`` runs. Importing this package loads no web framework
(the ``server:`` config block is registered from here even where the ``server`` extra is not installed);
``create_app`` needs ``pip install 'reelforge[server]'``.
"""

from typing import Any

from .config import ServerConfig, server_config


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module 'reelforge.server' has no attribute {name!r}")


__all__ = ["ServerConfig", "create_app", "server_config"]
