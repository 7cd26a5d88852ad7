"""The request/response objects handlers work with (shared by direct requests and $batch parts)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from .. import constants as c
from .. import exceptions as e
from ..models import DataverseBackend
from ..models.context import Bypass, Caller, WriteContext


def parse_query(raw: str) -> dict[str, str]:
    """Query options, decoded (``+`` is a space: the SDK's requests encodes that way, research §10)."""
    params: dict[str, str] = {}
    for pair in raw.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            params[unquote_plus(name)] = unquote_plus(value)
    return params


def parse_prefer(header: str) -> dict[str, str]:
    """``return=representation,odata.maxpagesize=50,odata.include-annotations="*"`` → a dict."""
    prefs: dict[str, str] = {}
    current, quoted, items = [], False, []
    for char in header:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    for item in items:
        name, _, value = item.strip().partition("=")
        if name:
            prefs[name.strip().lower()] = value.strip()
    return prefs


@dataclass
class ApiRequest:
    """One Web API request: path below ``/api/data/v9.2/``, decoded query, lower-case headers."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes
    org_url: str
    caller: Caller
    content_refs: dict[str, str] = field(default_factory=dict)
    in_batch: bool = False
    route: dict[str, str] = field(default_factory=dict)

    @property
    def api_root(self) -> str:
        return self.org_url + c.API_PREFIX

    @property
    def prefer(self) -> dict[str, str]:
        return parse_prefer(self.headers.get("prefer", ""))

    def json(self) -> Any:
        """The JSON body (an empty body is ``{}``)."""
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as err:
            raise e.InvalidArgument(detail=f"The request body is not valid JSON: {err}") from None

    def context(self, backend: DataverseBackend) -> WriteContext:
        # research/dataverse.md §8: duplicate detection runs only when the header turns it on.
        detect = self.headers.get("mscrm.suppressduplicatedetection", "").strip().lower() == "false"
        # Bypass headers count on the request that carries them (an inner $batch request carries its own);
        # a user without the privilege they need is refused before anything is written.
        bypass = Bypass.from_headers(self.headers)
        backend.privileges.check_bypass(self.caller, bypass)
        return WriteContext(self.caller, self.api_root, detect, self.content_refs, bypass=bypass)


@dataclass
class ApiResponse:
    """Status, headers and body, plus what the cost model charges for."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    records_written: int = 0
    rows_read: int = 0


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None, *, collection: bool = False
) -> ApiResponse:
    content_type = c.JSON_COLLECTION_CONTENT_TYPE if collection else c.JSON_CONTENT_TYPE
    all_headers = {"Content-Type": content_type, "OData-Version": "4.0", **(headers or {})}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return ApiResponse(status, all_headers, body)


def no_content(headers: dict[str, str] | None = None, **charges: int) -> ApiResponse:
    return ApiResponse(204, {"OData-Version": "4.0", **(headers or {})}, b"", **charges)


def error_response(err: e.DataverseError) -> ApiResponse:
    """The documented envelope (research/dataverse.md §5.1) with a request id like REQ_ID."""
    response = json_response(err.body(), err.status, {"REQ_ID": str(uuid.uuid4()), **err.headers})
    return response
