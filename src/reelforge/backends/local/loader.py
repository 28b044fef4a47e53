"""Load a diffusers pipeline and place it: device, dtype, memory mode (offloading), VAE tiling and slicing.

``auto`` choices are made from what the machine has (CUDA, free GPU memory) and the model's measured
size, and each comes back with a sentence saying what was picked and why. Imports torch lazily.
"""

from __future__ import annotations

import contextlib
import importlib
from dataclasses import dataclass, field
from typing import Any

from ...errors import BackendUnavailable, GenerationFailed
from .families import Family
from .source import ModelSource, how_to_get, offline

GiB = 1024**3
MEMORY_MODES = ("none", "model_offload", "sequential_offload", "group_offload")
EXTRA_HINT = "pip install 'reelforge[local]'"


def import_torch() -> Any:
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise BackendUnavailable(f"the diffusers backend needs torch: {EXTRA_HINT}") from None


def import_diffusers() -> Any:
    try:
        return importlib.import_module("diffusers")
    except ImportError as exc:
        raise BackendUnavailable(f"the diffusers backend needs {exc.name or 'diffusers'}: {EXTRA_HINT}") from None


def pick_device(requested: str) -> str:
    torch = import_torch()
    if requested != "auto":
        if requested.startswith("cuda") and not torch.cuda.is_available():
            raise BackendUnavailable(
                f"device {requested!r} configured but torch sees no CUDA device "
                "(is this the CPU build of torch?); set backends.diffusers.device: cpu"
            )
        return requested
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def pick_dtype(requested: str, device: str) -> str:
    if requested != "auto":
        return requested
    if device.startswith("cuda"):
        torch = import_torch()
        return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    return "float16" if device == "mps" else "float32"


def free_device_bytes(device: str) -> int | None:
    """Free memory on a CUDA device right now (None for other devices)."""
    if not device.startswith("cuda"):
        return None
    torch = import_torch()
    free, _total = torch.cuda.mem_get_info(torch.device(device))
    return int(free)


def pick_memory(
    requested: str, device: str, sizes: dict[str, int], budget: int | None, headroom: int
) -> tuple[str, str | None]:
    """The memory mode for a model whose components weigh ``sizes`` bytes, and a note when chosen by auto."""
    if not device.startswith("cuda"):
        if requested in ("auto", "none"):
            return "none", None
        return "none", f"memory {requested} ignored on {device} (offloading needs CUDA)"
    if requested != "auto":
        return requested, None
    total, largest = sum(sizes.values()), max(sizes.values(), default=0)
    avail = budget if budget is not None else 0
    gb = f"model {total / GiB:.1f} GB, largest part {largest / GiB:.1f} GB, {avail / GiB:.1f} GB available on {device}"
    if total + headroom <= avail:
        return "none", f"memory auto → none ({gb})"
    if largest + headroom <= avail:
        return "model_offload", f"memory auto → model_offload ({gb})"
    return "group_offload", f"memory auto → group_offload ({gb})"


@dataclass
class Placement:
    """Where and how a loaded pipeline runs; ``notes`` say what ``auto`` picked."""

    device: str
    dtype: str
    memory: str
    notes: list[str] = field(default_factory=list)


def component_bytes(pipe: Any) -> dict[str, int]:
    """Bytes of parameters and buffers per torch component of a pipeline."""
    torch = import_torch()
    sizes: dict[str, int] = {}
    for name, comp in pipe.components.items():
        if isinstance(comp, torch.nn.Module):
            tensors = [*comp.parameters(), *comp.buffers()]
            sizes[name] = sum(t.numel() * t.element_size() for t in tensors)
    return sizes


def load_pipeline(
    source: ModelSource, family: Family, dtype: str, *, cache_dir: str | None, allow_download: bool
) -> Any:
    """Load the pipeline named by ``source``'s model_index.json on the CPU, in ``dtype``."""
    torch = import_torch()
    diffusers = import_diffusers()
    dtypes: dict[str, Any] = {"default": getattr(torch, dtype)}
    for name in family.fp32_components:
        if name in source.index:
            dtypes[name] = torch.float32
    cls = getattr(diffusers, source.pipeline_class, None) or diffusers.DiffusionPipeline
    kwargs: dict[str, Any] = {"dtype": dtypes, "cache_dir": cache_dir}
    if source.folder is None:
        kwargs["local_files_only"] = offline() or not allow_download
    try:
        pipe = cls.from_pretrained(source.load_target, **kwargs)
    except ImportError as exc:
        raise BackendUnavailable(f"loading {source.name} needs {exc.name or exc}: {EXTRA_HINT}") from None
    except OSError as exc:
        raise BackendUnavailable(
            f"model {source.name!r} could not be loaded ({_first_line(exc)}): {how_to_get(source.name)}"
        ) from None
    except (ValueError, TypeError, RuntimeError, KeyError) as exc:
        raise GenerationFailed(f"loading {source.name} failed: {_first_line(exc)}", stage="load") from None
    if hasattr(pipe, "set_progress_bar_config"):
        pipe.set_progress_bar_config(disable=True)
    return pipe


def place(pipe: Any, placement: Placement) -> None:
    """Move ``pipe`` onto its device, or install the offloading hooks of its memory mode."""
    torch = import_torch()
    mode, device = placement.memory, placement.device
    if mode == "none":
        pipe.to(device)
    elif mode == "model_offload":
        pipe.enable_model_cpu_offload(device=device)
    elif mode == "sequential_offload":
        pipe.enable_sequential_cpu_offload(device=device)
    elif mode == "group_offload":
        if not hasattr(pipe, "enable_group_offload"):  # older diffusers
            pipe.enable_sequential_cpu_offload(device=device)
            placement.notes.append("group_offload needs a newer diffusers: using sequential_offload")
            placement.memory = "sequential_offload"
            return
        pipe.enable_group_offload(
            onload_device=torch.device(device),
            offload_device=torch.device("cpu"),
            offload_type="leaf_level",
            use_stream=True,
        )
    else:
        raise ValueError(f"unknown memory mode {mode!r}; use one of {', '.join(MEMORY_MODES)}")


def set_vae_options(pipe: Any, tiling: bool, slicing: bool) -> None:
    vae = getattr(pipe, "vae", None)
    if vae is None:
        return
    for flag, on, off in ((tiling, "enable_tiling", "disable_tiling"), (slicing, "enable_slicing", "disable_slicing")):
        method = getattr(vae, on if flag else off, None)
        if method is not None:
            with contextlib.suppress(NotImplementedError, ValueError):  # some VAEs lack one of them
                method()


def release(device: str) -> None:
    """Return freed memory to the device (after a cancelled run or an eviction)."""
    import gc

    gc.collect()
    if device.startswith("cuda"):
        torch = import_torch()
        torch.cuda.empty_cache()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


__all__ = [
    "EXTRA_HINT",
    "MEMORY_MODES",
    "Placement",
    "component_bytes",
    "free_device_bytes",
    "import_diffusers",
    "import_torch",
    "load_pipeline",
    "pick_device",
    "pick_dtype",
    "pick_memory",
    "place",
    "release",
    "set_vae_options",
]
