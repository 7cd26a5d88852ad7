"""Cliniko list semantics: q[] filters, sort and order, page and per_page (research/sources.md §2.3–2.4)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..constants import DATE, DATETIME, DEFAULT_PER_PAGE, DEFAULT_SORT, INTEGER, MAX_PER_PAGE, OPERATORS, STRING
from ..exceptions import InvalidFilter, InvalidParameter
from .records import Record

# Longest first, so ">=" is not read as ">" followed by "=value".
_OPERATOR_ORDER = ("~~", ">=", "<=", "!=", "=", ">", "<", "~")
# §2.4 "Format Rules": a DateTime filter value has to be UTC, e.g. 2014-08-30T18:00:00Z.
_UTC_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
_DATE = re.compile(r"^[\d*]{4}-[\d*]{2}-[\d*]{2}$")
_CANONICAL = 20  # len("2014-08-30T18:00:00Z")


@dataclass(frozen=True)
class Filter:
    """One parsed ``field:<op><value>`` filter; ``matches`` tests a record's fields."""

    field: str
    op: str
    kind: str
    value: Any

    def matches(self, data: Mapping[str, Any]) -> bool:
        found = field_value(data, self.field)
        if self.kind == INTEGER:
            return _compare_int(_as_int(found), self.op, self.value)
        if self.kind == DATETIME:
            return _compare_instant(found, self.op, self.value)
        if self.kind == DATE:
            return _compare_date(found, self.op, self.value)
        return _compare_string(found, self.op, self.value)


def field_value(data: Mapping[str, Any], field: str) -> Any:
    """A record's value for a filter field; ``<link>_id`` reads the id at the tail of that HATEOAS link (§2.5)."""
    if field in data:
        return data[field]
    if field.endswith("_id"):
        link = data.get(field[:-3])
        if isinstance(link, dict):
            url = (link.get("links") or {}).get("self")
            if isinstance(url, str):
                return url.rstrip("/").rsplit("/", 1)[-1]
    return None


def parse_filter(raw: str, allowed: Mapping[str, str] | None) -> Filter:
    """Parse ``field:<op><value>``; ``allowed`` (field → kind) comes from §2.7, None infers kinds from names.

    Raises:
        InvalidFilter: Unknown field, operator not valid for the field's kind, or a value of the wrong form.
    """
    field, sep, rest = raw.partition(":")
    field = field.strip()
    if not sep or not field:
        raise InvalidFilter(field=field or "(none)", reason="expected FIELD:OPERATORVALUE")
    if allowed is None:
        kind = _inferred_kind(field)
    elif field in allowed:
        kind = allowed[field]
    else:
        raise InvalidFilter(field=field, reason="not a filterable field of this resource")
    op = next((o for o in _OPERATOR_ORDER if rest.startswith(o)), None)
    if op is None or op not in OPERATORS[kind]:
        valid = " ".join(sorted(OPERATORS[kind]))
        raise InvalidFilter(field=field, reason=f"operator not valid for a {kind} filter (valid: {valid})")
    return Filter(field, op, kind, _parse_value(field, kind, op, rest[len(op) :]))


def _inferred_kind(field: str) -> str:
    if field == "id" or field.endswith("_id"):
        return INTEGER
    if field.endswith("_at"):
        return DATETIME
    if field.endswith("_date") or field == "date_of_birth":
        return DATE
    return STRING


def _parse_value(field: str, kind: str, op: str, text: str) -> Any:
    if kind == INTEGER:
        parts = text.split(",") if op == "=" else [text]
        try:
            values = tuple(int(p.strip()) for p in parts)
        except ValueError:
            raise InvalidFilter(field=field, reason="expected an integer (or =1,2,3)") from None
        return values if op == "=" else values[0]
    if kind == DATETIME:
        if not _UTC_INSTANT.match(text):
            raise InvalidFilter(field=field, reason="DateTime has to be in UTC, e.g. 2014-08-30T18:00:00Z")
        return _instant(text)
    if kind == DATE:
        if not _DATE.match(text) or ("*" in text and op != "="):
            raise InvalidFilter(field=field, reason="expected YYYY-MM-DD (wildcards * only with =)")
        return re.compile("^" + re.escape(text).replace(r"\*", r"\d") + "$") if op == "=" else text
    if op == "~~":
        return re.compile("^" + ".*".join(re.escape(p) for p in text.split("%")) + "$", re.IGNORECASE | re.DOTALL)
    return text


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "!=": lambda a, b: a != b,
}


def _compare_int(found: int | None, op: str, value: Any) -> bool:
    if found is None:
        return False
    return found in value if op == "=" else _COMPARE[op](found, value)


def _instant(text: Any) -> dt.datetime | None:
    """A UTC instant from a record value; naive or malformed values never match a DateTime filter."""
    if not isinstance(text, str) or not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.astimezone(dt.UTC) if value.tzinfo is not None else None


def _compare_instant(found: Any, op: str, value: dt.datetime) -> bool:
    moment = _instant(found)
    return moment is not None and _COMPARE[op](moment, value)


def _compare_date(found: Any, op: str, value: Any) -> bool:
    if not isinstance(found, str) or not found:
        return False
    if op == "=":
        return bool(value.match(found[:10]))
    return _COMPARE[op](found[:10], value)


def _compare_string(found: Any, op: str, value: Any) -> bool:
    if found is None:
        return op == "!="
    text = found if isinstance(found, str) else str(found)
    if op == "=":
        return text == value
    if op == "!=":
        return text != value
    if op == "~":
        return value.lower() in text.lower()
    return bool(value.match(text))


# -- sorting and paging ---------------------------------------------------------------------------------


def parse_sort(sort: str | None, order: str | None, fields: Sequence[str]) -> tuple[tuple[str, bool], ...]:
    """``sort=col1,col2:desc`` and ``order=asc|desc`` (§2.3) → ((field, descending), …), id last for stability.

    Raises:
        InvalidParameter: An unknown column or direction.
    """
    if order not in (None, "", "asc", "desc"):
        raise InvalidParameter(name="order", reason="expected asc or desc")
    default_desc = order == "desc"
    if not sort:
        keys = [(name, default_desc) for name, _ in DEFAULT_SORT]
    else:
        keys = []
        for part in sort.split(","):
            name, _, direction = part.strip().partition(":")
            if direction not in ("", "asc", "desc"):
                raise InvalidParameter(name="sort", reason=f"direction of {name!r} must be asc or desc")
            if name != "id" and name not in fields:
                raise InvalidParameter(name="sort", reason=f"{name!r} is not a column of this resource")
            keys.append((name, direction == "desc" if direction else default_desc))
    if all(name != "id" for name, _ in keys):
        keys.append(("id", False))
    return tuple(keys)


def _sort_value(data: Mapping[str, Any], field: str) -> tuple[int, Any]:
    value = data.get(field)
    if field == "id" and _as_int(value) is not None:
        return (0, _as_int(value))
    if isinstance(value, bool) or value is None:
        return (1, str(value))
    if isinstance(value, int | float):
        return (0, value)
    return (1, value if isinstance(value, str) else json.dumps(value, sort_keys=True))


def ordered(records: list[Record], keys: Sequence[tuple[str, bool]]) -> list[Record]:
    """Records in the requested order; nulls sort last ascending and first descending (PostgreSQL's rule)."""
    result = list(records)
    for field, descending in reversed(keys):  # stable sorts, least significant key first
        result.sort(
            key=lambda r, f=field: (r.data.get(f) is None or r.data.get(f) == "", _sort_value(r.data, f)),
            reverse=descending,
        )
    return result


def page_params(page: str | None, per_page: str | None) -> tuple[int, int]:
    """1-based page and the page size; per_page above 100 is clamped to 100 (§2.3; clamping is UNCONFIRMED).

    Raises:
        InvalidParameter: Not a positive integer.
    """
    values = []
    for name, raw, default in (("page", page, 1), ("per_page", per_page, DEFAULT_PER_PAGE)):
        if raw is None or raw == "":
            values.append(default)
            continue
        try:
            number = int(raw)
        except ValueError:
            raise InvalidParameter(name=name, reason="expected a positive integer") from None
        if number < 1:
            raise InvalidParameter(name=name, reason="expected a positive integer")
        values.append(number)
    return values[0], min(values[1], MAX_PER_PAGE)
