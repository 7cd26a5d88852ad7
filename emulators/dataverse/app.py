"""Dataverse emulator routes and request lifecycle (auth, limits, faults, handler, cost model)."""
# The Web API route table maps path segments to handlers in responses/; control paths live under /_emulator.

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ..common.server import ConnectionDropped
from . import constants as c
from . import exceptions as e
from .models import DataverseBackend
from .models.batch import BatchExecutor, Operation
from .models.refs import relative_path, split_path
from .models.security import AuthError
from .responses import actions, control, metadata, records, service
from .responses import batch as batch_wire
from .responses.http import ApiRequest, ApiResponse, error_response, parse_query

LOG = logging.getLogger(__name__)
Handler = Callable[[ApiRequest, DataverseBackend], ApiResponse]

SET = r"(?P<set>[A-Za-z_]\w*)"
SET_KEY = r"(?P<set>[A-Za-z_]\w*)\((?P<key>.*)\)"
ENTITY = r"EntityDefinitions\((?P<entity>.*)\)"
CAST = r"(?P<cast>Microsoft\.Dynamics\.CRM\.\w+)"
PROP = r"(?P<property>[A-Za-z_]\w*)"
BULK = r"Microsoft\.Dynamics\.CRM\.(?P<message>CreateMultiple|UpdateMultiple|UpsertMultiple)"


@dataclass(frozen=True)
class WebApiRoute:
    methods: frozenset[str]
    segments: tuple[re.Pattern[str], ...]
    handler: Handler | None  # None: $batch, handled by the app itself


def _route(methods: str, segments: list[str], handler: Handler | None) -> WebApiRoute:
    return WebApiRoute(frozenset(methods.split()), tuple(re.compile(s + r"\Z", re.S) for s in segments), handler)


ROUTES = [
    _route("GET", [""], service.service_document),
    _route("GET", [r"\$metadata"], service.metadata_document),
    _route("POST", [r"\$batch"], None),
    _route("GET", [r"WhoAmI(?:\(\))?"], actions.who_am_i),
    _route("GET", ["EntityDefinitions"], metadata.entity_definitions),
    _route("POST", ["EntityDefinitions"], metadata.create_entity),
    _route("POST", ["RelationshipDefinitions"], metadata.create_relationship),
    _route("GET", ["RelationshipDefinitions"], metadata.relationship_definitions),
    _route("GET", [r"RelationshipDefinitions\((?P<relationship>.*)\)"], metadata.relationship_definitions),
    _route("GET", [ENTITY], metadata.entity_definition),
    _route("GET", [ENTITY, "Attributes"], metadata.attributes),
    _route("POST", [ENTITY, "Attributes"], metadata.create_attribute),
    _route("GET", [ENTITY, "Attributes", CAST], metadata.attributes),
    _route("GET DELETE", [ENTITY, r"Attributes\((?P<attribute>.*)\)"], metadata.attribute),
    _route("GET", [ENTITY, r"Attributes\((?P<attribute>.*)\)", CAST], metadata.attribute),
    _route("GET POST", [ENTITY, "Keys"], metadata.keys),
    _route("GET", [ENTITY, "(?P<side>OneToManyRelationships|ManyToOneRelationships)"], metadata.entity_relationships),
    _route("GET DELETE", [ENTITY, r"Keys\((?P<key>.*)\)"], metadata.key),
    _route("POST", ["(?P<action>" + "|".join(actions.ACTIONS) + ")"], actions.action),
    _route("GET", [SET], records.list_records),
    _route("POST", [SET], records.create),
    _route("GET", [SET, r"\$count"], records.count),
    _route("POST", [SET, BULK], records.bulk),
    _route("GET", [SET_KEY], records.retrieve),
    _route("PATCH", [SET_KEY], records.patch),
    _route("DELETE", [SET_KEY], records.delete),
    _route("DELETE", [SET_KEY, PROP, r"\$ref"], records.disassociate),
    _route(
        "GET",
        [SET_KEY, r"Microsoft\.Dynamics\.CRM\.(?P<function>RetrieveUserPrivilegeByPrivilegeName)\((?P<args>.*)\)"],
        actions.user_privilege,
    ),
    _route("GET PUT DELETE", [SET_KEY, PROP], records.property_value),
    _route("GET", [SET_KEY, PROP, r"(?P<raw>\$value)"], records.property_value),
]


def match(method: str, path: str) -> tuple[WebApiRoute, dict[str, str]]:
    """The route for ``method path`` (path below /api/data/v9.2/).

    Raises:
        MethodNotAllowed: The path exists for other methods.
        ResourceNotFound: No route has this shape.
    """
    segments = split_path(path.strip("/")) if path.strip("/") else [""]
    allowed = False
    for route in ROUTES:
        if len(route.segments) != len(segments):
            continue
        groups: dict[str, str] = {}
        for pattern, segment in zip(route.segments, segments, strict=True):
            found = pattern.match(segment)
            if found is None:
                break
            groups.update({k: v for k, v in found.groupdict().items() if v is not None})
        else:
            if method in route.methods:
                return route, groups
            allowed = True
    if allowed:
        raise e.MethodNotAllowed(method=method)
    raise e.ResourceNotFound(segment=segments[-1] or path)


class DataverseApp:
    """The ASGI application around one backend."""

    def __init__(self, backend: DataverseBackend, entra_url: str | None = None) -> None:
        self.backend = backend
        self.entra_url = (entra_url or "https://login.microsoftonline.com").rstrip("/")
        prefix = c.CONTROL_PREFIX
        bind = partial
        self.app = Starlette(
            routes=[
                Route(c.API_PREFIX, self.web_api, methods=["GET"]),
                Route(
                    c.API_PREFIX + "/{path:path}",
                    self.web_api,
                    methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
                ),
                Route(f"{prefix}/reset", bind(control.reset, backend=backend), methods=["POST"]),
                Route(f"{prefix}/stats", bind(control.stats, backend=backend)),
                Route(
                    f"{prefix}/faults",
                    bind(control.faults, backend=backend),
                    methods=["GET", "POST", "DELETE"],
                ),
                Route(f"{prefix}/tokens/expire", bind(control.expire_tokens, backend=backend), methods=["POST"]),
                Route(f"{prefix}/tables/{{name}}", bind(control.dump_table, backend=backend)),
                Route(f"{prefix}/users", bind(control.users, backend=backend), methods=["POST"]),
                Route(f"{prefix}/app-users", bind(control.app_users, backend=backend), methods=["POST"]),
                Route(f"{prefix}/keys/advance", bind(control.advance_keys, backend=backend), methods=["POST"]),
                Route(f"{prefix}/config", bind(control.config, backend=backend), methods=["GET", "POST"]),
                Route(
                    f"{prefix}/business-logic",
                    bind(control.business_logic, backend=backend),
                    methods=["GET", "POST", "DELETE"],
                ),
                Route(f"{prefix}/privileges", bind(control.privileges, backend=backend), methods=["POST"]),
                Route(f"{prefix}/security", bind(control.security, backend=backend), methods=["GET", "POST"]),
            ]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    # -- lifecycle ------------------------------------------------------------------------------------

    async def web_api(self, request: Request) -> Response:
        backend = self.backend
        # A request arriving during a pause waits, received in full: it is processed once the pause is lifted,
        # even if its client has gone by then.
        await request.body()
        await backend.faults.hold_while_paused()
        backend.stats.count_request()
        storm = backend.faults.storm(backend.options.limits)
        if storm is not None:
            backend.stats.count_fault("storm")
            return self._throttled(storm, None)
        try:
            claims = backend.tokens.verify(request.headers.get("authorization"))
        except AuthError as err:
            return self._unauthorized(err)
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            caller = backend.callers.resolve(claims, headers)
        except e.DataverseError as err:
            return self._finish(error_response(err), None)
        user = caller.impersonator_id or caller.user_id
        try:
            backend.stats.observe_concurrency(backend.throttle.admit(user), user)
        except e.ServiceProtectionLimit as err:
            return self._throttled(err, user)
        started = time.perf_counter()
        work_started = backend.clock.now()
        written = 0
        try:
            injected = backend.faults.server_error()
            if injected is not None:
                backend.stats.count_fault("server_error")
                response = error_response(injected)
            else:
                path = request.path_params.get("path", "")
                api_request = ApiRequest(
                    request.method,
                    path,
                    parse_query(request.url.query),
                    headers,
                    await request.body(),
                    backend.org_url,
                    caller,
                )
                response = self.dispatch(api_request)
            # Synchronous plug-in steps run inside the request: their time is its time (README "Business logic").
            logic = backend.logic.take_pending_seconds()
            if logic:
                backend.stats.count_logic(user, logic)
            written = response.records_written if response.status < 400 else 0
            # The cost model reproduces whole measured requests (anchors.md §4.2), so the emulator's own
            # work (reading and parsing the body, applying the writes) is part of that time, not added to it.
            latency = backend.options.cost_model.seconds(response.records_written, response.rows_read)
            latency = max(0.0, latency - backend.clock.nominal(backend.clock.now() - work_started))
            slow = backend.faults.slow_seconds(write=request.method != "GET")
            if slow:
                backend.stats.count_fault("slow")
            await backend.clock.sleep(latency + slow + logic)
        finally:
            spent = time.perf_counter() - started
            backend.throttle.release(user, spent)
            backend.stats.count_execution(user, backend.clock.nominal(spent), written)
        if backend.faults.count_written(written):
            backend.stats.count_fault("pause")
        # Held after the throttle released the request: a pause is not execution time.
        await backend.faults.hold_while_paused()
        requests_left, time_left = backend.throttle.remaining(user)
        response.headers["x-ms-ratelimit-burst-remaining-xrm-requests"] = str(requests_left)
        response.headers["x-ms-ratelimit-time-remaining-xrm-requests"] = str(time_left)
        if backend.faults.drop(write=request.method != "GET"):
            backend.stats.count_fault("drop")
            backend.stats.count_status(599, user)
            return DroppedResponse()
        return self._finish(response, user)

    def _finish(self, response: ApiResponse, user: str | None) -> Response:
        self.backend.stats.count_status(response.status, user)
        request_id = str(uuid.uuid4())
        headers = {
            "x-ms-service-request-id": request_id,
            "REQ_ID": request_id,
            # research/dataverse.md §4.2: the recommended degree of parallelism, on every response.
            "x-ms-dop-hint": str(self.backend.options.dop_hint),
            **response.headers,
        }
        return Response(response.body or None, status_code=response.status, headers=headers)

    def _throttled(self, err: e.ServiceProtectionLimit, user: str | None) -> Response:
        self.backend.stats.count_throttled(err.facet)
        err.headers["Retry-After"] = self.backend.clock.retry_after_header(err.retry_after)
        return self._finish(error_response(err), user)

    def _unauthorized(self, err: AuthError) -> Response:
        # research/dataverse.md §1.1: 401 with WWW-Authenticate naming the authority and the resource.
        backend = self.backend
        challenge = (
            f"Bearer authorization_uri={self.entra_url}/{backend.options.tenant_id}/oauth2/authorize, "
            f"resource_id={backend.org_url}/"
        )
        if err.expired:
            challenge += ', error="invalid_token", error_description="The access token is expired"'
        return self._finish(ApiResponse(401, {"WWW-Authenticate": challenge, "OData-Version": "4.0"}), None)

    # -- routing --------------------------------------------------------------------------------------

    def dispatch(self, request: ApiRequest) -> ApiResponse:
        """Route and run one request; service errors become their documented envelopes."""
        try:
            route, groups = match(request.method, request.path)
            request.route = groups
            if route.handler is None:
                if request.in_batch:
                    raise e.InvalidArgument(detail="A $batch request cannot contain another $batch.")
                return self._batch(request)
            return route.handler(request, self.backend)
        except e.DataverseError as err:
            return error_response(err)
        except Exception:
            LOG.exception("unexpected emulator error for %s %s", request.method, request.path)
            return error_response(e.UnexpectedError(http_status=500))

    def _batch(self, request: ApiRequest) -> ApiResponse:
        parts = batch_wire.parse(request.headers.get("content-type", ""), request.body)
        executor = BatchExecutor(self.backend.store, partial(self._inner, request), error_response)
        outcome = executor.execute(parts, "odata.continue-on-error" in request.prefer)
        status, headers, body = batch_wire.serialise(outcome)
        written = 0
        for item in outcome.items:
            for result in item if isinstance(item, list) else [item]:
                written += result.response.records_written if result.response.status < 400 else 0
        self.backend.stats.count_operation("batch")
        return ApiResponse(status, headers, body, records_written=written)

    def _inner(self, outer: ApiRequest, op: Operation, refs: dict[str, str]) -> ApiResponse:
        url = op.url
        if url.startswith("$"):
            reference, _, rest = url.partition("/")
            base = refs.get(reference)
            if base is None:
                return error_response(e.ContentIdReferenceNotFound(reference=reference))
            url = base + (f"/{rest}" if rest else "")
        path, _, query = relative_path(url).partition("?")
        inner = ApiRequest(
            op.method,
            unquote(path),
            parse_query(query),
            op.headers,
            op.body,
            outer.org_url,
            outer.caller,
            content_refs=refs,
            in_batch=True,
        )
        return self.dispatch(inner)


class DroppedResponse:
    """Fault injection: headers and part of a body, then the connection is closed."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"value":[', "more_body": True})
        raise ConnectionDropped("response dropped by fault injection")


def create_app(backend: DataverseBackend, entra_url: str | None = None) -> Any:
    """Build the ASGI app serving ``backend``."""
    return DataverseApp(backend, entra_url)
