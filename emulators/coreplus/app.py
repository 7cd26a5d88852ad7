"""Core Plus emulator routes: the /API/Core/v2 API and the /_emulator control paths."""

from __future__ import annotations

from functools import partial

from starlette.applications import Starlette
from starlette.routing import Route

from . import responses as r
from .constants import API_PREFIX, CONTROL_PREFIX
from .models import CoreplusBackend


def create_app(backend: CoreplusBackend) -> Starlette:
    """Build the ASGI app serving ``backend``. Paths are matched with and without the trailing slash
    the docs write (`/API/Core/v2/Client/`)."""
    routes = [
        Route(f"{API_PREFIX}/{{collection}}", partial(r.collection, backend=backend)),
        Route(f"{API_PREFIX}/{{collection}}/", partial(r.collection, backend=backend)),
        Route(f"{API_PREFIX}/{{collection}}/{{item}}", partial(r.item, backend=backend)),
        Route(f"{CONTROL_PREFIX}/reset", partial(r.control_reset, backend=backend), methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/stats", partial(r.control_stats, backend=backend)),
        Route(
            f"{CONTROL_PREFIX}/faults", partial(r.control_faults, backend=backend), methods=["GET", "POST", "DELETE"]
        ),
    ]
    return Starlette(routes=routes)
