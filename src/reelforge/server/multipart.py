"""A streaming reader for ``multipart/form-data`` uploads: yields the bytes of the ``file`` part as they arrive,
so an upload is never held in memory or spooled whole before its size is checked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from ..errors import InvalidRequest

FILE_FIELD = b"file"


class _Collector:
    def __init__(self) -> None:
        self.out: list[bytes] = []
        self.headers: dict[bytes, bytes] = {}
        self.field = b""
        self.value = b""
        self.in_file = False
        self.seen_file = False
        self.filename: str | None = None

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self.part_begin,
            "on_header_field": lambda d, s, e: setattr(self, "field", self.field + bytes(d[s:e])),
            "on_header_value": lambda d, s, e: setattr(self, "value", self.value + bytes(d[s:e])),
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
        }

    def part_begin(self) -> None:
        self.headers, self.field, self.value = {}, b"", b""

    def header_end(self) -> None:
        self.headers[self.field.lower()] = self.value
        self.field, self.value = b"", b""

    def headers_finished(self) -> None:
        _, params = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.in_file = params.get(b"name") == FILE_FIELD and not self.seen_file
        if self.in_file and params.get(b"filename"):
            self.filename = params[b"filename"].decode("utf-8", "replace")[:255]

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.out.append(bytes(data[start:end]))

    def part_end(self) -> None:
        if self.in_file:
            self.seen_file, self.in_file = True, False


async def file_part(
    content_type: str, body: AsyncIterator[bytes], names: dict[str, str | None]
) -> AsyncIterator[bytes]:
    """The ``file`` part's bytes; ``names["filename"]`` is set once its headers are read."""
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise InvalidRequest({"body": "multipart/form-data without a boundary"})
    collector = _Collector()
    parser = MultipartParser(boundary, collector.callbacks())
    try:
        async for chunk in body:
            parser.write(chunk)
            names["filename"] = collector.filename
            if collector.out:
                data = b"".join(collector.out)
                collector.out.clear()
                yield data
        parser.finalize()
    except MultipartParseError:
        raise InvalidRequest({"body": "malformed multipart/form-data"}) from None
    if collector.out:
        yield b"".join(collector.out)
    if not collector.seen_file:
        raise InvalidRequest({"file": "send the file in a form part named 'file'"})


__all__ = ["file_part"]
