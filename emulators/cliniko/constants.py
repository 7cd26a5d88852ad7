"""Cliniko API facts the emulator reproduces, each with the research/sources.md section it comes from."""

from __future__ import annotations

# §2.1: every URL starts with https://api.{shard}.cliniko.com/v1; the emulator's URL stands in for it.
API_PREFIX = "/v1"
REAL_BASE_TEMPLATE = "https://api.{shard}.cliniko.com/v1"
# redguava/cliniko-api guides/sharding.md: https://api.cliniko.com is the same as https://api.au1.cliniko.com.
REAL_BASE_PATTERN = r"https://api\.(?:(\w+)\.)?cliniko\.com/v1/"
UNSHARDED_BASE = "https://api.cliniko.com/v1"
CONTROL_PREFIX = "/_emulator"

# §2.1: the key ends with "-<shard>"; validate the shard with /\w{2}\d{1,2}/i; a key without one is au1.
SHARD_PATTERN = r"\w{2}\d{1,2}"
DEFAULT_SHARD = "au1"
# §2.1: User-Agent "APP_VENDOR_NAME (APP_VENDOR_EMAIL)" — a name and a contact e-mail in parentheses.
USER_AGENT_PATTERN = r"^\s*[^\s(][^(]*\(\s*[^\s()@]+@[^\s()@]+\.[^\s()@]+\s*\)\s*$"

# §2.2: 200 requests per minute per user (per API key here); limits have changed before, so configurable.
RATE_LIMIT_REQUESTS = 200
RATE_LIMIT_WINDOW_SECONDS = 60.0

# §2.3: 50 per page by default, up to 100 with per_page.
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
# §2.3: default order is ascending created_at; id breaks ties so paging is stable (cliniko-api#106).
DEFAULT_SORT = (("created_at", False), ("id", False))

# §2.4 filter value kinds and the operators each accepts.
DATETIME, DATE, INTEGER, STRING = "DateTime", "Date", "Integer", "String"
OPERATORS: dict[str, frozenset[str]] = {
    DATETIME: frozenset({">=", ">", "<=", "<"}),
    DATE: frozenset({"=", ">=", ">", "<=", "<"}),
    INTEGER: frozenset({"=", "!=", ">=", ">", "<=", "<"}),
    STRING: frozenset({"=", "!=", "~", "~~"}),
}

_STAMPS = {"created_at": DATETIME, "updated_at": DATETIME, "id": INTEGER}


def _filters(**extra: str) -> dict[str, str]:
    return {**_STAMPS, **extra}


# §2.7 "Filters" of every resource a dump holds. Ids listed there as String or BigInt are 64-bit integers
# serialised as strings (§2.5), so every `id` / `*_id` filter compares as an integer and takes `=1,2,3`.
FILTERS: dict[str, dict[str, str]] = {
    "businesses": _filters(),
    "users": _filters(),
    "practitioners": _filters(user_id=INTEGER),
    "practitioner_reference_numbers": _filters(business_id=INTEGER, practitioner_id=INTEGER),
    "appointment_types": _filters(),
    "billable_items": _filters(tax_id=INTEGER),
    "taxes": _filters(),
    "concession_types": _filters(),
    "contacts": _filters(email=STRING, first_name=STRING, last_name=STRING, type_code=INTEGER),
    "patients": _filters(
        date_of_birth=DATE, email=STRING, first_name=STRING, last_name=STRING, old_reference_id=STRING
    ),
    "medical_alerts": _filters(patient_id=INTEGER),
    "patient_cases": _filters(expiry_date=DATE, patient_id=INTEGER),
    "individual_appointments": _filters(
        appointment_type_id=INTEGER,
        archived_at=DATETIME,
        business_id=INTEGER,
        cancelled_at=DATETIME,
        ends_at=DATETIME,
        patient_id=INTEGER,
        practitioner_id=INTEGER,
        repeated_from_id=INTEGER,
        starts_at=DATETIME,
    ),
    "group_appointments": _filters(
        appointment_type_id=INTEGER,
        archived_at=DATETIME,
        business_id=INTEGER,
        ends_at=DATETIME,
        practitioner_id=INTEGER,
        repeated_from_id=INTEGER,
        starts_at=DATETIME,
    ),
    "attendees": _filters(booking_id=INTEGER, patient_id=INTEGER),
    "treatment_note_templates": _filters(),
    "treatment_notes": _filters(
        attendee_id=INTEGER,
        booking_id=INTEGER,
        patient_id=INTEGER,
        practitioner_id=INTEGER,
        treatment_note_template_id=INTEGER,
    ),
    "invoices": _filters(
        appointment_id=INTEGER,
        business_id=INTEGER,
        issue_date=DATE,
        number=INTEGER,
        patient_id=INTEGER,
        practitioner_id=INTEGER,
        status=INTEGER,
    ),
    "invoice_items": _filters(invoice_id=INTEGER),
    "patient_attachments": _filters(
        content_type=STRING, description=STRING, filename=STRING, patient_id=INTEGER, size=INTEGER, user_id=INTEGER
    ),
    # §2.7 lists "archived_at/deleted_at" for communications: both are filterable.
    "communications": _filters(archived_at=DATETIME, deleted_at=DATETIME, category_code=INTEGER, patient_id=INTEGER),
    # redguava/cliniko-api sections/patient_forms.md, patient_form_templates.md, referral_source_types.md
    # ("Filtering …"); referral_sources.md documents no filter at all (its records have no id nor timestamps).
    "patient_forms": _filters(archived_at=DATETIME, completed_at=DATETIME, patient_id=INTEGER),
    "patient_form_templates": _filters(archived_at=DATETIME),
    "referral_source_types": _filters(),
    "referral_sources": {},
}

# §2.4/§2.7 tombstone endpoints: GET /<collection>/<view>.
DELETED_VIEW = frozenset(
    {
        "patients",
        "individual_appointments",
        "group_appointments",
        "attendees",
        "invoices",
        "invoice_items",
        "medical_alerts",
        "treatment_notes",
        "treatment_note_templates",
    }
)
ARCHIVED_VIEW = frozenset({"patients", "appointment_types"})
CANCELLED_VIEW = frozenset({"individual_appointments", "attendees"})
INACTIVE_VIEW = frozenset({"practitioners"})  # §2.7: GET /practitioners lists active ones only
VIEWS: dict[str, frozenset[str]] = {
    "deleted": DELETED_VIEW,
    "archived": ARCHIVED_VIEW,
    "cancelled": CANCELLED_VIEW,
    "inactive": INACTIVE_VIEW,
}
# §2.4: a deleted patient comes back as `deleted_at` + its self link only.
MINIMAL_DELETED = frozenset({"patients"})

# The single-object resource (GET /settings, not a list).
SINGLE_OBJECT = frozenset({"settings"})
# redguava/cliniko-api sections/practitioner_reference_numbers.md documents only
# GET /practitioners/:practitioner_id/practitioner_reference_numbers: the resource has no top-level list.
# child → (parent collection, the child's filter on its parent).
NESTED_ONLY: dict[str, tuple[str, str]] = {"practitioner_reference_numbers": ("practitioners", "practitioner_id")}
FILES_PREFIX = "/_files"  # where an attachment's content link redirects (a stand-in for a presigned S3 URL)
PUBLIC_VIEW = "public"  # GET /settings/public: the settings any user may read
ATTACHMENTS_COLLECTION = "patient_attachments"
ATTACHMENTS_DIR = "attachments"
DUMP_SUFFIX = ".ndjson"
