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
