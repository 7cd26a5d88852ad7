"""A golden Peak practice (NZ, assumed layout): a few client rows written by hand as the CSV export holds them,
and the staged rows a person works out from them, compared literally. The read goes through the CSV reader,
the raw layer and mappings/peak.yaml, so a wrong type or mapping of the archive timestamp shows here.

Worked out by hand: Auckland's clocks went back on Sunday 5 April 2026 at 03:00 (NZDT +13 → NZST +12)."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from golden_staging import stage_delivery, staged_rows

from sources.peak.settings import HEADERS
from store import Warehouse

GOLDEN: dict[str, list[dict[str, str]]] = {
    "locations": [{"location_id": "L1", "name": "Harbour Physio", "city": "Auckland", "phone": "+64 9 555 0100"}],
    "team_members": [{"team_member_id": "T1", "first_name": "Aroha", "last_name": "Ngata", "active": "true"}],
    "clients": [
        {"client_id": "C1", "first_name": "Avery", "last_name": "Quill", "date_of_birth": "1972-07-02"},
        # The same person entered twice, the copy archived: merged into C1, which keeps its own archive state.
        {"client_id": "C2", "first_name": "Avery", "last_name": "Quill", "date_of_birth": "1972-07-02",
         "archived_at": "2026-03-01T09:30:00"},
        # Archived the morning the clocks went back: 10:00 is NZST (+12).
        {"client_id": "C3", "first_name": "Wiremu", "last_name": "Tane", "date_of_birth": "1960-01-15",
         "archived_at": "2026-04-05T10:00:00"},
    ],
}  # fmt: skip
UTC = dt.UTC


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    delivery = tmp_path_factory.mktemp("peak-golden") / "export"
    delivery.mkdir()
    for table, headers in HEADERS.items():
        with (delivery / f"{table}.csv").open("w", encoding="utf-8", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=headers, lineterminator="\n")
            writer.writeheader()
            writer.writerows(GOLDEN.get(table, []))
    return stage_delivery("peak", delivery, country="NZ", time_zone="Pacific/Auckland")


def test_golden_clients_keep_when_they_were_archived(golden: Warehouse) -> None:
    assert staged_rows(golden, "client", "canonical_id", "first_name", "is_archived", "archived_at") == [
        # C2's archive time is not filled into its survivor: C1 was never archived.
        {"canonical_id": "peak:client:C1", "first_name": "Avery", "is_archived": False, "archived_at": None},
        {
            "canonical_id": "peak:client:C3",
            "first_name": "Wiremu",
            "is_archived": True,
            "archived_at": dt.datetime(2026, 4, 4, 22, 0, tzinfo=UTC),  # 10:00 NZST (+12)
        },
    ]
    merged = staged_rows(golden, "merges", "canonical_id", "survivor_id")
    assert merged == [{"canonical_id": "peak:client:C2", "survivor_id": "peak:client:C1"}]
