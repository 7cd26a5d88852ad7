"""Canonical clinical records: condition, appointment, clinical note, document, communication."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from checks.canonical.base import CanonicalRow, Instant, LocalTime, Money, long_text, optional, ref, required

APPOINTMENT_STATUSES = ["booked", "arrived", "completed", "cancelled", "did_not_attend"]


class Condition(CanonicalRow):
    """One row per episode of care, case or claim (NZ ACC, insured, private)."""

    client_id: str = ref("client", "client the condition belongs to", nullable=False)
    name: str = optional("case or condition name")
    claim_type: str = pa.Field(nullable=True, isin=["acc", "insured", "private"], description="who pays")
    claim_number: str = optional("ACC45 or insurer claim number")
    injury_date: pl.Date = optional("date of injury")
    referrer_id: str = ref("referrer", "referring contact")
    issue_date: pl.Date = optional("referral/claim issue date")
    expiry_date: pl.Date = optional("referral/claim expiry date")
    max_sessions: pl.Int64 = optional("sessions approved")
    max_invoiceable_amount: Money = optional("most that may be invoiced against the case")
    is_referral: bool = optional("the case is a referral (e.g. a Medicare referral)")
    referral_type: str = optional("kind of referral as recorded (e.g. a Medicare referral type)")
    attendance_source_ids: str = optional("source ids of the attendances booked against the case, '; '-separated")
    is_closed: bool = required("closed in the source")
    notes: str = optional("notes")
    created_at: Instant = optional("created (UTC)")
    updated_at: Instant = optional("last updated (UTC)")


class Appointment(CanonicalRow):
    """One row per client booking (a group class yields one row per attendee)."""

    client_id: str = ref("client", "client booked", nullable=False)
    practitioner_id: str = ref("practitioner", "practitioner seeing the client", nullable=False)
    site_id: str = ref("site", "location", nullable=False)
    condition_id: str = ref("condition", "case the appointment belongs to")
    appointment_type: str = optional("appointment type name")
    starts_at: Instant = required("start (UTC)")
    ends_at: Instant = required("end (UTC)")
    starts_local: LocalTime = required("start as wall time in `time_zone` (09:00 stays 09:00)")
    ends_local: LocalTime = required("end as wall time in `time_zone`")
    time_zone: str = required("IANA zone of the site")
    status: str = pa.Field(isin=APPOINTMENT_STATUSES, description="booking status")
    cancellation_reason: str = optional("why it was cancelled")
    cancellation_note: str = optional("cancellation note")
    cancelled_at: Instant = optional("cancelled (UTC)")
    notes: str = optional("booking notes")
    is_group: bool = required("part of a group appointment (class)")
    group_id: str = optional("source id of the group appointment")
    group_notes: str = optional("notes of the group appointment (class) itself")
    repeat_rule: str = optional("the repeat series' rule as delivered (JSON); each occurrence is its own row")
    invoice_status_code: pl.Int64 = optional("invoicing status code as delivered")
    treatment_note_status_code: pl.Int64 = optional("treatment-note status code as delivered")
    is_online_booking: bool = optional("booked online by the client")
    created_at: Instant = optional("created (UTC)")
    updated_at: Instant = optional("last updated (UTC)")


class ClinicalNote(CanonicalRow):
    """One row per treatment note, letter or medical alert."""

    client_id: str = ref("client", "client the note is about", nullable=False)
    practitioner_id: str = ref("practitioner", "author")
    appointment_id: str = ref("appointment", "appointment the note records")
    note_type: str = required("template name, 'Medical alert', letter type…")
    title: str = optional("title")
    body_text: str = long_text("plain text rendering")
    body_original: str = long_text("original rich content (JSON/HTML) as delivered")
    author_name: str = optional("author as recorded")
    is_draft: bool = required("not finalised")
    created_at: Instant = optional("created (UTC)")
    updated_at: Instant = optional("last updated (UTC)")
    finalised_at: Instant = optional("finalised (UTC)")


class Document(CanonicalRow):
    """One row per attached file; the bytes stay where `storage_uri` points."""

    client_id: str = ref("client", "owner record", nullable=False)
    file_name: str = required("file name")
    mime_type: str = optional("content type")
    size_bytes: pl.Int64 = required("size in bytes (verified against the file)")
    sha256: str = pa.Field(nullable=True, str_matches=r"^[0-9a-f]{64}$", description="sha256 of the bytes")
    storage_uri: str = optional("where the bytes are (file path in the dump)")
    description: str = optional("description")
    created_at: Instant = optional("created (UTC)")
    updated_at: Instant = optional("last updated (UTC)")


class Communication(CanonicalRow):
    """One row per SMS, email, letter or call logged against a client."""

    client_id: str = ref("client", "client", nullable=False)
    channel: str = pa.Field(isin=["sms", "email", "phone", "other"], description="channel")
    direction: str = pa.Field(isin=["outbound", "inbound"], description="direction")
    category: str = optional("category (reminder, invoice, …)")
    sent_at: Instant = required("sent or logged (UTC)")
    from_address: str = optional("sender")
    to_address: str = optional("recipient")
    subject: str = optional("subject")
    body: str = optional("content")
    is_confidential: bool = optional("confidential memo")
    archived_at: Instant = optional("archived in the source (UTC)")
    created_at: Instant = optional("created (UTC)")
    updated_at: Instant = optional("last updated (UTC)")
