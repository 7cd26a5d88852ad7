"""Cliniko emulator routes: the /v1 API and the /_emulator control paths."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import responses as r
from .constants import API_PREFIX, CONTROL_PREFIX, FILES_PREFIX
from .models import ClinikoBackend

Handler = Callable[..., Awaitable[Response]]
_ANY = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _bind(handler: Handler, backend: ClinikoBackend, **kwargs: Any) -> Callable[[Request], Awaitable[Response]]:
    return partial(handler, backend=backend, **kwargs)


def create_app(backend: ClinikoBackend, base_url: str | None = None) -> Starlette:
    """Build the ASGI app serving ``backend``; ``base_url`` (the emulator's own URL) is used in links."""
    control = f"{CONTROL_PREFIX}/records/{{collection}}"
    routes = [
        Route(
            f"{API_PREFIX}/patient_attachments/{{id}}/content",
            _bind(r.attachment_content, backend, base_url=base_url),
        ),
        Route(f"{FILES_PREFIX}/{{id}}/{{token}}", _bind(r.attachment_file, backend)),
        Route(f"{API_PREFIX}/{{collection}}", _bind(r.collection, backend, base_url=base_url)),
        Route(f"{API_PREFIX}/{{collection}}/{{item}}", _bind(r.item, backend, base_url=base_url)),
        Route(f"{API_PREFIX}/{{collection}}/{{item}}/{{child}}", _bind(r.nested, backend, base_url=base_url)),
        Route(f"{API_PREFIX}/{{rest:path}}", _bind(r.unknown, backend), methods=_ANY),
        Route(f"{CONTROL_PREFIX}/reset", _bind(r.control_reset, backend), methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/stats", _bind(r.control_stats, backend)),
        Route(f"{CONTROL_PREFIX}/faults", _bind(r.control_faults, backend), methods=["GET", "POST", "DELETE"]),
        Route(control, _bind(r.control_records, backend), methods=["POST"]),
        Route(f"{control}/{{id}}", _bind(r.control_records, backend), methods=["PATCH", "DELETE"]),
        Route(f"{control}/{{id}}/{{action}}", _bind(r.control_action, backend), methods=["POST"]),
    ]
    return Starlette(routes=routes)
