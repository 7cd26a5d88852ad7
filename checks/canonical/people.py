"""Canonical people and places: site, practitioner, client, client organisation, referrer."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from checks.canonical.base import CanonicalRow, Instant, optional, ref, required

SEXES = ["female", "male", "intersex", "unknown"]


class Site(CanonicalRow):
    """One row per practice location (Cliniko business)."""

    name: str = required("location name")
    legal_name: str = optional("registered business name")
    registration_number: str = optional("business registration (ABN, NZBN, company number)")
    address_line_1: str = optional("street address")
    address_line_2: str = optional("address line 2")
    city: str = optional("city or suburb")
    state: str = optional("state or region")
    postcode: str = optional("postcode")
    country_code: str = optional("ISO 3166-1 alpha-2")
    phone: str = optional("E.164 phone")
    contact_information: str = optional("the location's contact details as written (e.g. 'Phone: …')")
    email: str = optional("email address")
    website: str = optional("web address")
    time_zone: str = required("IANA zone of the location; appointments keep local time in it")
    is_archived: bool = required("archived in the source")
    created_at: Instant = optional("created (UTC)")
    updated_at: Instant = optional("last updated (UTC)")


class Practitioner(CanonicalRow):
    """One row per clinician (the owner-matching key is the email)."""

    title: str = optional("title")
    first_name: str = optional("given name")
    last_name: str = required("family name")
    display_name: str = optional("name shown on bookings")
    email: str = optional("email (matches the target's users)")
    profession: str = optional("designation / profession")
    specialty: str = optional("clinical specialty or area of practice (e.g. sports, pelvic health)")
    registration_numbers: str = optional("provider/registration numbers, '; '-separated")
    is_active: bool = required("active in the source")
    created_at: Instant = optional("created (UTC)")
    updated_at: Instant = optional("last updated (UTC)")


class Client(CanonicalRow):
    """One row per patient (duplicates merged into one survivor)."""

    title: str = optional("title")
    first_name: str = optional("given name")
    middle_name: str = optional("middle names")
    last_name: str = required("family name")
    preferred_name: str = optional("preferred given name")
    date_of_birth: pl.Date = optional("date of birth")
    sex: str = pa.Field(nullable=True, isin=SEXES, description="sex recorded for clinical purposes")
    sex_as_recorded: str = optional("the source's own wording of sex or legacy gender (e.g. 'Female to Male')")
    gender_identity: str = optional("gender identity as stated")
    pronouns: str = optional("pronouns")
    email: str = optional("normalised email")
    mobile_phone: str = optional("E.164 mobile")
    home_phone: str = optional("E.164 home phone")
    work_phone: str = optional("E.164 work phone")
    address_line_1: str = optional("street address")
    address_line_2: str = optional("address line 2")
    address_line_3: str = optional("address line 3")
    city: str = optional("city or suburb")
    state: str = optional("state or region")
    postcode: str = optional("postcode")
    country_code: str = optional("ISO 3166-1 alpha-2")
    country: str = optional("country as written in the source")
    nhi: str = optional("NZ National Health Index (check character validated)")
    medicare_number: str = optional("AU Medicare card number (check digit validated)")
    medicare_irn: str = optional("AU Medicare individual reference number 1–9")
    nhs_number: str = optional("UK NHS number (check digit validated)")
    dva_number: str = optional("AU DVA file number (format validated)")
    emergency_contact: str = optional("emergency contact as recorded")
    occupation: str = optional("occupation")
    notes: str = optional("general notes")
    referrer_id: str = ref("referrer", "referring doctor")
    referral_source: str = optional("how the client was referred")
    referral_source_type: str = optional("the structured referral's category as recorded (e.g. 'Contact', 'Internet')")
    referral_subcategory: str = optional("the category's choice the referral names (e.g. 'Google')")
    referral_notes: str = optional("notes written about the referral")
    referred_by_client_id: str = ref("client", "the client who referred this one")
    referred_by_organisation_id: str = ref("client_organisation", "the organisation (not a doctor) that referred them")
    concession_type: str = optional("concession type name")
    is_privacy_policy_accepted: bool = optional("privacy policy consent")
    is_email_marketing_accepted: bool = optional("email marketing consent")
    is_sms_marketing_accepted: bool = optional("SMS marketing consent")
    reminder_preference: str = optional("how the client wants appointment reminders, as recorded (SMS, Email…)")
    is_confirmation_email_accepted: bool = optional("receives booking confirmation emails")
    appointment_notes: str = optional("notes shown with every booking of the client")
    invoice_to: str = optional("who the client's invoices are addressed to by default (e.g. an insurer)")
    invoice_email: str = optional("email the client's invoices are sent to")
    invoice_extra_information: str = optional("text printed on the client's invoices (insurer, claim numbers)")
    legacy_reference: str = optional("the record's id in the system before the source")
    merged_into_id: str = optional("canonical id of the client the source system merged this record into")
    merged_at: Instant = optional("merged into another client in the source (UTC)")
    is_archived: bool = required("archived in the source")
    archived_at: Instant = optional("archived (UTC)")
    time_zone: str = optional("client's own IANA zone when recorded")
    created_at: Instant = optional("created (UTC)")
    updated_at: Instant = optional("last updated (UTC)")


class ClientOrganisation(CanonicalRow):
    """One row per employer, insurer or other third-party organisation."""

    name: str = required("organisation name")
    organisation_type: str = optional("insurer, employer, lawyer, other…")
    contact_name: str = optional("person to contact")
    email: str = optional("normalised email")
    phone: str = optional("E.164 phone")
    address_line_1: str = optional("street address")
    address_line_2: str = optional("address line 2")
    address_line_3: str = optional("address line 3")
    city: str = optional("city or suburb")
    state: str = optional("state or region")
    postcode: str = optional("postcode")
    country_code: str = optional("ISO 3166-1 alpha-2")
    country: str = optional("country as written in the source")
    notes: str = optional("notes")
    archived_at: Instant = optional("archived in the source (UTC)")
    created_at: Instant = optional("created (UTC)")
    updated_at: Instant = optional("last updated (UTC)")


class Referrer(CanonicalRow):
    """One row per referring GP, specialist or other referrer."""

    title: str = optional("title")
    first_name: str = optional("given name")
    last_name: str = required("family name")
    preferred_name: str = optional("preferred given name")
    organisation_name: str = optional("practice or company")
    provider_number: str = optional("provider number")
    referral_type: str = pa.Field(isin=["doctor", "other"], description="kind of referrer")
    doctor_type: str = optional("kind of doctor as recorded (GP, specialist…)")
    email: str = optional("normalised email")
    phone: str = optional("E.164 phone")
    address_line_1: str = optional("street address")
    address_line_2: str = optional("address line 2")
    address_line_3: str = optional("address line 3")
    city: str = optional("city or suburb")
    state: str = optional("state or region")
    postcode: str = optional("postcode")
    country_code: str = optional("ISO 3166-1 alpha-2")
    country: str = optional("country as written in the source")
    notes: str = optional("notes")
    archived_at: Instant = optional("archived in the source (UTC)")
    created_at: Instant = optional("created (UTC)")
    updated_at: Instant = optional("last updated (UTC)")
