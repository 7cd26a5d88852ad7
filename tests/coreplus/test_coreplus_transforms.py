"""The Core Plus transforms on their own: the appointment time format and sums over line items."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from mappings.transforms import MappingContext, TransformContext, get_transform


def _ctx() -> TransformContext:
    mapping = MappingContext("c", "trial", "coreplus", "AU", "Australia/Sydney")
    return TransformContext(pl.DataFrame(), {}, mapping, "field", "entity")


def test_coreplus_time_reads_the_space_before_the_offset_exactly() -> None:
    values = pl.Series(
        "t",
        [
            "2021-09-07T09:00:00 +10:00",
            "2026-10-05T09:00:00 +11:00",  # after Sydney's change: same wall time, one hour earlier in UTC
            "2021-09-07T09:00:00+10:00",  # strict ISO is not what Core Plus writes: reported, not guessed
            "2021-09-07 09:00",
            None,
            "2021-02-30T09:00:00 +10:00",  # the right shape, but no such day: reported, not a crash
        ],
    )
    step = get_transform("coreplus_time").fn(values, _ctx())
    assert step.values.to_list()[:2] == [
        datetime(2021, 9, 6, 23, 0, tzinfo=UTC),
        datetime(2026, 10, 4, 22, 0, tzinfo=UTC),
    ]
    assert step.values.to_list()[2:] == [None, None, None, None]
    assert step.issues is not None
    assert step.issues.to_list() == [None, None, "invalid_timestamp", "invalid_timestamp", None, "invalid_timestamp"]


def test_sum_from_list_adds_decimal_text_not_floats() -> None:
    values = pl.Series(
        "items",
        [
            '[{"lineAmount": 0.1}, {"lineAmount": 0.2}]',
            '[{"lineAmount": 85.5}, {"lineAmount": null}]',
            "[]",
            '[{"lineAmount": "abc"}]',
            None,
        ],
    )
    step = get_transform("sum_from_list").fn(values, _ctx(), value_key="lineAmount")
    assert step.values.to_list() == ["0.3", "85.5", "0", None, None]
    assert step.issues is not None
    assert step.issues.to_list() == [None, None, None, "invalid_number", None]


def test_local_instant_of_an_empty_export_table_is_empty() -> None:
    """A practice that delivers no CSV export has empty clinical_notes/payments tables: nothing to localise,
    no error (an empty mask used to be of dtype Null, which polars refuses in `when`)."""
    step = get_transform("local_instant").fn(pl.Series("written", [], dtype=pl.Datetime("us")), _ctx())
    assert step.values.len() == 0
    assert step.issues is not None and step.issues.len() == 0
