"""What raw's whole-record column (`_record`, sources/raw_contract.py) costs a practice: bytes and seconds.

Raw keeps every delivered record whole so that a field the spec does not know is still in the warehouse
(issue 16). The cost is measured on a raw layer already loaded: the column's text (its logical bytes), the
bytes it takes once written compressed to a database file of its own, and the seconds that write takes —
the share of the raw load `_record` adds. The figures grow with the records, so a practice of N clients
costs about N / measured clients times as much (`per_100k_clients`, extrapolated, not measured).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import duckdb

from sources.raw_contract import RECORD_COLUMN
from sources.raw_layer import raw_table
from sources.registry import get_system
from store import Warehouse

SCALE_CLIENTS = 100_000


def record_cost(warehouse: Warehouse, system_name: str, run_kind: str, clients: int) -> dict[str, object]:
    """The `_record` column of every raw table of `system_name` for `run_kind`: rows, logical bytes, bytes and
    seconds to write it compressed, and the same scaled to SCALE_CLIENTS clients."""
    system = get_system(system_name)
    tables = [raw_table(system, resource).sql for resource in system.resources]
    with tempfile.TemporaryDirectory(prefix="record-cost-") as folder:
        copy = Path(folder) / "record.duckdb"
        # The copy is the writable database; the warehouse is attached read-only beside it.
        with duckdb.connect(str(copy)) as con:
            con.execute(f"attach '{warehouse.path}' as warehouse (read_only)")
            sources = [f"warehouse.{table} where run_kind = '{run_kind}'" for table in tables]
            started = time.perf_counter()
            # One table for every resource's records: per-table blocks would count as the column's bytes.
            union = " union all ".join(f"select {RECORD_COLUMN}::varchar as r from {source}" for source in sources)
            con.execute(f"create table records as {union}")
            con.execute("checkpoint")
            seconds = time.perf_counter() - started
            rows, logical = con.execute("select count(*), coalesce(sum(strlen(r)), 0) from records").fetchone() or (
                0,
                0,
            )
            con.execute("detach warehouse")
        stored = copy.stat().st_size - _empty_database_bytes(Path(folder) / "empty.duckdb")
    scale = SCALE_CLIENTS / clients if clients else 0.0
    return {
        "clients": clients,
        "rows": rows,
        "logical_bytes": logical,
        "stored_bytes": stored,
        "write_seconds": round(seconds, 3),
        f"per_{SCALE_CLIENTS // 1000}k_clients": {
            "stored_bytes": round(stored * scale),
            "logical_bytes": round(logical * scale),
            "write_seconds": round(seconds * scale, 1),
            "extrapolated": True,
        },
    }


def _empty_database_bytes(path: Path) -> int:
    """A DuckDB file's size before any table: the fixed part of the copy, not the column's."""
    with duckdb.connect(str(path)) as con:
        con.execute("create table t (x integer)")
        con.execute("drop table t")
        con.execute("checkpoint")
    return path.stat().st_size
