"""Contact transforms: email normalisation, E.164 phones, health identifiers with check digits."""

from __future__ import annotations

from collections.abc import Callable

import phonenumbers
import polars as pl

from mappings.transforms.registry import Step, TransformContext, issue_where, map_unique, register_transform

# Pragmatic RFC 5322 subset: what real mail systems deliver to. Rejects the defects that reach
# practice systems: doubled "@", missing "@", spaces, missing top-level domain, consecutive dots.
_EMAIL = (
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


@register_transform("email")
def email(values: pl.Series, ctx: TransformContext) -> Step:
    """Trim and lower-case an email address; an address that cannot receive mail is an issue."""
    text = values.cast(pl.String).str.strip_chars().str.to_lowercase()
    text = pl.select(pl.when(pl.lit(text) == "").then(None).otherwise(pl.lit(text))).to_series()
    bad = text.is_not_null() & ~text.str.contains(_EMAIL)
    cleaned = pl.select(pl.when(pl.lit(bad)).then(None).otherwise(pl.lit(text))).to_series().rename(values.name)
    return Step(cleaned, issues=issue_where(bad, "invalid_email"))


def e164(value: str, region: str) -> tuple[str | None, str | None]:
    """E.164 form of a phone number, reading it in `region` unless it carries a country code.

    Cliniko stores numbers with the country code but no "+" ("61444444444", research/sources.md
    §5.2): a digit string not starting with 0 is first tried as international.
    """
    raw = value.strip()
    digits = "".join(ch for ch in raw if ch.isdigit())
    candidates: list[tuple[str, str | None]] = []
    if raw.startswith("+"):
        candidates.append((raw, None))
    elif digits and not digits.startswith("0") and raw.replace(" ", "").isdigit():
        candidates.append(("+" + digits, None))
    candidates.append((raw, region))
    for text, default_region in candidates:
        try:
            number = phonenumbers.parse(text, default_region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None
    return None, "invalid_phone"


@register_transform("phone")
def phone(values: pl.Series, ctx: TransformContext) -> Step:
    """A phone number → E.164, the practice's country as default region; invalid numbers are issues."""
    region = ctx.mapping.phone_region
    converted, issues = map_unique(values.cast(pl.String), lambda v: e164(v, region), pl.String)
    return Step(converted, issues=issues)


@register_transform("pick_from_list")
def pick_from_list(values: pl.Series, ctx: TransformContext, match_key: str, match_value: str, value_key: str) -> Step:
    """From a JSON array of objects, the `value_key` of the first object whose `match_key` equals
    `match_value` (case-insensitive), e.g. the Mobile entry of Cliniko's patient_phone_numbers."""
    dtype = pl.List(pl.Struct({match_key: pl.String, value_key: pl.String}))
    decoded = values.cast(pl.String).str.json_decode(dtype)
    wanted = match_value.lower()
    picked = decoded.list.eval(
        pl.element().filter(pl.element().struct.field(match_key).str.to_lowercase() == wanted).struct.field(value_key)
    ).list.first()
    return Step(picked.rename(values.name))


def _identifier(check: Callable[[str], bool]) -> Callable[[str], tuple[str | None, str | None]]:
    from checks.identifiers import normalise_identifier

    def apply(value: str) -> tuple[str | None, str | None]:
        normal = normalise_identifier(value)
        if not normal:
            return None, None
        return (normal, None) if check(normal) else (None, "invalid_identifier")

    return apply


def _identifier_transform(values: pl.Series, check_name: str) -> Step:
    from checks import identifiers

    converted, issues = map_unique(values.cast(pl.String), _identifier(getattr(identifiers, check_name)), pl.String)
    return Step(converted, issues=issues)


@register_transform("nhi")
def nhi(values: pl.Series, ctx: TransformContext) -> Step:
    """NZ National Health Index number, normalised; a wrong check character is an issue."""
    return _identifier_transform(values, "is_valid_nhi")


@register_transform("medicare")
def medicare(values: pl.Series, ctx: TransformContext) -> Step:
    """AU Medicare card number (10 digits), normalised; a wrong check digit is an issue."""
    return _identifier_transform(values, "is_valid_medicare")


@register_transform("medicare_irn")
def medicare_irn(values: pl.Series, ctx: TransformContext) -> Step:
    """AU Medicare individual reference number (1–9)."""
    return _identifier_transform(values, "is_valid_medicare_irn")


@register_transform("nhs_number")
def nhs_number(values: pl.Series, ctx: TransformContext) -> Step:
    """UK NHS number, normalised to 10 digits; a wrong check digit is an issue."""
    return _identifier_transform(values, "is_valid_nhs_number")


@register_transform("dva_number")
def dva_number(values: pl.Series, ctx: TransformContext) -> Step:
    """AU DVA file number, format-checked (it has no check digit)."""
    return _identifier_transform(values, "is_valid_dva_number")
