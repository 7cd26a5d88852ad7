"""Duplicate detection: rules, transitive groups, survivor choice and filled fields."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl

from mappings.dedup import deduplicate
from mappings.spec import DedupSpec

RULES = DedupSpec(
    rules={
        "name_dob": ["first_name", "last_name", "date_of_birth"],
        "nhi": ["nhi"],
        "email_dob": ["email", "date_of_birth"],
    }
)


def frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "canonical_id": pl.String,
            "first_name": pl.String,
            "last_name": pl.String,
            "date_of_birth": pl.Date,
            "nhi": pl.String,
            "email": pl.String,
            "mobile_phone": pl.String,
            "created_at": pl.Datetime("us", "UTC"),
        },
    )


def at(day: int) -> datetime:
    return datetime(2024, 1, day, tzinfo=UTC)


def test_names_normalised_earliest_survives_and_fills_gaps() -> None:
    rows = frame(
        [
            {
                "canonical_id": "c:2",
                "first_name": "Sean",
                "last_name": "O'Brien",
                "date_of_birth": date(1980, 1, 2),
                "created_at": at(5),
                "mobile_phone": "+64211234567",
            },
            {
                "canonical_id": "c:1",
                "first_name": "sean ",
                "last_name": "OBRIEN",
                "date_of_birth": date(1980, 1, 2),
                "created_at": at(1),
                "email": "sean@example.org",
            },
            {
                "canonical_id": "c:3",
                "first_name": "Sean",
                "last_name": "O'Brien",
                "date_of_birth": date(1981, 1, 2),
                "created_at": at(2),
            },
        ]
    )
    result = deduplicate(
        rows, RULES, ["first_name", "last_name", "date_of_birth", "nhi", "email", "mobile_phone", "created_at"]
    )
    assert result.merges.rows() == [("c:2", "c:1", "name_dob")]
    survivor = result.survivors.filter(pl.col("canonical_id") == "c:1").row(0, named=True)
    assert survivor["email"] == "sean@example.org" and survivor["mobile_phone"] == "+64211234567"
    assert result.survivors["canonical_id"].to_list() == ["c:1", "c:3"]  # original order kept


def test_rules_link_transitively_and_email_alone_does_not() -> None:
    rows = frame(
        [
            {
                "canonical_id": "c:1",
                "first_name": "A",
                "last_name": "B",
                "date_of_birth": date(1990, 5, 5),
                "nhi": "ZZZ0016",
                "created_at": at(1),
            },
            {
                "canonical_id": "c:2",
                "first_name": "Ann",
                "last_name": "B",
                "date_of_birth": date(1990, 5, 5),
                "nhi": "ZZZ0016",
                "email": "fam@example.org",
                "created_at": at(2),
            },
            {
                "canonical_id": "c:3",
                "first_name": "Annie",
                "last_name": "Bee",
                "date_of_birth": date(1990, 5, 5),
                "email": "fam@example.org",
                "created_at": at(3),
            },
            {
                "canonical_id": "c:4",
                "first_name": "Kid",
                "last_name": "B",
                "date_of_birth": date(2015, 5, 5),
                "email": "fam@example.org",
                "created_at": at(4),
            },  # a family member sharing the email: not a duplicate
        ]
    )
    result = deduplicate(rows, RULES, ["email"])
    assert dict(zip(result.merges["canonical_id"], result.merges["survivor_id"], strict=True)) == {
        "c:2": "c:1",
        "c:3": "c:1",
    }
    assert set(result.survivors["canonical_id"]) == {"c:1", "c:4"}


def test_no_duplicates_returns_rows_unchanged() -> None:
    rows = frame(
        [
            {"canonical_id": "c:1", "last_name": "X", "created_at": at(1)},
            {"canonical_id": "c:2", "last_name": "Y", "created_at": at(2)},
        ]
    )
    result = deduplicate(rows, RULES, ["last_name"])
    assert result.merges.height == 0 and result.survivors.equals(rows)


def test_the_survivor_keeps_its_own_archival_not_a_duplicates() -> None:
    spec = DedupSpec(rules={"nhi": ["nhi"]}, not_filled=["archived_at"])
    rows = pl.DataFrame(
        [
            {"canonical_id": "c:1", "nhi": "ZZZ0016", "created_at": at(1), "archived_at": None, "email": None},
            {"canonical_id": "c:2", "nhi": "ZZZ0016", "created_at": at(3), "archived_at": at(4), "email": "a@b.nz"},
        ],
        schema={
            "canonical_id": pl.String,
            "nhi": pl.String,
            "created_at": pl.Datetime("us", "UTC"),
            "archived_at": pl.Datetime("us", "UTC"),
            "email": pl.String,
        },
    )
    result = deduplicate(rows, spec, ["nhi", "created_at", "archived_at", "email"])
    survivor = result.survivors.row(0, named=True)
    assert result.survivors.height == 1 and survivor["canonical_id"] == "c:1"
    assert survivor["archived_at"] is None  # not the archived duplicate's
    assert survivor["email"] == "a@b.nz"  # other gaps are still filled


def test_a_row_merged_in_the_source_joins_its_survivor_even_when_older() -> None:
    """Cliniko's merged_with_patient: the archived record merged away is merged into the one it points at,
    which survives though it was created later; the survivor keeps its own merge fields and archival;
    a row whose survivor is not in the frame stays."""
    spec = DedupSpec(rules={"nhi": ["nhi"]}, not_filled=["archived_at"], merged_into="merged_into_id")
    rows = pl.DataFrame(
        [
            {
                "canonical_id": "c:1",
                "last_name": "Old",
                "created_at": at(1),
                "merged_into_id": "c:9",
                "archived_at": at(3),
                "email": "old@example.org",
            },
            {
                "canonical_id": "c:9",
                "last_name": "New",
                "created_at": at(2),
                "merged_into_id": None,
                "archived_at": None,
                "email": None,
            },
            {
                "canonical_id": "c:5",
                "last_name": "Orphan",
                "created_at": at(1),
                "merged_into_id": "c:404",
                "archived_at": at(3),
                "email": None,
            },
        ],
        schema={
            "canonical_id": pl.String,
            "last_name": pl.String,
            "created_at": pl.Datetime("us", "UTC"),
            "merged_into_id": pl.String,
            "archived_at": pl.Datetime("us", "UTC"),
            "email": pl.String,
            "nhi": pl.String,
        },
    )
    result = deduplicate(rows, spec, ["last_name", "merged_into_id", "archived_at", "email", "nhi"])
    assert result.merges.rows() == [("c:1", "c:9", "merged_in_source")]
    survivors = {r["canonical_id"]: r for r in result.survivors.to_dicts()}
    assert set(survivors) == {"c:9", "c:5"}
    assert survivors["c:9"]["merged_into_id"] is None and survivors["c:9"]["archived_at"] is None
    assert survivors["c:9"]["email"] == "old@example.org"  # empty fields filled from the merged record
    assert survivors["c:5"]["merged_into_id"] == "c:404"
