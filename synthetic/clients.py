"""One client's records: the patient (clean or defective), medical alerts, attachments and message log."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any

from checks.identifiers import random_dva, random_medicare, random_nhi, random_nhs_number
from synthetic import defects as dfx
from synthetic.cliniko import Links, dumps, record
from synthetic.countries import MEDICAL_ALERTS, OCCUPATIONS, REFERRAL_SOURCES, Locality
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


@dataclass(frozen=True)
class EmergencyContact:
    """Someone to call: a name, how they are related and a mobile number (country code + digits)."""

    name: str
    relationship: str
    mobile: str


@dataclass(frozen=True)
class Patient:
    """One patient record as neutral facts (days and instants as epoch numbers, contacts and identifiers as values);
    a writer lays it out in its system's shape. `defect` and `defect_field` (a neutral field name) say what is
    wrong with it when it carries a defect; `merged_into` names the patient a record was merged into."""

    id: str
    title: str | None
    first: str
    last: str
    preferred_first: str | None
    dob: int  # epoch day
    sex: str
    legacy_gender_only: bool  # recorded before 2018-12-03: only the deprecated gender, no sex
    email: str | None
    phones: tuple[tuple[str, str], ...]  # (Mobile/Home/Work, number)
    emergency: EmergencyContact | None
    occupation: str | None
    notes: str | None
    appointment_notes: str | None
    old_reference: str | None
    heard: str  # how they heard about the practice (REFERRAL_SOURCES)
    reminder_type: str  # "SMS & Email", "SMS", "Email" or "None"
    confirmation_emails: bool
    accepted_privacy_policy: bool | None
    email_marketing: bool
    sms_marketing: bool
    time_zone: str | None
    archived_ts: int | None
    concession: tuple[str, str] | None  # (concession type id, name)
    doctor: str | None  # referring doctor's contact id
    insurer: str | None  # insurer or employer contact id
    created_ts: int
    updated_ts: int
    street: str | None
    locality: Locality | None  # None: no address (a defective street may still be there)
    post_code: str | None
    billing: tuple[str, str, str] | None  # invoices go to: (company, e-mail, extra information)
    identifier: str | None  # NHI (NZ), NHS number (UK) or Medicare card number (AU)
    irn: str | None  # Medicare individual reference number (AU)
    dva: str | None  # DVA file number (AU)
    intake: Intake | None  # the intake answers; None: none recorded
    merged_ts: int | None = None
    merged_into: str | None = None
    defect: str | None = None
    defect_field: str | None = None


@dataclass(frozen=True)
class Intake:
    """The intake questionnaire's answers: preferred contact methods and the patient's GP practice ("" unknown)."""

    preferred_contact: frozenset[str]
    gp_practice: str


@dataclass(frozen=True)
class DrawnPatient:
    """A client as drawn (`person`, before any defect) and the patient records the practice holds for them
    (`records`: the person with a defect applied, or the person and a duplicate or merged second record)."""

    person: Patient
    site: int
    reg_day: int
    records: tuple[Patient, ...]

    @property
    def kind(self) -> str | None:
        """The client's patient defect kind, if any."""
        return next((r.defect for r in self.records if r.defect), None)


@dataclass(frozen=True)
class Alert:
    """A medical alert: its name, when it was recorded and when (if ever) it was deleted."""

    name: str
    created_ts: int
    deleted_ts: int | None


def draw_patient(p: Practice, rng: random.Random, i: int, plan: ClientPlan | None) -> DrawnPatient:
    """Client `i`'s patient facts and records, drawn from the client's random source in this order (the written
    dump depends on it)."""
    u = rng.random()  # must stay the first draw: registration_day() replays it
    first, sex, last, dob = p.identity.person(i)
    reg_day = _registration_day(p, u, dob)
    c = p.country
    site = 0 if rng.random() < 0.5 or len(p.sites) == 1 else rng.randrange(1, len(p.sites))
    home = p.sites[site].locality
    nearby = [loc for loc in c.localities if loc.city == home.city]
    locality = rng.choice(nearby if rng.random() < 0.75 else c.localities)
    kind = dfx.draw_patient_kind(rng, p.defect_rate, plan)
    reg_ts = p.sites[site].days.to_utc(reg_day, rng.randrange(32, 72) * 15)
    age_years = (p.as_of_day - dob) // 365

    # A client whose email (or mobile) is made invalid keeps the other contact method, so the defect
    # is the only thing wrong with the record (it must not also read as "no contact method").
    email = email_address(rng, first, last) if rng.random() < 0.88 or kind == "invalid_phone" else None
    phones: list[tuple[str, str]] = []
    if rng.random() < 0.85 or email is None or kind == "invalid_email":  # every clean client can be reached
        phones.append(("Mobile", phone_number(rng, c, mobile=True, locality=locality)))
    if rng.random() < 0.22:
        phones.append(("Home", phone_number(rng, c, mobile=False, locality=locality)))
    if rng.random() < 0.06:
        phones.append(("Work", phone_number(rng, c, mobile=False, locality=locality)))
    mobile = phones[0][1] if phones and phones[0][0] == "Mobile" else None
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
    # Each value below is drawn in this order (the conditions first, then what they guard).
    title = (
        rng.choice(("Ms", "Mrs", "Miss", "Dr", None) if sex == "Female" else ("Mr", "Dr", None))
        if age_years >= 16
        else None
    )
    preferred_first = rng.choice(p.pools.first)[0] if rng.random() < 0.05 else None
    emergency = _emergency(rng, p, locality) if rng.random() < 0.3 else None
    occupation = ("Student" if age_years < 18 else rng.choice(OCCUPATIONS)) if rng.random() < 0.55 else None
    notes = rng.choice(_NOTES) if rng.random() < 0.08 else None
    appointment_notes = "Please bring previous scans" if rng.random() < 0.03 else None
    old_reference = str(100_000 + i) if rng.random() < 0.4 else None
    reminder_type = _reminder_type(rng, email, mobile)
    confirmation_emails = email is not None and rng.random() < 0.8
    privacy = rng.choices((True, None, False), (85, 13, 2))[0]
    email_marketing = email is not None and rng.random() < 0.3
    sms_marketing = mobile is not None and rng.random() < 0.2
    time_zone = p.sites[site].zone if rng.random() < 0.35 else None
    archived_ts = _archived(rng, reg_ts, p.as_of_ts)
    updated_ts = min(reg_ts + rng.randint(0, 700) * DAY, p.as_of_ts)
    # Patients recorded before 2018-12-03 may carry only the deprecated `gender` (sections/patients.md: Cliniko
    # did not copy it into `sex`). The history window starts later, so the legacy shape is drawn on its own
    # random source (no other draw moves), whatever the registration date.
    legacy = seeded_rng(p.seed, "legacy-gender", i).random() < LEGACY_GENDER_SHARE
    has_address = rng.random() < 0.96
    street = street_address(rng, p.pools, c) if has_address else None
    code = post_code(rng, c, locality) if has_address else None
    billing = None
    if insurer and rng.random() < 0.5:
        billing = (
            insurer_name(p, insurer),
            f"claims{rng.randint(1, 9)}@example.org",
            f"Claim #{rng.randrange(10**6):06d}",
        )
    intake = _intake(p, rng, identifier.get("value") if c.code != "AU" else None, email, mobile, doctor)
    person = Patient(
        id=p.ids.client("patients", i, 0),
        title=title,
        first=first,
        last=last,
        preferred_first=preferred_first,
        dob=dob,
        sex=sex,
        legacy_gender_only=legacy,
        email=email,
        phones=tuple(phones),
        emergency=emergency,
        occupation=occupation,
        notes=notes,
        appointment_notes=appointment_notes,
        old_reference=old_reference,
        heard=heard,
        reminder_type=reminder_type,
        confirmation_emails=confirmation_emails,
        accepted_privacy_policy=privacy,
        email_marketing=email_marketing,
        sms_marketing=sms_marketing,
        time_zone=time_zone,
        archived_ts=archived_ts,
        concession=concession,
        doctor=doctor,
        insurer=insurer,
        created_ts=reg_ts,
        updated_ts=max(updated_ts, archived_ts) if archived_ts is not None else updated_ts,
        street=street,
        locality=locality if has_address else None,
        post_code=code,
        billing=billing,
        identifier=identifier.get("value"),
        irn=identifier.get("irn"),
        dva=identifier.get("dva"),
        intake=intake,
    )
    records = _patient_defect(p, rng, kind, person, i) if kind else (person,)
    return DrawnPatient(person, site, reg_day, records)


def write_patient(p: Practice, links: Links, patient: Patient, out: ChunkOut) -> None:
    """One patient record (`draw_patient`) as a Cliniko patients record, with its defect's truth; the
    `cp1252_text` one is written as cp1252 bytes."""
    c = p.country
    values: dict[str, Any] = {
        "id": patient.id,
        "title": patient.title,
        "first_name": patient.first,
        "last_name": patient.last,
        "preferred_first_name": patient.preferred_first,
        "date_of_birth": fmt_date(patient.dob),
        "sex": None if patient.legacy_gender_only else patient.sex,
        "gender_identity": None,
        "pronouns": None,
        "gender": patient.sex if patient.legacy_gender_only else None,
        "email": patient.email,
        "patient_phone_numbers": [{"phone_type": kind, "number": number} for kind, number in patient.phones],
        "emergency_contact": _emergency_text(p, patient.emergency) if patient.emergency else None,
        "occupation": patient.occupation,
        "notes": patient.notes,
        "appointment_notes": patient.appointment_notes,
        "old_reference_id": patient.old_reference,
        "referral_source": patient.heard,
        "reminder_type": patient.reminder_type,
        "receives_confirmation_emails": patient.confirmation_emails,
        "accepted_privacy_policy": patient.accepted_privacy_policy,
        "accepted_email_marketing": patient.email_marketing,
        "accepted_sms_marketing": patient.sms_marketing,
        "time_zone": patient.time_zone,
        "archived_at": fmt_ts(patient.archived_ts) if patient.archived_ts is not None else None,
        "deleted_at": None,
        "concession_type": links.to("concession_types", patient.concession[0] if patient.concession else None),
        "referring_doctor": links.to("contacts", patient.doctor),
        "created_at": fmt_ts(patient.created_ts),
        "updated_at": fmt_ts(patient.updated_ts),
    }
    if patient.locality is not None:
        values.update(
            {
                "address_1": patient.street,
                **address_lines(c, patient.locality),
                "state": patient.locality.state,
                "post_code": patient.post_code,
            }
        )
    elif patient.street is not None:  # a defective street on a patient without an address
        values["address_1"] = patient.street
    values.update({"country": c.name, "country_code": c.iso})
    if patient.billing is not None:
        values.update(
            dict(
                zip(("invoice_default_to", "invoice_email", "invoice_extra_information"), patient.billing, strict=True)
            )
        )
    if c.code == "AU" and patient.identifier:
        values.update({"medicare": patient.identifier, "medicare_reference_number": patient.irn})
    if patient.dva:
        values["dva_card_number"] = patient.dva
    values["custom_fields"] = _custom_fields(p, patient)
    if patient.merged_into is not None:
        values.update(
            {
                "merged_at": fmt_ts(patient.merged_ts or 0),
                "merged_with_patient": links.to("patients", patient.merged_into),
            }
        )
    if patient.defect is None:
        out.add("patients", record("patients", values))
        return
    out.defects.append(dfx.truth(patient.defect, patient.id, _cliniko_field(c.code, patient.defect_field)))
    if patient.defect == "cp1252_text":
        out.add_line("patients", dfx.cp1252_line(dumps(dfx.cp1252_safe(record("patients", values)))))
    else:
        out.add("patients", record("patients", values))


def _cliniko_field(country: str, neutral: str | None) -> str | None:
    """The Cliniko patients field a neutral field name is written to (the ground truth names it)."""
    if neutral == "identifier":
        return "medicare" if country == "AU" else "custom_fields"
    return {"phones": "patient_phone_numbers", "street": "address_1", "merged_into": "merged_with_patient"}.get(
        neutral or "", neutral
    )


def draw_alerts(p: Practice, rng: random.Random, reg_ts: int) -> list[Alert]:
    """About one patient in ten has one or two medical alerts, recorded after registration."""
    if rng.random() >= 0.1:
        return []
    alerts = []
    for name in rng.sample(MEDICAL_ALERTS, rng.choice((1, 1, 1, 2))):
        created = min(reg_ts + rng.randint(0, 400) * DAY, p.as_of_ts - 60)
        deleted = min(created + 200 * DAY, p.as_of_ts) if rng.random() < 0.08 else None
        alerts.append(Alert(name, created, deleted))
    return alerts


def generate_client(p: Practice, links: Links, i: int, plan: ClientPlan | None, out: ChunkOut) -> None:
    """Write every record of client `i` into `out`: each family's facts are drawn from the client's random source
    (in this order) and written as Cliniko records."""
    rng = client_rng(p, i)
    drawn = draw_patient(p, rng, i, plan)
    for patient in drawn.records:
        write_patient(p, links, patient, out)
    person, kind = drawn.person, drawn.kind
    _write_alerts(p, links, i, person.id, draw_alerts(p, rng, person.created_ts), out)
    ok = kind != "no_contact_method"
    mobile = person.phones[0][1] if person.phones and person.phones[0][0] == "Mobile" else None
    facts = ClientFacts(
        i=i,
        patient_id=person.id,
        full_name=f"{person.first} {person.last}",
        site=drawn.site,
        practitioner=rng.choice(p.site_practitioners[drawn.site]),
        reg_ts=person.created_ts,
        reg_day=drawn.reg_day,
        email=person.email if ok and kind != "invalid_email" else None,
        mobile=mobile if ok and kind != "invalid_phone" else None,
        sms_reminders=ok and mobile is not None and "SMS" in person.reminder_type,
        email_reminders=ok and person.email is not None and "Email" in person.reminder_type,
        concession=person.concession[1] if person.concession else None,
        insurer_contact=person.insurer,
        referrer_contact=person.doctor,
        clean=plan is not None and plan.clean,
    )
    visits = generate_visits(p, links, rng, facts, plan, out)
    if rng.random() < 0.1:
        write_attachments(p, links, rng, facts, visits, out)
    write_communications(p, links, rng, facts, visits, out)
    write_forms_and_referral(p, links, i, person.id, person.created_ts, visits, out)


def _identifier(p: Practice, rng: random.Random, i: int, age_years: int) -> dict[str, Any]:
    code = p.country.code
    if code == "NZ":
        return {"value": p.identity.nhi(i) if rng.random() < 0.8 else None}
    if code == "UK":
        return {"value": p.identity.nhs(i) if rng.random() < 0.85 else None}
    medicare = p.identity.medicare(i, rng) if rng.random() < 0.75 else None
    dva = random_dva(rng) if age_years > 55 and rng.random() < 0.08 else None
    return {"value": medicare[0] if medicare else None, "irn": medicare[1] if medicare else None, "dva": dva}


def _archived(rng: random.Random, reg_ts: int, as_of_ts: int) -> int | None:
    """About 3 % of patients were archived some time after registering (never after the dump)."""
    if rng.random() >= 0.03:
        return None
    ts = reg_ts + rng.randint(30, 900) * DAY
    return ts if ts < as_of_ts else None


def _reminder_type(rng: random.Random, email: str | None, mobile: str | None) -> str:
    if rng.random() < 0.04:
        return "None"
    if email and mobile:
        return rng.choice(("SMS & Email", "SMS & Email", "SMS", "Email"))
    return "Email" if email else "SMS" if mobile else "None"


def _emergency(rng: random.Random, p: Practice, locality: Any) -> EmergencyContact:
    name = f"{rng.choice(p.pools.first)[0]} {rng.choice(p.pools.last)}"
    number = phone_number(rng, p.country, mobile=True, locality=locality)
    return EmergencyContact(name, rng.choice(_RELATIONS), number)


def _emergency_text(p: Practice, contact: EmergencyContact) -> str:
    """Cliniko's emergency contact is one free-text line: "Jane Smith (mother) 021 123 4567"."""
    return f"{contact.name} ({contact.relationship}) {local_display(contact.mobile, p.country)}"


def _intake(
    p: Practice,
    rng: random.Random,
    identifier: str | None,
    email: str | None,
    mobile: str | None,
    doctor: str | None,
) -> Intake | None:
    """The patient's intake answers; about one in ten patients without an identifier field has none."""
    if identifier is None and rng.random() < 0.1:
        return None
    wants = {"SMS"} if mobile else set()
    wants |= {"Email"} if email else set()
    wants |= {"Phone call"} if rng.random() < 0.1 else set()
    gp = f"{rng.choice(p.country.localities).suburb} Medical Centre" if doctor or rng.random() < 0.4 else ""
    return Intake(frozenset(wants), gp)


def _custom_fields(p: Practice, patient: Patient) -> dict[str, Any] | None:
    """The patient's answers in the custom-field sections that the settings record defines: the health identifier
    (NZ NHI, UK NHS number) and the intake questions; none without intake answers."""
    if patient.intake is None:
        return None
    cf = p.custom
    identifier = patient.identifier if p.country.code != "AU" else None
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
    wants = patient.intake.preferred_contact
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
                        {"name": n, "token": t, "selected": True} if n == patient.heard else {"name": n, "token": t}
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
                {"name": "GP practice", "type": "text", "token": cf.gp_field, "value": patient.intake.gp_practice},
            ],
        }
    )
    return {"sections": sections}


def _patient_defect(p: Practice, rng: random.Random, kind: str, person: Patient, i: int) -> tuple[Patient, ...]:
    """The patient records of a client whose defect is `kind`: the person made defective in that way, or the
    person and a second record of them (`duplicate_client`, `merged_in_source`)."""
    if kind == "invalid_email":
        return (
            replace(
                person,
                email=dfx.bad_email(rng, person.email, person.first, person.last),
                defect=kind,
                defect_field="email",
            ),
        )
    if kind == "invalid_phone":
        phones = list(person.phones)
        if not phones or phones[0][0] != "Mobile":
            phones.insert(0, ("Mobile", p.country.calling_code + "21"))
        phones[0] = ("Mobile", dfx.bad_phone(rng, phones[0][1]))
        return (replace(person, phones=tuple(phones), defect=kind, defect_field="phones"),)
    if kind == "duplicate_client":  # the original stays clean and a second record of the same person follows
        return person, _duplicate(p, rng, person, i)
    if kind == "merged_in_source":  # the survivor and the archived record merged into it
        return person, _merged_in_cliniko(p, rng, person, i)
    if kind == "future_date_of_birth":
        return (replace(person, dob=p.as_of_day + rng.randint(1, 3650), defect=kind, defect_field="date_of_birth"),)
    if kind in ("cp1252_text", "mojibake_text"):
        fields = ("first_name", "last_name", "street") if kind == "cp1252_text" else ("first_name", "last_name")
        field_name = rng.choice(fields)
        text = dfx.accented_text(rng, person.sex, "address_1" if field_name == "street" else field_name, person.street)
        if kind == "mojibake_text":
            text = dfx.mojibake(text)
        attribute = {"first_name": "first", "last_name": "last", "street": "street"}[field_name]
        return (replace(person, **{attribute: text}, defect=kind, defect_field=field_name),)
    if kind == "invalid_identifier":
        assert person.identifier is not None  # draw_patient gives a client with this defect an identifier
        corrupted = dfx.corrupt_identifier(p.country.code, person.identifier)
        return (replace(person, identifier=corrupted, defect=kind, defect_field="identifier"),)
    # no_contact_method
    return (
        replace(
            person,
            email=None,
            phones=(),
            reminder_type="None",
            confirmation_emails=False,
            email_marketing=False,
            sms_marketing=False,
            defect=kind,
            defect_field=None,
        ),
    )


def _duplicate(p: Practice, rng: random.Random, original: Patient, i: int) -> Patient:
    """A second record of the same person, created later: names differ only by case or spacing."""
    first, last = original.first, original.last
    dup_first = rng.choice((first.upper(), first.lower(), f" {first}", f"{first}  "))
    dup_last = rng.choice((last, last.upper(), f"{last} ", f"  {last}"))
    reg_ts = original.created_ts
    created = rng.randint(reg_ts + DAY, max(reg_ts + DAY, p.as_of_ts - DAY))
    email = original.email if rng.random() < 0.5 else None
    phones = original.phones if rng.random() < 0.7 or not original.email else ()
    return replace(
        original,
        id=p.ids.client("patients", i, 1),
        first=dup_first,
        last=dup_last,
        email=email,
        phones=phones,
        old_reference=None,
        intake=None,
        archived_ts=None,
        created_ts=created,
        updated_ts=created,
        defect="duplicate_client",
        defect_field=None,
    )


def _merged_in_cliniko(p: Practice, rng: random.Random, original: Patient, i: int) -> Patient:
    """The same person entered again under another spelling of their first name, then merged into the original
    inside Cliniko: archived when merged, pointing at the survivor. Nothing our dedup rules compare is shared
    (no email, identifier or custom fields; the names differ), so only the source's merge can link the two."""
    first = original.first
    reg_ts = original.created_ts
    created = rng.randint(reg_ts + DAY, max(reg_ts + DAY, p.as_of_ts - 2 * DAY))
    merged = rng.randint(created + 60, max(created + 60, p.as_of_ts - DAY))
    return replace(
        original,
        id=p.ids.client("patients", i, 2),
        first=first[:-1] if len(first) > 3 else f"{first}e",
        preferred_first=None,
        email=None,
        old_reference=None,
        intake=None,
        identifier=None,
        irn=None,
        dva=None,
        billing=None,
        archived_ts=merged,
        merged_ts=merged,
        merged_into=original.id,
        created_ts=created,
        updated_ts=merged,
        defect="merged_in_source",
        defect_field="merged_into",
    )


def _write_alerts(p: Practice, links: Links, i: int, patient_id: str, alerts: list[Alert], out: ChunkOut) -> None:
    """The patient's medical alerts (`draw_alerts`) as Cliniko records."""
    for j, alert in enumerate(alerts):
        deleted = fmt_ts(alert.deleted_ts) if alert.deleted_ts is not None else None
        out.add(
            "medical_alerts",
            record(
                "medical_alerts",
                {
                    "id": p.ids.client("medical_alerts", i, j),
                    "name": alert.name,
                    "deleted_at": deleted,
                    "patient": links.to("patients", patient_id),
                    "created_at": fmt_ts(alert.created_ts),
                    "updated_at": deleted or fmt_ts(alert.created_ts),
                },
            ),
        )
