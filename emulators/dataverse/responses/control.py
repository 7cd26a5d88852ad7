"""Control endpoints under ``/_emulator`` (a path no real client uses, like moto's ``/moto-api``)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..models import DataverseBackend


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    value = json.loads(raw) if raw.strip() else {}
    return value if isinstance(value, dict) else {}


async def reset(request: Request, backend: DataverseBackend) -> Response:
    """POST: a freshly seeded org; ``?keep_metadata=true`` keeps custom columns and keys."""
    keep = request.query_params.get("keep_metadata", "").lower() == "true"
    backend.reset(metadata=not keep)
    return JSONResponse({"reset": True, "kept_metadata": keep})


async def stats(request: Request, backend: DataverseBackend) -> Response:
    """GET: requests, statuses, records written, 429s per facet, faults, per-user counts."""
    return JSONResponse(backend.stats.as_dict())


async def faults(request: Request, backend: DataverseBackend) -> Response:
    """GET shows, POST merges (``{"replace": true, …}`` starts from none), DELETE clears the faults."""
    try:
        if request.method == "DELETE":
            active = backend.faults.configure({}, replace=True)
        elif request.method == "POST":
            payload = await _json(request)
            replace = bool(payload.pop("replace", False))
            active = backend.faults.configure(payload, replace=replace)
        else:
            active = backend.faults.configure({})
    except ValueError as err:
        return JSONResponse({"error": str(err)}, status_code=400)
    return JSONResponse(active)


async def expire_tokens(request: Request, backend: DataverseBackend) -> Response:
    """POST: every token issued so far is answered with 401 (fault: token expiry)."""
    backend.tokens.expire_all()
    backend.stats.count_fault("token_expiry")
    return JSONResponse({"expired_before": backend.tokens.expired_before})


async def dump_table(request: Request, backend: DataverseBackend) -> Response:
    """GET /tables/{logical name}: the stored rows of one table, as stored."""
    name = request.path_params["name"]
    if name not in backend.schema.tables:
        return JSONResponse({"error": f"unknown table {name!r}"}, status_code=404)
    rows = list(backend.store.rows(name).values())
    return JSONResponse({"table": name, "count": len(rows), "rows": rows})


async def users(request: Request, backend: DataverseBackend) -> Response:
    """POST {firstname, lastname, internalemailaddress, isdisabled}: seed a systemuser."""
    return JSONResponse(backend.add_user(await _json(request)), status_code=201)


async def app_users(request: Request, backend: DataverseBackend) -> Response:
    """POST {client_id, name, object_id?}: the application user for an extra app registration."""
    payload = await _json(request)
    if not payload.get("client_id"):
        return JSONResponse({"error": "client_id is required"}, status_code=400)
    record = backend.add_app_user(
        str(payload["client_id"]), str(payload.get("name") or "# app"), payload.get("object_id")
    )
    return JSONResponse(record, status_code=201)


async def advance_keys(request: Request, backend: DataverseBackend) -> Response:
    """POST {steps, key?}: move manually driven key indexes forward (Pending → InProgress → Active)."""
    payload = await _json(request)
    backend.keys.advance(int(payload.get("steps", 1)), payload.get("key"))
    statuses = {
        f"{entity}.{key.schema_name}": backend.keys.status(key)
        for entity, keys in backend.keys.keys.items()
        for key in keys
    }
    return JSONResponse(statuses)


async def config(request: Request, backend: DataverseBackend) -> Response:
    """GET the effective options; POST changes limits, cost model and behaviour switches at run time."""
    if request.method == "POST":
        try:
            backend.reconfigure(await _json(request))
        except ValueError as err:
            return JSONResponse({"error": str(err)}, status_code=400)
    return JSONResponse(backend.describe())


async def business_logic(request: Request, backend: DataverseBackend) -> Response:
    """GET the registered plug-in steps and flows and every side effect they had; POST registers one
    ``{table, message: Create|Update, kind: sync|async|flow, milliseconds, effect}``; DELETE removes them all."""
    logic = backend.logic
    if request.method == "DELETE":
        logic.registrations.clear()
        logic.effects.clear()
    elif request.method == "POST":
        try:
            registration = logic.register(await _json(request), set(backend.schema.tables))
        except ValueError as err:
            return JSONResponse({"error": str(err)}, status_code=400)
        return JSONResponse(dataclasses.asdict(registration), status_code=201)
    return JSONResponse(logic.describe())


async def privileges(request: Request, backend: DataverseBackend) -> Response:
    """POST {systemuserid | client_id, privilege, held}: grant or revoke a privilege of a user — a bypass privilege
    or a table privilege ``prv<Verb><Entity>`` (every user holds them all until one is revoked)."""
    payload = await _json(request)
    user_id = payload.get("systemuserid") or backend.callers.app_user_id(str(payload.get("client_id") or ""))
    if not user_id:
        return JSONResponse({"error": "systemuserid or a known client_id is required"}, status_code=400)
    try:
        backend.privileges.set(str(user_id), str(payload.get("privilege", "")), bool(payload.get("held")))
    except ValueError as err:
        return JSONResponse({"error": str(err)}, status_code=400)
    revoked = backend.privileges.revoked.get(str(user_id).lower(), set())
    return JSONResponse({"systemuserid": user_id, "revoked": sorted(revoked)})


async def security(request: Request, backend: DataverseBackend) -> Response:
    """GET the security model; POST ``{security_roles?, roles: [{name, privileges: {prv…: depth}, inherited?}],
    users: {systemuserid: [role names]}, teams: [{name, businessunitid?, roles: [...], members: [systemuserid]}]}``
    defines roles, assigns them and creates owner teams (answering their ids)."""
    security = backend.privileges
    teams: dict[str, str] = {}
    if request.method == "POST":
        payload = await _json(request)
        try:
            if "security_roles" in payload:
                backend.reconfigure({"security_roles": bool(payload["security_roles"])})
            for role in payload.get("roles") or []:
                security.add_role(
                    str(role["name"]), dict(role.get("privileges") or {}), inherited=bool(role.get("inherited"))
                )
            for user_id, names in (payload.get("users") or {}).items():
                if backend.store.get("systemuser", str(user_id).lower()) is None:
                    raise ValueError(f"no systemuser {user_id}")
                security.assign_user(str(user_id), list(names))
            for team in payload.get("teams") or []:
                teams[str(team["name"])] = backend.add_owner_team(
                    str(team["name"]),
                    team.get("businessunitid"),
                    list(team.get("roles") or []),
                    list(team.get("members") or []),
                )
        except (KeyError, ValueError) as err:
            return JSONResponse({"error": str(err)}, status_code=400)
    return JSONResponse({**security.describe(), "created_teams": teams})
