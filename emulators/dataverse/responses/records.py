"""Entity-set handlers: query, create, retrieve, update/upsert, delete, $count and single properties."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .. import constants as c
from .. import exceptions as e
from ..models import DataverseBackend
from ..models.reading import annotation_filter, page_number, parse_expand, skiptoken
from ..models.refs import Key, RefError, format_key, parse_key
from ..models.schema import TableDef
from ..models.store import Record
from .http import ApiRequest, ApiResponse, json_response, no_content

QUERY_SAFE = "'(),=/:@$*;[]\""
UNSUPPORTED_OPTIONS = ("fetchXml", "sql", "$apply")


def _key(req: ApiRequest, table: TableDef) -> Key:
    try:
        return parse_key(req.route["key"])
    except RefError:
        raise e.InvalidKey(entity=table.logical) from None


def _entity_url(req: ApiRequest, table: TableDef, key: Key) -> str:
    return f"{req.api_root}/{table.entity_set}{format_key(key)}"


def _representation(
    req: ApiRequest, backend: DataverseBackend, table: TableDef, record: Record, status: int
) -> ApiResponse:
    reader = backend.reader
    body = {"@odata.context": f"{req.api_root}/$metadata#{table.entity_set}/$entity"}
    body.update(reader.project(table, record, reader.select(table, req.params.get("$select")), _wants(req)))
    headers = {**_preference_applied(req, "return=representation"), "ETag": body["@odata.etag"]}
    return json_response(body, status, headers)


def _preference_applied(req: ApiRequest, *applied: str) -> dict[str, str]:
    """``Preference-Applied`` naming the preferences honoured, ``odata.include-annotations`` echoed as sent
    (powerapps-docs webapi/compose-http-requests-handle-errors.md and the bypass-power-automate-flows.md
    example: ``Preference-Applied: odata.include-annotations="OData.Community.Display.V1.FormattedValue"``)."""
    items = list(applied)
    if "odata.include-annotations" in req.prefer:
        items.append(f"odata.include-annotations={req.prefer['odata.include-annotations']}")
    return {"Preference-Applied": ",".join(items)} if items else {}


def _wants_representation(req: ApiRequest) -> bool:
    return req.prefer.get("return") == "representation"


def _wants(req: ApiRequest) -> Any:
    return annotation_filter(req.prefer)


def list_records(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """GET /<set>: $select, $filter, $orderby, $top, $count, $expand, paging (research §9)."""
    table = backend.schema.entity_set(req.route["set"])
    reader = backend.reader
    params = req.params
    for option in UNSUPPORTED_OPTIONS:
        if option in params:
            raise e.NotImplementedByEmulator(feature=option)
    select = reader.select(table, params.get("$select"))
    expand = parse_expand(params["$expand"]) if params.get("$expand") else None
    rows = reader.query(table, params, req.caller.user_id)
    total = len(rows)
    prefer = req.prefer
    page_size = int(prefer["odata.maxpagesize"]) if prefer.get("odata.maxpagesize", "").isdigit() else None
    top = int(params["$top"]) if params.get("$top", "").isdigit() else None
    if page_size and top is not None:
        # research/dataverse.md §9 / §12: which one wins is switchable.
        if backend.options.top_with_maxpagesize == "ignore_top":
            top = None
        else:
            page_size = None
    if top is not None:
        rows = rows[:top]
    size = min(page_size or c.MAX_PAGE_SIZE, c.MAX_PAGE_SIZE)
    page = page_number(params.get("$skiptoken"))
    start = (page - 1) * size
    chunk = rows[start : start + size]
    wants = _wants(req)
    context = f"{req.api_root}/$metadata#{table.entity_set}"
    if select:
        context += "(" + ",".join(a.wire_name for a in select) + ")"
    body: dict[str, Any] = {"@odata.context": context}
    if params.get("$count", "").lower() == "true":
        body["@odata.count"] = min(total, c.MAX_COUNT)
    if wants("Microsoft.Dynamics.CRM.totalrecordcount"):
        body["@Microsoft.Dynamics.CRM.totalrecordcount"] = total
        body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] = total > c.MAX_COUNT
    body["value"] = [reader.project(table, row, select, wants, expand) for row in chunk]
    if len(rows) > start + size and chunk:
        token = skiptoken(page + 1, table.pk, chunk[0][table.pk], chunk[-1][table.pk])
        body["@odata.nextLink"] = _next_link(req, table, token)
    headers = _preference_applied(req, *([f"odata.maxpagesize={page_size}"] if page_size else []))
    response = json_response(body, headers=headers, collection=True)
    response.rows_read = len(chunk)
    return response


def _next_link(req: ApiRequest, table: TableDef, token: str) -> str:
    """The same query with the next page's $skiptoken (clients follow it unchanged, research §9)."""
    parts = [f"{k}={quote(v, safe=QUERY_SAFE)}" for k, v in req.params.items() if k != "$skiptoken"]
    parts.append(f"$skiptoken={quote(token, safe='')}")
    return f"{req.api_root}/{table.entity_set}?" + "&".join(parts)


def count(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """GET /<set>/$count: a plain-text number capped at 5,000 (research/dataverse.md §9)."""
    table = backend.schema.entity_set(req.route["set"])
    total = len(backend.reader.query(table, req.params, req.caller.user_id))
    body = str(min(total, c.MAX_COUNT)).encode()
    return ApiResponse(200, {"Content-Type": "text/plain", "OData-Version": "4.0"}, body, rows_read=1)


def create(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """POST /<set>: 204 + OData-EntityId, or 201 with the row for return=representation (§2.3)."""
    table = backend.schema.entity_set(req.route["set"])
    record = backend.records.create(table, req.json(), req.context(backend))
    url = _entity_url(req, table, record[table.pk])
    if _wants_representation(req):
        response = _representation(req, backend, table, record, 201)
        if req.in_batch:
            response.headers["Location"] = url
    else:
        headers = {"OData-EntityId": url}
        if req.in_batch:
            headers["Location"] = url
        response = no_content(headers)
    response.records_written = 1
    return response


def retrieve(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """GET /<set>(<key>) with $select/$expand; ``If-None-Match`` with the current ETag gives 304."""
    table = backend.schema.entity_set(req.route["set"])
    record = backend.records.get(table, backend.records.require(table, _key(req, table)))
    etag = f'W/"{record.get("versionnumber", 0)}"'
    if req.headers.get("if-none-match") == etag:
        return ApiResponse(304, {"ETag": etag, "OData-Version": "4.0"})
    reader = backend.reader
    select = reader.select(table, req.params.get("$select"))
    expand = parse_expand(req.params["$expand"]) if req.params.get("$expand") else None
    body = {"@odata.context": f"{req.api_root}/$metadata#{table.entity_set}/$entity"}
    body.update(reader.project(table, record, select, _wants(req), expand))
    response = json_response(body, headers={"ETag": etag, **_preference_applied(req)})
    response.rows_read = 1
    return response


def patch(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """PATCH /<set>(<key>): upsert; ``If-Match`` = update only, ``If-None-Match: *`` = create only (§2.5)."""
    table = backend.schema.entity_set(req.route["set"])
    key = _key(req, table)
    record, created = backend.records.upsert(
        table,
        key,
        req.json(),
        req.context(backend),
        if_match=req.headers.get("if-match"),
        if_none_match=req.headers.get("if-none-match") if req.headers.get("if-none-match") == "*" else None,
    )
    if _wants_representation(req):
        response = _representation(req, backend, table, record, 201 if created else 200)
    else:
        url = _entity_url(req, table, key)
        headers = {"OData-EntityId": url, **({"Location": url} if req.in_batch else {})}
        response = no_content(headers)
    response.records_written = 1
    return response


def delete(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    table = backend.schema.entity_set(req.route["set"])
    record_id = backend.records.require(table, _key(req, table))
    backend.records.delete(table, record_id, if_match=req.headers.get("if-match"))
    return no_content(records_written=1)


def property_value(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """GET /<set>(<key>)/<column>[/$value]; PUT sets it from ``{"value": …}``; DELETE clears it."""
    table = backend.schema.entity_set(req.route["set"])
    record_id = backend.records.require(table, _key(req, table))
    name = req.route["property"]
    if req.method in ("PUT", "DELETE"):
        value = req.json().get("value") if req.method == "PUT" else None
        backend.records.set_property(table, record_id, name, value, req.context(backend))
        return no_content(records_written=1)
    getter = backend.reader.getter(table, name)
    value = getter(backend.records.get(table, record_id))
    if req.route.get("raw"):
        if value is None:
            return ApiResponse(204, {"OData-Version": "4.0"})
        return ApiResponse(200, {"Content-Type": "text/plain", "OData-Version": "4.0"}, str(value).encode())
    context = f"{req.api_root}/$metadata#{table.entity_set}({record_id})/{name}"
    return json_response({"@odata.context": context, "value": value})


def disassociate(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """DELETE /<set>(<key>)/<navigation property>/$ref."""
    table = backend.schema.entity_set(req.route["set"])
    record_id = backend.records.require(table, _key(req, table))
    backend.records.disassociate(table, record_id, req.route["property"], req.context(backend))
    return no_content(records_written=1)


def bulk(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """POST /<set>/Microsoft.Dynamics.CRM.{Create,Update,Upsert}Multiple (research/dataverse.md §3.2)."""
    table = backend.schema.entity_set(req.route["set"])
    message = req.route["message"]
    body = req.json()
    ids = backend.bulk.run(message, table, body, req.context(backend))
    backend.stats.count_operation(message)
    if message == "CreateMultiple":
        payload = {
            "@odata.context": f"{req.api_root}/$metadata#{c.NAMESPACE}.CreateMultipleResponse",
            "Ids": ids,
        }
        response = json_response(payload)
    else:
        response = no_content()
    response.records_written = len(ids)
    return response
