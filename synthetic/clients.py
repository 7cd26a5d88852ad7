"""One client's records: the patient (clean or defective), medical alerts, attachments and message log."""

from __future__ import annotations

import random
from typing import Any

from checks.identifiers import random_dva, random_medicare, random_nhi, random_nhs_number
from synthetic import defects as dfx
from synthetic.cliniko import Links, dumps, record
from synthetic.countries import MEDICAL_ALERTS, OCCUPATIONS, REFERRAL_SOURCES
from synthetic.defects import ClientPlan
from synthetic.files import write_attachments
from synthetic.forms import write_forms_and_referral
from synthetic.ids import seeded_rng
from synthetic.messages import write_communications
from synthetic.output import ChunkOut
from synthetic.people import (
    address_lines,
    email_address,
    local_display,
    phone_number,
    post_code,
    street_address,
)
from synthetic.practice import Practice, insurer_name
from synthetic.timeline import DAY, fmt_date, fmt_ts
from synthetic.visits import ClientFacts, generate_visits

_NOTES = (
    "Prefers afternoon appointments",
    "Hard of hearing - speak clearly",
    "Needs a parking space near the door",
    "Wants receipts e-mailed to employer",
)
# Share of patients with only the legacy `gender` field.
LEGACY_GENDER_SHARE = 0.04
_RELATIONS = ("partner", "mother", "father", "daughter", "son", "friend")


def client_rng(p: Practice, i: int) -> random.Random:
    """Client `i`'s own random source: its output never depends on other clients or on chunking."""
    return seeded_rng(p.seed, "client", i)


def _registration_day(p: Practice, u: float, dob: int) -> int:
    day = p.registration_start + int(u * (p.as_of_day - 3 - p.registration_start))
    return max(day, dob + 1)


def registration_day(p: Practice, i: int) -> int:
    """The day client `i` was registered, computed cheaply (it is their random source's first draw)."""
    return _registration_day(p, client_rng(p, i).random(), p.identity.person(i)[3])


def generate_client(p: Practice, links: Links, i: int, plan: ClientPlan | None, out: ChunkOut) -> None:
    """Write every record of client `i` into `out`."""
    rng = client_rng(p, i)
    u = rng.random()  # must stay the first draw: registration_day() replays it
    first, sex, last, dob = p.identity.person(i)
    reg_day = _registration_day(p, u, dob)
    c = p.country
    site = 0 if rng.random() < 0.5 or len(p.sites) == 1 else rng.randrange(1, len(p.sites))
    home = p.sites[site].locality
    nearby = [loc for loc in c.localities if loc.city == home.city]
    locality = rng.choice(nearby if rng.random() < 0.75 else c.localities)
    kind = dfx.draw_patient_kind(rng, p.defect_rate, plan)
    patient_id = p.ids.client("patients", i, 0)
    reg_ts = p.sites[site].days.to_utc(reg_day, rng.randrange(32, 72) * 15)
    age_years = (p.as_of_day - dob) // 365

    # A client whose email (or mobile) is made invalid keeps the other contact method, so the defect
    # is the only thing wrong with the record (it must not also read as "no contact method").
    email = email_address(rng, first, last) if rng.random() < 0.88 or kind == "invalid_phone" else None
    phones = []
    if rng.random() < 0.85 or email is None or kind == "invalid_email":  # every clean client can be reached
        phones.append({"phone_type": "Mobile", "number": phone_number(rng, c, mobile=True, locality=locality)})
    if rng.random() < 0.22:
        phones.append({"phone_type": "Home", "number": phone_number(rng, c, mobile=False, locality=locality)})
    if rng.random() < 0.06:
        phones.append({"phone_type": "Work", "number": phone_number(rng, c, mobile=False, locality=locality)})
    mobile = phones[0]["number"] if phones and phones[0]["phone_type"] == "Mobile" else None
    heard = rng.choice(REFERRAL_SOURCES)
    doctor = p.ids.setup("contacts", rng.randrange(p.doctors)) if rng.random() < 0.25 else None
    insurer = p.ids.setup("contacts", p.doctors + rng.randrange(p.other_contacts)) if rng.random() < 0.1 else None
    concession = rng.choice(p.concessions) if rng.random() < 0.12 else None
    identifier = _identifier(p, rng, i, age_years)
    if kind == "invalid_identifier" and identifier.get("value") is None:  # it needs a number to break
        if c.code == "AU":
            identifier["value"], identifier["irn"] = random_medicare(rng)
        else:
            identifier["value"] = random_nhi(rng) if c.code == "NZ" else random_nhs_number(rng)
    values: dict[str, Any] = {
        "id": patient_id,
        "title": rng.choice(("Ms", "Mrs", "Miss", "Dr", None) if sex == "Female" else ("Mr", "Dr", None))
        if age_years >= 16
        else None,
        "first_name": first,
        "last_name": last,
        "preferred_first_name": rng.choice(p.pools.first)[0] if rng.random() < 0.05 else None,
        "date_of_birth": fmt_date(dob),
        "sex": sex,
        "gender_identity": None,
        "pronouns": None,
        "gender": None,
        "email": email,
        "patient_phone_numbers": phones,
        "emergency_contact": _emergency(rng, p, locality) if rng.random() < 0.3 else None,
        "occupation": ("Student" if age_years < 18 else rng.choice(OCCUPATIONS)) if rng.random() < 0.55 else None,
        "notes": rng.choice(_NOTES) if rng.random() < 0.08 else None,
        "appointment_notes": "Please bring previous scans" if rng.random() < 0.03 else None,
        "old_reference_id": str(100_000 + i) if rng.random() < 0.4 else None,
        "referral_source": heard,
        "reminder_type": _reminder_type(rng, email, mobile),
        "receives_confirmation_emails": email is not None and rng.random() < 0.8,
        "accepted_privacy_policy": rng.choices((True, None, False), (85, 13, 2))[0],
        "accepted_email_marketing": email is not None and rng.random() < 0.3,
        "accepted_sms_marketing": mobile is not None and rng.random() < 0.2,
        "time_zone": p.sites[site].zone if rng.random() < 0.35 else None,
        "archived_at": _archived(rng, reg_ts, p.as_of_ts),
        "deleted_at": None,
        "concession_type": links.to("concession_types", concession[0] if concession else None),
        "referring_doctor": links.to("contacts", doctor),
        "created_at": fmt_ts(reg_ts),
        "updated_at": fmt_ts(min(reg_ts + rng.randint(0, 700) * DAY, p.as_of_ts)),
    }
    if values["archived_at"]:
        values["updated_at"] = max(values["updated_at"], values["archived_at"])
    # Patients recorded before 2018-12-03 may carry only the deprecated `gender` (sections/patients.md: Cliniko
    # did not copy it into `sex`). The history window starts later, so the legacy shape is drawn on its own
    # random source (no other draw moves), whatever the registration date.
    if seeded_rng(p.seed, "legacy-gender", i).random() < LEGACY_GENDER_SHARE:
        values["sex"], values["gender"] = None, sex
    if rng.random() < 0.96:
        values.update(
            {
                "address_1": street_address(rng, p.pools, c),
                **address_lines(c, locality),
                "state": locality.state,
                "post_code": post_code(rng, c, locality),
            }
        )
    values.update({"country": c.name, "country_code": c.iso})
    if insurer and rng.random() < 0.5:
        values.update(
            {
                "invoice_default_to": insurer_name(p, insurer),
                "invoice_email": f"claims{rng.randint(1, 9)}@example.org",
                "invoice_extra_information": f"Claim #{rng.randrange(10**6):06d}",
            }
        )
    if c.code == "AU" and identifier.get("value"):
        values.update({"medicare": identifier["value"], "medicare_reference_number": identifier["irn"]})
    if identifier.get("dva"):
        values["dva_card_number"] = identifier["dva"]
    values["custom_fields"] = _custom_fields(
        p, rng, identifier.get("value") if c.code != "AU" else None, heard, email, mobile, doctor
    )

    line = (
        _apply_patient_defect(p, rng, kind, values, sex, reg_ts, i, out) if kind else dumps(record("patients", values))
    )
    out.add_line("patients", line)

    _alerts(p, links, rng, i, patient_id, reg_ts, out)
    ok = kind != "no_contact_method"
    facts = ClientFacts(
        i=i,
        patient_id=patient_id,
        full_name=f"{first} {last}",
        site=site,
        practitioner=rng.choice(p.site_practitioners[site]),
        reg_ts=reg_ts,
        reg_day=reg_day,
        email=email if ok and kind != "invalid_email" else None,
        mobile=mobile if ok and kind != "invalid_phone" else None,
        sms_reminders=ok and mobile is not None and "SMS" in values["reminder_type"],
        email_reminders=ok and email is not None and "Email" in values["reminder_type"],
        concession=concession[1] if concession else None,
        insurer_contact=insurer,
        referrer_contact=doctor,
        clean=plan is not None and plan.clean,
    )
    visits = generate_visits(p, links, rng, facts, plan, out)
    if rng.random() < 0.1:
        write_attachments(p, links, rng, facts, visits, out)
    write_communications(p, links, rng, facts, visits, out)
    write_forms_and_referral(p, links, i, patient_id, reg_ts, visits, out)


def _identifier(p: Practice, rng: random.Random, i: int, age_years: int) -> dict[str, Any]:
    code = p.country.code
    if code == "NZ":
        return {"value": p.identity.nhi(i) if rng.random() < 0.8 else None}
    if code == "UK":
        return {"value": p.identity.nhs(i) if rng.random() < 0.85 else None}
    medicare = p.identity.medicare(i, rng) if rng.random() < 0.75 else None
    dva = random_dva(rng) if age_years > 55 and rng.random() < 0.08 else None
    return {"value": medicare[0] if medicare else None, "irn": medicare[1] if medicare else None, "dva": dva}


def _archived(rng: random.Random, reg_ts: int, as_of_ts: int) -> str | None:
    """About 3 % of patients were archived some time after registering (never after the dump)."""
    if rng.random() >= 0.03:
        return None
    ts = reg_ts + rng.randint(30, 900) * DAY
    return fmt_ts(ts) if ts < as_of_ts else None


def _reminder_type(rng: random.Random, email: str | None, mobile: str | None) -> str:
    if rng.random() < 0.04:
        return "None"
    if email and mobile:
        return rng.choice(("SMS & Email", "SMS & Email", "SMS", "Email"))
    return "Email" if email else "SMS" if mobile else "None"


def _emergency(rng: random.Random, p: Practice, locality: Any) -> str:
    name = f"{rng.choice(p.pools.first)[0]} {rng.choice(p.pools.last)}"
    number = local_display(phone_number(rng, p.country, mobile=True, locality=locality), p.country)
    return f"{name} ({rng.choice(_RELATIONS)}) {number}"


def _custom_fields(
    p: Practice,
    rng: random.Random,
    identifier: str | None,
    heard: str,
    email: str | None,
    mobile: str | None,
    doctor: str | None,
) -> dict[str, Any] | None:
    """The patient's answers in the custom-field sections that the settings record defines."""
    if identifier is None and rng.random() < 0.1:
        return None
    cf = p.custom
    sections = []
    if identifier is not None and cf.identifiers_section:
        sections.append(
            {
                "name": "Health identifiers",
                "token": cf.identifiers_section,
                "fields": [
                    {
                        "name": cf.identifier_name,
                        "type": "text",
                        "token": cf.identifier_field,
                        "value": identifier,
                    }
                ],
            }
        )
    wants = {"SMS"} if mobile else set()
    wants |= {"Email"} if email else set()
    wants |= {"Phone call"} if rng.random() < 0.1 else set()
    gp = f"{rng.choice(p.country.localities).suburb} Medical Centre" if doctor or rng.random() < 0.4 else ""
    sections.append(
        {
            "name": "Intake",
            "token": cf.intake_section,
            "fields": [
                {
                    "name": "How did you hear about us?",
                    "type": "radiobuttons",
                    "token": cf.heard_field,
                    "options": [
                        {"name": n, "token": t, "selected": True} if n == heard else {"name": n, "token": t}
                        for n, t in cf.heard_options
                    ],
                },
                {
                    "name": "Preferred contact",
                    "type": "checkboxes",
                    "token": cf.contact_field,
                    "options": [
                        {"name": n, "token": t, "selected": True} if n in wants else {"name": n, "token": t}
                        for n, t in cf.contact_options
                    ],
                },
                {"name": "GP practice", "type": "text", "token": cf.gp_field, "value": gp},
            ],
        }
    )
    return {"sections": sections}


def _apply_patient_defect(
    p: Practice,
    rng: random.Random,
    kind: str,
    values: dict[str, Any],
    sex: str,
    reg_ts: int,
    i: int,
    out: ChunkOut,
) -> str:
    """Make the patient defective in the way `kind` says, record the truth, and return its JSON line."""
    field_name: str | None
    pid = values["id"]
    if kind == "invalid_email":
        values["email"], field_name = (
            dfx.bad_email(rng, values["email"], values["first_name"], values["last_name"]),
            "email",
        )
    elif kind == "invalid_phone":
        phones = values["patient_phone_numbers"]
        if not phones or phones[0]["phone_type"] != "Mobile":
            phones.insert(0, {"phone_type": "Mobile", "number": p.country.calling_code + "21"})
        phones[0] = {"phone_type": "Mobile", "number": dfx.bad_phone(rng, phones[0]["number"])}
        field_name = "patient_phone_numbers"
    elif kind == "duplicate_client":
        out.add("patients", record("patients", values))  # the original stays clean …
        values = _duplicate(p, rng, values, reg_ts, i)  # … and a second record of the same person follows
        pid, field_name = values["id"], None
    elif kind == "merged_in_source":
        out.add("patients", record("patients", values))  # the survivor …
        values = _merged_in_cliniko(p, rng, values, reg_ts, i)  # … and the archived record merged into it
        pid, field_name = values["id"], "merged_with_patient"
    elif kind == "future_date_of_birth":
        values["date_of_birth"], field_name = fmt_date(p.as_of_day + rng.randint(1, 3650)), "date_of_birth"
    elif kind == "cp1252_text":
        field_name = rng.choice(("first_name", "last_name", "address_1"))
        values[field_name] = dfx.accented_text(rng, sex, field_name, values.get("address_1"))
    elif kind == "mojibake_text":
        field_name = rng.choice(("first_name", "last_name"))
        values[field_name] = dfx.mojibake(dfx.accented_text(rng, sex, field_name, None))
    elif kind == "invalid_identifier":
        if p.country.code == "AU":
            values["medicare"], field_name = dfx.corrupt_identifier("AU", values["medicare"]), "medicare"
        else:
            field = values["custom_fields"]["sections"][0]["fields"][0]
            field["value"], field_name = (
                dfx.corrupt_identifier(p.country.code, field["value"]),
                "custom_fields",
            )
    else:  # no_contact_method
        values.update(
            {
                "email": None,
                "patient_phone_numbers": [],
                "reminder_type": "None",
                "receives_confirmation_emails": False,
                "accepted_email_marketing": False,
                "accepted_sms_marketing": False,
            }
        )
        field_name = None
    out.defects.append(dfx.truth(kind, pid, field_name))
    if kind == "cp1252_text":
        return dfx.cp1252_line(dumps(dfx.cp1252_safe(record("patients", values))))
    return dumps(record("patients", values))


def _duplicate(p: Practice, rng: random.Random, original: dict[str, Any], reg_ts: int, i: int) -> dict[str, Any]:
    """A second record of the same person, created later: names differ only by case or spacing."""
    dup = dict(original)
    first, last = original["first_name"], original["last_name"]
    dup["first_name"] = rng.choice((first.upper(), first.lower(), f" {first}", f"{first}  "))
    dup["last_name"] = rng.choice((last, last.upper(), f"{last} ", f"  {last}"))
    created = rng.randint(reg_ts + DAY, max(reg_ts + DAY, p.as_of_ts - DAY))
    dup.update(
        {
            "id": p.ids.client("patients", i, 1),
            "email": original["email"] if rng.random() < 0.5 else None,
            "patient_phone_numbers": original["patient_phone_numbers"]
            if rng.random() < 0.7 or not original["email"]
            else [],
            "old_reference_id": None,
            "custom_fields": None,
            "archived_at": None,
            "created_at": fmt_ts(created),
            "updated_at": fmt_ts(created),
        }
    )
    return dup


def _merged_in_cliniko(
    p: Practice, rng: random.Random, original: dict[str, Any], reg_ts: int, i: int
) -> dict[str, Any]:
    """The same person entered again under another spelling of their first name, then merged into the original
    inside Cliniko: archived when merged, pointing at the survivor. Nothing our dedup rules compare is shared
    (no email, identifier or custom fields; the names differ), so only the source's merge can link the two."""
    first = original["first_name"]
    created = rng.randint(reg_ts + DAY, max(reg_ts + DAY, p.as_of_ts - 2 * DAY))
    merged = rng.randint(created + 60, max(created + 60, p.as_of_ts - DAY))
    merged_at = fmt_ts(merged)
    return {
        **original,
        "id": p.ids.client("patients", i, 2),
        "first_name": first[:-1] if len(first) > 3 else f"{first}e",
        "preferred_first_name": None,
        "email": None,
        "old_reference_id": None,
        "custom_fields": None,
        "medicare": None,
        "medicare_reference_number": None,
        "dva_card_number": None,
        "invoice_default_to": None,
        "invoice_email": None,
        "invoice_extra_information": None,
        "archived_at": merged_at,
        "merged_at": merged_at,
        "merged_with_patient": Links(p.country.shard).to("patients", original["id"]),
        "created_at": fmt_ts(created),
        "updated_at": merged_at,
    }


def _alerts(p: Practice, links: Links, rng: random.Random, i: int, patient_id: str, reg_ts: int, out: ChunkOut) -> None:
    if rng.random() >= 0.1:
        return
    for j, name in enumerate(rng.sample(MEDICAL_ALERTS, rng.choice((1, 1, 1, 2)))):
        created = min(reg_ts + rng.randint(0, 400) * DAY, p.as_of_ts - 60)
        deleted = fmt_ts(min(created + 200 * DAY, p.as_of_ts)) if rng.random() < 0.08 else None
        out.add(
            "medical_alerts",
            record(
                "medical_alerts",
                {
                    "id": p.ids.client("medical_alerts", i, j),
                    "name": name,
                    "deleted_at": deleted,
                    "patient": links.to("patients", patient_id),
                    "created_at": fmt_ts(created),
                    "updated_at": deleted or fmt_ts(created),
                },
            ),
        )
