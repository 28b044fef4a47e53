"""Find a diffusers model (a local folder or a Hub repo id) and read its ``model_index.json``.

Only small JSON files are read here; weights are loaded by ``loader.py``. Nothing here imports torch.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import BackendUnavailable
from .families import KNOWN_MODELS, detect_variant, family_for, supported_pipelines


@dataclass(frozen=True)
class ModelSource:
    """A located model: what it is called, where its files are, and which pipeline class it is."""

    name: str
    pipeline_class: str
    variant: str | None = None
    folder: Path | None = None  # the user's own folder; None for a Hub repo id (loaded through the Hub cache)
    index: dict[str, Any] = field(default_factory=dict)
    trained_frames: int | None = None  # the clip length the transformer was trained at, where its config says

    @property
    def load_target(self) -> str:
        return str(self.folder) if self.folder is not None else self.name


def how_to_get(model: str) -> str:
    """How a user gets ``model`` onto this machine."""
    if _looks_like_path(model):
        return (
            f"{model} is not a diffusers model folder: it needs a model_index.json (save a pipeline with "
            f"save_pretrained, or download one with `huggingface-cli download <repo id> --local-dir {model}`)"
        )
    return (
        f"download it first with `huggingface-cli download {model}` (or `hf download {model}`), "
        f"or set backends.diffusers.model to a local folder that holds a diffusers model (model_index.json)"
    )


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _looks_like_path(model: str) -> bool:
    return model.startswith((".", "/", "~")) or os.sep in model.replace("/", "", 1) or Path(model).expanduser().exists()


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BackendUnavailable(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict):
        raise BackendUnavailable(f"{path} is not a JSON object")
    return data


def _hub_index(model: str, cache_dir: str | None, allow_download: bool) -> Path:
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        raise BackendUnavailable("the diffusers backend needs its extra: pip install 'reelforge[local]'") from None
    local_only = offline() or not allow_download
    try:
        return Path(hf_hub_download(model, "model_index.json", cache_dir=cache_dir, local_files_only=local_only))
    except Exception as exc:  # not in the cache, offline, unknown repo, gated repo: all say how to get it
        why = "not in the local Hugging Face cache" if local_only else f"not found on the Hub ({type(exc).__name__})"
        raise BackendUnavailable(f"model {model!r} is {why}: {how_to_get(model)}") from None


def locate(model: str, *, cache_dir: str | None = None, allow_download: bool = True) -> ModelSource:
    """Locate ``model`` and read its pipeline class. Raises ``BackendUnavailable`` saying how to get it."""
    folder = Path(model).expanduser()
    local = folder.is_dir()
    if local:
        index_path = folder / "model_index.json"
        if not index_path.is_file():
            raise BackendUnavailable(f"model {model!r}: {how_to_get(model)}")
    elif _looks_like_path(model) or model.count("/") != 1:
        raise BackendUnavailable(f"model {model!r} is neither a local folder nor a Hub repo id: {how_to_get(model)}")
    else:
        index_path = _hub_index(model, cache_dir, allow_download)
        folder = index_path.parent
    index = _read_json(index_path)
    pipeline_class = str(index.get("_class_name", ""))
    configs = {
        part: _read_json(folder / part / "config.json")
        for part in ("transformer", "unet")
        if (folder / part / "config.json").is_file()
    }
    variant = detect_variant(pipeline_class, index, configs)
    trained = configs.get("transformer", {}).get("sample_frames") if pipeline_class.startswith("CogVideoX") else None
    if variant is None and model in KNOWN_MODELS:
        variant = KNOWN_MODELS[model][1]
    if family_for(pipeline_class, variant) is None:
        raise BackendUnavailable(
            f"model {model!r} is a {pipeline_class or 'non-pipeline'} model, not a video pipeline reelforge knows; "
            f"supported pipeline classes: {', '.join(supported_pipelines())}"
        )
    return ModelSource(
        name=model,
        pipeline_class=pipeline_class,
        variant=variant,
        folder=folder.resolve() if local else None,
        index=index,
        trained_frames=int(trained) if isinstance(trained, int) else None,
    )


def known_source(model: str) -> ModelSource | None:
    """A published model's pipeline class without touching the disk (for validation)."""
    if model not in KNOWN_MODELS:
        return None
    pipeline_class, variant = KNOWN_MODELS[model]
    return ModelSource(name=model, pipeline_class=pipeline_class, variant=variant)


__all__ = [
    "ModelSource",
    "how_to_get",
    "known_source",
    "locate",
    "offline",
]
