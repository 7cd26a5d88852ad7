"""Record operations: create, update, upsert (with If-Match / If-None-Match), delete, single properties."""

from __future__ import annotations

import uuid
from typing import Any

from .. import exceptions as e
from .business_logic import BusinessLogic
from .cascades import CASCADE, REMOVE_LINK, RESTRICT
from .context import WriteContext
from .keys import KeyRegistry
from .privileges import Privileges
from .refs import Key
from .registry import Schema
from .relations import Relations
from .rules import Rules
from .schema import TableDef
from .stats import Stats
from .store import Record, Store
from .writes import BodyParser, ParsedBody


class Records:
    """Every row-level write goes through here, inside a store transaction."""

    def __init__(
        self,
        schema: Schema,
        store: Store,
        keys: KeyRegistry,
        relations: Relations,
        parser: BodyParser,
        rules: Rules,
        stats: Stats,
        logic: BusinessLogic,
        privileges: Privileges,
    ) -> None:
        self.schema = schema
        self.store = store
        self.keys = keys
        self.relations = relations
        self.parser = parser
        self.rules = rules
        self.stats = stats
        self.logic = logic
        self.privileges = privileges

    # -- reads -------------------------------------------------------------------------------------------

    def get(self, table: TableDef, record_id: str) -> Record:
        record = self.store.get(table.logical, record_id)
        if record is None:
            raise e.ObjectDoesNotExist(entity=table.logical, id=record_id)
        return record

    def locate(self, table: TableDef, key: Key) -> tuple[str | None, bool]:
        """(id or None, whether an alternate key was used)."""
        record_id, alternate = self.keys.locate(table, key)
        return record_id, alternate is not None

    def require(self, table: TableDef, key: Key) -> str:
        """The id a key addresses, or the 404 Dataverse gives for a GUID or an alternate key."""
        record_id, by_key = self.locate(table, key)
        if record_id is None:
            if by_key:
                raise e.RecordNotFoundByEntityKey(entity=table.logical)
            raise e.ObjectDoesNotExist(entity=table.logical, id=key)
        return record_id

    # -- writes ------------------------------------------------------------------------------------------

    def create(
        self, table: TableDef, body: Any, ctx: WriteContext, *, key_values: dict[str, Any] | None = None
    ) -> Record:
        """POST: a new row; the primary key may be supplied (research/dataverse.md §2.3)."""
        _writable(table)
        parsed = self.parser.parse(table, body, ctx, creating=True)
        with self.store.transaction():
            self._deep_insert(parsed, ctx)
            values = parsed.values
            for name, value in (key_values or {}).items():
                values.setdefault(name, value)
            record_id = values.pop(table.pk, None) or str(uuid.uuid4())
            if self.store.get(table.logical, record_id) is not None:
                raise e.DuplicateRecord()
            record: Record = {table.pk: record_id, **values}
            self.rules.defaults(table, record, ctx)
            self.rules.apply_state(table, record, None, values)
            self.rules.computed(table, record)
            self.rules.validate(table, record, values, ctx, creating=True)
            self.privileges.check_owner(table, record, ctx.caller, creating=True)
            self.keys.check_unique(table.logical, record_id, record)
            self.rules.check_duplicates(table, record, ctx)
            record["versionnumber"] = self.store.next_version()
            self.store.put(table.logical, record_id, record)
            if parsed.parties:
                self._write_parties(table, record_id, parsed.parties, ctx, replace=False)
            self.rules.after_write(table, None, record)
        self._count("created")
        self.logic.fire(table.logical, "Create", record, ctx.bypass, self.store.on_rollback)
        return record

    def update(
        self, table: TableDef, record_id: str, body: Any, ctx: WriteContext, *, if_match: str | None = None
    ) -> Record:
        """PATCH on an existing row (key columns of the URL are never changed)."""
        _writable(table)
        old = self.get(table, record_id)
        _check_etag(old, if_match)
        parsed = self.parser.parse(table, body, ctx, creating=False)
        return self._apply_update(table, old, parsed, ctx)

    def _apply_update(self, table: TableDef, old: Record, parsed: ParsedBody, ctx: WriteContext) -> Record:
        values = parsed.values
        values.pop(table.pk, None)
        self.rules.check_writable(table, old, values, parsed.parties is not None)
        with self.store.transaction():
            self._deep_insert(parsed, ctx)
            record = {**old, **values}
            self.rules.stamp_update(table, record, ctx)
            self.rules.apply_state(table, record, old, values)
            self.rules.computed(table, record)
            self.rules.validate(table, record, values, ctx, creating=False)
            if "ownerid" in values:
                self.privileges.check_owner(table, record, ctx.caller, creating=False)
            self.keys.check_unique(table.logical, record[table.pk], record)
            self.rules.check_duplicates(table, record, ctx)
            record["versionnumber"] = self.store.next_version()
            self.store.put(table.logical, record[table.pk], record)
            if parsed.parties is not None:
                self._write_parties(table, record[table.pk], parsed.parties, ctx, replace=True)
            self.rules.after_write(table, old, record)
        self._count("updated")
        self.logic.fire(table.logical, "Update", record, ctx.bypass, self.store.on_rollback)
        return record

    def upsert(
        self,
        table: TableDef,
        key: Key,
        body: Any,
        ctx: WriteContext,
        *,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> tuple[Record, bool]:
        """PATCH by key: update if the row exists, else create it (research/dataverse.md §2.5).

        Returns:
            The row and whether it was created.
        """
        record_id, by_key = self.locate(table, key)
        if record_id is None:
            if if_match is not None:
                if by_key:
                    raise e.RecordNotFoundByEntityKey(entity=table.logical)
                raise e.ObjectDoesNotExist(entity=table.logical, id=key)
            key_values = dict(key) if isinstance(key, dict) else {table.pk: key}
            key_values = {
                (n[1:-6] if n.startswith("_") and n.endswith("_value") else n): v for n, v in key_values.items()
            }
            for name, value in list(key_values.items()):
                attr = table.attributes.get(name)
                if attr is not None and attr.is_lookup and isinstance(value, str) and attr.targets:
                    key_values[name] = {"id": value, "type": attr.targets[0]}
            return self.create(table, body, ctx, key_values=key_values), True
        if if_none_match == "*":
            raise e.RecordAlreadyExists()
        if isinstance(body, dict) and isinstance(key, dict):
            body = {k: v for k, v in body.items() if k not in key}
        return self.update(table, record_id, body, ctx, if_match=if_match if if_match != "*" else None), False

    def delete(self, table: TableDef, record_id: str, *, if_match: str | None = None) -> None:
        """DELETE, applying each relationship's CascadeConfiguration.Delete to the rows that refer to the record
        (models/cascades.py): Cascade deletes them too, RemoveLink clears their lookup, Restrict refuses the whole
        delete with 0x80040227. One transaction: a refusal anywhere down the cascade leaves everything as it was."""
        _writable(table)
        old = self.get(table, record_id)
        _check_etag(old, if_match)
        if table.logical == "organization" or (
            table.logical == "businessunit" and old.get("parentbusinessunitid") is None
        ):
            raise e.OperationNotSupported(detail=f"The {table.logical} {record_id} cannot be deleted.")
        if table.logical == "systemuser":
            raise e.UserCannotBeDeleted()
        if table.logical == "businessunit":
            self._check_business_unit_deletable(record_id, old)
        with self.store.transaction():
            self._delete(table, record_id)

    def _check_business_unit_deletable(self, record_id: str, old: Record) -> None:
        """A real org deletes only a disabled business unit without child units (README "Business units")."""
        if not old.get("isdisabled"):
            raise e.BusinessUnitIsNotDisabledAndCannotBeDeleted()
        for row in self.store.rows("businessunit").values():
            parent = row.get("parentbusinessunitid")
            if isinstance(parent, dict) and parent.get("id") == record_id:
                raise e.BusinessUnitHasChildAndCannotBeDeleted()

    def _delete(self, table: TableDef, record_id: str, deleting: set[str] | None = None) -> None:
        old = self.store.get(table.logical, record_id)
        deleting = deleting if deleting is not None else set()
        if old is None or record_id in deleting:  # a cascade that comes back to a row already being deleted
            return
        deleting.add(record_id)
        for entity, child_id, lookup in self.relations.referencing(record_id):
            if child_id in deleting:
                continue
            child_table = self.schema.table(entity)
            behaviour = child_table.attributes[lookup].on_delete(table.logical)
            if behaviour == RESTRICT:
                raise e.CannotDeleteDueToAssociation()
            if behaviour == CASCADE:
                self._delete(child_table, child_id, deleting)
            elif behaviour == REMOVE_LINK:
                self._remove_link(child_table, child_id, lookup)
        self.store.put(table.logical, record_id, None)
        self.rules.after_write(table, old, None)
        self._count("deleted")

    def _remove_link(self, table: TableDef, record_id: str, lookup: str) -> None:
        """RemoveLink: the child stays, its lookup to the deleted row cleared (a new version, like any update)."""
        old = self.store.get(table.logical, record_id)
        if old is None:
            return
        record = {**old, lookup: None, "versionnumber": self.store.next_version()}
        self.store.put(table.logical, record_id, record)
        self.rules.after_write(table, old, record)

    def _count(self, kind: str) -> None:
        """Count a record written; a write its change set or bulk action rolls back is not counted (a refused
        bulk request creates nothing)."""
        self.stats.count_record(kind)
        self.store.on_rollback(lambda: self.stats.count_record(kind, -1))

    def set_property(self, table: TableDef, record_id: str, name: str, value: Any, ctx: WriteContext) -> Record:
        """PUT ``/<set>(<id>)/<column>`` with ``{"value": …}``; DELETE clears it (research §2.4)."""
        return self.update(table, record_id, {name: value}, ctx)

    def disassociate(self, table: TableDef, record_id: str, nav: str, ctx: WriteContext) -> Record:
        """DELETE ``/<set>(<id>)/<nav>/$ref``: clear a single-valued lookup."""
        if nav not in table.navs:
            raise e.PropertyNotFound(property=nav, entity=table.logical)
        return self.update(table, record_id, {f"{nav}@odata.bind": None}, ctx)

    # -- helpers -----------------------------------------------------------------------------------------

    def _deep_insert(self, parsed: ParsedBody, ctx: WriteContext) -> None:
        for attr_name, (target, nested) in parsed.deep.items():
            other = self.schema.table(target)
            child = self.create(other, nested, ctx)
            parsed.values[attr_name] = {"id": child[other.pk], "type": other.logical}

    def _write_parties(
        self, table: TableDef, activity_id: str, parties: list[Any], ctx: WriteContext, *, replace: bool
    ) -> None:
        party_table = self.schema.table("activityparty")
        if replace:
            for entity, party_id in self.relations.of(activity_id, "activityparty"):
                self.store.put(entity, party_id, None)
        for item in parties:
            parsed = self.parser.parse(party_table, item, ctx, creating=True)
            mask = parsed.values.get("participationtypemask")
            if mask not in table.party_masks:
                raise e.InvalidArgument(detail=f"Participation type mask {mask} is not valid for {table.logical}.")
            party_id = parsed.values.pop("activitypartyid", None) or str(uuid.uuid4())
            record = {
                "activitypartyid": party_id,
                **parsed.values,
                "activityid": {"id": activity_id, "type": table.logical},
                "versionnumber": self.store.next_version(),
            }
            self.store.put("activityparty", party_id, record)


def _writable(table: TableDef) -> None:
    if table.read_only:
        raise e.OperationNotSupported(detail=f"The entity {table.logical} is read-only through the Web API.")


def _check_etag(record: Record, if_match: str | None) -> None:
    """``If-Match: W/"<version>"`` is optimistic concurrency (research/dataverse.md §2.1)."""
    if if_match and if_match != "*" and if_match.strip() != f'W/"{record.get("versionnumber", 0)}"':
        raise e.ConcurrencyVersionMismatch()
