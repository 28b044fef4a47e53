"""Google Veo on Vertex AI (https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/veo-video-generation).

``POST .../publishers/google/models/{model}:predictLongRunning`` starts one billable operation; ``POST
...:fetchPredictOperation`` with its name polls it. Results come back as bytes in the operation, or as
``gcsUri`` objects when ``storage_uri`` is set (read back through the Cloud Storage JSON API). OAuth 2 via
google-auth: a credentials file (service account or any google-auth JSON) or Application Default
Credentials; tokens are fetched and refreshed in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import threading
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from ..errors import AuthError, GenerationFailed, ProviderError
from ..media.inputs import MediaRef
from ..types import ModelSpec
from .base import BackendConfig, Plan, ProviderJob
from .hosted import HostedConfig, PollResult
from .http import ProviderClient
from .veo import VEO3, VeoBackend, operation_result, veo_spec

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
_ADC_FILE = Path("~/.config/gcloud/application_default_credentials.json")

MODELS: tuple[ModelSpec, ...] = (
    veo_spec("veo-3.1-generate-001", VEO3, True, True, True, "audio optional (extra.generate_audio)"),
    veo_spec("veo-3.1-fast-generate-001", VEO3, True, True, True, "audio optional (extra.generate_audio)"),
    veo_spec("veo-3.0-generate-001", VEO3, True, False, True, "audio optional; 1080p in 16:9 only"),
    veo_spec("veo-3.0-fast-generate-001", VEO3, True, False, True, "audio optional; 1080p in 16:9 only"),
    veo_spec("veo-2.0-generate-001", (5.0, 6.0, 7.0, 8.0), False, False, False, "silent; 720p"),
)


def _from_file(path: Path) -> tuple[Any, str | None]:
    """Service-account or authorized-user credentials from a JSON file (other types are refused)."""
    from google.oauth2 import credentials, service_account

    info = json.loads(path.read_text())
    kind = info.get("type")
    if kind == "service_account":
        return service_account.Credentials.from_service_account_info(info, scopes=SCOPES), info.get("project_id")
    if kind == "authorized_user":
        return credentials.Credentials.from_authorized_user_info(info, scopes=SCOPES), info.get("quota_project_id")
    raise ValueError(
        f"{path.name}: credentials of type {kind!r} are not supported here; use a service-account "
        "key file or Application Default Credentials"
    )


class VertexConfig(HostedConfig):
    project: str | None = None  # else GOOGLE_CLOUD_PROJECT, else the credentials file's project_id
    location: str = "us-central1"
    credentials: str | None = None  # a google-auth JSON file's path; None: Application Default Credentials
    storage_uri: str | None = None  # gs://bucket/prefix for outputs; None: bytes in the operation
    storage_base_url: str = "https://storage.googleapis.com"
    poll_interval_s: float = 10.0


class VertexBackend(VeoBackend):
    name = "vertex"
    description = "Google Veo 2/3/3.1 on Vertex AI (OAuth; audio on/off; results as bytes or in Cloud Storage)"
    config_model: ClassVar[type[BackendConfig]] = VertexConfig
    secret_env = ("GOOGLE_APPLICATION_CREDENTIALS",)
    audio_settable = True
    hd_needs_8s = False

    def __init__(self, config: BackendConfig | dict[str, Any] | None = None) -> None:
        super().__init__(config)
        self._creds: Any = None
        self._creds_project: str | None = None
        self._lock = threading.Lock()

    def models(self) -> list[ModelSpec]:
        return list(MODELS)

    @property
    def cfg(self) -> VertexConfig:
        return self.config  # type: ignore[return-value]

    @property
    def base_url(self) -> str:
        loc = self.cfg.location
        host = "aiplatform.googleapis.com" if loc == "global" else f"{loc}-aiplatform.googleapis.com"
        return (self.cfg.base_url or f"https://{host}/v1").rstrip("/")

    @property
    def secret(self) -> str | None:  # the live access token: scrubbed from errors like any key
        return getattr(self._creds, "token", None)

    def _credentials_path(self) -> str | None:
        return self.cfg.credentials or os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")

    @property
    def project(self) -> str | None:
        if self.cfg.project or os.environ.get("GOOGLE_CLOUD_PROJECT"):
            return self.cfg.project or os.environ.get("GOOGLE_CLOUD_PROJECT")
        if self._creds_project is None and (path := self._credentials_path()):
            try:
                self._creds_project = json.loads(Path(path).expanduser().read_text()).get("project_id")
            except (OSError, ValueError):
                return None
        return self._creds_project

    def configured(self) -> tuple[bool, str | None]:
        try:
            import google.auth  # noqa: F401
        except ImportError:
            return False, "pip install 'reelforge[google]' (google-auth)"
        path = self._credentials_path()
        if path and not Path(path).expanduser().is_file():
            return False, f"credentials file not found: {path}"
        if not path and not _ADC_FILE.expanduser().is_file():
            return False, (
                "set backends.vertex.credentials to a service-account key file, set "
                "GOOGLE_APPLICATION_CREDENTIALS, or run `gcloud auth application-default login`"
            )
        if not self.project:
            return False, "set backends.vertex.project (or GOOGLE_CLOUD_PROJECT)"
        return True, None

    # -- OAuth ---------------------------------------------------------------------------------------
    def _token_sync(self) -> str:
        import google.auth
        from google.auth.transport.requests import Request

        with self._lock:
            if self._creds is None:
                if self.cfg.credentials:
                    creds, project = _from_file(Path(self.cfg.credentials).expanduser())
                else:
                    creds, project = google.auth.default(scopes=SCOPES)
                self._creds, self._creds_project = creds, self._creds_project or project
            if not self._creds.valid:
                self._creds.refresh(Request())
            return str(self._creds.token)

    async def access_token(self) -> str:
        from google.auth import exceptions

        try:
            return await asyncio.to_thread(self._token_sync)
        except exceptions.TransportError as exc:
            raise ProviderError(
                f"vertex: the OAuth token endpoint is unreachable ({type(exc).__name__})",
                retryable=True,
                submitted=False,
            ) from None
        except (exceptions.RefreshError, exceptions.DefaultCredentialsError, ValueError, OSError) as exc:
            raise AuthError(
                f"vertex could not get an access token ({str(exc)[:200]}); check the service-account "
                "file in backends.vertex.credentials or GOOGLE_APPLICATION_CREDENTIALS"
            ) from None

    async def call(self, client: ProviderClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
        token = await self.access_token()
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return await super().call(client, method, url, headers=headers, **kwargs)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"} if self.secret else {}

    # -- the provider's part -----------------------------------------------------------------------------
    def model_path(self, model: str) -> str:
        return f"/projects/{self.project}/locations/{self.cfg.location}/publishers/google/models/{model}"

    async def image_json(self, ref: MediaRef, client: ProviderClient) -> dict[str, Any]:
        data = await self.input_bytes(ref, client)
        return {"bytesBase64Encoded": base64.b64encode(data).decode(), "mimeType": ref.mime or "image/png"}

    def parameters(self, plan: Plan) -> dict[str, Any]:
        params = super().parameters(plan)
        if self.cfg.storage_uri:
            params["storageUri"] = self.cfg.storage_uri
        return params

    async def submit(self, plan: Plan, client: ProviderClient) -> ProviderJob:
        await self.access_token()  # loads the credentials (and so the project) before building the path
        body = await self.body(plan, client)
        response = await self.call(client, "POST", f"{self.model_path(plan.model)}:predictLongRunning", json=body)
        name = response.json().get("name")
        if not name:
            raise GenerationFailed("vertex accepted the request but returned no operation name")
        return self.job(str(name))

    async def poll(self, job: ProviderJob, client: ProviderClient) -> PollResult:
        model_path = "/" + job.id.split("/operations/")[0]
        response = await self.call(
            client, "POST", f"{model_path}:fetchPredictOperation", json={"operationName": job.id}
        )
        result = operation_result(response.json(), self.name)
        result.output_urls = [self.gcs_url(u) if u.startswith("gs://") else u for u in result.output_urls]
        return result

    def gcs_url(self, uri: str) -> str:
        bucket, _, obj = uri[len("gs://") :].partition("/")
        return f"{self.cfg.storage_base_url.rstrip('/')}/storage/v1/b/{bucket}/o/{quote(obj, safe='')}?alt=media"

    def download_headers(self, job: ProviderJob, url: str) -> dict[str, str]:
        return self.headers() if url.startswith(self.cfg.storage_base_url.rstrip("/")) else {}


__all__ = [
    "MODELS",
    "SCOPES",
    "VertexBackend",
    "VertexConfig",
]
