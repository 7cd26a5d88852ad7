"""Validate and normalise one column value the way Dataverse's OData layer and platform do."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from .. import exceptions as e
from .refs import is_guid
from .schema import AttributeDef, TableDef

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


def payload_error(table: TableDef, inner: str) -> e.ODataClientPayloadError:
    """The 0x80048d19 envelope around an OData reader message (research/dataverse.md §5.3)."""
    return e.ODataClientPayloadError(entity_set=table.entity_set, inner=f"Microsoft.OData.ODataException: {inner}")


def conversion_error(table: TableDef, attr: AttributeDef, value: Any) -> e.ODataClientPayloadError:
    literal = str(value).lower() if isinstance(value, bool) else value
    return payload_error(table, f"Cannot convert the literal '{literal}' to the expected type '{attr.edm_type}'")


def normalise_datetime(text: str) -> str | None:
    """An ISO 8601 instant with offset → ``YYYY-MM-DDTHH:MM:SSZ`` in UTC (None if it does not parse)."""
    if not _DATETIME.match(text):
        return None
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def coerce(table: TableDef, attr: AttributeDef, value: Any) -> Any:
    """Return the stored form of ``value`` for ``attr``.

    Raises:
        ODataClientPayloadError: The value is not of the column's OData type.
        AttributeLengthExceeded, ValueOutOfRange, PicklistValueOutOfRange: Platform validation failures.
    """
    if value is None:
        return None
    kind = attr.type
    if kind in ("String", "Memo", "EntityName"):
        if not isinstance(value, str):
            raise conversion_error(table, attr, value)
        if attr.max_length is not None and len(value) > attr.max_length:
            raise e.AttributeLengthExceeded(attribute=attr.name, entity=table.logical, max_length=attr.max_length)
        return value
    if kind in ("Integer", "BigInt"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise conversion_error(table, attr, value)
        _check_range(table, attr, value)
        return value
    if kind in ("Decimal", "Money", "Double"):
        return _number(table, attr, value)
    if kind == "Boolean":
        if not isinstance(value, bool):
            raise conversion_error(table, attr, value)
        return value
    if kind in ("Picklist", "State", "Status"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise conversion_error(table, attr, value)
        if attr.options is not None and value not in attr.options:
            raise e.PicklistValueOutOfRange()
        return value
    if kind == "DateTime":
        return _datetime(table, attr, value)
    if kind == "Uniqueidentifier":
        if not is_guid(value):
            raise conversion_error(table, attr, value)
        return str(value).lower()
    raise payload_error(table, f"The property '{attr.name}' cannot be written directly")


def _number(table: TableDef, attr: AttributeDef, value: Any) -> float:
    if isinstance(value, bool):
        raise conversion_error(table, attr, value)
    if isinstance(value, str):
        # IEEE754Compatible clients send decimals as strings.
        try:
            value = Decimal(value)
        except InvalidOperation:
            raise conversion_error(table, attr, value) from None
    if not isinstance(value, int | float | Decimal):
        raise conversion_error(table, attr, value)
    _check_range(table, attr, value)
    # Money is stored with 4 decimals whatever its display precision.
    digits = 4 if attr.type == "Money" else (attr.precision if attr.precision is not None else 5)
    return round(float(value), digits)


def _check_range(table: TableDef, attr: AttributeDef, value: float | Decimal) -> None:
    low, high = attr.min_value, attr.max_value
    if (low is not None and value < low) or (high is not None and value > high):
        raise e.ValueOutOfRange(value=value, attribute=attr.name, entity=table.logical)


def _datetime(table: TableDef, attr: AttributeDef, value: Any) -> str:
    if not isinstance(value, str):
        raise conversion_error(table, attr, value)
    if attr.format == "DateOnly":
        # DateOnly columns are Edm.Date: a time part does not convert.
        if not _DATE.match(value):
            raise conversion_error(table, attr, value)
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise conversion_error(table, attr, value) from None
        return value
    normalised = normalise_datetime(value)
    if normalised is None:
        raise conversion_error(table, attr, value)
    return normalised
