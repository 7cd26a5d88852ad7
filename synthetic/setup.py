"""Practice-level records: sites, staff, appointment types, prices, taxes, contacts, templates, settings."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from synthetic.cliniko import Links, money, rate, record
from synthetic.countries import Locality
from synthetic.ids import seeded_rng
from synthetic.notes import TEMPLATES, template_content
from synthetic.people import address_lines, email_address, name_key, phone_number, post_code, street_address
from synthetic.practice import Practice, insurer_name, registration_number
from synthetic.timeline import DAY, fmt_ts

_COLORS = ("#4a90d9", "#7ed321", "#f5a623", "#bd10e0")


def staff_email(first: str, last: str, domain: str) -> str:
    """A staff address on the practice's own (reserved) domain: "jane.smith@kauri-physio.example.com"."""
    return f"{name_key(first)}.{name_key(last)}@{domain}"


PRODUCT_SUPPLIER = "Allied Physio Supplies"


@dataclass(frozen=True)
class Receptionist:
    """A user who is not a practitioner: names and the site whose zone their account uses."""

    user_id: str
    first: str
    last: str
    site: int


@dataclass(frozen=True)
class PracticeSetup:
    """The practice-level facts the set-up records add to the `Practice` layout: when the account was opened and
    its set-up last edited, each site's post code and business registration number, each practitioner's provider
    (reference) number, and the reception staff."""

    opened_ts: int
    updated_ts: int
    site_post_codes: tuple[str, ...]
    site_registrations: tuple[str, ...]
    provider_numbers: tuple[str, ...]  # by practitioner index
    reception: tuple[Receptionist, ...]


@dataclass(frozen=True)
class Contact:
    """A referring doctor (`doctor`) or an insurer's or employer's claims person, with their practice or company."""

    id: str
    doctor: bool
    title: str | None
    first: str
    last: str
    company: str
    occupation: str
    provider_number: str | None
    email: str
    phones: tuple[tuple[str, str], ...]  # (Work/Mobile, number)
    street: str
    locality: Locality
    post_code: str
    notes: str | None
    created_ts: int
    updated_ts: int


def draw_setup(p: Practice) -> PracticeSetup:
    """The set-up facts, drawn from the practice's set-up random source in this order (the written dump depends on
    it): the set-up's last edit, the sites' post codes, the practitioners' provider numbers, the receptionists."""
    rng = seeded_rng(p.seed, "setup-records")
    opened = (p.registration_start - 400) * DAY + 22 * 3600  # the account predates every patient
    updated = opened + 86_400 * rng.randint(1, 300)
    c = p.country
    post_codes = tuple(post_code(rng, c, s.locality) for s in p.sites)
    numbers = tuple(_provider_number(rng, c.code) for _ in p.practitioners)
    reception = []
    for k, user_id in enumerate(p.reception_user_ids):
        first, last = rng.choice(p.pools.first_female), rng.choice(p.pools.last)
        reception.append(Receptionist(user_id, first, last, k % len(p.sites)))
    registrations = tuple(_registration(p, s.index) for s in p.sites)
    return PracticeSetup(opened, updated, post_codes, registrations, numbers, tuple(reception))


def setup_records(p: Practice, links: Links) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every practice-level record except contacts (`draw_setup` and the `Practice` layout), as (resource,
    record) pairs."""
    facts = draw_setup(p)
    opened = facts.opened_ts
    stamp = {"created_at": fmt_ts(opened), "updated_at": fmt_ts(facts.updated_ts)}
    c = p.country
    for s in p.sites:
        yield (
            "businesses",
            record(
                "businesses",
                {
                    "id": s.id,
                    "business_name": s.name,
                    "display_name": s.locality.suburb,
                    "business_registration_name": c.business_registration,
                    "business_registration_value": facts.site_registrations[s.index],
                    "address_1": s.address,
                    **address_lines(c, s.locality),
                    "state": s.locality.state,
                    "post_code": facts.site_post_codes[s.index],
                    "country": c.name,
                    "country_code": c.iso,
                    "contact_information": f"Phone {s.phone}",
                    "email_reply_to": s.email,
                    "website_address": f"https://www.{p.domain}",
                    "show_in_online_bookings": True,
                    **stamp,
                },
            ),
        )
    for pr in p.practitioners:
        active = pr.end_day > p.as_of_day
        created = fmt_ts(max(opened, (pr.start_day - 7) * DAY))  # set up a week before their first day
        updated = fmt_ts(max(opened, (pr.start_day if active else pr.end_day) * DAY + 21 * 3600))
        yield (
            "users",
            record(
                "users",
                {
                    "id": pr.user_id,
                    "title": pr.title or None,
                    "first_name": pr.first,
                    "last_name": pr.last,
                    "email": staff_email(pr.first, pr.last, p.domain),
                    "role": "Administrator" if pr.index == 0 else "Practitioner",
                    "time_zone": p.sites[pr.site].zone,
                    "user_active": active,
                    "created_at": created,
                    "updated_at": updated,
                },
            ),
        )
        yield (
            "practitioners",
            record(
                "practitioners",
                {
                    "id": pr.id,
                    "title": pr.title or None,
                    "first_name": pr.first,
                    "last_name": pr.last,
                    "designation": pr.designation,
                    "description": None,
                    "label": pr.designation,
                    "active": active,
                    "show_in_online_bookings": active,
                    "user": links.to("users", pr.user_id),
                    "default_appointment_type": links.to("appointment_types", p.types["standard"].id),
                    "created_at": created,
                    "updated_at": updated,
                },
            ),
        )
        yield (
            "practitioner_reference_numbers",
            record(
                "practitioner_reference_numbers",
                {
                    "id": p.ids.setup("practitioner_reference_numbers", pr.index),
                    "name": c.provider_number_name,
                    "reference_number": facts.provider_numbers[pr.index],
                    "business": links.to("businesses", p.sites[pr.site].id),
                    "practitioner": links.to("practitioners", pr.id),
                    "created_at": created,
                    "updated_at": created,
                },
            ),
        )
    for person in facts.reception:
        yield (
            "users",
            record(
                "users",
                {
                    "id": person.user_id,
                    "title": None,
                    "first_name": person.first,
                    "last_name": person.last,
                    "email": staff_email(person.first, person.last, p.domain),
                    "role": "Receptionist",
                    "time_zone": p.sites[person.site].zone,
                    "user_active": True,
                    **stamp,
                },
            ),
        )
    for t in p.types.values():
        yield (
            "appointment_types",
            record(
                "appointment_types",
                {
                    "id": t.id,
                    "name": t.name,
                    "category": "Group" if t.max_attendees > 1 else "Individual",
                    "color": _COLORS[len(t.name) % len(_COLORS)],
                    "description": None,
                    "duration_in_minutes": t.minutes,
                    "max_attendees": t.max_attendees,
                    "show_in_online_bookings": t.kind != "extended",
                    "billable_item": links.to("billable_items", p.billables[t.billable].id),
                    "treatment_note_template": links.to("treatment_note_templates", p.templates[t.template]),
                    **stamp,
                },
            ),
        )
    # Retail products are Cliniko's products catalogue, not billable items; the catalogue itself is not part of
    # the dump (products are declared not migrated: sources/cliniko/settings.py NOT_MIGRATED_RESOURCES).
    for b in (b for b in p.billables.values() if b.product_id is None):
        yield (
            "billable_items",
            record(
                "billable_items",
                {
                    "id": b.id,
                    "item_code": b.code,
                    "item_type": b.item_type,
                    "name": b.name,
                    "price": money(b.cents),
                    "tax": links.to("taxes", p.taxes[b.tax][0]),
                    **stamp,
                },
            ),
        )
    for k, b in enumerate(b for b in p.billables.values() if b.product_id is not None):
        # The fields of sections/products.md (no spec types them: the catalogue is not read). No random draw,
        # so no other record moves.
        yield (
            "products",
            {
                "id": b.product_id,
                "item_code": b.code,
                "name": b.name,
                "product_supplier_name": PRODUCT_SUPPLIER,
                "cost_price": money(b.cents * 2 // 5),
                "stock_level": 20 + 5 * k,
                "notes": "",
                "serial_number": None,
                "price_ex_tax": money(b.cents),
                "tax": links.to("taxes", p.taxes[b.tax][0]),
                **stamp,
            },
        )
    for tax_id, tax_name, bp in p.taxes:
        yield (
            "taxes",
            record("taxes", {"id": tax_id, "name": tax_name, "rate": rate(bp), "amount": rate(bp), **stamp}),
        )
    for concession_id, concession in p.concessions:
        yield (
            "concession_types",
            record("concession_types", {"id": concession_id, "name": concession, **stamp}),
        )
    for kind, template_id in p.templates.items():
        yield (
            "treatment_note_templates",
            record(
                "treatment_note_templates",
                {
                    "id": template_id,
                    "name": TEMPLATES[kind][0],
                    "content": template_content(kind),
                    "print_settings": {
                        "include_patient_address": False,
                        "include_patient_dob": True,
                        "include_patient_medicare": p.country.code == "AU",
                        "title": TEMPLATES[kind][0],
                    },
                    **stamp,
                },
            ),
        )
    yield (
        "settings",
        {"country": c.name, "time_zone": c.zone, "patient_custom_fields_definition": custom_definition(p)},
    )


def custom_definition(p: Practice) -> dict[str, Any]:
    """The account's patient custom-field definition: sections, fields, options, each with its token."""
    cf = p.custom
    sections = []
    if cf.identifiers_section:
        sections.append(
            {
                "name": "Health identifiers",
                "token": cf.identifiers_section,
                "fields": [{"name": cf.identifier_name, "type": "text", "token": cf.identifier_field}],
            }
        )
    sections.append(
        {
            "name": "Intake",
            "token": cf.intake_section,
            "fields": [
                {
                    "name": "How did you hear about us?",
                    "type": "radiobuttons",
                    "token": cf.heard_field,
                    "other": {"enabled": True},
                    "options": [{"name": n, "token": t} for n, t in cf.heard_options],
                },
                {
                    "name": "Preferred contact",
                    "type": "checkboxes",
                    "token": cf.contact_field,
                    "options": [{"name": n, "token": t} for n, t in cf.contact_options],
                },
                {"name": "GP practice", "type": "text", "token": cf.gp_field},
            ],
        }
    )
    return {"sections": sections}


def draw_contact(p: Practice, n: int) -> Contact:
    """Contact `n` (referring doctors first, then insurers and employers), drawn from its own random source in this
    order (the written dump depends on it)."""
    c = p.country
    opened = (p.registration_start - 300) * DAY
    span = (p.as_of_day - 30) * DAY - opened
    rng = seeded_rng(p.seed, "contact", n)
    doctor = n < p.doctors
    loc = rng.choice(c.localities)
    first, last = rng.choice(p.pools.first)[0], rng.choice(p.pools.last)
    created = opened + int(span * n / (p.doctors + p.other_contacts))
    company = f"{loc.suburb} Medical Centre" if doctor else insurer_name(p, p.ids.setup("contacts", n))
    phones = [("Work", phone_number(rng, c, mobile=False, locality=loc))]
    if rng.random() < 0.3:
        phones.append(("Mobile", phone_number(rng, c, mobile=True, locality=loc)))
    provider_number = _provider_number(rng, c.code, doctor=True) if doctor else None
    email = email_address(rng, first, last)
    street = street_address(rng, p.pools, c)
    code = post_code(rng, c, loc)
    notes = "Prefers referrals by e-mail" if rng.random() < 0.1 else None
    updated = created + rng.randint(0, 400) * DAY // 10
    return Contact(
        id=p.ids.setup("contacts", n),
        doctor=doctor,
        title="Dr" if doctor else None,
        first=first,
        last=last,
        company=company,
        occupation="General practitioner" if doctor else "Claims manager",
        provider_number=provider_number,
        email=email,
        phones=tuple(phones),
        street=street,
        locality=loc,
        post_code=code,
        notes=notes,
        created_ts=created,
        updated_ts=updated,
    )


def contact_records(p: Practice, links: Links) -> Iterator[dict[str, Any]]:
    """Referring doctors (type_code 1, with provider numbers) then insurers and employers (type_code 0), from
    `draw_contact`, as Cliniko contacts records."""
    c = p.country
    for n in range(p.doctors + p.other_contacts):
        contact = draw_contact(p, n)
        yield record(
            "contacts",
            {
                "id": contact.id,
                "title": contact.title,
                "first_name": contact.first,
                "last_name": contact.last,
                "preferred_name": None,
                "company_name": contact.company,
                "occupation": contact.occupation,
                "type": "Doctor" if contact.doctor else "Standard",
                "type_code": 1 if contact.doctor else 0,
                "provider_number": contact.provider_number,
                "email": contact.email,
                "phone_numbers": [{"phone_type": kind, "number": number} for kind, number in contact.phones],
                "address_1": contact.street,
                **address_lines(c, contact.locality),
                "address_3": None,
                "state": contact.locality.state,
                "post_code": contact.post_code,
                "country": c.name,
                "notes": contact.notes,
                "archived_at": None,
                "deleted_at": None,
                "created_at": fmt_ts(contact.created_ts),
                "updated_at": fmt_ts(contact.updated_ts),
            },
        )


def _registration(p: Practice, site: int) -> str:
    return registration_number(seeded_rng(p.seed, "registration", site), p.country)


def _provider_number(rng: random.Random, country: str, *, doctor: bool = False) -> str:
    """Provider/registration numbers in each country's format (format only; no check is claimed)."""
    letters = "ABCDEFGHJKLMNPQRTUVWXY"
    if country == "AU":  # Medicare provider number: 6-digit stem, location character, check letter
        return f"{rng.randrange(10**6):06d}{rng.choice('0123456789ABCDEF')}{rng.choice('ABFHJKLTWXY')}"
    if country == "NZ":  # HPI common person number for GPs (NNAAAA); ACC provider ID for our staff
        if doctor:
            return f"{rng.randrange(100):02d}" + "".join(rng.choice(letters) for _ in range(4))
        return rng.choice("GJKM") + f"{rng.randrange(10**5):05d}"
    if doctor:  # GMC reference number: 7 digits
        return f"{rng.randint(1_000_000, 7_999_999)}"
    return f"PH{rng.randrange(10**6):06d}"  # HCPC registration of a physiotherapist
