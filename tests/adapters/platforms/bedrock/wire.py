"""The wire under the fake: a signed request read back into parameters, checked against
botocore's service model, and a reply serialized the way AWS's rest-json services answer.

What botocore sends is read from the HTTP request itself (method, path, query, JSON body), so a
test sees exactly what AWS would. Every parameter is checked against the operation's input
shape (required members, types, enums, lengths, ranges and patterns, which botocore's own client
does not check); every reply against its output shape, so the fake cannot answer what AWS
cannot.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import struct
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.model import OperationModel, Shape

# Patterns in the service model no real value matches. TaggableResourcesArn says `/d{12}` where
# it means `\d{12}` (see the botocore bedrock-agent model), so it would refuse every real ARN.
UNCHECKED_PATTERNS = {"TaggableResourcesArn"}


class Violation(Exception):
    """A request or reply that does not fit the service model."""


def read_request(operation: OperationModel, request: AWSPreparedRequest) -> dict[str, Any]:
    """The operation's parameters, as the service would read them off the wire."""
    url = urlsplit(request.url)
    labels = _labels(operation.http["requestUri"].split("?")[0], url.path)
    query = parse_qs(url.query)
    body = request.body or b""
    if hasattr(body, "read"):
        body = body.read()
    document = json.loads(body) if body else {}
    params: dict[str, Any] = {}
    shape = operation.input_shape
    for name, member in shape.members.items() if shape else []:
        where = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if where == "uri":
            params[name] = unquote(labels[wire])
        elif where == "querystring" and wire in query:
            params[name] = _scalar(member, query[wire][0])
        elif where == "header" and wire in request.headers:
            params[name] = _scalar(member, str(request.headers[wire]))
        elif where is None and wire in document:
            params[name] = document.pop(wire)
    if document:
        raise Violation(f"{operation.name}: unknown body members {sorted(document)}")
    return params


def check(shape: Shape | None, value: Any, path: str = "") -> list[str]:
    """Every way `value` does not fit `shape`, as `path: problem` lines."""
    out: list[str] = []
    if shape is not None:
        _check(shape, value, path or shape.name, out)
    return out


def reply(operation: OperationModel, output: Mapping[str, Any], url: str) -> AWSResponse:
    """The HTTP reply AWS would send for `output` (checked against the output shape)."""
    shape = operation.output_shape
    streams = {
        n for n, m in (shape.members.items() if shape else []) if m.serialization.get("eventstream")
    }
    problems = check(shape, {k: {} if k in streams else v for k, v in output.items()})
    for name in streams & set(output):
        for i, event in enumerate(output[name]):
            if "error" not in event:
                problems += check(shape.members[name], event, f"{name}[{i}]")  # type: ignore[union-attr]
    if problems:
        raise Violation(f"{operation.name} reply: " + "; ".join(problems))
    headers = {"content-type": "application/json", "x-amzn-RequestId": "fake-request"}
    body: dict[str, Any] = {}
    events: Iterable[bytes] = ()
    for name, member in shape.members.items() if shape else []:
        if name not in output:
            continue
        wire = member.serialization.get("name", name)
        if member.serialization.get("location") == "header":
            headers[wire] = str(output[name])
        elif member.serialization.get("eventstream"):
            headers["content-type"] = "application/vnd.amazon.eventstream"
            events = (event_frame(e) for e in output[name])
        else:
            body[wire] = _jsonable(output[name])
    status = int(operation.http.get("responseCode", 200))
    if headers["content-type"] == "application/json":
        return AWSResponse(url, status, headers, _Raw([json.dumps(body).encode()]))
    return AWSResponse(url, status, headers, _Raw(events))


def error(code: str, message: str, status: int, url: str) -> AWSResponse:
    headers = {"content-type": "application/json", "x-amzn-ErrorType": code}
    body = json.dumps({"message": message}).encode()
    return AWSResponse(url, status, headers, _Raw([body]))


def event_frame(event: Mapping[str, Any]) -> bytes:
    """One event-stream message (`{"chunk": {...}}`, or `{"error": (type, message)}`): the
    prelude, headers, JSON payload and the two CRC32s that botocore's decoder checks."""
    ((kind, value),) = event.items()
    if kind == "error":
        code, message = value
        headers = {":message-type": "exception", ":exception-type": code}
        payload = json.dumps({"message": message}).encode()
    else:
        headers = {":message-type": "event", ":event-type": kind}
        payload = json.dumps(_jsonable(value)).encode()
    headers[":content-type"] = "application/json"
    encoded = b"".join(
        struct.pack(">B", len(k)) + k.encode() + struct.pack(">BH", 7, len(v)) + v.encode()
        for k, v in headers.items()
    )
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack(">II", total, len(encoded))
    message = prelude + struct.pack(">I", binascii.crc32(prelude)) + encoded + payload
    return message + struct.pack(">I", binascii.crc32(message))


class _Raw:
    """What botocore reads a reply's body from (urllib3's `stream()`)."""

    def __init__(self, parts: Iterable[bytes]) -> None:
        self._parts = parts

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[bytes]:
        yield from self._parts


def _labels(template: str, path: str) -> dict[str, str]:
    pattern = ""
    for literal, label in re.findall(r"([^{]*)(?:\{([^}]+)\})?", template):
        pattern += re.escape(literal)
        if label:
            greedy = label.endswith("+")
            pattern += f"(?P<{label.rstrip('+')}>{'.+' if greedy else '[^/]+'})"
    match = re.fullmatch(pattern, path)
    if match is None:
        raise Violation(f"{path} does not match {template}")
    return match.groupdict()


def _scalar(shape: Shape, text: str) -> Any:
    if shape.type_name == "boolean":
        return text == "true"
    if shape.type_name in ("integer", "long"):
        return int(text)
    return text


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _check(shape: Shape, value: Any, path: str, out: list[str]) -> None:
    kind = shape.type_name
    if getattr(shape, "is_document_type", False):
        return
    checker = _CHECKERS.get(kind)
    if checker is None:
        return
    checker(shape, value, path, out)


def _structure(shape: Any, value: Any, path: str, out: list[str]) -> None:
    if not isinstance(value, Mapping):
        out.append(f"{path}: expected a structure, got {type(value).__name__}")
        return
    out.extend(f"{path}.{r}: required" for r in shape.required_members if r not in value)
    for key, item in value.items():
        if key not in shape.members:
            out.append(f"{path}.{key}: not in {shape.name}")
        else:
            _check(shape.members[key], item, f"{path}.{key}", out)


def _list(shape: Any, value: Any, path: str, out: list[str]) -> None:
    if not isinstance(value, list):
        out.append(f"{path}: expected a list")
        return
    _bounds(shape, len(value), path, out)
    for i, item in enumerate(value):
        _check(shape.member, item, f"{path}[{i}]", out)


def _map(shape: Any, value: Any, path: str, out: list[str]) -> None:
    if not isinstance(value, Mapping):
        out.append(f"{path}: expected a map")
        return
    _bounds(shape, len(value), path, out)
    for key, item in value.items():
        _check(shape.key, key, f"{path}<key {key}>", out)
        _check(shape.value, item, f"{path}[{key}]", out)


def _string(shape: Any, value: Any, path: str, out: list[str]) -> None:
    if not isinstance(value, str):
        out.append(f"{path}: expected a string, got {type(value).__name__}")
        return
    _bounds(shape, len(value), path, out)
    if shape.enum and value not in shape.enum:
        out.append(f"{path}: {value!r} is not one of {shape.enum}")
    pattern = shape.metadata.get("pattern")
    if pattern and shape.name not in UNCHECKED_PATTERNS and not re.fullmatch(pattern, value):
        out.append(f"{path}: {value[:80]!r} does not match {pattern[:80]}")


def _number(shape: Any, value: Any, path: str, out: list[str]) -> None:
    integral = shape.type_name in ("integer", "long")
    allowed = int if integral else (int, float)
    if isinstance(value, bool) or not isinstance(value, allowed):
        out.append(f"{path}: expected {'an integer' if integral else 'a number'}")
        return
    _bounds(shape, value, path, out)


def _typed(expected: type | tuple[type, ...]) -> Any:
    def checker(shape: Any, value: Any, path: str, out: list[str]) -> None:
        if not isinstance(value, expected):
            out.append(f"{path}: expected {shape.type_name}, got {type(value).__name__}")

    return checker


def _bounds(shape: Any, size: float, path: str, out: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        out.append(f"{path}: {size} is under the minimum {low}")
    if high is not None and size > high:
        out.append(f"{path}: {size} is over the maximum {high}")


_CHECKERS = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "string": _string,
    "integer": _number,
    "long": _number,
    "float": _number,
    "double": _number,
    "boolean": _typed(bool),
    "timestamp": _typed((datetime, int, float, str)),
    "blob": _typed((bytes, str)),
}
