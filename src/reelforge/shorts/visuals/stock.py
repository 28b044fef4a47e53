"""Shared plumbing of the stock-footage sources: HTTP errors, rate limits, cached downloads, and ranking
results by how well their tags, titles and page slugs match the scene."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ... import http_errors
from ...errors import AuthError, Cancelled, ProviderError, RateLimited, ReelforgeError
from ...media import atomic_path
from .base import RankedVisual, SceneNeed
from .rank import Ranker, default_ranker, doc_text


async def get_json(client: httpx.AsyncClient, provider: str, url: str, **kwargs: object) -> dict:
    """GET JSON; one polite retry after a short Retry-After; errors from the one tree (the shared mapping)."""
    for attempt in range(2):
        try:
            response = await client.get(url, **kwargs)  # type: ignore[arg-type]
        except httpx.TransportError as exc:
            raise http_errors.transport_error(exc, provider) from None
        if response.status_code == 429:
            wait = http_errors.retry_after_seconds(response)
            if attempt == 0 and wait is not None and wait <= 5:
                await asyncio.sleep(wait)
                continue
        hint = f"check shorts.visuals.{provider.lower()}_api_key"
        key_refused = response.status_code == 400 and "key" in response.text.lower()  # Pixabay says 400
        if response.status_code in (401, 403) or key_refused:
            raise AuthError(f"{provider} refused the API key ({response.status_code}); {hint}")
        http_errors.raise_for_status(response, who=f"{provider} search", refused=frozenset())
        try:
            return response.json()
        except ValueError:
            raise ProviderError(f"{provider} returned a reply that is not JSON") from None
    raise RateLimited(f"{provider} rate limit reached")  # pragma: no cover


async def download(client: httpx.AsyncClient, provider: str, url: str, target: Path) -> Path:
    """Download once into the cache (atomic); later runs reuse the file."""
    if target.is_file() and target.stat().st_size > 0:
        return target
    try:
        with http_errors.map_transport_errors(provider, "during a download"):
            async with client.stream("GET", url, follow_redirects=True) as response:
                if response.status_code >= 400:
                    raise ProviderError(f"{provider} download failed with HTTP {response.status_code}", retryable=True)
                with atomic_path(target) as tmp, tmp.open("wb") as fh:
                    async for chunk in response.aiter_bytes(1 << 16):
                        fh.write(chunk)
    except httpx.HTTPError as exc:  # too many redirects, a body that does not decode
        raise ProviderError(f"{provider} download failed: {exc.__class__.__name__}", retryable=True) from None
    return target


def fit_score(
    width: int, height: int, duration: float, need_duration: float, orientation: str, target_short: int = 1080
) -> float:
    """Higher is better: right orientation, long enough, close to the output size without being huge."""
    from .base import orientation_of

    score = 0.0
    if orientation_of(width, height) == orientation:
        score += 10
    if duration >= need_duration:
        score += 5
    else:
        score -= need_duration - duration
    short = min(width, height)
    score -= abs(short - target_short) / 540  # prefer ~1080p files: sharp enough, not 4K downloads
    if short < target_short * 0.5:
        score -= 5
    return score


def slug_words(url: object) -> str:
    """The words of a page slug: ``https://www.pexels.com/video/surf-breaking-on-shore-123/`` -> "surf breaking
    on shore"."""
    if not isinstance(url, str):
        return ""
    last = [p for p in url.split("?")[0].rstrip("/").split("/") if p]
    slug = last[-1] if last else ""
    return re.sub(r"\d+", " ", slug).replace("-", " ").strip()


@dataclass
class Ranked:
    text_score: float | None  # None: the result has no text to judge (the provider's search is trusted)
    fit: float
    item: Any

    @property
    def key(self) -> float:
        return self.fit + 20.0 * (self.text_score if self.text_score is not None else 0.5)


async def rank_results(
    need: SceneNeed, ranker: Ranker, min_score: float, texts: list[str], fits: list[float], items: list[Any]
) -> list[Ranked]:
    """Results above the score floor, best first: text match (semantic or lexical) weighed with the file's fit."""
    queries = [" ".join(need.terms), need.scene.text]
    with_text = [i for i, t in enumerate(texts) if t.strip()]
    scores: list[float | None] = [None] * len(texts)
    if with_text:
        got = await asyncio.to_thread(ranker.score, queries, [texts[i] for i in with_text])
        for i, s in zip(with_text, got, strict=True):
            scores[i] = s
    ranked = [Ranked(s, f, item) for s, f, item in zip(scores, fits, items, strict=True)]
    ranked = [r for r in ranked if r.text_score is None or r.text_score >= min_score]
    return sorted(ranked, key=lambda r: r.key, reverse=True)


def result_text(*parts: object) -> str:
    return doc_text("", *(" ".join(map(str, p)) if isinstance(p, list) else str(p or "") for p in parts))


class StockSource:
    """What Pexels and Pixabay share: the search loop over a scene's terms (a video first, then a photo), the
    ranked pick with its runner-up, and warnings for failed photo searches. Subclasses add ``_video`` and
    ``_photo``."""

    name = ""

    def __init__(self, base_url: str, client: httpx.AsyncClient, ranker: Ranker | None, min_score: float | None):
        self.base_url = base_url.rstrip("/")
        self._client = client
        self.ranker = ranker or default_ranker()
        self.min_score = self.ranker.min_score if min_score is None else min_score
        self.warnings: list[str] = []

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _video(self, need: SceneNeed, term: str, cache_dir: Path) -> RankedVisual | None:
        raise NotImplementedError

    async def _photo(self, need: SceneNeed, term: str, cache_dir: Path) -> RankedVisual | None:
        raise NotImplementedError

    async def find(self, need: SceneNeed, cache_dir: Path) -> RankedVisual | None:
        for term in need.terms:
            chosen = await self._video(need, term, cache_dir) or await self._photo_or_note(need, term, cache_dir)
            if chosen is not None:
                return chosen
        return None

    async def _photo_or_note(self, need: SceneNeed, term: str, cache_dir: Path) -> RankedVisual | None:
        """Photos are the second try: a failed photo search is noted in the warnings, and the scene moves on."""
        try:
            return await self._photo(need, term, cache_dir)
        except (AuthError, RateLimited, Cancelled):
            raise
        except ReelforgeError as exc:
            note = f"{self.name}: photo search failed ({exc.message})"
            if note not in self.warnings:
                self.warnings.append(note)
            return None

    async def _take(
        self, need: SceneNeed, ranked: list[Ranked], kind: str, link: str, path: Path, used: str, detail: str
    ) -> RankedVisual:
        """Download the best result from ``link`` to ``path`` (cached), mark it ``used`` for the other scenes,
        and report it with its score and the runner-up."""
        await download(self._client, self.name.capitalize(), link, path)
        need.used.add(used)
        runner = ranked[1] if len(ranked) > 1 else None
        return RankedVisual(
            scene=need.index,
            source=self.name,  # type: ignore[arg-type]
            kind=kind,  # type: ignore[arg-type]
            path=path,
            detail=detail,
            score=None if ranked[0].text_score is None else round(ranked[0].text_score, 4),
            ranker=self.ranker.name,
            runner_up=f"{self.name} {runner.item[0]['id']}" if runner else None,
            runner_up_score=round(runner.text_score, 4) if runner and runner.text_score is not None else None,
        )


__all__ = [
    "Ranked",
    "StockSource",
    "download",
    "fit_score",
    "get_json",
    "rank_results",
    "result_text",
    "slug_words",
]
