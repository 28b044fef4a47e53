"""Local open video models through diffusers: Wan, HunyuanVideo, LTX-Video, CogVideoX, Mochi, SVD, any model id.

``model`` is a Hub repo id or a local folder; its ``model_index.json`` names the pipeline class, which
picks the family rules requests are snapped to (``local/families.py``). Pipelines are loaded once per
worker and kept in an LRU cache (``local/cache.py``), run in a worker thread with progress per
denoising step and cancellation between steps (``local/executor.py``), and the frames are encoded to
H.264 by the shared ffmpeg (``local/encode.py``). torch and diffusers are imported only when used:
without the ``local`` extra this backend reports itself unavailable and nothing else is affected.
"""

from __future__ import annotations

import asyncio
import importlib.util
import secrets
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from ..errors import BackendUnavailable, InvalidRequest, Timeout
from ..types import ModelSpec, VideoRequest
from .base import Backend, BackendConfig, Plan, RunContext, RunOutput
from .local.encode import encode_frames
from .local.executor import Executor, GenerationEvent, GenerationJob, InProcessExecutor
from .local.families import KNOWN_MODELS, exact_size, family_for, spec_for
from .local.images import keyframe_refs, load_image
from .local.loader import EXTRA_HINT, GiB, pick_device
from .local.pipecall import choose_pipeline, plan_call
from .local.source import ModelSource, known_source, locate

DEFAULT_MODEL = "Wan-AI/Wan2.1-T2V-1.3B-Diffusers"
REQUIRED_MODULES = ("torch", "diffusers", "transformers", "accelerate")


class DiffusersConfig(BackendConfig):
    """``backends.diffusers`` in the config file."""

    model: str | None = DEFAULT_MODEL
    timeout_s: float = 4 * 3600.0  # local generation of a long 720p video can take an hour or more
    device: str = "auto"  # auto | cuda | cuda:N | mps | cpu
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = "auto"
    memory: Literal["auto", "none", "model_offload", "sequential_offload", "group_offload"] = "auto"
    vae_tiling: bool | None = None  # None: on when offloading or for large videos on CUDA
    vae_slicing: bool = True
    num_inference_steps: int | None = Field(default=None, ge=1, le=500)  # None: the family's default
    guidance_scale: float | None = Field(default=None, ge=0)
    max_gpu_memory_gb: float | None = Field(default=None, gt=0)  # cap for auto's choice (default: free memory)
    headroom_gb: float = Field(default=3.0, ge=0)  # activations and VAE decode, beyond the weights
    cache_models: int = Field(default=2, ge=1)  # loaded pipelines kept per worker
    cache_memory_gb: float | None = Field(default=None, gt=0)  # None: evict when the device is short
    cache_dir: str | None = None  # Hugging Face cache folder (default: HF_HOME's)
    allow_download: bool = True  # False: only models already on disk (HF_HUB_OFFLINE=1 does the same)
    crf: int = Field(default=18, ge=0, le=51)
    preset: str = "medium"

    @field_validator("device")
    @classmethod
    def _device(cls, v: str) -> str:
        v = v.strip().lower()
        if v in ("auto", "cpu", "mps", "cuda") or (v.startswith("cuda:") and v[5:].isdigit()):
            return v
        raise ValueError("device must be auto, cuda, cuda:N, mps or cpu")


class DiffusersBackend(Backend):
    name: ClassVar[str] = "diffusers"
    kind: ClassVar[Literal["builtin", "hosted", "local"]] = "local"
    description: ClassVar[str] = "local open models (Wan, HunyuanVideo, LTX-Video, CogVideoX, Mochi, SVD) via diffusers"
    config_model: ClassVar[type[BackendConfig]] = DiffusersConfig
    config: DiffusersConfig

    def __init__(self, config: BackendConfig | dict[str, Any] | None = None, *, executor: Executor | None = None):
        super().__init__(config)
        self._executor = executor

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            executor = InProcessExecutor()
            executor.cache.max_models = self.config.cache_models
            if self.config.cache_memory_gb is not None:
                executor.cache.limit_bytes = int(self.config.cache_memory_gb * GiB)
            self._executor = executor
        return self._executor

    # -- capabilities --------------------------------------------------------------------------------
    def models(self) -> list[ModelSpec]:
        return [spec_for(name, cls, variant) for name, (cls, variant) in KNOWN_MODELS.items()]

    def estimate_cost(self, plan: Plan) -> float:
        return 0.0  # local compute

    def price_rule(self, model: str | None = None) -> str:
        return "free (local compute)"

    @property
    def default_model(self) -> str:
        return self.config.model or DEFAULT_MODEL

    def _source(self, model: str, *, read: bool) -> ModelSource:
        known = None if read else known_source(model)
        return known or locate(model, cache_dir=self.config.cache_dir, allow_download=self.config.allow_download)

    def model_spec(self, model: str | None) -> ModelSpec:
        name = model or self.default_model
        if name in KNOWN_MODELS:
            return super().model_spec(name)
        return self.unknown_model_spec(name)

    def unknown_model_spec(self, name: str) -> ModelSpec:
        """Any diffusers model id or folder: its model_index.json says which family rules apply."""
        try:
            source = self._source(name, read=True)
        except BackendUnavailable as exc:
            raise InvalidRequest({"model": exc.message}) from None
        return spec_for(name, source.pipeline_class, source.variant, source.trained_frames)

    def configured(self) -> tuple[bool, str | None]:
        """Whether torch and diffusers import, and (when ready) which device runs the models."""
        missing = [m for m in REQUIRED_MODULES if importlib.util.find_spec(m) is None]
        if missing:
            return False, f"needs {', '.join(missing)}: {EXTRA_HINT}"
        try:
            device = pick_device(self.config.device)
        except BackendUnavailable as exc:
            return False, exc.message
        if device == "cpu" and self.config.device == "auto":
            return False, (
                "no CUDA GPU found; set backends.diffusers.device: cpu to run on the CPU anyway "
                "(real models take hours per video there)"
            )
        if device.startswith("cuda"):
            import torch

            props = torch.cuda.get_device_properties(torch.device(device))
            return True, f"runs on {device} ({props.name}, {props.total_memory / GiB:.0f} GB)"
        return True, f"runs on {device}"

    # -- validation ----------------------------------------------------------------------------------
    def validate(self, request: VideoRequest) -> Plan:
        plan = super().validate(request)
        source = self._source(plan.model, read=False)
        family = family_for(source.pipeline_class, source.variant)
        assert family is not None
        asked_size = request.resolution is not None and "x" in request.resolution.lower()
        size = None if asked_size else exact_size(family, plan.resolution, plan.aspect_ratio)
        if size is not None:  # a tier was asked: use the size the model was trained at
            plan.width, plan.height = size
        if plan.prompt and not family.prompt:
            plan.warnings.append(f"prompt ignored: {family.label} takes no prompt (it animates the image)")
            plan.prompt = None
        if "keyframes" in plan.extra and family.key != "ltx":
            plan.warnings.append(f"extra.keyframes ignored: only LTX-Video takes keyframes, not {family.label}")
            plan.extra.pop("keyframes")
        return plan

    # -- running -------------------------------------------------------------------------------------
    async def make_job(self, plan: Plan, ctx: RunContext) -> tuple[GenerationJob, list[str]]:
        """The executor's job for ``plan`` (model located, input images loaded), and warnings about it."""
        source = await asyncio.to_thread(self._source, plan.model, read=True)
        family = family_for(source.pipeline_class, source.variant)
        assert family is not None
        images = {
            name: await load_image(ref, plan, ctx)
            for name, ref in (("image", plan.image), ("last_frame", plan.last_frame))
            if ref is not None
        }
        keyframes = [(await load_image(ref, plan, ctx), idx) for ref, idx in keyframe_refs(plan)]
        run_class = choose_pipeline(source, family, plan.operation, "last_frame" in images, bool(keyframes))
        call, warnings = plan_call(plan, family, run_class, images, keyframes)
        cfg = self.config
        for key in ("num_inference_steps", "guidance_scale"):
            value = getattr(cfg, key)
            if value is not None and key not in plan.extra:
                call[key] = value
        job = GenerationJob(
            source=source,
            family=family,
            run_class=run_class,
            call=call,
            seed=plan.seed if plan.seed is not None else secrets.randbelow(2**31),
            device=cfg.device,
            dtype=cfg.dtype,
            memory=cfg.memory,
            vae_tiling=cfg.vae_tiling,
            vae_slicing=cfg.vae_slicing,
            gpu_budget_bytes=int(cfg.max_gpu_memory_gb * GiB) if cfg.max_gpu_memory_gb else None,
            headroom_bytes=int(cfg.headroom_gb * GiB),
            cache_dir=cfg.cache_dir,
            allow_download=cfg.allow_download,
            user_keys=tuple(k for k in plan.extra if k != "keyframes"),
        )
        return job, warnings

    async def run(self, plan: Plan, ctx: RunContext) -> RunOutput:
        self.require_configured()
        ctx.cancel.raise_if_cancelled("load")
        ctx.progress(0.0, f"locating {plan.model}")
        job, warnings = await self.make_job(plan, ctx)
        source, seed, cfg = job.source, job.seed, self.config

        def on_event(event: GenerationEvent) -> None:
            if event.stage == "denoise" and event.total:
                ctx.progress(0.05 + 0.83 * event.step / event.total, f"denoising: {event.message}")
            elif event.stage == "decode":
                ctx.progress(0.88, "decoding frames")
            else:
                ctx.progress(0.02, event.message)

        try:
            out = await asyncio.wait_for(
                self.executor.generate(job, on_event=on_event, cancel=ctx.cancel), timeout=cfg.timeout_s
            )
        except TimeoutError:
            raise Timeout(
                f"{plan.model} took longer than timeout_s={cfg.timeout_s:g}s (raise backends.diffusers.timeout_s)"
            ) from None
        ctx.progress(0.9, "encoding H.264")
        info = await encode_frames(
            out.frames,
            plan.fps,
            ctx.out_path,
            cancel=ctx.cancel,
            crf=cfg.crf,
            preset=cfg.preset,
            on_progress=lambda f: ctx.progress(0.9 + 0.1 * f, "encoding"),
        )
        if (info.width, info.height) != (plan.width, plan.height):
            warnings.append(
                f"{source.pipeline_class} made {info.width}x{info.height}, not the {plan.width}x{plan.height} asked"
            )
        if info.num_frames != plan.num_frames:
            warnings.append(f"{source.pipeline_class} made {info.num_frames} frames, not the {plan.num_frames} asked")
        ctx.progress(1.0, "done")
        return RunOutput(actual_usd=0.0, billable=False, warnings=[*warnings, *out.notes], seed=seed)


__all__ = [
    "DEFAULT_MODEL",
    "REQUIRED_MODULES",
    "DiffusersBackend",
    "DiffusersConfig",
]
