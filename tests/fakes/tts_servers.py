"""Loopback fakes of hosted TTS services. The speech is real (espeak-ng), so forced alignment works on it.

- ``ElevenLabsFake``: ``POST /v1/text-to-speech/{voice}/with-timestamps`` (``xi-api-key``), base64 audio plus
  per-character start/end times.
- ``OpenAITTSFake``: ``POST /v1/audio/speech`` (Bearer key), audio bytes, no timings.
- ``EdgeFake``: the edge-tts websocket protocol (speech.config, SSML, audio.metadata WordBoundary
  events in 100 ns ticks, binary audio frames, turn.end).
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import re
import threading
import wave
from typing import Any

import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from reelforge.shorts.tts.espeak import EspeakEngine

from .server import FakeServer, ServedFake


async def speak(text: str) -> tuple[bytes, list[tuple[str, float, float]]]:
    """WAV bytes of ``text`` and each whitespace word's (text, start, end) in seconds."""
    words = text.split()
    seg = await EspeakEngine().synthesize(text, words)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(seg.sample_rate)
        w.writeframes((np.clip(seg.samples, -1, 1) * 32767).astype("<i2").tobytes())
    spans = seg.words or [(0.0, seg.duration_s)] * len(words)
    return buf.getvalue(), [(w, s, e) for w, (s, e) in zip(words, spans, strict=True)]


class _Fake(ServedFake):
    def __init__(self, api_key: str = "tts-key") -> None:
        self.api_key = api_key
        self.texts: list[str] = []
        self.server = FakeServer(self.app())
        self.timings: list[list[tuple[str, float, float]]] = []

    def app(self) -> Starlette:  # pragma: no cover - overridden
        raise NotImplementedError


class ElevenLabsFake(_Fake):
    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/text-to-speech/{voice}/with-timestamps", self.tts, methods=["POST"])])

    async def tts(self, request: Request) -> Response:
        if request.headers.get("xi-api-key") != self.api_key:
            return JSONResponse(
                {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}, status_code=401
            )
        body = json.loads(await request.body())
        text = body["text"]
        self.texts.append(text)
        audio, words = await speak(text)
        self.timings.append(words)
        chars, starts, ends = [], [], []
        pos = 0
        for word, s, e in words:
            idx = text.find(word, pos)
            for k in range(pos, idx):  # the spaces before the word
                chars.append(text[k])
                starts.append(s)
                ends.append(s)
            step = (e - s) / max(len(word), 1)
            for k, ch in enumerate(word):
                chars.append(ch)
                starts.append(round(s + k * step, 3))
                ends.append(round(s + (k + 1) * step, 3))
            pos = idx + len(word)
        alignment = {"characters": chars, "character_start_times_seconds": starts, "character_end_times_seconds": ends}
        return JSONResponse(
            {
                "audio_base64": base64.b64encode(audio).decode(),
                "alignment": alignment,
                "normalized_alignment": alignment,
            }
        )


class OpenAITTSFake(_Fake):
    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/audio/speech", self.speech, methods=["POST"])])

    async def speech(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return JSONResponse({"error": {"message": "Incorrect API key provided"}}, status_code=401)
        body = json.loads(await request.body())
        self.texts.append(body["input"])
        audio, words = await speak(body["input"])
        self.timings.append(words)
        return Response(audio, media_type="audio/mpeg")


def _text_frame(path: str, body: str) -> str:
    return f"X-RequestId:fake\r\nContent-Type:application/json; charset=utf-8\r\nPath:{path}\r\n\r\n{body}"


def _audio_frame(data: bytes) -> bytes:
    header = b"X-RequestId:fake\r\nContent-Type:audio/mpeg\r\nPath:audio\r\n"
    return len(header).to_bytes(2, "big") + header + data


class EdgeFake:
    """Speaks the SSML's text over the edge-tts websocket protocol (served by aiohttp, which edge-tts
    brings). ``ws_url`` is what ``shorts.tts.base_url`` must be set to."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.timings: list[list[tuple[str, float, float]]] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    def __enter__(self) -> EdgeFake:
        from aiohttp import web

        app = web.Application()
        app.router.add_get("/edge/v1", self.ws)
        self._runner = web.AppRunner(app)
        self._thread.start()

        async def start() -> int:
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

        self.port = asyncio.run_coroutine_threadsafe(start(), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/edge/v1"

    async def ws(self, request: Any) -> Any:
        from aiohttp import web

        websocket = web.WebSocketResponse()
        await websocket.prepare(request)
        config = await websocket.receive_str()
        assert "speech.config" in config
        ssml = await websocket.receive_str()
        match = re.search(r"<prosody[^>]*>(.*?)</prosody>", ssml, re.S)
        text = re.sub(r"<[^>]+>", "", match.group(1) if match else "").strip()
        text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&apos;", "'")
        self.texts.append(text)
        audio, words = await speak(text)
        self.timings.append(words)
        await websocket.send_str(_text_frame("turn.start", "{}"))
        for word, s, e in words:
            meta = {
                "Metadata": [
                    {
                        "Type": "WordBoundary",
                        "Data": {
                            "Offset": int(s * 1e7),
                            "Duration": int((e - s) * 1e7),
                            "text": {"Text": word.strip(".,!?"), "Length": len(word), "BoundaryType": "WordBoundary"},
                        },
                    }
                ]
            }
            await websocket.send_str(_text_frame("audio.metadata", json.dumps(meta)))
        await websocket.send_bytes(_audio_frame(audio))
        await websocket.send_str(_text_frame("turn.end", "{}"))
        await websocket.close()
        return websocket
