"""Core Plus request handling: read the HTTP request, call the backend, serialise. No behaviour here."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from emulators.common.faults import fault_settings_request

from . import exceptions as e
from .models import CoreplusBackend


def _error(err: e.CoreplusError) -> Response:
    return JSONResponse(err.body(), status_code=err.status, headers=err.headers)


def _target(request: Request) -> str:
    """Path and query string as sent: what the token's `url` claim names (§2.3)."""
    return f"{request.url.path}?{request.url.query}" if request.url.query else request.url.path


def _served(request: Request, backend: CoreplusBackend, endpoint: str, action: Callable[[], Any]) -> Response:
    try:
        backend.admit(request.headers.get("authorization"), request.method, _target(request))
        body = action()
    except e.CoreplusError as err:
        backend.count(endpoint, err.status)
        return _error(err)
    backend.count(endpoint, 200)
    return JSONResponse(body)


async def _latency(backend: CoreplusBackend) -> None:
    """The configured round trip (option `latency_seconds`), awaited: other requests are served meanwhile."""
    if backend.options.latency_seconds > 0:
        await asyncio.sleep(backend.options.latency_seconds)


async def collection(request: Request, backend: CoreplusBackend) -> Response:
    segment = request.path_params["collection"].lower()
    await _latency(backend)

    def action() -> dict[str, Any]:
        key, page = backend.list_page(segment, dict(request.query_params))
        paging = {"totalRows": page.total_rows, "pageNumber": page.page_number, "pageSize": page.page_size}
        return {key: page.items, "paging": paging, "statusMessages": []}

    return _served(request, backend, segment, action)


async def item(request: Request, backend: CoreplusBackend) -> Response:
    segment = request.path_params["collection"].lower()
    await _latency(backend)
    return _served(request, backend, f"{segment}/id", lambda: backend.get(segment, request.path_params["item"]))


async def control_reset(request: Request, backend: CoreplusBackend) -> Response:
    backend.reset()
    return JSONResponse({"reset": True})


async def control_stats(request: Request, backend: CoreplusBackend) -> Response:
    return JSONResponse(backend.stats())


async def control_faults(request: Request, backend: CoreplusBackend) -> Response:
    try:
        return JSONResponse(await fault_settings_request(request, backend.set_faults))
    except (ValueError, TypeError, AttributeError) as exc:
        return _error(e.ControlError(detail=str(exc)))
