"""Hosted backends that serve a catalog of model families (WaveSpeed, fal, Replicate).

``CatalogBackend`` adds to the hosted template what such hosts share: the catalog of ``ModelEntry``
(spec + adapter), any other model id accepted with a permissive spec, the default model picked per
operation, exact output sizes for models with fixed sizes, and durations read from the input media for
operations whose length the input decides (avatar, video-to-video).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, ClassVar

from ..errors import ReelforgeError
from ..media import probe
from ..media.inputs import MediaRef
from ..types import ModelSpec, VideoRequest
from .adapters import ModelEntry, build_input, entry_for
from .base import Plan
from .hosted import HostedBackend
from .http import ProviderClient


class CatalogBackend(HostedBackend):
    #: field names a model outside the catalog gets for its media inputs
    generic_names: ClassVar[dict[str, str]] = {}

    def catalog(self) -> dict[str, ModelEntry]:
        raise NotImplementedError

    def models(self) -> list[ModelSpec]:
        return [entry.spec for entry in self.catalog().values()]

    def unknown_model_spec(self, name: str) -> ModelSpec:
        return self.entry(name).spec

    def entry(self, model: str) -> ModelEntry:
        return entry_for(self.catalog(), model, **self.generic_names)

    def default_model_for(self, operation: str) -> str:
        if self.config.model:
            return self.config.model
        for entry in self.catalog().values():
            if operation in entry.spec.operations:
                return entry.spec.name
        return self.default_model

    def validate(self, request: VideoRequest) -> Plan:
        if request.model is None:
            request = request.model_copy(update={"model": self.default_model_for(request.inferred_operation())})
        plan = super().validate(request)
        spec = self.model_spec(plan.model)
        if not spec.any_size and plan.resolution in spec.resolutions:
            plan.width, plan.height = exact_size(spec.resolutions[plan.resolution], plan.aspect_ratio)
        source = (
            plan.audio if plan.operation == "avatar" else plan.video if plan.operation == "video-to-video" else None
        )
        seconds = media_seconds(source)
        if seconds:
            plan.duration_s = round(min(seconds, spec.max_duration_s), 3)
            plan.num_frames = max(1, round(plan.duration_s * plan.fps))
        return plan

    async def build_body(self, plan: Plan, client: ProviderClient) -> dict[str, Any]:
        async def encode(ref: MediaRef) -> str:
            return await self.encode_media(ref, client)

        return await build_input(self.entry(plan.model), plan, encode)

    async def encode_media(self, ref: MediaRef, client: ProviderClient) -> str:
        """How this host takes an input file: its URL as given, else a data URI (encoded off the event loop).
        Override to upload."""
        return ref.url or await asyncio.to_thread(ref.data_uri)


def exact_size(landscape: tuple[int, int], aspect: str) -> tuple[int, int]:
    """The model's own pixel size for a tier, turned for portrait and square aspect ratios."""
    w, h = landscape
    a, b = (int(x) for x in aspect.split(":"))
    if a == b:
        return h, h
    return (w, h) if a > b else (h, w)


def media_seconds(ref: MediaRef | None) -> float | None:
    """Length of a local input file (None for URLs or unreadable files)."""
    if ref is None or ref.path is None:
        return None
    with contextlib.suppress(ReelforgeError, OSError):
        info = probe(ref.path)
        return info.duration_s or None
    return None


__all__ = ["CatalogBackend", "exact_size", "media_seconds"]
