"""The golden tests' comparison (issue 23 item 1): rows a person worked out from the hand-written practice
(golden_practice.py), written literally per target, against what the target holds after a load.

A target's golden test reads its tables into `{table: {canonical id: {column: value}}}` and calls
`golden_differences` with its EXPECTED rows; a new target adds its own EXPECTED and reader the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

Rows = dict[str, dict[str, dict[str, Any]]]  # table → canonical id → column → value
Difference = tuple[str, str, str, Any, Any]  # (table, canonical id, column, expected, actual)


def golden_differences(
    expected: Rows,
    actual: Rows,
    *,
    resolve: Callable[[Any], Any] = lambda value: value,
    same: Callable[[Any, Any], bool] = lambda expected, actual: expected == actual,
    exact_columns: bool = False,
    foreign_rows: Collection[str] = (),
) -> list[Difference]:
    """Every expected value the target does not hold, every expected record it lacks and every record of an
    expected table it holds beyond them.

    resolve: turns an expected value into the form the target stores (a record's name into its GUID).
    same: whether a stored value is the expected one (default: equality).
    exact_columns: columns an expected row does not list must be empty (NULL) — the row is written in full.
    foreign_rows: tables whose other rows are not the migration's (the org's root business unit).
    """
    differences: list[Difference] = []
    for table, rows in expected.items():
        found = actual.get(table, {})
        if table not in foreign_rows:
            differences += [(table, key, "(unexpected record)", None, key) for key in sorted(set(found) - set(rows))]
        for key, columns in rows.items():
            row = found.get(key)
            if row is None:
                differences.append((table, key, "(record)", "present", None))
                continue
            for column, value in columns.items():
                wanted = resolve(value)
                if not same(wanted, row.get(column)):
                    differences.append((table, key, column, wanted, row.get(column)))
            if exact_columns:
                differences += [
                    (table, key, column, None, stored)
                    for column, stored in row.items()
                    if column not in columns and stored is not None
                ]
    return differences
