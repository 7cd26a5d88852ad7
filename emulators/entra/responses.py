"""Entra request handling: read the HTTP request, call the backend, serialise. No behaviour here."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import unquote_plus

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import exceptions as e
from .models import EntraBackend

JSON_HEADERS = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}


def error_response(err: e.EntraError, backend: EntraBackend) -> JSONResponse:
    """Entra's error body; 429/503 carry Retry-After (research/dataverse.md §1.1)."""
    headers = dict(JSON_HEADERS)
    if err.status in (429, 503):
        headers["Retry-After"] = str(backend.faults.retry_after_seconds)
    return JSONResponse(err.body(), status_code=err.status, headers=headers)


def base_url(request: Request) -> str:
    """The scheme://host:port the client used."""
    return f"{request.url.scheme}://{request.url.netloc}"


async def openid_configuration(request: Request, backend: EntraBackend, *, v2: bool) -> Response:
    """GET /{tenant}[/v2.0]/.well-known/openid-configuration."""
    try:
        doc = backend.openid_configuration(base_url(request), request.path_params["tenant"], v2=v2)
    except e.EntraError as err:
        return error_response(err, backend)
    return JSONResponse(doc, headers={"Access-Control-Allow-Origin": "*"})


async def keys(request: Request, backend: EntraBackend) -> Response:
    """GET /{tenant}/discovery[/v2.0]/keys."""
    try:
        backend.resolve_tenant(request.path_params["tenant"], for_config=True)
    except e.EntraError as err:
        return error_response(err, backend)
    return JSONResponse(backend.jwks())


async def token(request: Request, backend: EntraBackend, *, v2: bool) -> Response:
    """POST /{tenant}/oauth2[/v2.0]/token (application/x-www-form-urlencoded)."""
    form = _parse_form((await request.body()).decode("utf-8", "replace"))
    try:
        body = backend.token(request.path_params["tenant"], form, _basic_auth(request), v2=v2)
    except e.EntraError as err:
        return error_response(err, backend)
    return JSONResponse(body, headers=JSON_HEADERS)


def _parse_form(raw: str) -> dict[str, str]:
    form: dict[str, str] = {}
    for pair in raw.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            form[unquote_plus(name)] = unquote_plus(value)
    return form


def _basic_auth(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, _, password = decoded.partition(":")
    return unquote_plus(user), unquote_plus(password)


# -- control endpoints ------------------------------------------------------------------------------


async def control_apps(request: Request, backend: EntraBackend) -> Response:
    """GET lists app registrations; POST {client_id?, client_secret?, display_name?} registers one."""
    if request.method == "GET":
        return JSONResponse({"apps": [app.public() for app in backend.apps.values()]})
    payload = await _json(request)
    app = backend.register_app(payload.get("client_id"), payload.get("client_secret"), payload.get("display_name"))
    return JSONResponse(app.public(), status_code=201)


async def control_faults(request: Request, backend: EntraBackend) -> Response:
    """POST {mode, count?, retry_after_seconds?} sets a token-endpoint fault; DELETE clears it."""
    if request.method == "DELETE":
        backend.set_faults(None)
    elif request.method == "POST":
        payload = await _json(request)
        try:
            backend.set_faults(payload.get("mode"), payload.get("count"), payload.get("retry_after_seconds"))
        except ValueError as err:
            return JSONResponse({"error": str(err)}, status_code=400)
        if "token_lifetime_seconds" in payload:
            backend.token_lifetime_seconds = int(payload["token_lifetime_seconds"])
    return JSONResponse(
        {
            "mode": backend.faults.mode,
            "remaining": backend.faults.remaining,
            "token_lifetime_seconds": backend.token_lifetime_seconds,
        }
    )


async def control_stats(request: Request, backend: EntraBackend) -> Response:
    """GET token counts per client and error counts per OAuth error."""
    return JSONResponse(backend.stats.as_dict())


async def control_reset(request: Request, backend: EntraBackend) -> Response:
    """POST: initial apps only, no faults, zero stats."""
    backend.reset()
    return JSONResponse({"reset": True})


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    value = json.loads(raw)
    return value if isinstance(value, dict) else {}
