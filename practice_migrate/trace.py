"""`practice-migrate trace CUSTOMER ID`: one record's chain across hops (Cliniko → Gensolve → Dynamics).

A hop is one customer's staged row and what the targets' ledgers say was written for it. Hops chain by
id: a row read out of Gensolve carries the `mig_key` Gensolve was given — the previous hop's canonical
id — as its `source_id` (mappings/gensolve_source.yaml), so the previous hop is the customer in the same
migration home that staged a row under that canonical id. Only ids, tables, row numbers, run ids, times
and operators are printed: never a record's values (they are personal data).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from checks.canonical import CANONICAL_MODELS
from customers import MigrationHome, default_home
from store import TableRef, Warehouse, table_exists


@dataclass(frozen=True)
class Write:
    """One ledgered operation on the record in a target."""

    target: str
    target_table: str
    target_id: str | None
    operation: str
    run_id: str
    operator: str
    recorded_at: str


@dataclass(frozen=True)
class Hop:
    customer_id: str
    source_system: str
    entity: str
    canonical_id: str
    source_id: str
    origin_id: str
    source_table: str
    source_record: int | None
    writes: tuple[Write, ...]
    run_kind: str = "trial"


def _warehouse(home: MigrationHome, customer_id: str) -> Warehouse | None:
    warehouse = Warehouse.for_customer(home.customer_dir(customer_id))
    return warehouse if warehouse.path.exists() else None


def _find_hop(home: MigrationHome, customer_id: str, run_kind: str, column: str, value: str) -> Hop | None:
    """The customer's staged row whose `column` (canonical_id, source_id or origin_id) is `value`."""
    warehouse = _warehouse(home, customer_id)
    if warehouse is None:
        return None
    with warehouse.connect(read_only=True) as con:
        for entity in CANONICAL_MODELS:
            ref = TableRef("staged", entity)
            if not table_exists(con, ref):
                continue
            row = con.execute(
                "select source_system, canonical_id, source_id, origin_id, source_table, source_record "
                f"from {ref.sql} where run_kind = ? and {column} = ? limit 1",
                [run_kind, value],
            ).fetchone()
            if row is None:
                continue
            writes: list[Write] = []
            if table_exists(con, TableRef("ledger", "operation")):
                writes = [
                    Write(*r[:6], r[6].isoformat() if r[6] else "")
                    for r in con.execute(
                        "select target, target_table, target_id, operation, run_id, operator, recorded_at "
                        "from ledger.operation where run_kind = ? and canonical_id = ? order by recorded_at",
                        [run_kind, row[1]],
                    ).fetchall()
                ]
            return Hop(customer_id, row[0], entity, row[1], row[2], row[3], row[4], row[5], tuple(writes), run_kind)
    return None


def trace(home: MigrationHome, customer_id: str, identifier: str, run_kind: str = "trial") -> list[Hop]:
    """The chain of hops ending at `customer_id`'s record named by its canonical, source or origin id,
    first origin first. Empty when the customer staged no such record."""
    hop = None
    for column in ("canonical_id", "source_id", "origin_id"):
        hop = _find_hop(home, customer_id, run_kind, column, identifier)
        if hop is not None:
            break
    chain: list[Hop] = []
    while hop is not None and hop not in chain:
        chain.insert(0, hop)
        hop = _previous_hop(home, hop)
    return chain


def _previous_hop(home: MigrationHome, hop: Hop) -> Hop | None:
    """The hop that loaded the row `hop` read: another customer staged it under `hop.source_id`, in the
    same run kind or the other one (a live second hop may read the first hop's trial database)."""
    kinds = (hop.run_kind, "live" if hop.run_kind == "trial" else "trial")
    for kind in kinds:
        for other in home.customer_ids():
            if other != hop.customer_id:
                found = _find_hop(home, other, kind, "canonical_id", hop.source_id)
                if found is not None:
                    return found
    return None


def format_chain(chain: list[Hop]) -> str:
    lines = []
    for number, hop in enumerate(chain, 1):
        record = f", record {hop.source_record}" if hop.source_record is not None else ""
        lines.append(
            f"{number}. {hop.source_system} → customer {hop.customer_id}: {hop.entity} {hop.canonical_id} "
            f"(source id {hop.source_id}; {hop.source_table}{record}; origin {hop.origin_id}; {hop.run_kind})"
        )
        for w in hop.writes:
            lines.append(
                f"   {w.operation} {w.target}.{w.target_table} {w.target_id or '-'} "
                f"run {w.run_id} at {w.recorded_at} by {w.operator}"
            )
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", type=Path, default=None, help="migration home (default: $MIGRATION_HOME, else ./var)")
    parser.add_argument("--run-kind", choices=["trial", "live"], default="trial")
    parser.add_argument("customer", help="the customer whose record to trace (the last hop)")
    parser.add_argument("identifier", help="the record's canonical id, source id or first-origin id")


def run(args: argparse.Namespace) -> int:
    home = MigrationHome((args.home or default_home()).resolve())
    chain = trace(home, args.customer, args.identifier, args.run_kind)
    if not chain:
        print(f"{args.customer}: no staged record has the id {args.identifier!r} ({args.run_kind})", file=sys.stderr)
        return 1
    print(format_chain(chain))
    return 0
