"""Delta verification: every change the source reported in a delta window is accounted for in the target.

A delta extraction lists what changed (records) and what went away (tombstones). After the delta's
load, each changed source record must be either in the target (its canonical record loaded, read back
equal by the load's read-back check) or accounted for in the staged layer (rejected with a reason, or
merged into a survivor), or map to nothing the target holds (practitioners are matched, never
loaded). Each deleted record the target held must be retired as the customer's `delta.deletions`
says. Dagster gets the counts; the canonical ids of what is missing or not retired go to the customer's
reports folder (delta-verification.csv), never to Dagster (a canonical id carries the source system's
record id, which identifies the patient to anyone with access to that system).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from mappings.spec import MappingSpec
from store import WORK_TABLE_PREFIX, TableRef, table_exists
from store.files import private_dir, private_files
from targets import ledger
from targets.base import Target

VERIFICATION_FILE = "delta-verification.csv"


@dataclass(frozen=True)
class DeltaChanges:
    """What one delta reported: (resource, source id) of changed records, and deleted ones."""

    changed: frozenset[tuple[str, str]]
    deleted: frozenset[tuple[str, str]]

    @classmethod
    def read(cls, delta_dir: Path, keys: Mapping[str, str], tombstones_file: str, suffix: str) -> DeltaChanges:
        """The delta in `delta_dir`: `keys` names each resource's key field (the source system's specs:
        Cliniko's `id`, Core Plus's `client_id`, …)."""
        changed: set[tuple[str, str]] = set()
        for resource, key in keys.items():
            path = delta_dir / f"{resource}{suffix}"
            if path.exists():
                with path.open("rb") as handle:
                    for line in handle:
                        if line.strip():
                            record_id = json.loads(line).get(key)
                            if record_id is not None:
                                changed.add((resource, str(record_id)))
        deleted: set[tuple[str, str]] = set()
        tombstones = delta_dir / tombstones_file
        if tombstones.exists():
            for line in tombstones.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    item = json.loads(line)
                    if item.get("kind") == "deleted":
                        deleted.add((str(item["resource"]), str(item["id"])))
        return cls(frozenset(changed - deleted), frozenset(deleted))


@dataclass
class DeltaVerification:
    changed: int = 0
    in_target: int = 0
    rejected: int = 0
    not_a_target_record: int = 0
    missing: list[str] = field(default_factory=list)  # canonical ids of changes the target does not hold
    deleted: int = 0
    retired: int = 0
    not_retired: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.missing and not self.not_retired

    def as_metadata(self) -> dict[str, object]:
        return {
            "changed_records": self.changed,
            "in_target": self.in_target,
            "rejected_or_merged": self.rejected,
            "not_a_target_record": self.not_a_target_record,
            "missing": len(self.missing),
            "deleted_records": self.deleted,
            "retired": self.retired,
            "not_retired": len(self.not_retired),
        }

    def write_records(self, out_dir: Path) -> Path:
        """The canonical ids behind the counts (finding, canonical_id), under the customer's reports folder."""
        private_dir(out_dir)  # personal data: owner-only (issue 15 item 9)
        rows = [("missing", i) for i in self.missing] + [("not_retired", i) for i in self.not_retired]
        path = out_dir / VERIFICATION_FILE
        pl.DataFrame(rows, schema={"finding": pl.String, "canonical_id": pl.String}, orient="row").write_csv(path)
        private_files([path])
        return path


def verify_delta(
    con: duckdb.DuckDBPyConnection,
    run_kind: str,
    spec: MappingSpec,
    changes: DeltaChanges,
    target: Target,
    deletions: str,
) -> DeltaVerification:
    """Account for every change of a delta in the customer's staged layer and the target's ledger."""
    result = DeltaVerification(changed=len(changes.changed), deleted=len(changes.deleted))
    ledger.ensure_ledger(con)
    loaded = {
        row[0]
        for row in con.execute(
            "select canonical_id from ledger.record where run_kind = ? and target = ? and status = 'loaded'",
            [run_kind, target.name],
        ).fetchall()
    }
    accounted: set[tuple[str, str]] = set()
    for entity, entity_spec in spec.entities.items():
        staged = TableRef("staged", entity)
        if not table_exists(con, staged):
            continue
        tables = [source.table for source in entity_spec.sources]
        wanted = [(t, i) for t, i in changes.changed if t in tables]
        if not wanted:
            continue
        con.execute("create or replace temp table _delta_ids (source_table varchar, source_id varchar)")
        con.executemany("insert into _delta_ids values (?, ?)", wanted)
        rows = con.execute(
            f"select s.source_table, s.source_id, s.canonical_id from {staged.sql} s join _delta_ids d "
            "on s.source_table = d.source_table and s.source_id = d.source_id where s.run_kind = ?",
            [run_kind],
        ).fetchall()
        for source_table, source_id, canonical_id in rows:
            accounted.add((source_table, source_id))
            if canonical_id in loaded:
                result.in_target += 1
            elif _has_target_row(con, run_kind, target.schema, canonical_id):
                result.missing.append(canonical_id)
            else:
                result.not_a_target_record += 1
    rejects = TableRef("staged", "rejects")
    if table_exists(con, rejects):
        leftover = [(t, i) for t, i in changes.changed if (t, i) not in accounted]
        if leftover:
            con.execute("create or replace temp table _delta_ids (source_table varchar, source_id varchar)")
            con.executemany("insert into _delta_ids values (?, ?)", leftover)
            found = con.execute(
                f"select distinct r.source_table, r.source_id from {rejects.sql} r join _delta_ids d "
                "on r.source_table = d.source_table and r.source_id = d.source_id where r.run_kind = ?",
                [run_kind],
            ).fetchall()
            result.rejected += len(found)
            accounted |= {(str(t), str(i)) for t, i in found}
    result.not_a_target_record += len(changes.changed - accounted)
    statuses = ("removed",) if deletions == "delete" else ("retired", "removed")
    for _resource, source_id in sorted(changes.deleted):
        # A canonical id is `<system>:<entity>:<source id>`, and a source id may hold colons itself (a
        # record read out of Gensolve has the previous hop's canonical id as its source id).
        held = con.execute(
            "select canonical_id, status from ledger.record where run_kind = ? and target = ? "
            "and regexp_replace(canonical_id, '^[^:]*:[^:]*:', '') = ?",
            [run_kind, target.name, source_id],
        ).fetchall()
        for canonical_id, status in held:
            if status in statuses:
                result.retired += 1
            elif status not in ("rolled_back",):
                result.not_retired.append(canonical_id)
    return result


def _has_target_row(con: duckdb.DuckDBPyConnection, run_kind: str, schema: str, canonical_id: str) -> bool:
    """Whether the mapping produced a target row (in the target's `schema`) for this canonical record (it
    should then be loaded)."""
    for (table,) in con.execute(
        "select table_name from information_schema.tables where table_schema = ?", [schema]
    ).fetchall():
        if table.startswith(WORK_TABLE_PREFIX):  # a half-written partition, not the mapping's output
            continue
        ref = TableRef(schema, table)
        columns = {c[0] for c in con.execute(f"describe {ref.sql}").fetchall()}
        if "canonical_id" in columns and "run_kind" in columns:
            hit = con.execute(
                f"select 1 from {ref.sql} where run_kind = ? and canonical_id = ? limit 1", [run_kind, canonical_id]
            ).fetchall()
            if hit:
                return True
    return False
