"""Metadata handlers: EntityDefinitions, Attributes (with casts and OptionSet), Keys (research §6)."""

from __future__ import annotations

from typing import Any

from .. import constants as c
from .. import exceptions as e
from ..models import DataverseBackend
from ..models import metadata_json as mj
from ..models.query import compile_filter
from ..models.reading import parse_expand
from ..models.refs import RefError, parse_key
from ..models.registry import label_text
from ..models.schema import METADATA_TYPES, AttributeDef, TableDef, stable_id
from .http import ApiRequest, ApiResponse, json_response, no_content


def _select(options: dict[str, str]) -> list[str] | None:
    text = options.get("$select")
    return [s.strip() for s in text.split(",") if s.strip()] if text else None


def _filter(items: list[dict[str, Any]], options: dict[str, str]) -> list[dict[str, Any]]:
    text = options.get("$filter")
    if not text:
        return items
    aliases = {k: v for k, v in options.items() if k.startswith("@")}
    predicate = compile_filter(text, lambda name: lambda item: item.get(name), aliases)
    return [item for item in items if predicate(item)]


def _table(req: ApiRequest, backend: DataverseBackend) -> TableDef:
    try:
        key = parse_key(req.route["entity"])
    except RefError:
        raise e.ObjectDoesNotExist(entity="EntityMetadata", id=req.route["entity"]) from None
    return backend.schema.table_by_key(key)


def _cast(name: str | None) -> str | None:
    if not name:
        return None
    short = name.rsplit(".", 1)[-1]
    if short not in set(METADATA_TYPES.values()):
        raise e.ResourceNotFound(segment=name)
    return short


def _attribute_json(table: TableDef, attr: AttributeDef, options: dict[str, str]) -> dict[str, Any]:
    body = mj.project(mj.attribute(table, attr), _select(options))
    for name, nested in parse_expand(options.get("$expand", "")):
        if name in ("OptionSet", "GlobalOptionSet"):
            option_set = mj.option_set(table, attr)
            body[name] = mj.project(option_set, _select(nested)) if option_set else None
    return body


def _attributes(table: TableDef, options: dict[str, str], cast: str | None) -> list[dict[str, Any]]:
    attrs = [a for a in table.attributes.values() if cast is None or METADATA_TYPES.get(a.type) == cast]
    full = [mj.attribute(table, a) for a in attrs]
    kept = {item["MetadataId"] for item in _filter(full, options)}
    return [_attribute_json(table, a, options) for a in attrs if a.metadata_id in kept]


def _keys(backend: DataverseBackend, table: TableDef, options: dict[str, str]) -> list[dict[str, Any]]:
    items = [mj.key(table, k, backend.keys.status(k)) for k in backend.keys.keys.get(table.logical, [])]
    return [mj.project(item, _select(options)) for item in _filter(items, options)]


# An entity's relationship collections: the side of the relationship the entity is on.
RELATIONSHIP_SIDES = {"OneToManyRelationships": "ReferencedEntity", "ManyToOneRelationships": "ReferencingEntity"}


def _relationships(
    backend: DataverseBackend, options: dict[str, str], table: TableDef | None = None, side: str = ""
) -> list[dict[str, Any]]:
    items = mj.relationships(backend.schema.tables)
    if table is not None:
        items = [item for item in items if item[RELATIONSHIP_SIDES[side]] == table.logical]
    return [mj.project(item, _select(options)) for item in _filter(items, options)]


def _entity_json(backend: DataverseBackend, table: TableDef, options: dict[str, str]) -> dict[str, Any]:
    body = mj.project(mj.entity(table), _select(options))
    for name, nested in parse_expand(options.get("$expand", "")):
        if name == "Attributes":
            body["Attributes"] = _attributes(table, nested, None)
        elif name == "Keys":
            body["Keys"] = _keys(backend, table, nested)
        elif name in RELATIONSHIP_SIDES:
            body[name] = _relationships(backend, nested, table, name)
    return body


def entity_relationships(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """GET EntityDefinitions(…)/OneToManyRelationships or …/ManyToOneRelationships, each with its
    CascadeConfiguration (README "Relationships and delete")."""
    table = _table(req, backend)
    side = req.route["side"]
    context = f"{req.api_root}/$metadata#EntityDefinitions('{table.metadata_id}')/{side}"
    return json_response({"@odata.context": context, "value": _relationships(backend, req.params, table, side)})


def relationship_definitions(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """GET RelationshipDefinitions[(SchemaName='…')] — the org's one-to-many relationships (N:N are not modelled)."""
    key_text = req.route.get("relationship")
    if key_text is None:
        context = f"{req.api_root}/$metadata#RelationshipDefinitions"
        return json_response({"@odata.context": context, "value": _relationships(backend, req.params)})
    try:
        key = parse_key(key_text)
    except RefError:
        raise e.ObjectDoesNotExist(entity="RelationshipMetadataBase", id=key_text) from None
    for item in mj.relationships(backend.schema.tables):
        if (isinstance(key, str) and item["MetadataId"] == key) or (
            isinstance(key, dict) and str(key.get("SchemaName", "")).lower() == item["SchemaName"].lower()
        ):
            body = {"@odata.context": f"{req.api_root}/$metadata#RelationshipDefinitions/$entity"}
            body.update(mj.project(item, _select(req.params)))
            return json_response(body)
    raise e.ObjectDoesNotExist(entity="RelationshipMetadataBase", id=key_text)


def entity_definitions(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """GET EntityDefinitions[?$select&$filter&$expand] — all matches in one response (no paging)."""
    tables = list(backend.schema.tables.values())
    kept = {item["MetadataId"] for item in _filter([mj.entity(t) for t in tables], req.params)}
    value = [_entity_json(backend, t, req.params) for t in tables if t.metadata_id in kept]
    return json_response({"@odata.context": f"{req.api_root}/$metadata#EntityDefinitions", "value": value})


def entity_definition(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    table = _table(req, backend)
    body = {"@odata.context": f"{req.api_root}/$metadata#EntityDefinitions/$entity"}
    body.update(_entity_json(backend, table, req.params))
    return json_response(body)


def create_entity(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """POST EntityDefinitions: a custom table, 204 + OData-EntityId (README "Custom tables and lookups")."""
    table = backend.schema.create_table(req.json())
    return no_content({"OData-EntityId": f"{req.api_root}/EntityDefinitions({table.metadata_id})"})


def create_relationship(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """POST RelationshipDefinitions: a one-to-many relationship and its lookup column, 204 + OData-EntityId."""
    attr = backend.schema.create_relationship(req.json())
    name = next(iter(attr.relationships.values()))[0]
    return no_content({"OData-EntityId": f"{req.api_root}/RelationshipDefinitions({stable_id('relationship', name)})"})


def attributes(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """GET …/Attributes[/Microsoft.Dynamics.CRM.<Type>AttributeMetadata] (the SDK's picklist query)."""
    table = _table(req, backend)
    cast = _cast(req.route.get("cast"))
    value = _attributes(table, req.params, cast)
    context = f"{req.api_root}/$metadata#EntityDefinitions('{table.metadata_id}')/Attributes"
    return json_response({"@odata.context": context + (f"/{c.NAMESPACE}.{cast}" if cast else ""), "value": value})


def _find_attribute(req: ApiRequest, table: TableDef) -> AttributeDef:
    try:
        key = parse_key(req.route["attribute"])
    except RefError:
        raise e.ObjectDoesNotExist(entity="AttributeMetadata", id=req.route["attribute"]) from None
    for attr in table.attributes.values():
        if (isinstance(key, str) and attr.metadata_id == key) or (
            isinstance(key, dict) and str(key.get("LogicalName", "")).lower() == attr.name
        ):
            return attr
    raise e.ObjectDoesNotExist(entity="AttributeMetadata", id=req.route["attribute"])


def attribute(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """GET …/Attributes(LogicalName='x')[/cast] (404 when absent); DELETE removes a custom column."""
    table = _table(req, backend)
    attr = _find_attribute(req, table)
    if req.method == "DELETE":
        backend.schema.delete_attribute(table, attr.metadata_id)
        return no_content()
    cast = _cast(req.route.get("cast"))
    if cast is not None and METADATA_TYPES.get(attr.type) != cast:
        raise e.ResourceNotFound(segment=req.route["cast"])
    context = f"{req.api_root}/$metadata#EntityDefinitions('{table.metadata_id}')/Attributes/$entity"
    body: dict[str, Any] = {"@odata.context": context}
    body.update(_attribute_json(table, attr, req.params))
    return json_response(body)


def create_attribute(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """POST …/Attributes: a new column, 204 + OData-EntityId (research/dataverse.md §6.1)."""
    table = _table(req, backend)
    attr = backend.schema.create_attribute(table, req.json())
    url = f"{req.api_root}/EntityDefinitions(LogicalName='{table.logical}')/Attributes({attr.metadata_id})"
    return no_content({"OData-EntityId": url})


def keys(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """GET …/Keys lists keys with EntityKeyIndexStatus; POST creates one (starts Pending, §6.2)."""
    table = _table(req, backend)
    if req.method == "POST":
        payload = req.json()
        names = payload.get("KeyAttributes") if isinstance(payload, dict) else None
        key = backend.keys.define(
            table,
            str(payload.get("SchemaName") or ""),
            [str(n) for n in names] if isinstance(names, list) else [],
            label_text(payload.get("DisplayName"), ""),
        )
        url = f"{req.api_root}/EntityDefinitions(LogicalName='{table.logical}')/Keys({key.metadata_id})"
        return no_content({"OData-EntityId": url})
    context = f"{req.api_root}/$metadata#EntityDefinitions('{table.metadata_id}')/Keys"
    return json_response({"@odata.context": context, "value": _keys(backend, table, req.params)})


def key(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """GET or DELETE …/Keys(<MetadataId>)."""
    table = _table(req, backend)
    key_id = req.route["key"].strip().lower()
    if req.method == "DELETE":
        backend.keys.delete(table.logical, key_id)
        return no_content()
    for candidate in backend.keys.keys.get(table.logical, []):
        if candidate.metadata_id == key_id:
            return json_response(
                mj.project(mj.key(table, candidate, backend.keys.status(candidate)), _select(req.params))
            )
    raise e.ObjectDoesNotExist(entity="EntityKeyMetadata", id=key_id)
