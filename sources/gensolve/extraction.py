"""A Gensolve practice extracted into numbered snapshots, then into deltas: the `SourceExtraction` of
Gensolve as a source (the `source/extract` step runs it before the raw read).

Layout under `customers/<customer>/extracts/<run kind>/` (the same as Cliniko's API extractions,
sources/cliniko/snapshots.py, so `MigrationHome.source_dir` finds the latest snapshot):

    snapshots/0001/gensolve.duckdb   every import-schema table, copied out of the location
    snapshots/0001/manifest.json     kind, rows per table, and the high-water mark
    deltas/0002/changes.json         what changed since snapshot 0001: changed (new or different) row
                                     keys and deleted row keys per table
    snapshots/0002/...               the location as it is now

The import schema has no modified timestamp (targets/gensolve/schema/import_schema.yaml; GPM's own
schema is not public, research/sources.md §1.5), so a change cannot be asked for as "modified after the
mark". The stricter case is modelled instead: every extraction reads the location whole, and a row is
changed when its content differs from the previous snapshot's row with the same key (new rows
included); a row is deleted when its key is no longer in the table (the id sets are compared). The
high-water mark is the content digest of the whole snapshot (`sha256:…`): the delta sensor's probe
compares the location's digest with it, and a run key made from it is one run per change set.

A snapshot is written under `<n>.partial` and renamed when complete, so a failed extraction never
leaves a half snapshot where the raw layer looks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from customers.home import MANIFEST as MANIFEST_FILE
from customers.home import SNAPSHOTS_DIR, latest_snapshot
from sources.gensolve.location import (
    GensolveExtractedSource,
    GensolveExtractionError,
    GensolveHopSource,
    GensolveOracleSource,
)
from sources.gensolve.oracle import Fetch, oracle_fetch, write_snapshot
from sources.gensolve.settings import SNAPSHOT_DATABASE
from sources.snapshot_files import DELTAS_DIR, next_snapshot_number
from store import quote_identifier
from store.files import private_dir, private_tree
from store.progress import ExtractionProgress
from targets.gensolve.catalogue import Catalogue, ImportTable, load_catalogue

CHANGES_FILE = "changes.json"
MARK_PREFIX = "sha256:"

RowDigests = dict[str, dict[str, str]]  # table → row key → digest of the row's content


@dataclass(frozen=True)
class SnapshotResult:
    """What one extraction produced (counts only). The names are the ones `source/extract` reports for
    every system (sources/cliniko/snapshots.py)."""

    kind: str  # full | delta
    snapshot: Path
    high_water_mark: str
    since: str | None = None
    delta: Path | None = None
    changed: dict[str, int] = field(default_factory=dict)  # new or changed rows per table
    tombstones: dict[str, int] = field(default_factory=dict)  # deleted rows per table
    rows: dict[str, int] = field(default_factory=dict)  # rows per table in the snapshot
    requests: int = 0
    throttled: int = 0
    findings: dict[str, object] = field(default_factory=dict)
    # Where the rows were loaded before this hop (another customer's target tables), for the lineage
    # the Dagster layer records: {"target", "customer", "run", "tables"}; None for an Oracle schema.
    upstream: dict[str, object] | None = None

    @property
    def change_count(self) -> int:
        return sum(self.changed.values()) + sum(self.tombstones.values())


def upstream_of(location: GensolveExtractedSource, extracts: Path, catalogue: Catalogue) -> dict[str, object] | None:
    """The previous hop a hop location reads: the Gensolve target's tables of that customer and run kind."""
    if not isinstance(location, GensolveHopSource):
        return None
    return {
        "target": "gensolve",
        "customer": location.from_customer,
        "run": location.run or extracts.name,
        "tables": list(catalogue.tables),
    }


def hop_database(location: GensolveHopSource, extracts: Path) -> Path:
    """The embedded Gensolve database `location` names, for an extraction into `extracts`
    (`<home>/customers/<customer>/extracts/<run kind>`, MigrationHome.extracts_dir)."""
    customer, home = extracts.parents[1].name, extracts.parents[3]
    if location.from_customer == customer:
        raise GensolveExtractionError(f"from_customer: expected another customer than {customer} itself")
    run_kind = location.run or extracts.name
    # targets.gensolve.target.embedded_path's layout: one file per customer and run kind beside its warehouse.
    database = home / "customers" / location.from_customer / f"gensolve-{run_kind}.duckdb"
    if not database.is_file():
        raise GensolveExtractionError(
            f"from_customer {location.from_customer}: no embedded Gensolve database for its {run_kind} run "
            f"({database.name} missing; load that customer into Gensolve first)"
        )
    return database


@contextmanager
def database_fetch(database: Path) -> Iterator[Fetch]:
    """Every row of an import-schema table in a DuckDB file (embedded database or snapshot), read-only."""
    try:
        con = duckdb.connect(str(database), read_only=True)
    except duckdb.Error as exc:
        raise GensolveExtractionError(f"{database}: not readable as a DuckDB database ({type(exc).__name__})") from None

    def fetch(table: ImportTable) -> list[dict]:
        try:
            return con.sql(f"select * from {quote_identifier(table.name)}").pl().to_dicts()
        except duckdb.Error as exc:
            raise GensolveExtractionError(
                f"{database}#{table.name}: not readable (expected every table of the import schema; "
                f"{type(exc).__name__})"
            ) from None

    try:
        yield fetch
    finally:
        con.close()


@contextmanager
def location_fetch(location: GensolveExtractedSource, extracts: Path) -> Iterator[Fetch]:
    """How to read the location's tables (the connection is closed when the extraction ends)."""
    if isinstance(location, GensolveHopSource):
        with database_fetch(hop_database(location, extracts)) as fetch:
            yield fetch
        return
    if isinstance(location, GensolveOracleSource):
        from targets.gensolve.oracle import connect

        connection = connect(location.oracle_dsn, location.user_env, location.password_env)
        try:
            yield oracle_fetch(connection)
        finally:
            connection.close()
        return
    raise GensolveExtractionError(f"{type(location).__name__}: not a Gensolve location this extraction reads")


def row_digests(database: Path, catalogue: Catalogue | None = None) -> RowDigests:
    """Per table, each row's key and the md5 of its content (every column, as JSON, instants in UTC)."""
    catalogue = catalogue or load_catalogue()
    key = quote_identifier(catalogue.key)
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")  # an instant's text must not depend on the machine's zone
        return {
            name: dict(
                con.execute(f"select {key}, md5(to_json(t)::varchar) from {quote_identifier(name)} t").fetchall()
            )
            for name in catalogue.tables
        }


def content_mark(digests: RowDigests) -> str:
    """The high-water mark of a snapshot: one digest over every table's row keys and row digests."""
    digest = hashlib.sha256()
    for table in sorted(digests):
        for key, row in sorted(digests[table].items()):
            digest.update(f"{table}\0{key}\0{row}\n".encode())
    return MARK_PREFIX + digest.hexdigest()


def compare(before: RowDigests, after: RowDigests) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(changed, deleted) row keys per table: new or different rows, and keys no longer present."""
    changed = {t: sorted(k for k, d in rows.items() if before.get(t, {}).get(k) != d) for t, rows in after.items()}
    deleted = {t: sorted(set(rows) - set(after.get(t, {}))) for t, rows in before.items()}
    return {t: k for t, k in changed.items() if k}, {t: k for t, k in deleted.items() if k}


def high_water_mark(snapshot: Path) -> str:
    return str(json.loads((snapshot / MANIFEST_FILE).read_text(encoding="utf-8"))["high_water_mark"])


def _copy(
    location: GensolveExtractedSource, extracts: Path, database: Path, lines: ExtractionProgress | None = None
) -> dict[str, int]:
    with location_fetch(location, extracts) as fetch:
        return write_snapshot(fetch, database, lines=lines)


def take_snapshot(
    location: GensolveExtractedSource, extracts: Path, lines: ExtractionProgress | None = None
) -> SnapshotResult:
    """Copy the location into the next snapshot: in full the first time; after that, the same copy plus
    the delta (changed and deleted row keys) against the latest snapshot. Imported when an extraction
    runs (customers/ reads this package's location models when it loads)."""
    private_dir(extracts)  # extractions hold patient data: owner-only
    number = f"{next_snapshot_number(extracts):04d}"
    current = latest_snapshot(extracts)
    partial = extracts / SNAPSHOTS_DIR / f"{number}.partial"
    if partial.exists():
        shutil.rmtree(partial)  # a leftover of a failed extraction
    partial.mkdir(parents=True)
    rows = _copy(location, extracts, partial / SNAPSHOT_DATABASE, lines)
    digests = row_digests(partial / SNAPSHOT_DATABASE)
    mark = content_mark(digests)
    manifest: dict[str, object] = {
        "system": "gensolve",
        "kind": "full" if current is None else "delta",
        "extracted_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "high_water_mark": mark,
        "tables": rows,
    }
    changed: dict[str, list[str]] = {}
    deleted: dict[str, list[str]] = {}
    delta: Path | None = None
    if current is not None:
        changed, deleted = compare(row_digests(current / SNAPSHOT_DATABASE), digests)
        delta = extracts / DELTAS_DIR / number
        if delta.exists():
            shutil.rmtree(delta)
        delta.mkdir(parents=True)
        # Row keys only (canonical ids), in the customer's own folder.
        (delta / CHANGES_FILE).write_text(
            json.dumps({"since": high_water_mark(current), "changed": changed, "deleted": deleted}, indent=1),
            encoding="utf-8",
        )
        private_tree(delta)
        manifest["base"] = current.name
    (partial / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    final = extracts / SNAPSHOTS_DIR / number
    partial.rename(final)
    private_tree(final)
    return SnapshotResult(
        str(manifest["kind"]),
        final,
        mark,
        since=None if current is None else high_water_mark(current),
        delta=delta,
        changed={t: len(k) for t, k in changed.items()} if current is not None else dict(rows),
        tombstones={t: len(k) for t, k in deleted.items()},
        rows=rows,
        upstream=upstream_of(location, extracts, load_catalogue()),
    )


def changes_waiting(location: GensolveExtractedSource, since: str, extracts: Path) -> int:
    """How many rows changed or went away since the snapshot whose high-water mark is `since`: the
    location is copied into a scratch snapshot and compared (0 when its digest is `since`)."""
    current = latest_snapshot(extracts)
    with tempfile.TemporaryDirectory(prefix="gensolve-probe-", dir=private_dir(extracts)) as scratch:
        database = Path(scratch) / SNAPSHOT_DATABASE
        _copy(location, extracts, database)
        digests = row_digests(database)
    if content_mark(digests) == since:
        return 0
    before = row_digests(current / SNAPSHOT_DATABASE) if current is not None else {}
    changed, deleted = compare(before, digests)
    return sum(len(k) for k in changed.values()) + sum(len(k) for k in deleted.values())


def delta_changes(delta: Path) -> tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]]:
    """(changed, deleted) as (table, row key) pairs, from a delta folder written by `take_snapshot`."""
    data = json.loads((delta / CHANGES_FILE).read_text(encoding="utf-8"))
    changed = {(t, k) for t, keys in data.get("changed", {}).items() for k in keys}
    deleted = {(t, k) for t, keys in data.get("deleted", {}).items() for k in keys}
    return frozenset(changed - deleted), frozenset(deleted)
