"""$batch wire format: multipart/mixed requests in, multipart/mixed responses out (research §3.1)."""
# The response must carry boundary= in its Content-Type for clients (the Python SDK) to parse it.

from __future__ import annotations

import re
import uuid
from http import HTTPStatus

from .. import exceptions as e
from ..models.batch import ChangeSet, Operation, Outcome, Result
from .http import ApiResponse

_BOUNDARY = re.compile(r'boundary="?([^";,\s]+)"?', re.IGNORECASE)
CRLF = "\r\n"


def boundary_of(content_type: str) -> str | None:
    match = _BOUNDARY.search(content_type)
    return match.group(1) if match else None


def _split(text: str, boundary: str) -> list[tuple[dict[str, str], str]]:
    delimiter, closing = f"--{boundary}", f"--{boundary}--"
    parts: list[list[str]] = []
    current: list[str] | None = None
    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        if line == closing:
            break
        if line == delimiter:
            current = []
            parts.append(current)
        elif current is not None:
            current.append(line)
    return [_headers_and_body(lines) for lines in parts]


def _headers_and_body(lines: list[str]) -> tuple[dict[str, str], str]:
    headers: dict[str, str] = {}
    index = 0
    while index < len(lines) and lines[index].strip():
        name, _, value = lines[index].partition(":")
        headers[name.strip().lower()] = value.strip()
        index += 1
    return headers, "\n".join(lines[index + 1 :]).strip("\n")


def _operation(part_headers: dict[str, str], content: str) -> Operation:
    lines = content.split("\n")
    request_line = lines[0].strip() if lines else ""
    pieces = request_line.split(" ")
    if len(pieces) < 2:
        raise e.MalformedBatch(detail=f"invalid request line {request_line!r}")
    headers, body = _headers_and_body(lines[1:])
    content_id = part_headers.get("content-id") or headers.get("content-id")
    return Operation(pieces[0].upper(), pieces[1], headers, body.encode("utf-8"), content_id)


def parse(content_type: str, body: bytes) -> list[Operation | ChangeSet]:
    """Operations and change sets in request order.

    Raises:
        MalformedBatch: Not multipart, or a part that is not an HTTP request.
    """
    boundary = boundary_of(content_type)
    if not content_type.lower().startswith("multipart/mixed") or boundary is None:
        raise e.MalformedBatch(detail="the Content-Type must be multipart/mixed with a boundary")
    parts: list[Operation | ChangeSet] = []
    for headers, content in _split(body.decode("utf-8"), boundary):
        part_type = headers.get("content-type", "")
        if part_type.lower().startswith("multipart/mixed"):
            inner = boundary_of(part_type)
            if inner is None:
                raise e.MalformedBatch(detail="a change set without a boundary")
            parts.append(ChangeSet([_operation(h, c) for h, c in _split(content, inner)]))
        else:
            parts.append(_operation(headers, content))
    return parts


def _http_part(result: Result) -> list[str]:
    response: ApiResponse = result.response
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if result.content_id:
        lines.append(f"Content-ID: {result.content_id}")
    lines += ["", f"HTTP/1.1 {response.status} {HTTPStatus(response.status).phrase}"]
    lines += [f"{name}: {value}" for name, value in response.headers.items()]
    lines += ["", response.body.decode("utf-8") if response.body else ""]
    return lines


def serialise(outcome: Outcome) -> tuple[int, dict[str, str], bytes]:
    """Status (400 when processing stopped at an error, §3.1), headers and the multipart body."""
    boundary = f"batchresponse_{uuid.uuid4()}"
    lines: list[str] = []
    for item in outcome.items:
        if isinstance(item, list) and not (len(item) == 1 and item[0].response.status >= 400):
            inner = f"changesetresponse_{uuid.uuid4()}"
            lines += [f"--{boundary}", f"Content-Type: multipart/mixed; boundary={inner}", ""]
            for result in item:
                lines += [f"--{inner}", *_http_part(result)]
            lines.append(f"--{inner}--")
        else:
            result = item[0] if isinstance(item, list) else item
            lines += [f"--{boundary}", *_http_part(result)]
    lines += [f"--{boundary}--", ""]
    headers = {"Content-Type": f"multipart/mixed; boundary={boundary}", "OData-Version": "4.0"}
    return (400 if outcome.stopped else 200), headers, CRLF.join(lines).encode("utf-8")
