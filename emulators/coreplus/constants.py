"""Core Plus API facts the emulator reproduces, each with the research section it comes from.

research/sources-round2.md §2.3 (developers.coreplus.com.au) unless marked ASSUMED; the emulator's
README lists what the public docs leave open and the stricter case modelled there.
"""

from __future__ import annotations

# §2.3: base https://<server>/API/Core/v2/ (sandbox.coreplus.com.au); the emulator's URL stands in for the host.
API_PREFIX = "/API/Core/v2"
CONTROL_PREFIX = "/_emulator"

# §2.3: `Authorization: JwToken <jwt>` — the literal word, one space, the token; HS256 only.
AUTH_SCHEME = "JwToken "
JWT_ALGORITHM = "HS256"
# §2.3: the mandatory claims; `url` and `httpMethod` make the token per request (third-party clients).
REQUIRED_CLAIMS = ("iss", "aud", "nbf", "exp", "consumerId", "accessToken", "url", "httpMethod")
# §2.3: "exp … should be set at 1 minute past the issued time"; a longer-lived token is refused
# (the docs are silent on a maximum: the stricter case).
MAX_TOKEN_LIFETIME_SECONDS = 60

# §2.3: pageNumber default 1, pageSize default 50, at most 100.
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100

# FAQ (§2.3, developers.coreplus.com.au/api/faq/): "The current limit of calls is restricted to 10 requests
# per second" and a 429 "Too Many Requests" beyond it. No Retry-After header is documented: none is sent.
RATE_LIMIT_REQUESTS = 10
RATE_LIMIT_WINDOW_SECONDS = 1.0

# List endpoints: URL segment → (JSON key of the list, id field). Segments as the docs spell them
# (Client, Practitioner, Location, Appointment, invoice); ClientFamily's list endpoint is ASSUMED
# (`GET /ClientFamily/?clientId=`; only its create is documented).
COLLECTIONS: dict[str, tuple[str, str]] = {
    "client": ("clients", "clientId"),
    "clientfamily": ("clientFamilies", "familyId"),
    "practitioner": ("practitioners", "practitionerId"),
    "location": ("locations", "locationId"),
    "appointment": ("appointments", "appointmentId"),
    "invoice": ("invoices", "invoiceId"),
}

# §2.3: timezoneId is a GUID taken from the Location list. The GUIDs of the AU zones are the emulator's
# (ASSUMED: the docs show none); the IANA names give the offsets.
TIME_ZONES: dict[str, str] = {
    "5b0f3b0e-7d52-4b8e-9a51-0c6f2d0a1001": "Australia/Sydney",
    "5b0f3b0e-7d52-4b8e-9a51-0c6f2d0a1002": "Australia/Brisbane",
    "5b0f3b0e-7d52-4b8e-9a51-0c6f2d0a1003": "Australia/Adelaide",
    "5b0f3b0e-7d52-4b8e-9a51-0c6f2d0a1004": "Australia/Perth",
    "5b0f3b0e-7d52-4b8e-9a51-0c6f2d0a1005": "Australia/Melbourne",
    "5b0f3b0e-7d52-4b8e-9a51-0c6f2d0a1006": "Australia/Hobart",
    "5b0f3b0e-7d52-4b8e-9a51-0c6f2d0a1007": "Australia/Darwin",
}
ZONE_IDS: dict[str, str] = {name: guid for guid, name in TIME_ZONES.items()}

# §2.3 quirks: appointment times "2021-09-07T09:00:00 +10:00" (a space before the offset); dateOfBirth
# "1972-07-02T00:00:00" (no offset); request dates yyyy-mm-dd in the timezoneId's zone.
APPOINTMENT_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
REQUEST_DATE_FORMAT = "%Y-%m-%d"
