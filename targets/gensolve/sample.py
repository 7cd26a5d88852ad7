"""The trial sample on the Gensolve import schema: the clients `targets.sample.stratified_sample` chose (it
reads the staged layer, so it is the same for every target), and everything that hangs off them.

What hangs off a client is read from the catalogue, not listed by hand: a table with a key column pointing
at `gpm_client`, or at a table that itself hangs off a client (invoice lines → invoices, product sales →
invoice lines), keeps only the rows whose parent was kept. Referrers are kept when a kept row names one;
vendors, sites, practitioners, organisations and custom field definitions stay whole (as in the Dynamics
sample, targets/sample.py).
"""

from __future__ import annotations

import duckdb
import polars as pl

from store import quote_identifier
from targets.gensolve.catalogue import Catalogue

CLIENT_TABLE = "gpm_client"
REFERRER_TABLE = "gpm_referrer"


def restrict_to_sample(
    con: duckdb.DuckDBPyConnection, catalogue: Catalogue, schema: str, run_kind: str, clients: list[str]
) -> dict[str, int]:
    """Keep in the mapped import tables (`<schema>.*`, keyed by canonical_id) only the sampled clients and
    what hangs off them, in one transaction. Returns rows kept per table."""

    def table_sql(name: str) -> str:
        return f"{quote_identifier(schema)}.{quote_identifier(name)}"

    con.register("_sample", pl.DataFrame({"key": clients}, schema={"key": pl.String}))
    try:
        con.execute("begin transaction")
        con.execute(
            f"delete from {table_sql(CLIENT_TABLE)} where run_kind = $k "
            "and canonical_id not in (select key from _sample)",
            {"k": run_kind},
        )
        restricted = {CLIENT_TABLE}
        # Dependency order: a table's parents are restricted before it.
        for table in catalogue.tables.values():
            parents = [c for c in table.refs if c.ref in restricted]
            if not parents:
                continue
            restricted.add(table.name)
            orphaned = " or ".join(
                f"({quote_identifier(c.name)} is not null and {quote_identifier(c.name)} not in "
                f"(select canonical_id from {table_sql(str(c.ref))} where run_kind = $k))"
                for c in parents
            )
            con.execute(f"delete from {table_sql(table.name)} where run_kind = $k and ({orphaned})", {"k": run_kind})
        named = [
            f"select {quote_identifier(c.name)} from {table_sql(t.name)} "
            f"where run_kind = $k and {quote_identifier(c.name)} is not null"
            for t in catalogue.tables.values()
            for c in t.refs
            if c.ref == REFERRER_TABLE
        ]
        if named:
            con.execute(
                f"delete from {table_sql(REFERRER_TABLE)} where run_kind = $k and canonical_id not in "
                f"({' union '.join(named)})",
                {"k": run_kind},
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_sample")
    return {
        name: con.execute(f"select count(*) from {table_sql(name)} where run_kind = ?", [run_kind]).fetchall()[0][0]
        for name in catalogue.tables
    }
