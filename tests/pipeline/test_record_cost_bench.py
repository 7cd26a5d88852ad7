"""The bench's figure for raw's whole-record column (`_record`): measured at small size on a real raw layer."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline_helpers import load_raw, register_customer

from bench.record_cost import record_cost
from sources.registry import get_system
from synthetic import GenerationSummary


def test_record_cost_counts_every_raw_record_and_scales_to_100k_clients(
    clean_practices: dict[str, GenerationSummary], migration_home: Path
) -> None:
    practice = clean_practices["NZ"]
    warehouse = load_raw(migration_home, register_customer(migration_home, "rec", practice.out_dir), "trial")
    cost = record_cost(warehouse, "cliniko", "trial", practice.clients)
    truth = json.loads(practice.truth_file.read_text())
    # One _record per record of every resource read (settings included), none lost or repeated; a delivered file
    # of a resource declared not read (the products catalogue) is reported by the coverage, not kept in raw.
    not_read = get_system("cliniko").not_migrated_resources
    assert "products" in truth["counts"] and "products" in not_read
    assert cost["rows"] == sum(count for resource, count in truth["counts"].items() if resource not in not_read)
    read_files = [p for p in practice.out_dir.glob("*.ndjson") if p.stem not in not_read]
    dump_bytes = sum(p.stat().st_size for p in read_files)
    # The whole records are about the delivery's own size as text, and compress below it when stored.
    assert 0.5 * dump_bytes < cost["logical_bytes"] <= 1.1 * dump_bytes
    assert 0 < cost["stored_bytes"] < cost["logical_bytes"]
    scaled = cost["per_100k_clients"]
    assert scaled["extrapolated"] is True
    assert scaled["stored_bytes"] == round(cost["stored_bytes"] * 100_000 / practice.clients)
    assert cost["write_seconds"] > 0
