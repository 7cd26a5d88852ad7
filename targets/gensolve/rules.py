"""Oracle's rules for a value, applied BEFORE anything is written — on the embedded database too — so
a dump that would fail on Oracle fails the same way without one (issue 17 §5).

Each broken rule is a `Violation` naming the column, the rule's code and what was expected, never the
value. Codes are Oracle's where Oracle raises an error (Database Error Messages: ORA-01400 cannot
insert NULL, ORA-12899 value too large for column, ORA-01438 value larger than specified precision);
where Oracle would silently change the value instead, the loader refuses it with its own code, the
stricter case (DESIGN.md §6: nothing changed without a trace):

- `MIG-NUMBER-SCALE`: more decimals than NUMBER(p,s) keeps — Oracle rounds (money must not be rounded);
- `MIG-FRACTIONAL-SECONDS`: fractional seconds into DATE or TIMESTAMP(0) — Oracle truncates;
- `MIG-NO-TIME-ZONE`: a naive date-time into TIMESTAMP WITH TIME ZONE — Oracle would take the
  session's zone, which the loader does not know.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from targets.gensolve.catalogue import ImportColumn


@dataclass(frozen=True)
class Violation:
    column: str
    code: str
    expected: str

    @property
    def message(self) -> str:
        return f"{self.column}: {self.code} — expected {self.expected}"


def to_oracle(column: ImportColumn, value: object) -> object:
    """The value as Oracle stores it: '' is NULL (Oracle treats a zero-length string as NULL),
    flags are 0/1."""
    if isinstance(value, str) and value == "" and column.type.base != "BLOB":
        return None
    if column.type.is_flag and isinstance(value, bool):
        return int(value)
    return value


def _digits(value: Decimal) -> tuple[int, int]:
    """(digits before the point, digits after it) of a finite decimal, trailing zeros dropped."""
    _sign, digits, exponent = value.normalize().as_tuple()
    assert isinstance(exponent, int)
    scale = max(0, -exponent)
    integer = max(0, len(digits) + exponent) if value != 0 else 0
    return integer, scale


def check(column: ImportColumn, value: object) -> Violation | None:
    """The rule `value` (already `to_oracle`) breaks in `column`, or None."""
    kind = column.type
    if value is None:
        if not column.nullable:
            return Violation(column.name, "ORA-01400", "a value (required; an empty string is NULL in Oracle)")
        return None
    if kind.base == "VARCHAR2":
        size = len(str(value).encode("utf-8"))
        if size > (kind.length or 0):
            return Violation(column.name, "ORA-12899", f"at most {kind.length} bytes in UTF-8 (actual: {size})")
    elif kind.base == "NUMBER":
        number = Decimal(int(value)) if isinstance(value, (bool, int)) else Decimal(str(value))
        if not number.is_finite():
            return Violation(column.name, "ORA-01438", "a finite number")
        integer, scale = _digits(number)
        precision = kind.precision or 38
        if integer > precision - kind.scale:
            return Violation(column.name, "ORA-01438", f"at most {precision - kind.scale} digits before the point")
        if scale > kind.scale:
            return Violation(column.name, "MIG-NUMBER-SCALE", f"at most {kind.scale} decimals (Oracle would round)")
    elif kind.base in {"DATE", "TIMESTAMP"}:
        fraction = 0 if kind.base == "DATE" else (kind.fraction or 0)
        if isinstance(value, datetime) and fraction < 6 and value.microsecond % (10 ** (6 - fraction)):
            return Violation(
                column.name, "MIG-FRACTIONAL-SECONDS", f"at most {fraction} digits of seconds (Oracle would truncate)"
            )
        if not isinstance(value, (date, datetime)):
            return Violation(column.name, "ORA-01861", "a date")
    elif kind.base == "TIMESTAMP WITH TIME ZONE":
        if not isinstance(value, datetime) or value.tzinfo is None:
            return Violation(column.name, "MIG-NO-TIME-ZONE", "a date-time with its time zone")
    elif kind.base == "BLOB" and not Path(str(value)).is_file():
        return Violation(column.name, "MIG-FILE-MISSING", "the path of a delivered file")
    return None
