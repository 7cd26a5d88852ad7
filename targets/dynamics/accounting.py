"""Invoices the org already holds through an accounting integration (Xero), matched before any create.

Gensolve records the Xero invoice number (or Xero's invoice id) of an invoice it passed to Xero (canonical
`invoice.external_ref`, mapped to `new_externalref`). An org whose accounting integration syncs Xero into
Dynamics holds those invoices already, under the Xero number in `invoicenumber` — assumed: Xero connectors
for Dynamics 365 are third-party and publish no schema, so the columns compared are the target's
`accounting_match_columns` (default `invoicenumber`). Before the invoices are loaded:

- an invoice whose Xero reference equals that of exactly one org invoice the migration did not write (no
  `new_sourcesystemid`) is **matched**: it is not created, nor are its lines (the org's invoice has its own);
- one whose reference several such org invoices carry is **ambiguous**: not created either (creating it would
  risk the duplicate the match is there to prevent), left for a person to resolve;
- every other invoice is loaded as usual.

Comparisons ignore case and surrounding blanks, as Dataverse's collation does. Matched and ambiguous
invoices are moved out of `dynamics.invoice` / `dynamics.invoicedetail` into `dynamics.invoice_match` with the
org's invoice ids and the reason, and listed in `invoice-matches.csv` (the approval report): nothing is
lost, and a second run matches them again and creates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from store import TableRef, read_partition, replace_partition_from_frame, table_exists
from targets.dynamics.tables import SOURCE_KEY

SCHEMA = "dynamics"
MATCHES = TableRef(SCHEMA, "invoice_match")
REFERENCE = "new_externalref"  # the mapped column holding Gensolve's Xero reference
DEFAULT_COLUMNS = ("invoicenumber",)
REPORT = "invoice-matches.csv"


@dataclass(frozen=True)
class InvoiceMatch:
    """One invoice of the partition that the org already holds (or may hold twice)."""

    canonical_id: str
    invoice_number: str | None
    external_ref: str
    outcome: str  # "matched" | "ambiguous"
    org_invoice_ids: tuple[str, ...]

    @property
    def reason(self) -> str:
        if self.outcome == "matched":
            return "the org holds this invoice already (accounting integration): not created again"
        return (
            f"{len(self.org_invoice_ids)} org invoices carry this reference: not created; a person decides which "
            "one it is"
        )


def _normal(value: object) -> str:
    return str(value).strip().casefold()


def match_invoices(
    references: dict[str, tuple[str | None, str]], org_invoices: list[dict], columns: tuple[str, ...]
) -> list[InvoiceMatch]:
    """Match `references` (canonical id → (invoice number, Xero reference)) with the org's invoices (rows with
    `invoiceid` and `columns`), in canonical-id order."""
    holders: dict[str, set[str]] = {}
    for row in org_invoices:
        for column in columns:
            value = row.get(column)
            if value is not None and str(value).strip():
                holders.setdefault(_normal(value), set()).add(str(row["invoiceid"]).lower())
    matches = []
    for key in sorted(references):
        number, reference = references[key]
        found = sorted(holders.get(_normal(reference), ()))
        if found:
            outcome = "matched" if len(found) == 1 else "ambiguous"
            matches.append(InvoiceMatch(key, number, reference, outcome, tuple(found)))
    return matches


async def org_accounting_invoices(client: object, columns: tuple[str, ...]) -> list[dict]:
    """The org's invoices the migration did not write (no source key), with the columns a reference may be in."""
    return await client.get_all(  # type: ignore[attr-defined]
        "invoices", select=["invoiceid", *columns], filter=f"{SOURCE_KEY} eq null"
    )


def references(con: duckdb.DuckDBPyConnection, run_kind: str) -> dict[str, tuple[str | None, str]]:
    """Canonical id → (invoice number, Xero reference) of the partition's invoices that carry a reference, set-aside
    ones included (a second run matches them again)."""
    out: dict[str, tuple[str | None, str]] = {}
    sources = (
        (TableRef(SCHEMA, "invoice"), "canonical_id", "invoicenumber", REFERENCE),
        (MATCHES, "invoice_id", "invoice_number", "external_ref"),
    )
    for source, key_column, number, reference in sources:
        if not table_exists(con, source):
            continue
        frame = read_partition(con, source, run_kind)
        for key, num, ref in frame.select(key_column, number, reference).iter_rows():
            if ref is not None and str(ref).strip():
                out[str(key)] = (num, str(ref))
    return out


def set_aside(con: duckdb.DuckDBPyConnection, run_kind: str, matches: list[InvoiceMatch]) -> pl.DataFrame:
    """Move matched and ambiguous invoices and their lines out of the tables the loader reads, into
    `dynamics.invoice_match` (replacing the partition's earlier matches); returns what it stored. The invoice's
    canonical id is stored as `invoice_id`, not `canonical_id`: a set-aside invoice is not a row the mapping
    produced for loading (checks/delta.py looks for those by `canonical_id`)."""
    frame = pl.DataFrame(
        {
            "run_kind": [run_kind] * len(matches),
            "invoice_id": [m.canonical_id for m in matches],
            "invoice_number": [m.invoice_number for m in matches],
            "external_ref": [m.external_ref for m in matches],
            "outcome": [m.outcome for m in matches],
            "org_invoice_ids": [",".join(m.org_invoice_ids) for m in matches],
            "reason": [m.reason for m in matches],
        },
        schema={
            "run_kind": pl.String,
            "invoice_id": pl.String,
            "invoice_number": pl.String,
            "external_ref": pl.String,
            "outcome": pl.String,
            "org_invoice_ids": pl.String,
            "reason": pl.String,
        },
    )
    replace_partition_from_frame(con, MATCHES, run_kind, frame)
    keys = [m.canonical_id for m in matches]
    for table, column in (("invoicedetail", "invoiceid"), ("invoice", "canonical_id")):
        if keys:
            con.execute(
                f"delete from {TableRef(SCHEMA, table).sql} where run_kind = ? and {column} in (select unnest(?))",
                [run_kind, keys],
            )
    return frame
