"""Input images for local pipelines: request images and LTX keyframes as RGB PIL images at the plan's size."""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING, Any

from ...errors import InvalidRequest, ProviderError
from ...media.inputs import MediaRef, resolve_input

if TYPE_CHECKING:
    from ..base import Plan, RunContext


def keyframe_refs(plan: Plan) -> list[tuple[MediaRef, int]]:
    """LTX keyframes from ``plan.extra['keyframes']``: [{"image": path, "frame_index": n}, ...]."""
    out: list[tuple[MediaRef, int]] = []
    problems: dict[str, str] = {}
    for i, item in enumerate(plan.extra.get("keyframes") or []):
        if not isinstance(item, dict) or "image" not in item:
            problems[f"extra.keyframes[{i}]"] = 'each keyframe is {"image": path, "frame_index": n}'
            continue
        ref = resolve_input(f"extra.keyframes[{i}]", item["image"], kind="image", problems=problems)
        index = int(item.get("frame_index", item.get("frame", 0)))
        if ref is not None and 0 <= index < plan.num_frames:
            out.append((ref, index))
        elif ref is not None:
            problems[f"extra.keyframes[{i}]"] = f"frame_index {index} is outside 0-{plan.num_frames - 1}"
    if problems:
        raise InvalidRequest(problems)
    return out


async def load_image(ref: MediaRef, plan: Plan, ctx: RunContext) -> Any:
    """The input as an RGB PIL image, cropped to the plan's aspect ratio and sized to it."""
    from PIL import Image, ImageOps

    if ref.url is not None:
        data = await _download(ref.url, ctx)
    else:
        data = await asyncio.to_thread(ref.read_bytes)
    with Image.open(io.BytesIO(data)) as im:
        return ImageOps.fit(im.convert("RGB"), (plan.width, plan.height), Image.Resampling.LANCZOS)


async def _download(url: str, ctx: RunContext) -> bytes:
    import httpx

    try:
        if ctx.http is not None:
            resp = await ctx.http.get(url, follow_redirects=True)
        else:
            async with httpx.AsyncClient(timeout=60) as client:
                resp = await client.get(url, follow_redirects=True)
        resp.raise_for_status()
    except httpx.HTTPError as exc:
        raise ProviderError(
            f"could not download the input image {url}: {exc}", retryable=True, submitted=False
        ) from None
    return resp.content


__all__ = [
    "keyframe_refs",
    "load_image",
]
