"""Loopback fakes of Veo on the Gemini API and on Vertex AI (plus Google's OAuth token endpoint and Cloud
Storage), written from Google's public docs.

Each operation plays ``states`` poll by poll (the last repeats): ``"running"``, ``"done"`` (a video),
``"filtered"`` (the safety filter removed every sample) or a dict sent as the operation (e.g. an error).
Gemini downloads redirect to a second server (``cdn``) as Google's file URIs redirect to storage.
"""

from __future__ import annotations

import base64
import itertools
import json
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .kit import DropResponse, Fault, take, tiny_mp4
from .server import FakeServer

DURATIONS = {"veo-3.1": {4, 6, 8}, "veo-3.0": {8}, "veo-2.0": {5, 6, 7, 8}}
FILTERED_REASON = "Unable to generate videos because the output may violate Google's Responsible AI practices."


def google_error(code: int, message: str, status: str, details: list | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status, "details": details or []}}


def _bad(message: str) -> JSONResponse:
    return JSONResponse(google_error(400, message, "INVALID_ARGUMENT"), status_code=400)


def service_account_json(path: Path, token_uri: str, project: str) -> tuple[Path, bytes]:
    """Write a service-account key file with a fresh RSA key; return it and the public key PEM."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    info = {
        "type": "service_account",
        "project_id": project,
        "private_key_id": "fake-key-1",
        "private_key": private,
        "client_email": f"reelforge-test@{project}.iam.gserviceaccount.com",
        "client_id": "1234567890",
        "token_uri": token_uri,
    }
    path.write_text(json.dumps(info))
    return path, public


class VeoFake:
    def __init__(self, api_key: str = "gemini-test-key-0123456789") -> None:
        self.api_key = api_key
        self.video = tiny_mp4()
        self.public_pem: bytes | None = None  # set to verify the JWT of token requests
        self._ids = itertools.count(1)
        self.reset()
        self.server = FakeServer(
            Starlette(
                routes=[
                    Route("/v1beta/models/{model_action}", self.gemini_submit, methods=["POST"]),
                    Route("/v1beta/models/{model}/operations/{op}", self.gemini_poll, methods=["GET"]),
                    Route("/v1beta/files/{file_action}", self.gemini_file, methods=["GET"]),
                    Route(
                        "/v1/projects/{project}/locations/{location}/publishers/google/models/{model_action}",
                        self.vertex_call,
                        methods=["POST"],
                    ),
                    Route("/token", self.token, methods=["POST"]),
                    Route("/storage/v1/b/{bucket}/o/{name:path}", self.gcs, methods=["GET"]),
                ]
            )
        )
        self.cdn = FakeServer(Starlette(routes=[Route("/videos/{name}", self.cdn_get, methods=["GET"])]))

    def reset(self) -> None:
        self.states: list[Any] = ["running", "done"]
        self.submit_faults: list[Fault] = []
        self.poll_faults: list[Fault] = []
        self.download_faults: list[Fault] = []
        self.ops: dict[str, dict[str, Any]] = {}
        self.tokens: list[str] = []
        for server in ("server", "cdn"):
            if hasattr(self, server):
                getattr(self, server).requests.clear()

    def __enter__(self) -> VeoFake:
        self.server.__enter__()
        self.cdn.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cdn.__exit__(*exc)
        self.server.__exit__(*exc)

    @property
    def url(self) -> str:
        return self.server.url

    def seed_op(self, name: str, kind: str = "gemini", body: dict | None = None) -> None:
        self.ops[name] = {"kind": kind, "polls": 0, "states": list(self.states), "body": body or {}}

    # -- shared ----------------------------------------------------------------------------------------
    def _check_body(self, model: str, body: dict[str, Any], kind: str) -> str | None:
        family = next((f for f in DURATIONS if model.startswith(f)), None)
        if family is None:
            return f"models/{model} is not found for API version v1beta, or is not supported for predictLongRunning."
        params, [instance] = body.get("parameters", {}), body.get("instances", [{}])
        if params.get("durationSeconds") not in DURATIONS[family]:
            return f"durationSeconds {params.get('durationSeconds')} is out of range for {model}"
        if params.get("aspectRatio", "16:9") not in ("16:9", "9:16"):
            return "aspectRatio must be 16:9 or 9:16"
        if kind == "gemini" and "generateAudio" in params:
            return "generateAudio isn't supported by this model."
        if kind == "vertex" and family != "veo-2.0" and "generateAudio" not in params:
            return "generateAudio is required for Veo 3 models."
        if (
            kind == "gemini"
            and family == "veo-3.1"
            and params.get("resolution") == "1080p"
            and params["durationSeconds"] != 8
        ):
            return "1080p is only supported for 8 second videos."
        for field in ("image", "lastFrame"):
            image = instance.get(field)
            if image is not None and not (
                image.get("inlineData", {}).get("data") or image.get("bytesBase64Encoded") or image.get("gcsUri")
            ):
                return f"instances[0].{field} needs inlineData, bytesBase64Encoded or gcsUri"
        if "lastFrame" in instance and family != "veo-3.1" and kind == "gemini":
            return "lastFrame isn't supported by this model."
        return None

    def _create(self, name: str, kind: str, body: dict[str, Any]) -> Response:
        self.seed_op(name, kind, body)
        fault = take(self.submit_faults)
        if fault is not None:
            if fault.drop:
                return DropResponse()
            del self.ops[name]
            return fault.response()
        return JSONResponse({"name": name})

    def _operation(self, name: str) -> Response:
        fault = take(self.poll_faults)
        if fault is not None:
            return fault.response()
        op = self.ops.get(name)
        if op is None:
            return JSONResponse(google_error(404, f"Operation {name} not found.", "NOT_FOUND"), status_code=404)
        state = op["states"][min(op["polls"], len(op["states"]) - 1)]
        op["polls"] += 1
        if isinstance(state, dict):
            return JSONResponse({"name": name, **state})
        if state == "running":
            return JSONResponse({"name": name, "done": False})
        gemini = op["kind"] == "gemini"
        if state == "filtered":
            body: dict[str, Any] = {"raiMediaFilteredCount": 1, "raiMediaFilteredReasons": [FILTERED_REASON]}
        elif gemini:
            file_id = name.rsplit("/", 1)[-1]
            body = {"generatedSamples": [{"video": {"uri": f"{self.url}/v1beta/files/{file_id}:download?alt=media"}}]}
        elif op["body"].get("parameters", {}).get("storageUri"):
            bucket_path = op["body"]["parameters"]["storageUri"].rstrip("/")
            body = {
                "raiMediaFilteredCount": 0,
                "videos": [{"gcsUri": f"{bucket_path}/{op['polls']}/sample_0.mp4", "mimeType": "video/mp4"}],
            }
        else:
            body = {
                "raiMediaFilteredCount": 0,
                "videos": [{"bytesBase64Encoded": base64.b64encode(self.video).decode(), "mimeType": "video/mp4"}],
            }
        if gemini:
            response = {
                "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse",
                "generateVideoResponse": body,
            }
        else:
            response = {"@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse", **body}
        return JSONResponse({"name": name, "done": True, "response": response})

    # -- Gemini API ----------------------------------------------------------------------------------
    def _key_ok(self, request: Request) -> Response | None:
        if request.headers.get("x-goog-api-key") == self.api_key:
            return None
        return _bad("API key not valid. Please pass a valid API key.")

    async def gemini_submit(self, request: Request) -> Response:
        if (denied := self._key_ok(request)) is not None:
            return denied
        model, _, action = request.path_params["model_action"].partition(":")
        if action != "predictLongRunning":
            return _bad(f"unknown action {action}")
        body = await request.json()
        if (problem := self._check_body(model, body, "gemini")) is not None:
            return _bad(problem)
        return self._create(f"models/{model}/operations/op{next(self._ids)}", "gemini", body)

    async def gemini_poll(self, request: Request) -> Response:
        if (denied := self._key_ok(request)) is not None:
            return denied
        return self._operation(f"models/{request.path_params['model']}/operations/{request.path_params['op']}")

    async def gemini_file(self, request: Request) -> Response:
        if (denied := self._key_ok(request)) is not None:
            return denied
        file_id = request.path_params["file_action"].split(":")[0]
        return RedirectResponse(f"{self.cdn.url}/videos/{file_id}.mp4?sig={next(self._ids)}", status_code=302)

    async def cdn_get(self, request: Request) -> Response:
        fault = take(self.download_faults)
        return fault.response() if fault is not None else Response(self.video, media_type="video/mp4")

    # -- Vertex AI, OAuth, Cloud Storage ---------------------------------------------------------------
    def _bearer_ok(self, request: Request) -> Response | None:
        auth = request.headers.get("authorization", "")
        if auth.startswith("Bearer ") and auth[7:] in self.tokens:
            return None
        return JSONResponse(
            google_error(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED"), status_code=401
        )

    async def token(self, request: Request) -> Response:
        form = await request.form()
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        if self.public_pem is not None:
            from google.auth import jwt

            try:
                # google-auth signs for Google's token endpoint whatever token_uri says
                audience = ["https://oauth2.googleapis.com/token", f"{self.url}/token"]
                jwt.decode(str(form.get("assertion")), certs=self.public_pem.decode(), audience=audience)
            except ValueError as exc:
                return JSONResponse({"error": "invalid_grant", "error_description": str(exc)}, status_code=400)
        token = f"ya29.fake-access-token-{len(self.tokens) + 1}"
        self.tokens.append(token)
        return JSONResponse({"access_token": token, "expires_in": 3600, "token_type": "Bearer"})

    async def vertex_call(self, request: Request) -> Response:
        if (denied := self._bearer_ok(request)) is not None:
            return denied
        model, _, action = request.path_params["model_action"].partition(":")
        body = await request.json()
        prefix = "/".join(request.url.path.split("/")[2:-1])  # projects/.../models
        if action == "fetchPredictOperation":
            return self._operation(body.get("operationName", ""))
        if action != "predictLongRunning":
            return _bad(f"unknown action {action}")
        if (problem := self._check_body(model, body, "vertex")) is not None:
            return _bad(problem)
        return self._create(f"{prefix}/{model}/operations/{next(self._ids):08d}-uuid", "vertex", body)

    async def gcs(self, request: Request) -> Response:
        if (denied := self._bearer_ok(request)) is not None:
            return denied
        if request.query_params.get("alt") != "media":
            return JSONResponse({"name": request.path_params["name"]})
        fault = take(self.download_faults)
        return fault.response() if fault is not None else Response(self.video, media_type="video/mp4")
