"""Entra emulator routes: OpenID configuration, JWKS, token endpoints (v1 and v2) and control paths."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import responses as r
from .constants import CONTROL_PREFIX
from .models import EntraBackend

Handler = Callable[..., Awaitable[Response]]


def _bind(handler: Handler, backend: EntraBackend, **kwargs: Any) -> Callable[[Request], Awaitable[Response]]:
    return partial(handler, backend=backend, **kwargs)


def create_app(backend: EntraBackend) -> Starlette:
    """Build the ASGI app serving ``backend``."""
    routes = [
        Route("/{tenant}/v2.0/.well-known/openid-configuration", _bind(r.openid_configuration, backend, v2=True)),
        Route("/{tenant}/.well-known/openid-configuration", _bind(r.openid_configuration, backend, v2=False)),
        Route("/{tenant}/discovery/v2.0/keys", _bind(r.keys, backend)),
        Route("/{tenant}/discovery/keys", _bind(r.keys, backend)),
        Route("/{tenant}/oauth2/v2.0/token", _bind(r.token, backend, v2=True), methods=["POST"]),
        Route("/{tenant}/oauth2/token", _bind(r.token, backend, v2=False), methods=["POST"]),
        Route(f"{CONTROL_PREFIX}/apps", _bind(r.control_apps, backend), methods=["GET", "POST"]),
        Route(f"{CONTROL_PREFIX}/faults", _bind(r.control_faults, backend), methods=["GET", "POST", "DELETE"]),
        Route(f"{CONTROL_PREFIX}/stats", _bind(r.control_stats, backend)),
        Route(f"{CONTROL_PREFIX}/reset", _bind(r.control_reset, backend), methods=["POST"]),
    ]
    return Starlette(routes=routes)
