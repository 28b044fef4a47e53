"""Publishing finished videos to YouTube and TikTok: one file per platform behind a small publisher contract.

``publish(config, source, {"to": "youtube", ...})`` uploads a library asset or a file, resumably; a
``Publisher`` (``youtube.py``, ``tiktok.py``) signs in with ``login`` and sends a file with ``upload``.
Importing this package registers the ``publish:`` config block.
"""

from .base import Announce, Published, Publisher, VideoMetadata
from .config import PublishConfig, TikTokConfig, YouTubeConfig, publish_config
from .registry import get_publisher, publisher_class, publisher_names, register_publisher
from .service import PublishTarget, publish, published_for
from .store import PublishStore

__all__ = [
    "Announce",
    "PublishConfig",
    "PublishStore",
    "PublishTarget",
    "Published",
    "Publisher",
    "TikTokConfig",
    "VideoMetadata",
    "YouTubeConfig",
    "get_publisher",
    "publish",
    "publish_config",
    "published_for",
    "publisher_class",
    "publisher_names",
    "register_publisher",
]
