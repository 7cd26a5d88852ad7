"""Trial iterations: each staging run of a partition is numbered, with what it reviewed.

A practice's feedback names the iteration it reviewed; the iteration record says which dump
(checksum of its manifest, which holds every file's sha256), which mapping version and which
checklist outcome that was — and the signoff of a trial points at one iteration.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from store import TableRef

ITERATIONS = TableRef("audit", "iteration")
_DDL = """create table if not exists audit.iteration (
    run_kind varchar, iteration integer, run_id varchar, dump_checksum varchar, spec_version varchar,
    errors integer, warnings integer, reconciliation varchar, recorded_at timestamptz)"""


def dump_checksum(dump_dir: Path) -> str | None:
    """sha256 of the dump's manifest.json (None when the dump has no manifest)."""
    manifest = Path(dump_dir) / "manifest.json"
    return hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.exists() else None


def _ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists audit")
    con.execute(_DDL)


def next_iteration(con: duckdb.DuckDBPyConnection, run_kind: str) -> int:
    _ensure(con)
    return int(
        con.execute(
            "select coalesce(max(iteration), 0) + 1 from audit.iteration where run_kind = ?", [run_kind]
        ).fetchall()[0][0]
    )


@dataclass(frozen=True)
class Iteration:
    run_kind: str
    iteration: int
    run_id: str | None
    dump_checksum: str | None
    spec_version: str
    errors: int
    warnings: int
    reconciliation: dict[str, int]
    at: datetime


def record_iteration(con: duckdb.DuckDBPyConnection, item: Iteration) -> None:
    _ensure(con)
    con.execute(
        "insert into audit.iteration values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            item.run_kind,
            item.iteration,
            item.run_id,
            item.dump_checksum,
            item.spec_version,
            item.errors,
            item.warnings,
            json.dumps(item.reconciliation, sort_keys=True),
            item.at,
        ],
    )


def latest_iteration(con: duckdb.DuckDBPyConnection, run_kind: str) -> Iteration | None:
    _ensure(con)
    rows = con.execute(
        "select * from audit.iteration where run_kind = ? order by iteration desc limit 1", [run_kind]
    ).fetchall()
    if not rows:
        return None
    r = rows[0]
    return Iteration(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7] or "{}"), r[8])


def now() -> datetime:
    return datetime.now(UTC)
