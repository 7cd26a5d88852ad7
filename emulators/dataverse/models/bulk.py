"""CreateMultiple / UpdateMultiple / UpsertMultiple: all-or-nothing on standard tables (research §3.2)."""

from __future__ import annotations

from typing import Any

from .. import constants as c
from .. import exceptions as e
from .context import WriteContext
from .keys import normalise
from .records import Records
from .refs import Key, RefError, parse_entity_ref
from .registry import Schema
from .schema import TableDef
from .store import Store


class Bulk:
    """The three collection-bound bulk actions."""

    def __init__(self, schema: Schema, store: Store, records: Records) -> None:
        self.schema = schema
        self.store = store
        self.records = records

    def run(self, message: str, table: TableDef, body: Any, ctx: WriteContext) -> list[str]:
        """Execute ``message`` over ``body["Targets"]``; returns the ids (in input order).

        Raises:
            BulkOperationNotSupported: The table does not support the message (§3.2 / §12 switch).
            DataverseError: The first failing record's error; nothing is kept (all-or-nothing).
        """
        if not self.schema.supports_multiple(table):
            raise e.BulkOperationNotSupported(message=message, entity=table.logical)
        targets = body.get("Targets") if isinstance(body, dict) else None
        if not isinstance(targets, list) or not targets:
            raise e.InvalidArgument(detail=f"The parameter 'Targets' of {message} must be a non-empty collection.")
        expected = f"{c.NAMESPACE}.{table.logical}"
        for item in targets:
            if not isinstance(item, dict) or str(item.get("@odata.type", "")).lstrip("#") != expected:
                # research/dataverse.md §3.2: @odata.type is mandatory on every item (wording UNCONFIRMED).
                raise e.InvalidArgument(detail=f"Each entity in Targets must have '@odata.type' set to '{expected}'.")
        with self.store.transaction():
            if message == "CreateMultiple":
                return [self.records.create(table, item, ctx)[table.pk] for item in targets]
            if message == "UpdateMultiple":
                return self._update(table, targets, ctx)
            return self._upsert(table, targets, ctx)

    def _update(self, table: TableDef, targets: list[dict[str, Any]], ctx: WriteContext) -> list[str]:
        ids, seen = [], set()
        for item in targets:
            record_id = item.get(table.pk)
            if not isinstance(record_id, str):
                # research/dataverse.md §3.2: items must carry the primary key (alternate keys unsupported).
                raise e.InvalidArgument(detail=f"UpdateMultiple requires the primary key '{table.pk}' on every entity.")
            record_id = record_id.lower()
            ids.append(record_id)
            if record_id in seen:
                continue  # research/dataverse.md §3.2: duplicates after the first are ignored
            seen.add(record_id)
            if self.store.get(table.logical, record_id) is None:
                raise e.ObjectsDoNotExist(entity=table.schema_name, ids=record_id)
            self.records.update(table, record_id, item, ctx)
        return ids

    def _upsert(self, table: TableDef, targets: list[dict[str, Any]], ctx: WriteContext) -> list[str]:
        ids, seen = [], set()
        for item in targets:
            key = self._identity(table, item)
            marker = key if isinstance(key, str) else tuple(sorted((k, normalise(v)) for k, v in key.items()))
            if key is not None:
                if marker in seen:
                    # research/dataverse.md §3.2: duplicates in one UpsertMultiple fail (wording UNCONFIRMED).
                    raise e.InvalidArgument(detail="UpsertMultiple received more than one record with the same key.")
                seen.add(marker)
            if key is None:
                ids.append(self.records.create(table, item, ctx)[table.pk])
            else:
                record, _ = self.records.upsert(table, key, item, ctx)
                ids.append(record[table.pk])
        return ids

    def _identity(self, table: TableDef, item: dict[str, Any]) -> Key | None:
        odata_id = item.get("@odata.id")
        if isinstance(odata_id, str):
            try:
                entity_set, key = parse_entity_ref(odata_id)
            except RefError:
                raise e.InvalidArgument(detail=f"The @odata.id '{odata_id}' is not a valid entity reference.") from None
            if entity_set != table.entity_set:
                raise e.InvalidArgument(detail=f"The @odata.id '{odata_id}' does not refer to {table.entity_set}.")
            return key
        record_id = item.get(table.pk)
        return record_id.lower() if isinstance(record_id, str) else None
