"""Oracle's rules for one value, checked before anything is written (embedded or Oracle)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from targets.gensolve.catalogue import ImportColumn, OracleType
from targets.gensolve.rules import check, to_oracle


def _column(kind: str, nullable: bool = True) -> ImportColumn:
    return ImportColumn("c", OracleType.parse(kind), nullable)


@pytest.mark.parametrize(
    ("kind", "nullable", "value", "code"),
    [
        ("VARCHAR2(20 BYTE)", False, "", "ORA-01400"),  # '' is NULL in Oracle
        ("VARCHAR2(20 BYTE)", False, None, "ORA-01400"),
        ("VARCHAR2(4000 BYTE)", True, "ā" * 2000 + "a", "ORA-12899"),  # 2,001 characters, 4,001 bytes
        ("VARCHAR2(5 BYTE)", True, "Māori", "ORA-12899"),  # 5 characters, 6 bytes
        ("NUMBER(12,2)", False, Decimal("12.345"), "MIG-NUMBER-SCALE"),
        ("NUMBER(12,2)", False, Decimal("12345678901.5"), "ORA-01438"),
        ("NUMBER(5)", True, 123456, "ORA-01438"),
        ("DATE", True, datetime(2025, 1, 2, 3, 4, 5, 600), "MIG-FRACTIONAL-SECONDS"),
        ("TIMESTAMP(0)", True, datetime(2025, 1, 2, 3, 4, 5, 1), "MIG-FRACTIONAL-SECONDS"),
        ("TIMESTAMP WITH TIME ZONE", True, datetime(2025, 1, 2, 3, 4, 5), "MIG-NO-TIME-ZONE"),
        ("BLOB", True, "/nonexistent/file.pdf", "MIG-FILE-MISSING"),
    ],
)
def test_a_value_oracle_would_refuse_or_change_breaks_its_rule(
    kind: str, nullable: bool, value: object, code: str
) -> None:
    column = _column(kind, nullable)
    violation = check(column, to_oracle(column, value))
    assert violation is not None and violation.code == code
    assert value in (None, "") or str(value) not in violation.message  # the rule and the column, never the value


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("VARCHAR2(4000 BYTE)", "ā" * 2000),  # exactly 4,000 bytes
        ("VARCHAR2(5 BYTE)", "Maori"),
        ("NUMBER(12,2)", Decimal("1234567890.10")),  # trailing zero beyond the scale is not a decimal kept
        ("NUMBER(12,3)", Decimal("1.5")),
        ("NUMBER(1)", True),
        ("DATE", date(2025, 1, 2)),
        ("TIMESTAMP(0)", datetime(2025, 1, 2, 3, 4, 5)),
        ("TIMESTAMP WITH TIME ZONE", datetime(2025, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
        ("VARCHAR2(20 BYTE)", None),
    ],
)
def test_a_value_oracle_keeps_as_is_passes(kind: str, value: object) -> None:
    column = _column(kind)
    assert check(column, to_oracle(column, value)) is None


def test_empty_string_becomes_null_and_flags_become_numbers() -> None:
    assert to_oracle(_column("VARCHAR2(20 BYTE)"), "") is None
    assert to_oracle(_column("NUMBER(1)"), True) == 1
    assert to_oracle(_column("NUMBER(1)"), False) == 0
