"""A Piper voice's ONNX model with its phoneme alignments exposed, without the ``onnx`` package.

Piper's own ``include_alignments`` loads the model with ``onnx`` (whose import alone takes about half a second
of a cold start, mostly ``ml_dtypes``), marks the output of the graph's one ``Ceil`` node (the samples each
phoneme lasts) as a graph output and serialises the model again. The same change is a few bytes of protobuf:
a second ``graph`` field holding only the extra output. Protobuf merges a repeated occurrence of a message
field into the first, appending to its repeated fields, so onnxruntime reads the original graph with one more
output. Only the graph's nodes are read to find the tensor's name; the weights are skipped by their length.
"""

from __future__ import annotations

from collections.abc import Iterator

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5
_MODEL_GRAPH = 7  # ModelProto.graph
_GRAPH_NODE, _GRAPH_OUTPUT = 1, 12  # GraphProto.node, GraphProto.output
_NODE_OUTPUT, _NODE_OP_TYPE = 2, 4  # NodeProto.output, NodeProto.op_type
_VALUE_INFO_NAME = 1  # ValueInfoProto.name


def _varint(buf: memoryview, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _fields(buf: memoryview) -> Iterator[tuple[int, int, memoryview | int]]:
    """(field number, wire type, value) of each field of one message: a view for length-delimited fields."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == _VARINT:
            value, pos = _varint(buf, pos)
            yield number, wire, value
        elif wire == _LEN:
            size, pos = _varint(buf, pos)
            if pos + size > len(buf):
                raise ValueError("truncated field")
            yield number, wire, buf[pos : pos + size]
            pos += size
        elif wire in (_I64, _I32):
            pos += 8 if wire == _I64 else 4
        else:
            raise ValueError(f"unsupported wire type {wire}")


def _strings(msg: memoryview, number: int) -> list[str]:
    return [bytes(v).decode() for n, w, v in _fields(msg) if n == number and w == _LEN]  # type: ignore[arg-type]


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _encode_varint(number << 3 | _LEN) + _encode_varint(len(payload)) + payload


def alignment_tensor(model: bytes) -> str:
    """The name of the model's one ``Ceil`` output; ``ValueError`` when there is none, several, or it is
    already a graph output (the model was patched on disk)."""
    ceil: set[str] = set()
    outputs: set[str] = set()
    for number, wire, graph in _fields(memoryview(model)):
        if number != _MODEL_GRAPH or wire != _LEN:
            continue
        for n, w, value in _fields(graph):  # type: ignore[arg-type]
            if n == _GRAPH_NODE and w == _LEN and _strings(value, _NODE_OP_TYPE) == ["Ceil"]:  # type: ignore[arg-type]
                ceil.update(_strings(value, _NODE_OUTPUT))  # type: ignore[arg-type]
            elif n == _GRAPH_OUTPUT and w == _LEN:
                outputs.update(_strings(value, _VALUE_INFO_NAME))  # type: ignore[arg-type]
    if len(ceil) != 1:
        raise ValueError(f"expected one Ceil tensor, found {len(ceil)}")
    name = next(iter(ceil))
    if name in outputs:
        raise ValueError(f"tensor is already an output: {name}")
    return name


def with_alignments(model: bytes) -> bytes:
    """``model`` (a Piper voice's ONNX bytes) with the phoneme-length tensor added to the graph's outputs, or
    unchanged when it cannot be (already patched, or no single ``Ceil`` node: synthesis then has no alignments)."""
    try:
        name = alignment_tensor(model)
    except ValueError:
        return model
    return model + _field(_MODEL_GRAPH, _field(_GRAPH_OUTPUT, _field(_VALUE_INFO_NAME, name.encode())))


__all__ = ["alignment_tensor", "with_alignments"]
