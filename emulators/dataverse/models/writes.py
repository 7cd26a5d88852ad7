"""Read a write payload: columns, @odata.bind references, activity parties and deep inserts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import exceptions as e
from .context import WriteContext
from .keys import KeyRegistry
from .refs import RefError, parse_entity_ref
from .registry import Schema
from .schema import AttributeDef, TableDef
from .store import Store
from .values import coerce, payload_error


def unknown_property(table: TableDef, name: str) -> e.ODataClientPayloadError:
    """The payload error for a column the table does not have (research/dataverse.md §5.3)."""
    return payload_error(
        table,
        f"The property '{name}' does not exist on type 'Microsoft.Dynamics.CRM.{table.logical}'. "
        "Make sure to only use property names that are defined by the type or mark the type as open type",
    )


class BindTargetDoesNotExist(e.ObjectDoesNotExist):
    """The 400 variant of a bind miss, for research/dataverse.md §12's unconfirmed status."""

    status = 400


@dataclass
class ParsedBody:
    """What a payload asks for, already validated column by column."""

    values: dict[str, Any] = field(default_factory=dict)
    parties: list[dict[str, Any]] | None = None
    deep: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)


class BodyParser:
    """Validates payload properties against the table definition (research/dataverse.md §2.3–2.6)."""

    def __init__(self, schema: Schema, store: Store, keys: KeyRegistry, bind_miss_status: int = 404) -> None:
        self.schema = schema
        self.store = store
        self.keys = keys
        self.bind_miss = BindTargetDoesNotExist if bind_miss_status == 400 else e.ObjectDoesNotExist

    def parse(self, table: TableDef, body: Any, ctx: WriteContext, *, creating: bool) -> ParsedBody:
        """Raises the error Dataverse returns for the first bad property."""
        if not isinstance(body, dict):
            raise payload_error(table, "A JSON object was expected for the entity payload")
        parsed = ParsedBody()
        for name, value in body.items():
            if name.startswith("@"):
                continue
            if "@" in name:
                self._annotation(table, parsed, name, value, ctx, creating)
            elif table.party_collection and name == table.party_collection:
                if not isinstance(value, list):
                    raise payload_error(table, f"A collection was expected for the property '{name}'")
                parsed.parties = value
            elif name in table.navs and isinstance(value, dict):
                attr_name, target = table.navs[name]
                if target == "*":
                    raise payload_error(table, f"Deep insert is not supported through '{name}'")
                parsed.deep[attr_name] = (target, value)
            else:
                attr = table.attributes.get(name)
                if attr is None or attr.is_lookup:
                    raise unknown_property(table, name)
                # statecode not valid for create still reaches the state rules, which ignore or refuse it.
                if (attr.create if creating else attr.update) or (creating and attr.type == "State"):
                    parsed.values[name] = coerce(table, attr, value)
        return parsed

    def _annotation(
        self, table: TableDef, parsed: ParsedBody, name: str, value: Any, ctx: WriteContext, creating: bool
    ) -> None:
        prop, _, annotation = name.partition("@")
        if annotation != "odata.bind":
            return
        if prop not in table.navs:
            raise payload_error(
                table,
                f"An undeclared property '{prop}' which only has property annotations in the payload but no "
                "property value was found in the payload. In OData, only declared navigation properties and "
                "declared named streams can be represented as properties without values",
            )
        attr_name, target = table.navs[prop]
        attr = table.attributes[attr_name]
        if not (attr.create if creating else attr.update):
            return
        parsed.values[attr_name] = None if value is None else self.bind(table, attr, prop, target, value, ctx)

    def bind(
        self, table: TableDef, attr: AttributeDef, prop: str, target: str, value: Any, ctx: WriteContext
    ) -> dict[str, str]:
        """Resolve one @odata.bind value to ``{"id", "type"}`` (relative, absolute, ``$n`` or key forms)."""
        if not isinstance(value, str):
            raise payload_error(table, f"An entity reference URL was expected for '{prop}@odata.bind'")
        url = value
        if url.startswith("$"):
            resolved = ctx.content_refs.get(url.split("/", 1)[0])
            if resolved is None:
                raise e.ContentIdReferenceNotFound(reference=url)
            url = resolved
        try:
            entity_set, key = parse_entity_ref(url)
        except RefError:
            raise payload_error(  # noqa: B904 - the client sees only the payload error, as from Dataverse
                table, f"The URL '{value}' in '{prop}@odata.bind' is not a valid entity reference"
            )
        other = self.schema.entity_set(entity_set)
        allowed = attr.targets if target == "*" else (target,)
        if other.logical not in allowed:
            raise payload_error(
                table,
                f"A navigation property '{prop}' expects an entity of type "
                f"'Microsoft.Dynamics.CRM.{allowed[0]}' but the reference '{value}' is of type "
                f"'Microsoft.Dynamics.CRM.{other.logical}'",
            )
        record_id, alternate = self.keys.locate(other, key)
        if record_id is None:
            if alternate is not None:
                raise e.RecordNotFoundByEntityKey(entity=other.logical)
            raise self.bind_miss(entity=other.logical, id=key if isinstance(key, str) else str(key))
        return {"id": record_id, "type": other.logical}
