"""Defects the generator can inject, which records may carry them, and the edits that make them."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from checks.identifiers import corrupt_check_digit
from synthetic.ids import seeded_rng

# kind → (canonical entity, resource). Patient kinds are drawn per client, appointment kinds per
# eligible appointment, the invoice kind per invoice; a record never carries two.
PATIENT_KINDS = (
    "invalid_email",
    "invalid_phone",
    "duplicate_client",
    "future_date_of_birth",
    "cp1252_text",
    "mojibake_text",
    "invalid_identifier",
    "no_contact_method",
    # A second record of the person that the practice merged inside Cliniko: archived, with merged_at and
    # merged_with_patient naming the survivor (sections/patients.md, Get Archived Patients). No rule of ours
    # would match it (another spelling, no shared email or identifier): only the source's merge links them.
    "merged_in_source",
)
APPOINTMENT_KINDS = ("orphan_appointment", "dst_gap_appointment", "ends_before_start")
INVOICE_KINDS = ("invoice_lines_mismatch",)
KINDS: dict[str, tuple[str, str]] = {
    **{k: ("client", "patients") for k in PATIENT_KINDS},
    **{k: ("appointment", "individual_appointments") for k in APPOINTMENT_KINDS},
    **{k: ("invoice", "invoices") for k in INVOICE_KINDS},
}

# Non-ASCII names for the encoding defects: each has characters cp1252 can encode and whose UTF-8
# bytes, read as cp1252, make visible mojibake (research/sources.md §5.4).
_ACCENTED = {
    "Female": ("Renée", "Zoë", "Chloé", "Mélanie", "Anaïs"),
    "Male": ("José", "André", "Jürgen", "Léon"),
}
_ACCENTED_LAST = ("O’Brien", "Müller", "Doré", "D’Souza", "Gómez")
_ACCENTED_STREETS = ("Rue Hélène", "Côte Road", "Müllerstraße Lane", "Château Drive", "Café Lane")
_BAD_EMAILS = ("{a}.{b}@@{d}", "{a}.{b}.{d}", "{a} {b}@{d}", "{a}.{b}@{d}.", "@{d}", "{a}.{b}@")


def patient_probability(rate: float) -> float:
    """Per-client probability of each patient kind, capped so the kinds stay mutually exclusive."""
    return min(rate, 1 / len(PATIENT_KINDS))


def appointment_probability(rate: float) -> float:
    """Per-appointment probability of each appointment kind, capped likewise."""
    return min(rate, 1 / len(APPOINTMENT_KINDS))


@dataclass
class ClientPlan:
    """What the planner decided for one client before generation: a forced defect, or clean DST visits."""

    forced: str | None = None
    dst_visits: list[tuple[int, str, int]] = field(default_factory=list)  # (day, kind, site index)

    @property
    def clean(self) -> bool:
        """Clients with DST-day visits carry no defect at all, so those visits are certainly clean."""
        return bool(self.dst_visits)


def plan_forced(seed: int, clients: int, rate: float) -> dict[int, ClientPlan]:
    """One client per kind is forced to carry it, so every kind occurs when rate > 0 and clients ≥ 50.

    Args:
        seed: The run's seed.
        clients: How many clients the practice has.
        rate: The defect rate.

    Returns:
        Plans keyed by client index (empty when no defects are asked for or there are too few clients).
    """
    if rate <= 0 or clients < len(KINDS):
        return {}
    rng = seeded_rng(seed, "forced-defects")
    chosen = rng.sample(range(clients), len(KINDS))
    return {i: ClientPlan(forced=kind) for i, kind in zip(chosen, KINDS, strict=True)}


def draw_patient_kind(rng: random.Random, rate: float, plan: ClientPlan | None) -> str | None:
    """The patient defect of this client, if any (always consumes one draw, for a stable stream)."""
    u = rng.random()
    if plan is not None:
        if plan.clean:
            return None
        if plan.forced in PATIENT_KINDS:
            return plan.forced
    p = patient_probability(rate)
    return PATIENT_KINDS[int(u / p)] if p > 0 and u < p * len(PATIENT_KINDS) else None


def draw_appointment_kind(rng: random.Random, rate: float) -> str | None:
    """The defect of one eligible appointment, if any."""
    u = rng.random()
    p = appointment_probability(rate)
    return APPOINTMENT_KINDS[int(u / p)] if p > 0 and u < p * len(APPOINTMENT_KINDS) else None


def truth(kind: str, source_id: str, field_name: str | None) -> dict[str, Any]:
    """One ground-truth entry."""
    entity, resource = KINDS[kind]
    return {"entity": entity, "source_id": source_id, "resource": resource, "kind": kind, "field": field_name}


def bad_email(rng: random.Random, email: str | None, first: str, last: str) -> str:
    """A malformed address the Cliniko e-mail pattern rejects: doubled @, no @, a space, trailing dot …"""
    local, _, domain = (email or f"{first}.{last}@example.com").partition("@")
    a, _, b = local.partition(".")
    return rng.choice(_BAD_EMAILS).format(a=a or first.lower(), b=b or last.lower(), d=domain)


def bad_phone(rng: random.Random, number: str) -> str:
    """An impossible phone number: cut to 4–6 characters, sometimes with letters after the digits.

    Always too short even where a parser maps letters to keypad digits (phonenumbers does), so no
    library can read it as a real number.
    """
    short = number[: rng.randint(4, 6)]
    return short if rng.random() < 0.5 else short + rng.choice(("x", "ab", "O"))


def mojibake(text: str) -> str:
    """UTF-8 bytes read as cp1252: "José" → "JosÃ©", "O’Brien" → "Oâ€™Brien"."""
    return text.encode("utf-8").decode("cp1252", errors="replace")


def accented_text(rng: random.Random, sex: str, field_name: str, address: str | None) -> str:
    """A non-ASCII name or street, valid in cp1252 as in UTF-8, for the encoding defects."""
    if field_name == "first_name":
        return rng.choice(_ACCENTED[sex])
    if field_name == "last_name":
        return rng.choice(_ACCENTED_LAST)
    number = (address or "1").split(" ")[0]
    return f"{number} {rng.choice(_ACCENTED_STREETS)}"


def cp1252_safe(value: Any) -> Any:
    """A value whose text cp1252 can encode: characters it lacks (e.g. Māori macrons) lose their accent."""
    if isinstance(value, str):
        try:
            value.encode("cp1252")
        except UnicodeEncodeError:
            return unicodedata.normalize("NFKD", value).encode("cp1252", "ignore").decode("cp1252")
        return value
    if isinstance(value, dict):
        return {k: cp1252_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cp1252_safe(v) for v in value]
    return value


def cp1252_line(line: str) -> str:
    """A JSON line written as cp1252 bytes, carried as text: its non-UTF-8 bytes become lone surrogates
    (surrogateescape), and the writer encodes with surrogateescape, so exactly those bytes land on disk."""
    return line.encode("cp1252").decode("utf-8", errors="surrogateescape")


def corrupt_identifier(country: str, value: str) -> str:
    """The country's identifier with a wrong check character (NHI, Medicare card number, NHS number)."""
    kind = {"NZ": "nhi", "AU": "medicare", "UK": "nhs"}[country]
    return corrupt_check_digit(value, kind=kind)
