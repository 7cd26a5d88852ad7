"""PracSuite emulator routes: the /v1 API and the /_emulator control paths."""

from __future__ import annotations

from functools import partial

from starlette.applications import Starlette
from starlette.routing import Route

from . import responses as r
from .constants import API_PREFIX, CONTROL_PREFIX
from .models import PracsuiteBackend


def create_app(backend: PracsuiteBackend) -> Starlette:
    """Build the ASGI app serving ``backend`` (GET only on the API: extraction never writes)."""
    control = CONTROL_PREFIX
    routes = [
        Route(f"{API_PREFIX}/{{collection}}", partial(r.collection, backend=backend)),
        Route(f"{API_PREFIX}/{{collection}}/{{item}}", partial(r.item, backend=backend)),
        Route(f"{control}/reset", partial(r.control_reset, backend=backend), methods=["POST"]),
        Route(f"{control}/stats", partial(r.control_stats, backend=backend)),
        Route(f"{control}/faults", partial(r.control_faults, backend=backend), methods=["GET", "POST", "DELETE"]),
        Route(f"{control}/revoke_account_key", partial(r.control_revoke, backend=backend), methods=["POST"]),
        Route(f"{control}/records/{{collection}}", partial(r.control_record, backend=backend), methods=["POST"]),
        Route(
            f"{control}/records/{{collection}}/{{item}}", partial(r.control_record, backend=backend), methods=["DELETE"]
        ),
        Route(f"{control}/cancel/{{item}}", partial(r.control_cancel, backend=backend), methods=["POST"]),
    ]
    return Starlette(routes=routes)
