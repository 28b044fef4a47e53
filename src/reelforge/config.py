"""The config file: YAML with ${VAR} / ${VAR:-default} interpolation, validated by pydantic.

Lookup order: an explicit path, $REELFORGE_CONFIG, ./reelforge.yaml, the user config dir. Unknown keys and
bad values raise ``ConfigError`` naming the key and its line. The library never reads this itself: the
CLI and the server load it and pass the typed ``Config`` in.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from platformdirs import user_config_dir, user_data_dir
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from .errors import ConfigError
from .shorts.config import ShortsConfig

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
SECRET_WORDS = ("key", "token", "secret", "password", "credentials")


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class QueueConfig(_Block):
    backend: Literal["sqlite", "redis", "immediate"] = "sqlite"
    url: str | None = None


class BudgetConfig(_Block):
    per_request_usd: float | None = Field(default=5.0, ge=0)
    daily_usd: float | None = Field(default=50.0, ge=0)
    monthly_usd: float | None = Field(default=500.0, ge=0)


class RetryConfig(_Block):
    max_attempts: int = Field(default=3, ge=1, le=20)  # per backend, for retry-safe failures
    base_delay_s: float = Field(default=1.0, ge=0)
    max_delay_s: float = Field(default=60.0, ge=0)
    cooldown_s: float = Field(default=60.0, ge=0)  # a backend that failed transiently is skipped this long


class ServerConfig(_Block):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    api_tokens: list[SecretStr] = Field(default_factory=list)
    max_upload_mb: int = Field(default=100, ge=1)

    @field_validator("api_tokens", mode="before")
    @classmethod
    def _drop_empty(cls, v: Any) -> Any:
        return [t for t in v if t] if isinstance(v, list) else v


class Config(_Block):
    data_dir: Path = Field(default_factory=lambda: Path(user_data_dir("reelforge")))
    database_url: str | None = None  # default sqlite:///{data_dir}/reelforge.db
    ffmpeg: str | None = None  # a system ffmpeg instead of the bundled one
    queue: QueueConfig = Field(default_factory=QueueConfig)
    default_backend: str = "procedural"
    fallback: list[str] = Field(default_factory=list)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    retry: RetryConfig = Field(default_factory=RetryConfig)
    cache: bool = True
    backends: dict[str, dict[str, Any]] = Field(default_factory=dict)
    shorts: ShortsConfig = Field(default_factory=ShortsConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)

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
        try:
            config = cls.model_validate(data)
        except ValidationError as exc:
            raise _config_error(exc, lines or {}) from None
        config.check_backends(lines or {})
        return config

    def check_backends(self, lines: dict[str, int] | None = None) -> None:
        """Validate each backends.<name> block with that backend's own config model."""
        from .backends.registry import backend_class
        from .errors import BackendUnavailable

        for name in [*self.backends, self.default_backend, *self.fallback]:
            key = (
                f"backends.{name}"
                if name in self.backends
                else ("default_backend" if name == self.default_backend else "fallback")
            )
            if name == "auto":
                continue
            try:
                cls = backend_class(name)
            except BackendUnavailable as exc:
                if "unknown backend" in exc.message:
                    line = (lines or {}).get(key)
                    where = f" (line {line})" if line else ""
                    raise ConfigError(f"{key}: {exc.message}{where}", key=key, line=line) from None
                continue  # known but its optional extra is missing: reported by `backends`
            if name in self.backends:
                try:
                    cls.config_model.model_validate(self.backends[name])
                except ValidationError as exc:
                    raise _config_error(exc, lines or {}, prefix=("backends", name)) from None

    def backend_config(self, name: str) -> dict[str, Any]:
        return dict(self.backends.get(name) or {})


def _config_error(exc: ValidationError, lines: dict[str, int], prefix: tuple[str, ...] = ()) -> ConfigError:
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
