"""Every canonical field issue 16 added reaches each target: mapped into a column, or declared not migrated to
that target with the reason (`not_migrated_fields`, docs/mapping-spec.md), which the approval report lists."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from mappings.spec import SPEC_DIR, SpecError, load_spec, parse_spec

TARGETS = ("dynamics365", "gensolve")
# The canonical fields of issue 16 (items 3 and 4): merges, legacy gender, country, invoice settings, the old
# reference, reminder preferences, appointment notes, repeat rules, group appointments, cases, discounts,
# 3-decimal prices, referrer addresses, the business's contact text, archived communications, referrals.
ISSUE_16: dict[str, tuple[str, ...]] = {
    "client": (
        "sex_as_recorded",
        "country",
        "referral_source_type",
        "referral_subcategory",
        "referral_notes",
        "referred_by_client_id",
        "referred_by_organisation_id",
        "reminder_preference",
        "is_confirmation_email_accepted",
        "appointment_notes",
        "invoice_to",
        "invoice_email",
        "invoice_extra_information",
        "legacy_reference",
        "merged_into_id",
        "merged_at",
        "archived_at",
    ),
    "appointment": (
        "repeat_rule",
        "is_group",
        "group_id",
        "group_notes",
        "cancellation_note",
        "invoice_status_code",
        "treatment_note_status_code",
        "is_online_booking",
        "condition_id",
    ),
    "condition": (
        "name",
        "issue_date",
        "expiry_date",
        "max_sessions",
        "max_invoiceable_amount",
        "is_referral",
        "referral_type",
        "attendance_source_ids",
        "is_closed",
        "notes",
    ),
    "invoice": ("discount_amount", "invoice_to", "extra_information"),
    "invoice_line": (
        "unit_price_amount",
        "net_amount",
        "discount_amount",
        "discount_percentage",
        "discount_type",
        "concession_type",
        "billable_item_source_id",
        "product_source_id",
    ),
    "referrer": (
        "preferred_name",
        "doctor_type",
        "address_line_1",
        "address_line_2",
        "address_line_3",
        "city",
        "state",
        "postcode",
        "country_code",
        "country",
    ),
    "site": ("contact_information",),
    "communication": ("archived_at",),
}


@pytest.mark.parametrize("target", TARGETS)
def test_every_issue_16_field_is_mapped_or_declared_not_migrated(target: str) -> None:
    spec = load_spec(target)
    read = spec.columns_read()
    declared = {(entity, name) for entity, name, _why in spec.fields_not_migrated()}
    unaccounted = {
        entity: [f for f in fields if f not in read.get(entity, set()) and (entity, f) not in declared]
        for entity, fields in ISSUE_16.items()
    }
    assert {e: f for e, f in unaccounted.items() if f} == {}
    assert all(why.strip() for _e, _f, why in spec.fields_not_migrated())


def test_referrer_addresses_reach_the_dynamics_contact() -> None:
    referrer = next(s for s in load_spec("dynamics365").entities["contact"].sources if s.table == "referrer")
    assert {"address1_line2", "address1_line3", "nickname"} <= set(referrer.fields)


def _data(target: str) -> dict[str, Any]:
    return yaml.safe_load((SPEC_DIR / f"{target}.yaml").read_text())


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: d["not_migrated_fields"].__setitem__("patient", {"x": "why"}), "unknown canonical entity"),
        (lambda d: d["not_migrated_fields"]["client"].__setitem__("shoe_size", "why"), "not a field of canonical"),
        (lambda d: d["not_migrated_fields"]["client"].__setitem__("email", "why"), "declared not migrated, but the"),
        (lambda d: d["not_migrated_fields"]["client"].__setitem__("country", " "), "client.country: give the reason"),
        (lambda d: d["not_migrated_fields"].__setitem__("client", "no clients"), "the whole entity is declared"),
    ],
)
def test_a_wrong_declaration_is_refused_with_its_path(edit: Any, expected: str) -> None:
    data = copy.deepcopy(_data("dynamics365"))
    edit(data)
    with pytest.raises(SpecError) as error:
        parse_spec(data, "mappings/dynamics365.yaml")
    assert expected in str(error.value)


def test_only_a_target_spec_declares_canonical_fields() -> None:
    data = _data("cliniko") | {"not_migrated_fields": {"client": {"country": "why"}}}
    with pytest.raises(SpecError, match="only a target spec"):
        parse_spec(data, "mappings/cliniko.yaml")
