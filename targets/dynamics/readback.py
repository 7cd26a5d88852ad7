"""Post-migration verification: read loaded records back and compare them field by field.

Reads every record the ledger says is loaded (by GUID, `$select` only the mapped columns) and
compares it with the payload the loader would send for the current mapped row: counts per table,
per-field equal/different with example keys, a checksum per table over a canonical serialisation
of both sides, orphaned activities (regarding a contact that is not there), activities owned by
disabled users, and lookups that do not resolve: a record pointing at a row the org no longer has
(`dangling`, asked of the org by id) or whose target the read-back cannot find again as the loader
found it (`unresolved`: the customer's price list or a currency gone from the org). Values never
leave the customer's folder: results carry counts, field names and canonical ids; the CSV/HTML
report is written under the customer's reports.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from targets.dynamics.payloads import Payload
from targets.dynamics.tables import TABLES, TargetTable

if TYPE_CHECKING:
    from targets.dynamics.client import DataverseClient

MAX_EXAMPLES = 10
# Where the read-back asks whether a lookup's target exists: (entity set, primary key) of the org tables the
# mapped tables point at besides themselves. An owner may be a user or (reassigned in the org) a team.
ORG_LOOKUP_TARGETS = {
    "pricelevel": (("pricelevels", "pricelevelid"),),
    "transactioncurrency": (("transactioncurrencies", "transactioncurrencyid"),),
    "systemuser": (("systemusers", "systemuserid"), ("teams", "teamid")),
}


@dataclass
class FieldStats:
    compared: int = 0
    equal: int = 0
    examples: list[str] = field(default_factory=list)  # canonical ids of differing records
    # (canonical id, value sent, value found) of the same records: for the field-diff report in the customer's
    # folder only (personal values), never for Dagster.
    sent_vs_found: list[tuple[str, object, object]] = field(default_factory=list)

    @property
    def different(self) -> int:
        return self.compared - self.equal


@dataclass
class TableReadback:
    table: str
    expected: int = 0
    found: int = 0
    missing: list[str] = field(default_factory=list)
    fields: dict[str, FieldStats] = field(default_factory=dict)
    orphaned: list[str] = field(default_factory=list)
    disabled_owner: list[str] = field(default_factory=list)
    expected_checksum: str = ""
    actual_checksum: str = ""
    # Lookups the load set that do not resolve, column → canonical ids: `dangling` points at a row the org does not
    # have; `unresolved` has a mapped value whose target the read-back cannot find in the org.
    dangling: dict[str, list[str]] = field(default_factory=dict)
    unresolved: dict[str, list[str]] = field(default_factory=dict)

    @property
    def lookups_not_resolving(self) -> int:
        """Records with at least one lookup that does not resolve (the `dangling_lookups` check)."""
        return len({key for keys in (*self.dangling.values(), *self.unresolved.values()) for key in keys})

    @property
    def differences(self) -> int:
        return sum(s.different for s in self.fields.values())

    @property
    def clean(self) -> bool:
        return not self.missing and not self.differences and not self.orphaned


def _normal(value: object) -> str | None:
    """One spelling per value so the two sides compare: instants to the second in UTC, dates ISO,
    numbers without trailing zeros, GUIDs lower-case."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format(float(value), ".4f").rstrip("0").rstrip(".")
    if isinstance(value, datetime | date):
        value = value.isoformat()
    text = str(value)
    if len(text) >= 19 and text[4] == "-" and text[10] == "T":
        return text[:19].replace("T", " ")
    if len(text) == 36 and text.count("-") == 4:
        return text.lower()
    return text


def expected_values(table: TargetTable, payload: Payload) -> dict[str, str | None]:
    """What the target must hold for a payload, by read-back attribute name."""
    out: dict[str, str | None] = {}
    lookups = {c.nav: c.name for c in table.columns if c.kind == "lookup"}
    read_as = {c.name: c.read_name for c in table.columns}
    for name, value in payload.body.items():
        if name.endswith("@odata.bind"):
            nav = name.removesuffix("@odata.bind")
            attribute = "ownerid" if nav == "ownerid" else lookups.get(nav, nav)
            out[f"_{attribute}_value"] = _normal(str(value).rsplit("(", 1)[-1].rstrip(")"))
        elif not isinstance(value, list | dict):
            out[read_as.get(name, name)] = _normal(value)
    for name, value in {**(payload.state or {}), **(payload.computed or {})}.items():
        out[name] = _normal(value)
    return out


def _checksum(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()


def lookup_targets(table: TargetTable) -> dict[str, tuple[tuple[str, str], ...]]:
    """Per lookup column the loader sets: the (entity set, primary key) pairs its value may name."""
    targets: dict[str, tuple[tuple[str, str], ...]] = {}
    for column in table.columns:
        target = "systemuser" if column.kind == "owner" else column.target if column.kind == "lookup" else None
        if target in TABLES:
            targets[column.name] = ((TABLES[target].entity_set, TABLES[target].primary_key),)
        elif target in ORG_LOOKUP_TARGETS:
            targets[column.name] = ORG_LOOKUP_TARGETS[target]
    return targets


async def absent_lookup_targets(client: DataverseClient, table: TargetTable, rows: list[dict]) -> dict[str, set[str]]:
    """Per lookup column: the GUIDs the rows read back point at that the org has in none of the column's target
    tables (asked by id, `get_by_ids`; lower case)."""
    absent: dict[str, set[str]] = {}
    for name, targets in lookup_targets(table).items():
        missing = {str(r[f"_{name}_value"]).lower() for r in rows if r.get(f"_{name}_value")}
        for entity_set, primary_key in targets:
            if not missing:
                break
            found = await client.get_by_ids(entity_set, primary_key, sorted(missing), [primary_key])
            missing -= {str(r[primary_key]).lower() for r in found}
        if missing:
            absent[name] = missing
    return absent


def compare(
    table: TargetTable,
    payloads: list[Payload],
    rows: list[dict],
    contacts: set[str] | None = None,
    disabled_users: frozenset[str] = frozenset(),
    absent: Mapping[str, set[str]] | None = None,
) -> TableReadback:
    """Compare expected payloads with the rows read back (keyed by primary key); `absent` is what
    `absent_lookup_targets` found missing in the org."""
    found = {str(r[table.primary_key]).lower(): r for r in rows}
    result = TableReadback(table.name, expected=len(payloads), found=len(found))
    expected_lines, actual_lines = [], []
    for payload in payloads:
        row = found.get(payload.guid.lower())
        if row is None:
            result.missing.append(payload.key)
            continue
        expected = expected_values(table, payload)
        for name, value in expected.items():
            if name == table.primary_key:
                continue
            actual = _normal(row.get(name))
            stats = result.fields.setdefault(name, FieldStats())
            stats.compared += 1
            if actual == value:
                stats.equal += 1
            elif len(stats.examples) < MAX_EXAMPLES:
                stats.examples.append(payload.key)
                stats.sent_vs_found.append((payload.key, value, actual))
            expected_lines.append(json.dumps([payload.guid, name, value]))
            actual_lines.append(json.dumps([payload.guid, name, actual]))
        if table.activity and contacts is not None:
            regarding = _normal(row.get("_regardingobjectid_value"))
            if regarding is None or regarding not in contacts:
                result.orphaned.append(payload.key)
        owner = _normal(row.get("_ownerid_value"))
        if owner is not None and owner in {u.lower() for u in disabled_users}:
            result.disabled_owner.append(payload.key)
        for name in payload.unbound:
            result.unresolved.setdefault(name, []).append(payload.key)
        for name, guids in (absent or {}).items():
            if _normal(row.get(f"_{name}_value")) in guids:
                result.dangling.setdefault(name, []).append(payload.key)
    result.expected_checksum = _checksum(expected_lines)
    result.actual_checksum = _checksum(actual_lines)
    return result
