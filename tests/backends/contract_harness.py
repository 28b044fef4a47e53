"""One harness per registered backend for the contract suite: how to build it against its fake, and how to
count, at the fake, the submits, polls and cancels a provider would see.

Adding a backend means adding its harness to ``HARNESSES`` (the suite fails while one is missing).
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reelforge.backends import Backend, create_backend
from reelforge.types import VideoRequest
from tests.fakes.fal_server import KEY as FAL_KEY
from tests.fakes.fal_server import FakeFal
from tests.fakes.hf_server import KEY as HF_KEY
from tests.fakes.hf_server import FakeHuggingFace
from tests.fakes.kling_server import KlingFake
from tests.fakes.ltx_server import LtxFake
from tests.fakes.luma_server import LumaFake
from tests.fakes.minimax_server import MinimaxFake
from tests.fakes.replicate_server import KEY as REPLICATE_KEY
from tests.fakes.replicate_server import FakeReplicate
from tests.fakes.runway_server import RUNNING, RunwayFake
from tests.fakes.seedance_server import SeedanceFake
from tests.fakes.server import FakeServer, SeenRequest
from tests.fakes.veo_server import VeoFake, service_account_json
from tests.fakes.wan_server import WanFake
from tests.fakes.wavespeed_server import KEY as WAVESPEED_KEY
from tests.fakes.wavespeed_server import FakeWavespeed
from tests.fakes.xai_server import XaiFake

Select = Callable[[SeenRequest], bool]
PROJECT = "contract-proj"
FAST = {"poll_interval_s": 0.01, "timeout_s": 20}


def _is(method: str, prefix: str = "", suffix: str = "") -> Select:
    return lambda r: r.method == method and r.path.startswith(prefix) and r.path.endswith(suffix)


def _never(_: SeenRequest) -> bool:
    return False


@dataclass
class Harness:
    """A backend and its fake, started once per test module; ``reset`` between tests."""

    name: str
    hosted: bool = True
    submit: Select = _never
    poll: Select = _never
    cancel: Select = _never
    cancel_endpoint: bool = False  # the provider has one, so a cancelled run must reach it
    resumable: bool = True  # a stored job can be polled (not so for a provider that answers synchronously)
    secret: tuple[str, str] | None = None  # (the right key, the environment variable named when it is refused)
    request: VideoRequest = field(default_factory=lambda: VideoRequest(prompt="a paper boat"))
    never_prompt: str = "NEVER"
    server: FakeServer | None = None
    fake: Any = None
    config: dict[str, Any] = field(default_factory=dict)
    start: Callable[[Harness, contextlib.ExitStack, Path], None] | None = None

    def make(self, **over: Any) -> Backend:
        return create_backend(self.name, {**self.config, **over})

    def count(self, select: Select) -> int:
        return 0 if self.server is None else sum(1 for r in self.server.requests if select(r))

    def submits(self) -> int:
        return self.count(self.submit)

    def polls(self) -> int:
        return self.count(self.poll)

    def cancels(self) -> int:
        return self.count(self.cancel)

    def reset(self) -> None:
        """Forget faults, states, jobs and seen requests."""
        if hasattr(self.fake, "reset"):
            self.fake.reset()
        self.forget_requests()

    def forget_requests(self) -> None:
        """Start counting afresh; the jobs the fake holds stay."""
        if self.server is not None:
            self.server.requests.clear()

    def never(self) -> VideoRequest:
        """A request whose job never finishes at the fake."""
        if isinstance(self.fake, RunwayFake):
            self.fake.states = [RUNNING]
        elif isinstance(self.fake, MinimaxFake):
            self.fake.states = ["Processing"]
        elif isinstance(self.fake, VeoFake):
            self.fake.states = ["running"]
        return VideoRequest(prompt=self.never_prompt)


def _host(provider: Any, key: str, **config: Any) -> Callable[[Harness, contextlib.ExitStack, Path], None]:
    """A model-host fake (job store) on its own loopback server."""

    def start(h: Harness, stack: contextlib.ExitStack, tmp: Path) -> None:
        h.fake = provider(latency_s=0.05)
        h.server = stack.enter_context(FakeServer(h.fake.app))
        h.config = {"api_key": key, "base_url": h.server.url, **FAST, **config}
        if "platform_url" in config:
            h.config["platform_url"] = f"{h.server.url}/v1"

    return start


def _served(kind: type, base: str = "") -> Callable[[Harness, contextlib.ExitStack, Path], None]:
    """A fake that runs its own server (Runway, MiniMax, Veo)."""

    def start(h: Harness, stack: contextlib.ExitStack, tmp: Path) -> None:
        h.fake = stack.enter_context(kind())
        h.server = h.fake.server
        h.config = {"api_key": h.fake.api_key, "base_url": h.fake.url + base, **FAST}
        h.secret = (h.fake.api_key, h.secret[1] if h.secret else "")

    return start


def _vertex(h: Harness, stack: contextlib.ExitStack, tmp: Path) -> None:
    h.fake = stack.enter_context(VeoFake())
    h.server = h.fake.server
    path, public = service_account_json(tmp / "sa.json", f"{h.fake.url}/token", PROJECT)
    h.fake.public_pem = public  # the fake checks the JWT google-auth signs
    h.config = {"base_url": f"{h.fake.url}/v1", "credentials": str(path), "project": PROJECT, **FAST}


def _diffusers(h: Harness, stack: contextlib.ExitStack, tmp: Path) -> None:
    from tests.backends.local.tiny import save_tiny

    model = save_tiny("wan", tmp / "tiny-wan")
    h.config = {"device": "cpu", "model": str(model), "num_inference_steps": 1, "preset": "ultrafast"}


def _kling(h: Harness, stack: contextlib.ExitStack, tmp: Path) -> None:
    h.fake = stack.enter_context(KlingFake())
    h.server = h.fake.server
    h.config = {"access_key": h.fake.access_key, "secret_key": h.fake.secret_key, "base_url": h.fake.url, **FAST}


def diffusers_missing() -> bool:
    return any(importlib.util.find_spec(m) is None for m in ("torch", "diffusers", "transformers"))


HARNESSES: dict[str, Callable[[], Harness]] = {
    "procedural": lambda: Harness(
        "procedural", hosted=False, request=VideoRequest(prompt="a lighthouse", resolution="64x36", duration_s=0.5)
    ),
    "diffusers": lambda: Harness(
        "diffusers",
        hosted=False,
        request=VideoRequest(prompt="a red boat", resolution="32x32", num_frames=5),
        start=_diffusers,
    ),
    "runway": lambda: Harness(
        "runway",
        submit=_is("POST", "/v1/"),
        poll=_is("GET", "/v1/tasks/"),
        cancel=_is("DELETE", "/v1/tasks/"),
        cancel_endpoint=True,
        secret=("", "RUNWAY_API_KEY"),
        start=_served(RunwayFake),
    ),
    "minimax": lambda: Harness(
        "minimax",
        submit=_is("POST", "/v1/video_generation"),
        poll=_is("GET", "/v1/query/"),
        secret=("", "MINIMAX_API_KEY"),
        start=_served(MinimaxFake),
    ),
    "veo": lambda: Harness(
        "veo",
        submit=_is("POST", "/v1beta/models/"),
        poll=_is("GET", "/v1beta/models/"),
        secret=("", "GEMINI_API_KEY"),
        start=_served(VeoFake, "/v1beta"),
    ),
    "vertex": lambda: Harness(  # its secret is an OAuth token: test_vertex checks the tokens never leak
        "vertex",
        submit=_is("POST", suffix=":predictLongRunning"),
        poll=_is("POST", suffix=":fetchPredictOperation"),
        start=_vertex,
    ),
    "wavespeed": lambda: Harness(
        "wavespeed",
        submit=lambda r: r.method == "POST" and r.path.startswith("/api/v3/") and r.path != "/api/v3/upload",
        poll=_is("GET", "/api/v3/predictions/"),
        secret=(WAVESPEED_KEY, "WAVESPEED_API_KEY"),
        start=_host(FakeWavespeed, WAVESPEED_KEY),
    ),
    "fal": lambda: Harness(
        "fal",
        submit=_is("POST", "/fal-ai/"),
        poll=_is("GET", "/fal-ai/", "/status"),
        cancel=_is("PUT", "/fal-ai/", "/cancel"),
        cancel_endpoint=True,
        secret=(FAL_KEY, "FAL_KEY"),
        start=_host(FakeFal, FAL_KEY, platform_url=""),
    ),
    "replicate": lambda: Harness(
        "replicate",
        submit=lambda r: r.method == "POST" and r.path.startswith("/v1/") and not r.path.endswith("/cancel"),
        poll=_is("GET", "/v1/predictions/"),
        cancel=_is("POST", "/v1/predictions/", "/cancel"),
        cancel_endpoint=True,
        secret=(REPLICATE_KEY, "REPLICATE_API_TOKEN"),
        start=_host(FakeReplicate, REPLICATE_KEY),
    ),
    "huggingface": lambda: Harness(
        "huggingface",
        submit=_is("POST", "/models/"),
        resumable=False,
        secret=(HF_KEY, "HF_TOKEN"),
        request=VideoRequest(prompt="a kite", resolution="320x192", num_frames=16),
        start=_host(FakeHuggingFace, HF_KEY),
    ),
    "kling": lambda: Harness(  # signs a JWT with two keys: test_kling checks neither key nor token leaks
        "kling",
        submit=_is("POST", "/v1/videos/"),
        poll=_is("GET", "/v1/videos/"),
        start=_kling,
    ),
    "seedance": lambda: Harness(
        "seedance",
        submit=_is("POST", "/api/v3/contents/generations/tasks"),
        poll=_is("GET", "/api/v3/contents/generations/tasks/"),
        cancel=_is("DELETE", "/api/v3/contents/generations/tasks/"),
        cancel_endpoint=True,
        secret=("", "ARK_API_KEY"),
        start=_served(SeedanceFake, "/api/v3"),
    ),
    "xai": lambda: Harness(
        "xai",
        submit=_is("POST", "/v1/videos/generations"),
        poll=_is("GET", "/v1/videos/"),
        secret=("", "XAI_API_KEY"),
        start=_served(XaiFake, "/v1"),
    ),
    "wan": lambda: Harness(
        "wan",
        submit=_is("POST", "/api/v1/services/"),
        poll=_is("GET", "/api/v1/tasks/"),
        cancel=_is("POST", "/api/v1/tasks/", "/cancel"),
        cancel_endpoint=True,
        secret=("", "DASHSCOPE_API_KEY"),
        start=_served(WanFake),
    ),
    "luma": lambda: Harness(
        "luma",
        submit=_is("POST", "/dream-machine/v1/generations"),
        poll=_is("GET", "/dream-machine/v1/generations/"),
        cancel=_is("DELETE", "/dream-machine/v1/generations/"),
        cancel_endpoint=True,
        secret=("", "LUMAAI_API_KEY"),
        start=_served(LumaFake, "/dream-machine/v1"),
    ),
    "ltx": lambda: Harness(  # answers the MP4 to the call itself: nothing to poll, resume or cancel
        "ltx",
        submit=_is("POST", "/v1/"),
        resumable=False,
        secret=("", "LTX_API_KEY"),
        start=_served(LtxFake),
    ),
}


@contextlib.contextmanager
def started(name: str, tmp: Path) -> Iterator[Harness]:
    harness = HARNESSES[name]()
    with contextlib.ExitStack() as stack:
        if harness.start is not None:
            harness.start(harness, stack, tmp)
        yield harness


__all__ = ["HARNESSES", "Harness", "diffusers_missing", "started"]
