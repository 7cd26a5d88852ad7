"""The service document and a CSDL ``$metadata`` built from the table definitions (research §2.1, §6.3)."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from .. import constants as c
from ..models import DataverseBackend
from ..models.schema import TableDef
from .http import ApiRequest, ApiResponse, json_response


def service_document(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """GET /api/data/v9.2/: the entity sets."""
    sets = sorted(t.entity_set for t in backend.schema.tables.values())
    value = [{"name": s, "kind": "EntitySet", "url": s} for s in sets]
    return json_response({"@odata.context": f"{req.api_root}/$metadata", "value": value})


def metadata_document(req: ApiRequest, backend: DataverseBackend) -> ApiResponse:
    """GET $metadata: EntityTypes with keys, properties, navigation properties and active alternate keys."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>',
        f'<Schema Namespace="{c.NAMESPACE}" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">',
        '<EntityType Name="crmbaseentity" Abstract="true"/>',
    ]
    tables = sorted(backend.schema.tables.values(), key=lambda t: t.logical)
    for table in tables:
        lines.extend(_entity_type(backend, table))
    lines.append('<EntityContainer Name="System">')
    lines.extend(f'<EntitySet Name="{t.entity_set}" EntityType="{c.NAMESPACE}.{t.logical}"/>' for t in tables)
    lines.append("</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>")
    body = "\n".join(lines).encode("utf-8")
    return ApiResponse(200, {"Content-Type": "application/xml", "OData-Version": "4.0"}, body)


def _entity_type(backend: DataverseBackend, table: TableDef) -> list[str]:
    out = [f'<EntityType Name="{table.logical}" BaseType="mscrm.crmbaseentity">']
    out.append(f'<Key><PropertyRef Name="{table.pk}"/></Key>')
    for attr in table.attributes.values():
        out.append(f"<Property Name={quoteattr(attr.wire_name)} Type={quoteattr(attr.edm_type)}/>")
    for nav, (attr_name, target) in table.navs.items():
        target_type = "mscrm.principal" if target == "*" else f"mscrm.{target}"
        out.append(
            f'<NavigationProperty Name="{nav}" Type="{target_type}">'
            f'<ReferentialConstraint Property="_{attr_name}_value" ReferencedProperty="{target}id"/>'
            "</NavigationProperty>"
        )
    if table.party_collection:
        out.append(f'<NavigationProperty Name="{table.party_collection}" Type="Collection(mscrm.activityparty)"/>')
    active = [k for k in backend.keys.keys.get(table.logical, []) if backend.keys.status(k) == "Active"]
    if active:
        out.append('<Annotation Term="OData.Community.Keys.V1.AlternateKeys"><Collection>')
        for key in active:
            refs = "".join(
                '<Record Type="OData.Community.Keys.V1.PropertyRef">'
                f'<PropertyValue Property="Alias" String="{name}"/>'
                f'<PropertyValue Property="Name" PropertyPath="{name}"/></Record>'
                for name in key.attributes
            )
            out.append(
                '<Record Type="OData.Community.Keys.V1.AlternateKey"><PropertyValue Property="Key">'
                f"<Collection>{refs}</Collection></PropertyValue></Record>"
            )
        out.append("</Collection></Annotation>")
    out.append("</EntityType>")
    return out
