"""PracSuite API facts the emulator reproduces, each with where it comes from.

research/sources-round2.md §2.5 and docs.api.pracsuite.com (the overview page and the openapi pages named
below) unless marked ASSUMED; emulators/pracsuite/README.md lists what the public docs leave open and the
stricter case modelled there.
"""

from __future__ import annotations

# Overview: server https://api.pracsuite.com/v1/; the emulator's URL stands in for the host.
API_PREFIX = "/v1"
CONTROL_PREFIX = "/_emulator"

# Overview: "All requests to the API must include two headers … A request missing either header will be
# rejected": x-api-key (the vendor key Smartsoft issues) and A-api-key (the clinic's account key, which the
# clinic can create or revoke at any time). HTTP header names are case-insensitive.
VENDOR_KEY_HEADER = "x-api-key"
ACCOUNT_KEY_HEADER = "A-api-key"

# Overview: "By default, each response includes up to 50 items … page_size to a maximum of 100"; every
# list operation page: `page` integer >= 1, `page_size` integer [1 .. 100].
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100

# ASSUMED: no rate limit is documented. The stricter case: a limit per account key (10 requests per
# second, as the sibling cloud PMSs document) answered 429 with a Retry-After in seconds.
RATE_LIMIT_REQUESTS = 10
RATE_LIMIT_WINDOW_SECONDS = 1.0

# List endpoints: URL segment → (JSON key of the list, id field). Documented on their openapi pages:
# appointment ("appointments", listappointments-get), patient (/v1/patient, the overview's example),
# referrer (listreferrers-get), business (getbusiness-get), reschedule_reason
# ("appointment_reschedule_reasons"). ASSUMED (the resource exists in the docs' index, its path or list
# key is not in our sources): the rest, named by the same pattern.
COLLECTIONS: dict[str, tuple[str, str]] = {
    "business": ("businesses", "business_id"),
    "practitioner": ("practitioners", "practitioner_id"),
    "patient": ("patients", "client_id"),
    "referrer": ("referrers", "referrer_id"),
    "appointment_type": ("appointment_types", "appointment_type_id"),
    "appointment_status": ("appointment_statuses", "appointment_status_id"),
    "cancellation_reason": ("appointment_cancellation_reasons", "appointment_cancellation_reason_id"),
    "appointment": ("appointments", "appointment_id"),
    "cancelled_appointment": ("cancelled_appointments", "appointment_id"),
    "note": ("notes", "note_id"),
    "patient_attachment": ("patient_attachments", "attachment_id"),
    "patient_account": ("patient_accounts", "account_id"),
}

# listreferrers-get / listappointments-get: `q[]` filters include `updated` and `created` (timestamp) —
# matched against a record's `modified` and `created` (appointment schema: "RFC 3339 UTC date-time (Z)
# with microsecond precision"). ASSUMED: the filter syntax (the "Query Filtering" page is not in our
# sources) — `field:op value` with op one of = > >= < <=, e.g. `q[]=updated:>=2026-01-01T00:00:00Z`, the
# form Cliniko's API uses; any other filter is refused (400) rather than silently ignored.
TIMESTAMP_FILTERS = {"updated": "modified", "created": "created"}
FILTER_OPERATORS = (">=", "<=", ">", "<", "=")
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
