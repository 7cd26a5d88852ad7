"""Turn mapped rows (`dynamics.<table>`) into Web API payloads, with the content hash the ledger keeps.

Rows are written by their primary key, a GUID derived from (customer, table, canonical id) —
``uuid5(3c8a5f1e-2f6b-5d7e-9a41-6f1d2c0b8e57, "<customer>|<table>|<canonical id>")`` —: the same
record always gets the same GUID, so a re-run upserts instead of duplicating and a rollback knows
what to delete. The `new_sourcesystemid` alternate key holds ``<customer>/<canonical id>`` (`source_key`):
one org can host several practices of a group, whose source systems number records alike (two Cliniko
accounts both have patient 1001), so a key without the customer would refuse the second practice's rows.
On a table that cannot take the `new_sourcesystemid` column (Note: a real org's `CanCreateAttributes` is
false) this GUID is the record's only key; the ledger and the audit export hold its canonical and source ids.
Writing by the `new_sourcesystemid` alternate key in the URL is not an option: the canonical ids contain ":",
which Dataverse refuses in key segments (research/dataverse.md §2.5); the alternate key still exists, so
nothing else can create a second row for the same customer and canonical id.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from store.files import UnsafePathError, check_inside, read_inside, sha256_file
from targets.dynamics.tables import ORIGIN, SOURCE_KEY, TABLES, Column, TargetTable

# A fixed namespace: GUIDs must be stable across runs and machines.
_NAMESPACE = uuid.UUID("3c8a5f1e-2f6b-5d7e-9a41-6f1d2c0b8e57")
PARTY_MASKS = {"requiredattendees": 5, "organizer": 7, "from": 1, "to": 2}


def record_guid(customer_id: str, table: str, key: str) -> str:
    """The deterministic primary key of a migrated row."""
    return str(uuid.uuid5(_NAMESPACE, f"{customer_id}|{table}|{key}"))


def source_key(customer_id: str, key: str) -> str:
    """The `new_sourcesystemid` value of a migrated row: unique in the org per customer and canonical id (a
    customer id is a slug, no "/", so the canonical id after the first "/" is read back unchanged)."""
    return f"{customer_id}/{key}"


def _wire(value: object) -> object:
    """A Python value as the Web API's JSON expects it: instants in UTC with "Z", dates ISO, decimals as
    JSON numbers (their shortest repr, so 12.30 travels as 12.3 and is read back exactly)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


@dataclass(frozen=True)
class Resolved:
    """What the loader resolved before building payloads (never personal data)."""

    customer_id: str
    owners: Mapping[str, str]  # practitioner canonical id → systemuser GUID
    fallback_owner: str  # systemuser GUID
    root_business_unit: str | None = None
    currencies: Mapping[str, str] | None = None  # ISO code → transactioncurrency GUID
    price_levels: Mapping[str, str] | None = None  # ISO code → pricelevel GUID
    # Folders documents may be read from (the run's dump or API extractions): any other path is refused.
    file_roots: tuple[Path, ...] = ()
    # practitioner → tables whose records the fallback owner gets (the user's roles cannot own them, owners.py)
    fallback_tables: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def owner(self, practitioner: str, table: str) -> str:
        """The systemuser owning a record of `table` that the source gives to `practitioner`."""
        user = self.owners.get(practitioner)
        if user is None or table in self.fallback_tables.get(practitioner, frozenset()):
            return self.fallback_owner
        return user


@dataclass(frozen=True)
class Payload:
    """One record ready to send: its key, GUID, body, state change, file and content hash."""

    table: str
    key: str
    guid: str
    body: dict[str, object]
    state: dict[str, int] | None
    file: str | None
    content_hash: str
    entity: str | None = None  # the staged entity the row came from (client, referrer, …)
    origin: str | None = None
    computed: dict[str, object] | None = None  # what Dataverse must calculate (compared, never sent)
    file_roots: tuple[Path, ...] = ()  # where `file` must lie (Resolved.file_roots)
    # Lookup columns with a mapped value whose target could not be resolved in the org (the customer's price list
    # or a currency not found): sent without them, and a finding of the read-back (readback.py).
    unbound: tuple[str, ...] = ()


def _bind(table: TargetTable, column: Column, value: object, resolved: Resolved) -> tuple[str, str] | None:
    if value is None:
        return None
    if column.kind == "owner":
        return "ownerid@odata.bind", f"/systemusers({resolved.owner(str(value), table.name)})"
    target = column.target or ""
    if target == "transactioncurrency":
        guid = (resolved.currencies or {}).get(str(value))
        return (f"{column.nav}@odata.bind", f"/transactioncurrencies({guid})") if guid else None
    if target == "pricelevel":
        guid = (resolved.price_levels or {}).get(str(value))
        return (f"{column.nav}@odata.bind", f"/pricelevels({guid})") if guid else None
    target_table = TABLES[target]
    return (
        f"{column.nav}@odata.bind",
        f"/{target_table.entity_set}({record_guid(resolved.customer_id, target, str(value))})",
    )


def build_payload(
    table: TargetTable, row: Mapping[str, object], resolved: Resolved, custom_values: Mapping[str, object] | None = None
) -> Payload:
    """The upsert body of one mapped row; the hash covers everything that would be sent."""
    key = str(row["canonical_id"])
    guid = record_guid(resolved.customer_id, table.name, key)
    body: dict[str, object] = {table.primary_key: guid}
    if table.keyed:
        body[SOURCE_KEY] = source_key(resolved.customer_id, key)
        body[ORIGIN] = row.get("origin_id") or key
    state: dict[str, int] = {}
    parties: list[dict[str, object]] = []
    file: str | None = None
    computed: dict[str, object] = {}
    unbound: list[str] = []
    owner_guid = resolved.owner(str(row.get("ownerid")), table.name)
    for column in table.columns:
        value = row.get(column.name)
        if column.computed:
            computed[column.name] = _wire(value) if value is not None else None
        elif column.kind in {"state", "status"}:
            if value is not None:
                state[column.name] = int(value)  # type: ignore[arg-type]
        elif column.kind == "party":
            if value is not None:
                contact = f"/contacts({record_guid(resolved.customer_id, 'contact', str(value))})"
                parties.extend(_parties(table, column, contact, owner_guid, row))
        elif column.kind == "file":
            file = str(value) if value is not None else None
        elif column.kind in {"lookup", "owner"}:
            bound = _bind(table, column, value, resolved)
            if bound is None and column.kind == "owner" and table.name != "businessunit":
                bound = ("ownerid@odata.bind", f"/systemusers({resolved.fallback_owner})")
            elif bound is None and value is not None:
                unbound.append(column.name)
            if bound:
                body[bound[0]] = bound[1]
        elif value is not None:
            body[column.name] = _wire(value)
        elif not column.create_only:
            body[column.name] = None
    if file is not None:
        # Dataverse sets `filesize` from the document it stores: the read-back compares it with the file's,
        # so a document missing or cut short in the target is a difference, not a silent pass.
        computed["filesize"] = _file_size(file, resolved.file_roots)
    if table.name == "businessunit" and resolved.root_business_unit:
        body["parentbusinessunitid@odata.bind"] = f"/businessunits({resolved.root_business_unit})"
    if parties:
        body[f"{table.name}_activity_parties"] = parties
    if custom_values:
        body.update({k: v for k, v in custom_values.items() if v is not None})
    digest = hashlib.sha256(
        json.dumps(
            {"body": body, "state": state, "file": _file_fingerprint(file, resolved.file_roots)},
            sort_keys=True,
            default=str,
        ).encode()
    ).hexdigest()
    return Payload(
        table.name,
        key,
        guid,
        body,
        state or None,
        file,
        digest,
        str(row.get("source_table")) if row.get("source_table") else None,
        str(row.get("origin_id")) if row.get("origin_id") else None,
        computed or None,
        resolved.file_roots,
        tuple(unbound),
    )


def _parties(
    table: TargetTable, column: Column, contact: str, owner_guid: str, row: Mapping[str, object]
) -> list[dict[str, object]]:
    user = f"/systemusers({owner_guid})"
    if table.name == "appointment":
        return [
            {"partyid_contact@odata.bind": contact, "participationtypemask": PARTY_MASKS["requiredattendees"]},
            {"partyid_systemuser@odata.bind": user, "participationtypemask": PARTY_MASKS["organizer"]},
        ]
    if table.name == "email":
        outbound = bool(row.get("directioncode"))
        sender, recipient = (user, contact) if outbound else (contact, user)
        return [
            {_party_bind(sender): sender, "participationtypemask": PARTY_MASKS["from"]},
            {_party_bind(recipient): recipient, "participationtypemask": PARTY_MASKS["to"]},
        ]
    return []


def _party_bind(reference: str) -> str:
    return "partyid_systemuser@odata.bind" if reference.startswith("/systemusers") else "partyid_contact@odata.bind"


def document_bytes(payload: Payload) -> bytes:
    """A document's bytes, read only after its path is checked to lie inside the run's folders with no
    symbolic link on the way (store.files.read_inside; UnsafePathError, an OSError, otherwise)."""
    return read_inside(str(payload.file), payload.file_roots, "document")


def document_size(payload: Payload) -> int:
    return check_inside(str(payload.file), payload.file_roots, "document").stat().st_size


def _file_size(path: str, roots: tuple[Path, ...]) -> int | None:
    try:
        return check_inside(path, roots, "document").stat().st_size
    except OSError:
        return None


def _file_fingerprint(path: str | None, roots: tuple[Path, ...]) -> str | None:
    """The file's name and bytes (sha256), not its folder: a dump re-delivered or re-extracted into another
    folder must not re-upload every document. A path outside the run's folders is never read."""
    if path is None:
        return None
    file = Path(path)
    try:
        checked = check_inside(path, roots, "document")
    except UnsafePathError:
        return f"{file.name}:refused"
    if not checked.is_file():
        return f"{file.name}:missing"
    return f"{file.name}:{sha256_file(checked)}"
