"""What one delivered text value looks like: date, instant, email, phone, health identifier, money, JSON…

Each test reads one value and answers with a kind (and, for dates, which day/month orders it allows);
the profiler counts the answers. Nothing here keeps a value."""

from __future__ import annotations

import json
import re
from functools import cache
from zoneinfo import available_timezones

import phonenumbers

from checks.identifiers import (
    is_valid_dva_number,
    is_valid_ihi,
    is_valid_medicare,
    is_valid_nhi,
    is_valid_nhs_number,
    normalise_identifier,
)

# Phone regions the practices are in (DESIGN.md §1): NZ, AU, UK (GB in libphonenumber).
PHONE_REGIONS = {"NZ": "NZ", "AU": "AU", "UK": "GB"}
BOOLEAN_WORDS = frozenset({"true", "false", "yes", "no", "y", "n", "t", "f", "1", "0"})
# Identifier kinds in the order they are tried: a check digit makes a chance match unlikely (one in
# ten for a 10-digit number), so a column is an identifier only when nearly all its values pass.
IDENTIFIERS = {
    "nhi": is_valid_nhi,
    "ihi": is_valid_ihi,
    "medicare": is_valid_medicare,
    "nhs_number": is_valid_nhs_number,
    "dva_number": is_valid_dva_number,
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SLASHED_DATE = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})$")
_YEAR_FIRST_SLASHED = re.compile(r"^\d{4}/\d{2}/\d{2}$")
_NAMED_MONTH_DATE = re.compile(r"^\d{1,2}(?P<sep>[ /-])[A-Za-z]{3}(?P=sep)\d{4}$")
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(?P<zone>Z|[+-]\d{2}:?\d{2})?$")
_TIME = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")
# A date as a report writer prints it followed by a wall-clock time (`03/03/2026 10:00`, `2026-03-03 10:00:15`
# is an instant already): the local date-times of desktop exports (research/sources-round2.md §4).
_DATE_AND_TIME = re.compile(
    r"^(?P<date>\S+) (?P<time>\d{1,2}:\d{2}(?P<seconds>:\d{2})?)(?:(?P<gap> ?)(?P<meridiem>[AaPp][Mm]))?$"
)
# "Surname, Firstname" in one cell (TM3's names, research/sources-round2.md §2.13): letters first on both sides.
_SURNAME_FIRST = re.compile(r"^[^\W\d_][^,]*, [^\W\d_][^,]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_PHONE_SHAPE = re.compile(r"^\+?[\d\s().-]{7,20}$")
# An amount may carry its currency: a symbol (`$ £ €`), a country-qualified dollar (`NZ$`, `A$`, `AU$`,
# `US$`) or an ISO code (`NZD 90.00`).
_CURRENCY = r"(?:[A-Z]{1,2}\$|[$£€]|[A-Z]{3} ?)?"
_MONEY = re.compile(rf"^-?{_CURRENCY}\d{{1,3}}(,\d{{3}})*\.\d{{2}}$|^-?{_CURRENCY}\d+\.\d{{2}}$")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")
_INTEGER = re.compile(r"^-?\d+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_CANONICAL_ID = re.compile(r"^[a-z0-9_]+:[a-z_]+:\S+$")
_HTML = re.compile(r"<(p|br|div|span|b|i|strong|em|ul|ol|li|h[1-6]|table|tr|td)\b[^>]*>", re.IGNORECASE)


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def date_orders(value: str) -> tuple[str, ...] | None:
    """The strftime formats a date value allows, or None when it is not a date. `25/03/1980` allows
    only day-first; `03/04/1980` allows both (the caller counts the evidence)."""
    if _ISO_DATE.match(value):
        return ("%Y-%m-%d",)
    if _YEAR_FIRST_SLASHED.match(value):
        return ("%Y/%m/%d",)
    named = _NAMED_MONTH_DATE.match(value)
    if named:  # `25 Mar 1980`, `25-Mar-1980`, `25/Mar/1980`
        sep = named.group("sep")
        return (f"%d{sep}%b{sep}%Y",)
    match = _SLASHED_DATE.match(value)
    if not match:
        return None
    first, separator, second, year = match.groups()
    year_code = "%Y" if len(year) == 4 else "%y"
    day_first = f"%d{separator}%m{separator}{year_code}"
    month_first = f"%m{separator}%d{separator}{year_code}"
    a, b = int(first), int(second)
    orders = []
    if 1 <= a <= 31 and 1 <= b <= 12:
        orders.append(day_first)
    if 1 <= a <= 12 and 1 <= b <= 31:
        orders.append(month_first)
    return tuple(orders) or None


def local_datetime_orders(value: str) -> tuple[str, ...] | None:
    """The strftime formats of a date followed by a wall-clock time (`03/03/2026 10:00` → `%d/%m/%Y %H:%M`
    and `%m/%d/%Y %H:%M`), or None. ISO forms are instants (instant_zone reads them as naive)."""
    match = _DATE_AND_TIME.match(value)
    if not match or _INSTANT.match(value):
        return None
    orders = date_orders(match.group("date"))
    if not orders:
        return None
    seconds = ":%S" if match.group("seconds") else ""
    # A 12-hour clock with AM/PM (`03-Mar-2026 10:00 AM`, as report writers print it) reads with %I and %p.
    clock = f" %I:%M{seconds}{match.group('gap')}%p" if match.group("meridiem") else f" %H:%M{seconds}"
    return tuple(order + clock for order in orders)


def instant_zone(value: str) -> str | None:
    """ "offset" for an ISO 8601 instant with Z or an offset, "naive" for wall time, None otherwise."""
    match = _INSTANT.match(value)
    if not match:
        return None
    return "offset" if match.group("zone") else "naive"


def phone_region(value: str) -> str | None:
    """The first practice country in which the value is a valid phone number (E.164 input counts for its own)."""
    if not _PHONE_SHAPE.match(value) or sum(c.isdigit() for c in value) < 7:
        return None
    for country, region in PHONE_REGIONS.items():
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            found = phonenumbers.region_code_for_number(number)
            return next((c for c, r in PHONE_REGIONS.items() if r == found), country)
    return None


def identifier_kind(value: str) -> str | None:
    normalised = normalise_identifier(value)
    return next((kind for kind, valid in IDENTIFIERS.items() if valid(normalised)), None)


def is_json(value: str) -> bool:
    if value[:1] not in "{[":
        return False
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def value_kinds(value: str) -> set[str]:
    """Every kind a non-empty value fits (the profiler keeps those that cover nearly all values)."""
    text = value.strip()
    kinds: set[str] = set()
    if text.lower() in BOOLEAN_WORDS:
        kinds.add("boolean")
    if date_orders(text):
        kinds.add("date")
    zone = instant_zone(text)
    if zone:
        kinds.add("instant")
    if local_datetime_orders(text):
        kinds.add("local_datetime")
    if _SURNAME_FIRST.match(text):
        kinds.add("surname_first")
    if _TIME.match(text):
        kinds.add("time")
    if _EMAIL.match(text):
        kinds.add("email")
    if _UUID.match(text):
        kinds.add("uuid")
    if _CANONICAL_ID.match(text):
        kinds.add("canonical_id")
    if text in _zones() and "/" in text:
        kinds.add("time_zone")
    if _INTEGER.match(text):
        kinds.add("integer")
    if _DECIMAL.match(text):
        kinds.add("decimal")
    if _MONEY.match(text):
        kinds.add("money")
    if is_json(text):
        kinds.add("json")
    if _HTML.search(text):
        kinds.add("html")
    if not kinds & {"date", "instant", "local_datetime", "money", "decimal"}:
        region = phone_region(text)
        if region:
            kinds.add(f"phone:{region}")
        identifier = identifier_kind(text)
        if identifier:
            kinds.add(f"identifier:{identifier}")
    return kinds


def value_shape(value: str) -> str:
    """The value with letters as `A`/`a`, digits as `9`, runs collapsed (`25/03/1980` → `9/9/9`): a
    shape, never the value."""
    out: list[str] = []
    for char in value.strip()[:64]:
        cls = "9" if char.isdigit() else "A" if char.isupper() else "a" if char.isalpha() else char
        if not out or out[-1] != cls or cls not in "9Aa":
            out.append(cls)
    return "".join(out)
