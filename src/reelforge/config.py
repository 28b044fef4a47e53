"""The config file: YAML with ${VAR} / ${VAR:-default} interpolation, validated by pydantic.

Lookup order: an explicit path, $REELFORGE_CONFIG, ./reelforge.yaml, the user config dir. Unknown keys and
bad values raise ``ConfigError`` naming the key and its line. The library never reads this itself: the
CLI and the server load it and pass the typed ``Config`` in.

This module imports nothing above it. A block owned by a higher layer (``shorts:``, ``jobs:``) is declared
by its owner with ``register_section``, and checks that need a higher layer's knowledge (each
``backends.<name>`` block against that backend's own model) with ``register_check``; the package's
``__init__`` imports the owners, so every section is known before a config is read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from platformdirs import user_config_dir, user_data_dir
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
)

from .errors import ConfigError

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
SECRET_WORDS = ("key", "token", "secret", "password", "credentials")

SectionT = TypeVar("SectionT", bound=BaseModel)
#: top-level blocks declared by the layers that own them: name -> pydantic model
_SECTIONS: dict[str, type[BaseModel]] = {}
#: whole-config checks declared by higher layers, run after parsing: fn(config, key_lines)
_CHECKS: list[Callable[[Config, dict[str, int]], None]] = []


def register_section(name: str, model: type[BaseModel]) -> None:
    """Declare the top-level block ``name`` as validated by ``model`` (every field must have a default)."""
    _SECTIONS[name] = model


def register_check(check: Callable[[Config, dict[str, int]], None]) -> None:
    """Run ``check(config, key_lines)`` on every config parsed from a file or dict; raise ConfigError."""
    if check not in _CHECKS:
        _CHECKS.append(check)


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class BudgetConfig(_Block):
    per_request_usd: float | None = Field(default=5.0, ge=0)
    daily_usd: float | None = Field(default=50.0, ge=0)
    monthly_usd: float | None = Field(default=500.0, ge=0)
    # a backend or model whose cost is unknown is refused under a budget or max_cost_usd unless this is true
    allow_unpriced: bool = False


class RetryConfig(_Block):
    max_attempts: int = Field(default=3, ge=1, le=20)  # per backend, for retry-safe failures
    base_delay_s: float = Field(default=1.0, ge=0)
    max_delay_s: float = Field(default=60.0, ge=0)
    cooldown_s: float = Field(default=60.0, ge=0)  # a backend that failed transiently is skipped this long


class Config(_Block):
    data_dir: Path = Field(default_factory=lambda: Path(user_data_dir("reelforge")))
    database_url: str | None = None  # default sqlite:///{data_dir}/reelforge.db
    ffmpeg: str | None = None  # a system ffmpeg instead of the bundled one
    default_backend: str = "procedural"
    fallback: list[str] = Field(default_factory=list)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    retry: RetryConfig = Field(default_factory=RetryConfig)
    cache: bool = True
    backends: dict[str, dict[str, Any]] = Field(default_factory=dict)
    _sections: dict[str, BaseModel] = PrivateAttr(default_factory=dict)

    def __init__(self, **data: Any) -> None:
        raw = {name: data.pop(name) for name in list(data) if name in _SECTIONS}
        super().__init__(**data)  # an unknown key is an error naming it
        for name, model in _SECTIONS.items():
            value = raw.get(name)
            self._sections[name] = value if isinstance(value, model) else model.model_validate(value or {})

    def __getattr__(self, name: str) -> Any:
        if name in _SECTIONS:  # a registered block: config.shorts, config.jobs
            sections = object.__getattribute__(self, "__pydantic_private__")["_sections"]
            if name not in sections:  # registered after this config was made
                sections[name] = _SECTIONS[name]()
            return sections[name]
        return super().__getattr__(name)  # type: ignore[misc]

    def section(self, model: type[SectionT]) -> SectionT:
        """The registered block validated by ``model``, typed."""
        for name, registered in _SECTIONS.items():
            if registered is model:
                value: SectionT = getattr(self, name)
                return value
        raise KeyError(f"{model.__name__} is not a registered config section")

    @model_serializer(mode="wrap")
    def _dump_sections(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for name in _SECTIONS:
            data[name] = getattr(self, name).model_dump()
        return data

    @field_validator("data_dir", mode="after")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        return v.expanduser()

    @field_validator("backends", mode="before")
    @classmethod
    def _blocks(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: (block or {}) for k, block in v.items()}
        return v

    @property
    def resolved_database_url(self) -> str:
        url = self.database_url or "sqlite:///{data_dir}/reelforge.db"
        return url.replace("{data_dir}", str(self.data_dir))

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, lines: dict[str, int] | None = None) -> Config:
        lines = lines or {}
        data = dict(data)
        sections: dict[str, Any] = {}
        for name, model in _SECTIONS.items():
            try:
                sections[name] = model.model_validate(data.pop(name, None) or {})
            except ValidationError as exc:
                raise config_error(exc, lines, prefix=(name,)) from None
        try:
            config = cls(**data, **sections)
        except ValidationError as exc:
            raise config_error(exc, lines) from None
        for check in _CHECKS:
            check(config, lines)
        return config

    def backend_config(self, name: str) -> dict[str, Any]:
        return dict(self.backends.get(name) or {})


def config_error(exc: ValidationError, lines: dict[str, int], prefix: tuple[str, ...] = ()) -> ConfigError:
    err = exc.errors()[0]
    parts = [str(p) for p in (*prefix, *err["loc"])]
    full = ".".join(parts)
    line = None
    for depth in range(len(parts), 0, -1):  # the key's own line, else its nearest parent's
        line = lines.get(".".join(parts[:depth]))
        if line is not None:
            break
    msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
    where = f" (line {line})" if line else ""
    count = len(exc.errors())
    more = f" (and {count - 1} more problem{'s' if count > 2 else ''})" if count > 1 else ""
    return ConfigError(f"{full}: {msg}{where}{more}", key=full, line=line)


def interpolate(value: Any) -> Any:
    """Replace ${VAR} and ${VAR:-default}. A value that is only an unset ${VAR} becomes None."""
    if isinstance(value, dict):
        return {k: interpolate(v) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v) for v in value]
    if not isinstance(value, str) or "${" not in value:
        return value
    whole = _VAR.fullmatch(value)
    if whole and whole.group(2) is None and not os.environ.get(whole.group(1)):
        return None
    return _VAR.sub(lambda m: os.environ.get(m.group(1)) or (m.group(2) or ""), value)


def _key_lines(node: yaml.Node, prefix: str = "", out: dict[str, int] | None = None) -> dict[str, int]:
    out = {} if out is None else out
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            out[key] = key_node.start_mark.line + 1
            _key_lines(value_node, key, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _key_lines(item, f"{prefix}.{i}", out)
    return out


def parse_config(text: str, source: str = "<config>") -> Config:
    try:
        data = yaml.safe_load(text) or {}
        node = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise ConfigError(
            f"{source}: malformed YAML{f' at line {line}' if line else ''}: {getattr(exc, 'problem', exc)}", line=line
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the config must be a mapping of keys to values")
    lines = _key_lines(node) if node is not None else {}
    return Config.from_dict(interpolate(data), lines=lines)


def config_search_path(explicit: str | Path | None = None) -> Path | None:
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file not found: {path}", key="--config")
        return path
    env = os.environ.get("REELFORGE_CONFIG")
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise ConfigError(f"REELFORGE_CONFIG points to a missing file: {path}", key="REELFORGE_CONFIG")
        return path
    for candidate in (Path("reelforge.yaml"), Path(user_config_dir("reelforge")) / "config.yaml"):
        if candidate.is_file():
            return candidate
    return None


def load_config(path: str | Path | None = None) -> Config:
    found = config_search_path(path)
    if found is None:
        return Config()
    return parse_config(found.read_text(encoding="utf-8"), source=str(found))


def is_secret_key(key: str) -> bool:
    k = key.lower()
    return any(word in k for word in SECRET_WORDS) and not k.endswith(("_env", "_file"))


def redact(value: Any, key: str = "") -> Any:
    """A JSON-able copy with every secret replaced by '***' (set) or None (unset)."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="python")
    if isinstance(value, SecretStr):
        return "***" if value.get_secret_value() else None
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if is_secret_key(key):
            return ["***" for v in value if v]
        return [redact(v, key) for v in value]
    if is_secret_key(key) and value not in (None, ""):
        return "***"
    if isinstance(value, Path):
        return str(value)
    return value


__all__ = [
    "SECRET_WORDS",
    "BudgetConfig",
    "Config",
    "RetryConfig",
    "config_error",
    "config_search_path",
    "interpolate",
    "is_secret_key",
    "load_config",
    "parse_config",
    "redact",
    "register_check",
    "register_section",
]
