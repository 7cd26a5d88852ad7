"""Cliniko request handling: read the HTTP request, call the backend, serialise. No behaviour here."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from ..common.server import ConnectionDropped
from . import exceptions as e
from .constants import API_PREFIX, FILES_PREFIX, NESTED_ONLY, PUBLIC_VIEW, SINGLE_OBJECT, VIEWS
from .models import ClinikoBackend, Page

JSON_TYPE = "application/json; charset=utf-8"
Action = Callable[[], tuple[Response, int]]


def _error(err: e.ClinikoError) -> Response:
    return JSONResponse(err.body(), status_code=err.status, headers=err.headers)


class DroppedResponse(Response):
    """Fault injection: the status line, headers and part of the body, then the connection is closed."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", JSON_TYPE.encode()), (b"content-length", b"4096")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"patients":[', "more_body": True})
        raise ConnectionDropped("response dropped by fault injection")


def _served(request: Request, backend: ClinikoBackend, endpoint: str, action: Action) -> Response:
    """Admission (User-Agent, key, rate limit), injected faults, then the action; every /v1 request is counted.

    An injected fault comes after admission: the request counted against the rate limit, as a request that
    reached a failing server does.
    """
    try:
        backend.admit(request.headers.get("authorization"), request.headers.get("user-agent"))
        target = f"{request.url.path}?{request.url.query}" if request.url.query else request.url.path
        fault = backend.fault(target)
        if isinstance(fault, e.ClinikoError):
            raise fault
        if fault == "drop":
            backend.count(endpoint, 599)
            return DroppedResponse()
        response, records = action()
    except e.ClinikoError as err:
        backend.count(endpoint, err.status)
        return _error(err)
    backend.count(endpoint, response.status_code, records)
    return response


def _base(request: Request, backend_url: str | None) -> str:
    """The emulator's own URL for links (the Host header is accepted and ignored)."""
    return backend_url or f"{request.url.scheme}://{request.url.netloc}"


def _links(request: Request, base: str, page: Page) -> dict[str, str]:
    """self / next / previous with every query parameter kept; next and previous only when relevant (§2.3)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]

    def url(number: int) -> str:
        return f"{base}{request.url.path}?" + urlencode([("page", str(number)), *kept], quote_via=quote)

    links = {"self": url(page.page)}
    if page.has_next:
        links["next"] = url(page.page + 1)
    if page.page > 1:
        links["previous"] = url(page.page - 1)
    return links


def _list_response(
    request: Request, backend: ClinikoBackend, base: str | None, name: str, view: str, within: Sequence[str] = ()
) -> Action:
    """A page of a list; `within` adds filters the path implies (a nested list's parent)."""

    def action() -> tuple[Response, int]:
        params = request.query_params
        page = backend.list_page(
            name,
            view,
            filters=[*params.getlist("q[]"), *params.getlist("q"), *within],
            sort=params.get("sort"),
            order=params.get("order"),
            page=params.get("page"),
            per_page=params.get("per_page"),
        )
        links = json.dumps(_links(request, _base(request, base), page), separators=(",", ":"))
        body = f'{{"{page.collection}":[{",".join(page.texts)}],"total_entries":{page.total},"links":{links}}}'
        return Response(body.encode("utf-8"), media_type=JSON_TYPE), len(page.texts)

    return action


async def collection(request: Request, backend: ClinikoBackend, base_url: str | None) -> Response:
    """GET /v1/{collection}: a page of the list; /v1/settings is the single settings object."""
    name = request.path_params["collection"]
    if name in SINGLE_OBJECT:

        def single() -> tuple[Response, int]:
            return Response(backend.single(name).text.encode("utf-8"), media_type=JSON_TYPE), 1

        return _served(request, backend, f"GET {API_PREFIX}/{name}", single)
    if name in NESTED_ONLY:
        return await unknown(request, backend)
    return _served(request, backend, f"GET {API_PREFIX}/{name}", _list_response(request, backend, base_url, name, ""))


async def nested(request: Request, backend: ClinikoBackend, base_url: str | None) -> Response:
    """GET /v1/{parent}/{id}/{child}: the child records of one parent (NESTED_ONLY); 404 when the parent is
    unknown or deleted."""
    parent, parent_id, child = (request.path_params[k] for k in ("collection", "item", "child"))
    if NESTED_ONLY.get(child, ("", ""))[0] != parent:
        return await unknown(request, backend)
    listing = _list_response(request, backend, base_url, child, "", [f"{NESTED_ONLY[child][1]}:={parent_id}"])

    def action() -> tuple[Response, int]:
        backend.get(parent, parent_id)
        return listing()

    return _served(request, backend, f"GET {API_PREFIX}/{parent}/{{id}}/{child}", action)


async def item(request: Request, backend: ClinikoBackend, base_url: str | None) -> Response:
    """GET /v1/{collection}/{deleted|archived|cancelled|inactive} (a list) or /v1/{collection}/{id}."""
    name, key = request.path_params["collection"], request.path_params["item"]
    if name in SINGLE_OBJECT and key == PUBLIC_VIEW:

        def public() -> tuple[Response, int]:
            return Response(backend.single(name, public=True).text.encode("utf-8"), media_type=JSON_TYPE), 1

        return _served(request, backend, f"GET {API_PREFIX}/{name}/{key}", public)
    if key in VIEWS:
        action = _list_response(request, backend, base_url, name, key)
        return _served(request, backend, f"GET {API_PREFIX}/{name}/{key}", action)

    def one() -> tuple[Response, int]:
        return Response(backend.get(name, key).text.encode("utf-8"), media_type=JSON_TYPE), 1

    return _served(request, backend, f"GET {API_PREFIX}/{name}/{{id}}", one)


async def attachment_content(request: Request, backend: ClinikoBackend, base_url: str | None) -> Response:
    """GET /v1/patient_attachments/{id}/content: 302 to a signed download URL (README: Cliniko keeps the files
    in S3), once the attachment has bytes."""

    def content() -> tuple[Response, int]:
        record_id = request.path_params["id"]
        backend.attachment(record_id)  # 404 now, not after the redirect, when there are no bytes
        location = f"{_base(request, base_url)}{FILES_PREFIX}/{record_id}/{backend.attachment_token(record_id)}"
        return RedirectResponse(location, status_code=302), 0

    return _served(request, backend, f"GET {API_PREFIX}/patient_attachments/{{id}}/content", content)


async def attachment_file(request: Request, backend: ClinikoBackend) -> Response:
    """GET /_files/{id}/{token}: the bytes with their content type; the URL is the credential (no key)."""
    endpoint = f"GET {FILES_PREFIX}/{{id}}"
    try:
        data, content_type = backend.attachment_download(request.path_params["id"], request.path_params["token"])
    except e.ClinikoError as err:
        backend.count_download(endpoint, err.status)
        return _error(err)
    backend.count_download(endpoint, 200)
    return Response(data, media_type=content_type)


async def unknown(request: Request, backend: ClinikoBackend) -> Response:
    """Any other /v1 path: 404 after admission (a real client is authenticated before routing)."""

    def missing() -> tuple[Response, int]:
        raise e.NotFound(what=request.url.path.removeprefix(API_PREFIX))

    return _served(request, backend, f"{request.method} {API_PREFIX}/(unknown)", missing)


# -- control endpoints (no auth, loopback) ----------------------------------------------------------------


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise e.ControlError(detail="the body must be a JSON object") from None
    if not isinstance(value, dict):
        raise e.ControlError(detail="the body must be a JSON object")
    return value


async def control_reset(request: Request, backend: ClinikoBackend) -> Response:
    """POST: reload the dump, zero the stats and the rate-limit windows."""
    backend.reset()
    return JSONResponse({"reset": True})


async def control_stats(request: Request, backend: ClinikoBackend) -> Response:
    """GET: requests, 429s, statuses, per-endpoint counts, records served, control writes, faults and the
    rate limit's counters."""
    return JSONResponse(backend.stats_dict())


async def control_faults(request: Request, backend: ClinikoBackend) -> Response:
    """GET shows the faults; POST changes them (``{"replace": true, ...}`` starts from none); DELETE clears."""
    try:
        if request.method == "DELETE":
            return JSONResponse(backend.faults.configure({}, replace=True))
        if request.method == "GET":
            return JSONResponse(backend.faults.current())
        body = await _body(request)
        replace = bool(body.pop("replace", False))
        try:
            return JSONResponse(backend.faults.configure(body, replace=replace))
        except ValueError as exc:
            raise e.ControlError(detail=str(exc)) from None
    except e.ClinikoError as err:
        return _error(err)


async def control_records(request: Request, backend: ClinikoBackend) -> Response:
    """POST /records/{collection} creates; PATCH and DELETE /records/{collection}/{id} update and delete."""
    name, record_id = request.path_params["collection"], request.path_params.get("id")
    try:
        body = await _body(request)
        if request.method == "POST":
            return JSONResponse(backend.create(name, body).data, status_code=201)
        assert record_id is not None
        if request.method == "PATCH":
            return JSONResponse(backend.update(name, record_id, body).data)
        return JSONResponse(backend.delete(name, record_id).data)
    except e.ClinikoError as err:
        return _error(err)


async def control_action(request: Request, backend: ClinikoBackend) -> Response:
    """POST /records/{collection}/{id}/archive or /cancel (body: extra fields for cancel, e.g. a reason)."""
    name, record_id, verb = (request.path_params[k] for k in ("collection", "id", "action"))
    try:
        body = await _body(request)
        if verb == "archive":
            return JSONResponse(backend.archive(name, record_id).data)
        if verb == "cancel":
            return JSONResponse(backend.cancel(name, record_id, body).data)
        raise e.NotFound(what=f"control action {verb!r}")
    except e.ClinikoError as err:
        return _error(err)
