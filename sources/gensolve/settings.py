"""Gensolve's tables as source resources, read from the import-schema catalogue (one source of truth:
targets/gensolve/schema/import_schema.yaml), and the one text form every reader renders a value in."""

from __future__ import annotations

from sources.base import FieldType, ResourceSpec
from targets.gensolve.catalogue import Catalogue, ImportColumn, load_catalogue

CSV_SUFFIX = ".csv"
DATABASE_SUFFIX = ".duckdb"
# The database file of an extraction snapshot (sources/gensolve/extraction.py): the raw layer reads it
# when it is given the snapshot folder.
SNAPSHOT_DATABASE = "gensolve.duckdb"


def field_type(column: ImportColumn) -> FieldType:
    """How the raw layer keeps a column: whole NUMBERs (flags too) as integers; everything else as
    text in the form `render_sql` gives it — money keeps its digits (never a float), instants stay
    text for the staged layer to parse and report (sources/base.py FieldType)."""
    kind = column.type
    if kind.base == "NUMBER" and not kind.scale and (kind.precision or 38) <= 18:
        return FieldType.INTEGER
    return FieldType.STRING


def render_sql(column: ImportColumn, quoted: str) -> str:
    """A DuckDB expression giving the column's delivered text: the same for the embedded database and
    the CSV export, so both read into identical raw rows. Instants are UTC `…Z` with microseconds,
    wall-clock times and dates ISO 8601, BLOBs base64."""
    base = column.type.base
    if base == "TIMESTAMP WITH TIME ZONE":
        return f"strftime(timezone('UTC', {quoted}), '%Y-%m-%dT%H:%M:%S.%fZ')"
    if base == "TIMESTAMP":
        return f"strftime({quoted}, '%Y-%m-%dT%H:%M:%S')"
    if base == "DATE":
        return f"strftime({quoted}, '%Y-%m-%d')"
    if base == "BLOB":
        return f"to_base64({quoted})"
    if field_type(column) is FieldType.INTEGER:
        return f"{quoted}::bigint"
    return f"{quoted}::varchar"


# Tables read into raw but not staged (mappings/gensolve_source.yaml keeps them as lookups): why, for every
# column, so the approval report's "delivered but not migrated" lists their values with a reason.
NOT_STAGED = {
    "gpm_membership": "memberships and class passes have no canonical entity (DESIGN.md §4); kept in raw",
    "gpm_form_entry": "form entries have no canonical entity; kept in raw",
    "gpm_product_sale": "product sales repeat the invoice lines they were billed on (gpm_invoice_line is staged)",
    "gpm_payment": "payments are not staged from Gensolve yet; kept in raw",
    "gpm_write_off": "write-offs are not staged from Gensolve yet; kept in raw",
    "gpm_document": "letters and uploads are BLOBs; writing them out as delivered files is not built yet",
    "gpm_vendor": "vendors are the billing entities GPM keeps per site: the canonical model has none (the site "
    "carries its own registration number); kept in raw",
}
# Columns of the staged tables that mappings/gensolve_source.yaml does not read, each with why
# (sources/coverage.py reports an unread column no spec declares).
_LINEAGE = "the load's lineage (the system and id the row was written from); the origin is migrated from mig_origin_id"
NOT_READ_COLUMNS: dict[str, dict[str, str]] = {
    "": {"mig_source_system": _LINEAGE, "mig_source_id": _LINEAGE},
    "gpm_site": {"vendor_key": "the site's billing entity (gpm_vendor), which has no canonical entity"},
    "gpm_practitioner": {
        column: "the canonical practitioner keeps one list of numbers (from registration_numbers); this separate "
        "number is kept in raw"
        for column in ("acc_provider_number", "medicare_provider_number")
    },
    "gpm_appointment": {
        "starts_local": "the same moment is migrated from starts_at, its wall-clock time derived in the site's zone",
        "ends_local": "the same moment is migrated from ends_at, its wall-clock time derived in the site's zone",
        "membership_key": "the membership or class pass an attendance draws on: memberships have no canonical "
        "entity (gpm_membership)",
    },
}


def _not_migrated(table: str, columns: list[str]) -> dict[str, str]:
    if table in NOT_STAGED:
        return dict.fromkeys(columns, NOT_STAGED[table])
    reasons = NOT_READ_COLUMNS[""] | NOT_READ_COLUMNS.get(table, {})
    return {c: reasons[c] for c in columns if c in reasons}


def resources_from(catalogue: Catalogue) -> dict[str, ResourceSpec]:
    return {
        table.name: ResourceSpec(
            name=table.name,
            grain=table.description or f"one row per {table.name}",
            fields={c.name: field_type(c) for c in table.columns},
            key=catalogue.key,
            description=table.description,
            not_migrated=_not_migrated(table.name, [c.name for c in table.columns]),
        )
        for table in catalogue.tables.values()
    }


RESOURCES = resources_from(load_catalogue())
