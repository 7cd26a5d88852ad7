"""Intake and consent forms and structured referrals (redguava/cliniko-api sections/patient_forms.md,
patient_form_templates.md, referral_sources.md, referral_source_types.md).

Each client's forms and referral come from the client's own random source for this purpose, never the
one the rest of the client's records draw from, so adding them changed no other record of a practice.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from synthetic.cliniko import Links, record
from synthetic.ids import seeded_rng
from synthetic.output import ChunkOut
from synthetic.practice import Practice
from synthetic.timeline import DAY, fmt_ts
from synthetic.visits import Visit

INTAKE = "New Patient Intake"
CONSENT = "Consent to treatment"
# (name, referrer_type, subcategories): Cliniko's three built-in types and one the practice defined
# (the documentation's examples: "Client", "Contact", "Other", and a custom type with subcategories).
REFERRAL_TYPES: tuple[tuple[str, str | None, tuple[str, ...] | None], ...] = (
    ("Client", "Patient", None),
    ("Contact", "Contact", None),
    ("Other", None, None),
    ("Internet", None, ("Google", "Facebook", "Instagram")),
)
_HISTORY = (
    "No previous injuries.",
    "Knee reconstruction 2015.",
    "Lower back pain on and off for years.",
    "Asthma, well controlled.",
)
_SYMPTOMS = ("Pain", "Stiffness", "Swelling", "Pins and needles", "Weakness")
_REFERRAL_NOTES = ("Recommended by a friend", "Saw our sign", None, None)


def _intake_content(answers: tuple[str, list[str]] | None) -> dict[str, Any]:
    history, symptoms = answers if answers else (None, [])
    history_question: dict[str, Any] = {"name": "Please describe your medical history.", "type": "paragraph"}
    if history is not None:
        history_question["answer"] = history
    return {
        "sections": [
            {"name": "Medical History", "questions": [{**history_question, "required": True}]},
            {
                "name": "Current Condition",
                "questions": [
                    {
                        "name": "Which of the following symptoms do you have?",
                        "type": "checkboxes",
                        "answers": [
                            {"value": s, "selected": True} if s in symptoms else {"value": s} for s in _SYMPTOMS
                        ],
                        "required": False,
                    }
                ],
            },
        ]
    }


def _consent_content(signature_id: str | None) -> dict[str, Any]:
    question: dict[str, Any] = {"name": "I consent to assessment and treatment", "type": "signature", "required": True}
    if signature_id is not None:
        question["signature_id"] = signature_id
    return {
        "sections": [{"name": "Consent", "description": "<div>Please read and sign.</div>", "questions": [question]}]
    }


def practice_form_records(p: Practice) -> Iterator[tuple[str, dict[str, Any]]]:
    """The practice's referral source types and patient form templates."""
    created = fmt_ts((p.registration_start - 300) * DAY + 23 * 3600)
    stamps = {"created_at": created, "updated_at": created}
    for k, (name, referrer_type, subcategories) in enumerate(REFERRAL_TYPES):
        yield (
            "referral_source_types",
            record(
                "referral_source_types",
                {
                    "id": p.ids.setup("referral_source_types", k),
                    "name": name,
                    "referrer_type": referrer_type,
                    "subcategories": list(subcategories) if subcategories else None,
                    **stamps,
                },
            ),
        )
    for k, (name, content) in enumerate(((INTAKE, _intake_content(None)), (CONSENT, _consent_content(None)))):
        yield (
            "patient_form_templates",
            record(
                "patient_form_templates",
                {
                    "id": p.ids.setup("patient_form_templates", k),
                    "name": name,
                    "content": content,
                    "restricted_to_practitioner": False,
                    **stamps,
                },
            ),
        )


@dataclass(frozen=True)
class Referral:
    """How a client came to the practice: the type (index in REFERRAL_TYPES), who referred them (resource and id)
    if a patient or contact did, a subcategory and a note."""

    kind: int
    referrer: tuple[str, str] | None
    subcategory: str | None
    notes: str | None


@dataclass(frozen=True)
class IntakeForms:
    """A client's intake form, sent with their first booking (`booking_id`) at `sent`, completed (with answers)
    unless still to come, and with a signed consent form beside it when `signed`."""

    booking_id: str
    sent: int
    completed: int | None
    answers: tuple[str, list[str]] | None
    signed: bool


def draw_forms_and_referral(
    p: Practice, i: int, reg_ts: int, visits: list[Visit]
) -> tuple[Referral | None, IntakeForms | None]:
    """Client `i`'s referral (about a third of clients) and forms (an intake form for about half, sent with their
    first booking and completed before it unless it is still to come; a signed consent for some), drawn from the
    client's own forms random source in this order (the written dump depends on it)."""
    rng = seeded_rng(p.seed, "client-forms", i)
    referral = _draw_referral(p, rng, i)
    booked = [v for v in visits if v.defect is None and v.id and v.created_ts < p.as_of_ts - 60]
    if not booked or rng.random() >= 0.5:
        return referral, None
    first = min(booked, key=lambda v: (v.created_ts, v.id))
    sent = max(first.created_ts, reg_ts) + 60
    completed: int | None = None
    if rng.random() < 0.9:
        completed = min(sent + rng.randint(600, 2 * DAY), max(sent, first.start_ts - 300), p.as_of_ts)
    answers = (rng.choice(_HISTORY), rng.sample(_SYMPTOMS, rng.randint(1, 2))) if completed else None
    signed = bool(completed) and rng.random() < 0.3
    return referral, IntakeForms(str(first.id), sent, completed, answers, signed)


def write_forms_and_referral(
    p: Practice, links: Links, i: int, patient_id: str, reg_ts: int, visits: list[Visit], out: ChunkOut
) -> None:
    """Client `i`'s referral and forms (`draw_forms_and_referral`) as Cliniko records."""
    referral, intake = draw_forms_and_referral(p, i, reg_ts, visits)
    if referral is not None:
        _, referrer_type, _ = REFERRAL_TYPES[referral.kind]
        out.add(
            "referral_sources",
            record(
                "referral_sources",
                {
                    "patient": links.to("patients", patient_id),
                    "referral_source_type": links.to(
                        "referral_source_types", p.ids.setup("referral_source_types", referral.kind)
                    ),
                    "referrer": links.to(*referral.referrer) if referral.referrer else None,
                    "referrer_type": referrer_type,
                    "subcategory": referral.subcategory,
                    "notes": referral.notes,
                },
            ),
        )
    if intake is None:
        return
    forms: list[tuple[str, dict[str, Any], str | None]] = [(INTAKE, _intake_content(intake.answers), None)]
    if intake.signed:
        signature = p.ids.client("patient_forms", i, 9)  # a signature id of the same 19-digit shape
        forms.append((CONSENT, _consent_content(signature), signature))
    completed = intake.completed
    for j, (name, content, signature) in enumerate(forms):
        form_id = p.ids.client("patient_forms", i, j)
        out.add(
            "patient_forms",
            record(
                "patient_forms",
                {
                    "id": form_id,
                    "name": name,
                    "content": content,
                    "completed_at": fmt_ts(completed) if completed else None,
                    "restricted_to_practitioner": False,
                    "url": f"https://{p.domain}/f/?{form_id}",
                    "signatures": [{"links": {"self": f"{links.base}/patient_forms/{form_id}/signatures/{signature}"}}]
                    if signature
                    else None,
                    "patient": links.to("patients", patient_id),
                    "booking": links.to("bookings", intake.booking_id),
                    "attendee": None,
                    "created_at": fmt_ts(intake.sent),
                    "updated_at": fmt_ts(completed or intake.sent),
                },
            ),
        )


def _draw_referral(p: Practice, rng: random.Random, i: int) -> Referral | None:
    if rng.random() >= 0.35:
        return None
    kind = rng.choices(range(len(REFERRAL_TYPES)), (30 if p.clients > 1 else 0, 25, 15, 30))[0]
    _name, referrer_type, subcategories = REFERRAL_TYPES[kind]
    referrer = None
    if referrer_type == "Patient":  # another client of the practice
        other = (i + 1 + rng.randrange(p.clients - 1)) % p.clients
        referrer = ("patients", p.ids.client("patients", other, 0))
    elif referrer_type == "Contact":  # a referring doctor mostly, else another contact (an employer, an insurer)
        n = rng.randrange(p.doctors) if rng.random() < 0.7 else p.doctors + rng.randrange(p.other_contacts)
        referrer = ("contacts", p.ids.setup("contacts", n))
    subcategory = rng.choice(subcategories) if subcategories else None
    return Referral(kind, referrer, subcategory, rng.choice(_REFERRAL_NOTES))
