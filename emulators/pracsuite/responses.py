"""PracSuite request handling: read the HTTP request, call the backend, serialise. No behaviour here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from emulators.common.faults import fault_settings_request

from . import exceptions as e
from .models import PracsuiteBackend
from .models.backend import page_links


def _error(err: e.PracsuiteError) -> Response:
    return JSONResponse(err.body(), status_code=err.status, headers=err.headers)


def _base(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _absolute(request: Request, record: dict[str, Any]) -> dict[str, Any]:
    links = record.get("links") or {}
    return {**record, "links": {k: f"{_base(request)}{v}" for k, v in links.items()}}


def _served(request: Request, backend: PracsuiteBackend, endpoint: str, action: Callable[[], Any]) -> Response:
    try:
        backend.admit(request.headers, request.url.path)
        body = action()
    except e.PracsuiteError as err:
        backend.count(endpoint, err.status)
        return _error(err)
    backend.count(endpoint, 200)
    return JSONResponse(body)


async def collection(request: Request, backend: PracsuiteBackend) -> Response:
    segment = request.path_params["collection"]

    def action() -> dict[str, Any]:
        query = request.query_params
        page = backend.list_page(segment, query.get("page"), query.get("page_size"), query.getlist("q[]"))
        links = page_links(_base(request), request.url.path, query.multi_items(), page)
        return {
            page.key: [_absolute(request, r) for r in page.items],
            "total_entries": page.total_entries,
            "links": links,
        }

    return _served(request, backend, segment, action)


async def item(request: Request, backend: PracsuiteBackend) -> Response:
    segment = request.path_params["collection"]
    record_id = request.path_params["item"]
    return _served(request, backend, f"{segment}/id", lambda: _absolute(request, backend.get(segment, record_id)))


async def control_reset(request: Request, backend: PracsuiteBackend) -> Response:
    backend.reset()
    return JSONResponse({"reset": True})


async def control_stats(request: Request, backend: PracsuiteBackend) -> Response:
    return JSONResponse(backend.stats())


async def control_faults(request: Request, backend: PracsuiteBackend) -> Response:
    try:
        return JSONResponse(await fault_settings_request(request, backend.set_faults))
    except (ValueError, TypeError, AttributeError) as exc:
        return _error(e.ControlError(detail=str(exc)))


async def control_revoke(request: Request, backend: PracsuiteBackend) -> Response:
    backend.revoke_account_key()
    return JSONResponse({"revoked": True})


async def control_record(request: Request, backend: PracsuiteBackend) -> Response:
    """POST a record (upsert) or DELETE one by id: the clinic changing data between extractions."""
    segment = request.path_params["collection"]
    try:
        if request.method == "DELETE":
            backend.delete(segment, request.path_params.get("item", ""))
            return JSONResponse({"deleted": True})
        return JSONResponse(backend.upsert(segment, await request.json()))
    except e.PracsuiteError as err:
        return _error(err)
    except (ValueError, TypeError, KeyError) as exc:
        return _error(e.ControlError(detail=f"{type(exc).__name__}: {exc}"))


async def control_cancel(request: Request, backend: PracsuiteBackend) -> Response:
    body = await request.json()
    try:
        return JSONResponse(backend.cancel(request.path_params["item"], body.get("reason_id")))
    except e.PracsuiteError as err:
        return _error(err)
